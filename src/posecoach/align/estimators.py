"""Batched, weighted, robust closed-form transform estimators.

Every estimator takes source and destination points ``(B, N, D)`` and weights ``(B, N)``
(0 = ignore the point; missing points may hold any finite value) and returns ``(B, D+1,
D+1)`` homogeneous matrices mapping source onto destination, one per batch item. Batch
items are frames (per-frame alignment) or a single item holding all frames' points
(one transform per sequence). :func:`robust_fit` wraps any of them in iteratively
reweighted least squares with Cauchy weights, so a few wrong joints barely move the fit.

Example
-------
>>> import numpy as np
>>> src = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]])
>>> m = similarity(src, 2 * src + 1, np.ones((1, 3)))
>>> (m[0].round(6) + 0.0).tolist()
[[2.0, 0.0, 1.0], [0.0, 2.0, 1.0], [0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

__all__ = [
    "translation_scale",
    "similarity",
    "affine",
    "homography",
    "apply_matrix",
    "robust_fit",
    "MIN_POINTS",
]

Estimator = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]

#: Fewest weighted points each estimator needs for a determined fit.
MIN_POINTS: dict[str, int] = {"translation_scale": 2, "similarity": 2, "affine": 3, "homography": 4}


def _prep(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    w = np.where(np.isfinite(src).all(-1) & np.isfinite(dst).all(-1), w, 0.0)
    src = np.where(w[..., None] > 0, src, 0.0)
    dst = np.where(w[..., None] > 0, dst, 0.0)
    wsum = w.sum(-1, keepdims=True)
    wn = w / np.where(wsum > 0, wsum, 1.0)
    return src, dst, w, wn


def _centroids(src: np.ndarray, dst: np.ndarray, wn: np.ndarray) -> tuple[np.ndarray, ...]:
    mu_s = np.einsum("bn,bnd->bd", wn, src)
    mu_d = np.einsum("bn,bnd->bd", wn, dst)
    return mu_s, mu_d, src - mu_s[:, None], dst - mu_d[:, None]


def _compose(lin: np.ndarray, trans: np.ndarray) -> np.ndarray:
    b, d, _ = lin.shape
    m = np.zeros((b, d + 1, d + 1))
    m[:, :d, :d] = lin
    m[:, :d, d] = trans
    m[:, d, d] = 1.0
    return m


def translation_scale(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Uniform scale + translation matching weighted centroids and RMS spread.

    Example
    -------
    >>> import numpy as np
    >>> src = np.array([[[0.0, 0.0], [2.0, 0.0]]])
    >>> translation_scale(src, src * 3 + 5, np.ones((1, 2)))[0, :2].tolist()
    [[3.0, 0.0, 5.0], [0.0, 3.0, 5.0]]
    """
    src, dst, w, wn = _prep(src, dst, w)
    mu_s, mu_d, xs, xd = _centroids(src, dst, wn)
    ss = np.sqrt(np.einsum("bn,bnd->b", wn, xs**2))
    sd = np.sqrt(np.einsum("bn,bnd->b", wn, xd**2))
    s = np.where(ss > 0, sd / np.where(ss > 0, ss, 1.0), 1.0)
    d = src.shape[-1]
    lin = s[:, None, None] * np.eye(d)
    return _compose(lin, mu_d - s[:, None] * mu_s)


