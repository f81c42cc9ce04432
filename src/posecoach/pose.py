"""The core data type: :class:`PoseSequence`.

Every reader funnels into the one validated constructor; every stage returns a new
sequence (see ``replace`` and ``with_provenance``) and never mutates its input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from posecoach.errors import PoseCoachError
from posecoach.skeletons import Skeleton, get

__all__ = ["PoseSequence", "PoseValidationError", "Space", "SPACES"]

Space = Literal["pixel", "normalized", "world"]
SPACES: tuple[str, ...] = ("pixel", "normalized", "world")


class PoseValidationError(PoseCoachError, ValueError):
    """Raised when the arrays or attributes of a pose sequence are inconsistent."""


def _as_float_array(value: Any, name: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise PoseValidationError(
            f"expected {name} as numbers, got {type(value).__name__}"
        ) from exc
    return arr


def _check_json(value: Any, where: str) -> None:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise PoseValidationError(f"expected JSON-serialisable {where}, got {exc}") from exc


@dataclass(frozen=True, eq=False, init=False)
class PoseSequence:
    """A pose over time for one person.

    Parameters
    ----------
    positions
        ``(T, K, D)`` joint coordinates, ``D`` 2 or 3; a ``(K, D)`` array is one frame.
        Missing joints are NaN.
    confidence
        ``(T, K)`` per-joint confidence in [0, 1]; default 1 where the position is
        finite. NaN positions always get confidence 0.
    skeleton
        A :class:`~posecoach.skeletons.Skeleton` or its registry name.
    fps
        Nominal frame rate in frames per second (default 30).
    timestamps
        ``(T,)`` per-frame times in seconds, strictly increasing; default ``arange(T) / fps``.
    space
        ``"pixel"``, ``"normalized"`` (image coordinates in [0, 1]) or ``"world"``
        (metres or any metric unit, y up or down as the source says).
    image_size
        ``(width, height)`` in pixels of the image the pose was measured in, if known.
    world
        Optional ``(T, K, 3)`` metric 3D positions of the same joints (MediaPipe world
        landmarks, motion capture), alongside 2D ``positions``.
    metadata
        JSON-serialisable mapping: ``source``, ``person_id``, ``provenance`` (a list of
        operations applied), anything else.

    Example
    -------
    >>> import numpy as np
    >>> seq = PoseSequence(np.zeros((4, 17, 2)), skeleton="coco_17", fps=25)
    >>> seq.n_frames, seq.n_joints, seq.dims, float(seq.timestamps[-1])
    (4, 17, 2, 0.12)
    """

    # Fields hold the validated, final types; __init__ accepts the looser inputs.
    positions: np.ndarray
    confidence: np.ndarray
    skeleton: Skeleton
    fps: float
    timestamps: np.ndarray
    space: Space
    image_size: tuple[int, int] | None
    world: np.ndarray | None
    metadata: dict[str, Any]

    def __init__(
        self,
        positions: Any,
        confidence: Any = None,
        skeleton: Skeleton | str = "coco_17",
        fps: float = 30.0,
        timestamps: Any = None,
        space: Space | str = "pixel",
        image_size: tuple[int, int] | Sequence[int] | None = None,
        world: Any = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        # The one validated constructor every reader funnels into.
        self._validate(
            positions,
            confidence,
            skeleton,
            fps,
            timestamps,
            space,
            image_size,
            world,
            metadata or {},
        )

    def _validate(
        self,
        positions: Any,
        confidence: Any,
        skeleton: Skeleton | str,
        fps_in: float,
        timestamps: Any,
        space: str,
        image_size: Any,
        world_in: Any,
        metadata: Mapping[str, Any],
    ) -> None:
        set_ = object.__setattr__
        pos = _as_float_array(positions, "positions")
        if pos.ndim == 2:
            pos = pos[None]
        if pos.ndim != 3 or pos.shape[2] not in (2, 3):
            raise PoseValidationError(
                f"expected positions of shape (T, K, D) with D 2 or 3, got {pos.shape}"
            )
        t, k, _ = pos.shape
        if t == 0:
            raise PoseValidationError("expected at least one frame, got 0 frames")
        sk = get(skeleton)
        if k != sk.n_joints:
            raise PoseValidationError(
                f"expected {sk.n_joints} joints for skeleton {sk.name!r}, got {k}"
            )
        if np.isinf(pos).any():
            n_inf = int(np.isinf(pos).sum())
            raise PoseValidationError(f"expected finite coordinates or NaN, got {n_inf} infinite")
        missing = np.isnan(pos).any(axis=2)
        pos[missing] = np.nan

        if confidence is None:
            conf = np.ones((t, k))
        else:
            conf = _as_float_array(confidence, "confidence")
            if conf.ndim == 1 and t == 1:
                conf = conf[None]
            if conf.shape != (t, k):
                raise PoseValidationError(
                    f"expected confidence of shape {(t, k)}, got {conf.shape}"
                )
            bad = ~np.isfinite(conf) & ~missing
            if bad.any():
                raise PoseValidationError(
                    f"expected finite confidence, got {int(bad.sum())} NaN/inf values"
                )
            if ((conf[~missing] < 0) | (conf[~missing] > 1)).any():
                lo, hi = np.nanmin(conf), np.nanmax(conf)
                raise PoseValidationError(f"expected confidence in [0, 1], got [{lo}, {hi}]")
        conf[missing] = 0.0

        fps = float(fps_in)
        if not np.isfinite(fps) or fps <= 0:
            raise PoseValidationError(f"expected fps > 0, got {fps_in}")
        if timestamps is None:
            ts = np.arange(t) / fps
        else:
            ts = _as_float_array(timestamps, "timestamps").reshape(-1)
            if ts.shape != (t,):
                raise PoseValidationError(f"expected {t} timestamps, got {ts.shape[0]}")
            if not np.isfinite(ts).all():
                raise PoseValidationError("expected finite timestamps, got NaN or inf")
            if t > 1 and (np.diff(ts) <= 0).any():
                i = int(np.argmax(np.diff(ts) <= 0))
                raise PoseValidationError(
                    f"expected strictly increasing timestamps, got {ts[i]} then {ts[i + 1]} "
                    f"at frame {i + 1}"
                )
        if space not in SPACES:
            raise PoseValidationError(f"expected space one of {SPACES}, got {space!r}")
        size = image_size
        if size is not None:
            if len(size) != 2 or min(int(size[0]), int(size[1])) <= 0:
                raise PoseValidationError(
                    f"expected image_size (width, height) > 0, got {image_size}"
                )
            size = (int(size[0]), int(size[1]))
        world = world_in
        if world is not None:
            world = _as_float_array(world, "world")
            if world.ndim == 2:
                world = world[None]
            if world.shape != (t, k, 3):
                raise PoseValidationError(f"expected world of shape {(t, k, 3)}, got {world.shape}")
            if np.isinf(world).any():
                raise PoseValidationError("expected finite world coordinates, got inf")
            world[missing] = np.nan
            world.setflags(write=False)
        meta = dict(metadata)
        meta.setdefault("provenance", [])
        meta["provenance"] = list(meta["provenance"])
        _check_json(meta, "metadata")

        for arr in (pos, conf, ts):
            arr.setflags(write=False)
        set_(self, "positions", pos)
        set_(self, "confidence", conf)
        set_(self, "skeleton", sk)
        set_(self, "space", space)
        set_(self, "fps", fps)
        set_(self, "timestamps", ts)
        set_(self, "image_size", size)
        set_(self, "world", world)
        set_(self, "metadata", meta)

    # ----------------------------------------------------------------- shape helpers
    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.positions.shape[0])

    @property
    def n_joints(self) -> int:
        """Number of joints ``K``."""
        return int(self.positions.shape[1])

    @property
    def dims(self) -> int:
        """Coordinate dimension ``D`` (2 or 3)."""
        return int(self.positions.shape[2])

    @property
    def duration(self) -> float:
        """Time span in seconds from the first frame to one frame after the last."""
        return float(self.timestamps[-1] - self.timestamps[0] + 1.0 / self.fps)

    @property
    def visible(self) -> np.ndarray:
        """``(T, K)`` bool: the joint has a finite position."""
        return np.isfinite(self.positions).all(axis=2)

    @property
    def provenance(self) -> list[dict[str, Any]]:
        """Operations applied so far, oldest first."""
        return list(self.metadata.get("provenance", []))

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        return (
            f"PoseSequence(T={self.n_frames}, K={self.n_joints}, D={self.dims}, "
            f"skeleton={self.skeleton.name!r}, fps={self.fps:g}, space={self.space!r})"
        )

    # ----------------------------------------------------------------- derivation
    def replace(self, **changes: Any) -> PoseSequence:
        """A new, validated sequence with some attributes changed.

        When ``positions`` change shape in time and ``timestamps`` is not given, the
        timestamps are kept if the length matches and rebuilt from ``fps`` otherwise.
        """
        fields: dict[str, Any] = {
            "positions": self.positions,
            "confidence": self.confidence,
            "skeleton": self.skeleton,
            "fps": self.fps,
            "timestamps": self.timestamps,
            "space": self.space,
            "image_size": self.image_size,
            "world": self.world,
            "metadata": self.metadata,
        }
        fields.update(changes)
        pos_shape = np.shape(fields["positions"])
        tk = pos_shape[:2] if len(pos_shape) == 3 else (1, pos_shape[0])
        # Attributes tied to the frame/joint count are dropped (rebuilt) when it changes.
        for name, keep in (
            ("timestamps", lambda a: len(a) == tk[0]),
            ("confidence", lambda a: np.shape(a) == tk),
            ("world", lambda a: np.shape(a)[:2] == tk),
        ):
            if name not in changes and fields[name] is not None and not keep(fields[name]):
                fields[name] = None
        return PoseSequence(**fields)

    def with_provenance(self, operation: str, **params: Any) -> PoseSequence:
        """A copy with one more entry in ``metadata["provenance"]``."""
        from posecoach import __version__

        meta = dict(self.metadata)
        entry = {"op": operation, "params": _jsonable(params), "posecoach": __version__}
        meta["provenance"] = [*self.provenance, entry]
        return self.replace(metadata=meta)

    def frames(self, index: slice | Sequence[int] | np.ndarray) -> PoseSequence:
        """A sequence of the selected frames (a slice, indices or a bool mask)."""
        idx = np.arange(self.n_frames)[index]
        idx = np.atleast_1d(idx)
        if idx.size == 0:
            raise PoseValidationError("expected at least one frame, got 0 frames")
        return self.replace(
            positions=self.positions[idx],
            confidence=self.confidence[idx],
            timestamps=self.timestamps[idx],
            world=None if self.world is None else self.world[idx],
        )

    def frame(self, i: int) -> PoseSequence:
        """Frame ``i`` as a one-frame sequence."""
        return self.frames([i])

    def joint(self, name: str) -> np.ndarray:
        """``(T, D)`` positions of one joint by name."""
        return self.positions[:, self.skeleton.index(name)]

    def convert(self, skeleton: str | Skeleton, *, strict: bool = False) -> PoseSequence:
        """Convert to another skeleton by joint name (see :func:`posecoach.skeletons.convert`)."""
        from posecoach.skeletons import convert

        if get(skeleton) == self.skeleton:
            return self
        return convert(self, skeleton, strict=strict).sequence

    def select_joints(self, names: Sequence[str]) -> PoseSequence:
        """Keep only the named joints, as a subset skeleton."""
        idx = self.skeleton.indices(names)
        sub = self.skeleton.subset(names)
        return self.replace(
            positions=self.positions[:, idx],
            confidence=self.confidence[:, idx],
            skeleton=sub,
            world=None if self.world is None else self.world[:, idx],
        )

    def mirrored(self) -> PoseSequence:
        """Left-right mirror image: x negated about the image centre (or 0), sides swapped."""
        perm = self.skeleton.mirror_permutation()
        pos = self.positions[:, perm].copy()
        if self.space == "normalized":
            pos[..., 0] = 1.0 - pos[..., 0]
        elif self.space == "pixel" and self.image_size is not None:
            pos[..., 0] = self.image_size[0] - pos[..., 0]
        else:
            pos[..., 0] = -pos[..., 0]
        world = None
        if self.world is not None:
            world = self.world[:, perm].copy()
            world[..., 0] = -world[..., 0]
        return self.replace(
            positions=pos, confidence=self.confidence[:, perm], world=world
        ).with_provenance("mirror")

    def to_normalized(self) -> PoseSequence:
        """Pixel coordinates divided by the image size (needs ``image_size``)."""
        if self.space == "normalized":
            return self
        if self.space != "pixel" or self.image_size is None:
            raise PoseValidationError(
                f"expected a pixel-space pose with image_size, got space={self.space!r}, "
                f"image_size={self.image_size}"
            )
        scale = np.ones(self.dims)
        scale[:2] = self.image_size
        if self.dims == 3:
            scale[2] = self.image_size[0]
        return self.replace(positions=self.positions / scale, space="normalized")

    def to_pixels(self) -> PoseSequence:
        """Normalised coordinates multiplied by the image size (needs ``image_size``)."""
        if self.space == "pixel":
            return self
        if self.space != "normalized" or self.image_size is None:
            raise PoseValidationError(
                f"expected a normalized pose with image_size, got space={self.space!r}, "
                f"image_size={self.image_size}"
            )
        scale = np.ones(self.dims)
        scale[:2] = self.image_size
        if self.dims == 3:
            scale[2] = self.image_size[0]
        return self.replace(positions=self.positions * scale, space="pixel")

    def equals(self, other: PoseSequence, *, atol: float = 0.0) -> bool:
        """Whether every array and attribute matches (NaN equal to NaN)."""

        def same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
            if a is None or b is None:
                return a is None and b is None
            return a.shape == b.shape and bool(np.allclose(a, b, atol=atol, rtol=0, equal_nan=True))

        return (
            same(self.positions, other.positions)
            and same(self.confidence, other.confidence)
            and same(self.timestamps, other.timestamps)
            and same(self.world, other.world)
            and self.skeleton == other.skeleton
            and self.fps == other.fps
            and self.space == other.space
            and self.image_size == other.image_size
            and json.dumps(self.metadata, sort_keys=True)
            == json.dumps(other.metadata, sort_keys=True)
        )

    @classmethod
    def concatenate(cls, parts: Sequence[PoseSequence]) -> PoseSequence:
        """Join sequences of one skeleton in time (timestamps must keep increasing)."""
        if not parts:
            raise PoseValidationError("expected at least one sequence to concatenate, got 0")
        first = parts[0]
        for p in parts[1:]:
            if p.skeleton != first.skeleton or p.dims != first.dims:
                raise PoseValidationError(
                    f"expected sequences of skeleton {first.skeleton.name!r} D={first.dims}, "
                    f"got {p.skeleton.name!r} D={p.dims}"
                )
        worlds = [p.world for p in parts]
        return first.replace(
            positions=np.concatenate([p.positions for p in parts]),
            confidence=np.concatenate([p.confidence for p in parts]),
            timestamps=np.concatenate([p.timestamps for p in parts]),
            world=None if any(w is None for w in worlds) else np.concatenate(worlds),  # type: ignore[arg-type]
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Skeleton):
        return value.name
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
