"""Training-set augmentation: random camera views, mirroring, dropped joints.

- **Random views** reuse :func:`posecoach.align.cameras.random_camera`. Each sample is
  centred on the hips and scaled to torso lengths, then projected through a random
  perspective camera. 3D data (ML Kit's x, y, z, MediaPipe world landmarks) is used as
  is; 2D-only data is first given depth by the learned lifter of
  :mod:`posecoach.align.learned` (trained on projected motion capture), so a side view
  turned by 45° shows the body from the front-side rather than a flattened photo.
  Default ranges are azimuth ±90°, elevation ±20°, roll ±15° (bench/classify.py, 2c: with
  3D training data two views in ±90° bring a side camera within 4 points of the training
  cameras, where ±45° left it 11 points below).
- **Mirror** swaps left and right joints and negates x; labels with a side are mapped
  through ``label_map`` (default: swap the words ``left`` ↔ ``right`` inside a label),
  labels without a side are kept, and a side label with no counterpart in the label
  set is not mirrored at all (mirroring would invent a class).
- **Dropped joints** set one body part of a fraction of samples to missing: the lower
  body (hips included: hips, knees, ankles, heels, feet), the arms (elbows, wrists,
  hands), one side (``left`` or ``right``: every joint of that side, as when the far side
  is hidden), or ``joints`` (each joint missing with probability 0.15, as detectors
  drop single occluded joints).

Augmented copies keep their source's group, so a group split stays a group split.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from posecoach.classify.datasets import PoseDataset
from posecoach.classify.features import ARM_JOINTS, LEG_JOINTS
from posecoach.errors import InputError
from posecoach.geometry import joint_xyz

__all__ = [
    "AugmentSettings",
    "DEFAULT_AUGMENTATION",
    "DROP_PARTS",
    "augment",
    "mirror_label",
    "random_views",
    "mirror",
    "drop_joints",
]

#: Body parts :func:`drop_joints` can remove.
DROP_PARTS = ("legs", "arms", "left", "right", "joints")
#: Chance of each joint to go missing under the ``joints`` part.
JOINT_DROPOUT = 0.15


@dataclass(frozen=True)
class AugmentSettings:
    """How many augmented copies of each sample to add.

    Parameters
    ----------
    views
        Random camera views per sample.
    mirror
        Add a mirrored copy of each sample.
    drop
        Fraction of samples to add again with legs or arms missing (0 = none).
    drop_parts
        Which parts can be dropped: any of :data:`DROP_PARTS`.
    label_map
        Explicit mirror label pairs (both directions are used).
    seed
        Random seed.

    Example
    -------
    >>> AugmentSettings(views=2).active
    True
    """

    views: int = 0
    mirror: bool = False
    drop: float = 0.0
    drop_parts: tuple[str, ...] = ("legs", "arms")
    label_map: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        bad = [p for p in self.drop_parts if p not in DROP_PARTS]
        if bad or not self.drop_parts:
            raise InputError(f"unknown body parts to drop {bad}; expected some of {DROP_PARTS}")
        if self.views < 0 or not 0 <= self.drop <= 10:
            raise InputError(
                f"augmentation needs views >= 0 and 0 <= drop <= 10, got {self.views}, {self.drop}"
            )
        object.__setattr__(self, "drop_parts", tuple(self.drop_parts))

    @property
    def active(self) -> bool:
        """Whether any augmentation is asked for."""
        return self.views > 0 or self.mirror or self.drop > 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "views": self.views,
            "mirror": self.mirror,
            "drop": self.drop,
            "drop_parts": list(self.drop_parts),
            "label_map": dict(self.label_map),
            "seed": self.seed,
        }


#: What ``posecoach train`` adds by default: a mirrored copy of every sample (either side),
#: two random camera views of every sample and its mirror, and half as many again with a
#: body part missing (lower body, arms, one side or single joints): 7 times the samples.
DEFAULT_AUGMENTATION = AugmentSettings(views=2, mirror=True, drop=0.5, drop_parts=DROP_PARTS)


def mirror_label(
    label: str, classes: list[str], label_map: Mapping[str, str] | None = None
) -> str | None:
    """Label of the mirrored pose, or ``None`` when mirroring is not valid for it.

    Example
    -------
    >>> mirror_label("left_lunge", ["left_lunge", "right_lunge", "squat"])
    'right_lunge'
    >>> mirror_label("squat", ["left_lunge", "right_lunge", "squat"])
    'squat'
    >>> mirror_label("left_lunge", ["left_lunge", "squat"]) is None
    True
    """
    pairs = dict(label_map or {})
    pairs.update({v: k for k, v in (label_map or {}).items()})
    if label in pairs:
        out = pairs[label]
        return out if out in classes else None
    swapped = re.sub(
        r"(?i)(left|right)",
        lambda m: (
            {"left": "right", "right": "left"}[m.group(1).lower()]
            if m.group(1).islower()
            else {"left": "right", "right": "left"}[m.group(1).lower()].capitalize()
        ),
        label,
    )
    if swapped == label:
        return label
    return swapped if swapped in classes else None


def _centre_scale(pos: np.ndarray, ds: PoseDataset) -> np.ndarray:
    hip = joint_xyz(pos, ds.skeleton, "mid_hip")
    sho = joint_xyz(pos, ds.skeleton, "thorax")
    with warnings.catch_warnings():  # frames with no joint left: NaN, handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        center = np.where(np.isfinite(hip), hip, np.nanmean(pos, axis=1))
        torso = np.linalg.norm(sho - hip, axis=-1)
        spread = np.nanmax(np.linalg.norm(pos - center[:, None], axis=-1), axis=1) / 2
    scale = np.where(np.isfinite(torso) & (torso > 1e-9), torso, spread)
    scale = np.where(np.isfinite(scale) & (scale > 1e-9), scale, 1.0)
    return (pos - center[:, None]) / scale[:, None, None]


def _sample_ids(ds: PoseDataset) -> np.ndarray:
    """Index of the sample each frame belongs to."""
    if ds.level == "frame":
        return np.arange(ds.positions.shape[0])
    assert ds.offsets is not None
    return np.repeat(np.arange(ds.n_samples), np.diff(ds.offsets))


def _with_positions(
    ds: PoseDataset,
    pos: np.ndarray,
    labels: np.ndarray | None = None,
    keep: np.ndarray | None = None,
) -> PoseDataset:
    conf = ds.confidence.copy()
    if pos.shape[2] != ds.positions.shape[2]:
        pad = np.zeros((*pos.shape[:2], ds.positions.shape[2] - pos.shape[2]))
        pos = np.concatenate([pos, pad], axis=2)
    missing = ~np.isfinite(pos).all(-1)
    pos = pos.copy()
    pos[missing] = np.nan
    conf[missing] = 0.0
    out = PoseDataset(
        pos,
        conf,
        ds.labels if labels is None else labels,
        ds.groups,
        ds.skeleton,
        ds.level,
        ds.offsets,
        ds.fps,
        ds.source,
        dict(ds.notes),
    )
    if keep is not None:
        out = out.subset(np.flatnonzero(keep))
    return out


def random_views(
    ds: PoseDataset,
    rng: np.random.Generator,
    *,
    azimuth_deg: tuple[float, float] = (-90.0, 90.0),
    elevation_deg: tuple[float, float] = (-20.0, 20.0),
    roll_deg: tuple[float, float] = (-15.0, 15.0),
) -> PoseDataset:
    """One random camera view of every sample (one camera per sample).

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> p = np.random.default_rng(0).normal(size=(2, 17, 2))
    >>> ds = PoseDataset(p, np.ones((2, 17)), np.array(["a", "b"]), np.array(["g", "h"]),
    ...                  get("coco_17"))
    >>> v = random_views(ds, np.random.default_rng(1))
    >>> v.positions.shape, bool(np.allclose(v.positions, p))
    ((2, 17, 2), False)
    """
    from posecoach.align.cameras import random_camera

    pos = _centre_scale(ds.positions.astype(np.float64), ds)
    if pos.shape[2] == 2 or not np.isfinite(pos[..., 2]).any() or not pos[..., 2].any():
        pos = np.concatenate([pos[..., :2], _lifted_depth(pos[..., :2], ds)[..., None]], axis=2)
    out = np.full((*pos.shape[:2], 2), np.nan)
    ids = _sample_ids(ds)
    for i in range(ds.n_samples):
        cam = random_camera(
            rng, azimuth_deg, elevation_deg, roll_deg, distance=(4.0, 8.0), focal=1.0
        )
        frames = ids == i
        out[frames] = cam.project(pos[frames])
    return _with_positions(ds, out)


def _lifted_depth(pos: np.ndarray, ds: PoseDataset) -> np.ndarray:
    """Depth of every joint of 2D poses by the learned lifter (0 where it cannot tell)."""
    from posecoach.align.learned import lift_depth

    conf = np.where(np.isfinite(pos).all(-1), 1.0, 0.0)
    return np.nan_to_num(lift_depth(pos, conf, ds.skeleton), nan=0.0)


def mirror(ds: PoseDataset, label_map: Mapping[str, str] | None = None) -> PoseDataset:
    """Mirror images of the samples whose label can be mirrored (see :func:`mirror_label`).

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> p = np.random.default_rng(0).normal(size=(2, 17, 2))
    >>> ds = PoseDataset(p, np.ones((2, 17)), np.array(["left_lunge", "squat"]),
    ...                  np.array(["g", "h"]), get("coco_17"))
    >>> mirror(ds).labels.tolist()
    ['squat']
    """
    classes = ds.classes
    new = [mirror_label(str(lab), classes, label_map) for lab in ds.labels]
    keep = np.array([n is not None for n in new])
    perm = ds.skeleton.mirror_permutation()
    pos = ds.positions[:, perm].copy()
    pos[..., 0] = -pos[..., 0]
    labels = np.array([n if n is not None else lab for n, lab in zip(new, ds.labels, strict=True)])
    out = PoseDataset(
        pos,
        ds.confidence[:, perm].copy(),
        labels,
        ds.groups,
        ds.skeleton,
        ds.level,
        ds.offsets,
        ds.fps,
        ds.source,
        dict(ds.notes),
    )
    return out.subset(np.flatnonzero(keep))


def drop_joints(
    ds: PoseDataset,
    rng: np.random.Generator,
    fraction: float = 1.0,
    parts: tuple[str, ...] = ("legs", "arms"),
) -> PoseDataset:
    """Copies of a random ``fraction`` of samples, each with one of ``parts`` missing.

    ``fraction`` above 1 adds several copies of some samples (2.5: every sample twice and
    half of them a third time).

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> p = np.zeros((4, 17, 2))
    >>> ds = PoseDataset(p, np.ones((4, 17)), np.array(list("aabb")), np.array(list("ghij")),
    ...                  get("coco_17"))
    >>> d = drop_joints(ds, np.random.default_rng(0), 0.5, parts=("legs",))
    >>> d.n_samples, int(np.isnan(d.positions[:, 13:, 0]).all())
    (2, 1)
    """
    names = ds.skeleton.names
    by_part = {
        "legs": LEG_JOINTS,
        "arms": ARM_JOINTS,
        "left": tuple(j for j in names if j.startswith("left_")),
        "right": tuple(j for j in names if j.startswith("right_")),
    }
    n_pick = round(fraction * ds.n_samples)
    if n_pick == 0:
        return ds.subset([])
    whole, rest = divmod(n_pick, ds.n_samples)
    chosen = np.concatenate(
        [np.tile(np.arange(ds.n_samples), whole), rng.choice(ds.n_samples, rest, replace=False)]
    )
    sub = ds.subset(np.sort(chosen))
    pos = sub.positions.copy()
    ids = _sample_ids(sub)
    which = rng.choice(len(parts), size=sub.n_samples)
    for i in range(sub.n_samples):
        frames = ids == i
        if parts[which[i]] == "joints":
            gone = rng.random(ds.skeleton.n_joints) < JOINT_DROPOUT
            pos[np.ix_(frames, np.flatnonzero(gone))] = np.nan
            continue
        part = [j for j in by_part[parts[which[i]]] if ds.skeleton.has(j)]
        pos[np.ix_(frames, ds.skeleton.indices(part))] = np.nan
    return _with_positions(sub, pos)


def concat(parts: list[PoseDataset]) -> PoseDataset:
    """Samples of several datasets of one skeleton, one after another."""
    parts = [p for p in parts if p.n_samples > 0]
    first = parts[0]
    dims = max(p.positions.shape[2] for p in parts)

    def pad(a: np.ndarray) -> np.ndarray:
        if a.shape[2] == dims:
            return a
        return np.concatenate([a, np.zeros((*a.shape[:2], dims - a.shape[2]))], axis=2)

    offsets = None
    if first.level == "sequence":
        lengths = np.concatenate([np.diff(p.offsets) for p in parts])  # type: ignore[arg-type]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    return PoseDataset(
        np.concatenate([pad(p.positions) for p in parts]),
        np.concatenate([p.confidence for p in parts]),
        np.concatenate([p.labels for p in parts]),
        np.concatenate([p.groups for p in parts]),
        first.skeleton,
        first.level,
        offsets,
        first.fps,
        first.source,
        dict(first.notes),
    )


def augment(ds: PoseDataset, settings: AugmentSettings) -> PoseDataset:
    """The dataset plus its augmented copies (views, mirror, dropped joints).

    Mirrored copies double the base; each view adds one copy of the base; ``drop`` adds
    that fraction of the base again with legs or arms removed (4 + 4 mirrored = 8,
    + 2 × 8 views = 24, + 4 dropped = 28 below).

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> p = np.random.default_rng(0).normal(size=(4, 17, 2))
    >>> ds = PoseDataset(p, np.ones((4, 17)), np.array(list("aabb")), np.array(list("ghij")),
    ...                  get("coco_17"))
    >>> augment(ds, AugmentSettings(views=2, mirror=True, drop=0.5)).n_samples
    28
    """
    if not settings.active:
        return ds
    rng = np.random.default_rng(settings.seed)
    parts = [ds]
    if settings.mirror:
        parts.append(mirror(ds, settings.label_map))
    base = concat(parts)
    views = [random_views(base, rng) for _ in range(settings.views)]
    parts = [base, *views]
    if settings.drop > 0:
        pool = concat(parts)
        parts.append(
            drop_joints(
                pool, rng, settings.drop * base.n_samples / pool.n_samples, settings.drop_parts
            )
        )
    return concat(parts)
