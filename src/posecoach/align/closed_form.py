"""Closed-form aligners: ``none``, ``normalize``, ``similarity``, ``affine``, ``perspective``.

Each maps the attempt into the reference's coordinates with one matrix per frame (or
one for the whole sequence when ``per_frame=False``), estimated on the confident shared
joints with confidence weights and robust (Cauchy IRLS) reweighting, then applies it to
every attempt joint.

- ``none``: the identity, for poses already in one frame (the attempt unchanged; the
  fit quality is measured as for any aligner).
- ``normalize``: translation + uniform scale from the hip centre and torso length
  (centroid and RMS spread where those are missing). Keeps every angle and every
  orientation difference, camera ones included.
- ``similarity``: rotation + uniform scale + translation (weighted Umeyama, reflection
  forbidden). Works in 2D or 3D.
- ``affine``: any linear map + translation; absorbs foreshortening of a turned body but
  also some real pose differences.
- ``perspective``: a 2D homography; absorbs the most, for flat scenes seen at an angle.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.align.base import pair_poses
>>> ref = PoseSequence(np.random.default_rng(0).normal(size=(1, 17, 2)), skeleton="coco_17")
>>> att = ref.replace(positions=ref.positions * 3 + 2)
>>> out, tf, _ = SimilarityAligner().fit_apply(pair_poses(att, ref), per_frame=True)
>>> bool(np.allclose(out, ref.positions)), tf.params["scale"].round(6).tolist()
(True, [0.333333])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from posecoach.align import estimators as est
from posecoach.align.base import (
    AlignmentError,
    Pair,
    Transform,
    hips_and_torso,
    register_aligner,
)

__all__ = [
    "IdentityAligner",
    "NormalizeAligner",
    "SimilarityAligner",
    "AffineAligner",
    "PerspectiveAligner",
]


def _batch(pair: Pair, per_frame: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    src, dst, w = pair.att_points(), pair.ref_points(), pair.weights
    if src.shape[-1] != dst.shape[-1]:
        raise AlignmentError(
            f"expected attempt and reference of the same dimension, got D={src.shape[-1]} "
            f"and D={dst.shape[-1]}"
        )
    if not per_frame:
        t, n, d = src.shape
        return src.reshape(1, t * n, d), dst.reshape(1, t * n, d), w.reshape(1, t * n)
    return src, dst, w


def _apply_all(pair: Pair, m: np.ndarray) -> np.ndarray:
    pos = pair.attempt.positions
    if m.shape[0] == 1 and pos.shape[0] > 1:
        m = np.broadcast_to(m, (pos.shape[0], *m.shape[1:]))
    return est.apply_matrix(m, pos)


def _unbatch_weights(rw: np.ndarray, pair: Pair) -> np.ndarray:
    return rw.reshape(pair.weights.shape)


def _similarity_params(m: np.ndarray) -> dict[str, np.ndarray]:
    d = m.shape[-1] - 1
    lin = m[:, :d, :d]
    scale = np.abs(np.linalg.det(lin)) ** (1.0 / d)
    params = {"scale": scale, "translation": m[:, :d, d]}
    if d == 2:
        params["rotation_deg"] = np.degrees(np.arctan2(lin[:, 1, 0], lin[:, 0, 0]))
    return params


def _guard_homography(
    m: np.ndarray, rw: np.ndarray, src: np.ndarray, dst: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Replace degenerate homographies by the affine fit.

    A body is not a plane: across a large change of view a homography can put the line
    at infinity through the pose (denominators near or below zero), folding it over.
    Frames where the smallest denominator over the fitted joints is below 30% of the
    median get the robust affine map instead.
    """
    den = np.einsum("bj,bnj->bn", m[:, 2, :2], np.nan_to_num(src)) + m[:, None, 2, 2]
    den = np.where(w > 0, den, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        med = np.nanmedian(den, axis=-1)
        bad = ~(np.nanmin(den, axis=-1) > 0.3 * med) | ~(med > 0)
    bad &= (w > 0).sum(-1) > 0
    if bad.any():
        ma, rwa = est.robust_fit(est.affine, src[bad], dst[bad], w[bad])
        m = m.copy()
        rw = rw.copy()
        m[bad], rw[bad] = ma, rwa
    return m, rw


@dataclass(frozen=True)
class _MatrixAligner:
    name: str
    estimator_name: str
    min_joints: int
    description: str
    robust: bool = True
    dims: tuple[int, ...] = (2, 3)

    def fit_apply(self, pair: Pair, per_frame: bool) -> tuple[np.ndarray, Transform, np.ndarray]:
        src, dst, w = _batch(pair, per_frame)
        estimator = getattr(est, self.estimator_name)
        if self.robust:
            m, rw = est.robust_fit(estimator, src, dst, w)
        else:
            m, rw = estimator(src, dst, w), (w > 0).astype(float)
        if self.estimator_name == "homography":
            m, rw = _guard_homography(m, rw, src, dst, w)
        params = self.params(m)
        return (
            _apply_all(pair, m),
            Transform(self.name, per_frame, m, params),
            rw.reshape(pair.weights.shape),
        )

    def params(self, m: np.ndarray) -> dict[str, np.ndarray]:
        if self.estimator_name == "similarity":
            return _similarity_params(m)
        d = m.shape[-1] - 1
        return {"linear": m[:, :d, :d], "translation": m[:, :d, d]}


def SimilarityAligner() -> _MatrixAligner:  # noqa: N802 - factory reads like a class
    """Rotation + uniform scale + translation (Umeyama), reflection forbidden.

    Example
    -------
    >>> SimilarityAligner().name
    'similarity'
    """
    return _MatrixAligner(
        "similarity", "similarity", 3, "rotation + uniform scale + translation (Umeyama)"
    )


def AffineAligner() -> _MatrixAligner:  # noqa: N802
    """Weighted least-squares affine map (2D or 3D).

    Example
    -------
    >>> AffineAligner().min_joints
    4
    """
    return _MatrixAligner("affine", "affine", 4, "affine map (linear + translation)")


def PerspectiveAligner() -> _MatrixAligner:  # noqa: N802
    """2D homography (normalised DLT), the most permissive closed-form map.

    Example
    -------
    >>> PerspectiveAligner().min_joints
    6
    """
    return _MatrixAligner(
        "perspective", "homography", 6, "2D homography (perspective map)", dims=(2,)
    )


@dataclass(frozen=True)
class IdentityAligner:
    """The identity: the attempt unchanged (poses already in the reference's frame).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> from posecoach.align.base import pair_poses
    >>> a = PoseSequence(np.arange(68.0).reshape(2, 17, 2), skeleton="coco_17")
    >>> out, tf, _ = IdentityAligner().fit_apply(pair_poses(a, a), per_frame=False)
    >>> bool(np.array_equal(out, a.positions)), tf.matrix.shape
    (True, (1, 3, 3))
    """

    name: str = "none"
    min_joints: int = 0
    description: str = "identity (poses already in one frame)"

    def fit_apply(self, pair: Pair, per_frame: bool) -> tuple[np.ndarray, Transform, np.ndarray]:
        pos = pair.attempt.positions
        d = pos.shape[-1]
        m = np.broadcast_to(np.eye(d + 1), (pos.shape[0] if per_frame else 1, d + 1, d + 1))
        params = {"scale": np.ones(len(m)), "translation": np.zeros((len(m), d))}
        rw = (pair.weights > 0).astype(float)
        return pos.copy(), Transform(self.name, per_frame, m.copy(), params), rw


@dataclass(frozen=True)
class NormalizeAligner:
    """Translation + uniform scale from hip centre and torso length (no rotation).

    Example
    -------
    >>> NormalizeAligner().name
    'normalize'
    """

    name: str = "normalize"
    min_joints: int = 2
    description: str = "translation + scale (hip centre, torso length)"

    def fit_apply(self, pair: Pair, per_frame: bool) -> tuple[np.ndarray, Transform, np.ndarray]:
        src, dst, w = _batch(pair, True)
        fallback = est.translation_scale(src, dst, w)  # centroid / RMS, per frame
        hip_a, torso_a = hips_and_torso(pair.attempt)
        hip_r, torso_r = hips_and_torso(pair.reference)
        d = src.shape[-1]
        if per_frame:
            s = torso_r / torso_a
            t = hip_r - s[:, None] * hip_a
            ok = np.isfinite(s) & np.isfinite(t).all(-1) & (s > 0)
            m = fallback.copy()
            m[ok, :d, :d] = s[ok, None, None] * np.eye(d)
            m[ok, :d, d] = t[ok]
        else:
            ratio = (
                np.nanmedian(torso_r) / np.nanmedian(torso_a)
                if np.isfinite(torso_a).any() and np.isfinite(torso_r).any()
                else np.nan
            )
            if np.isfinite(ratio) and ratio > 0:
                t = np.nanmean(hip_r - ratio * hip_a, axis=0)
                if not np.isfinite(t).all():
                    t = np.nanmean(fallback[:, :d, d], axis=0)
                s = ratio
            else:
                s = float(np.nanmedian(fallback[:, 0, 0]))
                t = np.nanmean(fallback[:, :d, d], axis=0)
            m = np.eye(d + 1)[None].copy()
            m[0, :d, :d] = s * np.eye(d)
            m[0, :d, d] = t
        params = {"scale": m[:, 0, 0], "translation": m[:, :d, d]}
        rw = (pair.weights > 0).astype(float)
        return _apply_all(pair, m), Transform(self.name, per_frame, m, params), rw


register_aligner("none", IdentityAligner)
register_aligner("normalize", NormalizeAligner)
register_aligner("similarity", SimilarityAligner)
register_aligner("affine", AffineAligner)
register_aligner("perspective", PerspectiveAligner)
