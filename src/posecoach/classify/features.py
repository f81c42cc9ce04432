"""Per-frame features from keypoints, invariant to position and scale.

Pipeline for one frame (vectorised over frames):

1. pick the feature joints by name (aliases and derived joints allowed);
2. centre on the mid-hip and divide by the torso length (mid-shoulder to mid-hip); when
   the hips are missing (legs out of frame) centre on the mid-shoulder and scale by the
   largest distance of a visible joint from it, halved — a documented fallback the
   dropped-joint augmentation teaches the models;
3. optionally rotate so the torso points up (in-plane rotation invariance);
4. build the blocks asked for: ``coords`` (normalised x, y), ``angles`` (joint angles by
   name, scaled to [0, 1]), ``distances`` (pairwise distances between the feature joints),
   ``mask`` (1 where a joint is missing), ``side_angles`` (elbow, shoulder, hip and knee
   angles of the side seen best — the side with more visible joints over all the frames
   given, so one choice per sequence for sequence models: the same numbers for a person
   facing left or right, and the hidden side's guesses left out), ``limbs`` (the unit
   direction of each body segment of :data:`LIMB_SEGMENTS`: free of any centre and scale,
   so an upper arm reads the same with or without the hips in frame);
5. missing values become 0 (the mask says which).

The "34 numbers" baseline is ``FeatureSettings(blocks=("coords",))`` on COCO-17 joints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from posecoach.errors import InputError
from posecoach.geometry import (
    hip_center,
    joint_angle,
    joint_xyz,
    shoulder_center,
    torso_length,
)
from posecoach.skeletons import COCO_17, Skeleton

__all__ = [
    "FeatureSettings",
    "ANGLE_TRIPLES",
    "LEG_JOINTS",
    "ARM_JOINTS",
    "normalize_positions",
    "frame_features",
    "feature_names",
    "sequence_summary",
    "aligned_embedding",
    "side_angles",
    "SIDE_TRIPLES",
    "limb_directions",
    "LIMB_SEGMENTS",
]

BLOCKS = ("coords", "angles", "distances", "mask", "aligned", "side_angles", "limbs")

#: Body segments of the ``limbs`` block (from, to): each becomes its unit direction.
LIMB_SEGMENTS: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("nose", "thorax"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "right_hip"),
    ("thorax", "mid_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
)

#: Angles of one side, in the order of the ``side_angles`` block: (a, b, c) = angle at b.
SIDE_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("shoulder", "elbow", "wrist"),
    ("elbow", "shoulder", "hip"),
    ("shoulder", "hip", "knee"),
    ("hip", "knee", "ankle"),
)

#: Joint angles used as features: (a, b, c) = angle at b.
ANGLE_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("left_shoulder", "left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow", "right_wrist"),
    ("left_elbow", "left_shoulder", "left_hip"),
    ("right_elbow", "right_shoulder", "right_hip"),
    ("left_shoulder", "left_hip", "left_knee"),
    ("right_shoulder", "right_hip", "right_knee"),
    ("left_hip", "left_knee", "left_ankle"),
    ("right_hip", "right_knee", "right_ankle"),
    ("left_knee", "left_ankle", "left_foot_index"),
    ("right_knee", "right_ankle", "right_foot_index"),
)
LEG_JOINTS = (
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
    "left_big_toe",
    "right_big_toe",
    "left_small_toe",
    "right_small_toe",
)
ARM_JOINTS = (
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
)


@dataclass(frozen=True)
class FeatureSettings:
    """What features to compute.

    Parameters
    ----------
    joints
        Feature joints by name; default the COCO-17 joints.
    blocks
        Any of ``"coords"``, ``"angles"``, ``"distances"``, ``"mask"``, ``"aligned"``
        (joints after a per-frame similarity alignment by :mod:`posecoach.align`).
    rotate
        Rotate each pose so the torso points up (in-plane rotation invariance).
    use_z
        Use a third coordinate when the data has one.

    Example
    -------
    >>> FeatureSettings(blocks=("coords",)).to_dict()["blocks"]
    ['coords']
    """

    joints: tuple[str, ...] = field(default=COCO_17.names)
    blocks: tuple[str, ...] = ("coords", "angles", "distances", "mask")
    rotate: bool = False
    use_z: bool = False

    def __post_init__(self) -> None:
        bad = [b for b in self.blocks if b not in BLOCKS]
        if bad or not self.blocks:
            raise InputError(f"unknown feature blocks {bad}; expected some of {list(BLOCKS)}")
        object.__setattr__(self, "joints", tuple(self.joints))
        object.__setattr__(self, "blocks", tuple(self.blocks))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready settings."""
        d = asdict(self)
        d["joints"] = list(self.joints)
        d["blocks"] = list(self.blocks)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> FeatureSettings:
        """Inverse of :meth:`to_dict`."""
        return cls(
            joints=tuple(d["joints"]),  # type: ignore[arg-type]
            blocks=tuple(d["blocks"]),  # type: ignore[arg-type]
            rotate=bool(d.get("rotate", False)),
            use_z=bool(d.get("use_z", False)),
        )

    def available_joints(self, skeleton: Skeleton) -> tuple[str, ...]:
        """Feature joints the skeleton has (directly, aliased or derived)."""
        probe = np.zeros((1, skeleton.n_joints, 2))
        return tuple(j for j in self.joints if np.isfinite(joint_xyz(probe, skeleton, j)).all())


