"""Skeleton definitions as data, and conversion between skeletons by joint name.

A :class:`Skeleton` is a name, canonical snake_case joint names, 0-based edges and
left/right pairs. Skeletons are looked up by name with :func:`get`; converting a pose
from one skeleton to another goes by joint name (:func:`convert`), derives joints that a
format has and the source lacks (``neck`` = mid-shoulders, ``mid_hip`` = mid-hips) and
reports which joints exist.

Example
-------
>>> from posecoach import skeletons
>>> sk = skeletons.get("coco_17")
>>> sk.names[5], sk.index("right_hip")
('left_shoulder', 12)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from posecoach.errors import PoseCoachError
from posecoach.registry import Registry

if TYPE_CHECKING:
    from posecoach.pose import PoseSequence

__all__ = [
    "Skeleton",
    "Conversion",
    "get",
    "register",
    "available",
    "convert",
    "common_joints",
    "DERIVED_JOINTS",
    "BLAZEPOSE_33",
    "COCO_17",
    "OPENPOSE_BODY_25",
    "OPENPOSE_COCO_18",
    "MPII_16",
    "KINECT_V2_25",
    "LIMB_JOINTS",
    "BODY_JOINTS",
    "TORSO_JOINTS",
    "KERAAL_VICON_17",
]


class SkeletonError(PoseCoachError, ValueError):
    """Raised for unknown skeletons, unknown joints or impossible conversions."""


@dataclass(frozen=True)
class Skeleton:
    """A named set of joints with edges (bones) and left/right pairs.

    Parameters
    ----------
    name
        Registry name, e.g. ``"coco_17"``.
    names
        Canonical snake_case joint names in the format's own order.
    edges
        Bones as 0-based index pairs into ``names``.
    symmetric_pairs
        Pairs of indices that swap when the pose is mirrored (left ↔ right).

    Example
    -------
    >>> sk = Skeleton("tiny", ("a", "b"), ((0, 1),))
    >>> sk.index("b")
    1
    """

    name: str
    names: tuple[str, ...]
    edges: tuple[tuple[int, int], ...] = ()
    symmetric_pairs: tuple[tuple[int, int], ...] = field(default=())

    def __post_init__(self) -> None:
        if len(set(self.names)) != len(self.names):
            dupes = sorted({n for n in self.names if self.names.count(n) > 1})
            raise SkeletonError(f"skeleton {self.name!r}: duplicate joint names {dupes}")
        k = len(self.names)
        for a, b in (*self.edges, *self.symmetric_pairs):
            if not (0 <= a < k and 0 <= b < k):
                raise SkeletonError(
                    f"skeleton {self.name!r}: expected indices in [0, {k}), got ({a}, {b})"
                )
        if not self.symmetric_pairs:
            object.__setattr__(self, "symmetric_pairs", _pairs_by_name(self.names))

    def __len__(self) -> int:
        return len(self.names)

    @property
    def n_joints(self) -> int:
        """Number of joints."""
        return len(self.names)

    def index(self, joint: str) -> int:
        """0-based index of ``joint``; raises with the valid names if unknown."""
        try:
            return self.names.index(joint)
        except ValueError:
            raise SkeletonError(
                f"skeleton {self.name!r} has no joint {joint!r}; it has {list(self.names)}"
            ) from None

    def indices(self, joints: Iterable[str]) -> list[int]:
        """Indices of several joints (see :meth:`index`)."""
        return [self.index(j) for j in joints]

    def has(self, joint: str) -> bool:
        """Whether the skeleton has a joint of that name."""
        return joint in self.names

    def mirror_permutation(self) -> np.ndarray:
        """Permutation of joint indices that swaps left and right."""
        perm = np.arange(len(self.names))
        for a, b in self.symmetric_pairs:
            perm[a], perm[b] = b, a
        return perm

    def edge_names(self) -> list[tuple[str, str]]:
        """Edges as pairs of joint names."""
        return [(self.names[a], self.names[b]) for a, b in self.edges]

    def subset(self, joints: Sequence[str], name: str | None = None) -> Skeleton:
        """A skeleton of only ``joints`` (in that order), keeping edges between them."""
        keep = {j: i for i, j in enumerate(joints)}
        for j in joints:
            self.index(j)
        edges = tuple((keep[a], keep[b]) for a, b in self.edge_names() if a in keep and b in keep)
        return Skeleton(name or f"{self.name}_subset_{len(joints)}", tuple(joints), edges)


def _pairs_by_name(names: Sequence[str]) -> tuple[tuple[int, int], ...]:
    pairs = []
    for i, n in enumerate(names):
        if n.startswith("left_"):
            other = "right_" + n[len("left_") :]
            if other in names:
                pairs.append((i, list(names).index(other)))
        elif n.endswith("_left"):
            other = n[: -len("_left")] + "_right"
            if other in names:
                pairs.append((i, list(names).index(other)))
    return tuple(pairs)


def _edges(names: Sequence[str], named_edges: Iterable[tuple[str, str]]) -> tuple:
    idx = {n: i for i, n in enumerate(names)}
    return tuple((idx[a], idx[b]) for a, b in named_edges)


_LIMBS = [
    ("left_shoulder", "right_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("left_hip", "right_hip"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
]

_BLAZEPOSE_NAMES = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
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
)
BLAZEPOSE_33 = Skeleton(
    "blazepose_33",
    _BLAZEPOSE_NAMES,
    _edges(
        _BLAZEPOSE_NAMES,
        [
            ("nose", "left_eye_inner"),
            ("left_eye_inner", "left_eye"),
            ("left_eye", "left_eye_outer"),
            ("left_eye_outer", "left_ear"),
            ("nose", "right_eye_inner"),
            ("right_eye_inner", "right_eye"),
            ("right_eye", "right_eye_outer"),
            ("right_eye_outer", "right_ear"),
            ("mouth_left", "mouth_right"),
            *_LIMBS,
            ("left_shoulder", "left_hip"),
            ("right_shoulder", "right_hip"),
            ("left_wrist", "left_pinky"),
            ("left_wrist", "left_index"),
            ("left_pinky", "left_index"),
            ("left_wrist", "left_thumb"),
            ("right_wrist", "right_pinky"),
            ("right_wrist", "right_index"),
            ("right_pinky", "right_index"),
            ("right_wrist", "right_thumb"),
            ("left_ankle", "left_heel"),
            ("left_heel", "left_foot_index"),
            ("left_ankle", "left_foot_index"),
            ("right_ankle", "right_heel"),
            ("right_heel", "right_foot_index"),
            ("right_ankle", "right_foot_index"),
        ],
    ),
)

_COCO_NAMES = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
COCO_17 = Skeleton(
    "coco_17",
    _COCO_NAMES,
    _edges(
        _COCO_NAMES,
        [
            ("nose", "left_eye"),
            ("nose", "right_eye"),
            ("left_eye", "left_ear"),
            ("right_eye", "right_ear"),
            *_LIMBS,
            ("left_shoulder", "left_hip"),
            ("right_shoulder", "right_hip"),
        ],
    ),
)

_BODY25_NAMES = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "mid_hip",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
    "left_big_toe",
    "left_small_toe",
    "left_heel",
    "right_big_toe",
    "right_small_toe",
    "right_heel",
)
_OPENPOSE_TRUNK = [
    ("neck", "nose"),
    ("nose", "right_eye"),
    ("right_eye", "right_ear"),
    ("nose", "left_eye"),
    ("left_eye", "left_ear"),
    ("neck", "right_shoulder"),
    ("right_shoulder", "right_elbow"),
    ("right_elbow", "right_wrist"),
    ("neck", "left_shoulder"),
    ("left_shoulder", "left_elbow"),
    ("left_elbow", "left_wrist"),
    ("right_hip", "right_knee"),
    ("right_knee", "right_ankle"),
    ("left_hip", "left_knee"),
    ("left_knee", "left_ankle"),
]
OPENPOSE_BODY_25 = Skeleton(
    "openpose_body_25",
    _BODY25_NAMES,
    _edges(
        _BODY25_NAMES,
        [
            *_OPENPOSE_TRUNK,
            ("neck", "mid_hip"),
            ("mid_hip", "right_hip"),
            ("mid_hip", "left_hip"),
            ("left_ankle", "left_big_toe"),
            ("left_big_toe", "left_small_toe"),
            ("left_ankle", "left_heel"),
            ("right_ankle", "right_big_toe"),
            ("right_big_toe", "right_small_toe"),
            ("right_ankle", "right_heel"),
        ],
    ),
)

_COCO18_NAMES = (
    "nose",
    "neck",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "right_hip",
    "right_knee",
    "right_ankle",
    "left_hip",
    "left_knee",
    "left_ankle",
    "right_eye",
    "left_eye",
    "right_ear",
    "left_ear",
)
OPENPOSE_COCO_18 = Skeleton(
    "openpose_coco_18",
    _COCO18_NAMES,
    _edges(_COCO18_NAMES, [*_OPENPOSE_TRUNK, ("neck", "right_hip"), ("neck", "left_hip")]),
)

_MPII_NAMES = (
    "right_ankle",
    "right_knee",
    "right_hip",
    "left_hip",
    "left_knee",
    "left_ankle",
    "pelvis",
    "thorax",
    "upper_neck",
    "head_top",
    "right_wrist",
    "right_elbow",
    "right_shoulder",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
)
MPII_16 = Skeleton(
    "mpii_16",
    _MPII_NAMES,
    _edges(
        _MPII_NAMES,
        [
            ("right_ankle", "right_knee"),
            ("right_knee", "right_hip"),
            ("right_hip", "pelvis"),
            ("left_hip", "pelvis"),
            ("left_hip", "left_knee"),
            ("left_knee", "left_ankle"),
            ("pelvis", "thorax"),
            ("thorax", "upper_neck"),
            ("upper_neck", "head_top"),
            ("right_wrist", "right_elbow"),
            ("right_elbow", "right_shoulder"),
            ("right_shoulder", "thorax"),
            ("left_shoulder", "thorax"),
            ("left_shoulder", "left_elbow"),
            ("left_elbow", "left_wrist"),
        ],
    ),
)

_KINECT_NAMES = (
    "spine_base",
    "spine_mid",
    "neck",
    "head",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "left_hand",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "right_hand",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_foot",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_foot",
    "spine_shoulder",
    "left_hand_tip",
    "left_thumb",
    "right_hand_tip",
    "right_thumb",
)
KINECT_V2_25 = Skeleton(
    "kinect_v2_25",
    _KINECT_NAMES,
    _edges(
        _KINECT_NAMES,
        [
            ("spine_base", "spine_mid"),
            ("spine_mid", "spine_shoulder"),
            ("spine_shoulder", "neck"),
            ("neck", "head"),
            ("spine_shoulder", "left_shoulder"),
            ("spine_shoulder", "right_shoulder"),
            ("left_shoulder", "left_elbow"),
            ("left_elbow", "left_wrist"),
            ("left_wrist", "left_hand"),
            ("left_hand", "left_hand_tip"),
            ("left_wrist", "left_thumb"),
            ("right_shoulder", "right_elbow"),
            ("right_elbow", "right_wrist"),
            ("right_wrist", "right_hand"),
            ("right_hand", "right_hand_tip"),
            ("right_wrist", "right_thumb"),
            ("spine_base", "left_hip"),
            ("spine_base", "right_hip"),
            ("left_hip", "left_knee"),
            ("left_knee", "left_ankle"),
            ("left_ankle", "left_foot"),
            ("right_hip", "right_knee"),
            ("right_knee", "right_ankle"),
            ("right_ankle", "right_foot"),
        ],
    ),
)

# Keraal dataset's Vicon/ART capture: 17 rigid-body targets (segments, not joint
# centres), in the order of the dataset's doc/readme_files_format.txt; "Hips" is named
# pelvis and "Arm" upper_arm here.
_KERAAL_VICON_NAMES = (
    "right_forearm",
    "left_forearm",
    "right_upper_arm",
    "left_upper_arm",
    "chest",
    "right_thigh",
    "left_thigh",
    "right_shoulder",
    "left_shoulder",
    "right_hand",
    "left_hand",
    "right_foot",
    "left_foot",
    "pelvis",
    "head",
    "right_tibia",
    "left_tibia",
)
KERAAL_VICON_17 = Skeleton(
    "keraal_vicon_17",
    _KERAAL_VICON_NAMES,
    _edges(
        _KERAAL_VICON_NAMES,
        [
            ("head", "chest"),
            ("chest", "pelvis"),
            *[
                (a.replace("*", side), b.replace("*", side))
                for side in ("left", "right")
                for a, b in [
                    ("chest", "*_shoulder"),
                    ("*_shoulder", "*_upper_arm"),
                    ("*_upper_arm", "*_forearm"),
                    ("*_forearm", "*_hand"),
                    ("pelvis", "*_thigh"),
                    ("*_thigh", "*_tibia"),
                    ("*_tibia", "*_foot"),
                ]
            ],
        ],
    ),
)

#: The twelve limb joints every common skeleton has (shoulders, elbows, wrists, hips,
#: knees, ankles), left before right: the shared core for aligners, scores and features.
LIMB_JOINTS: tuple[str, ...] = (
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)

#: The joints that define the torso (its centre, length and "a person is visible").
TORSO_JOINTS: tuple[str, ...] = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
#: :data:`LIMB_JOINTS` plus the nose: the body joints compared between skeletons.
BODY_JOINTS: tuple[str, ...] = ("nose", *LIMB_JOINTS)

#: Joints that can be computed from others as the mean of the listed joints.
#: ``neck`` is taken as mid-shoulders (as OpenPose does), ``mid_hip`` as mid-hips;
#: ``pelvis`` (MPII) and ``spine_base`` (Kinect) are mid-hips; ``thorax`` (MPII) and
#: ``spine_shoulder`` (Kinect) are mid-shoulders.
DERIVED_JOINTS: dict[str, tuple[str, ...]] = {
    "neck": ("left_shoulder", "right_shoulder"),
    "mid_hip": ("left_hip", "right_hip"),
    "pelvis": ("left_hip", "right_hip"),
    "thorax": ("left_shoulder", "right_shoulder"),
    "spine_shoulder": ("left_shoulder", "right_shoulder"),
    "spine_base": ("left_hip", "right_hip"),
}

#: Joints of different formats that mark the same anatomical point closely enough to
#: be used in place of each other (checked after exact names and before derivation).
JOINT_ALIASES: dict[str, tuple[str, ...]] = {
    "mid_hip": ("pelvis", "spine_base"),
    "pelvis": ("mid_hip", "spine_base"),
    "spine_base": ("mid_hip", "pelvis"),
    "thorax": ("spine_shoulder", "neck"),
    "spine_shoulder": ("thorax", "neck"),
    "left_big_toe": ("left_foot_index",),
    "right_big_toe": ("right_foot_index",),
    "left_foot_index": ("left_big_toe",),
    "right_foot_index": ("right_big_toe",),
}

_REGISTRY: Registry[Skeleton] = Registry("skeleton", SkeletonError)


def register(skeleton: Skeleton, *, replace: bool = False) -> Skeleton:
    """Add a skeleton to the registry so :func:`get` finds it by name.

    Example
    -------
    >>> _ = register(Skeleton("doc_example", ("a", "b"), ((0, 1),)), replace=True)
    >>> get("doc_example").names
    ('a', 'b')
    """
    return _REGISTRY.register(skeleton.name, skeleton, replace=replace)


for _sk in (
    BLAZEPOSE_33,
    COCO_17,
    OPENPOSE_BODY_25,
    OPENPOSE_COCO_18,
    MPII_16,
    KINECT_V2_25,
    KERAAL_VICON_17,
):
    register(_sk)


def available() -> list[str]:
    """Names of all registered skeletons, sorted."""
    return _REGISTRY.names()


def get(name: str | Skeleton) -> Skeleton:
    """Look a skeleton up by name (a :class:`Skeleton` is returned as is).

    Raises
    ------
    SkeletonError
        For an unknown name; the message lists the valid names.

    Example
    -------
    >>> get("mpii_16").n_joints
    16
    """
    if isinstance(name, Skeleton):
        return name
    return _REGISTRY.get(name)


@dataclass(frozen=True)
class Conversion:
    """Result of :func:`convert`: the converted sequence and where each joint came from."""

    sequence: PoseSequence
    direct: tuple[str, ...]
    derived: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def present(self) -> tuple[str, ...]:
        """Target joints that exist in the result (direct, aliased or derived)."""
        return tuple(n for n in self.sequence.skeleton.names if n not in self.missing)


def _source_for(joint: str, src: Skeleton) -> tuple[str, list[int]] | None:
    if src.has(joint):
        return "direct", [src.index(joint)]
    for alias in JOINT_ALIASES.get(joint, ()):
        if src.has(alias):
            return "direct", [src.index(alias)]
    parts = DERIVED_JOINTS.get(joint)
    if parts and all(src.has(p) for p in parts):
        return "derived", src.indices(parts)
    return None


def convert(seq: PoseSequence, target: str | Skeleton, *, strict: bool = False) -> Conversion:
    """Convert a pose sequence to another skeleton by joint name.

    Joints present in both are copied; joints the source lacks are taken from an alias
    (``pelvis`` for ``mid_hip``) or derived (``neck`` = mean of the shoulders); the
    rest are NaN with confidence 0 and listed in ``missing``. A derived joint's
    confidence is the smallest of its parts'.

    Parameters
    ----------
    seq
        The sequence to convert.
    target
        Target skeleton or its name.
    strict
        If true, raise when any target joint is missing.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> coco = PoseSequence(np.zeros((1, 17, 2)), skeleton="coco_17")
    >>> conv = convert(coco, "openpose_coco_18")
    >>> conv.derived, conv.missing
    (('neck',), ())
    """
    target_sk = get(target)
    src = seq.skeleton
    t, _, d = seq.positions.shape
    pos = np.full((t, target_sk.n_joints, d), np.nan)
    conf = np.zeros((t, target_sk.n_joints))
    world = None if seq.world is None else np.full((t, target_sk.n_joints, 3), np.nan)
    direct: list[str] = []
    derived: list[str] = []
    missing: list[str] = []
    for j, name in enumerate(target_sk.names):
        found = _source_for(name, src)
        if found is None:
            missing.append(name)
            continue
        kind, idx = found
        pos[:, j] = seq.positions[:, idx].mean(axis=1)
        conf[:, j] = seq.confidence[:, idx].min(axis=1)
        if world is not None and seq.world is not None:
            world[:, j] = seq.world[:, idx].mean(axis=1)
        (direct if kind == "direct" else derived).append(name)
    if strict and missing:
        raise SkeletonError(
            f"cannot convert {src.name!r} to {target_sk.name!r}: missing joints {missing}"
        )
    if not direct and not derived:
        raise SkeletonError(
            f"cannot convert {src.name!r} to {target_sk.name!r}: no joint in common"
        )
    out = seq.replace(
        positions=pos, confidence=conf, skeleton=target_sk, world=world
    ).with_provenance("convert", source=src.name, target=target_sk.name, missing=missing)
    return Conversion(out, tuple(direct), tuple(derived), tuple(missing))


def common_joints(a: Skeleton, b: Skeleton) -> list[str]:
    """Joint names of ``a`` that ``b`` has directly or through an alias, in ``a``'s order.

    Example
    -------
    >>> common_joints(COCO_17, MPII_16)[:3]
    ['left_shoulder', 'right_shoulder', 'left_elbow']
    """
    out = []
    for name in a.names:
        if b.has(name) or any(b.has(x) for x in JOINT_ALIASES.get(name, ())):
            out.append(name)
    return out
