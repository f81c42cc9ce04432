"""Left/right swap correction: planted swaps on synthetic motion are undone exactly."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import PoseSequence
from posecoach.extract.laterality import fix_left_right_swaps, swap_costs, swapped_frames
from posecoach.skeletons import get


def _motion(t_len: int = 90, seed: int = 0) -> PoseSequence:
    """A COCO-17 body turning slowly and swinging its limbs, seen from the front."""
    rng = np.random.default_rng(seed)
    sk = get("coco_17")
    base = np.zeros((17, 3))
    for name, xyz in {
        "nose": (0, -1.6, 0.1),
        "left_eye": (0.05, -1.65, 0.08),
        "right_eye": (-0.05, -1.65, 0.08),
        "left_ear": (0.1, -1.6, 0.0),
        "right_ear": (-0.1, -1.6, 0.0),
        "left_shoulder": (0.2, -1.4, 0),
        "right_shoulder": (-0.2, -1.4, 0),
        "left_elbow": (0.25, -1.1, 0),
        "right_elbow": (-0.25, -1.1, 0),
        "left_wrist": (0.3, -0.85, 0.05),
        "right_wrist": (-0.3, -0.85, 0.05),
        "left_hip": (0.12, -0.9, 0),
        "right_hip": (-0.12, -0.9, 0),
        "left_knee": (0.13, -0.45, 0.02),
        "right_knee": (-0.13, -0.45, 0.02),
        "left_ankle": (0.14, 0.0, 0),
        "right_ankle": (-0.14, 0.0, 0),
    }.items():
        base[sk.index(name)] = xyz
    t = np.arange(t_len) / 30.0
    poses = np.repeat(base[None], t_len, 0)
    swing = 0.15 * np.sin(2 * np.pi * 0.7 * t)
    for side, sign in (("left", 1), ("right", -1)):
        poses[:, sk.index(f"{side}_wrist"), 1] -= sign * swing
        poses[:, sk.index(f"{side}_ankle"), 2] += sign * swing
    yaw = np.radians(25) * np.sin(2 * np.pi * 0.2 * t)  # turning, never side-on
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.zeros((t_len, 3, 3))
    rot[:, 0, 0], rot[:, 0, 2], rot[:, 1, 1], rot[:, 2, 0], rot[:, 2, 2] = c, s, 1, -s, c
    world = np.einsum("tij,tkj->tki", rot, poses)
    world += rng.normal(scale=0.005, size=world.shape)
    walk = np.stack([200 * t, 0 * t], -1)[:, None]
    pixels = 400 * world[..., :2] + np.array([500.0, 900.0]) + walk
    return PoseSequence(pixels, skeleton=sk, fps=30, world=world - world.mean(1, keepdims=True))


def _swap(seq: PoseSequence, frames: list[int]) -> PoseSequence:
    perm = seq.skeleton.mirror_permutation()
    pos, world = seq.positions.copy(), seq.world.copy()
    pos[frames] = pos[frames][:, perm]
    world[frames] = world[frames][:, perm]
    return seq.replace(positions=pos, world=world)


PLANTED = [*range(20, 35), 50, 60, 61, 62]


@pytest.mark.parametrize("with_world", [True, False])
def test_planted_swaps_are_recovered_exactly(with_world: bool) -> None:
    clean = _motion()
    if not with_world:
        clean = clean.replace(world=None)
        broken = clean.replace(positions=_swap(_motion(), PLANTED).positions, world=None)
    else:
        broken = _swap(clean, PLANTED)
    fixed = fix_left_right_swaps(broken)
    assert swapped_frames(fixed) == PLANTED
    np.testing.assert_array_equal(fixed.positions, clean.positions)
    if with_world:
        np.testing.assert_array_equal(fixed.world, clean.world)
    assert fixed.provenance[-1]["op"] == "fix_left_right_swaps"
    assert not np.array_equal(broken.positions, clean.positions)  # input untouched


def test_swapped_majority_is_relabelled_back_only_where_it_is_the_minority() -> None:
    # the first frames are swapped: the majority side (the clean one) wins
    clean = _motion()
    broken = _swap(clean, list(range(0, 10)))
    fixed = fix_left_right_swaps(broken)
    assert swapped_frames(fixed) == list(range(10))
    np.testing.assert_array_equal(fixed.positions, clean.positions)


def test_clean_sequence_is_unchanged_and_missing_frames_are_skipped() -> None:
    clean = _motion()
    pos = clean.positions.copy()
    pos[40:43] = np.nan  # nobody detected for three frames
    seq = clean.replace(positions=pos)
    fixed = fix_left_right_swaps(seq)
    assert swapped_frames(fixed) == []
    np.testing.assert_array_equal(fixed.positions, seq.positions)
    # a swap right after the gap is still found (costs link the frames around the gap)
    fixed2 = fix_left_right_swaps(_swap(seq, list(range(43, 55))))
    assert swapped_frames(fixed2) == list(range(43, 55))


def test_swap_costs_see_the_jump() -> None:
    frames, keep, swap = swap_costs(_swap(_motion(), [30]))
    i = list(frames).index(30)
    assert keep[i - 1] > swap[i - 1] + 0.3  # entering the swapped frame
    assert keep[i] > swap[i] + 0.3  # leaving it
    assert np.all(keep[: i - 1] < swap[: i - 1])  # everywhere else keeping is cheaper


def test_skeleton_without_sides_is_returned_unchanged() -> None:
    from posecoach.skeletons import Skeleton

    sk = Skeleton("blob3", ("a", "b", "c"), ())
    seq = PoseSequence(np.random.default_rng(1).normal(size=(5, 3, 2)), skeleton=sk)
    out = fix_left_right_swaps(seq)
    assert swapped_frames(out) == []
    np.testing.assert_array_equal(out.positions, seq.positions)
