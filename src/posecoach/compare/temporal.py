"""Temporal alignment: DTW between pose sequences and repetition finding.

Everything runs on dtaidistance's C kernels (``dtw_ndim.warping_paths_fast``); the
pure-Python paths are about 100 times slower. Gaps are filled before DTW because one NaN
makes dtaidistance return inf.

- :func:`pose_features` turns a pose sequence into per-frame vectors: joints centred on
  the hips and divided by the sequence's median torso length, gaps interpolated.
- :func:`dtw_path` aligns two feature sequences (optionally banded, optionally open at the
  beginning and/or end of the second one: subsequence matching). Long pairs switch to a
  two-level scheme: an exact DTW on a coarse (averaged) copy, then exact DTW inside
  blocks pinned along the projected coarse path, so memory stays bounded by
  ``max_cells`` (``bench/compare.py`` measures the accuracy cost against exact DTW).
- :func:`find_repetitions` finds each repetition of a one-repetition reference in a
  longer attempt by subsequence DTW (best match first, no overlaps).
- :func:`resample_features` puts sequences of different frame rates on one time grid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecoach.errors import InputError
from posecoach.geometry import hip_center, torso_length
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton

__all__ = [
    "Repetition",
    "dtw_path",
    "find_repetitions",
    "fill_gaps_array",
    "pose_features",
    "canonical_yaw",
    "resample_features",
    "path_cost",
]

#: Largest number of cumulative-cost cells computed in one exact DTW (float64: 8 bytes
#: each, so 3e7 cells is 240 MB). Bigger problems use the two-level scheme.
MAX_EXACT_CELLS = 30_000_000
#: Cells of the coarse level in the coarse-to-fine scheme (its resolution).
COARSE_CELLS = 2_000_000


@dataclass(frozen=True)
class Repetition:
    """One repetition found in an attempt.

    Attributes
    ----------
    start, end
        Frame indices into the attempt, ``end`` exclusive.
    cost
        Mean feature distance along the DTW path (see :func:`path_cost`); 0 is a perfect
        match.
    path
        ``(N, 2)`` pairs (reference frame, attempt frame) of the match, attempt indices
        absolute.
    """

    start: int
    end: int
    cost: float
    path: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        """Number of attempt frames in the repetition."""
        return self.end - self.start


# ---------------------------------------------------------------------------- features
def fill_gaps_array(values: np.ndarray) -> np.ndarray:
    """Linearly interpolate NaN runs along axis 0 of a ``(T, ...)`` array.

    Leading and trailing gaps take the nearest valid value; columns that are never
    valid stay NaN.

    Example
    -------
    >>> fill_gaps_array(np.array([[np.nan], [1.0], [np.nan], [3.0]]))[:, 0].tolist()
    [1.0, 1.0, 2.0, 3.0]
    """
    arr = np.array(values, dtype=np.float64, copy=True)
    flat = arr.reshape(arr.shape[0], -1)
    t = np.arange(arr.shape[0])
    for c in range(flat.shape[1]):
        col = flat[:, c]
        ok = np.isfinite(col)
        if ok.all() or not ok.any():
            continue
        col[~ok] = np.interp(t[~ok], t[ok], col[ok])
    return flat.reshape(arr.shape)


def pose_features(
    seq: PoseSequence,
    joints: Sequence[str] | None = None,
    *,
    scale: float | None = None,
    use_world: bool = False,
) -> np.ndarray:
    """Per-frame feature vectors for DTW: hip-centred, torso-normalised joint positions.

    Parameters
    ----------
    seq
        The (already spatially aligned, if needed) pose sequence.
    joints
        Joint names to use (default: all of the skeleton's joints).
    scale
        Length unit; default the median torso length over the sequence.
    use_world
        Use the 3D ``world`` coordinates turned about the vertical so the hips face
        one way (:func:`canonical_yaw`): features that do not depend on where the
        camera stood around the person.

    Returns
    -------
    ``(T, len(joints) * D)`` float array with no NaN: gaps are interpolated in time,
    joints never seen are 0 (at the hips).

    Raises
    ------
    InputError
        When no frame shows a person (no hips and shoulders anywhere).

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((2, 17, 2)); p[:, [5, 6], 1] = 0.0; p[:, [11, 12], 1] = 2.0
    >>> p[:, 0] = [[0.0, -1.0], [4.0, -1.0]]
    >>> f = pose_features(PoseSequence(p, skeleton="coco_17"), ["nose"])
    >>> f.tolist()
    [[0.0, -1.5], [2.0, -1.5]]
    """
    names = list(joints) if joints is not None else list(seq.skeleton.names)
    sk = seq.skeleton
    pos = seq.positions
    if use_world:
        if seq.world is None:
            raise InputError("expected world (3D) coordinates for use_world=True, got none")
        pos = canonical_yaw(seq.world, sk)
    center = hip_center(pos, sk)
    if scale is None:
        torso = torso_length(pos, sk)
        if not np.isfinite(torso).any() or not np.isfinite(center).any():
            raise InputError(
                "expected a person (hips and shoulders visible) in at least one frame, "
                f"got none in {seq.n_frames} frames"
                + (f" of {seq.metadata['source']}" if seq.metadata.get("source") else "")
            )
        scale = float(np.nanmedian(torso))
    if not np.isfinite(scale) or scale <= 0:
        raise InputError(f"expected a positive torso length, got {scale}")
    center = fill_gaps_array(center)
    sel = np.stack([pos[:, sk.index(n)] for n in names], axis=1)
    rel = (sel - center[:, None, :]) / scale
    rel = fill_gaps_array(rel)
    rel[~np.isfinite(rel)] = 0.0
    return np.ascontiguousarray(rel.reshape(rel.shape[0], -1))


def canonical_yaw(world: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """3D poses turned about the vertical (y) axis so the left→right hip line is +x.

    One turn for the whole sequence (the median hip direction): it removes where the
    camera stood around the person and keeps the person's own turning. On the Pose2Sim
    demo (four synchronised cameras) it keeps DTW on the true diagonal for cameras 3 and
    4 against camera 1 (median 0 frames off), where a per-frame turn was 1 frame off.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> w = np.zeros((1, 17, 3)); w[0, 11] = [0, 0, -1]; w[0, 12] = [0, 0, 1]
    >>> (np.round(canonical_yaw(w, COCO_17)[0, [11, 12]], 6) + 0.0).tolist()
    [[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    w = np.asarray(world, dtype=np.float64)
    if not (skeleton.has("left_hip") and skeleton.has("right_hip")):
        return w
    hips = w[:, skeleton.index("right_hip")] - w[:, skeleton.index("left_hip")]
    yaw = np.arctan2(hips[:, 2], hips[:, 0])
    if not np.isfinite(yaw).any():
        return w
    # Median of the direction as a unit vector (angles wrap around at ±180°).
    turn = float(np.arctan2(np.nanmedian(np.sin(yaw)), np.nanmedian(np.cos(yaw))))
    c, s = np.cos(turn), np.sin(turn)
    out = w.copy()
    out[..., 0] = c * w[..., 0] + s * w[..., 2]
    out[..., 2] = -s * w[..., 0] + c * w[..., 2]
    return out


def resample_features(features: np.ndarray, times: np.ndarray, new_times: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``(T, F)`` features from ``times`` to ``new_times``.

    Example
    -------
    >>> resample_features(np.array([[0.0], [2.0]]), np.array([0.0, 1.0]),
    ...                   np.array([0.0, 0.5, 1.0]))[:, 0].tolist()
    [0.0, 1.0, 2.0]
    """
    feats = np.asarray(features, dtype=np.float64)
    out = np.empty((len(new_times), feats.shape[1]))
    for c in range(feats.shape[1]):
        out[:, c] = np.interp(new_times, times, feats[:, c])
    return out


# ---------------------------------------------------------------------------- DTW
def path_cost(a: np.ndarray, b: np.ndarray, path: np.ndarray) -> float:
    """Mean Euclidean distance between matched feature vectors along a path.

    Example
    -------
    >>> a = np.array([[0.0], [1.0]]); b = np.array([[0.0], [3.0]])
    >>> path_cost(a, b, np.array([[0, 0], [1, 1]]))
    1.0
    """
    if len(path) == 0:
        return float("inf")
    d = np.linalg.norm(a[path[:, 0]] - b[path[:, 1]], axis=1)
    return float(d.mean())


def _as_features(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise InputError(f"expected {name} as a (T, F) array with T >= 1, got {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"expected finite {name} (fill gaps first), got NaN or inf")
    return np.ascontiguousarray(arr)


def _backtrack(paths: np.ndarray, row: int, col: int) -> np.ndarray:
    """Best path ending at matrix cell (row, col) (1-based, dtaidistance layout).

    Steps back to the cheapest of the diagonal, upper and left neighbours (ties in that
    order) until row or column 0; a plain loop on array scalars, much faster than
    ``dtw.best_path``'s per-step ``argmin`` calls.
    """
    i, j = row, col
    out = [(i - 1, j - 1)]
    while True:
        diag, up, left = paths[i - 1, j - 1], paths[i - 1, j], paths[i, j - 1]
        if diag <= up and diag <= left:
            i, j = i - 1, j - 1
        elif up <= left:
            i -= 1
        else:
            j -= 1
        if i == 0 or j == 0:
            break
        out.append((i - 1, j - 1))
    out.reverse()
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def _exact(
    a: np.ndarray,
    b: np.ndarray,
    band: int | None,
    open_begin: bool,
    open_end: bool,
) -> np.ndarray:
    from dtaidistance import dtw_ndim

    n, m = len(a), len(b)
    if n == 1 or m == 1:  # one pose against a sequence: nearest neighbours
        if n == 1 and (open_begin or open_end):
            j = int(np.argmin(np.linalg.norm(b - a[0], axis=1)))
            return np.array([[0, j]])
        if n == 1:
            return np.stack([np.zeros(m, dtype=np.int64), np.arange(m)], axis=1)
        return np.stack([np.arange(n), np.zeros(n, dtype=np.int64)], axis=1)
    window = None
    if band is not None:
        window = int(max(band, 1) + (abs(n - m) if not (open_begin or open_end) else 0))
    psi = (0, 0, m if open_begin else 0, 0)
    _, paths = dtw_ndim.warping_paths_fast(a, b, window=window, psi=psi)
    col = m
    if open_end:
        last = paths[n, 1:].copy()
        last[last < 0] = np.inf
        col = int(np.argmin(last)) + 1
    return _backtrack(paths, n, col)


def _coarsen(x: np.ndarray, factor: int) -> np.ndarray:
    n = len(x)
    nc = -(-n // factor)
    pad = nc * factor - n
    if pad:
        x = np.concatenate([x, np.repeat(x[-1:], pad, axis=0)])
    return x.reshape(nc, factor, -1).mean(axis=1)


def _multiscale(
    a: np.ndarray,
    b: np.ndarray,
    band: int | None,
    open_begin: bool,
    open_end: bool,
    max_cells: int,
    block: int,
) -> np.ndarray:
    n, m = len(a), len(b)
    factor = int(np.ceil(np.sqrt(n * m / min(max_cells, COARSE_CELLS))))
    factor = max(factor, 2)
    ac, bc = _coarsen(a, factor), _coarsen(b, factor)
    cband = None if band is None else max(1, -(-band // factor))
    cpath = _dtw(ac, bc, cband, open_begin, open_end, max_cells, block)
    # Pins: fine-level points on the projected coarse path, about `block` steps apart.
    pins: list[tuple[int, int]] = []
    i0, j0 = int(cpath[0, 0]) * factor, int(cpath[0, 1]) * factor
    if open_begin:
        pins.append((0, j0))
    else:
        pins.append((0, 0))
    for ci, cj in cpath[1:]:
        i, j = int(ci) * factor, int(cj) * factor
        pi, pj = pins[-1]
        if (i - pi) + (j - pj) >= 2 * block and i > pi and j > pj:
            pins.append((i, j))
    last_i, last_j = int(cpath[-1, 0]), int(cpath[-1, 1])
    end = (n - 1, m - 1) if not open_end else (n - 1, min(m - 1, (last_j + 1) * factor - 1))
    if pins[-1][0] >= end[0] or pins[-1][1] >= end[1]:
        pins.pop()
    if not pins:
        pins.append((0, 0 if not open_begin else j0))
    pins.append(end)
    del i0, last_i
    parts = []
    for k in range(len(pins) - 1):
        (pi, pj), (qi, qj) = pins[k], pins[k + 1]
        first, final = k == 0, k == len(pins) - 2
        sa, sb = a[pi : qi + 1], b[pj : qj + 1]
        # Open ends only matter at the sequence ends; inside, the pins fix the route.
        # Blocks are small (about block x block cells), so each is solved unbanded.
        if final and open_end:
            sb = b[pj : min(m, qj + 1 + 2 * factor)]
        p = _exact(sa, sb, band, False, final and open_end)
        p = p + np.array([pi, pj])
        if not first:
            p = p[1:]
        parts.append(p)
    del first
    return np.concatenate(parts)


def _dtw(
    a: np.ndarray,
    b: np.ndarray,
    band: int | None,
    open_begin: bool,
    open_end: bool,
    max_cells: int,
    block: int,
) -> np.ndarray:
    n, m = len(a), len(b)
    cells = (n + 1) * (m + 1)
    if cells <= max_cells or min(n, m) < 4:
        return _exact(a, b, band, open_begin, open_end)
    return _multiscale(a, b, band, open_begin, open_end, max_cells, block)


def dtw_path(
    a_feat: np.ndarray,
    b_feat: np.ndarray,
    band: int | None = None,
    open_begin: bool = False,
    open_end: bool = False,
    *,
    max_cells: int = MAX_EXACT_CELLS,
    block: int = 500,
) -> tuple[np.ndarray, float]:
    """Dynamic time warping between two feature sequences.

    Parameters
    ----------
    a_feat, b_feat
        ``(N, F)`` and ``(M, F)`` finite features (e.g. from :func:`pose_features`).
    band
        Sakoe-Chiba band half-width in frames (``None``: unconstrained). For sequences
        of different lengths the band is widened by the length difference.
    open_begin, open_end
        Let ``a`` match a part of ``b``: the path may start (end) at any frame of ``b``.
        Both together give subsequence matching.
    max_cells
        Largest exact cost matrix; above it a coarse-to-fine scheme keeps memory
        bounded (an approximation; see ``bench/compare.py``).
    block
        Rows and columns per refinement block in the coarse-to-fine scheme.

    Returns
    -------
    path
        ``(L, 2)`` int array of (index in ``a``, index in ``b``), monotone.
    cost
        Mean Euclidean feature distance along the path (:func:`path_cost`).

    Example
    -------
    >>> a = np.array([0.0, 1.0, 2.0, 3.0])
    >>> b = np.array([0.0, 0.0, 1.0, 2.0, 2.0, 3.0])
    >>> path, cost = dtw_path(a, b)
    >>> path.tolist(), cost
    ([[0, 0], [0, 1], [1, 2], [2, 3], [2, 4], [3, 5]], 0.0)
    """
    a = _as_features(a_feat, "a_feat")
    b = _as_features(b_feat, "b_feat")
    if a.shape[1] != b.shape[1]:
        raise InputError(f"expected features of the same width, got {a.shape[1]} and {b.shape[1]}")
    if band is not None and band < 1:
        raise InputError(f"expected band >= 1 frame or None, got {band}")
    path = _dtw(a, b, band, open_begin, open_end, max_cells, block)
    return path, path_cost(a, b, path)


# ---------------------------------------------------------------------------- repetitions
def _local_minima(values: np.ndarray, radius: int) -> np.ndarray:
    from scipy.ndimage import minimum_filter1d

    finite = np.where(np.isfinite(values), values, np.inf)
    mins = minimum_filter1d(finite, size=2 * radius + 1, mode="nearest")
    idx = np.flatnonzero((finite == mins) & np.isfinite(finite))
    # Plateaus: keep one index per run.
    if len(idx) > 1:
        keep = np.concatenate([[True], np.diff(idx) > 1])
        idx = idx[keep]
    return idx[np.argsort(finite[idx], kind="stable")]


def find_repetitions(
    reference_rep: PoseSequence | np.ndarray,
    attempt: PoseSequence | np.ndarray,
    *,
    joints: Sequence[str] | None = None,
    min_length_ratio: float = 0.5,
    max_length_ratio: float = 2.0,
    max_cost_ratio: float = 2.0,
    max_cost: float | None = None,
    max_overlap: float = 0.2,
    max_reps: int | None = None,
    cost_floor: float = 0.25,
    motion_fraction: float = 0.5,
) -> list[Repetition]:
    """Find each repetition of a one-repetition reference inside a longer attempt.

    Subsequence DTW (open begin and end) of the reference against the attempt gives,
    for every attempt frame, the cost of the best match ending there. Candidate ends
    (local minima) are taken best first; each is traced back to its start and kept if
    its length is plausible, it overlaps no kept repetition by more than
    ``max_overlap`` and its cost is at most ``max_cost_ratio`` times the best one (and
    ``max_cost`` when given).

    Parameters
    ----------
    reference_rep, attempt
        Pose sequences (features are computed with :func:`pose_features` on their
        common joints, and the attempt is resampled to the reference's frame rate when
        they differ) or ready ``(T, F)`` feature arrays.
    joints
        Joint names for the features (default: the joints both skeletons have).
    min_length_ratio, max_length_ratio
        Allowed repetition duration relative to the reference's.
    max_cost_ratio, max_cost, cost_floor, motion_fraction
        A repetition is accepted when its cost is at most
        ``max(max_cost_ratio * best_cost, cost_floor, motion_fraction * motion)`` (and
        ``max_cost`` when given), where ``motion`` is the reference's mean distance from
        its own mean pose; the floors (in torso lengths) keep a near-perfect first match
        from rejecting a repetition done less well.
    max_overlap
        Largest accepted overlap with an earlier repetition, as a fraction of the
        shorter one.
    max_reps
        Stop after this many repetitions.

    Returns
    -------
    Repetitions sorted by start frame (attempt frame indices, ``end`` exclusive).

    Example
    -------
    >>> rep = np.sin(np.linspace(0, np.pi, 20))[:, None]
    >>> attempt = np.concatenate([np.zeros((10, 1)), rep, np.zeros((5, 1)), rep])
    >>> [(r.start, r.end) for r in find_repetitions(rep, attempt)]
    [(10, 30), (35, 55)]
    """
    from dtaidistance import dtw_ndim

    att_times: np.ndarray | None = None
    att_grid = np.empty(0)
    if isinstance(reference_rep, PoseSequence) or isinstance(attempt, PoseSequence):
        if not (isinstance(reference_rep, PoseSequence) and isinstance(attempt, PoseSequence)):
            raise InputError("expected two PoseSequences or two feature arrays, got a mix")
        names = list(joints) if joints is not None else _shared_joints(reference_rep, attempt)
        q = pose_features(reference_rep, names)
        s = pose_features(attempt, names)
        if abs(attempt.fps - reference_rep.fps) > 1e-6 * reference_rep.fps:
            att_times = attempt.timestamps
            t0, t1 = att_times[0], att_times[-1]
            grid = np.arange(t0, t1 + 0.5 / reference_rep.fps, 1.0 / reference_rep.fps)
            s = resample_features(s, att_times, grid)
            att_grid = grid
    else:
        q = _as_features(reference_rep, "reference_rep")
        s = _as_features(attempt, "attempt")
    n, m = len(q), len(s)
    if n < 2:
        raise InputError(f"expected a reference repetition of at least 2 frames, got {n}")
    if m < max(2, int(np.ceil(min_length_ratio * n))):
        return []
    # How much the reference moves: a repetition done badly still costs less than this.
    motion = float(np.linalg.norm(q - q.mean(axis=0), axis=1).mean())
    _, paths = dtw_ndim.warping_paths_fast(q, s, psi=(0, 0, m, 0))
    last = paths[n, 1:].copy()
    last[last < 0] = np.inf
    kept: list[Repetition] = []
    best = None
    for j in _local_minima(last, max(1, n // 4)):
        p = _backtrack(paths, n, int(j) + 1)
        start, end = int(p[0, 1]), int(p[-1, 1]) + 1
        length = end - start
        if not (min_length_ratio * n <= length <= max_length_ratio * n):
            continue
        if any(
            min(end, r.end) - max(start, r.start) > max_overlap * min(length, r.end - r.start)
            for r in kept
        ):
            continue
        cost = path_cost(q, s, p)
        if best is None:
            best = cost
        limit = max(max_cost_ratio * best, cost_floor, motion_fraction * motion)
        if cost > limit or (max_cost is not None and cost > max_cost):
            continue
        kept.append(Repetition(start, end, cost, p))
        if max_reps is not None and len(kept) >= max_reps:
            break
    if att_times is not None:
        kept = [_to_original_frames(r, att_grid, att_times) for r in kept]
    return sorted(kept, key=lambda r: r.start)


def _to_original_frames(rep: Repetition, grid: np.ndarray, times: np.ndarray) -> Repetition:
    def frame_at(t: float) -> int:
        return int(np.clip(np.searchsorted(times, t - 1e-9), 0, len(times) - 1))

    path = rep.path
    if path is not None:
        cols = np.array([frame_at(grid[j]) for j in path[:, 1]])
        path = np.stack([path[:, 0], cols], axis=1)
    start = frame_at(grid[rep.start])
    end = frame_at(grid[rep.end - 1]) + 1
    return Repetition(start, end, rep.cost, path)


def _shared_joints(a: PoseSequence, b: PoseSequence) -> list[str]:
    names = [n for n in a.skeleton.names if b.skeleton.has(n)]
    if not names:
        raise InputError(
            f"expected skeletons with joints in common, got {a.skeleton.name!r} and "
            f"{b.skeleton.name!r}"
        )
    return names