def similarity(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted Umeyama: rotation + uniform scale + translation, reflection forbidden.

    The determinant sign correction of Umeyama (1991) keeps the rotation proper, so a
    mirrored pose is never matched by a reflection (unlike ``scipy.spatial.procrustes``).

    Example
    -------
    >>> import numpy as np
    >>> src = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]])
    >>> rot = np.array([[0.0, -1.0], [1.0, 0.0]])  # +90°
    >>> m = similarity(src, src @ rot.T * 2, np.ones((1, 3)))
    >>> m[0, :2, :2].round(6).tolist()
    [[0.0, -2.0], [2.0, 0.0]]
    """
    src, dst, w, wn = _prep(src, dst, w)
    mu_s, mu_d, xs, xd = _centroids(src, dst, wn)
    cov = np.swapaxes(xd * wn[..., None], 1, 2) @ xs
    u, sig, vt = np.linalg.svd(cov)
    d = src.shape[-1]
    sign = np.ones((src.shape[0], d))
    sign[:, -1] = np.where(np.linalg.det(u) * np.linalg.det(vt) < 0, -1.0, 1.0)
    rot = np.einsum("bij,bj,bjk->bik", u, sign, vt)
    var_s = np.einsum("bn,bnd->b", wn, xs**2)
    s = np.where(var_s > 0, (sig * sign).sum(-1) / np.where(var_s > 0, var_s, 1.0), 1.0)
    lin = s[:, None, None] * rot
    return _compose(lin, mu_d - np.einsum("bij,bj->bi", lin, mu_s))


def affine(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares affine map (any linear part + translation).

    Example
    -------
    >>> import numpy as np
    >>> src = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    >>> a = np.array([[1.0, 0.5], [0.0, 2.0]])
    >>> affine(src, src @ a.T + [3, 4], np.ones((1, 4)))[0, :2].round(6).tolist()
    [[1.0, 0.5, 3.0], [0.0, 2.0, 4.0]]
    """
    src, dst, w, wn = _prep(src, dst, w)
    mu_s, mu_d, xs, xd = _centroids(src, dst, wn)
    d = src.shape[-1]
    sxx = np.swapaxes(xs * wn[..., None], 1, 2) @ xs
    sxy = np.swapaxes(xs * wn[..., None], 1, 2) @ xd
    ridge = 1e-13 * (np.trace(sxx, axis1=1, axis2=2)[:, None, None] + 1e-12) * np.eye(d)
    lin = np.linalg.solve(sxx + ridge, sxy).transpose(0, 2, 1)
    return _compose(lin, mu_d - np.einsum("bij,bj->bi", lin, mu_s))


