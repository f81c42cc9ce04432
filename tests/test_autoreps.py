"""Automatic repetition counting: planted sets with known counts, pauses, speeds, setup,
missing frames, either side, partial repetitions; the CLI with no options, with a reference
time range, and its usage errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import posecoach
from posecoach.classify.synthetic import EXERCISES, stick_figure
from posecoach.cli import app
from posecoach.compare.autoreps import count_reps_auto, movement_signal
from posecoach.errors import InputError
from posecoach.pose import PoseSequence

FPS = 30.0
runner = CliRunner()


def _rep(seconds: float, depth: float = 1.0) -> np.ndarray:
    n = max(round(seconds * FPS), 4)
    return depth * (1 - np.cos(np.linspace(0, 2 * np.pi, n))) / 2


def _hold(seconds: float, value: float = 0.0) -> np.ndarray:
    return np.full(max(round(seconds * FPS), 1), value)


def _set(depth: np.ndarray, exercise: str = "squat", seed: int = 0) -> PoseSequence:
    rng = np.random.default_rng(seed)
    pos = stick_figure(depth, exercise) + rng.normal(scale=2.0, size=(len(depth), 17, 2))
    return PoseSequence(pos, skeleton="coco_17", fps=FPS, space="pixel", image_size=(640, 480))


def _bottom_pause(seconds: float, pause: float) -> np.ndarray:
    """A rep with a pause at the bottom: down, hold at 1, up."""
    half = _rep(seconds)[: round(seconds * FPS) // 2]
    return np.r_[half, _hold(pause, 1.0), half[::-1]]


@pytest.mark.parametrize("exercise", EXERCISES)
def test_planted_set_with_pauses_speeds_and_setup_is_counted_exactly(exercise: str) -> None:
    # 3 s of setup, a slow rep (4 s), two fast ones (0.8 s), a rep with a 2 s pause at the
    # bottom, a 2.5 s pause at the top, a normal rep, 3 s still at the end: 5 reps
    depth = np.r_[
        _hold(3.0),
        _rep(4.0),
        _hold(0.3),
        _rep(0.8),
        _rep(0.8),
        _hold(0.5),
        _bottom_pause(2.0, 2.0),
        _hold(2.5),
        _rep(1.5),
        _hold(3.0),
    ]
    result = count_reps_auto(_set(depth, exercise))
    assert result.count == 5 and result.method == "auto"
    # the slow rep is the first; its span covers the 4 s, not two halves
    first = result.reps[0]
    assert 3.0 <= first.start_s <= 4.0 and 2.5 <= first.end_s - first.start_s <= 4.2
    assert all(r.rom is not None and r.rom > 0.8 for r in result.reps)
    assert max(r.rom for r in result.reps) == 1.0
    assert not result.partial


def test_partial_reps_are_reported_not_counted() -> None:
    # three full reps and two that go only 45% and 30% of the way
    depth = np.r_[
        _hold(1.0), _rep(1.5), _hold(0.5), _rep(1.5, 0.45), _hold(0.5), _rep(1.5),
        _hold(0.5), _rep(1.5, 0.3), _hold(0.5), _rep(1.5), _hold(1.0),
    ]  # fmt: skip
    result = count_reps_auto(_set(depth))
    assert result.count == 3
    assert len(result.partial) == 2
    assert [r.start_s for r in result.partial] == pytest.approx([3.0, 7.0], abs=0.15)
    assert all(r.rom < 0.6 for r in result.partial)
    d = result.to_dict()
    assert d["count"] == 3 and len(d["partial"]) == 2 and d["reps"][0]["duration_s"] > 1.0


def test_either_side_missing_frames_and_scale_give_the_same_count() -> None:
    depth = np.r_[_hold(1.0), np.tile(np.r_[_rep(1.2), _hold(0.4)], 6), _hold(1.0)]
    seq = _set(depth, "curl")
    assert count_reps_auto(seq).count == 6
    # the person facing the other way: mirrored image
    mirrored = seq.replace(positions=seq.positions * [-1, 1] + [640, 0])
    assert count_reps_auto(mirrored).count == 6
    # twice as far from the camera, and 10% of the frames and 5% of the joints missing
    rng = np.random.default_rng(3)
    pos = seq.positions * 0.5
    pos[rng.random(pos.shape[:2]) < 0.05] = np.nan
    pos[rng.random(len(pos)) < 0.1] = np.nan
    assert count_reps_auto(seq.replace(positions=pos, confidence=None)).count == 6


def test_the_rest_position_is_low_whichever_way_the_movement_goes() -> None:
    depth = np.r_[_hold(1.0), np.tile(np.r_[_rep(1.0), _hold(0.3)], 3), _hold(1.0)]
    u = movement_signal(_set(depth))
    assert u[:20].mean() < 0.2 and u[-20:].mean() < 0.2 and u.max() > 0.9


def test_no_movement_counts_nothing_and_too_short_is_an_error() -> None:
    assert count_reps_auto(_set(_hold(4.0))).count == 0
    with pytest.raises(InputError, match="at least 3 frames"):
        count_reps_auto(_set(_hold(0.03)))


# ---------------------------------------------------------------------------------- CLI
@pytest.fixture
def set_file(tmp_path: Path) -> Path:
    depth = np.r_[_hold(1.0), np.tile(np.r_[_rep(1.5), _hold(0.5)], 4), _hold(1.0)]
    path = tmp_path / "set.pose.npz"
    posecoach.save(_set(depth), path)
    return path


def test_cli_reps_with_no_option_counts_automatically(set_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "reps.json"
    result = runner.invoke(app, ["reps", str(set_file), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{set_file}: 4 repetitions (auto)" in result.output
    assert result.output.count("  rep ") == 4 and "range 100%" in result.output
    import json

    data = json.loads(out.read_text())
    assert data["count"] == 4 and data["method"] == "auto"


def test_cli_reps_reference_time_range(set_file: Path) -> None:
    # the first rep of the set itself (1.0-2.5 s) as the reference
    result = runner.invoke(app, ["reps", str(set_file), "--reference", f"{set_file}@1.0-2.5"])
    assert result.exit_code == 0, result.output
    assert "4 repetitions (reference-dtw)" in result.output
    bad = runner.invoke(app, ["reps", str(set_file), "--reference", f"{set_file}@20-30"])
    assert bad.exit_code == 1 and "reference range 20-30 s" in bad.output


def test_cli_reps_usage_errors_exit_2(set_file: Path, tmp_path: Path) -> None:
    both = runner.invoke(
        app, ["reps", str(set_file), "--model", str(tmp_path / "m"), "--reference", str(set_file)]
    )
    assert both.exit_code == 2 and "not both" in both.output
    backwards = runner.invoke(app, ["reps", str(set_file), "--reference", f"{set_file}@3-1"])
    assert backwards.exit_code == 2 and "start<end" in backwards.output


def test_reference_mode_accepts_reps_from_a_third_to_three_times_as_long() -> None:
    from posecoach.compare.reps import count_reps_with_reference

    ref = _set(np.r_[_hold(0.1), _rep(1.5), _hold(0.1)], seed=5)
    # reps of 0.6 s (0.4x), 1.5 s and 3.9 s (2.6x), with rests between
    depth = np.r_[_hold(1.0), _rep(0.6), _hold(0.6), _rep(1.5), _hold(0.6), _rep(3.9), _hold(1.0)]
    result = count_reps_with_reference(_set(depth, seed=6), ref)
    assert result.count == 3
    durations = sorted(r.end_s - r.start_s for r in result.reps)
    assert durations[0] < 1.0 and durations[-1] > 3.0


def test_compare_scores_the_repetitions_the_counter_counts() -> None:
    from posecoach.compare import compare

    ref = _set(np.r_[_hold(0.1), _rep(1.5), _hold(0.1)], seed=7)
    depth = np.r_[_hold(1.5), _rep(1.2), _hold(1.0), _rep(2.5), _hold(0.3), _rep(1.0), _hold(1.5)]
    att = _set(depth, seed=8)
    counted = count_reps_auto(att)
    result = compare(ref, att)
    assert result.mode == "repetitions" and len(result.reps) == counted.count == 3
    assert [r["start_frame"] for r in result.reps] == [r.start for r in counted.reps]
    assert [r["end_frame"] for r in result.reps] == [r.end for r in counted.reps]
