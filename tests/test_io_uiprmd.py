"""UI-PRMD Kinect files: forward kinematics, conventions checked on the real data, errors.

The bounds on real data were measured on all 1,600 repetitions in ``../shared/data``
(``ui_prmd_kinect``: 800 correct + 800 incorrect positions files, s01-s08) and are set
with a margin; the measured values are in the comments.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from conftest import require_shared
from posecoach.io import FormatError, load
from posecoach.io.uiprmd import (
    UIPRMD_KINECT_22,
    UIPRMD_MOVEMENTS,
    UIPRMD_PARENTS,
    _euler_zxy,
    read_uiprmd,
    uiprmd_forward_kinematics,
    uiprmd_index,
)
from posecoach.skeletons import get

DATA = "ui_prmd_kinect"
FIRST = "correct/positions/m01_s01_e01_positions.txt.gz"
BONES = [(j, p) for j, p in enumerate(UIPRMD_PARENTS) if p >= 0]


@pytest.fixture(scope="module")
def root() -> Path:
    return require_shared(DATA)


@pytest.fixture(scope="module")
def sample(root: Path) -> list[tuple[str, bool, np.ndarray]]:
    """Every 10th repetition (160 files, all movements, correct and incorrect)."""
    entries = uiprmd_index(root)[::10]
    return [(e.movement, e.correct, read_uiprmd(e.path).positions) for e in entries]


def _lengths(x: np.ndarray) -> np.ndarray:
    return np.stack([np.linalg.norm(x[:, j] - x[:, p], axis=1) for j, p in BONES], axis=1)


def _foot_drift(x: np.ndarray) -> float:
    """Mean over both ankles of the per-axis standard deviation over time (metres)."""
    ankles = UIPRMD_KINECT_22.indices(["left_ankle", "right_ankle"])
    return float(np.mean([x[:, k].std(axis=0).mean() for k in ankles]))


# ---------------------------------------------------------------- forward kinematics


def test_euler_matrix_is_zxy_intrinsic_as_scipy_computes_it(rng: np.random.Generator) -> None:
    angles = rng.uniform(-180, 180, size=(50, 3))  # columns x, y, z
    expected = Rotation.from_euler("ZXY", angles[:, [2, 0, 1]], degrees=True).as_matrix()
    np.testing.assert_allclose(_euler_zxy(angles), expected, atol=1e-12)


def test_zero_angles_give_the_t_pose_sum_of_offsets(rng: np.random.Generator) -> None:
    rel = rng.normal(size=(3, 22, 3))
    out = uiprmd_forward_kinematics(rel, np.zeros((3, 22, 3)))
    expected = np.empty_like(rel)
    expected[:, 0] = rel[:, 0]
    for j, p in BONES:
        expected[:, j] = expected[:, p] + rel[:, j]
    np.testing.assert_allclose(out, expected)


def test_a_rotation_turns_the_children_of_the_joint_and_chains() -> None:
    rel = np.zeros((1, 22, 3))
    rel[0, 0] = [1.0, 2.0, 3.0]
    rel[0, 14] = [10.0, 0.0, 0.0]  # left hip, 10 to the waist's +x
    rel[0, 15] = [0.0, -40.0, 0.0]  # knee 40 below the hip
    ang = np.zeros((1, 22, 3))
    ang[0, 0, 1] = 90.0  # waist turned 90° about y: +x → -z
    ang[0, 14, 0] = 90.0  # hip turned 90° about its x: -y → -z (in the waist frame)
    out = uiprmd_forward_kinematics(rel, ang)[0]
    np.testing.assert_allclose(out[14], [1.0, 2.0, 3.0 - 10.0], atol=1e-12)
    # knee: waist(y 90) @ hip(x 90) @ (0, -40, 0) = Ry(90) @ (0, 0, -40) = (-40, 0, 0)
    np.testing.assert_allclose(out[15], out[14] + [-40.0, 0.0, 0.0], atol=1e-12)


def test_skeleton_is_registered_with_edges_and_pairs() -> None:
    sk = get("uiprmd_kinect_22")
    assert sk is UIPRMD_KINECT_22 and sk.n_joints == 22 and len(sk.edges) == 21
    for joint in ("left_shoulder", "left_elbow", "left_wrist", "left_hip", "left_knee"):
        assert sk.has(joint) and sk.has(joint.replace("left", "right"))
    assert len(sk.symmetric_pairs) == 8
    assert ("left_knee", "left_ankle") in sk.edge_names()
    assert ("pelvis", "right_hip") in sk.edge_names()


# ---------------------------------------------------------------- real files


def test_read_first_file(root: Path) -> None:
    path = root / FIRST
    seq = load(path)  # format detection finds exactly this reader
    assert seq.skeleton.name == "uiprmd_kinect_22" and seq.positions.shape == (73, 22, 3)
    assert seq.space == "world" and seq.fps == 30 and seq.timestamps[1] == pytest.approx(1 / 30)
    meta = seq.metadata
    assert (meta["movement"], meta["movement_name"], meta["subject"], meta["episode"]) == (
        "m01",
        "deep squat",
        "s01",
        "e01",
    )
    assert meta["correct"] is True and meta["label"] == "correct"
    assert meta["y_up"] is True and meta["units"] == "m"
    assert meta["angles_source"].endswith("correct/angles/m01_s01_e01_angles.txt.gz")
    # the waist is stored absolute in cm: -3.5028, 85.59755, -235.88153 on line 1
    np.testing.assert_allclose(seq.joint("pelvis")[0], [-0.035028, 0.8559755, -2.3588153])
    # the subject faces +z (toes ahead of the ankles) and has its left at +x
    assert (seq.joint("left_foot_index")[0, 2] > seq.joint("left_ankle")[0, 2]).all()
    assert seq.joint("left_hip")[0, 0] > seq.joint("right_hip")[0, 0]


def test_incorrect_file_and_angles_path_accepted(root: Path) -> None:
    inc = root / "incorrect/angles/m10_s08_e10_angles_inc.txt.gz"
    seq = read_uiprmd(inc)  # the angles file finds its positions partner
    assert seq.metadata["source"].endswith("incorrect/positions/m10_s08_e10_positions_inc.txt.gz")
    assert seq.metadata["correct"] is False and seq.metadata["label"] == "incorrect"
    assert seq.metadata["movement_name"] == "standing shoulder scaption"


def test_index_counts(root: Path) -> None:
    entries = uiprmd_index(root)
    # 10 movements x 8 subjects x 10 repetitions, once correct and once incorrect
    assert len(entries) == 1600
    assert sum(e.correct for e in entries) == 800
    assert sum(not e.correct for e in entries) == 800
    assert {e.movement for e in entries} == set(UIPRMD_MOVEMENTS)
    assert {e.subject for e in entries} == {f"s{i:02d}" for i in range(1, 9)}
    assert {e.episode for e in entries} == {f"e{i:02d}" for i in range(1, 11)}
    assert len({(e.movement, e.subject, e.episode, e.correct) for e in entries}) == 1600
    first = entries[0]
    assert first.path == root / FIRST and first[1:] == ("m01", "s01", "e01", True)


def test_frame_counts_and_durations(sample: list[tuple[str, bool, np.ndarray]]) -> None:
    frames = np.array([len(x) for _, _, x in sample])
    # measured on all files: 28 to 179 frames, median 73 (2.4 s at 30 fps)
    assert frames.min() >= 20 and frames.max() <= 200
    assert 1.5 <= np.median(frames) / 30 <= 4.0  # one repetition of a slow exercise


def test_bone_lengths_constant_over_time(sample: list[tuple[str, bool, np.ndarray]]) -> None:
    cvs = np.array([np.median(_lengths(x).std(0) / _lengths(x).mean(0)) for _, _, x in sample])
    # Kinect v2 does not fix bone lengths; median over bones of the coefficient of
    # variation per file, all 1,600 files: median 0.030, 95th percentile 0.071, max 0.122
    assert np.median(cvs) < 0.05
    assert cvs.max() < 0.16


def test_left_right_bone_lengths_symmetric(sample: list[tuple[str, bool, np.ndarray]]) -> None:
    sk = UIPRMD_KINECT_22
    pairs = [("left_elbow", "left_wrist"), ("left_hip", "left_knee"), ("left_knee", "left_ankle")]
    diffs = []
    for _, _, x in sample:
        for a, b in pairs:
            ia, ib = sk.indices([a, b])
            ra, rb = sk.indices([a.replace("left", "right"), b.replace("left", "right")])
            left = np.median(np.linalg.norm(x[:, ib] - x[:, ia], axis=1))
            right = np.median(np.linalg.norm(x[:, rb] - x[:, ra], axis=1))
            diffs.append(abs(left - right) / ((left + right) / 2))
    # forearm / thigh / shank, all files: medians 0.040 / 0.031 / 0.037
    assert np.median(diffs) < 0.08


def test_upright_stance_at_the_start(sample: list[tuple[str, bool, np.ndarray]]) -> None:
    sk = UIPRMD_KINECT_22
    head, pelvis = sk.indices(["head", "pelvis"])
    ankles = sk.indices(["left_ankle", "right_ankle"])
    tilts = []
    for _, _, x in sample:
        first = x[0]
        assert first[head, 1] > first[pelvis, 1] > first[ankles, 1].max()  # y up
        assert 0.5 < first[pelvis, 1] - first[ankles, 1].mean() < 1.2  # legs, metres
        d = first[head] - first[pelvis]
        tilts.append(np.degrees(np.arccos(d[1] / np.linalg.norm(d))))
    # trunk from vertical at frame 0, all files: median 4.3°, max 33° (sit to stand)
    assert np.median(tilts) < 10 and max(tilts) < 40


def test_euler_convention_keeps_feet_still(sample: list[tuple[str, bool, np.ndarray]]) -> None:
    """The convention chosen on the data: feet stay put when only the arms move and in a
    deep squat (medians 0.13 cm and 1.9 cm; every other Euler order moves the squatting
    feet by 8-22 cm), and the hands rise above the head in shoulder abduction."""
    arms = [_foot_drift(x) for m, ok, x in sample if m in ("m07", "m08", "m09", "m10") and ok]
    squat = [_foot_drift(x) for m, ok, x in sample if m == "m01" and ok]
    assert np.median(arms) < 0.005 and np.median(squat) < 0.04
    sk = UIPRMD_KINECT_22
    hands, head = sk.indices(["left_wrist", "right_wrist"]), sk.index("head")
    lifts = [x[:, hands, 1].max() - x[0, head, 1] for m, ok, x in sample if m == "m07" and ok]
    assert np.median(lifts) > 0.3  # measured 0.48 m


# ---------------------------------------------------------------- bad input


def _write(root: Path, kind: str, lines: list[str], inc: str = "") -> Path:
    folder = root / "correct" / kind
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"m01_s01_e01_{kind}{inc}.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("".join(line + "\n" for line in lines))
    return path


def _row(n: int = 66) -> str:
    return ",".join(["1.5"] * n)


def test_tiny_files_round_trip(tmp_path: Path) -> None:
    pos = _write(tmp_path, "positions", [_row(), _row()])
    _write(tmp_path, "angles", [",".join(["0"] * 66)] * 2)
    seq = read_uiprmd(pos)
    assert seq.positions.shape == (2, 22, 3)
    np.testing.assert_allclose(seq.joint("pelvis")[0], [0.015] * 3)


def test_wrong_column_count(tmp_path: Path) -> None:
    pos = _write(tmp_path, "positions", [_row(), _row(65)])
    _write(tmp_path, "angles", [_row(), _row()])
    with pytest.raises(FormatError) as info:
        read_uiprmd(pos)
    assert str(info.value) == (
        f"{pos}: expected 66 comma-separated values per line (22 joints × 3), got 65 on line 2"
    )


def test_empty_file(tmp_path: Path) -> None:
    pos = tmp_path / "correct/positions/m01_s01_e01_positions.txt.gz"
    pos.parent.mkdir(parents=True)
    pos.write_bytes(b"")
    _write(tmp_path, "angles", [_row()])
    with pytest.raises(FormatError, match="expected a UI-PRMD Kinect file, got an empty file"):
        read_uiprmd(pos)
    with gzip.open(pos, "wt") as fh:
        fh.write("\n\n")  # compressed, but no data lines
    with pytest.raises(FormatError, match="got no data lines") as info:
        read_uiprmd(pos)
    assert str(pos) in str(info.value)


def test_not_gzip(tmp_path: Path) -> None:
    pos = tmp_path / "correct/positions/m01_s01_e01_positions.txt.gz"
    pos.parent.mkdir(parents=True)
    pos.write_text(_row() + "\n")
    _write(tmp_path, "angles", [_row()])
    with pytest.raises(FormatError, match="expected a gzip-compressed UI-PRMD file") as info:
        read_uiprmd(pos)
    assert str(info.value).startswith(str(pos))
    pos.write_bytes(b"\x1f\x8b" + b"garbage" * 10)  # gzip magic, corrupt stream
    with pytest.raises(FormatError, match="expected a gzip-compressed text file"):
        read_uiprmd(pos)


def test_non_numeric_and_non_finite(tmp_path: Path) -> None:
    _write(tmp_path, "angles", [_row()])
    pos = _write(tmp_path, "positions", [",".join(["1"] * 65 + ["abc"])])
    with pytest.raises(FormatError, match=r"line 1: expected numbers, got 'abc'"):
        read_uiprmd(pos)
    pos = _write(tmp_path, "positions", [",".join(["1"] * 65 + ["nan"])])
    with pytest.raises(FormatError, match="expected finite numbers"):
        read_uiprmd(pos)


def test_frame_count_mismatch_and_missing_angles(tmp_path: Path) -> None:
    pos = _write(tmp_path, "positions", [_row(), _row()])
    with pytest.raises(FormatError, match=r"expected its angles file at .*m01_s01_e01_angles"):
        read_uiprmd(pos)
    _write(tmp_path, "angles", [_row()])
    with pytest.raises(FormatError, match="got 2 and 1") as info:
        read_uiprmd(pos)
    assert str(info.value).startswith(str(pos))


def test_index_of_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="expected the UI-PRMD folder"):
        uiprmd_index(tmp_path / "nope")
    assert uiprmd_index(tmp_path) == []
