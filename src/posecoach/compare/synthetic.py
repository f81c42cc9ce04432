"""A 3D stick-figure squatter with hand-computable form, for tests and examples.

:func:`stick_squat` builds a COCO-17 body in metres (y down, like MediaPipe's world
landmarks, hips at the origin) doing ``reps`` squats, with the 3D in ``world`` and an
orthographic image (pixels) seen from the camera azimuth ``yaw_deg`` in ``positions``.
Every form parameter is explicit, so a test can plant an error of a known size.

Example
-------
>>> seq = stick_squat(30, yaw_deg=90)
>>> seq.positions.shape, seq.world.shape
((30, 17, 2), (30, 17, 3))
"""

from __future__ import annotations

import numpy as np

from posecoach.pose import PoseSequence

__all__ = ["stick_squat"]


def _rot_y(points: np.ndarray, deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    r = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
    return points @ r.T


def stick_squat(
    n_frames: int = 60,
    *,
    reps: int = 1,
    knee_depth: float = 1.0,
    trunk_lean_deg: float = 30.0,
    left_knee_offset_deg: float = 0.0,
    arm_forward_deg: float = 80.0,
    yaw_deg: float = 90.0,
    fps: float = 30.0,
    pause_frames: int = 0,
    scale: float = 1.0,
) -> PoseSequence:
    """A squatter: knees bend to ``100° * knee_depth`` at the bottom of each repetition.

    Parameters
    ----------
    n_frames
        Frames of movement (plus ``pause_frames`` standing still at the start).
    reps
        Repetitions in the movement frames.
    knee_depth
        Fraction of the full 100° knee bend reached at the bottom.
    trunk_lean_deg
        Forward trunk lean at the bottom (scaled like the knee bend).
    left_knee_offset_deg
        The left knee bends this much less than the right (a planted asymmetry).
    arm_forward_deg
        Arms raised forward at the bottom (0 = hanging).
    yaw_deg
        Camera azimuth around the vertical axis (90: the person is seen from the side).
    scale
        Body size factor.
    """
    phase = np.concatenate(
        [np.zeros(pause_frames), np.linspace(0.0, reps, n_frames, endpoint=False)]
    )
    t = len(phase)
    depth = np.sin(np.pi * phase) ** 2
    knee = 100.0 * knee_depth * depth
    knee_l = np.maximum(knee - left_knee_offset_deg * depth, 0.0)
    lean = np.radians(trunk_lean_deg * depth)
    arm = np.radians(arm_forward_deg * depth)
    w = np.zeros((t, 17, 3))
    thigh, shank, trunk, upper, fore = 0.45, 0.45, 0.5, 0.3, 0.28
    for side, x, kb in (("l", -0.1, knee_l), ("r", 0.1, knee)):
        hip_i, knee_i, ank_i = (11, 13, 15) if side == "l" else (12, 14, 16)
        half = np.radians(kb / 2)
        w[:, hip_i] = [x, 0.0, 0.0]
        # thigh forward (+z) and down (+y), shank back: knee angle = 180 - kb
        w[:, knee_i, 0] = x
        w[:, knee_i, 1] = thigh * np.cos(half)
        w[:, knee_i, 2] = thigh * np.sin(half)
        w[:, ank_i, 0] = x
        w[:, ank_i, 1] = w[:, knee_i, 1] + shank * np.cos(half)
        w[:, ank_i, 2] = w[:, knee_i, 2] - shank * np.sin(half)
    for x, sho, elb, wri in ((-0.18, 5, 7, 9), (0.18, 6, 8, 10)):
        w[:, sho, 0] = x
        w[:, sho, 1] = -trunk * np.cos(lean)
        w[:, sho, 2] = trunk * np.sin(lean)
        w[:, elb] = w[:, sho] + np.stack(
            [np.zeros(t), upper * np.cos(arm), upper * np.sin(arm)], axis=1
        )
        w[:, wri] = w[:, elb] + np.stack([np.zeros(t), fore * np.cos(arm), fore * np.sin(arm)], 1)
    neck = (w[:, 5] + w[:, 6]) / 2
    for k, dx in ((0, 0.0), (1, -0.03), (2, 0.03), (3, -0.07), (4, 0.07)):
        w[:, k] = neck + np.stack([np.full(t, dx), -0.2 * np.cos(lean), 0.2 * np.sin(lean)], 1)
    # the ankles stay on the floor: hips move down as the knees bend
    floor = w[:, [15, 16], 1].max(axis=1)
    w[:, :, 1] -= floor[:, None]
    w[:, :, 1] += 0.9
    world = w * scale
    seen = _rot_y(world, -yaw_deg)
    pixels = seen[..., :2] * 400.0 + np.array([540.0, 600.0])
    return PoseSequence(
        pixels,
        confidence=np.ones((t, 17)),
        world=world - world[:, [11, 12]].mean(axis=1, keepdims=True),
        skeleton="coco_17",
        fps=fps,
        space="pixel",
        image_size=(1080, 1920),
    )
