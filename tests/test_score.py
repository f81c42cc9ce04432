"""Tests of posecoach.compare.score with hand-computable stick figures."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import InputError, PoseSequence
from posecoach.compare.score import (
    D50,
    distance_to_score,
    joint_angles,
    overall_score,
    score_frames,
    trunk_lean,
)
from posecoach.skeletons import COCO_17


def _standing(t: int = 5) -> np.ndarray:
    """COCO-17 figure: torso 2 long (shoulders y=0, hips y=2), straight arms and legs."""
    p = np.zeros((t, 17, 2))
    p[:, 0] = [0, -1]
    p[:, [5, 6]] = [[-1, 0], [1, 0]]
    p[:, [7, 8]] = [[-1, 1], [1, 1]]
    p[:, [9, 10]] = [[-1, 2], [1, 2]]
    p[:, [11, 12]] = [[-1, 2], [1, 2]]
    p[:, [13, 14]] = [[-1, 4], [1, 4]]
    p[:, [15, 16]] = [[-1, 6], [1, 6]]
    return p


def test_identical_scores_100_and_zero_error() -> None:
    seq = PoseSequence(_standing(), skeleton="coco_17")
    fs = score_frames(seq, seq)
    assert np.allclose(fs.scores, 100.0)
    assert np.nanmax(fs.joint_errors) == 0.0
    assert overall_score(fs.distance) == 100.0


def test_planted_wrist_error_is_in_torso_lengths_on_the_right_joint() -> None:
    att = _standing()
    ref = att.copy()
    ref[2:4, 9] = [0, 2]  # left wrist 1 unit inwards = 0.5 torso lengths, frames 2-3
    fs = score_frames(PoseSequence(att, skeleton="coco_17"), PoseSequence(ref, skeleton="coco_17"))
    k = COCO_17.index("left_wrist")
    assert fs.joint_errors[2, k] == pytest.approx(0.5)
    assert np.nanmax(np.delete(fs.joint_errors, k, axis=1)) == 0.0
    assert fs.joint_errors[[0, 1, 4], k].tolist() == [0.0, 0.0, 0.0]
    # Elbow angle differs by 45° (straight vs pointing to the inside).
    i = fs.angle_names.index("left_elbow")
    assert abs(fs.angle_diffs[2, i]) == pytest.approx(45.0)
    assert fs.scores[2] < fs.scores[0] == 100.0
    summary = {j["name"]: j for j in fs.joint_summary()}
    assert summary["left_wrist"]["max_error"] == pytest.approx(0.5)


def test_confidence_zero_joint_is_ignored() -> None:
    att = _standing()
    ref = att.copy()
    ref[:, 0] = [5, 5]  # nose far off...
    conf = np.ones((5, 17))
    conf[:, 0] = 0.0  # ...but the attempt's nose is not trusted
    fs = score_frames(
        PoseSequence(att, conf, skeleton="coco_17"), PoseSequence(ref, skeleton="coco_17")
    )
    assert np.allclose(fs.scores, 100.0)


def test_angles_and_trunk_lean_hand_values() -> None:
    p = _standing(1)[0]
    ang = joint_angles(p, COCO_17)
    assert ang["left_knee"] == pytest.approx(180.0)
    assert ang["left_hip"] == pytest.approx(180.0)
    assert ang["trunk_lean"] == pytest.approx(0.0)
    leaned = p.copy()
    leaned[[5, 6], 0] += 2.0  # shoulders 2 right of hips, 2 above: 45°
    assert float(trunk_lean(leaned, COCO_17)) == pytest.approx(45.0)


def test_score_curve_is_monotone_with_d50_at_half() -> None:
    s = distance_to_score(np.array([0.0, D50 / 2, D50, 2 * D50, 10 * D50]))
    assert s[0] == 100.0 and s[2] == pytest.approx(50.0)
    assert (np.diff(s) < 0).all()


def test_mismatched_inputs_fail_clearly() -> None:
    a = PoseSequence(_standing(5), skeleton="coco_17")
    b = PoseSequence(_standing(4), skeleton="coco_17")
    with pytest.raises(InputError, match="5 attempt frames and 4 reference frames"):
        score_frames(a, b)
