"""Multi-view: calibrated cameras (TOML / Qualisys), triangulation and ``posecoach triangulate``.

Planted geometry (synthetic cameras with lens distortion, exact 2D projections) checks the
numbers to 1e-6 m / 1e-6 px; the Pose2Sim demo (4 videos + Qualisys calibration) checks
the real pipeline end to end.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach import PoseSequence
from posecoach.align.cameras import Camera
from posecoach.cli.app import app
from posecoach.errors import InputError
from posecoach.io import load, save
from posecoach.multiview import (
    CalibratedCamera,
    Triangulation,
    in_camera,
    load_calibration,
    save_calibration,
    triangulate,
    with_camera_world,
)
from posecoach.multiview import calibration as calibration_module
from posecoach.multiview.calibration import rodrigues, rotation_vector

runner = CliRunner()

SIZE = (1080, 1920)  # (width, height): portrait, as the Pose2Sim demo
DIST = np.array([-0.1, 0.05, 0.001, -0.001, 0.0])
LEFT_WRIST = 9  # coco_17


# ------------------------------------------------------------------------- helpers
def _camera(
    name: str,
    azimuth: float,
    *,
    distortion: np.ndarray = DIST,
    size: tuple[int, int] | None = SIZE,
) -> CalibratedCamera:
    cam = Camera.look_at(
        azimuth_deg=azimuth,
        elevation_deg=10.0,
        distance=4.0,
        focal=1200.0,
        principal_point=(540.0, 960.0),
        image_size=size,
    )
    return CalibratedCamera(name, cam, distortion)


def _rig(azimuths: tuple[float, ...] = (0.0, 80.0, 200.0)) -> list[CalibratedCamera]:
    return [_camera(f"c{i}", a) for i, a in enumerate(azimuths)]


def _body(rng: np.random.Generator, frames: int = 3) -> np.ndarray:
    return rng.normal(scale=0.3, size=(frames, 17, 3))


def _views(
    body: np.ndarray, cams: list[CalibratedCamera], size: tuple[int, int] = SIZE
) -> list[PoseSequence]:
    return [PoseSequence(c.project(body), skeleton="coco_17", image_size=size) for c in cams]


def _general_camera(
    name: str, rotvec: np.ndarray, size: tuple[int, int] = SIZE
) -> CalibratedCamera:
    """fx != fy, off-centre principal point, all five distortion coefficients."""
    cam = Camera(
        rodrigues(rotvec),
        np.array([0.1, -0.2, 4.0]),
        focal=(1210.0, 1190.5),
        principal_point=(530.25, 971.5),
        image_size=size,
    )
    return CalibratedCamera(name, cam, np.array([-0.12, 0.06, 0.0015, -0.0007, -0.01]))


def _points_in_front(cam: CalibratedCamera, rng: np.random.Generator, n: int = 200) -> np.ndarray:
    """World points spread over ``cam``'s field of view, 2-6 m deep."""
    depth = rng.uniform(2.0, 6.0, n)
    xy = rng.uniform([-0.3, -0.5], [0.3, 0.5], (n, 2))
    in_cam = np.column_stack([xy * depth[:, None], depth])
    c = cam.camera
    return (in_cam - c.translation) @ c.rotation  # R^T (X_cam - t)


# --------------------------------------------------------------- planted geometry
def test_triangulate_recovers_planted_body_through_lens_distortion(
    rng: np.random.Generator,
) -> None:
    body = _body(rng)
    cams = _rig()
    views = _views(body, cams)
    tri = triangulate(views, cams)
    assert isinstance(tri, Triangulation)
    pose = tri.pose
    assert pose.space == "world" and pose.skeleton.name == "coco_17"
    assert pose.positions.shape == (3, 17, 3)
    assert np.abs(pose.positions - body).max() < 1e-6
    assert np.array_equal(pose.confidence, np.ones((3, 17)))
    assert tri.used.shape == (3, 17, 3) and tri.used.all()
    assert tri.reprojection_px.shape == (3, 17, 3)
    assert np.nanmax(tri.reprojection_px) < 1e-6
    assert pose.metadata["cameras"] == ["c0", "c1", "c2"]
    summary = tri.summary()
    assert list(summary) == ["c0", "c1", "c2"]
    assert max(summary.values()) < 1e-6
    # The distortion really is in play: ignoring it misplaces the joints by millimetres.
    pinhole = [CalibratedCamera(c.name, c.camera, np.zeros(5)) for c in cams]
    assert np.abs(triangulate(views, pinhole).pose.positions - body).max() > 1e-3


