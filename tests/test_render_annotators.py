"""Annotators draw where expected, on a copy, and skip NaN / low-confidence joints."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.errors import InputError
from posecoach.render.annotators import (
    ERROR_COLORS,
    CorrectedPoseAnnotator,
    GhostAnnotator,
    JointErrorAnnotator,
    SkeletonAnnotator,
    TextAnnotator,
    draw_error_legend,
    error_color,
    frame_scale,
)
from posecoach.render.palette import ATTEMPT_RGB, BAND_RGB, CORRECTED_RGB, REFERENCE_RGB
from posecoach.skeletons import BLAZEPOSE_33, COCO_17

LS, LE, LW = COCO_17.indices(["left_shoulder", "left_elbow", "left_wrist"])


def _pose() -> np.ndarray:
    pts = np.full((17, 2), np.nan)
    pts[LS] = [20.0, 20.0]
    pts[LE] = [60.0, 20.0]
    pts[LW] = [60.0, 60.0]
    return pts


def _frame(value: int = 30) -> np.ndarray:
    return np.full((80, 100, 3), value, np.uint8)


def test_skeleton_draws_joints_and_bones_on_a_copy_only() -> None:
    frame = _frame()
    before = frame.copy()
    out = SkeletonAnnotator(color=(0, 200, 0), thickness=3, radius=4).annotate(
        frame, _pose(), COCO_17
    )
    np.testing.assert_array_equal(frame, before)  # input untouched
    assert out is not frame
    assert out[20, 20].tolist() == [0, 200, 0]  # joint
    assert out[20, 40].tolist() == [0, 200, 0]  # middle of shoulder-elbow bone
    assert out[40, 60].tolist() == [0, 200, 0]  # middle of elbow-wrist bone
    assert out[60, 20].tolist() == [30, 30, 30]  # far from the pose: background
    # only pixels near the three joints and two bones changed
    changed = np.argwhere((out != frame).any(axis=2))
    assert changed[:, 0].min() >= 15 and changed[:, 1].min() >= 15


def test_nan_joint_draws_nothing_and_removes_its_bones() -> None:
    pts = _pose()
    pts[LE] = np.nan  # elbow missing -> both arm bones vanish
    out = SkeletonAnnotator().annotate(_frame(), pts, COCO_17)
    assert out[20, 40].tolist() == [30, 30, 30]
    assert out[40, 60].tolist() == [30, 30, 30]
    assert out[20, 20].tolist() == list(ATTEMPT_RGB)  # shoulder dot still there
    all_nan = SkeletonAnnotator().annotate(_frame(), np.full((17, 2), np.nan), COCO_17)
    np.testing.assert_array_equal(all_nan, _frame())


def test_low_confidence_joint_is_not_drawn() -> None:
    conf = np.ones(17)
    conf[LW] = 0.1
    out = SkeletonAnnotator(min_confidence=0.3).annotate(_frame(), _pose(), COCO_17, conf)
    assert out[60, 60].tolist() == [30, 30, 30]
    assert out[40, 60].tolist() == [30, 30, 30]
    assert out[20, 40].tolist() == list(ATTEMPT_RGB)


def test_far_outside_points_do_not_crash() -> None:
    pts = _pose()
    pts[LW] = [1e12, -1e12]
    out = SkeletonAnnotator().annotate(_frame(), pts, "coco_17")
    assert out.shape == (80, 100, 3)
    assert out[20, 40].tolist() == list(ATTEMPT_RGB)  # shoulder-elbow bone still drawn
    assert out[20, 20].tolist() == list(ATTEMPT_RGB)  # shoulder dot
    # the elbow-wrist bone leaves towards the top right: the rest of the frame is untouched
    np.testing.assert_array_equal(out[50:, :], _frame()[50:, :])
    assert out[70, 10].tolist() == [30, 30, 30]


def test_default_colours_come_from_the_palette() -> None:
    pts = _pose()
    frame = _frame(0)
    assert SkeletonAnnotator().annotate(frame, pts, COCO_17)[20, 40].tolist() == list(ATTEMPT_RGB)
    ghost = GhostAnnotator(alpha=1.0).annotate(frame, pts, COCO_17)
    assert ghost[20, 40].tolist() == list(REFERENCE_RGB)
    dashed = CorrectedPoseAnnotator(radius=0).annotate(frame, pts, COCO_17)
    assert dashed[20, 25].tolist() == list(CORRECTED_RGB)  # first dash of the bone
    assert ERROR_COLORS == BAND_RGB


def test_ghost_blends_with_alpha() -> None:
    frame = _frame(100)
    out = GhostAnnotator(color=(200, 0, 0), alpha=0.5).annotate(frame, _pose(), COCO_17)
    assert out[20, 40].tolist() == [150, 50, 50]  # 0.5 * colour + 0.5 * frame
    assert out[70, 10].tolist() == [100, 100, 100]
    np.testing.assert_array_equal(frame, _frame(100))
    with pytest.raises(InputError, match="alpha"):
        GhostAnnotator(alpha=0)


def test_corrected_pose_is_dashed() -> None:
    out = CorrectedPoseAnnotator(color=(255, 0, 255), thickness=1, radius=0, dash=5).annotate(
        _frame(0), _pose(), COCO_17
    )
    row = out[20, 20:60].any(axis=1)  # along the horizontal bone
    assert row[:4].all() and not row[7:9].any() and row[11:14].all()


def test_joint_error_colours_by_threshold() -> None:
    err = np.full(17, np.nan)
    err[LS], err[LE], err[LW] = 0.05, 0.2, 0.6
    frame = _frame()
    out = JointErrorAnnotator(thresholds=(0.1, 0.25), radius=5).annotate(
        frame, _pose(), COCO_17, err
    )
    assert out[20, 20].tolist() == list(ERROR_COLORS[0])
    assert out[20, 60].tolist() == list(ERROR_COLORS[1])
    assert out[60, 60].tolist() == list(ERROR_COLORS[2])
    assert out[20, 40].tolist() == [30, 30, 30]  # no bones
    np.testing.assert_array_equal(frame, _frame())
    nan_err = np.full(17, np.nan)
    np.testing.assert_array_equal(
        JointErrorAnnotator().annotate(frame, _pose(), COCO_17, nan_err), frame
    )


def test_error_color_boundaries() -> None:
    assert error_color(0.0999) == ERROR_COLORS[0]
    assert error_color(0.1) == ERROR_COLORS[1]
    assert error_color(0.25) == ERROR_COLORS[2]
    assert error_color(np.nan) is None


def test_legend_draws_three_colours() -> None:
    out = draw_error_legend(np.zeros((400, 600, 3), np.uint8), corner="bottom-left")
    colours = {tuple(c) for c in out.reshape(-1, 3)}
    assert out[:200].sum() == 0  # bottom corner only
    for c in ERROR_COLORS:  # the legend text uses each colour (anti-aliased core pixels)
        near = np.abs(out.reshape(-1, 3).astype(int) - np.array(c)).sum(axis=1) < 12
        assert near.any(), c
    assert len(colours) > 3


def test_text_panel_corner_and_scale() -> None:
    small = np.zeros((120, 160, 3), np.uint8)
    out = TextAnnotator().annotate(small, ["score 87"], corner="bottom-right")
    ys, xs = np.nonzero(out.any(axis=2))
    assert ys.min() > 60 and xs.min() > 60
    big = np.zeros((1920, 1080, 3), np.uint8)
    tall = TextAnnotator().annotate(big, ["score 87"])
    ys_big = np.nonzero(tall.any(axis=2))[0]
    ys_small = np.nonzero(TextAnnotator().annotate(small, ["score 87"]).any(axis=2))[0]
    # the panel grows with the frame (1080 / 120 = 9x the shorter side)
    assert (ys_big.max() - ys_big.min()) > 5 * (ys_small.max() - ys_small.min())
    assert frame_scale(big.shape) == 1.5


def test_text_wraps_long_lines_within_frame() -> None:
    frame = np.zeros((400, 100, 3), np.uint8)
    text = "left knee bends 25° less than the reference at 0:04-0:06, keep your back straight"
    out = TextAnnotator().annotate(frame, [text])
    xs = np.nonzero(out.any(axis=2))[1]
    assert xs.max() < 100
    rows = np.nonzero(out.any(axis=2))[0]
    assert rows.max() - rows.min() > 3 * TextAnnotator().font_pixels(frame.shape)


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(InputError, match=r"expected an \(H, W, 3\) uint8 RGB frame"):
        SkeletonAnnotator().annotate(np.zeros((10, 10), np.uint8), _pose(), COCO_17)
    with pytest.raises(InputError, match="expected points of shape \\(33, 2\\)"):
        SkeletonAnnotator().annotate(_frame(), _pose(), BLAZEPOSE_33)
    with pytest.raises(InputError, match="corner"):
        TextAnnotator().annotate(_frame(), ["x"], corner="middle")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="errors of shape"):
        JointErrorAnnotator().annotate(_frame(), _pose(), COCO_17, np.zeros(3))
