"""Pinhole (and orthographic) camera model for projecting 3D poses into images.

A :class:`Camera` holds intrinsics (focal length in pixels, principal point) and
extrinsics (rotation ``R`` world → camera and translation ``t``). Camera coordinates
follow the computer-vision convention: x right, y down, z forward (depth). A point ``X``
in world coordinates maps to ``X_cam = R @ X + t`` and then to pixels
``u = fx * x / z + cx``, ``v = fy * y / z + cy`` (perspective) or
``u = fx * x / distance + cx`` (orthographic: the same image size at the target, no
foreshortening).

Cameras are usually placed around the subject with :meth:`Camera.look_at` (azimuth about
the world's up axis, elevation above the horizon, roll about the optical axis, distance
to the target) or drawn at random with :func:`random_camera`, the augmentation Pr-VIPE
uses (azimuth ±180°, elevation ±30°, roll ±30°).

The world's up axis defaults to ``(0, -1, 0)`` (y down, as MediaPipe world landmarks and
image coordinates): then azimuth 0, elevation 0, roll 0 is the identity rotation, so the
image x/y axes are the world's x/y axes. Motion capture with y up (BVH) passes
``up=(0, 1, 0)``.

Example
-------
>>> import numpy as np
>>> cam = Camera.look_at(distance=4.0, focal=1000.0)
>>> cam.project(np.array([[0.0, 0.0, 0.0], [0.5, 0.0, 0.0]])).round(1).tolist()
[[0.0, 0.0], [125.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecoach.errors import InputError

__all__ = [
    "Camera",
    "random_camera",
    "look_at_rotation",
    "rotation_matrix",
    "project_points",
]

Range = float | tuple[float, float]


def _vec3(value: Sequence[float] | np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.shape != (3,) or not np.isfinite(arr).all():
        raise InputError(f"expected {name} as 3 finite numbers, got {value!r}")
    return arr


def rotation_matrix(axis: Sequence[float] | np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotation by ``angle_deg`` degrees about ``axis`` (right-hand rule), ``(3, 3)``.

    Example
    -------
    >>> rotation_matrix([0, 0, 1], 90) @ [1.0, 0.0, 0.0]
    array([0., 1., 0.])
    """
    a = _vec3(axis, "axis")
    norm = np.linalg.norm(a)
    if norm == 0:
        raise InputError("expected a non-zero rotation axis, got (0, 0, 0)")
    x, y, z = a / norm
    th = np.radians(angle_deg)
    c, s = np.cos(th), np.sin(th)
    k = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    r = np.eye(3) + s * k + (1 - c) * (k @ k)
    return np.round(r, 15) + 0.0


def look_at_rotation(
    azimuth_deg: float = 0.0,
    elevation_deg: float = 0.0,
    roll_deg: float = 0.0,
    *,
    up: Sequence[float] | np.ndarray = (0.0, -1.0, 0.0),
) -> np.ndarray:
    """World → camera rotation of a camera orbiting the subject.

    At azimuth 0 the camera looks along the world direction perpendicular to ``up`` that
    is closest to +z; azimuth turns it about ``up``; positive elevation puts it above
    the subject looking down; roll turns the image about the optical axis.

    Returns
    -------
    numpy.ndarray
        ``(3, 3)`` matrix whose rows are the camera's right, down and forward axes in
        world coordinates.

    Example
    -------
    >>> (look_at_rotation().round(6) + 0.0).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    """
    u = _vec3(up, "up")
    u = u / np.linalg.norm(u)
    down = -u
    ref = np.array([0.0, 0.0, 1.0])
    if abs(ref @ u) > 0.9:
        ref = np.array([0.0, 1.0, 0.0]) if u[2] > 0 else np.array([0.0, -1.0, 0.0])
    fwd0 = ref - (ref @ u) * u
    fwd0 /= np.linalg.norm(fwd0)
    # Azimuth: turn the horizontal forward direction about the up axis.
    fwd_az = rotation_matrix(u, azimuth_deg) @ fwd0
    e = np.radians(elevation_deg)
    fwd = np.cos(e) * fwd_az + np.sin(e) * down
    cam_down = np.cos(e) * down - np.sin(e) * fwd_az
    right = np.cross(cam_down, fwd)
    # Roll about the optical axis.
    r = np.radians(roll_deg)
    right_r = np.cos(r) * right + np.sin(r) * cam_down
    down_r = -np.sin(r) * right + np.cos(r) * cam_down
    return np.stack([right_r, down_r, fwd]) + 0.0