def test_project_matches_hand_computed_brown_conrady() -> None:
    # Camera at the origin looking along +z: the normalised point is (x, y) itself.
    cam = CalibratedCamera("c", Camera(np.eye(3), np.zeros(3), 1200.0, (540.0, 960.0)), DIST)
    # x=0.5, y=0: r2=0.25, radial = 1 - 0.1*0.25 + 0.05*0.0625 = 0.978125
    # dx = p2*(r2 + 2x^2) = -0.001*0.75, dy = p1*r2 = 0.001*0.25
    u = 540.0 + 1200.0 * (0.5 * 0.978125 - 0.00075)
    v = 960.0 + 1200.0 * 0.00025
    assert np.allclose(cam.project([1.0, 0.0, 2.0]), [u, v], atol=1e-9)
    assert np.isnan(cam.project([0.0, 0.0, -1.0])).all()  # behind the camera


def test_normalized_rays_inverts_project_over_the_whole_image() -> None:
    cam = CalibratedCamera("c", Camera(np.eye(3), np.zeros(3), 1200.0, (540.0, 960.0)), DIST)
    gx, gy = np.meshgrid(np.linspace(-0.45, 0.45, 21), np.linspace(-0.8, 0.8, 31))
    xy = np.stack([gx, gy], -1).reshape(-1, 2)
    pixels = cam.project(np.column_stack([xy, np.ones(len(xy))]))
    # The grid reaches the image corners, where the distortion is strongest.
    assert pixels[:, 0].min() < 60 and pixels[:, 0].max() > 1020
    assert pixels[:, 1].min() < 80 and pixels[:, 1].max() > 1840
    assert np.abs(pixels - (xy * 1200.0 + [540.0, 960.0])).max() > 50  # distortion is large
    rays = cam.normalized_rays(pixels)
    assert rays.shape == xy.shape
    assert np.abs(rays - xy).max() * 1200.0 < 1e-6  # in pixels


@pytest.mark.parametrize(
    "vector",
    [
        [0.0, 0.0, 0.0],
        [1e-7, -2e-7, 3e-7],
        [0.3, -1.2, 2.0],
        [0.0, 0.0, math.pi / 2],
        [math.pi, 0.0, 0.0],  # exactly 180°
        [0.0, -math.pi, 0.0],
        [0.0, 0.0, math.pi],
        list((math.pi - 1e-2) * np.array([2.0, -1.0, 2.0]) / 3.0),
    ],
)
def test_rodrigues_rotation_vector_round_trip(vector: list[float]) -> None:
    r = rodrigues(vector)
    assert np.allclose(r @ r.T, np.eye(3), atol=1e-12) and np.linalg.det(r) > 0
    back = rotation_vector(r)
    assert np.abs(rodrigues(back) - r).max() < 1e-9
    if np.linalg.norm(vector) < math.pi - 1e-3:  # unique below 180°
        assert np.allclose(back, vector, atol=1e-9)
    else:
        assert np.linalg.norm(back) == pytest.approx(np.linalg.norm(vector), abs=1e-9)


