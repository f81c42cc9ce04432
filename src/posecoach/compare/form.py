"""Form: view-invariant quantities, what correct looks like, and how far an attempt is from it.

The position-based comparison (:mod:`posecoach.compare.score`) measures where joints are
after a spatial alignment; it changes with the camera, the body and the side the person
faces. This module measures *form* instead:

- :func:`form_features`: per frame, quantities that do not depend on where the camera is,
  how big the person is or which way they face: the eight limb joint angles (elbows,
  shoulders, hips, knees; 180° = straight) and the inclination of the trunk and of every
  limb segment against the vertical (0° = pointing up), in 3D when the sequence has world
  landmarks, else in the image. All are unsigned angles, so a person filmed facing left
  and one facing right give the same values.
- :class:`FormModel`: what correct looks like, learned from one or several correct
  executions. They are brought onto one time base (the medoid execution; the others are
  matched to it by DTW), and for every phase and quantity the model keeps the mean and the
  natural spread between executions. The spread is combined with a floor for the
  estimator's own noise under a change of camera (:data:`NOISE_FLOOR_DEG`, measured on
  real data; see ``bench/form.py``), so what varies between correct executions, or
  between cameras, is forgiven, and what never varies is strict.
- :func:`assess_form`: matches an attempt to the model in time (DTW on the quantities
  scaled by their spread), testing both the attempt as seen and its left/right mirror
  (a person who uses the other side, or a side view where the near limb is the other
  one), and keeps the better. Each quantity of each frame gets a z value (difference /
  allowed spread); only the part beyond one spread counts (``excess = max(0, |z| - 1)``).
  The score is ``100 / (1 + (E / E50) ** SHAPE)`` of the mean excess ``E`` over the
  frames with a usable pose.

Example
-------
>>> from posecoach.compare.synthetic import stick_squat
>>> ref = stick_squat(60)
>>> model = FormModel.from_references([ref])
>>> round(assess_form(model, ref).score)
100
>>> bad = stick_squat(60, knee_depth=0.2)          # hardly bends the knees
>>> assess_form(model, bad).score < 50
True
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from posecoach.compare.temporal import dtw_path, fill_gaps_array
from posecoach.errors import InputError
from posecoach.geometry import angle_between, joint_xyz
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton

__all__ = [
    "E50",
    "FEATURES",
    "NOISE_FLOOR_DEG",
    "FormAssessment",
    "FormFeatures",
    "FormModel",
    "assess_form",
    "combine",
    "jitter",
    "view_descriptor",
    "view_difference",
    "distance_to_form_score",
    "form_features",
    "feature_excess",
    "mirror_index",
    "worst_mean",
]

#: Limb joint angles (a, b, c): the angle at b between b→a and b→c (180° = straight). Feet
#: and head are left out: on real data (bench/form.py) they added more noise than form.
JOINT_ANGLES: dict[str, tuple[str, str, str]] = {
    "left_elbow": ("left_shoulder", "left_elbow", "left_wrist"),
    "right_elbow": ("right_shoulder", "right_elbow", "right_wrist"),
    "left_shoulder": ("left_hip", "left_shoulder", "left_elbow"),
    "right_shoulder": ("right_hip", "right_shoulder", "right_elbow"),
    "left_hip": ("left_shoulder", "left_hip", "left_knee"),
    "right_hip": ("right_shoulder", "right_hip", "right_knee"),
    "left_knee": ("left_hip", "left_knee", "left_ankle"),
    "right_knee": ("right_hip", "right_knee", "right_ankle"),
}
#: Segments whose inclination against the vertical is measured (from, to); "trunk" runs
#: from the mid-hips to the mid-shoulders.
SEGMENTS: dict[str, tuple[str, str]] = {
    "trunk": ("mid_hip", "mid_shoulder"),
    "left_upper_arm": ("left_shoulder", "left_elbow"),
    "right_upper_arm": ("right_shoulder", "right_elbow"),
    "left_forearm": ("left_elbow", "left_wrist"),
    "right_forearm": ("right_elbow", "right_wrist"),
    "left_thigh": ("left_hip", "left_knee"),
    "right_thigh": ("right_hip", "right_knee"),
    "left_shank": ("left_knee", "left_ankle"),
    "right_shank": ("right_knee", "right_ankle"),
}
#: Every quantity, in this order: joint angles, then inclinations (``<segment>_tilt``).
FEATURES: tuple[str, ...] = (*JOINT_ANGLES, *(f"{s}_tilt" for s in SEGMENTS))

#: The score at which an attempt counts as matching (no cue is given at or above it).
MATCH_SCORE = 95.0
#: The distance is the mean excess of the :data:`WORST` quantities that exceed their
#: allowed spread the most (what the cues talk about), in allowed spreads.
WORST = 1
#: Distance that scores 50, and the steepness of the curve. Anchored on real data
#: (bench/form.py): the same take seen by another camera (Pose2Sim views 2-4 against 1,
#: median 0.83) scores 90, and another exercise (Keraal, same estimator, median 2.0)
#: about 30.
E50 = 1.6
SHAPE = 3.5
#: An attempt shorter than this fraction of the model is matched inside it.
SUBSEQUENCE_RATIO = 0.67
#: |z| above which a difference is clearly more than a change of camera explains: on the
#: Pose2Sim views (the same instant from four cameras) no quantity stays beyond 2.5
#: allowed spreads for half a second in 2D, and one at most in 3D (bench/form.py).
Z_CUE = 2.5


_DEFAULT_NOISE = 10.0


def _load_noise() -> dict[str, dict[str, float]]:
    try:
        text = resources.files("posecoach.compare").joinpath("data/form_noise.json").read_text()
        data = json.loads(text)
        return {k: {n: float(v) for n, v in data[k].items()} for k in ("2d", "3d")}
    except (OSError, ValueError, KeyError):  # pragma: no cover - shipped with the package
        return {"2d": {n: 12.0 for n in FEATURES}, "3d": {n: 12.0 for n in FEATURES}}


#: Per-quantity spread (degrees) that a change of camera and of person alone produces, for
#: 2D and 3D quantities: the floor of every allowed spread. Measured by ``bench/form.py``
#: and shipped as ``compare/data/form_noise.json`` (its ``provenance`` says on what).
NOISE_FLOOR_DEG: dict[str, dict[str, float]] = _load_noise()


# ---------------------------------------------------------------------------- features
@dataclass(frozen=True)
class FormFeatures:
    """Per-frame form quantities of one sequence.

    Attributes
    ----------
    names
        Quantity names (a subset of :data:`FEATURES`, in its order).
    values
        ``(T, F)`` degrees, NaN where the joints are missing.
    weights
        ``(T, F)`` confidence of each value in [0, 1] (the least confident joint).
    times
        ``(T,)`` seconds.
    in_3d
        Measured on 3D world coordinates.
    """

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    times: np.ndarray
    in_3d: bool

    @property
    def n_frames(self) -> int:
        return int(self.values.shape[0])


def _point(positions: np.ndarray, skeleton: Skeleton, name: str) -> np.ndarray:
    if name.startswith("mid_"):
        side = name[4:]
        return (
            joint_xyz(positions, skeleton, f"left_{side}")
            + joint_xyz(positions, skeleton, f"right_{side}")
        ) / 2
    return joint_xyz(positions, skeleton, name)


def _has(skeleton: Skeleton, name: str) -> bool:
    if name.startswith("mid_"):
        side = name[4:]
        return skeleton.has(f"left_{side}") and skeleton.has(f"right_{side}")
    return skeleton.has(name)


def _conf(confidence: np.ndarray, skeleton: Skeleton, names: Sequence[str]) -> np.ndarray:
    idx: list[int] = []
    for n in names:
        if n.startswith("mid_"):
            idx += skeleton.indices((f"left_{n[4:]}", f"right_{n[4:]}"))
        else:
            idx.append(skeleton.index(n))
    return confidence[:, idx].min(axis=1)


def form_features(seq: PoseSequence, *, use_world: bool | None = None) -> FormFeatures:
    """The form quantities of every frame (see the module docstring).

    Parameters
    ----------
    seq
        Any skeleton with named limb joints; quantities whose joints it lacks are left out.
    use_world
        Measure on ``seq.world`` (3D). Default: when the sequence has world landmarks,
        or is itself 3D world coordinates.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((1, 17, 2)); p[0, 11] = [0, 2]; p[0, 13] = [0, 3]; p[0, 15] = [1, 3]
    >>> f = form_features(PoseSequence(p, skeleton="coco_17"))
    >>> i, j = f.names.index("left_knee"), f.names.index("left_thigh_tilt")
    >>> round(float(f.values[0, i])), round(float(f.values[0, j]))  # 90° knee, thigh down
    (90, 180)
    """
    sk = seq.skeleton
    if use_world is None:
        use_world = seq.world is not None or (seq.space == "world" and seq.dims == 3)
    if use_world:
        pos = seq.world if seq.world is not None else seq.positions
        if pos is None or pos.shape[-1] != 3:
            raise InputError("expected 3D world coordinates for use_world=True, got none")
        y_up = seq.metadata.get("y_up") is True
    else:
        pos = seq.positions[..., :2]
        y_up = seq.space == "world" and seq.metadata.get("y_up") is True
    conf = np.asarray(seq.confidence, dtype=np.float64)
    up = np.zeros(pos.shape[-1])
    up[1] = 1.0 if y_up else -1.0
    names: list[str] = []
    values: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for name, (a, b, c) in JOINT_ANGLES.items():
        if all(sk.has(j) for j in (a, b, c)):
            pa, pb, pc = (joint_xyz(pos, sk, j) for j in (a, b, c))
            names.append(name)
            values.append(angle_between(pa - pb, pc - pb))
            weights.append(_conf(conf, sk, (a, b, c)))
    for seg, (a, b) in SEGMENTS.items():
        if _has(sk, a) and _has(sk, b):
            d = _point(pos, sk, b) - _point(pos, sk, a)
            names.append(f"{seg}_tilt")
            values.append(angle_between(d, np.broadcast_to(up, d.shape)))
            weights.append(_conf(conf, sk, (a, b)))
    if not names:
        raise InputError(
            f"expected a skeleton with limb joints (shoulders, elbows, hips, knees...), got "
            f"{sk.name!r}"
        )
    vals = np.stack(values, axis=1)
    w = np.stack(weights, axis=1)
    w = np.where(np.isfinite(vals), np.clip(w, 0.0, 1.0), 0.0)
    order = [FEATURES.index(n) for n in names]
    perm = np.argsort(order)
    return FormFeatures(
        tuple(names[i] for i in perm),
        vals[:, perm],
        w[:, perm],
        np.asarray(seq.timestamps, dtype=np.float64),
        bool(use_world),
    )


def mirror_index(names: Sequence[str]) -> np.ndarray:
    """For each quantity, the index of its left/right counterpart (itself if central).

    Example
    -------
    >>> mirror_index(["left_knee", "right_knee", "trunk_tilt"]).tolist()
    [1, 0, 2]
    """
    index = {n: i for i, n in enumerate(names)}
    out = []
    for i, n in enumerate(names):
        if n.startswith("left_"):
            out.append(index.get("right_" + n[5:], i))
        elif n.startswith("right_"):
            out.append(index.get("left_" + n[6:], i))
        else:
            out.append(i)
    return np.asarray(out, dtype=np.int64)


#: Smallest allowed spread (degrees): differences below it are not worth telling anyone.
MIN_SPREAD_DEG = 5.0
#: View difference (see :func:`view_difference`) at and beyond which the full camera
#: noise applies; below it, the part of the noise that a change of camera brings is
#: scaled down linearly: the smallest difference between two of the Pose2Sim views (whose
#: spread measured the camera noise), 0.3 (views 1 and 2).
VIEW_FULL = 0.3


#: Share of the camera noise kept for 3D that no monocular estimator produced.
MEASURED_3D_NOISE = 0.25


def _estimated(seq: PoseSequence) -> bool:
    """Whether posecoach estimated this pose from a video or image (one camera)."""
    return any(p.get("op") == "extract" for p in seq.provenance) or (
        seq.world is not None and seq.metadata.get("world_source") == "mediapipe"
    )


def view_descriptor(seq: PoseSequence) -> np.ndarray:
    """How the camera sees the body: ``(3,)`` medians over frames, in torso lengths, of the
    image-x offset left shoulder - right shoulder, left hip - right hip, and nose - mid
    shoulders (NaN where the joints are missing).

    Example
    -------
    >>> from posecoach.compare.synthetic import stick_squat
    >>> side, front = stick_squat(10, yaw_deg=90), stick_squat(10, yaw_deg=0)
    >>> (np.abs(view_descriptor(front)[:2]) > np.abs(view_descriptor(side)[:2])).tolist()
    [True, True]
    """
    sk = seq.skeleton
    pos = seq.positions[..., :2]
    need = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(sk.has(n) for n in need):
        return np.full(3, np.nan)
    ls, rs, lh, rh = (pos[:, sk.index(n)] for n in need)
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=-1)
    torso = np.where(torso > 1e-9, torso, np.nan)
    nose = pos[:, sk.index("nose")] if sk.has("nose") else np.full_like(ls, np.nan)
    parts = [(ls - rs)[:, 0], (lh - rh)[:, 0], (nose - (ls + rs) / 2)[:, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.array([np.nanmedian(p / torso) for p in parts])


def view_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two view descriptors (unknown: ``inf``). A mirrored image (the
    body seen from the front and from the back, or facing left and right) counts as
    another view: the angles are the same but the estimator's errors are not.

    Example
    -------
    >>> round(view_difference(np.array([0.5, 0.3, 0.0]), np.array([0.5, 0.2, 0.0])), 2)
    0.1
    """
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 2:
        return float("inf")
    return float(np.linalg.norm((a - b)[ok]))