def project_points(
    points: np.ndarray,
    rotation: np.ndarray,
    translation: np.ndarray,
    focal: np.ndarray,
    principal_point: np.ndarray,
    *,
    orthographic: bool = False,
    ortho_depth: np.ndarray | float | None = None,
) -> np.ndarray:
    """Project world points through (possibly batched) cameras, with broadcasting.

    Parameters
    ----------
    points
        ``(..., N, 3)`` world points.
    rotation, translation
        ``(..., 3, 3)`` and ``(..., 3)`` world → camera extrinsics.
    focal, principal_point
        ``(..., 2)`` fx, fy and cx, cy in pixels.
    orthographic
        Drop perspective: divide by ``ortho_depth`` (the distance to the target) instead
        of each point's own depth.
    ortho_depth
        ``(...)`` depth used for orthographic projection.

    Returns
    -------
    numpy.ndarray
        ``(..., N, 2)`` pixel coordinates; points at or behind the camera plane are NaN.

    Example
    -------
    >>> import numpy as np
    >>> project_points(np.array([[1.0, 2.0, 4.0]]), np.eye(3), np.zeros(3),
    ...                np.array([100.0, 100.0]), np.array([10.0, 20.0])).tolist()
    [[35.0, 70.0]]
    """
    p = np.asarray(points, dtype=np.float64)
    rot = np.asarray(rotation, dtype=np.float64)
    cam = np.einsum("...ij,...nj->...ni", rot, p) + np.asarray(translation)[..., None, :]
    if orthographic:
        if ortho_depth is None:
            raise InputError("expected ortho_depth for an orthographic projection, got None")
        depth = np.asarray(ortho_depth, dtype=np.float64)[..., None, None]
        xy = cam[..., :2] / depth
    else:
        z = cam[..., 2:3]
        with np.errstate(divide="ignore", invalid="ignore"):
            xy = np.where(z > 1e-9, cam[..., :2] / z, np.nan)
    return xy * np.asarray(focal)[..., None, :] + np.asarray(principal_point)[..., None, :]


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: intrinsics plus world → camera extrinsics.

    Parameters
    ----------
    rotation
        ``(3, 3)`` world → camera rotation (rows: camera right, down, forward axes).
    translation
        ``(3,)`` so that ``X_cam = rotation @ X + translation``.
    focal
        Focal length in pixels, one number or ``(fx, fy)``.
    principal_point
        ``(cx, cy)`` in pixels.
    orthographic
        Project without perspective (weak perspective at the target's depth).
    image_size
        Optional ``(width, height)`` of the image in pixels.

    Example
    -------
    >>> cam = Camera(np.eye(3), [0, 0, 5.0], focal=500, principal_point=(320, 240))
    >>> cam.project([0.0, 1.0, 0.0]).tolist()
    [320.0, 340.0]
    """

    rotation: np.ndarray
    translation: np.ndarray
    focal: float | tuple[float, float] | np.ndarray = 1000.0
    principal_point: tuple[float, float] | np.ndarray = (0.0, 0.0)
    orthographic: bool = False
    image_size: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        rot = np.asarray(self.rotation, dtype=np.float64)
        if rot.shape != (3, 3) or not np.isfinite(rot).all():
            raise InputError(f"expected a finite (3, 3) rotation, got shape {rot.shape}")
        if not np.allclose(rot @ rot.T, np.eye(3), atol=1e-6) or np.linalg.det(rot) < 0:
            raise InputError("expected a proper rotation matrix (orthonormal, det +1)")
        t = _vec3(self.translation, "translation")
        f = np.broadcast_to(np.asarray(self.focal, dtype=np.float64), (2,)).copy()
        if not (np.isfinite(f).all() and (f > 0).all()):
            raise InputError(f"expected focal length > 0, got {self.focal!r}")
        c = np.asarray(self.principal_point, dtype=np.float64).reshape(-1)
        if c.shape != (2,) or not np.isfinite(c).all():
            raise InputError(f"expected principal_point (cx, cy), got {self.principal_point!r}")
        for arr in (rot, t, f, c):
            arr.setflags(write=False)
        object.__setattr__(self, "rotation", rot)
        object.__setattr__(self, "translation", t)
        object.__setattr__(self, "focal", f)
        object.__setattr__(self, "principal_point", c)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def look_at(
        cls,
        target: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0),
        *,
        azimuth_deg: float = 0.0,
        elevation_deg: float = 0.0,
        roll_deg: float = 0.0,
        distance: float = 4.0,
        focal: float | tuple[float, float] = 1000.0,
        principal_point: tuple[float, float] = (0.0, 0.0),
        orthographic: bool = False,
        up: Sequence[float] = (0.0, -1.0, 0.0),
        image_size: tuple[int, int] | None = None,
    ) -> Camera:
        """A camera ``distance`` away from ``target``, looking at it.

        Example
        -------
        >>> cam = Camera.look_at(azimuth_deg=90, distance=2.0)
        >>> cam.center.round(6).tolist()
        [2.0, 0.0, 0.0]
        """
        if not np.isfinite(distance) or distance <= 0:
            raise InputError(f"expected distance > 0, got {distance}")
        rot = look_at_rotation(azimuth_deg, elevation_deg, roll_deg, up=up)
        center = _vec3(target, "target") - distance * rot[2]
        return cls(
            rot,
            -rot @ center,
            focal=focal,
            principal_point=principal_point,
            orthographic=orthographic,
            image_size=image_size,
        )

    # ------------------------------------------------------------------ properties
    @property
    def center(self) -> np.ndarray:
        """Camera centre in world coordinates ``(3,)``."""
        return -self.rotation.T @ self.translation

    @property
    def distance(self) -> float:
        """Depth of the world origin's image point along the optical axis (for ortho)."""
        return float(self.translation[2])

    @property
    def intrinsics(self) -> np.ndarray:
        """``(3, 3)`` intrinsic matrix K.

        Example
        -------
        >>> Camera(np.eye(3), [0, 0, 1.0], focal=2.0).intrinsics.tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
        """
        fx, fy = np.asarray(self.focal)
        cx, cy = self.principal_point
        return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])

    # ------------------------------------------------------------------ mapping
    def to_camera(self, points3d: np.ndarray | Sequence[float]) -> np.ndarray:
        """World points ``(..., 3)`` in camera coordinates ``(..., 3)`` (z = depth).

        Example
        -------
        >>> Camera(np.eye(3), [0, 0, 3.0]).to_camera([1.0, 0.0, 0.0]).tolist()
        [1.0, 0.0, 3.0]
        """
        p = np.asarray(points3d, dtype=np.float64)
        if p.shape[-1:] != (3,):
            raise InputError(f"expected points of shape (..., 3), got {p.shape}")
        return p @ self.rotation.T + self.translation

    def project(self, points3d: np.ndarray | Sequence[float]) -> np.ndarray:
        """Project world points ``(..., 3)`` to pixels ``(..., 2)``.

        Points at or behind the camera give NaN (perspective only); NaN input stays NaN.

        Example
        -------
        >>> cam = Camera.look_at(distance=2.0, focal=100.0, orthographic=True)
        >>> cam.project([[0.2, 0.0, 0.5], [0.2, 0.0, -0.5]]).round(6).tolist()
        [[10.0, 0.0], [10.0, 0.0]]
        """
        cam = self.to_camera(points3d)
        if self.orthographic:
            xy = cam[..., :2] / self.distance
        else:
            z = cam[..., 2:3]
            with np.errstate(divide="ignore", invalid="ignore"):
                xy = np.where(z > 1e-9, cam[..., :2] / z, np.nan)
        return xy * self.focal + self.principal_point