def test_rodrigues_quarter_turn_by_hand() -> None:
    assert np.allclose(rodrigues([0, 0, math.pi / 2]) @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    assert np.allclose(rotation_vector(np.diag([1.0, -1.0, -1.0])), [math.pi, 0, 0])


NEAR_180_AXES = [
    np.array(a) / np.linalg.norm(a) for a in ([2.0, -1.0, 2.0], [0.3, -0.8, 0.52], [1.0, 1.0, 1.0])
]


def test_rotation_vector_round_trip_just_below_180_degrees() -> None:
    worst = 0.0
    for axis in NEAR_180_AXES:
        for offset in (1e-5, 2e-6, 1e-6, 1e-7):
            r = rodrigues((math.pi - offset) * axis)
            worst = max(worst, float(np.abs(rodrigues(rotation_vector(r)) - r).max()))
    assert worst < 1e-9


# ------------------------------------------------------------------ TOML round trip
def test_save_load_calibration_round_trip(tmp_path: Path, rng: np.random.Generator) -> None:
    cams = [
        _general_camera("left", np.array([0.3, -1.2, 2.0])),
        _general_camera('odd "name" \\ é', np.array([0.0, 2.5, 0.1]), size=(1088, 1920)),
        _camera("plain", 200.0, distortion=np.array([-0.05, 0.1, 0.0, 0.0])),
    ]
    path = save_calibration(cams, tmp_path / "Calib.toml")
    assert path == tmp_path / "Calib.toml"
    back = load_calibration(path)
    assert [c.name for c in back] == [c.name for c in cams]
    for a, b in zip(cams, back, strict=True):
        assert b.image_size == a.image_size
        assert np.array_equal(b.distortion, a.distortion)
        assert np.array_equal(b.camera.focal, a.camera.focal)
        assert np.array_equal(b.camera.principal_point, a.camera.principal_point)
        pts = _points_in_front(a, rng)
        assert np.abs(b.project(pts) - a.project(pts)).max() < 1e-6


def test_save_load_round_trip_of_camera_turned_almost_180_degrees(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    cams = [
        _general_camera(f"c{i}-{offset}", (math.pi - offset) * axis)
        for i, axis in enumerate(NEAR_180_AXES)
        for offset in (2e-6, 1e-6)
    ]
    back = load_calibration(save_calibration(cams, tmp_path / "c.toml"))
    worst = 0.0
    for a, b in zip(cams, back, strict=True):
        pts = _points_in_front(a, rng)
        worst = max(worst, float(np.abs(b.project(pts) - a.project(pts)).max()))
    assert worst < 1e-6


def test_camera_without_image_size_survives_save_and_load(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    cams = [_camera(f"c{i}", a, size=None) for i, a in enumerate((0.0, 90.0))]
    back = load_calibration(save_calibration(cams, tmp_path / "c.toml"))
    body = _body(rng)
    tri = triangulate(_views(body, cams), back)
    assert np.abs(tri.pose.positions - body).max() < 1e-6
    assert all(c.image_size is None for c in back)


def test_camera_name_with_newline_round_trips(tmp_path: Path) -> None:
    cam = _camera("front\nleft", 0.0)
    assert load_calibration(save_calibration([cam], tmp_path / "c.toml"))[0].name == "front\nleft"


def test_qualisys_calibration_reads_and_round_trips_through_toml(
    sample_videos: dict[str, Path], tmp_path: Path, rng: np.random.Generator
) -> None:
    cams = load_calibration(sample_videos["calibration"])
    assert [c.name for c in cams] == ["cam01", "cam02", "cam03", "cam04"]
    for c in cams:
        assert c.image_size == (1088, 1920)
        assert np.all((np.asarray(c.camera.focal) > 1670) & (np.asarray(c.camera.focal) < 1685))
        assert abs(np.subtract(*np.asarray(c.camera.focal))) < 1.0
        # principal point inside the (cropped) sensor window
        assert 0 < c.camera.principal_point[0] < 1088 and 0 < c.camera.principal_point[1] < 1920
        assert c.distortion.any()
    back = load_calibration(save_calibration(cams, tmp_path / "Calib.toml"))
    assert [c.name for c in back] == [c.name for c in cams]
    for a, b in zip(cams, back, strict=True):
        assert b.image_size == a.image_size
        assert np.array_equal(b.distortion, a.distortion)
        pts = _points_in_front(a, rng)
        assert np.abs(b.project(pts) - a.project(pts)).max() < 1e-6


QCA = """<?xml version='1.0'?>
<calibration><cameras>
  <camera serial="front">
    <fov_video left="100" top="200" right="1179" bottom="2119"/>
    <transform x="0" y="0" z="4000" r11="1" r12="0" r13="0" r21="0" r22="1" r23="0"
               r31="0" r32="0" r33="1"/>
    <intrinsic focalLengthU="76800" focalLengthV="76800" centerPointU="40960"
               centerPointV="74240" radialDistortion1="-0.05" radialDistortion2="0.1"
               radialDistortion3="0" tangentalDistortion1="0.001" tangentalDistortion2="0"/>
  </camera>
  <camera>
    <fov_video left="0" top="0" right="1087" bottom="1919"/>
    <transform x="0" y="0" z="4000" r11="1" r12="0" r13="0" r21="0" r22="1" r23="0"
               r31="0" r32="0" r33="1"/>
    <intrinsic focalLengthU="76800" focalLengthV="76800" centerPointU="34560"
               centerPointV="61440"/>
  </camera>
</cameras></calibration>
"""


def test_qualisys_conventions_by_hand(tmp_path: Path) -> None:
    # Camera 4 m up the world z axis, looking along -z with y up (Qualisys), 1/64 px units,
    # principal point given on the full sensor (crop offset 100, 200).
    path = tmp_path / "Calib.qca.txt"
    path.write_text(QCA, encoding="utf-8")
    front, second = load_calibration(path)
    assert (front.name, second.name) == ("front", "cam02")
    assert front.image_size == (1080, 1920) and second.image_size == (1088, 1920)
    assert np.allclose(front.camera.focal, [1200.0, 1200.0])
    assert np.allclose(front.camera.principal_point, [540.0, 960.0])
    assert np.allclose(second.camera.principal_point, [540.0, 960.0])
    assert np.allclose(front.distortion, [-0.05, 0.1, 0.001, 0.0, 0.0])
    assert np.array_equal(second.distortion, np.zeros(5))
    assert np.allclose(front.camera.center, [0.0, 0.0, 4.0])
    # world (0.5, 0.25, 0) is 4 m in front: x right, world y up -> image up
    assert np.allclose(second.project([0.5, 0.25, 0.0]), [690.0, 885.0])
    assert np.allclose(front.project([0.0, 0.0, 0.0]), [540.0, 960.0])
    assert np.isnan(front.project([0.0, 0.0, 5.0])).all()  # behind the camera


# ------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def demo(sample_videos: dict[str, Path]) -> tuple[list[CalibratedCamera], list, Triangulation]:
    cams = load_calibration(sample_videos["calibration"])
    views = [posecoach.extract(sample_videos[f"single/cam0{i}"]) for i in range(1, 5)]
    return cams, views, triangulate(views, cams)


def test_triangulate_pose2sim_demo(demo: tuple) -> None:
    cams, views, tri = demo
    pose = tri.pose
    assert pose.n_frames == views[0].n_frames and pose.dims == 3
    assert pose.skeleton.name == views[0].skeleton.name
    assert (pose.confidence > 0).mean() >= 0.95
    assert np.isfinite(pose.positions).all(-1).mean() >= 0.95
    summary = tri.summary()
    assert list(summary) == ["cam01", "cam02", "cam03", "cam04"]
    assert all(0 < e < 25 for e in summary.values()), summary
    # metres: a real shoulder width
    sk = pose.skeleton
    width = np.linalg.norm(
        pose.positions[:, sk.index("left_shoulder")]
        - pose.positions[:, sk.index("right_shoulder")],
        axis=-1,
    )
    assert 0.2 < np.nanmedian(width) < 0.6
    # the person stands in front of every camera
    for cam in cams:
        depth = in_camera(pose, cam)[..., 2]
        assert np.nanmin(depth) > 0.5


def test_with_camera_world_is_hip_centred_rigid_copy_of_triangulation(demo: tuple) -> None:
    cams, views, tri = demo
    view, cam = views[1], cams[1]
    out = with_camera_world(view, tri.pose, cam)
    assert np.array_equal(out.positions, view.positions, equal_nan=True)
    sk = view.skeleton
    left, right = sk.index("left_hip"), sk.index("right_hip")
    pts = tri.pose.positions
    solved = np.isfinite(pts).all(-1)  # (T, K)
    frames = solved[:, left] & solved[:, right]
    assert frames.mean() > 0.9
    assert out.world is not None
    hip = (out.world[:, left] + out.world[:, right]) / 2
    assert np.abs(hip[frames]).max() < 1e-9
    for t in np.flatnonzero(frames):
        k = np.flatnonzero(solved[t])
        d_tri = np.linalg.norm(pts[t, k, None] - pts[t, None, k], axis=-1)
        d_out = np.linalg.norm(out.world[t, k, None] - out.world[t, None, k], axis=-1)
        assert np.abs(d_out - d_tri).max() < 1e-9
    # expressed in the camera's frame (x right, y down, z forward), not the calibration's
    in_cam = in_camera(tri.pose, cam)
    expected = in_cam - (in_cam[:, left] + in_cam[:, right])[:, None] / 2
    assert np.abs(out.world - expected)[frames][solved[frames]].max() < 1e-9
    assert np.abs(pts - expected)[frames][solved[frames]].max() > 0.05


def test_with_camera_world_rejects_another_recording(demo: tuple) -> None:
    cams, views, tri = demo
    short = views[0].replace(positions=views[0].positions[:10], confidence=views[0].confidence[:10])
    with pytest.raises(InputError, match="expected the triangulation of this view's recording"):
        with_camera_world(short, tri.pose, cams[0])


def test_in_camera_rejects_a_2d_pose(rng: np.random.Generator) -> None:
    cams = _rig()
    view = _views(_body(rng), cams)[0]
    with pytest.raises(InputError, match="expected a 3D world pose"):
        in_camera(view, cams[0])


# -------------------------------------------------------------- outliers and gaps
def test_outlier_view_is_dropped_for_that_joint_only(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = _rig((0.0, 80.0, 170.0, 260.0))
    views = _views(body, cams)
    moved = views[2].positions.copy()
    moved[1, LEFT_WRIST, 0] += 200.0
    views[2] = views[2].replace(positions=moved)
    tri = triangulate(views, cams)
    expected_used = np.ones((3, 17, 4), bool)
    expected_used[1, LEFT_WRIST, 2] = False
    assert np.array_equal(tri.used, expected_used)
    assert np.abs(tri.pose.positions - body).max() < 1e-6
    assert tri.pose.confidence[1, LEFT_WRIST] == 1.0
    # solved from the three true views, so the moved one is exactly 200 px off
    assert tri.reprojection_px[1, LEFT_WRIST, 2] == pytest.approx(200.0, abs=1e-6)
    # with a threshold above 200 px the outlier is kept and pulls the wrist away
    kept = triangulate(views, cams, outlier_px=1000.0)
    assert kept.used.all()
    assert np.linalg.norm(kept.pose.positions[1, LEFT_WRIST] - body[1, LEFT_WRIST]) > 1e-3


def test_two_disagreeing_views_are_both_kept(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = _rig((0.0, 80.0))
    views = _views(body, cams)
    moved = views[1].positions.copy()
    moved[1, LEFT_WRIST, 0] += 200.0
    views[1] = views[1].replace(positions=moved)
    tri = triangulate(views, cams, outlier_px=10.0)
    assert tri.used.all()  # no third view to tell which one is wrong
    assert np.isfinite(tri.pose.positions).all()
    assert np.linalg.norm(tri.pose.positions[1, LEFT_WRIST] - body[1, LEFT_WRIST]) > 1e-3
    assert np.nanmin(tri.reprojection_px[1, LEFT_WRIST]) > 10.0  # both above outlier_px


def test_low_confidence_view_weighs_less(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = _rig()
    views = _views(body, cams)
    noisy = views[2].positions.copy()
    noisy[:, :, :2] += 5.0  # a small error, far below the outlier threshold
    errors = []
    for weight in (1.0, 0.35):
        view = views[2].replace(positions=noisy, confidence=np.full((3, 17), weight))
        tri = triangulate([views[0], views[1], view], cams)
        assert tri.used.all()
        errors.append(np.linalg.norm(tri.pose.positions - body, axis=-1).mean())
    assert errors[1] < 0.8 * errors[0]


def test_joints_seen_by_too_few_views(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = _rig()
    views = _views(body, cams)
    conf = np.ones((3, 3, 17))  # (view, T, K)
    conf[1:, :, 0] = 0.1  # joint 0: only view 0 above min_confidence
    conf[0, :, 1], conf[1, :, 1], conf[2, :, 1] = 0.8, 0.6, 0.1  # joint 1: views 0 and 1
    pos1 = views[1].positions.copy()
    pos1[:, 2] = np.nan  # joint 2: view 1 has no landmark
    views = [v.replace(confidence=c) for v, c in zip(views, conf, strict=True)]
    views[1] = views[1].replace(positions=pos1)
    tri = triangulate(views, cams)
    pose = tri.pose
    assert np.isnan(pose.positions[:, 0]).all()
    assert np.array_equal(pose.confidence[:, 0], np.zeros(3))
    assert not tri.used[:, 0].any()
    assert np.abs(pose.positions[:, 1] - body[:, 1]).max() < 1e-6
    assert np.allclose(pose.confidence[:, 1], 0.7)  # mean of the two views used
    assert np.array_equal(tri.used[:, 1], np.tile([True, True, False], (3, 1)))
    assert np.abs(pose.positions[:, 2] - body[:, 2]).max() < 1e-6
    assert np.array_equal(tri.used[:, 2], np.tile([True, False, True], (3, 1)))
    assert np.isnan(tri.reprojection_px[:, 2, 1]).all()
    assert np.abs(pose.positions[:, 3:] - body[:, 3:]).max() < 1e-6
    # lowering min_confidence lets views 1 and 2 back in for joint 0
    relaxed = triangulate(views, cams, min_confidence=0.05)
    assert np.abs(relaxed.pose.positions[:, 0] - body[:, 0]).max() < 1e-6
    assert np.allclose(relaxed.pose.confidence[:, 0], 0.4)


def test_joint_solved_behind_a_camera_is_dropped(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = [_camera(f"c{i}", a, distortion=np.zeros(5)) for i, a in enumerate((0.0, 60.0))]
    views = _views(body, cams)
    # Joint 0 of frame 0 is 1 m *behind* camera c0; c0's "observation" is its mirror
    # image, which a projective (DLT) solve cannot tell from a point in front.
    c0 = cams[0].camera
    behind = (np.array([0.2, 0.1, -1.0]) - c0.translation) @ c0.rotation
    assert cams[1].camera.to_camera(behind)[2] > 0
    x, y, z = c0.to_camera(behind)
    pos0 = views[0].positions.copy()
    pos0[0, 0] = np.asarray(c0.focal) * [x / z, y / z] + c0.principal_point
    pos1 = views[1].positions.copy()
    pos1[0, 0] = cams[1].project(behind)
    views = [views[0].replace(positions=pos0), views[1].replace(positions=pos1)]
    tri = triangulate(views, cams)
    assert np.isnan(tri.pose.positions[0, 0]).all()
    assert tri.pose.confidence[0, 0] == 0.0 and not tri.used[0, 0].any()
    assert np.abs(tri.pose.positions[1:] - body[1:]).max() < 1e-6


def test_normalized_views_and_codec_padding_are_accepted(rng: np.random.Generator) -> None:
    body = _body(rng)
    cams = [_camera(f"c{i}", a, size=(1088, 1920)) for i, a in enumerate((0.0, 80.0, 200.0))]
    views = _views(body, cams, size=(1080, 1920))  # 1080 decoded vs 1088 calibrated
    views[0] = views[0].to_normalized()
    tri = triangulate(views, cams)
    assert np.abs(tri.pose.positions - body).max() < 1e-6


# ---------------------------------------------------------------------------- errors
def test_triangulate_input_errors(rng: np.random.Generator) -> None:
    cams = _rig()
    views = _views(_body(rng), cams)
    with pytest.raises(InputError, match="one calibrated camera per view, got 2 views and 3"):
        triangulate(views[:2], cams)
    with pytest.raises(InputError, match="at least two views to triangulate, got 1"):
        triangulate(views[:1], cams[:1])
    other = PoseSequence(views[1].positions, skeleton="keraal_vicon_17", image_size=SIZE)
    with pytest.raises(InputError, match="one skeleton, got 'coco_17' and 'keraal_vicon_17'"):
        triangulate([views[0], other, views[2]], cams)
    short = PoseSequence(views[1].positions[:2], skeleton="coco_17", image_size=SIZE)
    with pytest.raises(InputError, match=r"same number of frames, got 3 \(view 1\) and 2"):
        triangulate([views[0], short, views[2]], cams)
    wrong = PoseSequence(views[2].positions, skeleton="coco_17", image_size=(1920, 1080))
    with pytest.raises(InputError, match="view 3 is 1920x1080 pixels but camera 'c2' was "):
        triangulate([views[0], views[1], wrong], cams)
    world = PoseSequence(_body(rng), skeleton="coco_17", space="world")
    with pytest.raises(InputError, match="view 2: expected 2D image landmarks"):
        triangulate([views[0], world, views[2]], cams)


def test_calibrated_camera_errors(tmp_path: Path) -> None:
    cam = Camera.look_at(distance=3.0, focal=1000.0)
    with pytest.raises(InputError, match="4 or 5 finite distortion coefficients"):
        CalibratedCamera("c", cam, np.array([0.1, 0.2, 0.3]))
    with pytest.raises(InputError, match="4 or 5 finite distortion coefficients"):
        CalibratedCamera("c", cam, np.array([0.1, np.nan, 0.0, 0.0]))
    ortho = Camera.look_at(distance=3.0, focal=1000.0, orthographic=True)
    with pytest.raises(InputError, match="expected a perspective camera"):
        CalibratedCamera("c", ortho, np.zeros(5))
    with pytest.raises(InputError, match="at least one camera to save"):
        save_calibration([], tmp_path / "none.toml")
    assert not (tmp_path / "none.toml").exists()


def _toml(tmp_path: Path) -> str:
    path = save_calibration(_rig()[:2], tmp_path / "valid.toml")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("<calibration><cameras><camera serial='1'>", "is not valid XML"),
        ("<calibration><cameras></cameras></calibration>", "defines no camera"),
        ("[cam_01\nname = ", "is not valid TOML"),
        ("[metadata]\nadjusted = false\n", "defines no camera"),
        ("\n\n", "defines no camera"),
    ],
)
def test_load_calibration_rejects_unusable_text(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "calib.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_calibration(path)


def test_load_calibration_rejects_bad_cameras(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _toml(tmp_path)
    assert len(load_calibration(tmp_path / "valid.toml")) == 2  # the edits below break it
    no_matrix = re.sub(r"(?m)^matrix = .*\n", "", good, count=1)
    fisheye = good.replace("fisheye = false", "fisheye = true", 1)
    twice = good.replace('name = "c1"', 'name = "c0"')
    bad_size = good.replace("size = [ 1080.0, 1920.0]", "size = [ 1080.0]", 1)
    cases = {
        "no_matrix.toml": (no_matrix, "'c0': missing matrix"),
        "fisheye.toml": (fisheye, "'c0': fisheye cameras are not supported"),
        "twice.toml": (twice, r"names a camera twice: \['c0', 'c0'\]"),
        "bad_size.toml": (bad_size, "'c0' size as 2 finite numbers"),
    }
    for name, (text, message) in cases.items():
        assert text != good
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            load_calibration(tmp_path / name)
    with pytest.raises(InputError, match="does not exist"):
        load_calibration(tmp_path / "missing.toml")
    size = (tmp_path / "valid.toml").stat().st_size
    monkeypatch.setattr(calibration_module, "MAX_CALIBRATION_BYTES", size - 1)
    with pytest.raises(InputError, match=f"is {size} bytes; expected at most {size - 1}"):
        load_calibration(tmp_path / "valid.toml")


def test_load_qualisys_camera_without_intrinsics(
    sample_videos: dict[str, Path], tmp_path: Path
) -> None:
    text = sample_videos["calibration"].read_text(encoding="utf-8")
    broken, n = re.subn(r"<intrinsic\b[^>]*/>", "", text, count=1)
    assert n == 1
    (tmp_path / "broken.qca.txt").write_text(broken, encoding="utf-8")
    with pytest.raises(InputError, match="expected transform, intrinsic and fov_video"):
        load_calibration(tmp_path / "broken.qca.txt")


# ------------------------------------------------------------------------------ CLI
def _cli_setup(tmp_path: Path) -> tuple[np.ndarray, list[Path], Path]:
    body = _body(np.random.default_rng(1))
    cams = _rig()
    paths = []
    for i, view in enumerate(_views(body, cams)):
        paths.append(tmp_path / f"view{i}.pose.npz")
        save(view, paths[-1])
    calib = save_calibration(cams, tmp_path / "Calib.toml")
    return body, paths, calib


def test_cli_triangulate_two_views(tmp_path: Path) -> None:
    body, views, _ = _cli_setup(tmp_path)
    calib = save_calibration(_rig()[:2], tmp_path / "two.toml")
    out = tmp_path / "out.pose.npz"
    result = runner.invoke(
        app,
        ["triangulate", str(views[0]), str(views[1]), "--calibration", str(calib), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "3 frames, 100% of joints triangulated" in result.output
    pose = load(out)
    assert pose.space == "world" and pose.dims == 3
    assert np.abs(pose.positions - body).max() < 1e-6


def test_cli_triangulate_count_mismatch_is_one_clear_error(tmp_path: Path) -> None:
    _, views, calib = _cli_setup(tmp_path)
    out = tmp_path / "out.pose.npz"
    result = runner.invoke(
        app, ["triangulate", str(views[0]), str(views[1]), "-c", str(calib), "-o", str(out)]
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ")
    assert "has 3 cameras for 2 views; name the camera of each view with --cameras" in lines[0]
    assert not out.exists()


def test_cli_triangulate_unknown_camera_names_valid_ones(tmp_path: Path) -> None:
    _, views, calib = _cli_setup(tmp_path)
    out = tmp_path / "out.pose.npz"
    args = ["triangulate", str(views[0]), str(views[1]), "-c", str(calib), "-o", str(out)]
    result = runner.invoke(app, [*args, "--cameras", "c0,front"])
    assert result.exit_code == 1
    assert "unknown camera front" in result.output
    assert "has c0, c1, c2" in result.output
    assert not out.exists()


def test_cli_triangulate_cameras_pick_and_reorder(tmp_path: Path) -> None:
    body, views, calib = _cli_setup(tmp_path)
    out = tmp_path / "out.pose.npz"
    args = ["triangulate", str(views[2]), str(views[0]), "-c", str(calib), "-o", str(out)]
    result = runner.invoke(app, [*args, "--cameras", "c2, c0"])
    assert result.exit_code == 0, result.output
    assert np.abs(load(out).positions - body).max() < 1e-6
    assert "c2 0.0, c0 0.0" in result.output
    # the same views named in the wrong order do not give the body back
    wrong = tmp_path / "wrong.pose.npz"
    args[-1] = str(wrong)
    result = runner.invoke(app, [*args, "--cameras", "c0,c2"])
    assert result.exit_code == 0, result.output
    assert not np.allclose(load(wrong).positions, body, atol=1e-2)
