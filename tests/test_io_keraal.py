"""Keraal rehabilitation data: Kinect / Vicon text files and 2D detector JSON, real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import require_shared
from posecoach.io import FormatError, load
from posecoach.io.keraal import read_keraal, read_keraal_orientations

SAMPLE = "keraal_rehab_sample/draw_skeleton/dataSampleKeraal"


def _first_row(path: Path) -> list[float]:
    return [float(v) for v in path.read_text().split("\n", 1)[0].split()]


def test_kinect_txt() -> None:
    path = require_shared(f"{SAMPLE}/G3-Kinect-CTK-P1T1-Unknown-C-0.txt")
    seq = load(path)
    row = _first_row(path)
    assert seq.skeleton.name == "kinect_v2_25" and seq.positions.shape == (197, 25, 3)
    assert seq.space == "world" and seq.fps == 30
    assert seq.joint("spine_base")[0].tolist() == [0.314218, -0.552, 3.070075] == row[:3]
    # joint 3 of the doc's order is the head: 3 x 7 values further along the row
    assert seq.joint("head")[0].tolist() == row[21:24]
    # anatomy check of the order: the head is above the spine base (y up), feet below
    assert (seq.joint("head")[:, 1] > seq.joint("spine_base")[:, 1]).all()
    assert (seq.joint("left_foot")[:, 1] < seq.joint("left_knee")[:, 1]).all()
    meta = seq.metadata["keraal"]
    assert (meta["exercise"], meta["modality"], meta["label"]) == ("CTK", "Kinect", "C")
    quats = read_keraal_orientations(path)
    assert quats.shape == (197, 25, 4) and quats[0, 0].tolist() == row[3:7]


def test_vicon_txt_in_metres_and_millimetres() -> None:
    path = require_shared(f"{SAMPLE}/G3-Vicon-CTK-P1T1-Unknown-C-0.txt")
    row = _first_row(path)
    seq = read_keraal(path)
    assert seq.skeleton.name == "keraal_vicon_17" and seq.positions.shape == (390, 17, 3)
    np.testing.assert_allclose(seq.joint("right_forearm")[0], np.array(row[:3]) / 1000)
    assert seq.metadata["unit"] == "m"
    mm = read_keraal(path, unit="mm")
    assert mm.joint("right_forearm")[0].tolist() == [687.672296, -36.125421, 674.598052]


def test_openpose_json_with_empty_frames() -> None:
    path = require_shared(f"{SAMPLE}/G3-OP-CTK-P1T1-Unknown-C-0.json")
    raw = json.loads(path.read_text())["positions"]
    seq = load(path)
    assert seq.skeleton.name == "openpose_coco_18" and seq.n_frames == len(raw) == 197
    assert seq.space == "normalized" and seq.image_size == (960, 544)
    assert seq.joint("neck")[0].tolist() == [0.4253048780487805, 0.5516304347826086]
    assert seq.joint("right_shoulder")[0].tolist() == raw["1.0"]["rShoulder"]
    empty = [i for i, v in enumerate(raw.values()) if not v]
    assert empty and np.isnan(seq.positions[empty[0]]).all()
    assert (seq.confidence[empty[0]] == 0).all()
    assert seq.timestamps[0] == pytest.approx(1 / 30)  # frames numbered from 1


def test_alphapose_json_missing_frame_is_nan() -> None:
    path = require_shared(f"{SAMPLE}/G3-AP-CTK-P1T1-Unknown-C-0.json")
    raw = json.loads(path.read_text())["positions"]
    assert "12" not in raw  # the file skips frame 12
    seq = load(path)
    assert seq.skeleton.name == "coco_17" and seq.n_frames == 196
    assert seq.positions[0, 0].tolist() == raw["0"]["0"] == [0.4099825620651245, 0.5093255043029785]
    assert seq.joint("right_ankle")[13].tolist() == raw["13"]["16"]
    assert np.isnan(seq.positions[12]).all()


def test_blazepose_json_3d() -> None:
    path = require_shared(f"{SAMPLE}/G3-BP-ELK-P1T1-Unknown-C-0.json")
    raw = json.loads(path.read_text())["positions"]
    seq = load(path)
    assert seq.skeleton.name == "blazepose_33" and seq.dims == 3
    assert seq.joint("left_eye_inner")[0].tolist() == raw["1.0"]["Left_eye_inner"]


def test_reference_repetitions() -> None:
    root = require_shared("keraal_rehab_sample/evaluation_mouvements_gmm_matlab/data")
    files = sorted(root.glob("*/SkeletonSequence*.txt"))
    assert len(files) == 6
    seq = load(files[0])
    assert seq.skeleton.name == "kinect_v2_25" and seq.n_frames == 317
    assert seq.joint("spine_base")[0].tolist() == _first_row(files[0])[:3]


def test_bad_keraal_files(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_text(" ".join(["1"] * 175) + "\n" + " ".join(["1"] * 174) + "\n")
    with pytest.raises(FormatError, match=r"k\.txt: row 2: expected 175 values like row 1"):
        read_keraal(path)
    path.write_text(" ".join(["1"] * 174 + ["nan"]) + "\n")
    with pytest.raises(FormatError, match=r"k\.txt: row 1: expected finite numbers"):
        load(path)
    path.write_text("1 2 3\n")
    with pytest.raises(FormatError, match=r"k\.txt: expected 175 \(Kinect 25 x 7\) or 119"):
        read_keraal(path)
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"positions": {"1": {"Tail": [0.1, 0.2]}}}))
    with pytest.raises(FormatError, match=r"p\.json.*unknown joint names \['tail'\]"):
        load(bad)
