"""All formats together: round trip of every writable format through load/save, auto-detection
(including an ambiguous file), and the errors shared by every reader."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from posecoach import PoseSequence
from posecoach.io import FormatError, formats, load, load_all, save
from posecoach.io.registry import detect

# output name -> the format it must be written in and detected as
WRITABLE = {
    "a.pose.npz": "native",
    "a.pose.json": "native_json",
    "a.csv": "wide_csv",
    "a.mediapipe.csv": "mediapipe_csv",
    "a.mediapipe.json": "mediapipe_json",
    "a.coco.json": "coco",
    "op_folder": "openpose",
}


def _blazepose(rng: np.random.Generator) -> PoseSequence:
    pos = rng.uniform(0.05, 0.95, (3, 33, 2))
    pos[1, 5] = np.nan
    return PoseSequence(
        pos, rng.uniform(0.1, 1, (3, 33)).round(3), skeleton="blazepose_33", space="normalized"
    )


def test_every_writable_format_is_covered() -> None:
    writable = {name for name, fmt in formats().items() if fmt.write is not None}
    assert writable == set(WRITABLE.values())


@pytest.mark.parametrize("name", sorted(WRITABLE))
def test_round_trip_every_writable_format(
    tmp_path: Path, rng: np.random.Generator, name: str
) -> None:
    seq = _blazepose(rng)
    target = WRITABLE[name]
    path = tmp_path / name
    save(seq, path, format="openpose" if target == "openpose" else "auto")
    assert detect(path).name == target
    people = load_all(path)
    back = people[0]
    if target == "coco":  # one single-frame pose per image
        assert len(people) == seq.n_frames
        back = back.replace(
            positions=np.concatenate([p.positions for p in people]),
            confidence=np.concatenate([p.confidence for p in people]),
        )
    # Formats with a fixed skeleton convert by joint name; compare the joints they share.
    common = [n for n in back.skeleton.names if seq.skeleton.has(n)]
    assert len(common) >= 12
    a = seq.positions[:, seq.skeleton.indices(common)]
    b = back.positions[:, back.skeleton.indices(common), :2]
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
    ca = seq.confidence[:, seq.skeleton.indices(common)]
    cb = back.confidence[:, back.skeleton.indices(common)]
    np.testing.assert_allclose(cb, ca, atol=1e-12)
    if target in ("native", "native_json"):
        assert back.equals(seq)


def _positional_33_xyz(path: Path) -> None:
    header = [f"{a}{i}" for i in range(33) for a in "xyz"]
    path.write_text(",".join(header) + "\n" + ",".join(["0.5"] * 99) + "\n")


def test_ambiguous_file_names_the_candidates(tmp_path: Path) -> None:
    path = tmp_path / "landmarks.csv"
    _positional_33_xyz(path)  # MediaPipe's 33 landmarks, or a positional wide CSV?
    with pytest.raises(FormatError) as err:
        load(path)
    msg = str(err.value)
    assert "landmarks.csv: ambiguous format" in msg
    assert "'mediapipe_csv'" in msg and "'wide_csv'" in msg
    seq = load(path, format="mediapipe_csv")
    assert seq.skeleton.name == "blazepose_33" and seq.dims == 3
    seq = load(path, format="wide_csv", skeleton="blazepose_33")
    assert seq.skeleton.name == "blazepose_33"


def test_unknown_and_empty_and_missing_inputs(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    with pytest.raises(FormatError, match=r"notes\.txt: not a pose file of any known format"):
        load(text)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(FormatError, match=r"empty\.json: expected a pose file, got an empty file"):
        load(empty)
    for fmt in ("coco", "openpose", "mediapipe_json", "native_json", "keraal"):
        with pytest.raises(FormatError, match=r"empty\.json.*empty file"):
            formats()[fmt].read(empty)
    with pytest.raises(FormatError, match="no such file"):
        load(tmp_path / "nope.csv")
    with pytest.raises(FormatError, match=r"unknown format 'xml'; expected one of \["):
        load(text, format="xml")


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.coco.json"
    path.write_text('{"images": [], "annotations": [{"keypoints": [1, 2')
    with pytest.raises(FormatError, match=r"cut\.coco\.json: expected a COCO keypoints JSON"):
        load(path, format="coco")


def test_save_needs_a_known_name_and_writes_nothing_otherwise(tmp_path: Path) -> None:
    seq = PoseSequence(np.ones((1, 17, 2)), skeleton="coco_17")
    with pytest.raises(FormatError, match="cannot tell the format"):
        save(seq, tmp_path / "pose.xyz")
    with pytest.raises(FormatError, match="read-only"):
        save(seq, tmp_path / "x.txt", format="keraal")
    assert os.listdir(tmp_path) == []


def test_unknown_options_are_one_clear_error(tmp_path: Path) -> None:
    seq = PoseSequence(np.ones((1, 17, 2)), skeleton="coco_17")
    with pytest.raises(FormatError, match="format 'wide_csv' has no option style; it takes none"):
        save(seq, tmp_path / "a.csv", style="gt")
    save(seq, tmp_path / "a.coco.json", style="gt")
    with pytest.raises(FormatError, match=r"'coco' has no option fps; expected one of \["):
        load(tmp_path / "a.coco.json", fps=25)
    assert os.listdir(tmp_path) == ["a.coco.json"]
