"""posecoach.filtering against hand-computable signals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecoach import PoseSequence
from posecoach.errors import InputError
from posecoach.filtering import OneEuroFilter, fill_gaps, one_euro, smooth


def _seq(x: np.ndarray, fps: float = 60.0, world: bool = False) -> PoseSequence:
    """Every joint's x follows ``x``, y is 0."""
    pos = np.zeros((len(x), 17, 2))
    pos[:, :, 0] = x[:, None]
    w = np.repeat(pos[..., :1], 3, axis=2) if world else None
    return PoseSequence(pos, skeleton="coco_17", fps=fps, world=w)


def test_fill_gaps_recovers_a_ramp_and_respects_the_limit() -> None:
    x = np.arange(20, dtype=float) * 2.0
    holed = x.copy()
    holed[3:6] = np.nan  # 3 frames: valid neighbours 4 frames = 0.4 s apart at 10 fps
    holed[10:17] = np.nan  # 7 frames: neighbours 0.8 s apart
    holed[0] = np.nan  # leading gap: never extrapolated
    seq = _seq(holed, fps=10, world=True)
    seq = seq.replace(confidence=np.where(np.isnan(holed), 0, 0.8)[:, None].repeat(17, 1))
    out = fill_gaps(seq, max_gap_s=0.5)
    np.testing.assert_allclose(out.positions[3:6, 0, 0], x[3:6])
    np.testing.assert_allclose(out.world[3:6, 0, 0], x[3:6])
    assert np.isnan(out.positions[10:17, 0, 0]).all()
    assert np.isnan(out.positions[0, 0, 0])
    np.testing.assert_allclose(out.confidence[3:6, 0], 0.8)
    assert out.provenance[-1]["op"] == "fill_gaps"
    assert np.isnan(seq.positions[4, 0, 0])  # input untouched


def test_fill_gaps_uses_real_timestamps() -> None:
    pos = np.zeros((3, 17, 2))
    pos[:, :, 0] = np.array([0.0, np.nan, 10.0])[:, None]
    seq = PoseSequence(pos, skeleton="coco_17", timestamps=[0.0, 0.09, 0.1])
    assert fill_gaps(seq, 0.2).positions[1, 0, 0] == pytest.approx(9.0)


def test_savgol_keeps_polynomials_and_reduces_noise(rng: np.random.Generator) -> None:
    t = np.arange(120) / 60
    quad = 5 + 3 * t - 2 * t**2
    np.testing.assert_allclose(smooth(_seq(quad)).positions[:, 0, 0], quad, atol=1e-9)
    noisy = quad + rng.normal(0, 1.0, t.size)
    out = smooth(_seq(noisy), "savgol", window_s=0.25).positions[:, 0, 0]
    assert np.std(out - quad) < 0.5 * np.std(noisy - quad)


def test_butterworth_zero_phase_passband_and_stopband() -> None:
    fps = 100.0
    t = np.arange(400) / fps
    slow = np.sin(2 * math.pi * 1.0 * t)  # 1 Hz: kept
    fast = np.sin(2 * math.pi * 30.0 * t)  # 30 Hz: removed
    out = smooth(_seq(slow + fast, fps=fps), "butterworth", cutoff_hz=6).positions[:, 0, 0]
    mid = slice(100, 300)  # away from the ends
    assert np.max(np.abs(out[mid] - slow[mid])) < 0.02
    # zero phase: the filtered peak sits where the slow sine peaks (no lag)
    assert abs(int(np.argmax(out[100:200])) - int(np.argmax(slow[100:200]))) <= 1


def test_smoothing_leaves_gaps_and_short_runs() -> None:
    x = np.linspace(0, 1, 60) ** 3
    x[30] = np.nan
    x[55:] = np.nan
    x[50] = np.nan  # 51..54 is a 4-frame run, too short for the filters
    for method in ("savgol", "butterworth"):
        out = smooth(_seq(x), method).positions[:, 0, 0]
        assert np.array_equal(np.isnan(out), np.isnan(x))
        np.testing.assert_array_equal(out[51:55], x[51:55])


def test_bad_smoothing_options() -> None:
    seq = _seq(np.zeros(40))
    with pytest.raises(InputError, match=r"one of \['savgol', 'butterworth'\], got 'kalman'"):
        smooth(seq, "kalman")
    with pytest.raises(InputError, match="below the Nyquist rate 30 Hz, got 40"):
        smooth(seq, "butterworth", cutoff_hz=40)


def test_one_euro_matches_hand_computation() -> None:
    f = OneEuroFilter(min_cutoff=2.0, beta=0.0)
    assert f(np.array([4.0]), 0.0)[0] == 4.0
    dt = 0.05
    alpha = 1 / (1 + (1 / (2 * math.pi * 2.0)) / dt)
    y1 = 4.0 + alpha * (10.0 - 4.0)
    assert f(np.array([10.0]), dt)[0] == pytest.approx(y1)
    assert f(np.array([10.0]), 2 * dt)[0] == pytest.approx(y1 + alpha * (10.0 - y1))


def test_one_euro_adapts_to_speed_and_restarts_after_nan() -> None:
    t = np.arange(50) / 30
    ramp = 100 * t
    slow = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    fast = OneEuroFilter(min_cutoff=1.0, beta=1.0)
    lag_slow = ramp[-1] - [slow(np.array(v), s) for v, s in zip(ramp, t, strict=True)][-1]
    lag_fast = ramp[-1] - [fast(np.array(v), s) for v, s in zip(ramp, t, strict=True)][-1]
    assert lag_fast < 0.1 * lag_slow  # beta cuts the lag on fast movement
    f = OneEuroFilter()
    f(np.array([1.0, 1.0]), 0.0)
    out = f(np.array([np.nan, 1.0]), 0.1)
    assert np.isnan(out[0]) and out[1] == 1.0
    assert f(np.array([5.0, 1.0]), 0.2)[0] == 5.0  # restarted, not pulled towards 1
    with pytest.raises(InputError, match="increasing times"):
        f(np.array([5.0, 1.0]), 0.2)


def test_one_euro_on_a_sequence_is_causal() -> None:
    x = np.zeros(20)
    x[10:] = 1.0
    out = one_euro(_seq(x, fps=30)).positions[:, 0, 0]
    np.testing.assert_array_equal(out[:10], 0.0)  # nothing leaks backwards in time
    assert 0 < out[10] < 1 and np.all(np.diff(out[10:]) > 0)
