"""Tests of posecoach.compare.cues: planted differences give the right cue, joint and time."""

from __future__ import annotations

import numpy as np

from posecoach import PoseSequence
from posecoach.compare.cues import format_time, make_cues
from posecoach.compare.score import score_frames


def _figure(t: int) -> np.ndarray:
    """COCO-17, pixel-like (y down): torso 2, straight legs and arms hanging down."""
    p = np.zeros((t, 17, 2))
    p[:, 0] = [0, -1]
    p[:, 1:5] = [0, -1]
    p[:, [5, 6]] = [[-1, 0], [1, 0]]
    p[:, [7, 8]] = [[-1, 1], [1, 1]]
    p[:, [9, 10]] = [[-1, 2], [1, 2]]
    p[:, [11, 12]] = [[-1, 2], [1, 2]]
    p[:, [13, 14]] = [[-1, 4], [1, 4]]
    p[:, [15, 16]] = [[-1, 6], [1, 6]]
    return p


def _bend(p: np.ndarray, frames: slice, knee: int, ankle: int, deg: float) -> None:
    """Bend a knee by ``deg`` (shin rotated about the knee)."""
    a = np.radians(deg)
    shin = p[frames, ankle] - p[frames, knee]
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    p[frames, ankle] = p[frames, knee] + shin @ rot.T


def _cues(att: np.ndarray, ref: np.ndarray, fps: float = 10.0):
    fs = score_frames(
        PoseSequence(att, skeleton="coco_17", fps=fps),
        PoseSequence(ref, skeleton="coco_17", fps=fps),
    )
    return make_cues(fs, np.arange(len(att)) / fps)


def test_planted_knee_error_gives_one_cue_on_that_knee_and_time() -> None:
    ref = _figure(100)
    _bend(ref, slice(None), 13, 15, 40)  # the reference bends the left knee 40°
    att = _figure(100)
    _bend(att, slice(None), 13, 15, 40)
    _bend(att, slice(40, 61), 13, 15, -25)  # the attempt bends it 25° less at 4-6 s
    cues = _cues(att, ref)
    assert len(cues) == 1
    cue = cues[0]
    assert cue.joint == "left_knee"
    assert cue.text == "left knee bends 25° less than the reference at 0:04-0:06"
    assert (cue.start_s, cue.end_s) == (4.0, 6.0)
    assert cue.value == 25.0 and 0 < cue.severity < 1


def test_identical_gives_no_cue() -> None:
    p = _figure(30)
    assert _cues(p, p) == []


def test_cues_are_ranked_and_never_overlap_on_one_joint() -> None:
    ref = _figure(100)
    att = _figure(100)
    _bend(att, slice(10, 30), 14, 16, 20)  # right knee 20° more, 2 s
    _bend(att, slice(50, 90), 13, 15, -60)  # left knee 60° more the other way, 4 s
    _bend(att, slice(60, 70), 14, 16, -30)  # right knee again, other direction
    cues = _cues(att, ref)
    assert cues[0].joint == "left_knee" and "60°" in cues[0].text
    for i, a in enumerate(cues):
        for b in cues[i + 1 :]:
            if a.joint == b.joint:
                assert a.end_s < b.start_s or b.end_s < a.start_s
    right = sorted((c for c in cues if c.joint == "right_knee"), key=lambda c: c.start_s)
    assert [c.start_s for c in right] == [1.0, 6.0]
    assert "bends 20° more" in right[0].text and "bends 30° more" in right[1].text


def test_left_stays_the_persons_left_in_mirrored_video() -> None:
    ref = _figure(50)
    att = _figure(50)
    _bend(att, slice(10, 40), 13, 15, 30)  # the person's LEFT knee
    mirror = np.array([-1.0, 1.0])  # selfie view: x flipped, labels unchanged
    cues = _cues(att * mirror, ref * mirror)
    assert [c.joint for c in cues] == ["left_knee"]
    assert cues[0].text.startswith("left knee bends 30° more")


def test_trunk_lean_cue_wording() -> None:
    ref = _figure(20)
    att = _figure(20)
    # Lean the upper body 20° (rotate everything above the hips about the hip centre).
    a = np.radians(20)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    upper = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    hip = np.array([0.0, 2.0])
    att[:, upper] = (att[:, upper] - hip) @ rot.T + hip
    texts = [c.text for c in _cues(att, ref)]
    assert any(t.startswith("trunk leans 20° more than the reference") for t in texts)


def test_format_time() -> None:
    assert format_time(0.0) == "0:00"
    assert format_time(125.4) == "2:05"
    assert format_time(3.25, precise=True) == "0:03.2"


def test_trunk_lean_says_forward_in_a_side_view() -> None:
    from posecoach.compare.cues import lean_direction
    from posecoach.skeletons import COCO_17

    ref = _figure(20)
    ref[:, 0] = [0.8, -0.8]  # side view: the nose is in front of the shoulders (+x)
    att = ref.copy()
    a = np.radians(25)  # the attempt tips its upper body 25° towards +x (forward)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    upper = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    hip = np.array([0.0, 2.0])
    att[:, upper] = (att[:, upper] - hip) @ rot.T + hip
    assert lean_direction(att, COCO_17).tolist() == [1.0] * 20
    fs = score_frames(
        PoseSequence(att, skeleton="coco_17", fps=10), PoseSequence(ref, skeleton="coco_17", fps=10)
    )
    cues = make_cues(fs, np.arange(20) / 10, lean_direction=lean_direction(att, COCO_17))
    assert any(c.text.startswith("trunk leans forward 25° more") for c in cues)
    backwards = make_cues(fs, np.arange(20) / 10, lean_direction=-np.ones(20))
    assert any(c.text.startswith("trunk leans back 25° more") for c in backwards)
