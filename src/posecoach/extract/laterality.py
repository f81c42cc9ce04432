"""Left/right swap correction: undo frames where the detector mislabels the body's sides.

Monocular pose estimators (MediaPipe among them) sometimes decide for a run of frames that
the person faces the other way and label every left joint as right and vice versa. The
skeleton then jumps by a shoulder width between two frames 17 ms apart, which a real body
cannot do. :func:`fix_left_right_swaps` finds those frames from temporal consistency alone:

1. Between consecutive usable frames, compare the cost of keeping the labels with the cost
   of swapping every left/right pair (:meth:`~posecoach.skeletons.Skeleton.mirror_permutation`);
   cost = mean joint distance over the median torso length, in 2D and, when present, in the
   world 3D. A swap is taken where it is cheaper by at least ``switch_cost``. The side that
   labels the majority of frames is kept as it is.
2. Refinement (``iterations`` times): each frame is compared with the per-joint median of its
   relabelled neighbours (``±window`` frames), and a two-state Viterbi pass (kept / swapped
   per frame) combines that with the frame-to-frame costs, so one ambiguous transition cannot
   flip the rest of the sequence.

Only labels move (positions, confidence and world rows are permuted); no coordinate changes.
The swapped frame indices are recorded in the provenance.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> t = np.linspace(0, 2, 60)[:, None]
>>> base = np.array([[0, 0], [-1, 0], [1, 0], [-1, 2], [1, 2], [-1, 4], [1, 4]], float)
>>> pos = base[None] + np.stack([np.sin(t), 0.2 * t], -1)  # (60, 7, 2) walking sideways
>>> names = ["nose", "left_shoulder", "right_shoulder", "left_hip", "right_hip",
...          "left_ankle", "right_ankle"]
>>> from posecoach.skeletons import Skeleton
>>> sk = Skeleton("demo7", tuple(names), ())
>>> clean = PoseSequence(pos, skeleton=sk)
>>> broken = pos.copy(); broken[20:30] = broken[20:30][:, sk.mirror_permutation()]
>>> fixed = fix_left_right_swaps(PoseSequence(broken, skeleton=sk))
>>> bool(np.allclose(fixed.positions, pos)), swapped_frames(fixed)
(True, [20, 21, 22, 23, 24, 25, 26, 27, 28, 29])
"""

from __future__ import annotations

import warnings

import numpy as np

from posecoach.pose import PoseSequence

__all__ = ["fix_left_right_swaps", "swap_costs", "swapped_frames"]

_OP = "fix_left_right_swaps"


