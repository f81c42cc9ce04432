"""COCO keypoints JSON: the real mmpose test file, round trips, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import require_shared
from posecoach import PoseSequence
from posecoach.io import FormatError, load, load_all, save
from posecoach.io.coco import read_coco

COCO_GT = "mmpose_testdata/tests/data/coco/test_coco.json"


def test_real_ground_truth_file() -> None:
    path = require_shared(COCO_GT)
    people = load_all(path)
    assert len(people) == 14
    first = people[0]
    assert first.skeleton.name == "coco_17" and first.image_size == (640, 425)
    assert first.joint("nose")[0].tolist() == [367.0, 81.0]  # keypoints[0:2] in the file
    assert first.joint("right_ankle")[0].tolist() == [396.0, 341.0]
    assert first.metadata["bbox"] == [280.79, 44.73, 218.7, 346.68]
    assert first.metadata["area"] == pytest.approx(27789.11055)
    assert (first.metadata["image_id"], first.metadata["annotation_id"]) == (785, 442619)
    assert first.metadata["file_name"] == "000000000785.jpg"


def test_real_file_v0_joints_are_nan_everywhere() -> None:
    path = require_shared(COCO_GT)
    raw = json.loads(path.read_text())["annotations"]
    people = load_all(path)
    n_missing = 0
    for ann, seq in zip(raw, people, strict=True):
        kp = np.array(ann["keypoints"], dtype=float).reshape(17, 3)
        v0 = kp[:, 2] == 0
        n_missing += int(v0.sum())
        assert np.isnan(seq.positions[0, v0]).all() and (seq.confidence[0, v0] == 0).all()
        np.testing.assert_array_equal(seq.positions[0, ~v0], kp[~v0, :2])
        assert seq.metadata["num_keypoints"] == int((~v0).sum())
    assert n_missing > 17  # the file does have unlabelled joints (one annotation has none)


def test_select_by_image_and_annotation() -> None:
    path = require_shared(COCO_GT)
    ids = [s.metadata["annotation_id"] for s in load_all(path, image_id=40083)]
    assert ids == [198196, 230195, 1202706]
    one = load_all(path, annotation_id=230195)
    assert len(one) == 1 and one[0].metadata["bbox"] == [257.76, 139.06, 140.05, 154.21]
    assert len(load_all(path, min_keypoints=16)) == 5  # num_keypoints 17, 17, 16, 16, 16


def _seq(rng: np.random.Generator, t: int = 2) -> PoseSequence:
    pos = rng.uniform(0, 300, (t, 17, 2)).round(2)
    pos[0, 3] = np.nan
    conf = rng.uniform(0.1, 1.0, (t, 17)).round(3)
    return PoseSequence(pos, conf, skeleton="coco_17", image_size=(320, 240))


def test_results_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    seq = _seq(rng)
    save(seq, tmp_path / "r.coco.json")
    doc = json.loads((tmp_path / "r.coco.json").read_text())
    assert isinstance(doc, list) and doc[0]["keypoints"][9:12] == [0, 0, 0]
    back = load_all(tmp_path / "r.coco.json")
    assert [s.metadata["image_id"] for s in back] == [0, 1]
    for i, s in enumerate(back):
        np.testing.assert_array_equal(s.positions[0], seq.positions[i])
        np.testing.assert_array_equal(s.confidence[0], seq.confidence[i])


def test_ground_truth_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    seq = _seq(rng, t=1).replace(metadata={"image_id": 42, "bbox": [1, 2, 3, 4], "area": 9.5})
    save(seq, tmp_path / "g.coco.json", style="gt")
    back = load(tmp_path / "g.coco.json")
    np.testing.assert_array_equal(back.positions, seq.positions)
    assert back.metadata["image_id"] == 42 and back.metadata["bbox"] == [1, 2, 3, 4]
    assert back.metadata["area"] == 9.5 and back.image_size == (320, 240)
    assert back.metadata["visibility"][3] == 0 and back.metadata["visibility"][0] == 2


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"image_id": 1, "keypoints": [Infinity, 0, 1], "score": 1}]')
    with pytest.raises(FormatError, match=r"bad\.json.*finite.*Infinity"):
        read_coco(path)
    path.write_text(json.dumps([{"image_id": 1, "keypoints": [1, 2, 1] * 5, "score": 1}]))
    with pytest.raises(FormatError, match=r"bad\.json.*expected 17 keypoints"):
        load(path)
    gt = {"images": [], "annotations": [{"id": 3, "image_id": 1, "keypoints": [1] * 50}]}
    path.write_text(json.dumps(gt))
    with pytest.raises(FormatError, match=r"bad\.json"):
        load(path, format="coco")
    path.write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(FormatError, match=r"bad\.json: expected at least one keypoint"):
        load(path, format="coco")
