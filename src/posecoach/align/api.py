"""``align(attempt, reference, method=...)``: the one entry point to every aligner."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from posecoach.align.base import (
    AlignmentError,
    AlignmentQuality,
    AlignmentResult,
    AlignmentWarning,
    Pair,
    Transform,
    get_aligner,
    pair_poses,
    reference_scale,
)
from posecoach.pose import PoseSequence

__all__ = ["align", "DEFAULT_METHOD", "DEFAULT_METHOD_3D", "default_method", "residuals"]

#: The 2D aligner used when ``method=None`` and a pose lacks 3D: the 2D winner of
#: ``bench/align.py`` (lowest residual on held-out projected motion capture and the most
#: planted error kept among the per-frame 2D aligners).
DEFAULT_METHOD = "learned"
#: The aligner used when ``method=None`` and both poses have 3D (world landmarks or
#: metric 3D positions): the overall winner of ``bench/align.py``.
DEFAULT_METHOD_3D = "view3d"


def default_method(attempt: PoseSequence, reference: PoseSequence) -> str:
    """The benchmark winner for this pair: ``view3d`` when both poses have 3D, else
    :data:`DEFAULT_METHOD`.

    Example
    -------
    >>> import numpy as np
    >>> flat = PoseSequence(np.zeros((1, 17, 2)), skeleton="coco_17")
    >>> default_method(flat, flat)
    'learned'
    >>> default_method(flat.replace(world=np.zeros((1, 17, 3))),
    ...                flat.replace(world=np.zeros((1, 17, 3))))
    'view3d'
    """

    def has_3d(seq: PoseSequence) -> bool:
        return seq.world is not None or (seq.dims == 3 and seq.space == "world")

    return DEFAULT_METHOD_3D if has_3d(attempt) and has_3d(reference) else DEFAULT_METHOD


def residuals(aligned: np.ndarray, pair: Pair) -> np.ndarray:
    """``(T,)`` confidence-weighted mean distance of the paired joints after alignment,
    divided by the reference's torso length (NaN for frames without joints).

    Example
    -------
    >>> import numpy as np
    >>> ref = PoseSequence(np.random.default_rng(0).normal(size=(2, 17, 2)), skeleton="coco_17")
    >>> residuals(ref.positions, pair_poses(ref, ref)).tolist()
    [0.0, 0.0]
    """
    a = aligned[:, pair.att_idx]
    r = pair.ref_points()
    w = pair.weights
    dist = np.linalg.norm(np.nan_to_num(a[..., : r.shape[-1]] - r), axis=-1)
    w = np.where(np.isfinite(a).all(-1), w, 0.0)
    wsum = w.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * dist).sum(-1) / wsum
    scale = reference_scale(pair.reference, r, pair.weights)
    return np.where(wsum > 0, mean / scale, np.nan)


def _expand(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.full((mask.shape[0], *values.shape[1:]), np.nan)
    out[mask] = values
    return out


def align(
    attempt: PoseSequence,
    reference: PoseSequence,
    method: str | None = None,
    *,
    per_frame: bool = True,
    min_confidence: float = 0.3,
    min_joints: int | None = None,
    strict: bool = False,
) -> AlignmentResult:
    """Align an attempt onto a reference: remove position, size and camera angle.

    Parameters
    ----------
    attempt, reference
        Poses to align; one-frame sequences are single poses (a one-frame reference is
        used for every attempt frame). Different skeletons are paired by joint name.
    method
        Aligner name (see :func:`posecoach.align.available_aligners`); ``None`` picks
        the benchmark winner (:func:`default_method`): ``view3d`` when both poses have
        3D, else ``learned``.
    per_frame
        One transform per frame (``True``) or one for the whole sequence (``False``,
        right for a fixed camera: it keeps errors a per-frame fit would absorb).
    min_confidence
        Joints below this confidence in either pose are not used for the fit.
    min_joints
        Fewest shared confident joints a frame needs (default: the aligner's minimum).
    strict
        Raise instead of falling back when some frames have too few joints. The
        fallback (with an :class:`AlignmentWarning`) aligns those frames with
        ``normalize`` when they have two joints, else leaves them NaN.

    Returns
    -------
    AlignmentResult
        ``aligned`` (the attempt's skeleton in the reference's coordinates),
        ``transform`` and ``quality``.

    Raises
    ------
    AlignmentError
        Unknown method, frame counts that differ, or too few joints anywhere.

    Example
    -------
    >>> import numpy as np
    >>> ref = PoseSequence(np.random.default_rng(1).normal(size=(3, 17, 2)), skeleton="coco_17")
    >>> att = ref.replace(positions=ref.positions * 2 + 5)
    >>> res = align(att, ref, "similarity")
    >>> round(res.quality.mean_residual, 9), res.transform.params["scale"].round(3).tolist()
    (0.0, [0.5, 0.5, 0.5])
    """
    name = method or default_method(attempt, reference)
    aligner = get_aligner(name)
    pair = pair_poses(attempt, reference, min_confidence=min_confidence)
    dims = tuple(getattr(aligner, "dims", (2, 3)))
    if pair.attempt.dims not in dims or pair.reference.dims not in dims:
        raise AlignmentError(
            f"{name} aligns {' or '.join(f'{d}D' for d in dims)} poses, got D="
            f"{pair.attempt.dims} and D={pair.reference.dims}; use 'view3d' or 'similarity' "
            "for 3D"
        )
    # Aligners that need more than the 2D joints (view3d: 3D on both sides) narrow the
    # joints they can fit; frames left with too few fall back like any other.
    usable = getattr(aligner, "usable_weights", None)
    fit_pair = pair if usable is None else dataclasses.replace(pair, weights=usable(pair))
    need = max(int(min_joints or 0), aligner.min_joints)
    counts = (fit_pair.weights > 0).sum(-1)
    all_counts = (pair.weights > 0).sum(-1)
    ok = counts >= need
    too_few = (
        f"{name} needs at least {need} joints shared by both poses with confidence >= "
        f"{min_confidence}"
    )
    if not ok.any():
        raise AlignmentError(
            f"cannot align: {too_few}, got at most {int(counts.max())} "
            f"(shared joints: {list(pair.names)})"
        )
    fallback: tuple[int, ...] = ()
    if per_frame:
        bad = np.flatnonzero(~ok)
        if bad.size:
            if strict:
                raise AlignmentError(
                    f"cannot align frames {bad[:10].tolist()}{'...' if bad.size > 10 else ''}: "
                    f"{too_few}"
                )
            fallback = tuple(int(i) for i in bad)
        fit_idx = np.flatnonzero(ok)
        sub = fit_pair if not fallback else fit_pair.frames(fit_idx)
        out_sub, tf_sub, rw_sub = aligner.fit_apply(sub, True)
        out = np.full((pair.n_frames, *out_sub.shape[1:]), np.nan)
        out[fit_idx] = out_sub
        robust = np.zeros_like(pair.weights)
        robust[fit_idx] = rw_sub
        transform = tf_sub
        if fallback:
            transform = Transform(
                tf_sub.method,
                True,
                None if tf_sub.matrix is None else _expand(tf_sub.matrix, ok),
                {k: _expand(np.asarray(v), ok) for k, v in tf_sub.params.items()},
            )
            usable_b = bad[all_counts[bad] >= 2]
            if usable_b.size:
                norm = get_aligner("normalize")
                sub_b = pair.frames(usable_b)
                out_b, _, _ = norm.fit_apply(sub_b, True)
                out[usable_b] = out_b[..., : out.shape[-1]]
            warnings.warn(
                f"{len(fallback)} of {pair.n_frames} frames have too few joints ({too_few}); "
                f"{usable_b.size} aligned with 'normalize' instead, {bad.size - usable_b.size} "
                "left empty",
                AlignmentWarning,
                stacklevel=2,
            )
    else:
        out, transform, robust = aligner.fit_apply(fit_pair, False)
    res = residuals(out, pair)
    inl = np.where(counts > 0, (robust > 0.5).sum(-1) / np.maximum(counts, 1), np.nan)
    ref = pair.reference
    aligned = pair.attempt.replace(
        positions=out,
        space=ref.space,
        image_size=ref.image_size,
        world=None,
    ).with_provenance(
        "align",
        method=name,
        per_frame=per_frame,
        min_confidence=min_confidence,
        reference=str(ref.metadata.get("source", "")),
    )
    quality = AlignmentQuality(res, counts, inl, fallback)
    return AlignmentResult(aligned, transform, quality)
