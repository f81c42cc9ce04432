"""MediaPipe landmark CSV/JSON, the exercise-correction CSVs and the ML Kit samples."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from conftest import require_shared
from posecoach import PoseSequence
from posecoach.io import FormatError, load, save
from posecoach.io.mediapipe_landmarks import (
    read_exercise_correction_csv,
    read_mediapipe_csv,
    read_mlkit_samples,
)
from posecoach.skeletons import BLAZEPOSE_33


def _seq(rng: np.random.Generator, world: bool = False) -> PoseSequence:
    pos = rng.uniform(0, 1, (3, 33, 3))
    pos[1, 15] = np.nan
    conf = rng.uniform(0, 1, (3, 33))
    return PoseSequence(
        pos,
        conf,
        skeleton="blazepose_33",
        fps=20,
        space="normalized",
        world=rng.normal(size=(3, 33, 3)) if world else None,
        metadata={"labels": ["a", "b", "a"]},
    )


def test_csv_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    seq = _seq(rng)
    path = tmp_path / "x.mediapipe.csv"
    save(seq, path)
    back = load(path)
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_allclose(back.timestamps, seq.timestamps)
    assert back.fps == 20 and back.space == "normalized"
    assert back.metadata["labels"] == ["a", "b", "a"]
    header = path.read_text().splitlines()[0].split(",")
    assert header[:7] == ["frame", "time", "label", "nose_x", "nose_y", "nose_z", "nose_v"]


def test_json_round_trip_with_world(tmp_path: Path, rng: np.random.Generator) -> None:
    seq = _seq(rng, world=True)
    path = tmp_path / "x.mediapipe.json"
    save(seq, path)
    back = load(path)
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_array_equal(back.world, seq.world)
    doc = json.loads(path.read_text())
    assert doc[1]["landmarks"][15] == {"x": None, "y": None, "z": None, "visibility": 0.0}


def test_positional_csv_with_visibility(tmp_path: Path) -> None:
    header = [f"{a}{i}" for i in range(33) for a in ("x", "y", "z", "visibility")]
    row = [str(i / 100) for i in range(33 * 4)]
    row[4 * 11 + 3] = "0.25"  # left_shoulder visibility
    path = tmp_path / "pos.csv"
    path.write_text(",".join(["frame", *header]) + "\n" + ",".join(["7", *row]) + "\n")
    seq = load(path)
    assert seq.skeleton is BLAZEPOSE_33 and seq.dims == 3
    assert seq.joint("left_shoulder")[0].tolist() == [0.44, 0.45, 0.46]
    assert seq.confidence[0, 11] == 0.25
    assert seq.metadata["frame_indices"] == [7]


def test_json_frames_without_anyone(tmp_path: Path) -> None:
    frame = [{"x": 0.1 * (j % 10), "y": 0.5, "z": 0.0, "visibility": 0.9} for j in range(33)]
    path = tmp_path / "lm.json"
    path.write_text(json.dumps([frame, [], None, frame]))
    seq = load(path)
    assert seq.n_frames == 4 and np.isnan(seq.positions[1:3]).all()
    assert (seq.confidence[1:3] == 0).all() and seq.confidence[0, 0] == pytest.approx(0.9)


def test_infinite_and_unknown_names_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("nose_x,nose_y,nose_v\n0.1,inf,1\n")
    with pytest.raises(FormatError, match=r"bad\.csv: row 2, column 'nose_y'.*finite.*inf"):
        load(path)
    path.write_text("nose_x,nose_y,nose_v,tail_x,tail_y,tail_v\n0.1,0.2,1,0.3,0.4,1\n")
    with pytest.raises(FormatError, match=r"bad\.csv.*BlazePose landmark names.*\['tail'\]"):
        read_mediapipe_csv(path)


def test_real_exercise_correction_csv() -> None:
    path = require_shared("exercise_correction_mediapipe/core/bicep_model/test.csv")
    seq, labels = read_exercise_correction_csv(path)
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert seq.n_frames == len(rows) - 1 == len(labels) == 604
    first = dict(zip(rows[0], rows[1], strict=True))
    assert labels[0] == first["label"] == "C" and set(labels) == {"C", "L"}
    nose = seq.joint("nose")[0]
    assert nose.tolist() == [float(first[f"nose_{a}"]) for a in "xyz"]
    assert nose[0] == 0.6152240633964539 and seq.confidence[0, 0] == float(first["nose_v"])
    assert seq.space == "normalized" and seq.skeleton is BLAZEPOSE_33
    # the bicep file holds 9 landmarks; the legs are absent: NaN with confidence 0
    assert int(seq.visible[0].sum()) == 9
    assert np.isnan(seq.joint("left_knee")).all() and (seq.confidence[:, 25] == 0).all()


def test_real_exercise_correction_csvs_all_read() -> None:
    root = require_shared("exercise_correction_mediapipe/core")
    joints = {"bicep_model": 9, "squat_model": 9, "lunge_model": 13, "plank_model": 17}
    for path in sorted(root.glob("*_model/*.csv")):
        if path.name.startswith(("knee_angle", "analyze_pose")):
            continue  # derived tables (angles, widths), not landmarks
        seq, labels = read_exercise_correction_csv(path)
        assert len(labels) == seq.n_frames > 100
        assert int(seq.visible[0].sum()) == joints[path.parent.name], path


def test_real_mlkit_samples() -> None:
    path = require_shared("mlkit_fitness_pose_samples/fitness_pose_samples.csv")
    seq, labels, names = read_mlkit_samples(path)
    assert seq.positions.shape == (812, 33, 3) and seq.space == "pixel"
    assert names[0] == "Screenshot_2021-02-11_at_12.43.07.png" and labels[0] == "pushups_up"
    assert seq.positions[0, 0].tolist() == [1251.0012, 384.75177, -1716.2709]
    assert set(labels) == {"pushups_up", "pushups_down", "squats_up", "squats_down"}
    assert seq.metadata["independent_frames"] is True and seq.metadata["labels"] == labels
    assert load(path).equals(seq)  # auto-detected as mlkit_samples


def test_mlkit_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a.png,up," + ",".join(["1"] * 99) + "\nb.png,up,1,2\n")
    with pytest.raises(FormatError, match=r"s\.csv.*row 2: expected 101 fields.*got 4"):
        read_mlkit_samples(path)


def test_zero_frame_json(tmp_path: Path) -> None:
    path = tmp_path / "none.json"
    path.write_text("[]")
    with pytest.raises(FormatError, match=r"none\.json.*at least one frame, got 0"):
        load(path, format="mediapipe_json")


def test_json_frames_with_keypoints_instead_of_landmarks(tmp_path) -> None:
    lm = [{"x": 0.1 + 0.01 * j, "y": 0.5, "z": 0.0, "visibility": 0.7} for j in range(33)]
    world = [{"x": 0.0, "y": -0.1 * j, "z": 0.0} for j in range(33)]
    path = tmp_path / "kp.json"
    path.write_text(
        json.dumps(
            [
                {"keypoints": lm, "world_keypoints": world, "time": 0.0},
                {"keypoints": None, "time": 0.1},  # nobody in this frame
                {"pose_landmarks": lm, "time": 0.2},
            ]
        )
    )
    seq = load(path)  # found by sniffing
    assert seq.metadata["format"] == "mediapipe_json" and seq.n_frames == 3
    assert seq.positions[0, 5, 0] == pytest.approx(0.15) and seq.confidence[0, 5] == 0.7
    assert np.isnan(seq.positions[1]).all() and seq.positions[2, 5, 0] == pytest.approx(0.15)
    assert seq.world is not None and seq.world[0, 3, 1] == pytest.approx(-0.3)


def test_json_frame_objects_without_landmarks_are_an_error_not_nobody(tmp_path) -> None:
    lm = [{"x": 0.5, "y": 0.5}] * 33
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"points": lm}, {"points": lm}]))
    with pytest.raises(FormatError, match=r"expected 'landmarks' or 'keypoints'.* in frame 0"):
        load(path, format="mediapipe_json")


@pytest.mark.parametrize(("per_landmark", "axes"), [(4, "xyzv"), (3, "xyz")])
def test_csv_with_bare_numbered_columns_and_a_label(tmp_path, per_landmark, axes) -> None:
    # "label,0,1,...,131": 33 x (x, y, z, visibility), as MediaPipe notebooks export them
    n = 33 * per_landmark
    rows = ["label," + ",".join(str(i) for i in range(n))]
    for t, label in enumerate(["up", "down"]):
        values = []
        for j in range(33):
            cell = {"x": 0.01 * j, "y": 0.5 + 0.1 * t, "z": -0.2, "v": 0.6}
            values += [str(cell[a]) for a in axes]
        rows.append(label + "," + ",".join(values))
    path = tmp_path / "numbered.csv"
    path.write_text("\n".join(rows) + "\n")
    seq = load(path)
    assert seq.metadata["format"] == "mediapipe_csv" and seq.skeleton.name == "blazepose_33"
    assert seq.metadata["labels"] == ["up", "down"]
    assert seq.joint("left_shoulder")[1].tolist() == pytest.approx([0.11, 0.6, -0.2])
    assert seq.confidence[0, 11] == pytest.approx(0.6 if per_landmark == 4 else 1.0)