def homography(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted direct linear transform for a 2D homography (Hartley-normalised).

    Example
    -------
    >>> import numpy as np
    >>> src = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.3]]])
    >>> h = np.array([[1.0, 0.2, 3.0], [0.1, 0.9, -1.0], [0.05, 0.02, 1.0]])
    >>> dst = apply_matrix(h[None], src)
    >>> np.allclose(homography(src, dst, np.ones((1, 5))), h)
    True
    """
    if src.shape[-1] != 2:
        raise ValueError(f"expected 2D points for a homography, got D={src.shape[-1]}")
    src, dst, w, wn = _prep(src, dst, w)

    def normaliser(x: np.ndarray) -> np.ndarray:
        mu = np.einsum("bn,bnd->bd", wn, x)
        rms = np.sqrt(np.einsum("bn,bnd->b", wn, (x - mu[:, None]) ** 2))
        s = np.sqrt(2.0) / np.where(rms > 0, rms, 1.0)
        t = np.zeros((x.shape[0], 3, 3))
        t[:, 0, 0] = t[:, 1, 1] = s
        t[:, :2, 2] = -s[:, None] * mu
        t[:, 2, 2] = 1.0
        return t

    ts, td = normaliser(src), normaliser(dst)
    xs = apply_matrix(ts, src)
    xd = apply_matrix(td, dst)
    b = src.shape[0]
    x, y = xs[..., 0], xs[..., 1]
    u, v = xd[..., 0], xd[..., 1]
    zero, one = np.zeros_like(x), np.ones_like(x)
    r1 = np.stack([-x, -y, -one, zero, zero, zero, u * x, u * y, u], -1)
    r2 = np.stack([zero, zero, zero, -x, -y, -one, v * x, v * y, v], -1)
    sw = np.sqrt(w)[..., None]
    a = np.concatenate([r1 * sw, r2 * sw], axis=1)  # (B, 2N, 9)
    _, _, vt = np.linalg.svd(a, full_matrices=False)
    h = vt[:, -1].reshape(b, 3, 3)
    h = np.linalg.inv(td) @ h @ ts
    scale = h[:, 2, 2]
    h = h / np.where(np.abs(scale) > 1e-12, scale, 1.0)[:, None, None]
    return h


def apply_matrix(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply ``(B, D+1, D+1)`` homogeneous matrices to ``(B, N, D)`` points.

    Example
    -------
    >>> import numpy as np
    >>> m = np.array([[[2.0, 0, 1], [0, 2.0, 0], [0, 0, 1]]])
    >>> apply_matrix(m, np.array([[[1.0, 1.0]]])).tolist()
    [[[3.0, 2.0]]]
    """
    d = points.shape[-1]
    out = np.einsum("bij,bnj->bni", m[:, :d, :d], points) + m[:, None, :d, d]
    denom = np.einsum("bj,bnj->bn", m[:, d, :d], points) + m[:, None, d, d]
    if np.any(m[:, d, :d] != 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = out / denom[..., None]
    return out


def robust_fit(
    estimator: Estimator,
    src: np.ndarray,
    dst: np.ndarray,
    w: np.ndarray,
    *,
    iterations: int = 6,
    c: float = 2.385,
) -> tuple[np.ndarray, np.ndarray]:
    """Iteratively reweighted least squares with Cauchy weights.

    Each round scales residuals by a robust spread (1.4826 × median residual, floored at
    2% of the destination's RMS size) and multiplies the base weights by
    ``1 / (1 + (r / (c σ))²)``.

    Returns
    -------
    tuple
        The matrices ``(B, D+1, D+1)`` and the final robust factors ``(B, N)`` in (0, 1].

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> src = rng.normal(size=(1, 12, 2)); dst = src * 2 + 1
    >>> dst[0, 0] += 50  # one wrong joint
    >>> m, rw = robust_fit(similarity, src, dst, np.ones((1, 12)))
    >>> bool(np.allclose(m[0, :2, :2], 2 * np.eye(2), atol=1e-2)), bool(rw[0, 0] < 0.01)
    (True, True)
    """
    base = np.where(np.isfinite(src).all(-1) & np.isfinite(dst).all(-1), w, 0.0)
    robust = np.ones_like(base)
    _, dst0, _, wn = _prep(src, dst, base)
    mu = np.einsum("bn,bnd->bd", wn, dst0)
    size = np.sqrt(np.einsum("bn,bnd->b", wn, (dst0 - mu[:, None]) ** 2))
    m = _lmeds_start(estimator, src, dst, base)
    for _ in range(iterations):
        with np.errstate(invalid="ignore"):
            r = np.linalg.norm(apply_matrix(m, np.nan_to_num(src)) - np.nan_to_num(dst), axis=-1)
        r = np.where(base > 0, r, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no joints
            med = np.nan_to_num(np.nanmedian(r, axis=-1))
        sigma = np.maximum(1.4826 * med, 0.02 * size + 1e-12)
        robust = 1.0 / (1.0 + (np.nan_to_num(r) / (c * sigma[:, None])) ** 2)
        m = estimator(src, dst, base * robust)
    return m, np.where(base > 0, robust, 0.0)


def _lmeds_start(
    estimator: Estimator, src: np.ndarray, dst: np.ndarray, w: np.ndarray, n_subsets: int = 32
) -> np.ndarray:
    """Least-median-of-squares start: the best of a weighted fit and fits on random
    minimal subsets of joints (same subsets for every batch item, seeded)."""
    b, n, d = src.shape
    full = estimator(src, dst, w)
    # minimal subsets: one more point per extra dimension (3 for a 3D similarity)
    size = MIN_POINTS.get(getattr(estimator, "__name__", ""), d + 1) + max(0, d - 2)
    if n <= size:
        return full
    rng = np.random.default_rng(0)
    subsets = np.array([rng.choice(n, size, replace=False) for _ in range(n_subsets)])
    s_src = np.nan_to_num(src[:, subsets])  # (B, S, m, D)
    s_dst = np.nan_to_num(dst[:, subsets])
    s_w = w[:, subsets]
    valid = (s_w > 0).all(-1)  # (B, S)
    with np.errstate(all="ignore"):
        cand = estimator(
            s_src.reshape(b * n_subsets, size, d),
            s_dst.reshape(b * n_subsets, size, d),
            np.where(valid[..., None], s_w, 1.0).reshape(b * n_subsets, size),
        ).reshape(b, n_subsets, d + 1, d + 1)
        cand = np.concatenate([full[:, None], cand], axis=1)  # (B, S+1, ...)
        valid = np.concatenate([np.ones((b, 1), bool), valid], axis=1)
        x = np.nan_to_num(src)
        proj = np.einsum("bsij,bnj->bsni", cand[..., :d, :d], x) + cand[:, :, None, :d, d]
        if np.any(cand[..., d, :d] != 0):
            den = np.einsum("bsj,bnj->bsn", cand[..., d, :d], x) + cand[:, :, None, d, d]
            proj = proj / den[..., None]
        r2 = ((proj - np.nan_to_num(dst)[:, None]) ** 2).sum(-1)
    r2 = np.where(w[:, None] > 0, r2, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        score = np.nanmedian(r2, axis=-1)
    score = np.where(valid & np.isfinite(score) & np.isfinite(cand).all((-1, -2)), score, np.inf)
    best = np.argmin(score, axis=1)
    return cand[np.arange(b), best]
