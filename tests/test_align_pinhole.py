"""Pinhole camera fit (PnP with a focal length from a grid) and view3d through it."""

from __future__ import annotations

import numpy as np

from posecoach import PoseSequence
from posecoach.align import align, pair_poses
from posecoach.align.api import residuals
from posecoach.align.pinhole import PinholeCamera, fit_pinhole
from posecoach.align.view3d import View3DAligner, on_own_image


def _body(rng: np.random.Generator, t: int = 6) -> np.ndarray:
    return rng.normal(scale=0.35, size=(t, 17, 3))


def _view(body: np.ndarray, yaw_deg: float, focal: float) -> PoseSequence:
    """Camera 2.5 m away looking at the body from azimuth ``yaw_deg`` (perspective)."""
    a = np.radians(yaw_deg)
    rot = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
    world = body @ rot.T  # camera-aligned 3D, like MediaPipe world landmarks
    t = len(body)
    cam = PinholeCamera.from_focal(
        focal, (1080, 1920), np.zeros((t, 3)), np.tile([0, 0, 2.5], (t, 1))
    )
    return PoseSequence(
        cam.project(world), skeleton="coco_17", world=world, image_size=(1080, 1920)
    )


def test_planted_pinhole_camera_is_recovered() -> None:
    rng = np.random.default_rng(3)
    world = _body(rng)
    true = PinholeCamera.from_focal(
        0.9 * 1920,
        (1080, 1920),
        rng.normal(scale=0.2, size=(6, 3)),
        np.tile([0.2, -0.1, 3.0], (6, 1)),
    )
    fit = fit_pinhole(world, true.project(world), np.ones((6, 17)), (1080, 1920))
    assert fit.focal == 0.9 * 1920
    np.testing.assert_allclose(fit.rvec, true.rvec, atol=1e-5)
    np.testing.assert_allclose(fit.tvec, true.tvec, atol=1e-5)
    assert np.nanmax(fit.residual) < 1e-4


def test_view3d_through_pinhole_is_exact_for_a_close_perspective_camera() -> None:
    body = _body(np.random.default_rng(4))
    ref, att = _view(body, 0.0, 1728.0), _view(body, 70.0, 1728.0)
    pin = align(att, ref, "view3d", per_frame=False).quality.mean_residual
    assert pin < 1e-4
    # the scaled orthographic camera cannot model a camera 2.5 m away
    pair = pair_poses(att, ref)
    weak = View3DAligner(camera="weak", image_consistent=False)
    out, _, _ = weak.fit_apply(pair, False)
    assert np.nanmean(residuals(out, pair)) > 0.01


def test_world_moved_onto_its_own_image() -> None:
    body = _body(np.random.default_rng(5))
    seq = _view(body, 30.0, 1728.0)
    noisy = seq.world + np.random.default_rng(6).normal(scale=0.02, size=seq.world.shape)
    fixed = on_own_image(seq.replace(world=noisy), pinhole=True)
    cam = fit_pinhole(fixed, seq.positions, np.ones((6, 17)), (1080, 1920))
    assert np.nanmax(cam.residual) < 0.5  # pixels: now on its 2D (was several px off)
    before = fit_pinhole(noisy, seq.positions, np.ones((6, 17)), (1080, 1920))
    assert np.nanmean(before.residual) > 5 * np.nanmean(cam.residual)
