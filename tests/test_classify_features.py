"""Features: invariance to position and scale (and rotation when asked), NaN robustness."""

from __future__ import annotations

import numpy as np

from posecoach.classify.features import FeatureSettings, feature_names, frame_features
from posecoach.classify.synthetic import stick_figure
from posecoach.skeletons import COCO_17


def _poses():
    return stick_figure(np.linspace(0, 1, 5))


def test_translation_and_scale_invariant():
    p = _poses()
    s = FeatureSettings()
    np.testing.assert_allclose(
        frame_features(p, COCO_17, s), frame_features(3.5 * p + [40, -7], COCO_17, s), atol=1e-12
    )


def test_rotation_invariant_only_when_asked():
    p = _poses()
    a = np.radians(30)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    q = p @ rot.T
    plain = FeatureSettings(blocks=("coords",))
    turned = FeatureSettings(blocks=("coords",), rotate=True)
    assert not np.allclose(frame_features(p, COCO_17, plain), frame_features(q, COCO_17, plain))
    np.testing.assert_allclose(
        frame_features(p, COCO_17, turned), frame_features(q, COCO_17, turned), atol=1e-9
    )


def test_hip_centred_torso_scaled_values():
    p = np.full((1, 17, 2), np.nan)
    p[0, [5, 6, 11, 12]] = [[0, 0], [2, 0], [0, 4], [2, 4]]
    p[0, 0] = [1, -4]  # nose one torso length above the shoulders
    f = frame_features(p, COCO_17, FeatureSettings(joints=("nose", "left_hip"), blocks=("coords",)))
    assert f.tolist() == [[0.0, -2.0, -0.25, 0.0]]


def test_missing_joints_give_zeros_and_mask_never_nan():
    p = _poses()
    p[:, 13:] = np.nan  # knees and ankles out of frame
    s = FeatureSettings()
    f = frame_features(p, COCO_17, s)
    names = feature_names(COCO_17, s)
    assert f.shape[1] == len(names)
    assert np.isfinite(f).all()
    assert f[0, names.index("left_knee_missing")] == 1.0
    assert f[0, names.index("left_hip_missing")] == 0.0


def test_angles_are_knee_angles():
    s = FeatureSettings(blocks=("angles",))
    f = frame_features(stick_figure(np.array([0.0, 1.0])), COCO_17, s)
    knee = feature_names(COCO_17, s).index("angle_left_knee")
    assert round(f[0, knee] * 180) == 180  # standing: straight knee
    assert round(f[1, knee] * 180) == 180 - 120  # bottom: shank +35°, thigh -85° from up


def test_aligned_block_removes_rotation_scale_and_position():
    p = _poses()
    a = np.radians(40)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    q = 0.3 * p @ rot.T + [100.0, -20.0]
    s = FeatureSettings(blocks=("aligned",))
    np.testing.assert_allclose(
        frame_features(p, COCO_17, s), frame_features(q, COCO_17, s), atol=1e-6
    )
    assert not np.allclose(frame_features(p[:1], COCO_17, s), frame_features(p[-1:], COCO_17, s))
