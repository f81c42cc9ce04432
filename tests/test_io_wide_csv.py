"""Wide CSV: round trips, skeleton inference from joint names, label/group columns, bad input."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from posecoach import PoseSequence
from posecoach.io import FormatError, load, save
from posecoach.io.wide_csv import read_wide_csv, read_wide_csv_table
from posecoach.skeletons import Skeleton


def test_round_trip_2d_with_labels_and_groups(tmp_path: Path, rng: np.random.Generator) -> None:
    pos = rng.normal(100, 30, (4, 17, 2))
    pos[2, 9] = np.nan
    conf = rng.uniform(0, 1, (4, 17))
    meta = {"labels": ["up", "up", "down", "up"], "groups": ["v1", "v1", "v2", "v2"]}
    seq = PoseSequence(pos, conf, skeleton="coco_17", fps=12.5, metadata=meta)
    path = tmp_path / "w.csv"
    save(seq, path)
    back = load(path)
    assert back.skeleton.name == "coco_17" and back.fps == 12.5
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_array_equal(back.timestamps, seq.timestamps)
    assert back.metadata["labels"] == meta["labels"] and back.metadata["groups"] == meta["groups"]
    _, labels, groups = read_wide_csv_table(path)
    assert labels.tolist() == meta["labels"] and groups.tolist() == meta["groups"]


def test_round_trip_3d_custom_skeleton(tmp_path: Path, rng: np.random.Generator) -> None:
    sk = Skeleton("stick", ("head", "hip", "foot"), ((0, 1), (1, 2)))
    seq = PoseSequence(rng.normal(size=(3, 3, 3)), skeleton=sk, space="world")
    save(seq, tmp_path / "s.csv")
    # "head" is a Kinect joint; the other two are unknown to every registered skeleton
    with pytest.raises(FormatError, match=r"unknown joint names \['hip', 'foot'\]"):
        load(tmp_path / "s.csv")
    back = read_wide_csv(tmp_path / "s.csv", skeleton=sk, space="world")
    np.testing.assert_array_equal(back.positions, seq.positions)
    assert back.skeleton == sk


def test_subset_of_a_known_skeleton(tmp_path: Path) -> None:
    path = tmp_path / "sub.csv"
    path.write_text("frame,nose_x,nose_y,left_eye_x,left_eye_y,left_eye_confidence\n"
                    "0,10,20,11,19,0.5\n2,12,22,,,0\n")  # fmt: skip
    seq = load(path, fps=10)
    assert seq.skeleton.name == "coco_17"  # the smallest skeleton with a nose and a left eye
    assert seq.joint("nose").tolist() == [[10.0, 20.0], [12.0, 22.0]]
    assert np.isnan(seq.joint("left_eye")[1]).all() and seq.confidence[0, 1] == 0.5
    assert np.isnan(seq.joint("left_hip")).all() and (seq.confidence[:, 11] == 0).all()
    np.testing.assert_allclose(seq.timestamps, [0.0, 0.2])


def test_positional_columns_need_a_skeleton(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    cols = ",".join(f"x{i},y{i}" for i in range(17))
    path.write_text(cols + "\n" + ",".join(str(v) for v in range(34)) + "\n")
    with pytest.raises(FormatError, match=r"positional columns.*need skeleton="):
        load(path)
    seq = load(path, skeleton="coco_17")
    assert seq.joint("left_shoulder")[0].tolist() == [10.0, 11.0]


def test_unknown_joint_names_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("nose_x,nose_y,elbow_thing_x,elbow_thing_y\n1,2,3,4\n")
    with pytest.raises(FormatError) as err:
        load(path)
    msg = str(err.value)
    assert "bad.csv" in msg and "['elbow_thing']" in msg and "coco_17" in msg
    with pytest.raises(FormatError, match=r"bad\.csv.*unknown joint names \['elbow_thing'\]"):
        load(path, skeleton="coco_17")


def test_nan_text_is_missing_but_inf_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("nose_x,nose_y\nnan,NaN\n1,2\n")
    seq = load(path, skeleton="coco_17")
    assert np.isnan(seq.positions[0, 0]).all() and seq.confidence[0, 0] == 0
    path.write_text("nose_x,nose_y\n-inf,1\n")
    with pytest.raises(FormatError, match=r"n\.csv: row 2, column 'nose_x': expected a finite"):
        load(path, skeleton="coco_17")
    path.write_text("nose_x,nose_y\nabc,1\n")
    with pytest.raises(FormatError, match=r"row 2, column 'nose_x': expected a number, got 'abc'"):
        load(path, skeleton="coco_17")


def test_empty_and_zero_frame_files(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("")
    with pytest.raises(FormatError, match=r"e\.csv: expected a pose file, got an empty file"):
        load(path)
    with pytest.raises(FormatError, match=r"e\.csv: expected a wide CSV file, got an empty file"):
        read_wide_csv(path)
    path.write_text("nose_x,nose_y\n")
    with pytest.raises(FormatError, match=r"e\.csv: expected at least one frame, got 0 rows"):
        load(path)


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.csv"
    path.write_text("old content")
    seq = PoseSequence(np.ones((2, 17, 2)), skeleton="coco_17")

    def broken(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", broken)
    with pytest.raises(OSError):
        save(seq, path)
    monkeypatch.undo()
    assert path.read_text() == "old content" and os.listdir(tmp_path) == ["w.csv"]
