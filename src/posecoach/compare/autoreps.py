"""Counting repetitions with no setup: the dominant repeated movement, from the poses alone.

1. **Features that do not depend on the camera or the body**: the flexion angles of the
   elbows, shoulders, hips and knees (degrees / 60) and every limb joint's position
   relative to the hip centre, in torso lengths (the hands staying on the floor while
   the body goes down and up in a push-up, the feet in a squat). Gaps are interpolated,
   the features smoothed over 0.15 s, and features that hardly move are left out.
   Positions are taken relative to each frame's hip centre, so a person who steps aside
   between repetitions (or two takes joined into one file) does not look like one long
   movement.
2. **The movement**: two candidates, each scaled to its own range (5th to 95th percentile
   = 0 to 1) and turned so that the start and end of the set (the rest position) are
   low: the principal component of the features (of the first three, the first unless
   another is clearly more regular by autocorrelation), and the distance from the rest
   pose (the median of the stillest quarter of the frames; one rise and fall per
   repetition whichever limb moves, legs raised in turn for instance). Both are counted;
   the count with the smaller share of partial excursions is kept (repetitions of one
   depth rather than one big drift with the real repetitions left as partials), ties
   going to the more regular movement.
3. **Cycles with hysteresis**: a repetition starts where the signal rises through
   ``leave`` (0.35), must reach ``enter`` (0.65) and ends where it falls back below
   ``leave``, so a pause at the top or the bottom is one repetition and noise never
   counts twice. Excursions that rise through ``leave`` and fall back before ``enter``,
   or reach less than half the depth of the median repetition, are reported as partial
   repetitions, not counted. Each repetition carries its range of motion relative to the
   set's deepest.

Example
-------
>>> import numpy as np
>>> from posecoach.classify.synthetic import exercise_sequence
>>> seq, _ = exercise_sequence(6, rng=np.random.default_rng(0))
>>> count_reps_auto(seq).count
6
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

import numpy as np

from posecoach.compare.reps import Rep, RepCount, StreamingRepCounter
from posecoach.errors import InputError
from posecoach.geometry import joint_angle, joint_xyz, normalize_by_torso
from posecoach.pose import PoseSequence
from posecoach.skeletons import get

__all__ = [
    "movement_features",
    "movement_signal",
    "count_reps_auto",
    "with_rom",
    "raw_features",
    "LiveRepCounter",
    "ENTER",
    "LEAVE",
]

#: Hysteresis thresholds on the movement scaled to its own range.
ENTER, LEAVE = 0.65, 0.35
#: A repetition reaching less than this share of the median repetition's depth is partial.
PARTIAL_DEPTH = 0.5
#: Shortest repetition, seconds.
MIN_REP_S = 0.3
#: Excursions above this share of the range that do not reach ``enter`` are partial reps.
PARTIAL_LOW = 0.2
#: A movement spanning less than this (torso lengths, or 60 degrees of joint angle) is
#: tracking jitter, not repetitions.
MIN_RANGE = 0.1

_ANGLES = (
    [(f"{s}_shoulder", f"{s}_elbow", f"{s}_wrist") for s in ("left", "right")]
    + [(f"{s}_hip", f"{s}_shoulder", f"{s}_elbow") for s in ("left", "right")]
    + [(f"{s}_shoulder", f"{s}_hip", f"{s}_knee") for s in ("left", "right")]
    + [(f"{s}_hip", f"{s}_knee", f"{s}_ankle") for s in ("left", "right")]
)
_LIMBS = [
    f"{s}_{j}"
    for s in ("left", "right")
    for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
] + ["nose"]


def _fill(y: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN (ends held); all-NaN stays NaN."""
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return y
    t = np.arange(len(y))
    return np.interp(t, t[ok], y[ok])


