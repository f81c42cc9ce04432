"""posecoach's own .pose.npz / .pose.json files: lossless round trips and bad files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach import PoseSequence
from posecoach.io import FormatError, load, save
from posecoach.io.native import read_npz, skeleton_to_dict
from posecoach.skeletons import Skeleton, get


def _custom_sequence() -> PoseSequence:
    sk = Skeleton(
        "my_rig", ("root", "left_hand", "right_hand", "tip"), ((0, 1), (0, 2), (2, 3)), ((1, 2),)
    )
    pos = np.arange(4 * 4 * 2, dtype=float).reshape(4, 4, 2) / 7.0
    pos[1, 3] = np.nan
    world = np.arange(4 * 4 * 3, dtype=float).reshape(4, 4, 3) / 3.0
    conf = np.full((4, 4), 0.25)
    return PoseSequence(
        pos,
        conf,
        skeleton=sk,
        fps=29.97,
        timestamps=[0.0, 0.03, 0.5, 0.51],
        space="normalized",
        image_size=(640, 480),
        world=world,
        metadata={"source": "hand-made", "person_id": 3, "nested": {"a": [1, 2, None]}},
    )


@pytest.mark.parametrize("suffix", [".pose.npz", ".pose.json"])
def test_round_trip_keeps_everything(tmp_path: Path, suffix: str) -> None:
    seq = _custom_sequence().with_provenance("test", k=1)
    path = tmp_path / f"a{suffix}"
    save(seq, path)
    back = load(path)
    assert back.equals(seq)
    assert back.skeleton == seq.skeleton and back.skeleton.symmetric_pairs == ((1, 2),)
    assert np.isnan(back.positions[1, 3]).all() and back.confidence[1, 3] == 0.0
    assert np.isnan(back.world[1, 3]).all()
    assert back.metadata["nested"] == {"a": [1, 2, None]}
    assert back.provenance[0]["op"] == "test"


def test_registered_skeleton_comes_back_as_the_registered_object(tmp_path: Path) -> None:
    from posecoach.skeletons import get

    seq = PoseSequence(np.ones((2, 17, 2)), skeleton="coco_17")
    save(seq, tmp_path / "a.pose.npz")
    assert load(tmp_path / "a.pose.npz").skeleton is get("coco_17")


def test_truncated_npz_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.pose.npz"
    save(_custom_sequence(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError, match=r"a\.pose\.npz: .*corrupt or truncated"):
        load(path)


def test_npz_that_is_not_ours(tmp_path: Path) -> None:
    path = tmp_path / "other.pose.npz"
    with open(path, "wb") as fh:
        np.savez(fh, positions=np.zeros((2, 17, 2)))
    with pytest.raises(FormatError, match="expected a posecoach pose file"):
        load(path)


def _write_raw(path: Path, header: dict, **arrays: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.savez(fh, header=np.array(json.dumps(header)), **arrays)


def _header(**changes: object) -> dict:
    skel = skeleton_to_dict(get("coco_17"))
    header = {"format": "posecoach.pose", "version": 1, "skeleton": skel, "fps": 30.0,
              "space": "pixel", "image_size": None, "metadata": {}}  # fmt: skip
    header.update(changes)
    return header


def test_tampered_npz_shapes_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.pose.npz"
    _write_raw(path, _header(), positions=np.zeros((2, 17, 2)), confidence=np.ones((2, 5)),
               timestamps=np.arange(2.0))  # fmt: skip
    with pytest.raises(FormatError, match=r"bad\.pose\.npz.*expected confidence of shape"):
        load(path)


def test_infinite_coordinates_rejected(tmp_path: Path) -> None:
    path = tmp_path / "inf.pose.npz"
    pos = np.zeros((2, 17, 2))
    pos[1, 4, 0] = np.inf
    _write_raw(path, _header(), positions=pos, confidence=np.ones((2, 17)),
               timestamps=np.arange(2.0))  # fmt: skip
    with pytest.raises(FormatError, match=r"inf\.pose\.npz.*infinite"):
        load(path)


def test_zero_frame_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.pose.npz"
    _write_raw(path, _header(), positions=np.zeros((0, 17, 2)), confidence=np.ones((0, 17)),
               timestamps=np.zeros(0))  # fmt: skip
    with pytest.raises(FormatError, match=r"empty\.pose\.npz.*at least one frame, got 0"):
        load(path)


def test_newer_version_rejected(tmp_path: Path) -> None:
    path = tmp_path / "future.pose.npz"
    _write_raw(path, _header(version=99), positions=np.zeros((1, 17, 2)),
               confidence=np.ones((1, 17)), timestamps=np.zeros(1))  # fmt: skip
    with pytest.raises(FormatError, match="version <= 1, got 99"):
        load(path)


def test_pickled_object_arrays_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pose.npz"
    obj = np.empty(1, dtype=object)
    obj[0] = {"payload": 1}
    _write_raw(path, _header(), positions=obj, confidence=np.ones((1, 17)),
               timestamps=np.zeros(1))  # fmt: skip
    with pytest.raises(FormatError, match="evil"):
        read_npz(path)


def test_empty_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "zero.pose.npz"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file"):
        load(path)


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.pose.npz"

    def broken(fh: object, **arrays: object) -> None:
        fh.write(b"PK partial")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez_compressed", broken)
    with pytest.raises(OSError, match="disk full"):
        save(_custom_sequence(), path)
    assert os.listdir(tmp_path) == []


def test_json_refuses_nan_metadata_and_writes_nothing(tmp_path: Path) -> None:
    seq = PoseSequence(np.ones((1, 17, 2)), skeleton="coco_17", metadata={"gain": float("nan")})
    with pytest.raises(FormatError, match=r"a\.pose\.json: metadata holds NaN.*use \.pose\.npz"):
        save(seq, tmp_path / "a.pose.json")
    assert os.listdir(tmp_path) == []
    save(seq, tmp_path / "a.pose.npz")
    assert np.isnan(load(tmp_path / "a.pose.npz").metadata["gain"])


@settings(max_examples=25, deadline=None)
@given(
    t=st.integers(1, 4),
    dims=st.sampled_from([2, 3]),
    seed=st.integers(0, 2**31 - 1),
    fmt=st.sampled_from([".pose.npz", ".pose.json", ".csv"]),
)
def test_round_trip_property(t: int, dims: int, seed: int, fmt: str) -> None:
    """Random coordinates (any float, incl. tiny and huge) and NaN masks survive exactly."""
    rng = np.random.default_rng(seed)
    pos = rng.normal(size=(t, 17, dims)) * 10.0 ** rng.integers(-8, 9, size=(t, 17, 1))
    pos[rng.random((t, 17)) < 0.3] = np.nan
    conf = rng.random((t, 17))
    seq = PoseSequence(pos, conf, skeleton="coco_17", fps=float(rng.integers(1, 120)))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"p{fmt}"
        save(seq, path)
        back = load(path)
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_allclose(back.timestamps, seq.timestamps, rtol=0, atol=1e-12)


def test_written_files_get_the_umask_mode_not_0600(tmp_path):
    import os
    import stat

    from posecoach.atomic import atomic_path

    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "x.txt") as tmp:
            tmp.write_text("hi")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o644
