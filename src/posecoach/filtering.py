"""Gap filling and smoothing of pose sequences.

Offline: :func:`fill_gaps` (linear interpolation of short NaN runs) and :func:`smooth`
with a Savitzky-Golay filter or a zero-phase Butterworth low-pass (``scipy.signal``, run
forwards and backwards so nothing lags). Live: :class:`OneEuroFilter` (Casiez, Roussel and
Vogel, "1 Euro Filter", CHI 2012), causal and adaptive: little smoothing when the joint
moves fast, more when it is still.

Smoothing works on each run of consecutive finite values separately and never invents
values inside gaps; runs too short for the filter are left as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecoach.errors import InputError
from posecoach.pose import PoseSequence

__all__ = ["OneEuroFilter", "fill_gaps", "one_euro", "smooth", "SMOOTHERS"]


def _runs(finite: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of a 1-D bool array."""
    padded = np.concatenate([[False], finite, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _fill_1d(t: np.ndarray, y: np.ndarray, max_gap_s: float) -> np.ndarray:
    out = y.copy()
    ok = np.isfinite(y)
    if ok.sum() < 2 or ok.all():
        return out
    for start, end in _runs(~ok):
        if start == 0 or end == len(y):
            continue  # never extrapolate before the first or after the last value
        if t[end] - t[start - 1] > max_gap_s + 1e-9:
            continue
        out[start:end] = np.interp(t[start:end], [t[start - 1], t[end]], [y[start - 1], y[end]])
    return out


def fill_gaps(seq: PoseSequence, max_gap_s: float = 0.25) -> PoseSequence:
    """Fill missing joints by linear interpolation in time across gaps up to ``max_gap_s``.

    The gap length is the time between the valid frames either side. Filled joints take
    the lower confidence of those two frames; longer gaps and gaps at either end stay NaN.

    Example
    -------
    >>> import numpy as np
    >>> pos = np.zeros((5, 17, 2)); pos[:, :, 0] = np.arange(5)[:, None]
    >>> pos[2] = np.nan
    >>> seq = PoseSequence(pos, skeleton="coco_17", fps=10)
    >>> fill_gaps(seq, max_gap_s=0.2).positions[2, 0].tolist()
    [2.0, 0.0]
    >>> bool(np.isnan(fill_gaps(seq, max_gap_s=0.1).positions[2, 0, 0]))
    True
    """
    if not max_gap_s >= 0:
        raise InputError(f"expected max_gap_s >= 0, got {max_gap_s}")
    t = np.asarray(seq.timestamps)
    pos = np.array(seq.positions)
    conf = np.array(seq.confidence)
    world = None if seq.world is None else seq.world.copy()
    was_missing = ~seq.visible
    for j in range(seq.n_joints):
        for d in range(seq.dims):
            pos[:, j, d] = _fill_1d(t, pos[:, j, d], max_gap_s)
        if world is not None:
            for d in range(3):
                world[:, j, d] = _fill_1d(t, world[:, j, d], max_gap_s)
        filled = was_missing[:, j] & np.isfinite(pos[:, j]).all(axis=1)
        for start, end in _runs(filled):
            conf[start:end, j] = min(conf[start - 1, j], conf[end, j])
    out = seq.replace(positions=pos, confidence=conf, world=world)
    return out.with_provenance("fill_gaps", max_gap_s=max_gap_s)


def _savgol(y: np.ndarray, fps: float, window_s: float, polyorder: int) -> np.ndarray:
    from scipy.signal import savgol_filter

    window = max(polyorder + 2, round(window_s * fps))
    window += 1 - window % 2  # odd
    if len(y) < window:
        return y
    return savgol_filter(y, window, polyorder, mode="interp")


def _butter(y: np.ndarray, fps: float, cutoff_hz: float, order: int) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    nyquist = fps / 2
    if cutoff_hz >= nyquist:
        raise InputError(
            f"expected cutoff_hz below the Nyquist rate {nyquist:g} Hz, got {cutoff_hz}"
        )
    sos = butter(order, cutoff_hz / nyquist, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    if len(y) <= padlen:
        return y
    return sosfiltfilt(sos, y, padlen=padlen)


SMOOTHERS: tuple[str, ...] = ("savgol", "butterworth")


def smooth(
    seq: PoseSequence,
    method: str = "savgol",
    *,
    window_s: float = 0.2,
    polyorder: int = 2,
    cutoff_hz: float = 6.0,
    order: int = 4,
) -> PoseSequence:
    """Zero-phase smoothing of every joint coordinate (and world coordinate) over time.

    Parameters
    ----------
    method
        ``"savgol"`` (Savitzky-Golay: a polynomial of ``polyorder`` fitted in a window of
        ``window_s`` seconds; keeps peaks) or ``"butterworth"`` (low-pass at ``cutoff_hz``,
        order ``order``, run forwards and backwards: no lag; 6 Hz is common for human
        movement).

    Frames are assumed evenly spaced at ``seq.fps``. Each run of finite values is filtered
    on its own; NaN stays NaN.

    Example
    -------
    >>> import numpy as np
    >>> t = np.arange(30) / 30
    >>> pos = np.zeros((30, 17, 2)); pos[:, :, 0] = (3 * t**2)[:, None]  # a parabola
    >>> seq = PoseSequence(pos, skeleton="coco_17", fps=30)
    >>> bool(np.allclose(smooth(seq, "savgol").positions, pos))  # kept exactly
    True
    """
    if method == "savgol":
        if polyorder < 0:
            raise InputError(f"expected polyorder >= 0, got {polyorder}")
        fn: Callable[[np.ndarray], np.ndarray] = lambda y: _savgol(y, seq.fps, window_s, polyorder)  # noqa: E731
        params = {"window_s": window_s, "polyorder": polyorder}
    elif method == "butterworth":
        fn = lambda y: _butter(y, seq.fps, cutoff_hz, order)  # noqa: E731
        params = {"cutoff_hz": cutoff_hz, "order": order}
    else:
        raise InputError(f"expected smoothing method one of {list(SMOOTHERS)}, got {method!r}")

    def apply(arr: np.ndarray) -> np.ndarray:
        out = arr.copy()
        flat = out.reshape(len(out), -1)
        for c in range(flat.shape[1]):
            col = flat[:, c]
            for start, end in _runs(np.isfinite(col)):
                col[start:end] = fn(col[start:end])
        return out

    world = None if seq.world is None else apply(seq.world)
    out = seq.replace(positions=apply(seq.positions), world=world)
    return out.with_provenance("smooth", method=method, **params)


class OneEuroFilter:
    """Causal adaptive low-pass for live streams (the "1 Euro filter", Casiez et al. 2012).

    ``x_hat = x_hat_prev + alpha * (x - x_hat_prev)`` with ``alpha = 1 / (1 + tau / dt)``,
    ``tau = 1 / (2 pi f_c)`` and ``f_c = min_cutoff + beta * |dx/dt|`` (the derivative itself
    filtered at ``d_cutoff``). Works element-wise on arrays of any fixed shape; a NaN input
    element gives NaN and restarts that element.

    Example
    -------
    >>> f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    >>> float(f(np.array(0.0), 0.0)), round(float(f(np.array(1.0), 0.1)), 6)
    (0.0, 0.38587)
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise InputError(
                f"expected min_cutoff > 0, d_cutoff > 0, beta >= 0, got {min_cutoff}, "
                f"{d_cutoff}, {beta}"
            )
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray:
        tau = 1.0 / (2 * math.pi * np.asarray(cutoff, dtype=float))
        return 1.0 / (1.0 + tau / dt)

    def reset(self) -> None:
        """Forget the past."""
        self._x = self._dx = None
        self._t = None

    def __call__(self, x: np.ndarray, t: float) -> np.ndarray:
        """Filter the value ``x`` observed at time ``t`` seconds (increasing)."""
        x = np.asarray(x, dtype=float)
        if self._x is None or self._t is None or self._x.shape != x.shape:
            self._x, self._dx, self._t = x.copy(), np.zeros_like(x), float(t)
            return x.copy()
        dt = float(t) - self._t
        if dt <= 0:
            raise InputError(f"expected increasing times, got {t} after {self._t}")
        assert self._dx is not None
        prev = np.where(np.isfinite(self._x), self._x, x)  # restart after NaN
        dx = (x - prev) / dt
        dx = np.where(np.isfinite(dx), dx, 0.0)
        dx_hat = self._dx + self._alpha(self.d_cutoff, dt) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        x_hat = prev + self._alpha(cutoff, dt) * (x - prev)
        self._x, self._dx, self._t = x_hat, dx_hat, float(t)
        return x_hat.copy()


def one_euro(
    seq: PoseSequence, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0
) -> PoseSequence:
    """Run a :class:`OneEuroFilter` over a sequence frame by frame (as a live stream would).

    Example
    -------
    >>> pos = np.ones((4, 17, 2))
    >>> bool(np.allclose(one_euro(PoseSequence(pos, skeleton="coco_17")).positions, 1))
    True
    """
    f = OneEuroFilter(min_cutoff, beta, d_cutoff)
    times = np.asarray(seq.timestamps)
    out = np.stack([f(p, t) for p, t in zip(seq.positions, times, strict=True)])
    return seq.replace(positions=out).with_provenance(
        "one_euro", min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff
    )
