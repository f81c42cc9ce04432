"""Shared types of the aligners: joint pairing, results, transforms and the registry.

An aligner maps an *attempt* pose into the coordinate frame of a *reference* pose. The
two are first paired joint by joint through canonical names (so a COCO attempt aligns
to a BlazePose reference on the joints they share); only confident joints enter the
fit. Each aligner registers under a name; :func:`get_aligner` finds it and lists the
valid names when it cannot.

Example
-------
>>> "similarity" in available_aligners()
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from posecoach.errors import InputError
from posecoach.geometry import hip_center, torso_length
from posecoach.pose import PoseSequence
from posecoach.registry import Registry
from posecoach.skeletons import JOINT_ALIASES

__all__ = [
    "AlignmentError",
    "AlignmentWarning",
    "Pair",
    "Transform",
    "AlignmentQuality",
    "AlignmentResult",
    "Aligner",
    "register_aligner",
    "get_aligner",
    "available_aligners",
    "aligner_dims",
    "pair_poses",
]


class AlignmentError(InputError):
    """Two poses cannot be aligned (too few shared confident joints, shapes differ)."""


class AlignmentWarning(UserWarning):
    """A documented fallback happened (e.g. frames with too few joints used ``normalize``)."""


@dataclass(frozen=True)
class Pair:
    """Attempt and reference broadcast to the same frames, with their shared joints.

    ``att_idx[i]`` in the attempt's skeleton and ``ref_idx[i]`` in the reference's name
    the same joint ``names[i]``; ``weights`` ``(T, N)`` is the smaller confidence of the
    two, zeroed below the confidence threshold or where a position is missing.
    """

    attempt: PoseSequence
    reference: PoseSequence
    att_idx: np.ndarray
    ref_idx: np.ndarray
    names: tuple[str, ...]
    weights: np.ndarray

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.weights.shape[0])

    def att_points(self) -> np.ndarray:
        """``(T, N, D)`` attempt positions of the shared joints."""
        return self.attempt.positions[:, self.att_idx]

    def ref_points(self) -> np.ndarray:
        """``(T, N, D)`` reference positions of the shared joints."""
        return self.reference.positions[:, self.ref_idx]

    def frames(self, idx: np.ndarray) -> Pair:
        """The pair restricted to some frames."""
        return Pair(
            self.attempt.frames(idx),
            self.reference.frames(idx),
            self.att_idx,
            self.ref_idx,
            self.names,
            self.weights[idx],
        )


def _broadcast(seq: PoseSequence, t: int) -> PoseSequence:
    if seq.n_frames == t:
        return seq
    idx = np.zeros(t, dtype=int)
    return seq.replace(
        positions=seq.positions[idx],
        confidence=seq.confidence[idx],
        timestamps=np.arange(t) / seq.fps + seq.timestamps[0],
        world=None if seq.world is None else seq.world[idx],
    )


def _image_plane(seq: PoseSequence) -> PoseSequence:
    """Image-space poses align in the image plane: a third coordinate in ``pixel`` or
    ``normalized`` space (MediaPipe's relative landmark depth) is dropped; metric 3D
    stays in ``world``."""
    if seq.dims == 3 and seq.space in ("pixel", "normalized"):
        return seq.replace(positions=seq.positions[..., :2])
    return seq


def pair_poses(
    attempt: PoseSequence, reference: PoseSequence, *, min_confidence: float = 0.3
) -> Pair:
    """Pair two sequences joint by joint through canonical names (aliases included).

    A one-frame sequence is repeated to the other's length; otherwise both must have the
    same number of frames (align them in time first, e.g. with DTW). Image-space poses
    with a third coordinate (MediaPipe's relative depth) are paired in the image plane.

    Example
    -------
    >>> import numpy as np
    >>> a = PoseSequence(np.zeros((1, 17, 2)), skeleton="coco_17")
    >>> b = PoseSequence(np.zeros((3, 33, 2)), skeleton="blazepose_33")
    >>> p = pair_poses(a, b)
    >>> p.n_frames, len(p.names)
    (3, 17)
    """
    if not isinstance(attempt, PoseSequence) or not isinstance(reference, PoseSequence):
        raise AlignmentError(
            f"expected two PoseSequence objects, got {type(attempt).__name__} and "
            f"{type(reference).__name__}"
        )
    ta, tr = attempt.n_frames, reference.n_frames
    if ta != tr and 1 not in (ta, tr):
        raise AlignmentError(
            f"expected the same number of frames (or a single reference pose), got attempt "
            f"{ta} and reference {tr}; align them in time first (posecoach.compare.temporal)"
        )
    t = max(ta, tr)
    att, ref = _broadcast(_image_plane(attempt), t), _broadcast(_image_plane(reference), t)
    att_idx, ref_idx, names = [], [], []
    rsk = ref.skeleton
    for i, name in enumerate(att.skeleton.names):
        for cand in (name, *JOINT_ALIASES.get(name, ())):
            if rsk.has(cand):
                j = rsk.index(cand)
                if j not in ref_idx:
                    att_idx.append(i)
                    ref_idx.append(j)
                    names.append(name)
                break
    if not names:
        raise AlignmentError(
            f"skeletons {att.skeleton.name!r} and {rsk.name!r} share no joint by name"
        )
    ai, ri = np.array(att_idx), np.array(ref_idx)
    w = np.minimum(att.confidence[:, ai], ref.confidence[:, ri])
    ok = att.visible[:, ai] & ref.visible[:, ri] & (w >= min_confidence)
    return Pair(att, ref, ai, ri, tuple(names), np.where(ok, np.maximum(w, 1e-6), 0.0))


@dataclass(frozen=True)
class Transform:
    """What an aligner applied.

    ``matrix`` holds ``(F, D+1, D+1)`` homogeneous maps attempt → reference (``F`` = T
    per frame or 1 per sequence) for the closed-form 2D/3D maps, ``None`` otherwise;
    ``params`` holds interpretable parameters (scale, rotation in degrees, translation,
    camera angles, …) as arrays with one row per fitted frame.
    """

    method: str
    per_frame: bool
    matrix: np.ndarray | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (lists instead of arrays)."""
        out: dict[str, Any] = {"method": self.method, "per_frame": self.per_frame}
        if self.matrix is not None:
            out["matrix"] = np.asarray(self.matrix).tolist()
        out["params"] = {k: np.asarray(v).tolist() for k, v in self.params.items()}
        return out


@dataclass(frozen=True)
class AlignmentQuality:
    """Fit quality: per-frame residual (mean distance of the fitted joints over the
    reference's torso length), joints used and inlier fraction of the robust fit."""

    residual: np.ndarray
    n_joints: np.ndarray
    inliers: np.ndarray
    fallback_frames: tuple[int, ...] = ()

    @property
    def mean_residual(self) -> float:
        """Mean of the finite per-frame residuals (NaN if none)."""
        r = self.residual[np.isfinite(self.residual)]
        return float(r.mean()) if r.size else float("nan")


@dataclass(frozen=True)
class AlignmentResult:
    """The aligned attempt (attempt's skeleton, reference's coordinates), the transform
    and the fit quality."""

    aligned: PoseSequence
    transform: Transform
    quality: AlignmentQuality

    @property
    def method(self) -> str:
        """Name of the aligner used."""
        return self.transform.method


class Aligner(Protocol):
    """An aligner: ``fit_apply(pair, per_frame)`` → ``(aligned (T, K, D), transform,
    robust weights (T, N))`` with ``aligned`` covering every attempt joint."""

    name: str
    min_joints: int
    description: str

    def fit_apply(
        self, pair: Pair, per_frame: bool
    ) -> tuple[np.ndarray, Transform, np.ndarray]: ...


_REGISTRY: Registry[Callable[[], Any]] = Registry("aligner", AlignmentError)


def register_aligner(name: str, factory: Callable[[], Any]) -> None:
    """Register an aligner factory under ``name`` (replacing any previous one)."""
    _REGISTRY.register(name, factory)


def available_aligners() -> list[str]:
    """Names of the registered aligners, sorted."""
    _load_builtin()
    return _REGISTRY.names()


def get_aligner(name: str) -> Aligner:
    """The aligner registered as ``name``.

    Raises
    ------
    AlignmentError
        For an unknown name; the message lists the valid names.

    Example
    -------
    >>> get_aligner("similarity").min_joints
    3
    >>> get_aligner("simlarity")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.align.base.AlignmentError: unknown aligner 'simlarity'; ... 'similarity'?)
    """
    _load_builtin()
    return _REGISTRY.get(name)()


def aligner_dims(name: str) -> tuple[int, ...]:
    """Pose dimensions the aligner ``name`` works in (its ``dims``; default 2D and 3D).

    Example
    -------
    >>> aligner_dims("similarity"), aligner_dims("perspective")
    ((2, 3), (2,))
    """
    return tuple(getattr(get_aligner(name), "dims", (2, 3)))


def _load_builtin() -> None:
    import importlib

    for mod in _BUILTIN:
        importlib.import_module(f"posecoach.align.{mod}")


_BUILTIN: tuple[str, ...] = ("closed_form", "view3d", "learned")


def reference_scale(ref: PoseSequence, ref_points: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``(T,)`` torso length of the reference per frame, or the RMS spread of the paired
    joints where the torso is missing: the unit of residuals.

    Example
    -------
    >>> import numpy as np
    >>> p = np.zeros((1, 17, 2)); p[0, 11:13, 1] = 4.0
    >>> ref = PoseSequence(p, skeleton="coco_17")
    >>> reference_scale(ref, p, np.ones((1, 17))).tolist()
    [4.0]
    """
    pos = np.where(ref.confidence[..., None] > 0, ref.positions, np.nan)
    torso = torso_length(pos, ref.skeleton)
    wn = weights / np.maximum(weights.sum(-1, keepdims=True), 1e-12)
    pts = np.nan_to_num(ref_points)
    mu = np.einsum("tn,tnd->td", wn, pts)
    rms = np.sqrt(np.einsum("tn,tnd->t", wn, (pts - mu[:, None]) ** 2))
    return np.where(np.isfinite(torso) & (torso > 0), torso, np.where(rms > 0, rms, np.nan))


def hips_and_torso(seq: PoseSequence) -> tuple[np.ndarray, np.ndarray]:
    """``(T, D)`` hip centre and ``(T,)`` torso length from confident joints (NaN if not)."""
    pos = np.where(seq.confidence[..., None] > 0, seq.positions, np.nan)
    return hip_center(pos, seq.skeleton), torso_length(pos, seq.skeleton)


def ensure(condition: bool, message: str) -> None:
    """Raise :class:`AlignmentError` with ``message`` unless ``condition``."""
    if not condition:
        raise AlignmentError(message)