def _pick(
    positions: np.ndarray, skeleton: Skeleton, joints: Sequence[str], dims: int
) -> np.ndarray:
    out = np.stack([joint_xyz(positions, skeleton, j) for j in joints], axis=-2)
    return out[..., :dims]


def normalize_positions(
    positions: np.ndarray,
    skeleton: Skeleton,
    joints: Sequence[str],
    *,
    rotate: bool = False,
    dims: int = 2,
) -> np.ndarray:
    """``(N, J, dims)`` positions of ``joints`` centred on the hips, in torso lengths.

    Example
    -------
    >>> p = np.full((1, 17, 2), np.nan)
    >>> p[0, [5, 6, 11, 12]] = [[0, 0], [2, 0], [0, 4], [2, 4]]
    >>> normalize_positions(p, COCO_17, ["left_shoulder", "left_hip"])[0].tolist()
    [[-0.25, -1.0], [-0.25, 0.0]]
    """
    pts = _pick(positions, skeleton, joints, dims)
    full = positions[..., :dims]
    # geometry's one torso normalisation; frames without hips or shoulders fall back to
    # the visible joints (tests/test_layers.py checks both agree where both apply)
    hip = hip_center(full, skeleton)
    sho = shoulder_center(full, skeleton)
    torso = torso_length(full, skeleton)
    center = hip.copy()
    scale = torso.copy()
    no_hip = ~np.isfinite(hip).all(-1) | ~(torso > 1e-9)
    if no_hip.any():
        vis = np.isfinite(pts).all(-1)
        for i in np.flatnonzero(no_hip):
            c = (
                sho[i]
                if np.isfinite(sho[i]).all()
                else (np.nanmean(pts[i][vis[i]], axis=0) if vis[i].any() else np.zeros(dims))
            )
            center[i] = c
            d = np.linalg.norm(pts[i][vis[i]] - c, axis=-1) if vis[i].any() else np.zeros(1)
            scale[i] = max(float(np.max(d)) / 2.0, 1e-9) if d.size else 1.0
    out = (pts - center[:, None, :]) / scale[:, None, None]
    if rotate:
        up = sho - hip
        ang = np.arctan2(up[:, 0], -up[:, 1])  # angle of the torso from "up" (y down)
        ang = np.where(np.isfinite(ang), ang, 0.0)
        c, s = np.cos(ang), np.sin(ang)
        x, y = out[..., 0].copy(), out[..., 1].copy()
        out[..., 0] = c[:, None] * x + s[:, None] * y
        out[..., 1] = -s[:, None] * x + c[:, None] * y
    return out


