"""Tests of posecoach.compare.temporal: planted time warps and planted repetitions are recovered."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach import InputError, PoseSequence
from posecoach.compare.temporal import (
    dtw_path,
    fill_gaps_array,
    find_repetitions,
    path_cost,
    pose_features,
)


def _signal(n: int, dims: int = 6) -> np.ndarray:
    t = np.linspace(0, 4 * np.pi, n)
    return np.stack([np.sin(t * (1 + 0.2 * k) + k) for k in range(dims)], axis=1)


def _warp(a: np.ndarray, times: np.ndarray) -> np.ndarray:
    src = np.arange(len(a))
    return np.stack([np.interp(times, src, a[:, c]) for c in range(a.shape[1])], axis=1)


def test_dtw_recovers_planted_warp() -> None:
    a = _signal(200)
    # b[j] = a[w(j)] with w a known monotone warp (slow start, fast end).
    u = np.linspace(0, 1, 260)
    w = (u**1.6) * 199
    b = _warp(a, w)
    path, cost = dtw_path(a, b)
    assert cost < 0.05
    # For every b frame the matched a frame is within 1.5 frames of the planted warp.
    matched = np.array([path[path[:, 1] == j, 0].mean() for j in range(len(b))])
    assert np.max(np.abs(matched - w)) < 1.5
    assert path[0].tolist() == [0, 0] and path[-1].tolist() == [199, 259]
    assert (np.diff(path, axis=0) >= 0).all()


def test_band_and_multiscale_match_exact_on_a_mild_warp() -> None:
    a = _signal(900)
    w = np.linspace(0, 899, 950) + 8 * np.sin(np.linspace(0, 3 * np.pi, 950))
    b = _warp(a, np.clip(w, 0, 899))
    exact, ce = dtw_path(a, b)
    _, cb = dtw_path(a, b, band=60)
    coarse, cm = dtw_path(a, b, max_cells=40_000, block=200)
    assert cb == pytest.approx(ce, rel=1e-9)
    assert cm <= 1.5 * ce + 1e-3
    # The coarse-to-fine path stays within a few frames of the exact one.
    for j in range(0, len(b), 50):
        assert abs(coarse[coarse[:, 1] == j, 0].mean() - exact[exact[:, 1] == j, 0].mean()) < 4


def test_open_begin_end_finds_the_planted_subsequence() -> None:
    q = _signal(40)
    s = np.concatenate([np.full((30, 6), 2.0), q, np.full((25, 6), -2.0)])
    path, cost = dtw_path(q, s, open_begin=True, open_end=True)
    assert cost == pytest.approx(0.0, abs=1e-9)
    assert path[0].tolist() == [0, 30] and path[-1].tolist() == [39, 69]


def test_find_repetitions_finds_planted_reps_and_ignores_other_movement() -> None:
    rng = np.random.default_rng(0)
    rep = _signal(50)
    slow = _warp(rep, np.linspace(0, 49, 70))
    other = rng.normal(0, 1.0, (40, 6))
    attempt = np.concatenate([np.zeros((15, 6)), rep, other, slow, np.zeros((10, 6)), rep])
    reps = find_repetitions(rep, attempt)
    assert [(r.start, r.end) for r in reps] == [(15, 65), (105, 175), (185, 235)]
    assert reps[0].cost < 1e-9 and reps[2].cost < 1e-9 and reps[1].cost < 0.25


def test_find_repetitions_on_pose_sequences_at_different_fps() -> None:
    # A stick figure whose right wrist goes up and down once per repetition.
    def figure(phase: np.ndarray) -> np.ndarray:
        p = np.zeros((len(phase), 17, 2))
        p[:, 5] = [-1, 0]
        p[:, 6] = [1, 0]
        p[:, 11] = [-1, 3]
        p[:, 12] = [1, 3]
        p[:, 10, 0] = 2.0
        p[:, 10, 1] = -2 * np.sin(np.pi * phase)
        return p

    ref = PoseSequence(figure(np.linspace(0, 1, 30)), skeleton="coco_17", fps=30)
    att_phase = np.concatenate(
        [np.zeros(60), np.linspace(0, 1, 60), np.zeros(30), np.linspace(0, 1, 60)]
    )
    att = PoseSequence(figure(att_phase), skeleton="coco_17", fps=60)
    reps = find_repetitions(ref, att)
    assert len(reps) == 2
    assert abs(reps[0].start - 60) <= 3 and abs(reps[0].end - 120) <= 3
    assert abs(reps[1].start - 150) <= 3 and abs(reps[1].end - 210) <= 3


def test_pose_features_fill_gaps_and_reject_no_person() -> None:
    p = np.zeros((3, 17, 2))
    p[:, [5, 6], 1] = 0.0
    p[:, [11, 12], 1] = 2.0
    p[:, 9] = [[1.0, 1.0], [np.nan, np.nan], [3.0, 1.0]]
    f = pose_features(PoseSequence(p, skeleton="coco_17"), ["left_wrist"])
    assert f[:, 0].tolist() == [0.5, 1.0, 1.5]
    empty = PoseSequence(np.full((5, 17, 2), np.nan), skeleton="coco_17")
    with pytest.raises(InputError, match="expected a person"):
        pose_features(empty)


def test_fill_gaps_and_path_cost_hand_values() -> None:
    filled = fill_gaps_array(np.array([1.0, np.nan, np.nan, 4.0, np.nan]))
    assert filled.tolist() == [1.0, 2.0, 3.0, 4.0, 4.0]
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert path_cost(a, a[::-1], np.array([[0, 0], [1, 1]])) == 5.0


def test_dtw_rejects_nan_and_mismatched_widths() -> None:
    with pytest.raises(InputError, match="fill gaps first"):
        dtw_path(np.array([[np.nan], [1.0]]), np.zeros((3, 1)))
    with pytest.raises(InputError, match="same width"):
        dtw_path(np.zeros((3, 2)), np.zeros((3, 1)))


def test_one_frame_against_many_matches_every_frame() -> None:
    path, cost = dtw_path(np.array([[1.0]]), np.array([[1.0], [2.0], [3.0]]))
    assert path.tolist() == [[0, 0], [0, 1], [0, 2]]
    assert cost == pytest.approx(1.0)
