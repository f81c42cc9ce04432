"""view3d: reference camera from its own 2D/3D, 3D rotation of the attempt, projection;
and the planted errors of align.synthetic."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_shared
from posecoach import PoseSequence, io
from posecoach.align import AlignmentError, align
from posecoach.align.cameras import Camera, random_camera, rotation_matrix
from posecoach.align.synthetic import plant_error, project_view
from posecoach.align.view3d import fit_weak_perspective
from posecoach.geometry import joint_angle


def body(rng):
    """A random but person-sized COCO-17 3D pose (y up, cm)."""
    p = rng.normal(scale=25.0, size=(17, 3))
    p[:, 1] += np.linspace(170, 0, 17)  # head high, ankles low
    p[[5, 6], 0], p[[11, 12], 0] = [20, -20], [12, -12]
    p[[5, 6], 1], p[[11, 12], 1] = 140, 90
    return p


def view(xyz, cam):
    return project_view(PoseSequence(xyz, skeleton="coco_17", space="world"), cam)


def test_weak_perspective_recovers_a_planted_camera(rng):
    x = rng.normal(size=(2, 15, 3))
    r = rotation_matrix([0.3, 1, 0.2], 75)
    img = 40 * (x @ r.T)[..., :2] + [320, 240]
    s, rot, t, res = fit_weak_perspective(x, img, np.ones((2, 15)))
    assert s == pytest.approx([40, 40])
    assert np.allclose(rot, r) and t == pytest.approx(np.array([[320, 240]] * 2))
    assert np.nanmax(res) < 1e-8


def test_orthographic_views_align_exactly_per_frame_and_per_sequence(rng):
    xyz = np.stack([body(rng) for _ in range(4)])
    cams = [
        Camera.look_at(azimuth_deg=a, elevation_deg=e, distance=1e4, focal=1e5,
                       orthographic=True, up=(0, 1, 0))
        for a, e in ((0, 10), (120, -25))
    ]  # fmt: skip
    ref, att = view(xyz, cams[0]), view(xyz, cams[1])
    for per_frame in (True, False):
        res = align(att, ref, "view3d", per_frame=per_frame)
        assert np.allclose(res.aligned.positions, ref.positions, atol=1e-6)
    # the recovered rotation is the relative camera rotation R_ref R_att^T
    rel = cams[0].rotation @ cams[1].rotation.T
    assert np.allclose(res.transform.params["rotation"][0], rel, atol=1e-8)


def test_perspective_views_align_far_better_than_2d_similarity(rng):
    xyz = np.stack([body(rng) for _ in range(3)])
    r = np.random.default_rng(5)
    ref = view(xyz, random_camera(r, distance=500, up=(0, 1, 0)))
    att = view(xyz, random_camera(r, azimuth_deg=(60, 120), distance=350, up=(0, 1, 0)))
    v3 = align(att, ref, "view3d").quality.mean_residual
    sim = align(att, ref, "similarity").quality.mean_residual
    assert v3 < 0.08 and v3 < 0.2 * sim  # what is left is the close camera's perspective


def test_sequence_rotation_keeps_a_planted_trunk_lean(rng):
    xyz = np.stack([body(rng) for _ in range(6)])
    clean = PoseSequence(xyz, skeleton="coco_17", space="world")
    bent = plant_error(clean, "trunk", 20, frames=slice(2, 4))
    cam_a = Camera.look_at(distance=1e4, focal=1e5, orthographic=True, up=(0, 1, 0))
    cam_b = Camera.look_at(azimuth_deg=70, distance=1e4, focal=1e5, orthographic=True,
                           up=(0, 1, 0))  # fmt: skip
    ref, att = project_view(clean, cam_a), project_view(bent, cam_b)
    truth = project_view(bent, cam_a).positions  # the lean as the reference camera sees it
    res = align(att, ref, "view3d", per_frame=False)
    planted = np.linalg.norm(truth - ref.positions, axis=-1)[2:4].mean()
    kept = np.linalg.norm(res.aligned.positions - ref.positions, axis=-1)[2:4].mean()
    assert kept == pytest.approx(planted, rel=0.02)
    assert np.abs(res.aligned.positions - truth).max() < 0.01 * np.ptp(ref.positions)


def test_view3d_needs_3d():
    flat = PoseSequence(np.zeros((1, 17, 2)) + np.arange(17)[:, None], skeleton="coco_17")
    with pytest.raises(AlignmentError, match="view3d needs 3D for both poses"):
        align(flat, flat, "view3d")


@pytest.mark.parametrize(
    ("kind", "joints"),
    [
        ("knee", ("left_hip", "left_knee", "left_ankle")),
        ("arm", ("left_hip", "left_shoulder", "left_elbow")),
    ],
)
def test_planted_errors_change_the_right_angle_by_the_planted_amount(kind, joints):
    seq = io.load(require_shared("cmu_mocap_bvh/11_01.bvh")).frames([0, 100, 200])
    out = plant_error(seq, kind, 25.0)
    before = joint_angle(seq.positions, seq.skeleton, *joints)
    after = joint_angle(out.positions, out.skeleton, *joints)
    # a rotation about an axis perpendicular to the bone changes that angle by <= 25°
    # and by exactly 25° when the other bone is also perpendicular to the axis
    assert np.all(np.abs(after - before) <= 25 + 1e-6)
    assert np.abs(after - before).max() > 15
    moved = np.linalg.norm(out.positions - seq.positions, axis=-1).max(0) > 1e-9
    assert set(np.array(seq.skeleton.names)[moved]) <= {
        n for n in seq.skeleton.names
        if n.startswith("left_") and any(w in n for w in ("elbow", "wrist", "thumb", "index",
                                                          "middle", "ring", "pinky", "ankle",
                                                          "foot"))
    }  # fmt: skip


def test_trunk_lean_moves_only_the_upper_body():
    seq = io.load(require_shared("cmu_mocap_bvh/11_01.bvh")).frames([0])
    out = plant_error(seq, "trunk", 20.0)
    moved = np.linalg.norm(out.positions - seq.positions, axis=-1)[0] > 1e-9
    names = np.array(seq.skeleton.names)
    assert {"head", "left_wrist", "neck", "chest"} <= set(names[moved])
    assert not set(names[moved]) & {"left_knee", "right_ankle", "left_hip", "pelvis"}
    # the spine (hips → neck) turned by 20°
    sk = seq.skeleton
    v0 = seq.joint("neck")[0] - seq.positions[0, sk.indices(["left_hip", "right_hip"])].mean(0)
    v1 = out.joint("neck")[0] - out.positions[0, sk.indices(["left_hip", "right_hip"])].mean(0)
    cos = v0 @ v1 / np.linalg.norm(v0) / np.linalg.norm(v1)
    assert np.degrees(np.arccos(cos)) == pytest.approx(20.0, abs=2.0)


@pytest.mark.slow
def test_real_multiview_view3d_beats_2d_similarity(sample_videos):
    """Two synchronised views of the Pose2Sim demo (MediaPipe): the camera angle between
    cam03 and cam01 is removed far better in 3D than by a 2D similarity."""
    import posecoach

    att = posecoach.extract(sample_videos["single/cam03"])
    ref = posecoach.extract(sample_videos["single/cam01"])
    sim = align(att, ref, "similarity").quality.mean_residual
    v3d = align(att, ref, "view3d", per_frame=False).quality.mean_residual
    assert sim > 0.4 and v3d < 0.5 * sim
    # the noise floor: the reference's own 3D fits its 2D to within ~0.07 torso lengths
    from posecoach.align.base import pair_poses, reference_scale

    p = pair_poses(ref, ref)
    _, _, _, res = fit_weak_perspective(ref.world, p.ref_points(), p.weights)
    floor = np.nanmean(np.nanmean(res, 1) / reference_scale(ref, p.ref_points(), p.weights))
    assert 0.03 < floor < 0.1 < v3d


def test_frames_without_3d_fall_back_with_a_warning(rng):
    from posecoach.align import AlignmentWarning

    xyz = np.stack([body(rng) for _ in range(3)])
    cam = Camera.look_at(distance=1e4, focal=1e5, orthographic=True, up=(0, 1, 0))
    ref = view(xyz, cam)
    world = ref.world.copy()
    world[1] = np.nan  # the estimator gave no 3D for frame 1
    with pytest.warns(AlignmentWarning, match="1 of 3 frames have too few joints"):
        res = align(ref, ref.replace(world=world), "view3d")
    assert res.quality.fallback_frames == (1,)
    assert np.allclose(res.aligned.positions, ref.positions, atol=1e-6)  # normalize on self