def frame_features(
    positions: np.ndarray, skeleton: Skeleton, settings: FeatureSettings
) -> np.ndarray:
    """``(N, F)`` features of ``(N, K, D)`` frames; never NaN.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.normal(size=(3, 17, 2))
    >>> f = frame_features(p, COCO_17, FeatureSettings(blocks=("coords",)))
    >>> f.shape
    (3, 34)
    >>> g = frame_features(p * 7 + 3, COCO_17, FeatureSettings(blocks=("coords",)))
    >>> bool(np.allclose(f, g))
    True
    """
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim == 2:
        pos = pos[None]
    dims = 3 if (settings.use_z and pos.shape[-1] == 3) else 2
    joints = settings.joints
    norm = normalize_positions(pos, skeleton, joints, rotate=settings.rotate, dims=dims)
    n, j = norm.shape[:2]
    missing = ~np.isfinite(norm).all(-1)
    parts = []
    if "coords" in settings.blocks:
        parts.append(np.nan_to_num(norm, nan=0.0).reshape(n, j * dims))
    if "angles" in settings.blocks:
        angs = []
        for a, b, c in ANGLE_TRIPLES:
            if all(x in joints or x.endswith("foot_index") for x in (a, b, c)):
                angs.append(joint_angle(pos[..., :dims], skeleton, a, b, c) / 180.0)
        if angs:
            parts.append(np.nan_to_num(np.stack(angs, axis=-1), nan=0.0))
    if "distances" in settings.blocks:
        iu = np.triu_indices(j, k=1)
        diff = norm[:, iu[0]] - norm[:, iu[1]]
        parts.append(np.nan_to_num(np.linalg.norm(diff, axis=-1), nan=0.0))
    if "mask" in settings.blocks:
        parts.append(missing.astype(np.float64))
    if "aligned" in settings.blocks:
        parts.append(aligned_embedding(pos[..., :2], skeleton, joints))
    if "side_angles" in settings.blocks:
        parts.append(np.nan_to_num(side_angles(pos[..., :dims], skeleton) / 180.0, nan=0.0))
    if "limbs" in settings.blocks:
        parts.append(limb_directions(pos[..., :dims], skeleton).reshape(n, -1))
    return np.concatenate(parts, axis=1)


