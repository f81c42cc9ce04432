"""The learned aligner: strict weight loading, and it beats 2D similarity on held-out
projected motion capture (subject 11, never seen in training)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import save_file

from conftest import require_shared
from posecoach import io
from posecoach.align import align
from posecoach.align.cameras import random_camera
from posecoach.align.learned import WEIGHTS_PATH, WeightsError, layer_shapes, load_weights
from posecoach.align.synthetic import project_view


def test_shipped_weights_load_and_match_their_hash():
    w = load_weights()
    assert {k: v.shape for k, v in w.items()} == layer_shapes()
    meta = json.loads(WEIGHTS_PATH.with_suffix(".json").read_text())
    assert meta["held_out_takes"] == ["11_01"] and len(meta["sha256"]) == 64
    assert WEIGHTS_PATH.stat().st_size < 2_000_000


def test_tampered_weights_are_rejected(tmp_path):
    bad = tmp_path / "learned.safetensors"
    shutil.copy(WEIGHTS_PATH, bad)
    shutil.copy(WEIGHTS_PATH.with_suffix(".json"), tmp_path / "learned.json")
    data = bytearray(bad.read_bytes())
    data[-10] ^= 0xFF  # flip one byte of a weight
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"SHA-256 does not match learned\.json"):
        load_weights(bad)


def test_wrong_shape_missing_and_garbage_are_rejected(tmp_path):
    tensors = {k: np.zeros(s, np.float32) for k, s in layer_shapes().items()}
    tensors["lift.0.weight"] = np.zeros((128, 36), np.float32)
    path = tmp_path / "w.safetensors"
    save_file(tensors, str(path))
    with pytest.raises(
        WeightsError, match=r"expected lift.0.weight of shape \(256, 36\), got \(128, 36\)"
    ):
        load_weights(path)
    del tensors["lift.0.weight"]
    save_file(tensors, str(path))
    with pytest.raises(WeightsError, match=r"missing \['lift.0.weight'\]"):
        load_weights(path)
    path.write_bytes(b"not a safetensors file at all")
    with pytest.raises(WeightsError, match="not a valid safetensors file"):
        load_weights(path)
    with pytest.raises(WeightsError, match="weights file not found"):
        load_weights(tmp_path / "absent.safetensors")


def test_nan_weights_are_rejected(tmp_path):
    tensors = {k: np.zeros(s, np.float32) for k, s in layer_shapes().items()}
    tensors["cam.4.bias"][0] = np.nan
    path = tmp_path / "w.safetensors"
    save_file(tensors, str(path))
    with pytest.raises(WeightsError, match=r"expected finite floating-point cam\.4\.bias"):
        load_weights(path)


def test_learned_beats_similarity_on_held_out_projected_poses():
    seq = io.load(require_shared("cmu_mocap_bvh/11_01.bvh")).frames(slice(0, None, 20))
    rng = np.random.default_rng(7)
    learned, similarity = [], []
    for _ in range(6):
        ca, cb = (random_camera(rng, distance=(300, 700), up=(0, 1, 0)) for _ in "ab")
        ref, att = project_view(seq, ca), project_view(seq, cb)
        learned.append(align(att, ref, "learned").quality.mean_residual)
        similarity.append(align(att, ref, "similarity").quality.mean_residual)
    assert np.mean(learned) < 0.8 * np.mean(similarity)


def test_learned_identity_on_self_is_close():
    seq = io.load(require_shared("cmu_mocap_bvh/11_01.bvh")).frames(slice(0, None, 60))
    cam = random_camera(np.random.default_rng(3), distance=500, up=(0, 1, 0))
    view = project_view(seq, cam)
    res = align(view, view, "learned")
    assert res.quality.mean_residual < 0.1
    assert np.abs(res.transform.params["azimuth_deg"]).max() < 15