def _smooth(y: np.ndarray, width: int) -> np.ndarray:
    if width <= 1:
        return y
    pad = np.pad(y, width // 2, mode="edge")
    return np.convolve(pad, np.ones(width) / width, mode="valid")[: len(y)]


def raw_features(pos: np.ndarray, skeleton: Any, unit: float) -> np.ndarray:
    """``(T, F)`` the module's features of ``(T, K, D)`` positions, before gap filling and
    smoothing: joint angles / 60 degrees, limb joints relative to the hip centre / ``unit``
    (a torso length); NaN where joints are missing.

    Example
    -------
    >>> from posecoach.classify.synthetic import stick_figure
    >>> raw_features(stick_figure(np.array([0.0, 1.0])), get("coco_17"), 100.0).shape
    (2, 34)
    """
    cols = [joint_angle(pos, skeleton, a, b, c) / 60.0 for a, b, c in _ANGLES]
    if np.isfinite(unit) and unit > 0:
        hip = joint_xyz(pos, skeleton, "mid_hip")
        for name in _LIMBS:
            xyz = (joint_xyz(pos, skeleton, name) - hip) / unit
            cols.extend(xyz[:, d] for d in range(xyz.shape[1]))
    return np.stack(cols, axis=1)


class LiveRepCounter:
    """The automatic counter, causal, for a live camera: one pose at a time.

    Learns the person's rest pose (median of the stillest quarter of the last ``window``
    frames) and the movement's range (95th percentile of the distance from rest) from
    the person themselves, so it needs no reference and no setup, and counts a repetition
    the frame the movement falls back below ``leave`` of its range after reaching
    ``enter`` (within a second of the repetition's end at any frame rate above 3 fps).

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> seq, _ = exercise_sequence(4, rng=np.random.default_rng(0))
    >>> live = LiveRepCounter("coco_17")
    >>> [live.update(p) for p in seq.positions][-1]
    4
    """

    def __init__(
        self, skeleton: str, *, window: int = 300, enter: float = ENTER, leave: float = LEAVE
    ) -> None:
        self.sk = get(skeleton)
        self.counter = StreamingRepCounter(enter, leave, 3)
        self.feats: deque[np.ndarray] = deque(maxlen=window)
        self._torso: float | None = None
        self._rest: np.ndarray | None = None
        self._range = 0.0
        self._seen = 0

    @property
    def count(self) -> int:
        """Repetitions completed so far."""
        return self.counter.count

    def update(self, points: np.ndarray | None) -> int:
        """Feed one pose ``(K, D)`` (None: nobody in view); return the count so far."""
        if points is None or not np.isfinite(points).any():
            return self.count
        pos = np.asarray(points, dtype=np.float64)[None]
        # this frame's torso (else the last seen): the person may walk closer or farther
        _, torso = normalize_by_torso(pos, self.sk)
        if np.isfinite(torso[0]) and torso[0] > 0:
            self._torso = float(torso[0])
        if self._torso is None:
            return self.count
        f = raw_features(pos, self.sk, self._torso)[0]
        if np.isnan(f).mean() > 0.5:
            return self.count
        self.feats.append(f)
        self._seen += 1
        if self._seen % 10 == 1 or self._rest is None:
            self._learn()
        if self._rest is None or not self._range > MIN_RANGE:
            return self.count
        both = np.isfinite(f) & np.isfinite(self._rest)
        if not both.any():
            return self.count
        self.counter.update(float(np.linalg.norm((f - self._rest)[both])) / self._range)
        return self.count

    def _learn(self) -> None:
        if len(self.feats) < 10:
            return
        x = np.asarray(self.feats)
        x = np.where(np.isfinite(x), x, np.nanmedian(x, axis=0))
        self._rest = _rest_pose(x)
        self._range = float(np.percentile(np.linalg.norm(x - self._rest, axis=1), 95))


def movement_features(seq: PoseSequence) -> np.ndarray:
    """``(T, F)`` camera- and body-independent features (see the module docstring),
    gaps filled and smoothed; columns that hardly move are dropped.

    Uses the world coordinates (metres) when the sequence has them, else the positions.

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> seq, _ = exercise_sequence(2, rng=np.random.default_rng(0))
    >>> f = movement_features(seq)
    >>> f.shape[0] == seq.n_frames, bool(np.isfinite(f).all())
    (True, True)
    """
    sk = get(seq.skeleton)
    pos = seq.world if seq.world is not None and np.isfinite(seq.world).any() else seq.positions
    pos = np.asarray(pos, dtype=np.float64)
    _, torso = normalize_by_torso(pos, sk)
    unit = float(np.nanmedian(torso)) if np.isfinite(torso).any() else np.nan
    width = max(1, round(0.15 * float(seq.fps)))
    kept = [
        _smooth(_fill(col), width)
        for col in raw_features(pos, sk, unit).T
        if np.isfinite(col).mean() >= 0.5
    ]
    if not kept:
        raise InputError("expected poses with limbs to count repetitions, got none usable")
    feats = np.stack(kept, axis=1)
    spread = np.nanpercentile(feats, 95, axis=0) - np.nanpercentile(feats, 5, axis=0)
    moving = spread > 0.05 * max(float(np.max(spread)), 1e-12)
    return feats[:, moving]


def _regularity(y: np.ndarray, fps: float) -> float:
    """Highest autocorrelation at a lag from 0.4 s to a third of the signal."""
    y = y - y.mean()
    n = len(y)
    lo, hi = max(1, round(0.4 * fps)), n // 3
    if hi <= lo or not np.any(y):
        return 0.0
    spec = np.fft.rfft(y, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    ac = ac / ac[0]
    return float(np.max(ac[lo:hi]))


def _principal(feats: np.ndarray, fps: float) -> np.ndarray | None:
    x = feats - feats.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    comps = [x @ vt[i] for i in range(min(3, len(s))) if s[i] > 1e-9 * s[0]]
    if not comps:
        return None
    # prefer the first component; another only when clearly more regular
    scores = [_regularity(c, fps) for c in comps]
    best = 0
    for i in range(1, len(comps)):
        if scores[i] > scores[best] + 0.2 and s[i] > 0.3 * s[0]:
            best = i
    return comps[best]


def _rest_pose(feats: np.ndarray) -> np.ndarray:
    """The rest pose: the median features of the stillest quarter of the frames.

    Example
    -------
    >>> f = np.r_[np.zeros((6, 1)), np.linspace(0, 5, 4)[:, None]]  # still, then moving
    >>> _rest_pose(f).tolist()
    [0.0]
    """
    speed = np.r_[0.0, np.linalg.norm(np.diff(feats, axis=0), axis=1)]
    return np.asarray(np.median(feats[speed <= np.percentile(speed, 25)], axis=0))


def _deviation(feats: np.ndarray) -> np.ndarray:
    """Distance of each frame's features from the rest pose (:func:`_rest_pose`): one rise
    and fall per repetition whichever limb moves (legs raised in turn, for instance)."""
    return np.asarray(np.linalg.norm(feats - _rest_pose(feats), axis=1))


def _scaled(y: np.ndarray, fps: float) -> tuple[np.ndarray, float] | None:
    """``y`` scaled to its 5th-95th percentile range and turned rest-low, and that range."""
    lo, hi = np.percentile(y, 5), np.percentile(y, 95)
    if not hi > lo:
        return None
    u = (y - lo) / (hi - lo)
    edge = max(1, round(0.5 * fps))
    rest = np.median(np.concatenate([u[:edge], u[-edge:]]))
    if rest > 0.5 or (abs(rest - 0.5) < 0.1 and np.median(u) > 0.5):
        u = 1.0 - u
    return u, float(hi - lo)


def _candidates(seq: PoseSequence) -> list[tuple[np.ndarray, float, float]]:
    """The two candidate movements (principal component, distance from rest), scaled:
    ``(u, range, regularity)`` each."""
    feats = movement_features(seq)
    fps = float(seq.fps)
    out = []
    for y in (_principal(feats, fps), _deviation(feats)):
        if y is None:
            continue
        scaled = _scaled(y, fps)
        if scaled is not None:
            out.append((scaled[0], scaled[1], _regularity(y, fps)))
    return out


def movement_signal(seq: PoseSequence, *, with_range: bool = False) -> Any:
    """``(T,)`` the more regular candidate movement scaled to its range: 0 at rest (the
    start of the set), 1 at the far end of a repetition (see the module docstring); with
    ``with_range``, also that range in feature units (torso lengths, 60 degrees).

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> seq, _ = exercise_sequence(3, rng=np.random.default_rng(1))
    >>> u = movement_signal(seq)
    >>> bool(u[:5].mean() < 0.3), bool(u.max() > 0.9)
    (True, True)
    """
    found = _candidates(seq)
    if not found:
        return (np.zeros(seq.n_frames), 0.0) if with_range else np.zeros(seq.n_frames)
    u, span, _ = max(found, key=lambda c: c[2])
    return (u, span) if with_range else u


def count_reps_auto(seq: PoseSequence, *, enter: float = ENTER, leave: float = LEAVE) -> RepCount:
    """Count the repetitions of the dominant repeated movement (see the module docstring).

    Both candidate movements are counted; the count kept is the one with the smaller
    share of partial excursions (repetitions of one depth, not one big drift with the
    real repetitions left as partials), ties going to the more regular movement.

    Returns a :class:`~posecoach.compare.reps.RepCount` (method ``"auto"``) whose reps
    carry ``rom`` (depth relative to the deepest repetition) and whose ``partial`` lists
    the partial repetitions.
    """
    if seq.n_frames < 3:
        raise InputError(f"expected at least 3 frames to count repetitions, got {seq.n_frames}")
    results = []
    for u, span, regular in _candidates(seq):
        if span < MIN_RANGE:  # nothing moves more than tracking jitter
            continue
        full, partial = _count(u, float(seq.fps), enter, leave)
        share = len(partial) / max(len(full) + len(partial), 1)
        results.append((share, -regular, full, partial, u))
    if not results:
        return RepCount([], "auto", enter=enter, leave=leave)
    _, _, full, partial, u = min(results, key=lambda r: (round(r[0], 6), r[1]))
    best = max((d for *_, d in full), default=1.0)
    reps = _reps(seq, _widen(u, full), best)
    partials = _reps(seq, _widen(u, sorted(partial)), best)
    return RepCount(reps, "auto", enter=enter, leave=leave, partial=partials)


def _count(
    u: np.ndarray, fps: float, enter: float, leave: float
) -> tuple[list[tuple[int, int, float]], list[tuple[int, int, float]]]:
    """Full and partial repetitions ``(start, end, depth)`` of a scaled movement."""
    counter = StreamingRepCounter(enter, leave, max(1, round(MIN_REP_S * fps)))
    spans = [r for r in map(counter.update, np.append(u, -np.inf)) if r is not None]
    depths = [float(np.max(u[a:b])) for a, b in spans]
    full: list[tuple[int, int, float]] = []
    partial: list[tuple[int, int, float]] = []
    median = float(np.median(depths)) if depths else 0.0
    for (a, b), d in zip(spans, depths, strict=True):
        (full if d >= PARTIAL_DEPTH * median else partial).append((a, b, d))
    # excursions above PARTIAL_LOW that never reached enter
    inside, start = False, 0
    for t, v in enumerate(np.append(u, -np.inf)):
        if not inside and v >= PARTIAL_LOW:
            inside, start = True, t
        elif inside and v < PARTIAL_LOW:
            inside = False
            if t - start >= 2 and np.max(u[start:t]) < enter:
                partial.append((start, t, float(np.max(u[start:t]))))
    return full, partial


def _widen(u: np.ndarray, spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Each repetition from where the movement leaves rest to where it is back: the span
    between the hysteresis crossings, widened while the signal keeps falling away from
    it (not into the neighbouring repetitions).

    Example
    -------
    >>> u = np.array([0, 0, 0.1, 0.3, 0.7, 1, 0.7, 0.3, 0.1, 0, 0])
    >>> _widen(u, [(3, 8, 1.0)])
    [(1, 10, 1.0)]
    """
    out: list[tuple[int, int, float]] = []
    for k, (a, b, d) in enumerate(spans):
        floor = out[-1][1] if out else 0
        ceil = spans[k + 1][0] if k + 1 < len(spans) else len(u)
        while a - 1 >= floor and u[a - 1] < u[a]:
            a -= 1
        while b < ceil and b < len(u) and u[b] < u[b - 1]:
            b += 1
        out.append((a, b, d))
    return out


def _reps(seq: PoseSequence, spans: list[tuple[int, int, float]], best: float) -> list[Rep]:
    ts = np.asarray(seq.timestamps, dtype=np.float64)
    out = []
    for i, (a, b, d) in enumerate(spans):
        end_s = float(ts[b]) if b < len(ts) else float(ts[-1] + 1.0 / float(seq.fps))
        out.append(Rep(i + 1, int(a), int(b), float(ts[a]), end_s, rom=round(d / best, 3)))
    return out


def with_rom(result: RepCount, seq: PoseSequence) -> RepCount:
    """``result`` with each repetition's range of motion (depth of the movement signal
    relative to the deepest repetition), for counts made another way.

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> seq, _ = exercise_sequence(2, rng=np.random.default_rng(0))
    >>> r = with_rom(count_reps_auto(seq), seq)
    >>> max(rep.rom for rep in r.reps)
    1.0
    """
    if not result.reps:
        return result
    u = movement_signal(seq)
    depth = [float(np.max(u[r.start : max(r.end, r.start + 1)])) for r in result.reps]
    best = max(max(depth), 1e-9)
    reps = [replace(r, rom=round(d / best, 3)) for r, d in zip(result.reps, depth, strict=True)]
    return replace(result, reps=reps)