def limb_directions(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """``(N, S, D)`` unit direction of every segment of :data:`LIMB_SEGMENTS` (0 if unseen).

    Example
    -------
    >>> p = np.zeros((1, 17, 2)); p[0, 5] = [0, 0]; p[0, 7] = [0, 3]  # left upper arm down
    >>> limb_directions(p, COCO_17)[0, 2].tolist()
    [0.0, 1.0]
    """
    pos = np.asarray(positions, dtype=np.float64)
    out = []
    for a, b in LIMB_SEGMENTS:
        v = joint_xyz(pos, skeleton, b) - joint_xyz(pos, skeleton, a)
        norm = np.linalg.norm(v, axis=-1, keepdims=True)
        out.append(np.where(norm > 1e-9, v / np.where(norm > 1e-9, norm, 1.0), 0.0))
    return np.nan_to_num(np.stack(out, axis=-2), nan=0.0)


def side_angles(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """``(N, 4)`` angles (degrees) of :data:`SIDE_TRIPLES` on the side seen best.

    The side is chosen once for all ``N`` frames: the one whose joints are visible more
    often (left on a tie).

    Example
    -------
    >>> from posecoach.classify.synthetic import stick_figure
    >>> p = stick_figure(np.zeros(1))
    >>> p[:, [6, 8, 10, 12, 14]] = np.nan  # the right side hidden
    >>> bool(np.allclose(side_angles(p, COCO_17), side_angles(p[:, COCO_17.mirror_permutation()],
    ...                                                     COCO_17)))
    True
    """
    pos = np.asarray(positions, dtype=np.float64)
    seen = {}
    for side in ("left", "right"):
        names = {f"{side}_{j}" for t in SIDE_TRIPLES for j in t}
        seen[side] = sum(int(np.isfinite(joint_xyz(pos, skeleton, n)).all(-1).sum()) for n in names)
    side = "left" if seen["left"] >= seen["right"] else "right"
    return np.stack(
        [joint_angle(pos, skeleton, *(f"{side}_{j}" for j in t)) for t in SIDE_TRIPLES], axis=-1
    )


def aligned_embedding(
    positions: np.ndarray, skeleton: Skeleton, joints: Sequence[str]
) -> np.ndarray:
    """``(N, 2J)`` joints after a per-frame similarity alignment onto a canonical pose.

    Uses :func:`posecoach.align.align` (method ``"similarity"``: rotation, scale and
    translation fitted on the confident joints, reflection forbidden) onto the standing
    stick figure of :mod:`posecoach.classify.synthetic`, so in-plane rotation is removed
    by the aligner rather than by the torso axis alone. Frames the aligner cannot fit
    (fewer than its minimum joints) give zeros.

    Example
    -------
    >>> from posecoach.classify.synthetic import stick_figure
    >>> p = stick_figure(np.array([0.0]))
    >>> e = aligned_embedding(p, COCO_17, COCO_17.names)
    >>> bool(np.allclose(e, aligned_embedding(p * 0.5 + 9, COCO_17, COCO_17.names)))
    True
    """
    import warnings

    from posecoach.align import AlignmentError, align
    from posecoach.classify.synthetic import stick_figure
    from posecoach.pose import PoseSequence

    names = tuple(joints)
    sub = Skeleton("classify_features", names)
    canon_full = stick_figure(0.0)[0]
    canon = _pick(canon_full[None], COCO_17, names, 2)[0]
    hip = joint_xyz(canon_full, COCO_17, "mid_hip")
    unit = float(np.linalg.norm(joint_xyz(canon_full, COCO_17, "thorax") - hip))
    att = PoseSequence(_pick(positions, skeleton, names, 2), skeleton=sub)
    ref = PoseSequence(canon[None], skeleton=sub)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = align(att, ref, "similarity", per_frame=True)
    except AlignmentError:
        return np.zeros((len(positions), 2 * len(names)))
    out = (res.aligned.positions - hip) / unit
    return np.nan_to_num(out, nan=0.0).reshape(len(positions), -1)


def feature_names(skeleton: Skeleton, settings: FeatureSettings, dims: int = 2) -> list[str]:
    """Names of the columns :func:`frame_features` returns.

    Example
    -------
    >>> s = FeatureSettings(joints=("nose", "left_eye"), blocks=("coords", "mask"))
    >>> feature_names(COCO_17, s)
    ['nose_x', 'nose_y', 'left_eye_x', 'left_eye_y', 'nose_missing', 'left_eye_missing']
    """
    d = 3 if (settings.use_z and dims == 3) else 2
    joints = settings.joints
    names: list[str] = []
    if "coords" in settings.blocks:
        names += [f"{jn}_{a}" for jn in joints for a in "xyz"[:d]]
    if "angles" in settings.blocks:
        names += [
            f"angle_{b}"
            for a, b, c in ANGLE_TRIPLES
            if all(x in joints or x.endswith("foot_index") for x in (a, b, c))
        ]
    if "distances" in settings.blocks:
        iu = np.triu_indices(len(joints), k=1)
        names += [f"dist_{joints[a]}_{joints[b]}" for a, b in zip(*iu, strict=True)]
    if "mask" in settings.blocks:
        names += [f"{jn}_missing" for jn in joints]
    if "aligned" in settings.blocks:
        names += [f"{jn}_aligned_{a}" for jn in joints for a in "xy"]
    if "side_angles" in settings.blocks:
        names += [f"angle_seen_side_{b}" for _, b, _ in SIDE_TRIPLES]
    if "limbs" in settings.blocks:
        names += [f"limb_{a}_{b}_{x}" for a, b in LIMB_SEGMENTS for x in "xyz"[:d]]
    return names


def sequence_summary(features: np.ndarray) -> np.ndarray:
    """Fixed-length summary of ``(T, F)`` per-frame features: mean, std, min, max.

    Lets frame models (k-NN, linear, boosting, MLP) classify whole sequences.

    Example
    -------
    >>> sequence_summary(np.arange(6.0).reshape(3, 2)).tolist()
    [2.0, 3.0, 1.632993161855452, 1.632993161855452, 0.0, 1.0, 4.0, 5.0]
    """
    f = np.asarray(features, dtype=np.float64)
    return np.concatenate([f.mean(0), f.std(0), f.min(0), f.max(0)])