def _scale(points: np.ndarray, seq: PoseSequence) -> float:
    """Median torso length of ``points`` (T, K, D), swap-invariant; RMS spread as fallback."""
    from posecoach.geometry import torso_length

    sk = seq.skeleton
    if all(sk.has(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")):
        with np.errstate(invalid="ignore"):
            torso = torso_length(points, sk)
        torso = torso[np.isfinite(torso) & (torso > 0)]
        if torso.size:
            return float(np.median(torso))
    centred = points - np.nanmean(points, axis=1, keepdims=True)
    spread = np.sqrt(np.nanmean(np.sum(centred**2, axis=-1)))
    return float(spread) if np.isfinite(spread) and spread > 0 else 1.0


def _features(seq: PoseSequence) -> list[np.ndarray]:
    """Scale-free 2D (and world 3D) joint arrays used for the costs."""
    xy = seq.positions[..., :2].astype(float)
    xy = np.where(seq.confidence[..., None] > 0, xy, np.nan)
    feats = [xy / _scale(xy, seq)]
    if seq.world is not None and np.isfinite(seq.world).any():
        w = seq.world.astype(float)
        feats.append(w / _scale(w, seq))
    return feats


def _dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean joint distance between poses ``a`` and ``b`` (arrays of shape (..., K, D))."""
    d = np.linalg.norm(a - b, axis=-1)
    ok = np.isfinite(d)
    n = ok.sum(-1)
    return np.where(n > 0, np.where(ok, d, 0.0).sum(-1) / np.maximum(n, 1), np.nan)


def swap_costs(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frame-to-frame costs of keeping versus swapping the left/right labels.

    Parameters
    ----------
    seq
        Any sequence whose skeleton has left/right pairs.

    Returns
    -------
    tuple
        ``frames`` (M,) indices of usable frames (at least 3 joints), ``keep`` (M-1,) and
        ``swap`` (M-1,) costs between each usable frame and the previous one (mean joint
        distance / torso, 2D plus world 3D when present).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> p = np.zeros((2, 17, 2)); p[:, :, 0] = np.arange(17)
    >>> frames, keep, swap = swap_costs(PoseSequence(p, skeleton="coco_17"))
    >>> frames.tolist(), float(keep[0]), bool(swap[0] > keep[0])
    ([0, 1], 0.0, True)
    """
    perm = seq.skeleton.mirror_permutation()
    feats = _features(seq)
    usable = np.isfinite(feats[0]).all(-1).sum(-1) >= 3
    frames = np.flatnonzero(usable)
    keep = np.zeros(max(len(frames) - 1, 0))
    swap = np.zeros_like(keep)
    for f in feats:
        prev, cur = f[frames[:-1]], f[frames[1:]]
        keep += np.nan_to_num(_dist(prev, cur))
        swap += np.nan_to_num(_dist(prev, cur[:, perm]))
    return frames, keep, swap


def _relabel(f: np.ndarray, states: np.ndarray, perm: np.ndarray) -> np.ndarray:
    out = f.copy()
    out[states] = f[states][:, perm]
    return out


def _viterbi(unary: np.ndarray, keep: np.ndarray, swap: np.ndarray, switch: float) -> np.ndarray:
    """Two-state min-cost path; ``unary`` (M, 2), transitions keep/swap (M-1,)."""
    m = len(unary)
    cost = unary[0].copy()
    back = np.zeros((m, 2), dtype=int)
    for i in range(1, m):
        # trans[p, s]: previous state p, current state s; same state costs `keep`
        trans = np.array([[keep[i - 1], swap[i - 1] + switch], [swap[i - 1] + switch, keep[i - 1]]])
        tot = cost[:, None] + trans
        back[i] = np.argmin(tot, axis=0)
        cost = tot[back[i], [0, 1]] + unary[i]
    states = np.zeros(m, dtype=int)
    states[-1] = int(np.argmin(cost))
    for i in range(m - 1, 0, -1):
        states[i - 1] = back[i, states[i]]
    return states.astype(bool)


def fix_left_right_swaps(
    seq: PoseSequence,
    *,
    switch_cost: float = 0.1,
    window: int = 4,
    iterations: int = 2,
) -> PoseSequence:
    """Undo runs of frames whose left and right labels are swapped (see module doc).

    Parameters
    ----------
    seq
        Pose sequence; a skeleton without left/right pairs is returned unchanged.
    switch_cost
        How much cheaper (mean joint distance / torso) swapping must be before a run of
        frames is relabelled.
    window
        Neighbours on each side whose median pose each frame is compared with.
    iterations
        Refinement passes (0: frame-to-frame decisions only).

    Returns
    -------
    PoseSequence
        A new sequence (the input is unchanged) with provenance
        ``fix_left_right_swaps`` listing the swapped ``frames``.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> rng = np.random.default_rng(0)
    >>> walk = np.cumsum(rng.normal(scale=0.01, size=(30, 17, 2)), 0) + rng.normal(size=(17, 2))
    >>> seq = PoseSequence(walk, skeleton="coco_17")
    >>> swapped_frames(fix_left_right_swaps(seq))
    []
    """
    perm = seq.skeleton.mirror_permutation()
    params = {"switch_cost": switch_cost, "window": window, "iterations": iterations}
    if np.array_equal(perm, np.arange(len(perm))) or seq.n_frames < 2:
        return seq.with_provenance(_OP, frames=[], **params)
    frames, keep, swap = swap_costs(seq)
    if len(frames) < 2:
        return seq.with_provenance(_OP, frames=[], **params)
    # 1. frame-to-frame decisions, majority side kept
    flips = swap + switch_cost < keep
    states = np.concatenate([[False], np.cumsum(flips) % 2 == 1])
    if states.sum() * 2 > len(states):
        states = ~states
    # 2. refinement against the median of relabelled neighbours
    feats = [f[frames] for f in _features(seq)]
    m = len(frames)
    for _ in range(iterations):
        unary = np.zeros((m, 2))
        for f in feats:
            lab = _relabel(f, states, perm)
            for i in range(m):
                lo, hi = max(0, i - window), min(m, i + window + 1)
                neigh = np.concatenate([lab[lo:i], lab[i + 1 : hi]])
                if len(neigh) == 0:
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN joints
                    med = np.nanmedian(neigh, axis=0)
                unary[i, 0] += np.nan_to_num(_dist(f[i], med))
                unary[i, 1] += np.nan_to_num(_dist(f[i][perm], med))
        unary[:, 1] += 1e-6  # ties keep the labels
        states = _viterbi(unary, keep, swap, switch_cost)
        if states.sum() * 2 > len(states):
            states = ~states
    swapped = frames[states]
    if swapped.size == 0:
        return seq.with_provenance(_OP, frames=[], **params)
    pos = seq.positions.copy()
    conf = seq.confidence.copy()
    pos[swapped] = seq.positions[swapped][:, perm]
    conf[swapped] = seq.confidence[swapped][:, perm]
    world = None
    if seq.world is not None:
        world = seq.world.copy()
        world[swapped] = seq.world[swapped][:, perm]
    out = seq.replace(positions=pos, confidence=conf, world=world)
    return out.with_provenance(_OP, frames=[int(i) for i in swapped], **params)


def swapped_frames(seq: PoseSequence) -> list[int]:
    """Frames relabelled by the last :func:`fix_left_right_swaps` in the provenance.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> swapped_frames(PoseSequence(np.zeros((1, 17, 2))))
    []
    """
    for entry in reversed(seq.provenance):
        if entry.get("op") == _OP:
            return list(entry.get("params", {}).get("frames", []))
    return []
