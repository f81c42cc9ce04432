"""3D poses from several synchronised, calibrated views.

A single camera cannot see depth: MediaPipe's world landmarks guess it, and on the
Pose2Sim demo those guesses are 10-14 cm off on average (3-4 cm across the image), which
is what limits single-view alignment (``bench/align.py``). With two or more calibrated
cameras the depth is measured instead:

1. every view's 2D landmarks are undistorted into rays of its camera;
2. each joint is triangulated by confidence-weighted linear least squares (DLT) over the
   views that see it with at least ``min_confidence``;
3. a view whose reprojection error for that joint exceeds ``outlier_px`` (default 2.5 % of
   the image diagonal) is dropped and the joint solved again, as long as two views remain
   — one view's left/right swap or wrong person cannot pull the point away;
4. joints seen by fewer than two views, or solved behind a camera, are NaN.

The result is a ``space="world"`` :class:`~posecoach.pose.PoseSequence` in the
calibration's metres. :func:`in_camera` expresses it in one camera's frame, the form the
``view3d`` aligner and the comparison take as ``world``.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.align.cameras import Camera
>>> from posecoach.multiview.calibration import CalibratedCamera
>>> body = np.random.default_rng(0).normal(scale=0.3, size=(2, 17, 3))
>>> cams = [CalibratedCamera(f"c{a}", Camera.look_at(azimuth_deg=a, distance=4.0,
...     focal=1200.0, principal_point=(540, 960), image_size=(1080, 1920)), np.zeros(5))
...     for a in (0, 80, 200)]
>>> views = [PoseSequence(c.project(body), skeleton="coco_17", image_size=(1080, 1920))
...     for c in cams]
>>> tri = triangulate(views, cams)
>>> bool(np.allclose(tri.pose.positions, body)), float(tri.pose.confidence.min())
(True, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecoach.errors import InputError
from posecoach.multiview.calibration import CalibratedCamera
from posecoach.pose import PoseSequence

__all__ = ["Triangulation", "in_camera", "triangulate", "with_camera_world"]


@dataclass(frozen=True)
class Triangulation:
    """Result of :func:`triangulate`.

    ``pose``: 3D poses in metres (world frame of the calibration); its confidence is the
    mean confidence of the views used, 0 where fewer than two views agreed.
    ``reprojection_px``: ``(T, K, V)`` distance in pixels between each view's landmark and
    the triangulated joint projected into that view (NaN where the view had no landmark).
    ``used``: ``(T, K, V)`` which views the joint was solved from.
    """

    pose: PoseSequence
    reprojection_px: np.ndarray
    used: np.ndarray

    def summary(self) -> dict[str, float]:
        """Median reprojection error in pixels of the views used, per camera name."""
        names = self.pose.metadata.get("cameras", [])
        out = {}
        for v, name in enumerate(names):
            err = self.reprojection_px[..., v][self.used[..., v]]
            out[name] = float(np.median(err)) if err.size else float("nan")
        return out


def _same_size(a: tuple[int, int], b: tuple[int, int], tolerance: float = 0.02) -> bool:
    """Sizes equal up to codec padding (1080 decoded vs 1088 calibrated, say)."""
    return all(abs(x - y) <= tolerance * max(x, y) for x, y in zip(a, b, strict=True))


def _check(views: Sequence[PoseSequence], cameras: Sequence[CalibratedCamera]) -> None:
    if len(views) != len(cameras):
        raise InputError(
            f"expected one calibrated camera per view, got {len(views)} views and "
            f"{len(cameras)} cameras"
        )
    if len(views) < 2:
        raise InputError(f"expected at least two views to triangulate, got {len(views)}")
    first = views[0]
    for i, (v, cam) in enumerate(zip(views, cameras, strict=True)):
        if not isinstance(v, PoseSequence):
            raise InputError(f"view {i + 1}: expected a PoseSequence, got {type(v).__name__}")
        if v.skeleton.name != first.skeleton.name:
            raise InputError(
                f"expected every view on one skeleton, got {first.skeleton.name!r} and "
                f"{v.skeleton.name!r} (view {i + 1}); convert them first"
            )
        if v.n_frames != first.n_frames:
            raise InputError(
                f"expected synchronised views with the same number of frames, got "
                f"{first.n_frames} (view 1) and {v.n_frames} (view {i + 1})"
            )
        if v.space == "world":
            raise InputError(f"view {i + 1}: expected 2D image landmarks, got a world pose")
        if v.space == "normalized" and v.image_size is None:
            raise InputError(
                f"view {i + 1}: normalised landmarks without an image size cannot be "
                "turned into pixels"
            )
        size = v.image_size
        if size is not None and cam.image_size is not None and not _same_size(size, cam.image_size):
            raise InputError(
                f"view {i + 1} is {size[0]}x{size[1]} pixels but camera {cam.name!r} was "
                f"calibrated at {cam.image_size[0]}x{cam.image_size[1]}; wrong camera order?"
            )


def _solve(rays: np.ndarray, proj: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted DLT. ``rays`` (M, V, 2), ``proj`` (V, 3, 4), ``w`` (M, V) → (M, 3)."""
    x = rays[..., 0:1] * proj[None, :, 2] - proj[None, :, 0]  # (M, V, 4)
    y = rays[..., 1:2] * proj[None, :, 2] - proj[None, :, 1]
    a = np.concatenate([x, y], axis=1) * np.concatenate([w, w], axis=1)[..., None]
    _, _, vt = np.linalg.svd(a)
    h = vt[:, -1]
    with np.errstate(divide="ignore", invalid="ignore"):
        pts = h[:, :3] / h[:, 3:4]
    return np.where(np.abs(h[:, 3:4]) > 1e-12, pts, np.nan)


