"""The pose-estimator protocol and the registry of backends.

A backend turns one RGB image into candidate :class:`Detection` s. It is stateless
itself; :meth:`PoseBackend.open` gives a :class:`PoseSession` that may keep state between
frames (MediaPipe's tracking mode). Backends register by name; an unknown name raises an
error that lists the valid ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from posecoach.errors import PoseCoachError
from posecoach.registry import Registry

__all__ = [
    "Box",
    "BackendError",
    "Detection",
    "PoseBackend",
    "PoseSession",
    "backend_names",
    "backend_status",
    "get_backend",
    "register_backend",
]

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


class BackendError(PoseCoachError):
    """A pose backend is unknown or cannot run here; the message says why."""


@dataclass(frozen=True)
class Detection:
    """One person found in one image.

    ``keypoints`` (K, 3): x, y in pixels of the image given to the session, z in the same
    pixel scale (relative depth, MediaPipe's z scaled like x); ``confidence`` (K,) in
    [0, 1]; ``world`` (K, 3) metric 3D or None; ``score`` the person's overall confidence.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    world: np.ndarray | None = None
    score: float = 1.0

    def box(self, min_confidence: float = 0.5) -> Box:
        """Bounding box of the confident keypoints (all keypoints when none is confident).

        Example
        -------
        >>> d = Detection(np.array([[1.0, 2, 0], [5, 9, 0]]), np.array([0.9, 0.8]))
        >>> d.box()
        (1.0, 2.0, 5.0, 9.0)
        """
        xy = self.keypoints[:, :2]
        ok = (self.confidence >= min_confidence) & np.isfinite(xy).all(axis=1)
        if ok.sum() < 2:
            ok = np.isfinite(xy).all(axis=1)
        lo, hi = xy[ok].min(axis=0), xy[ok].max(axis=0)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    def shifted(self, dx: float, dy: float) -> Detection:
        """The same detection with pixel coordinates moved by (dx, dy) (crop to frame).

        Example
        -------
        >>> d = Detection(np.array([[1.0, 2, 3]]), np.array([1.0]))
        >>> d.shifted(10, 20).keypoints.tolist()
        [[11.0, 22.0, 3.0]]
        """
        kp = self.keypoints.copy()
        kp[:, 0] += dx
        kp[:, 1] += dy
        return Detection(kp, self.confidence, self.world, self.score)


@runtime_checkable
class PoseSession(Protocol):
    """A (possibly stateful) estimator for one stream of images."""

    def process(self, rgb: np.ndarray, time_s: float) -> list[Detection]:
        """Candidate people in one (H, W, 3) uint8 RGB image, best first."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


@runtime_checkable
class PoseBackend(Protocol):
    """A pose estimator: its name, skeleton, whether it can run, and sessions."""

    name: str
    skeleton: str

    def available(self) -> tuple[bool, str]:
        """(usable, why) — why names the model/version, or what is missing."""
        ...

    def open(self, *, static: bool) -> PoseSession:
        """A session; ``static=True`` treats each image independently (photos)."""
        ...

    def find_people(self, rgb: np.ndarray, max_people: int = 4) -> list[Detection]:
        """The people in a full frame (used to choose and re-find the subject)."""
        ...

    def options(self) -> dict[str, object]:
        """Settings that change results (part of the cache key and provenance)."""
        ...


_BACKENDS: Registry[Callable[[], PoseBackend]] = Registry("pose backend")


def register_backend(name: str, factory: Callable[[], PoseBackend]) -> None:
    """Make a backend available under ``name`` (``factory()`` builds it lazily).

    Example
    -------
    >>> "mediapipe" in backend_names()
    True
    """
    _BACKENDS.register(name, factory)


def backend_names() -> list[str]:
    """Registered backend names, sorted.

    Example
    -------
    >>> backend_names()[0]
    'mediapipe'
    """
    return _BACKENDS.names()


def get_backend(name: str | PoseBackend) -> PoseBackend:
    """A backend by name (or pass an instance through).

    Raises
    ------
    InputError
        For an unknown name; the message lists the valid names.

    Example
    -------
    >>> get_backend("mediapipe").skeleton
    'blazepose_33'
    >>> get_backend("nope")
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: unknown pose backend 'nope'; expected one of ['mediapipe']
    """
    if not isinstance(name, str):
        return name
    return _BACKENDS.get(name)()


def backend_status() -> dict[str, tuple[bool, str]]:
    """For each registered backend: (usable, why).

    Example
    -------
    >>> ok, why = backend_status()["mediapipe"]
    >>> isinstance(ok, bool) and isinstance(why, str)
    True
    """
    status = {}
    for name in backend_names():
        try:
            status[name] = get_backend(name).available()
        except Exception as exc:  # a broken plug-in must not break `posecoach info`
            status[name] = (False, f"{type(exc).__name__}: {exc}")
    return status
