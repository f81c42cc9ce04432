"""Tests of posecoach.compare.corrected: the attempt's bone lengths with the reference's angles."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import InputError, PoseSequence
from posecoach.compare.corrected import corrected_pose, kinematic_tree
from posecoach.compare.score import joint_angles
from posecoach.skeletons import COCO_17, Skeleton


def _figure(rng: np.random.Generator, t: int, limb_scale: float) -> np.ndarray:
    """Random limb directions, bones of fixed lengths times ``limb_scale``."""
    p = np.zeros((t, 17, 2))
    center = rng.uniform(-5, 5, (t, 2))
    p[:, 11] = center + np.array([-0.5, 0])
    p[:, 12] = center + np.array([0.5, 0])
    for (parent, child), length in zip(
        [
            (11, 13),
            (13, 15),
            (12, 14),
            (14, 16),
            (11, 5),
            (12, 6),
            (5, 7),
            (7, 9),
            (6, 8),
            (8, 10),
            (5, 0),
        ],
        [2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.5, 1.5, 1.5, 1.5, 1.0],
        strict=True,
    ):
        angle = rng.uniform(0, 2 * np.pi, t)
        p[:, child] = p[:, parent] + limb_scale * length * np.stack(
            [np.cos(angle), np.sin(angle)], axis=1
        )
    p[:, 1:5] = p[:, [0]]
    return p


def _bone_lengths(p: np.ndarray) -> np.ndarray:
    return np.array([np.linalg.norm(p[:, c] - p[:, a], axis=-1) for a, c in COCO_17.edges])


def test_corrected_keeps_attempt_bones_and_takes_reference_angles(rng) -> None:
    att = PoseSequence(_figure(rng, 6, 1.3), skeleton="coco_17")
    ref = PoseSequence(_figure(rng, 6, 0.8), skeleton="coco_17")
    out = corrected_pose(att, ref)
    # Every bone of the tree keeps the attempt's length...
    for parent, child in kinematic_tree(COCO_17):
        if parent < 0:
            continue
        got = np.linalg.norm(out.positions[:, child] - out.positions[:, parent], axis=-1)
        want = np.linalg.norm(att.positions[:, child] - att.positions[:, parent], axis=-1)
        np.testing.assert_allclose(got, want, atol=1e-9)
    # ...the joint angles are the reference's...
    ang_out, ang_ref = joint_angles(out.positions, COCO_17), joint_angles(ref.positions, COCO_17)
    for name in ("left_knee", "right_elbow", "left_shoulder", "right_hip", "trunk_lean"):
        np.testing.assert_allclose(ang_out[name], ang_ref[name], atol=1e-6)
    # ...and the hips stay where the attempt's are.
    np.testing.assert_allclose(
        out.positions[:, [11, 12]].mean(axis=1), att.positions[:, [11, 12]].mean(axis=1)
    )
    assert out.provenance[-1]["op"] == "corrected_pose"


def test_identical_inputs_give_the_attempt_back(rng) -> None:
    att = PoseSequence(_figure(rng, 3, 1.0), skeleton="coco_17")
    np.testing.assert_allclose(corrected_pose(att, att).positions, att.positions, atol=1e-9)


def test_tree_is_rooted_at_the_hips_and_spans_every_joint(rng) -> None:
    positions = _figure(rng, 4, 1.0)
    positions[:, 0] = positions[:, 5] + np.array([0.1, 0.0])  # nose next to the left shoulder
    tree = kinematic_tree(COCO_17, positions)
    assert {c for _, c in tree} == set(range(17))
    assert [c for p, c in tree if p == -1] == [11, 12]
    # Each child appears after its parent.
    order = {c: i for i, (_, c) in enumerate(tree)}
    assert all(p == -1 or order[p] < order[c] for p, c in tree)
    # COCO's face is not joined to the body by an edge: it hangs from the nearest joint.
    assert (5, 0) in tree and (0, 1) in tree


def test_skeleton_without_hips_is_rejected() -> None:
    with pytest.raises(InputError, match="expected a skeleton with hips"):
        kinematic_tree(Skeleton("arm_only", ("shoulder", "elbow"), ((0, 1),)))