def _draw(rng: np.random.Generator, value: Range, name: str) -> float:
    if isinstance(value, int | float):
        return float(value)
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"expected {name} as a number or (low, high), got {value!r}") from None
    if hi < lo:
        raise InputError(f"expected {name} low <= high, got ({lo}, {hi})")
    return float(rng.uniform(lo, hi))


def random_camera(
    rng: np.random.Generator,
    azimuth_deg: Range = (-180.0, 180.0),
    elevation_deg: Range = (-30.0, 30.0),
    roll_deg: Range = (-30.0, 30.0),
    distance: Range = (3.0, 6.0),
    focal: Range = (800.0, 1600.0),
    *,
    target: Sequence[float] | np.ndarray = (0.0, 0.0, 0.0),
    principal_point: tuple[float, float] = (0.0, 0.0),
    orthographic: bool = False,
    up: Sequence[float] = (0.0, -1.0, 0.0),
) -> Camera:
    """A camera looking at ``target`` with parameters drawn uniformly from the ranges.

    Each range is ``(low, high)`` or a fixed number. Defaults follow Pr-VIPE (azimuth
    ±180°, elevation ±30°, roll ±30°); distance is in the units of the 3D points (metres
    for MediaPipe world landmarks), focal length in pixels.

    Example
    -------
    >>> import numpy as np
    >>> cam = random_camera(np.random.default_rng(0), distance=5.0)
    >>> round(float(np.linalg.norm(cam.center)), 6)
    5.0
    """
    return Camera.look_at(
        target,
        azimuth_deg=_draw(rng, azimuth_deg, "azimuth_deg"),
        elevation_deg=_draw(rng, elevation_deg, "elevation_deg"),
        roll_deg=_draw(rng, roll_deg, "roll_deg"),
        distance=_draw(rng, distance, "distance"),
        focal=_draw(rng, focal, "focal"),
        principal_point=principal_point,
        orthographic=orthographic,
        up=up,
    )