def jitter(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(F,)`` the estimator's frame-to-frame noise of each quantity (degrees): a robust
    spread of the second difference, scaled to the noise of one value.

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> v = np.linspace(0, 90, 400)[:, None] + rng.normal(0, 2.0, (400, 1))
    >>> round(float(jitter(v, np.ones_like(v))[0]))
    2
    """
    v = np.where(weights > 0.3, values, np.nan)
    if len(v) < 5:
        return np.zeros(v.shape[1])
    d2 = v[1:-1] - (v[:-2] + v[2:]) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mad = np.nanmedian(np.abs(d2 - np.nanmedian(d2, axis=0)), axis=0)
    # white noise of std s gives a second difference of std s * sqrt(1.5)
    out = 1.4826 * mad / math.sqrt(1.5)
    return np.where(np.isfinite(out), out, 0.0)


def _noise(names: Sequence[str], in_3d: bool) -> np.ndarray:
    table = NOISE_FLOOR_DEG["3d" if in_3d else "2d"]
    return np.array([table.get(n, _DEFAULT_NOISE) for n in names], dtype=np.float64)


def _fill(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Values with gaps (and unreliable values) interpolated, for DTW only."""
    v = np.where(weights > 0.05, values, np.nan)
    out = fill_gaps_array(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a quantity never measured
        col_mean = np.nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)
    col_mean = np.where(np.isfinite(col_mean), col_mean, 90.0)
    return np.where(np.isfinite(out), out, col_mean)


# ---------------------------------------------------------------------------- the model
@dataclass(frozen=True)
class FormModel:
    """What correct looks like, on one time base (see the module docstring).

    Attributes
    ----------
    names
        Quantities modelled.
    mean, spread
        ``(P, F)`` degrees: per phase, the mean over the correct executions and their
        natural spread (0 with one execution).
    noise
        ``(F,)`` degrees: the floor of the allowed spread (camera and estimator noise).
    times
        ``(P,)`` seconds of the time base (the medoid execution).
    n_references
        How many executions it was learned from.
    in_3d
        Quantities measured in 3D.
    mirrored_references
        Per execution: whether it was matched as its left/right mirror.
    """

    names: tuple[str, ...]
    mean: np.ndarray
    spread: np.ndarray
    noise: np.ndarray
    times: np.ndarray
    n_references: int
    in_3d: bool
    mirrored_references: tuple[bool, ...] = field(default=())
    #: Which execution is the time base (the medoid).
    base_index: int = 0
    #: How the camera saw the time base (:func:`view_descriptor`).
    view: np.ndarray = field(default_factory=lambda: np.full(3, np.nan))
    #: ``(F,)`` the references' own frame-to-frame noise (median over them).
    jitter: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: Some reference's pose was estimated from a video by posecoach (not measured by a
    #: motion-capture system, a depth camera or several calibrated cameras).
    estimated: bool = True

    @property
    def n_phases(self) -> int:
        return int(self.mean.shape[0])

    def allowed(
        self, view_weight: float = 1.0, attempt_jitter: np.ndarray | None = None
    ) -> np.ndarray:
        """``(P, F)`` allowed spread.

        The natural spread between the correct executions, the estimator's frame noise of
        both sides, the camera noise :attr:`noise` scaled by ``view_weight`` (0: same
        view, 1: another camera), never below :data:`MIN_SPREAD_DEG`.
        """
        jit_ref = self.jitter if len(self.jitter) == len(self.names) else 0.0
        jit_att = 0.0 if attempt_jitter is None else attempt_jitter
        var = (
            self.spread**2
            + (np.asarray(jit_ref) ** 2 / self.n_references + np.asarray(jit_att) ** 2)
            + view_weight * (self.noise**2)[None, :]
            + MIN_SPREAD_DEG**2
        )
        return np.sqrt(var)

    @classmethod
    def from_references(
        cls,
        references: Sequence[PoseSequence],
        *,
        use_world: bool | None = None,
    ) -> FormModel:
        """Learn the model from one or several correct executions of one movement.

        With several, the medoid (smallest summed DTW cost to the others) is the time
        base, every other execution is matched to it (as seen or mirrored, whichever fits
        better), and per phase the mean and standard deviation are taken (smoothed over
        neighbouring phases).

        Raises
        ------
        InputError
            No reference, or references with no quantity in common.
        """
        refs = list(references)
        if not refs:
            raise InputError("expected at least one reference execution, got none")
        if use_world is None:
            use_world = all(r.world is not None for r in refs) or all(
                r.space == "world" and r.dims == 3 for r in refs
            )
        feats = [form_features(r, use_world=use_world) for r in refs]
        names = tuple(n for n in FEATURES if all(n in f.names for f in feats))
        if not names:
            raise InputError("expected references sharing joint angles, got none in common")
        cols = [[f.names.index(n) for n in names] for f in feats]
        vals = [f.values[:, c] for f, c in zip(feats, cols, strict=True)]
        wts = [f.weights[:, c] for f, c in zip(feats, cols, strict=True)]
        # The camera noise of the attempt plus that of the references' mean.
        noise = _noise(names, bool(use_world)) * math.sqrt(1.0 + 1.0 / len(refs))
        filled = [_fill(v, w) / noise for v, w in zip(vals, wts, strict=True)]
        mirror = mirror_index(names)
        n = len(refs)
        if n == 1:
            base = 0
        else:
            cost = np.zeros((n, n))
            for i in range(n):
                for j in range(i + 1, n):
                    _, c = dtw_path(filled[i], filled[j])
                    cost[i, j] = cost[j, i] = c
            base = int(np.argmin(cost.sum(axis=1)))
        p = len(vals[base])
        stack = np.full((n, p, len(names)), np.nan)
        flipped = [False] * n
        for i in range(n):
            if i == base:
                stack[i] = np.where(wts[i] > 0.3, vals[i], np.nan)
                continue
            path, c_direct = dtw_path(filled[base], filled[i])
            path_m, c_mirror = dtw_path(filled[base], filled[i][:, mirror])
            v = vals[i]
            w = wts[i]
            if c_mirror < c_direct:
                path, v, w, flipped[i] = path_m, v[:, mirror], w[:, mirror], True
            sums = np.zeros((p, len(names)))
            counts = np.zeros((p, len(names)))
            good = np.where(w > 0.3, v, np.nan)
            for a, b in path:
                ok = np.isfinite(good[b])
                sums[a, ok] += good[b, ok]
                counts[a, ok] += 1
            with np.errstate(invalid="ignore"):
                stack[i] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN phases stay NaN
            mean = np.nanmean(stack, axis=0)
            spread = np.nanstd(stack, axis=0, ddof=1) if n > 2 else np.zeros_like(mean)
        spread = _smooth_phases(np.nan_to_num(spread), max(1, p // 20))
        base_seq = refs[base]
        return cls(
            names,
            mean,
            spread,
            noise,
            np.asarray(base_seq.timestamps, dtype=np.float64),
            n,
            bool(use_world),
            tuple(flipped),
            base,
            view_descriptor(base_seq),
            np.median(np.stack([jitter(v, w) for v, w in zip(vals, wts, strict=True)]), axis=0),
            any(_estimated(r) for r in refs),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN as None), for storing a library's model."""

        def clean(a: np.ndarray) -> Any:
            return [
                [None if not math.isfinite(x) else round(float(x), 3) for x in row] for row in a
            ]

        return {
            "names": list(self.names),
            "mean": clean(self.mean),
            "spread": clean(self.spread),
            "noise": [float(x) for x in self.noise],
            "times": [float(t) for t in self.times],
            "n_references": self.n_references,
            "in_3d": self.in_3d,
        }


def _smooth_phases(x: np.ndarray, radius: int) -> np.ndarray:
    if radius <= 0 or len(x) < 3:
        return x
    from scipy.ndimage import uniform_filter1d

    return uniform_filter1d(x, size=2 * radius + 1, axis=0, mode="nearest")


# ---------------------------------------------------------------------------- assessment
@dataclass(frozen=True)
class FormAssessment:
    """How far an attempt is from the model, frame by frame and quantity by quantity.

    Attributes
    ----------
    score
        0-100 (NaN when no frame has a usable pose).
    names
        Quantities compared, in the attempt's own sides (``left_knee`` is the
        attempt's left knee, whichever hypothesis won).
    z
        ``(T, F)`` (attempt - model mean) / allowed spread, NaN where not measured.
    difference
        ``(T, F)`` attempt minus model mean, degrees.
    allowed
        ``(T, F)`` the allowed spread at the matched phase, degrees.
    excess
        ``(T,)`` per frame, the mean excess (beyond one allowed spread) of its
        :data:`WORST` quantities.
    distance
        The clip's distance ``E`` behind ``score`` (see the module docstring).
    feature_excess
        ``(F,)`` time-averaged excess of each quantity.
    frame_scores
        ``(T,)`` per-frame scores on the headline's scale (NaN: no usable pose).
    usable
        ``(T,)`` frames with enough confident quantities to be scored.
    phase
        ``(T,)`` index of the matched model phase.
    mirrored
        The attempt's left/right mirror fitted better (it uses the other side).
    costs
        DTW cost of each hypothesis: ``{"as_seen": c, "mirrored": c}``.
    """

    score: float
    distance: float
    feature_excess: np.ndarray
    names: tuple[str, ...]
    z: np.ndarray
    difference: np.ndarray
    allowed: np.ndarray
    excess: np.ndarray
    frame_scores: np.ndarray
    usable: np.ndarray
    phase: np.ndarray
    mirrored: bool
    costs: dict[str, float]
    in_3d: bool
    view_gap: float = float("nan")
    view_weight: float = 1.0

    def coverage(self) -> float:
        """Share of the attempt's frames that were scored."""
        return float(self.usable.mean()) if len(self.usable) else 0.0


def distance_to_form_score(excess: np.ndarray | float) -> np.ndarray:
    """Map a mean excess (allowed spreads beyond the first) to 0-100.

    Example
    -------
    >>> distance_to_form_score(np.array([0.0, E50])).round(1).tolist()
    [100.0, 50.0]
    """
    e = np.asarray(excess, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return 100.0 / (1.0 + (np.maximum(e, 0.0) / E50) ** SHAPE)


def worst_mean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean of the :data:`WORST` largest finite values along ``axis`` (NaN if none)."""
    v = np.moveaxis(np.asarray(values, dtype=np.float64), axis, -1)
    filled = np.where(np.isfinite(v), v, -np.inf)
    top = -np.sort(-filled, axis=-1)[..., :WORST]
    ok = np.isfinite(top)
    count = ok.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.where(ok, top, 0.0).sum(axis=-1) / count, np.nan)


def feature_excess(z: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """``(F,)`` time-averaged excess of each quantity over the usable frames."""
    ex = np.maximum(np.abs(z[usable]) - 1.0, 0.0)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(ex, axis=0) if len(ex) else np.full(z.shape[1], np.nan)


def assess_form(
    model: FormModel,
    attempt: PoseSequence | FormFeatures,
    *,
    band: int | None = None,
    allow_mirror: bool = True,
    min_weight: float = 0.3,
) -> FormAssessment:
    """Score an attempt against a :class:`FormModel` (see the module docstring).

    Parameters
    ----------
    model
        What correct looks like.
    attempt
        The attempt (its quantities are measured in the model's 2D/3D).
    band
        Sakoe-Chiba band for the DTW, in frames.
    allow_mirror
        Also test the attempt's left/right mirror and keep the better fit.
    min_weight
        Quantities less confident than this in a frame are not scored there.

    Raises
    ------
    InputError
        The attempt shares no quantity with the model.
    """
    feats = (
        attempt
        if isinstance(attempt, FormFeatures)
        else form_features(attempt, use_world=model.in_3d if _can_3d(attempt) else False)
    )
    if feats.in_3d != model.in_3d:
        model = _as_2d(model) if not feats.in_3d else model
    shared = [n for n in model.names if n in feats.names]
    if not shared:
        raise InputError("expected the attempt to share joint angles with the reference, got none")
    mi = [model.names.index(n) for n in shared]
    ai = [feats.names.index(n) for n in shared]
    mean = model.mean[:, mi]
    view_gap = (
        view_difference(view_descriptor(attempt), model.view)
        if isinstance(attempt, PoseSequence)
        else float("inf")
    )
    view_weight = min(1.0, view_gap / VIEW_FULL)
    if (
        model.in_3d
        and not model.estimated
        and not (isinstance(attempt, PoseSequence) and _estimated(attempt))
    ):
        # 3D measured on both sides (motion capture, depth camera, triangulation): a
        # change of camera does not move the values; the monocular estimator's camera
        # noise applies only in part.
        view_weight *= MEASURED_3D_NOISE
    att_jitter = np.zeros(len(model.names))
    att_jitter[mi] = jitter(feats.values[:, ai], feats.weights[:, ai])
    allowed = model.allowed(view_weight, att_jitter)[:, mi]
    noise = model.noise[mi]
    vals = feats.values[:, ai]
    wts = np.where(feats.weights[:, ai] >= min_weight, feats.weights[:, ai], 0.0)
    mirror = mirror_index(shared)
    ref_f = _fill(mean, np.ones_like(mean)) / noise
    att_f = _fill(vals, wts) / noise
    hypotheses = {"as_seen": np.arange(len(shared))}
    if allow_mirror and (mirror != np.arange(len(shared))).any():
        hypotheses["mirrored"] = mirror
    best: tuple[float, str, np.ndarray] | None = None
    costs: dict[str, float] = {}
    # An attempt much shorter than the model shows part of the movement: match it
    # inside the model (open begin and end).
    part = feats.n_frames < SUBSEQUENCE_RATIO * model.n_phases
    for name, perm in hypotheses.items():
        path, cost = dtw_path(att_f[:, perm], ref_f, band=band, open_begin=part, open_end=part)
        costs[name] = float(cost)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, name, path)
    assert best is not None
    _, which, path = best
    perm = hypotheses[which]
    t = feats.n_frames
    phase = np.zeros(t, dtype=np.int64)
    lo = np.full(t, np.iinfo(np.int64).max)
    hi = np.full(t, -1)
    np.minimum.at(lo, path[:, 0], path[:, 1])
    np.maximum.at(hi, path[:, 0], path[:, 1])
    phase = np.round((lo + hi) / 2).astype(np.int64)
    # compare in the model's sides, then report in the attempt's own sides
    v_m = vals[:, perm]
    w_m = wts[:, perm]
    diff_m = v_m - mean[phase]
    z_m = diff_m / allowed[phase]
    inv = np.argsort(perm)
    z = z_m[:, inv]
    diff = diff_m[:, inv]
    allow_att = allowed[phase][:, inv]
    w = w_m[:, inv]
    z = np.where(w > 0, z, np.nan)
    diff = np.where(w > 0, diff, np.nan)
    # A frame is scored when at least half of the quantities the attempt usually shows
    # (visible in a fifth of its frames) are measured in it.
    active = int(((w > 0).mean(axis=0) >= 0.2).sum())
    usable = (w > 0).sum(axis=1) >= max(2, math.ceil(0.5 * active))
    frame_excess = np.maximum(np.abs(z) - 1.0, 0.0)
    excess = np.where(usable, worst_mean(frame_excess, axis=1), np.nan)
    frame_scores = distance_to_form_score(excess)
    per_feature = feature_excess(z, usable)
    distance = float(worst_mean(per_feature, axis=0)) if usable.any() else float("nan")
    score = float(distance_to_form_score(distance))
    return FormAssessment(
        score=score,
        distance=distance,
        feature_excess=per_feature,
        names=tuple(shared),
        z=z,
        difference=diff,
        allowed=allow_att,
        excess=excess,
        frame_scores=frame_scores,
        usable=usable,
        phase=phase,
        mirrored=which == "mirrored",
        costs=costs,
        in_3d=feats.in_3d,
        view_gap=view_gap,
        view_weight=view_weight,
    )


def _can_3d(seq: PoseSequence) -> bool:
    return seq.world is not None or (seq.space == "world" and seq.dims == 3)


def _as_2d(model: FormModel) -> FormModel:
    raise InputError(
        "expected an attempt with 3D world landmarks like the reference, got 2D only; "
        "build the model with use_world=False"
    )


def combine(
    parts: Sequence[tuple[int, int]], assessments: Sequence[FormAssessment], n_frames: int
) -> FormAssessment:
    """One assessment of a whole attempt from assessments of its parts (repetitions).

    Frames outside every part are not scored; the score is the mean of the parts'.

    Example
    -------
    >>> from posecoach.compare.synthetic import stick_squat
    >>> seq = stick_squat(30)
    >>> a = assess_form(FormModel.from_references([seq]), seq)
    >>> whole = combine([(0, 30), (40, 70)], [a, a], 80)
    >>> round(whole.score), int(whole.usable.sum())
    (100, 60)
    """
    if not assessments:
        raise InputError("expected at least one assessed part, got none")
    names = assessments[0].names
    f = len(names)
    z = np.full((n_frames, f), np.nan)
    diff = np.full((n_frames, f), np.nan)
    allowed = np.full((n_frames, f), np.nan)
    excess = np.full(n_frames, np.nan)
    frame_scores = np.full(n_frames, np.nan)
    usable = np.zeros(n_frames, dtype=bool)
    phase = np.full(n_frames, -1, dtype=np.int64)
    for (a, b), part in zip(parts, assessments, strict=True):
        cols = [part.names.index(n) for n in names]
        z[a:b] = part.z[:, cols]
        diff[a:b] = part.difference[:, cols]
        allowed[a:b] = part.allowed[:, cols]
        excess[a:b] = part.excess
        frame_scores[a:b] = part.frame_scores
        usable[a:b] = part.usable
        phase[a:b] = part.phase
    per = feature_excess(z, usable)
    scores = [p.score for p in assessments if math.isfinite(p.score)]
    mirrored = sum(p.mirrored for p in assessments) * 2 > len(assessments)
    costs = {
        k: float(np.mean([p.costs.get(k, np.nan) for p in assessments]))
        for k in assessments[0].costs
    }
    return FormAssessment(
        score=float(np.mean(scores)) if scores else float("nan"),
        distance=float(worst_mean(per, axis=0)) if usable.any() else float("nan"),
        feature_excess=per,
        names=names,
        z=z,
        difference=diff,
        allowed=allowed,
        excess=excess,
        frame_scores=frame_scores,
        usable=usable,
        phase=phase,
        mirrored=bool(mirrored),
        costs=costs,
        in_3d=assessments[0].in_3d,
    )
