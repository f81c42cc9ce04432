"""The core data type: validation, derivation and skeleton conversion."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import PoseSequence, PoseValidationError, skeletons
from posecoach.skeletons import SkeletonError, convert


def test_defaults_and_shapes():
    seq = PoseSequence(np.zeros((3, 17, 2)), skeleton="coco_17", fps=10)
    assert seq.timestamps.tolist() == [0.0, 0.1, 0.2]
    assert seq.confidence.shape == (3, 17) and (seq.confidence == 1).all()
    assert seq.skeleton is skeletons.COCO_17


def test_single_pose_is_one_frame():
    seq = PoseSequence(np.zeros((17, 3)), skeleton="coco_17")
    assert (seq.n_frames, seq.dims) == (1, 3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"positions": np.zeros((0, 17, 2))}, "expected at least one frame, got 0 frames"),
        ({"positions": np.zeros((2, 16, 2))}, "expected 17 joints for skeleton 'coco_17', got 16"),
        ({"positions": np.zeros((2, 17, 4))}, "expected positions of shape (T, K, D)"),
        ({"positions": np.full((1, 17, 2), np.inf)}, "expected finite coordinates or NaN"),
        ({"confidence": np.full((2, 17), 2.0)}, "expected confidence in [0, 1]"),
        ({"timestamps": [0.5, 0.5]}, "expected strictly increasing timestamps"),
        ({"fps": 0}, "expected fps > 0, got 0"),
        ({"space": "screen"}, "expected space one of"),
        ({"skeleton": "nope"}, "unknown skeleton 'nope'"),
    ],
)
def test_validation_messages(kwargs, message):
    args = {"positions": np.zeros((2, 17, 2)), "skeleton": "coco_17"} | kwargs
    with pytest.raises((PoseValidationError, SkeletonError)) as err:
        PoseSequence(**args)
    assert message in str(err.value)


def test_nan_joint_has_zero_confidence_and_is_readonly():
    pos = np.ones((2, 17, 2))
    pos[1, 3, 0] = np.nan
    seq = PoseSequence(pos, confidence=np.ones((2, 17)), skeleton="coco_17")
    assert seq.confidence[1, 3] == 0 and np.isnan(seq.positions[1, 3]).all()
    with pytest.raises(ValueError):
        seq.positions[0, 0, 0] = 5


def test_input_array_not_aliased():
    pos = np.ones((1, 17, 2))
    seq = PoseSequence(pos, skeleton="coco_17")
    pos[0, 0, 0] = 9
    assert seq.positions[0, 0, 0] == 1


def test_provenance_and_frames():
    seq = PoseSequence(np.arange(5 * 17 * 2, dtype=float).reshape(5, 17, 2), skeleton="coco_17")
    sub = seq.frames(slice(1, 3)).with_provenance("demo", k=np.int64(2))
    assert sub.n_frames == 2 and sub.timestamps[0] == pytest.approx(1 / 30)
    assert sub.provenance[-1]["op"] == "demo" and sub.provenance[-1]["params"] == {"k": 2}
    assert seq.provenance == []


def test_mirror_swaps_sides_and_flips_x():
    pos = np.zeros((1, 17, 2))
    pos[0, 5] = [10, 1]  # left shoulder
    pos[0, 6] = [30, 1]  # right shoulder
    seq = PoseSequence(pos, skeleton="coco_17", image_size=(100, 50))
    m = seq.mirrored()
    assert m.joint("left_shoulder")[0].tolist() == [70, 1]
    assert m.joint("right_shoulder")[0].tolist() == [90, 1]


def test_convert_coco_to_body25_derives_neck_and_mid_hip():
    pos = np.zeros((1, 17, 2))
    pos[0, 5], pos[0, 6] = [0, 0], [4, 0]
    pos[0, 11], pos[0, 12] = [0, 6], [4, 8]
    conf = np.ones((1, 17))
    conf[0, 6] = 0.4
    seq = PoseSequence(pos, confidence=conf, skeleton="coco_17")
    conv = convert(seq, "openpose_body_25")
    out = conv.sequence
    assert out.joint("neck")[0].tolist() == [2, 0]
    assert out.joint("mid_hip")[0].tolist() == [2, 7]
    assert out.confidence[0, out.skeleton.index("neck")] == pytest.approx(0.4)
    assert set(conv.derived) == {"neck", "mid_hip"}
    assert set(conv.missing) == {
        "left_big_toe",
        "left_small_toe",
        "left_heel",
        "right_big_toe",
        "right_small_toe",
        "right_heel",
    }
    assert np.isnan(out.joint("left_heel")).all()


def test_convert_back_and_forth_is_lossless_on_common_joints():
    rng = np.random.default_rng(1)
    seq = PoseSequence(rng.random((4, 33, 3)), skeleton="blazepose_33")
    back = seq.convert("coco_17").convert("blazepose_33")
    common = skeletons.common_joints(skeletons.COCO_17, skeletons.BLAZEPOSE_33)
    idx = skeletons.BLAZEPOSE_33.indices(common)
    np.testing.assert_array_equal(back.positions[:, idx], seq.positions[:, idx])


def test_mpii_pelvis_maps_to_mid_hip():
    pos = np.arange(16 * 2, dtype=float).reshape(1, 16, 2)
    seq = PoseSequence(pos, skeleton="mpii_16")
    out = seq.convert("openpose_body_25")
    assert out.joint("mid_hip")[0].tolist() == pos[0, 6].tolist()


def test_strict_conversion_names_missing_joints():
    seq = PoseSequence(np.zeros((1, 16, 2)), skeleton="mpii_16")
    with pytest.raises(SkeletonError, match="missing joints"):
        convert(seq, "blazepose_33", strict=True)


def test_all_required_skeletons_registered():
    for name in ("blazepose_33", "coco_17", "openpose_body_25", "openpose_coco_18", "mpii_16"):
        sk = skeletons.get(name)
        assert all(n == n.lower() and " " not in n for n in sk.names)
        assert sk.edges and sk.symmetric_pairs
    with pytest.raises(SkeletonError, match="expected one of"):
        skeletons.get("kinect_v9")
