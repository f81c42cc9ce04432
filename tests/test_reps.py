"""Repetition counting: hysteresis on planted probabilities, planted reps counted exactly."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.classify import fit_classifier
from posecoach.classify.datasets import dataset_from_sequences
from posecoach.classify.synthetic import exercise_sequence
from posecoach.compare.reps import (
    active_state,
    count_reps_with_model,
    count_reps_with_reference,
    hysteresis_reps,
)
from posecoach.errors import InputError


def test_hysteresis_needs_enter_then_leave():
    # 0.55 never enters; the dip to 0.45 inside a rep does not leave (it is >= 0.4)
    p = np.array([0.1, 0.55, 0.3, 0.7, 0.45, 0.8, 0.35, 0.1, 0.65, 0.2, 0.9])
    assert hysteresis_reps(p) == [(3, 6), (8, 9)]  # last rep unfinished: not counted


def test_hysteresis_counts_planted_square_wave_exactly():
    rng = np.random.default_rng(0)
    p = np.r_[np.tile(np.r_[np.zeros(10), np.ones(8)], 7), np.zeros(5)]
    noisy = np.clip(p + rng.uniform(-0.35, 0.35, p.shape), 0, 1)  # noise never crosses both
    reps = hysteresis_reps(noisy)
    # zeros stay below 0.4 and ones above 0.6, so each rep is exactly its run of ones
    assert reps == [(10 + 18 * i, 18 + 18 * i) for i in range(7)]


def test_bad_thresholds():
    with pytest.raises(InputError, match="expected 0 <= leave <= enter <= 1"):
        hysteresis_reps(np.zeros(3), enter=0.3, leave=0.5)


def test_active_state_choice():
    assert active_state(["squat_down", "squat_up"]) == "squat_down"
    with pytest.raises(InputError, match="unknown state 'x'"):
        active_state(["a", "b"], "x")


@pytest.fixture(scope="module")
def state_model():
    seqs, labels = zip(
        *(exercise_sequence(3, rng=np.random.default_rng(i)) for i in range(3)), strict=True
    )
    ds = dataset_from_sequences(list(seqs), ["x"] * 3, level="frame", frame_labels=list(labels))
    return fit_classifier(ds, model="knn")


@pytest.mark.parametrize("n", [1, 4, 7])
def test_state_model_counts_planted_reps_exactly(state_model, n):
    seq, labels = exercise_sequence(n, rng=np.random.default_rng(100 + n), noise_px=3.0)
    res = count_reps_with_model(seq, state_model)
    assert res.count == n
    # each rep covers the frames labelled "down"
    downs = np.flatnonzero(np.array(labels) == "down")
    assert res.reps[0].start <= downs[0] and res.reps[-1].end > downs[-1]
    assert res.state == "down"


def test_reference_counts_planted_reps_exactly():
    ref, _ = exercise_sequence(1, rest_s=0.05, noise_px=0.0, rng=np.random.default_rng(7))
    for n in (2, 5):
        seq, _ = exercise_sequence(n, rng=np.random.default_rng(n), noise_px=2.0)
        assert count_reps_with_reference(seq, ref).count == n


def test_form_label_per_rep(state_model):
    seq, _ = exercise_sequence(2, rng=np.random.default_rng(9))
    res = count_reps_with_model(seq, state_model, form_model=state_model)
    assert [r.form for r in res.reps] == ["down", "down"]  # the state model as a stand-in


def test_streaming_counter_is_causal_and_matches_the_batch_counter() -> None:
    from posecoach.compare.reps import StreamingRepCounter, hysteresis_reps

    rng = np.random.default_rng(3)
    t = np.arange(600) / 30
    signal = 0.5 + 0.5 * np.sin(2 * np.pi * t / 2.5) + rng.normal(0, 0.08, t.size)  # 8 cycles
    signal[200:260] = 0.0  # a pause at rest replaces the top of the third cycle
    counter = StreamingRepCounter(enter=0.8, leave=0.2)
    events = [(i, counter.update(v)) for i, v in enumerate(signal)]
    done = [(i, r) for i, r in events if r is not None]
    assert [r for _, r in done] == hysteresis_reps(np.clip(signal, 0, 1), enter=0.8, leave=0.2)
    assert all(i == r[1] for i, r in done)  # reported at the frame the rep ends, not later
    assert counter.count == len(done) == 7
