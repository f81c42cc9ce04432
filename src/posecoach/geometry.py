"""Small geometric helpers on pose arrays shared by aligners, scores and features.

All functions take plain arrays ``(..., K, D)`` plus a skeleton so they work on one
frame or a whole sequence, and return NaN where a needed joint is missing.
"""

from __future__ import annotations

import numpy as np

from posecoach.skeletons import DERIVED_JOINTS, JOINT_ALIASES, Skeleton

__all__ = [
    "joint_xyz",
    "hip_center",
    "shoulder_center",
    "torso_length",
    "normalize_by_torso",
    "angle_between",
    "joint_angle",
]


def joint_xyz(positions: np.ndarray, skeleton: Skeleton, name: str) -> np.ndarray:
    """Positions ``(..., D)`` of a joint by name, using aliases and derived joints.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[11] = [0, 2]; p[12] = [2, 2]
    >>> joint_xyz(p, COCO_17, "mid_hip").tolist()
    [1.0, 2.0]
    """
    if skeleton.has(name):
        return positions[..., skeleton.index(name), :]
    for alias in JOINT_ALIASES.get(name, ()):
        if skeleton.has(alias):
            return positions[..., skeleton.index(alias), :]
    parts = DERIVED_JOINTS.get(name)
    if parts and all(skeleton.has(p) for p in parts):
        return positions[..., skeleton.indices(parts), :].mean(axis=-2)
    shape = positions.shape[:-2] + positions.shape[-1:]
    return np.full(shape, np.nan)


def hip_center(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Mid-point of the hips ``(..., D)``."""
    return joint_xyz(positions, skeleton, "mid_hip")


def shoulder_center(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Mid-point of the shoulders ``(..., D)``."""
    return joint_xyz(positions, skeleton, "thorax")


def torso_length(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Distance mid-shoulders to mid-hips ``(...)``: the unit of normalised errors.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[[5, 6], 1] = 0; p[[11, 12], 1] = 3
    >>> float(torso_length(p, COCO_17))
    3.0
    """
    d = shoulder_center(positions, skeleton) - hip_center(positions, skeleton)
    return np.linalg.norm(d, axis=-1)


def normalize_by_torso(positions: np.ndarray, skeleton: Skeleton) -> tuple[np.ndarray, np.ndarray]:
    """Positions centred on the mid-hip and divided by the torso length, frame by frame.

    Returns ``(normalised (..., K, D), torso length (...))``; NaN where the hips or the
    shoulders are missing or the torso has zero length.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[[5, 6], 1] = 0; p[[11, 12], 1] = 4; p[0] = [2, -2]
    >>> rel, torso = normalize_by_torso(p, COCO_17)
    >>> rel[0].tolist(), float(torso)
    ([0.5, -1.5], 4.0)
    """
    torso = torso_length(positions, skeleton)
    scale = np.where(torso > 0, torso, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = (positions - hip_center(positions, skeleton)[..., None, :]) / scale[..., None, None]
    return rel, torso


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in degrees between vectors ``u`` and ``v`` along the last axis."""
    nu = np.linalg.norm(u, axis=-1)
    nv = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.sum(u * v, axis=-1) / (nu * nv)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def joint_angle(positions: np.ndarray, skeleton: Skeleton, a: str, b: str, c: str) -> np.ndarray:
    """Angle at joint ``b`` in degrees between segments b→a and b→c (180 = straight).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[5] = [0, 0]; p[7] = [1, 0]; p[9] = [1, 1]
    >>> round(float(joint_angle(p, COCO_17, "left_shoulder", "left_elbow", "left_wrist")))
    90
    """
    pa = joint_xyz(positions, skeleton, a)
    pb = joint_xyz(positions, skeleton, b)
    pc = joint_xyz(positions, skeleton, c)
    return angle_between(pa - pb, pc - pb)
