"""The pinhole camera model: hand-computable projections and look-at geometry."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.align.cameras import Camera, look_at_rotation, project_points, random_camera
from posecoach.errors import InputError


def test_pinhole_projection_by_hand():
    cam = Camera(np.eye(3), [0.0, 0.0, 10.0], focal=(200.0, 100.0), principal_point=(5, 7))
    # (1, 2, 0) is at depth 10: u = 200 * 1/10 + 5, v = 100 * 2/10 + 7
    assert cam.project([1.0, 2.0, 0.0]).tolist() == pytest.approx([25.0, 27.0])
    # further away → smaller
    assert cam.project([1.0, 2.0, 10.0]).tolist() == pytest.approx([15.0, 17.0])


def test_orthographic_has_no_foreshortening():
    cam = Camera(np.eye(3), [0.0, 0.0, 10.0], focal=100.0, orthographic=True)
    near, far = cam.project(np.array([[1.0, 1.0, -5.0], [1.0, 1.0, 5.0]]))
    assert near.tolist() == pytest.approx([10.0, 10.0])
    assert far.tolist() == pytest.approx(near.tolist())


def test_points_behind_camera_are_nan():
    cam = Camera.look_at(distance=2.0)
    out = cam.project(np.array([[0.0, 0.0, -3.0], [np.nan, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    assert np.isnan(out[0]).all() and np.isnan(out[1]).all() and np.isfinite(out[2]).all()


@pytest.mark.parametrize(
    ("az", "el", "center"),
    [
        (0, 0, [0, 0, -3]),  # default: on the -z side looking along +z
        (90, 0, [3, 0, 0]),
        (180, 0, [0, 0, 3]),
        (0, 90, [0, -3, 0]),  # straight above (up is -y)
    ],
)
def test_look_at_centre_and_target(az, el, center):
    cam = Camera.look_at(azimuth_deg=az, elevation_deg=el, distance=3.0, focal=500.0)
    assert cam.center == pytest.approx(np.array(center, dtype=float), abs=1e-9)
    # the target always projects to the principal point
    assert cam.project([0.0, 0.0, 0.0]) == pytest.approx([0.0, 0.0], abs=1e-9)
    assert cam.rotation @ cam.rotation.T == pytest.approx(np.eye(3))
    assert np.linalg.det(cam.rotation) == pytest.approx(1.0)


def test_elevation_sees_the_head_closer_to_centre_from_above():
    # head at y = -1 (up), feet at y = +1; from above the head is nearer the camera
    cam = Camera.look_at(elevation_deg=30, distance=5.0, focal=1000.0)
    head, feet = cam.project(np.array([[0.0, -1.0, 0.0], [0.0, 1.0, 0.0]]))
    assert abs(head[1]) > abs(feet[1])  # perspective: nearer looks bigger


def test_roll_rotates_the_image():
    p = np.array([0.5, 0.0, 0.0])
    flat = Camera.look_at(distance=4.0).project(p)
    rolled = Camera.look_at(distance=4.0, roll_deg=90).project(p)
    # rolling the camera by +90° turns the image of a point on the x axis onto the y axis
    assert np.linalg.norm(rolled) == pytest.approx(np.linalg.norm(flat))
    assert abs(rolled[0]) == pytest.approx(0.0, abs=1e-9)


def test_y_up_worlds():
    r = look_at_rotation(up=(0, 1, 0))
    # image y (down) is the world's -y when the world is y-up
    assert r[1] == pytest.approx([0, -1, 0])
    assert np.linalg.det(r) == pytest.approx(1.0)


def test_random_camera_ranges_and_reproducibility():
    cams = [random_camera(np.random.default_rng(s), distance=(2, 3)) for s in range(50)]
    again = random_camera(np.random.default_rng(3), distance=(2, 3))
    assert np.allclose(cams[3].rotation, again.rotation)
    d = [np.linalg.norm(c.center) for c in cams]
    assert min(d) >= 2 and max(d) <= 3
    fwd = np.array([c.rotation[2] for c in cams])
    elev = np.degrees(np.arcsin(np.clip(fwd[:, 1], -1, 1)))  # +y is down
    assert np.abs(elev).max() <= 30 + 1e-9
    assert len({round(float(np.arctan2(f[0], f[2])), 2) for f in fwd}) > 40


def test_project_points_batched_matches_camera():
    rng = np.random.default_rng(1)
    cams = [random_camera(rng) for _ in range(4)]
    pts = rng.normal(size=(4, 10, 3)) * 0.5
    batched = project_points(
        pts,
        np.stack([c.rotation for c in cams]),
        np.stack([c.translation for c in cams]),
        np.stack([c.focal for c in cams]),
        np.stack([c.principal_point for c in cams]),
    )
    single = np.stack([c.project(p) for c, p in zip(cams, pts, strict=True)])
    assert np.allclose(batched, single)


def test_bad_arguments():
    with pytest.raises(InputError, match="expected focal length > 0"):
        Camera(np.eye(3), [0, 0, 1], focal=0)
    with pytest.raises(InputError, match="proper rotation"):
        Camera(np.diag([1.0, 1.0, -1.0]), [0, 0, 1])
    with pytest.raises(InputError, match="expected distance > 0"):
        Camera.look_at(distance=-1)
    with pytest.raises(InputError, match="expected points of shape"):
        Camera.look_at().project([1.0, 2.0])
