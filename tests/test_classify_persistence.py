"""Model files: one clear error for foreign, tampered or mismatched input."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from posecoach.classify import (
    ModelFileError,
    SkeletonMismatchError,
    fit_classifier,
    load_classifier,
    save_classifier,
)
from posecoach.classify.synthetic import planted_dataset
from posecoach.pose import PoseSequence


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    clf = fit_classifier(planted_dataset(10), model="knn")
    return save_classifier(clf, tmp_path_factory.mktemp("m") / "m.safetensors")


def _raw(path):
    data = path.read_bytes()
    n = struct.unpack("<Q", data[:8])[0]
    return data, n, json.loads(data[8 : 8 + n])


def test_header_holds_labels_skeleton_features_versions_and_sha(model_file):
    from safetensors import safe_open

    with safe_open(str(model_file), framework="numpy") as fh:
        header = json.loads(fh.metadata()["posecoach"])
    assert header["format"] == "posecoach-classifier"
    assert header["classes"] == ["lowered", "raised"]
    assert header["skeleton"]["name"] == "coco_17"
    assert header["features"]["blocks"] == ["coords", "angles", "distances", "mask"]
    assert {"posecoach", "numpy", "scikit-learn"} <= set(header["versions"])
    assert len(header["sha256"]) == 64


def test_not_a_model_file(tmp_path):
    bad = tmp_path / "x.safetensors"
    bad.write_text("hello, I am a text file")
    with pytest.raises(ModelFileError, match=r"x\.safetensors: not a posecoach model file"):
        load_classifier(bad)


def test_foreign_safetensors_file(tmp_path):
    from safetensors.numpy import save_file

    other = tmp_path / "other.safetensors"
    save_file({"w": np.zeros(3)}, str(other))
    with pytest.raises(ModelFileError, match="without a posecoach header"):
        load_classifier(other)


def test_tampered_weights_fail_integrity(model_file, tmp_path):
    data, n, _ = _raw(model_file)
    body = bytearray(data)
    body[8 + n + 5] ^= 0xFF  # flip bits in the first tensor's bytes
    bad = tmp_path / "tampered.safetensors"
    bad.write_bytes(bytes(body))
    with pytest.raises(ModelFileError, match="integrity check failed"):
        load_classifier(bad)


def test_tampered_header_fails_integrity(model_file, tmp_path):
    data = model_file.read_bytes()
    bad = tmp_path / "relabelled.safetensors"
    bad.write_bytes(data.replace(b'\\"raised\\"', b'\\"RAISED\\"', 1))
    assert bad.read_bytes() != data
    with pytest.raises(ModelFileError, match="integrity check failed"):
        load_classifier(bad)


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_classifier(tmp_path / "nope.safetensors")


def test_other_skeleton_is_converted_by_joint_name(model_file):
    clf = load_classifier(model_file)
    ds = planted_dataset(3)
    coco = PoseSequence(ds.positions, skeleton="coco_17")
    as_body25 = coco.convert("openpose_body_25")  # same joints by name, other order
    p1 = clf.predict_proba([coco.positions[i : i + 1] for i in range(6)])
    p2 = clf.predict_proba([as_body25.positions[i : i + 1] for i in range(6)], as_body25.skeleton)
    np.testing.assert_allclose(p1, p2)


def test_mismatched_skeleton_fails_clearly(model_file):
    clf = load_classifier(model_file)
    kinect_hands = PoseSequence(np.zeros((2, 25, 3)), skeleton="kinect_v2_25").select_joints(
        ["left_hand", "right_hand", "left_thumb", "right_thumb"]
    )
    with pytest.raises(SkeletonMismatchError, match="model expects skeleton 'coco_17'"):
        clf.classify(kinect_hands)