def triangulate(
    views: Sequence[PoseSequence],
    cameras: Sequence[CalibratedCamera],
    *,
    min_confidence: float = 0.3,
    outlier_px: float | None = None,
) -> Triangulation:
    """Triangulate synchronised 2D views (one per camera, same order) into 3D.

    Parameters
    ----------
    views
        2D poses of one person, frame ``t`` of every view taken at the same instant.
    cameras
        The calibrated camera of each view (:func:`~posecoach.multiview.load_calibration`).
    min_confidence
        Landmarks below this confidence are not used.
    outlier_px
        Reprojection error above which a view is dropped for a joint (while two views
        remain); default 2.5 % of the largest calibrated image diagonal.
    """
    _check(views, cameras)
    pix = [v.to_pixels() if v.space == "normalized" else v for v in views]
    t, k, nv = pix[0].n_frames, pix[0].n_joints, len(pix)
    rays = np.stack(
        [c.normalized_rays(v.positions[..., :2]) for v, c in zip(pix, cameras, strict=True)], 2
    )
    conf = np.stack([v.confidence for v in pix], axis=2)  # (T, K, V)
    usable = np.isfinite(rays).all(-1) & (conf >= min_confidence)
    proj = np.stack([c.projection_matrix() for c in cameras])
    if outlier_px is None:
        diags = [np.hypot(*c.image_size) for c in cameras if c.image_size is not None]
        outlier_px = 0.025 * (max(diags) if diags else 2000.0)
    flat_rays = np.nan_to_num(rays.reshape(t * k, nv, 2))
    flat_w = np.where(usable, conf, 0.0).reshape(t * k, nv)
    used = usable.reshape(t * k, nv).copy()
    points = np.full((t * k, 3), np.nan)
    observed = np.stack([v.positions[..., :2] for v in pix], 2).reshape(t * k, nv, 2)
    err = np.full((t * k, nv), np.nan)
    todo = np.flatnonzero(used.sum(1) >= 2)
    for _ in range(nv - 1):  # drop at most the worst view per pass
        if not todo.size:
            break
        points[todo] = _solve(flat_rays[todo], proj, np.where(used[todo], flat_w[todo], 0.0))
        reproj = np.stack([c.project(points[todo]) for c in cameras], axis=1)  # (M, V, 2)
        err[todo] = np.linalg.norm(reproj - observed[todo], axis=-1)
        e = np.where(used[todo], np.nan_to_num(err[todo], nan=np.inf), -np.inf)
        worst = np.argmax(e, axis=1)
        drop = (e[np.arange(todo.size), worst] > outlier_px) & (used[todo].sum(1) > 2)
        used[todo[drop], worst[drop]] = False
        todo = todo[drop]
    n_used = used.sum(1)
    in_front = np.ones(t * k, bool)
    for v, c in enumerate(cameras):
        depth = c.camera.to_camera(points)[:, 2]
        in_front &= ~used[:, v] | (depth > 0)
    good = (n_used >= 2) & np.isfinite(points).all(1) & in_front
    points[~good] = np.nan
    used[~good] = False
    mean_conf = np.where(used, flat_w, 0.0).sum(1) / np.maximum(used.sum(1), 1)
    first = pix[0]
    pose = PoseSequence(
        points.reshape(t, k, 3),
        confidence=np.where(good, np.clip(mean_conf, 0.0, 1.0), 0.0).reshape(t, k),
        skeleton=first.skeleton,
        fps=first.fps,
        timestamps=first.timestamps,
        space="world",
        metadata={
            "cameras": [c.name for c in cameras],
            "sources": [str(v.metadata.get("source", "")) for v in pix],
        },
    ).with_provenance(
        "triangulate",
        views=len(pix),
        min_confidence=min_confidence,
        outlier_px=round(float(outlier_px), 3),
    )
    return Triangulation(pose, err.reshape(t, k, nv), used.reshape(t, k, nv))


def in_camera(pose3d: PoseSequence, camera: CalibratedCamera) -> np.ndarray:
    """``(T, K, 3)`` a triangulated pose in ``camera``'s frame (x right, y down, z forward,
    metres): the form of MediaPipe's world landmarks, up to the origin."""
    if pose3d.space != "world" or pose3d.dims != 3:
        raise InputError(
            f"expected a 3D world pose (from triangulate), got space={pose3d.space!r} with "
            f"{pose3d.dims} coordinates"
        )
    return camera.camera.to_camera(pose3d.positions)


def with_camera_world(
    view: PoseSequence, pose3d: PoseSequence, camera: CalibratedCamera
) -> PoseSequence:
    """``view`` with its ``world`` replaced by the triangulated 3D in its camera's frame,
    hip-centred like MediaPipe's world landmarks, so that ``view3d``, the comparison and
    the scores use measured depth. Joints (or frames without both hips) the triangulation
    lacks keep the view's own 3D.
    """
    from posecoach.geometry import hip_center

    if pose3d.n_frames != view.n_frames or pose3d.skeleton.name != view.skeleton.name:
        raise InputError(
            f"expected the triangulation of this view's recording, got {pose3d.n_frames} "
            f"frames of {pose3d.skeleton.name!r} for {view.n_frames} of {view.skeleton.name!r}"
        )
    measured = in_camera(pose3d, camera)
    measured = measured - hip_center(measured, pose3d.skeleton)[:, None]
    if view.world is None:
        world = measured
    else:
        world = np.where(np.isfinite(measured).all(-1, keepdims=True), measured, view.world)
    return view.replace(world=world).with_provenance("world_from_triangulation", camera=camera.name)
