"""Closed-form aligners and the align() API: planted transforms recovered, no mirroring,
identity on self, confidence and robust weighting, too few joints, cross-skeleton."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import procrustes
from skimage.transform import SimilarityTransform

from posecoach import PoseSequence
from posecoach.align import (
    AlignmentError,
    AlignmentWarning,
    align,
    available_aligners,
    get_aligner,
)
from posecoach.align.estimators import apply_matrix

# A hand-made COCO-17 pose (pixels, y down) with the left arm raised: not symmetric.
POSE = np.array(
    [
        [100, 40], [106, 34], [94, 34], [112, 38], [88, 38],
        [125, 70], [75, 70], [150, 45], [62, 105], [165, 15], [60, 140],
        [118, 150], [82, 150], [122, 205], [80, 205], [124, 260], [78, 260],
    ],
    dtype=float,
)  # fmt: skip


def seq(positions, **kw):
    return PoseSequence(np.asarray(positions, dtype=float), skeleton="coco_17", **kw)


def rot2(deg):
    t = np.radians(deg)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def moving_pose(rng, t=5):
    return POSE[None] + rng.normal(scale=3.0, size=(t, 17, 2))


CLOSED = ["normalize", "similarity", "affine", "perspective"]


@pytest.mark.parametrize("method", CLOSED)
@pytest.mark.parametrize("per_frame", [True, False])
def test_identity_on_self(method, per_frame, rng):
    ref = seq(moving_pose(rng))
    res = align(ref, ref, method, per_frame=per_frame)
    assert np.allclose(res.aligned.positions, ref.positions, atol=1e-6)
    assert res.quality.mean_residual == pytest.approx(0.0, abs=1e-8)
    assert np.allclose(res.transform.matrix, np.eye(3), atol=1e-8)


def test_similarity_recovers_planted_parameters_per_frame(rng):
    ref = seq(moving_pose(rng))
    angles, scales = np.array([-40, -10, 0, 25, 170]), np.array([0.5, 1, 2, 3, 0.8])
    shifts = rng.uniform(-300, 300, size=(5, 2))
    att = np.stack(
        [
            (p @ rot2(a).T) * s + t
            for p, a, s, t in zip(ref.positions, angles, scales, shifts, strict=True)
        ]
    )
    res = align(seq(att), ref, "similarity")
    p = res.transform.params
    # the aligner maps attempt → reference, i.e. the inverse of the planted map
    assert p["rotation_deg"] == pytest.approx(-angles, abs=1e-6)
    assert p["scale"] == pytest.approx(1 / scales)
    assert np.allclose(res.aligned.positions, ref.positions, atol=1e-6)


def test_similarity_matches_skimage(rng):
    src = moving_pose(rng, 1)[0]
    dst = (src @ rot2(33).T) * 1.7 + [10, -4] + rng.normal(scale=2.0, size=src.shape)
    ours = get_aligner("similarity")
    from posecoach.align.base import pair_poses

    _, tf, _ = ours.__class__.fit_apply(
        ours.__class__(ours.name, ours.estimator_name, 3, "", robust=False),
        pair_poses(seq(src), seq(dst)),
        True,
    )

    sk = SimilarityTransform.from_estimate(src, dst)
    assert np.allclose(tf.matrix[0], sk.params, atol=1e-9)


def test_similarity_3d_planted(rng):
    p3 = np.concatenate([POSE, rng.normal(scale=20, size=(17, 1))], axis=1)
    from scipy.spatial.transform import Rotation

    r = Rotation.from_euler("xyz", [20, -50, 10], degrees=True).as_matrix()
    att = (p3 @ r.T) * 0.25 + [1, 2, 3]
    res = align(seq(att[None], space="world"), seq(p3[None], space="world"), "similarity")
    assert np.allclose(res.aligned.positions[0], p3, atol=1e-8)
    assert res.transform.matrix[0, :3, :3] == pytest.approx(r.T * 4)


def test_mirror_image_is_not_matched_by_a_reflection():
    mirrored = POSE * [-1, 1]  # the same labels seen in a mirror (selfie camera)
    # scipy's procrustes allows reflections and matches it perfectly ...
    _, _, disparity = procrustes(POSE, mirrored)
    assert disparity < 1e-12
    # ... our similarity keeps a proper rotation, so the raised arm stays on its side
    res = align(seq(mirrored), seq(POSE), "similarity")
    assert res.quality.mean_residual > 0.3
    assert np.linalg.det(res.transform.matrix[0, :2, :2]) > 0


def test_affine_and_homography_recover_planted_maps(rng):
    ref = seq(moving_pose(rng, 1))
    a = np.array([[1.3, 0.4, 20.0], [-0.2, 0.7, -5.0], [0, 0, 1]])
    h = np.array([[0.9, 0.1, 30.0], [0.05, 1.1, 10.0], [4e-4, -2e-4, 1.0]])
    for method, m in (("affine", a), ("perspective", h)):
        att = apply_matrix(np.linalg.inv(m)[None], ref.positions)
        res = align(seq(att), ref, method)
        assert np.allclose(res.transform.matrix[0], m / m[2, 2], atol=1e-6), method
        assert res.quality.mean_residual < 1e-8


def test_normalize_recovers_scale_and_translation_only(rng):
    ref = seq(moving_pose(rng, 3))
    att = ref.positions @ rot2(30).T * 2 + [50, 60]
    res = align(seq(att), ref, "normalize")
    assert res.transform.params["scale"] == pytest.approx([0.5] * 3, rel=1e-9)
    # hips land on hips, but the rotation is left in place (residual stays)
    hips = res.aligned.positions[:, 11:13].mean(1)
    assert np.allclose(hips, ref.positions[:, 11:13].mean(1))
    assert res.quality.mean_residual > 0.2


def test_sequence_level_fit_keeps_an_error_in_a_few_frames(rng):
    ref = seq(moving_pose(rng, 9))
    bent = ref.positions.copy()
    # frames 3-5: the whole upper body leans 25° about the hip centre
    hip = bent[3:6, 11:13].mean(1, keepdims=True)
    upper = list(range(11))
    bent[3:6, upper] = (bent[3:6, upper] - hip) @ rot2(25).T + hip
    att = seq(bent @ rot2(15).T * 1.5 + 7)  # plus a camera roll and zoom
    per_frame = align(att, ref, "similarity", per_frame=True)
    whole = align(att, ref, "similarity", per_frame=False)
    err_pf = np.linalg.norm(per_frame.aligned.positions - ref.positions, axis=-1)[3:6, upper].mean()
    err_seq = np.linalg.norm(whole.aligned.positions - ref.positions, axis=-1)[3:6, upper].mean()
    planted = np.linalg.norm(bent - ref.positions, axis=-1)[3:6, upper].mean()
    # one transform for the sequence recovers the camera exactly and keeps the lean
    assert whole.transform.matrix.shape == (1, 3, 3)
    assert err_seq == pytest.approx(planted, rel=0.02)
    assert err_pf < 0.9 * planted  # the per-frame fit explains part of the lean away


def test_robust_to_a_few_wrong_joints(rng):
    ref = seq(moving_pose(rng, 1))
    att = ref.positions @ rot2(20).T * 0.5
    att[0, [9, 15]] += [[400, -300], [-250, 500]]  # two wild detections
    res = align(seq(att), ref, "similarity")
    good = [i for i in range(17) if i not in (9, 15)]
    assert np.abs(res.aligned.positions[0, good] - ref.positions[0, good]).max() < 1.0
    assert res.quality.inliers[0] == pytest.approx(15 / 17)


def test_low_confidence_joints_are_ignored(rng):
    ref = seq(moving_pose(rng, 1))
    att = ref.positions.copy()
    att[0, :6] += 200  # wrong, but flagged as unsure
    conf = np.ones((1, 17))
    conf[0, :6] = 0.1
    res = align(seq(att, confidence=conf), ref, "affine")
    assert np.allclose(res.aligned.positions[0, 6:], ref.positions[0, 6:], atol=1e-6)
    assert res.quality.n_joints.tolist() == [11]


def test_too_few_joints_raise_or_warn():
    ref = seq(POSE[None].repeat(3, 0))
    att = ref.positions.copy()
    att[:, 2:] = np.nan  # two joints left in every frame
    with pytest.raises(AlignmentError, match=r"similarity needs at least 3 joints.*got at most 2"):
        align(seq(att), ref, "similarity")
    att = ref.positions.copy()
    att[1, 3:] = np.nan  # frame 1 keeps three joints: not enough for a homography
    with pytest.warns(AlignmentWarning, match="1 of 3 frames have too few joints"):
        res = align(seq(att), ref, "perspective")
    assert res.quality.fallback_frames == (1,)
    assert np.allclose(res.aligned.positions[[0, 2]], ref.positions[[0, 2]], atol=1e-6)
    with pytest.raises(AlignmentError, match=r"cannot align frames \[1\]"):
        align(seq(att), ref, "perspective", strict=True)


def test_cross_skeleton_by_joint_name(rng):
    from posecoach.skeletons import convert

    ref = seq(moving_pose(rng, 2))
    blaze = convert(ref, "blazepose_33").sequence  # 17 of 33 joints present
    att = blaze.replace(positions=blaze.positions @ rot2(-12).T * 3)
    res = align(att, ref, "similarity")
    assert res.aligned.skeleton.name == "blazepose_33"
    assert res.quality.n_joints.tolist() == [17, 17]
    assert np.allclose(res.aligned.joint("left_wrist"), ref.joint("left_wrist"), atol=1e-6)


def test_single_reference_pose_for_a_sequence_and_bad_calls(rng):
    ref = seq(POSE[None])
    att = seq(moving_pose(rng, 4))
    assert align(att, ref, "similarity").aligned.n_frames == 4
    with pytest.raises(AlignmentError, match="expected the same number of frames"):
        align(seq(moving_pose(rng, 4)), seq(moving_pose(rng, 3)), "similarity")
    with pytest.raises(AlignmentError, match="unknown aligner 'rigid'; expected one of"):
        align(att, ref, "rigid")
    assert set(CLOSED) <= set(available_aligners())


def test_provenance_and_space(rng):
    ref = seq(moving_pose(rng, 2), image_size=(640, 480))
    res = align(seq(moving_pose(rng, 2)), ref, "similarity")
    assert res.aligned.provenance[-1]["op"] == "align"
    assert res.aligned.provenance[-1]["params"]["method"] == "similarity"
    assert res.aligned.image_size == (640, 480)
    assert res.transform.to_dict()["method"] == "similarity"


def test_default_method_is_the_benchmark_winner(rng):
    flat = seq(moving_pose(rng, 2))
    assert align(flat, flat).method == "learned"
    world = np.concatenate([flat.positions, rng.normal(size=(2, 17, 1)) * 30], axis=-1)
    with3d = flat.replace(world=world)  # an orthographic camera looking along z
    res = align(with3d, with3d)
    assert res.method == "view3d"
    assert np.allclose(res.aligned.positions, with3d.positions, atol=1e-6)


def test_posecoach_align_is_callable_after_importing_submodules(rng):
    import posecoach
    import posecoach.align.cameras  # makes posecoach.align the package

    pose = seq(moving_pose(rng, 1))
    assert posecoach.align(pose, pose, "similarity").quality.mean_residual < 1e-9
