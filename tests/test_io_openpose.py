"""OpenPose per-frame JSON folders: skeleton detection, people tracking, round trip, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from posecoach import PoseSequence
from posecoach.io import FormatError, load, load_all, save
from posecoach.io import openpose as op


def _person(k: int, x: float, y: float, pid: int | None = None, missing: tuple = ()) -> dict:
    kp = []
    for j in range(k):
        kp += [0.0, 0.0, 0.0] if j in missing else [x + j, y + 2 * j, 0.5]
    out: dict = {"pose_keypoints_2d": kp}
    if pid is not None:
        out["person_id"] = [pid]
    return out


def _write(folder: Path, frame: int, people: list[dict], name: str = "clip") -> None:
    folder.mkdir(exist_ok=True)
    doc = {"version": 1.3, "people": people}
    (folder / f"{name}_{frame:012d}_keypoints.json").write_text(json.dumps(doc))


def test_body25_round_trip_with_missing_joints(tmp_path: Path) -> None:
    pos = np.random.default_rng(1).uniform(10, 500, (3, 25, 2))
    pos[1, 4] = np.nan
    conf = np.full((3, 25), 0.75)
    seq = PoseSequence(pos, conf, skeleton="openpose_body_25", fps=25)
    save(seq, tmp_path / "out", format="openpose")
    assert len(os.listdir(tmp_path / "out")) == 3
    back = load(tmp_path / "out", fps=25)
    assert back.skeleton.name == "openpose_body_25"
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_allclose(back.timestamps, [0.0, 0.04, 0.08])
    raw = json.loads(sorted((tmp_path / "out").iterdir())[1].read_text())
    assert raw["people"][0]["pose_keypoints_2d"][12:15] == [0.0, 0.0, 0.0]  # joint 4 missing


def test_coco18_detected_and_zeros_become_nan(tmp_path: Path) -> None:
    _write(tmp_path / "f", 0, [_person(18, 100, 50, missing=(3,))])
    seq = load(tmp_path / "f")
    assert seq.skeleton.name == "openpose_coco_18"
    assert seq.positions[0, 2].tolist() == [102.0, 54.0]
    assert np.isnan(seq.positions[0, 3]).all() and seq.confidence[0, 3] == 0.0
    assert seq.confidence[0, 2] == 0.5


def test_frame_index_from_file_name(tmp_path: Path) -> None:
    for frame in (10, 0, 5):
        _write(tmp_path / "f", frame, [_person(25, frame, 0)])
    seq = load(tmp_path / "f", fps=10)
    np.testing.assert_allclose(seq.timestamps, [0.0, 0.5, 1.0])
    assert seq.positions[:, 0, 0].tolist() == [0.0, 5.0, 10.0]
    assert seq.metadata["frame_indices"] == [0, 5, 10]


def test_people_tracked_by_nearest_position_without_ids(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    _write(folder, 0, [_person(25, 100, 100), _person(25, 600, 100)])
    _write(folder, 1, [_person(25, 605, 102), _person(25, 103, 101)])  # listed swapped
    _write(folder, 2, [_person(25, 610, 104)])  # the first person is gone
    people = load_all(folder)
    assert len(people) == 2
    a, b = people
    assert a.positions[:2, 0, 0].tolist() == [100.0, 103.0]
    assert b.positions[:, 0, 0].tolist() == [600.0, 605.0, 610.0]
    assert np.isnan(a.positions[2]).all() and (a.confidence[2] == 0).all()
    assert a.metadata["tracking"] == "nearest"


def test_people_tracked_by_person_id_and_person_option(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    _write(folder, 0, [_person(25, 100, 100, pid=5), _person(25, 600, 100, pid=2)])
    _write(folder, 1, [_person(25, 100, 100, pid=2), _person(25, 600, 100, pid=5)])
    people = load_all(folder)
    assert [p.metadata["person_id"] for p in people] == [2, 5]
    assert people[0].positions[:, 0, 0].tolist() == [600.0, 100.0]  # follows the id
    only = load_all(folder, person=1)
    assert len(only) == 1 and only[0].metadata["person_id"] == 5
    with pytest.raises(FormatError, match=r"expected person in \[0, 2\), got 7"):
        load(folder, person=7)


def test_single_file(tmp_path: Path) -> None:
    _write(tmp_path, 3, [_person(18, 1, 1)])
    seq = load(tmp_path / "clip_000000000003_keypoints.json")
    assert seq.n_frames == 1 and seq.skeleton.name == "openpose_coco_18"


def test_mixed_skeletons_name_the_files(tmp_path: Path) -> None:
    _write(tmp_path / "f", 0, [_person(25, 1, 1)])
    _write(tmp_path / "f", 1, [_person(18, 1, 1)])
    with pytest.raises(FormatError) as err:
        load(tmp_path / "f")
    msg = str(err.value)
    assert "mixed" in msg
    assert "openpose_body_25 in clip_000000000000_keypoints.json" in msg
    assert "openpose_coco_18 in clip_000000000001_keypoints.json" in msg


def test_nan_tokens_and_bad_lengths_name_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "f"
    _write(folder, 0, [_person(25, 1, 1)])
    bad = folder / "clip_000000000001_keypoints.json"
    bad.write_text('{"people": [{"pose_keypoints_2d": [NaN, 1, 1]}]}')
    with pytest.raises(FormatError, match=r"clip_000000000001_keypoints\.json.*finite.*NaN"):
        load(folder)
    bad.write_text(json.dumps({"people": [{"pose_keypoints_2d": [1.0] * 30}]}))
    with pytest.raises(FormatError, match=r"000001_keypoints\.json.*75 \(BODY_25\).*got 30"):
        load(folder)


def test_no_people_at_all_and_empty_folder(tmp_path: Path) -> None:
    _write(tmp_path / "f", 0, [])
    with pytest.raises(FormatError, match="at least one person"):
        load(tmp_path / "f", format="openpose")
    (tmp_path / "g").mkdir()
    with pytest.raises(FormatError, match="found none"):
        load(tmp_path / "g", format="openpose")


def test_writer_never_overwrites_or_leaves_partial_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seq = PoseSequence(np.ones((3, 25, 2)), skeleton="openpose_body_25")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(FormatError, match="exists"):
        save(seq, tmp_path / "full", format="openpose")
    assert os.listdir(tmp_path / "full") == ["keep.txt"]

    calls = []
    real = op._frame_json

    def flaky(*args: object) -> str:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(op, "_frame_json", flaky)
    with pytest.raises(OSError):
        save(seq, tmp_path / "new", format="openpose")
    assert sorted(os.listdir(tmp_path)) == ["full"]


def test_other_skeleton_is_converted_to_body25_on_write(tmp_path: Path) -> None:
    pos = np.zeros((1, 17, 2))
    pos[0, 5] = [10, 20]  # left_shoulder
    pos[0, 6] = [30, 40]  # right_shoulder
    seq = PoseSequence(pos + 1, skeleton="coco_17")
    save(seq, tmp_path / "one_keypoints.json", format="openpose")
    back = load(tmp_path / "one_keypoints.json")
    assert back.skeleton.name == "openpose_body_25"
    assert back.joint("neck")[0].tolist() == [21.0, 31.0]  # mid-shoulders
    assert np.isnan(back.joint("left_heel")).all()
