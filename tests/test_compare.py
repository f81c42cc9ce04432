"""Tests of posecoach.compare and ``posecoach compare`` on synthetic stick figures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecoach import InputError, PoseSequence, save
from posecoach.app.compare import compare_files
from posecoach.compare import compare
from posecoach.skeletons import Skeleton


def _limb(start: np.ndarray, angle_deg: np.ndarray, length: float) -> np.ndarray:
    """Point at ``length`` from ``start`` in direction ``angle`` (0 = down, image y down)."""
    a = np.radians(angle_deg)
    return start + length * np.stack([np.sin(a), np.cos(a)], axis=-1)


def squat(
    phase: np.ndarray,
    *,
    knee_depth: float = 90.0,
    left_knee_offset: np.ndarray | float = 0.0,
    arm_raise: np.ndarray | float = 0.0,
    scale: float = 1.0,
    shift: tuple[float, float] = (0.0, 0.0),
    fps: float = 30.0,
) -> PoseSequence:
    """A COCO-17 squatter in pixels (side-ish view), one squat per unit of ``phase``.

    Knee flexion is ``knee_depth * sin²(pi * phase)``; the left knee bends
    ``left_knee_offset`` degrees less than the right; ``arm_raise`` lifts both arms.
    """
    t = len(phase)
    bend = knee_depth * np.sin(np.pi * phase) ** 2
    lk = bend - left_knee_offset
    rk = bend
    hip_y = 400 + 60 * (bend / 90.0)
    p = np.zeros((t, 17, 2))
    hips = np.stack([np.full(t, 300.0), hip_y], axis=1)
    p[:, 11] = hips + np.array([-20.0, 0.0])
    p[:, 12] = hips + np.array([20.0, 0.0])
    lean = 0.3 * bend
    p[:, 5] = _limb(p[:, 11], 180 - lean, 120)
    p[:, 6] = _limb(p[:, 12], 180 - lean, 120)
    arm = 10 + np.broadcast_to(arm_raise, (t,))
    p[:, 7] = _limb(p[:, 5], arm + 0.5 * bend, 70)
    p[:, 8] = _limb(p[:, 6], arm + 0.5 * bend, 70)
    p[:, 9] = _limb(p[:, 7], arm + bend, 60)
    p[:, 10] = _limb(p[:, 8], arm + bend, 60)
    p[:, 13] = _limb(p[:, 11], -lk / 2, 100)
    p[:, 14] = _limb(p[:, 12], -rk / 2, 100)
    p[:, 15] = _limb(p[:, 13], lk / 2, 100)
    p[:, 16] = _limb(p[:, 14], rk / 2, 100)
    head = (p[:, 5] + p[:, 6]) / 2
    p[:, 0] = _limb(head, 180 - lean, 40)
    p[:, 1:5] = p[:, [0]]
    p = p * scale + np.array(shift)
    return PoseSequence(p, skeleton="coco_17", fps=fps, image_size=(1280, 720))


def _phase(n: int, reps: float = 1.0) -> np.ndarray:
    return np.linspace(0, reps, n)


# ---------------------------------------------------------------------------- scores
def test_identical_inputs_score_100() -> None:
    seq = squat(_phase(60))
    result = compare(seq, seq)
    assert result.score == pytest.approx(100.0, abs=1e-6)
    assert result.cues == []
    assert result.mode == "sequence"


def test_other_size_position_and_speed_still_score_high() -> None:
    ref = squat(_phase(60))
    att = squat(_phase(90) ** 1.3, scale=0.6, shift=(200, -50), fps=30)
    result = compare(ref, att)
    assert result.score > 90


def test_different_movement_scores_low() -> None:
    ref = squat(_phase(60))
    wave = np.sin(np.linspace(0, np.pi, 60)) ** 2
    # Standing on the right leg, left knee raised, arms lifted overhead.
    other = squat(np.zeros(60), arm_raise=170 * wave, left_knee_offset=-110 * wave)
    same = compare(ref, ref).score
    assert compare(ref, other).score < 50 < same


def test_planted_knee_error_shows_in_joint_time_and_cue() -> None:
    n = 90
    ref = squat(_phase(n))
    offset = np.zeros(n)
    offset[30:60] = 40.0  # left knee bends 40° less from 1.0 s to 2.0 s
    att = squat(_phase(n), left_knee_offset=offset)
    result = compare(ref, att, method="none")
    joints = {j["name"]: j for j in result.to_dict()["joints"]}
    worst = max(joints.values(), key=lambda j: j["max_error"])
    assert worst["name"] in ("left_knee", "left_ankle")
    errs = result.frames.joint_errors[:, result.frames.joint_names.index("left_ankle")]
    assert errs[:25].max() < 0.05 and errs[35:55].min() > 0.2
    # the bending left knee (a larger knee angle than the reference's) is the one cue,
    # over the planted second, in coach's words, confident
    assert [c.joint for c in result.cues] == ["left_knee"]
    top = result.cues[0]
    assert top.text == "bend your left knee more, about 40°"
    assert top.start_s == pytest.approx(1.0, abs=0.1) and top.end_s == pytest.approx(2.0, abs=0.1)
    assert top.confidence > 0.9 and top.gain > 5
    fs = result.frames
    # per-frame scores on the headline's scale: perfect outside, clearly lower inside
    assert fs.scores[:25].min() > 99.9 and fs.scores[35:55].max() < 60
    assert fs.distance[:25].max() < 1e-6 and fs.distance[35:55].min() > 0.15
    assert result.score < 95


def test_repetitions_are_found_and_the_bad_one_scores_lowest() -> None:
    ref = squat(_phase(45))
    n = 45
    offset = np.concatenate([np.zeros(n), np.full(n, 45.0), np.zeros(n)])
    phase = np.concatenate([_phase(n), _phase(n), _phase(n)])
    att = squat(phase, left_knee_offset=offset, shift=(50, 0))
    result = compare(ref, att)
    assert result.mode == "repetitions"
    assert len(result.reps) == 3
    starts = [r["start_frame"] for r in result.reps]
    assert all(abs(s - e) <= 3 for s, e in zip(starts, [0, 45, 90], strict=True))
    scores = [r["score"] for r in result.reps]
    assert scores[0] > 99.9 and scores[2] > 99.9 and scores[1] < 99
    assert result.score == pytest.approx(np.mean(scores))


# ---------------------------------------------------------------------------- bad input
def test_no_person_anywhere_is_one_clear_error() -> None:
    ref = squat(_phase(30))
    empty = PoseSequence(np.full((30, 17, 2), np.nan), skeleton="coco_17")
    with pytest.raises(InputError, match=r"attempt .*expected a person"):
        compare(ref, empty)
    with pytest.raises(InputError, match=r"reference .*expected a person"):
        compare(empty, ref)


def test_incompatible_skeletons_are_one_clear_error() -> None:
    ref = squat(_phase(30))
    sk = Skeleton("tail_only", ("tail_base", "tail_tip"), ((0, 1),))
    other = PoseSequence(np.ones((30, 2, 2)), skeleton=sk)
    with pytest.raises(InputError, match="incompatible skeletons"):
        compare(ref, other)


def test_one_frame_against_a_long_sequence_is_a_pose_comparison() -> None:
    ref = squat(_phase(60))
    bottom = squat(np.array([0.5]))  # the deepest point of the squat
    result = compare(ref, bottom)
    assert result.mode == "pose"
    assert result.score > 95
    assert result.reference_index.tolist() in ([29], [30])  # both 0.0085 from the bottom
    back = compare(bottom, ref)
    assert back.mode == "pose" and back.attempt.n_frames == 60
    assert back.frames.scores[30] > 95 and back.frames.scores[0] < back.frames.scores[30] - 20


def test_unwritable_output_folder_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    seq = squat(_phase(30))
    with pytest.raises(InputError, match="output folder"):
        compare_files(seq, seq, outdir=blocker / "out", render=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_folder"]


def test_failed_run_keeps_previous_results_and_leaves_no_temp(tmp_path: Path, monkeypatch) -> None:
    seq = squat(_phase(30))
    out = tmp_path / "out"
    compare_files(seq, seq, outdir=out, render=False)
    before = (out / "result.json").read_text()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("posecoach.compare.core.score_frames", boom)
    with pytest.raises(RuntimeError):
        compare_files(seq, squat(_phase(40)), outdir=out, render=False)
    assert (out / "result.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ---------------------------------------------------------------------------- outputs
def test_result_json_has_the_contract_keys(tmp_path: Path) -> None:
    ref = squat(_phase(40))
    att = squat(_phase(50), left_knee_offset=45.0)
    result = compare_files(ref, att, outdir=tmp_path / "res", render=False)
    data = json.loads((tmp_path / "res" / "result.json").read_text())
    assert data == result.to_dict()
    for key in ("schema_version", "score", "reps", "cues", "joints", "frames", "files"):
        assert key in data
    assert data["score"] == pytest.approx(result.score)
    assert set(data["reps"][0]) >= {"index", "start_s", "end_s", "score"}
    assert set(data["cues"][0]) >= {
        "start_s", "end_s", "joint", "text", "severity", "confidence", "gain"
    }  # fmt: skip
    assert data["schema_version"] == 2
    form = data["form"]
    assert form["quantities"][0]["name"] == "left_knee" and form["mirrored"] is False
    assert form["n_references"] == 1 and form["in_3d"] is False
    assert data["coverage"]["scored_share"] == 1.0 and data["coverage"]["not_scored"] == []
    assert set(data["joints"][0]) >= {"name", "mean_error", "max_error", "mean_angle_diff_deg"}
    assert len(data["frames"]["time_s"]) == len(data["frames"]["score"]) == 50
    prov = data["provenance"]
    import importlib.metadata as md

    from posecoach import __version__
    from posecoach.align import default_method
    from posecoach.compare.core import SCORE_ALIGNER

    assert prov["versions"]["posecoach"] == __version__
    assert prov["versions"]["dtaidistance"] == md.version("dtaidistance")
    assert prov["versions"]["numpy"] == np.__version__
    assert prov["aligner"] == default_method(att, ref)  # 2D stick figures: the 2D winner
    assert prov["parameters"]["score_aligner"] == SCORE_ALIGNER
    assert prov["parameters"]["scored_in"] == "attempt image"
    assert prov["parameters"]["reps"] == "auto" and prov["parameters"]["band"] is None
    assert prov["parameters"]["joints"] == list(result.attempt.skeleton.names)
    assert data["error_bands"] == {"good_below": 0.1, "bad_above": 0.25, "unit": "torso lengths"}
    assert prov["calibration"], "the score's calibration constants are recorded"


def test_cli_compare_on_pose_files(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from posecoach.cli.app import app

    ref_path, att_path = tmp_path / "ref.pose.npz", tmp_path / "att.pose.npz"
    save(squat(_phase(40)), ref_path)
    save(squat(_phase(40), left_knee_offset=35.0), att_path)
    runner = CliRunner()
    out = tmp_path / "out"
    res = runner.invoke(
        app, ["compare", str(ref_path), str(att_path), "-o", str(out), "--no-render"]
    )
    assert res.exit_code == 0, res.output
    assert "score:" in res.output and "left knee" in res.output
    assert json.loads((out / "result.json").read_text())["schema_version"] == 2
    missing = runner.invoke(app, ["compare", str(tmp_path / "nope.mp4"), str(att_path)])
    assert missing.exit_code == 1
    assert "no such file" in missing.output


def test_short_attempt_is_matched_inside_the_reference() -> None:
    ref = squat(_phase(90))
    part = squat(_phase(90)[30:60])  # the middle third of the movement
    result = compare(ref, part)
    assert result.score > 99
    assert abs(result.reference_index[0] - 30) <= 1 and abs(result.reference_index[-1] - 59) <= 1


def test_render_writes_every_output_and_h264_videos(tmp_path: Path) -> None:
    from posecoach.video import probe_video

    ref = squat(_phase(30))
    att = squat(_phase(36), left_knee_offset=35.0)
    out = tmp_path / "res"
    result = compare_files(ref, att, outdir=out, render=True)
    files = result.files
    for name in (files["overlay"], files["side_by_side"], files["report"], "result.json"):
        assert (out / name).stat().st_size > 0
    for png in files["plots"].values():
        assert (out / png).read_bytes()[:4] == b"\x89PNG"
    info = probe_video(out / "overlay.mp4")
    assert info.codec == "h264" and info.n_frames == 36
    html = (out / "report.html").read_text()
    assert "left knee" in html and "http://" not in html and "https://" not in html
    assert [p.name for p in tmp_path.iterdir()] == ["res"]


def test_real_plank_correct_window_scores_above_faulty_windows() -> None:
    from conftest import require_shared
    from posecoach.io.mediapipe_landmarks import read_exercise_correction_csv

    folder = require_shared("exercise_correction_mediapipe/core/plank_model")
    ref, _ = read_exercise_correction_csv(folder / "kaggle.csv")
    seq, labels = read_exercise_correction_csv(folder / "test.csv")
    # The file starts with runs of 40 correct, 41 low-back and 33 high-back frames.
    assert labels[0] == "C" and labels[45] == "L" and labels[90] == "H"
    good = compare(ref, seq.frames(slice(5, 35))).score
    low = compare(ref, seq.frames(slice(45, 75))).score
    high = compare(ref, seq.frames(slice(85, 110))).score
    assert good > 85 and good > low + 10 and good > high + 10


@pytest.mark.slow
def test_pose2sim_other_camera_scores_far_above_other_movement(sample_videos) -> None:
    same = compare_files(sample_videos["single/cam01"], sample_videos["single/cam01"])
    assert same.score == pytest.approx(100.0)
    other_view = compare_files(sample_videos["single/cam01"], sample_videos["single/cam03"])
    assert other_view.info["provenance"]["aligner"] == "view3d"
    # The same instant seen by cameras 1 and 3: DTW stays near the diagonal.
    idx = other_view.reference_index
    assert np.median(np.abs(idx - np.arange(len(idx)))) <= 1
    assert other_view.score > 55


# ---------------------------------------------------------------------------- aligners
def _squat_3d(n: int = 30) -> PoseSequence:
    """The squatter with 3D ``world`` landmarks (metres, y down, depth from x)."""
    seq = squat(_phase(n))
    xy = (seq.positions - seq.positions[:, [11, 12]].mean(axis=1, keepdims=True)) / 300.0
    z = 0.2 * xy[..., :1] + 0.05 * np.sin(np.arange(17))[None, :, None]
    return seq.replace(world=np.concatenate([xy, z], axis=-1))


def test_every_registered_aligner_runs_through_compare() -> None:
    from posecoach.align import available_aligners

    seq = _squat_3d()
    names = available_aligners()
    assert "none" in names
    for m in names:
        result = compare(seq, seq, method=m)
        prov = result.info["provenance"]
        assert prov["aligner"] == m, m
        assert result.score == pytest.approx(100.0, abs=0.5), m


def test_none_aligner_is_the_identity() -> None:
    from posecoach.align import align

    seq = squat(_phase(10))
    res = align(seq, seq, method="none")
    np.testing.assert_array_equal(res.aligned.positions, seq.positions)
    assert res.method == "none" and res.quality.mean_residual == 0.0
    shifted = seq.replace(positions=seq.positions + 50.0)
    res = align(shifted, seq, method="none")
    np.testing.assert_array_equal(res.aligned.positions, shifted.positions)
    assert res.quality.mean_residual > 0  # quality computed as for any aligner


def test_unknown_method_is_the_registry_error_from_align_and_compare() -> None:
    from posecoach.align import AlignmentError, align, available_aligners

    seq = squat(_phase(10))
    expected = f"unknown aligner 'x'; expected one of {available_aligners()}"
    with pytest.raises(AlignmentError) as from_align:
        align(seq, seq, method="x")
    with pytest.raises(AlignmentError) as from_compare:
        compare(seq, seq, method="x")
    assert str(from_align.value) == str(from_compare.value) == expected


def test_scoring_and_drawing_aligners() -> None:
    from posecoach.align import default_method
    from posecoach.compare import core

    seq = squat(_phase(30))
    prov = compare(seq, seq).info["provenance"]
    assert prov["aligner"] == default_method(seq, seq)
    assert prov["parameters"]["score_aligner"] == core.SCORE_ALIGNER
    for m in ("none", "normalize", "affine"):
        prov = compare(seq, seq, method=m).info["provenance"]
        assert prov["aligner"] == prov["parameters"]["score_aligner"] == m


def test_view3d_without_world_is_one_error_with_and_without_rendering(tmp_path: Path) -> None:
    from posecoach.align import AlignmentError

    seq = squat(_phase(20))
    messages = []
    with pytest.raises(AlignmentError) as direct:
        compare(seq, seq, method="view3d")
    messages.append(str(direct.value))
    for render in (False, True):
        with pytest.raises(AlignmentError) as exc:
            compare_files(seq, seq, outdir=tmp_path / f"r{render}", method="view3d", render=render)
        messages.append(str(exc.value))
        assert not (tmp_path / f"r{render}").exists()
    assert len(set(messages)) == 1, messages


def test_result_json_records_the_error_bands(tmp_path: Path) -> None:
    from posecoach.compare.score import ERROR_BANDS
    from posecoach.render.palette import DEFAULT_ERROR_BANDS

    seq = squat(_phase(20))
    data = compare(seq, seq, method="none").to_dict()
    assert data["error_bands"] == {"good_below": 0.1, "bad_above": 0.25, "unit": "torso lengths"}
    assert (data["error_bands"]["good_below"], data["error_bands"]["bad_above"]) == ERROR_BANDS
    assert DEFAULT_ERROR_BANDS == ERROR_BANDS  # render's default is scoring's value


def test_cli_compare_prints_a_hand_computable_score_and_cue(tmp_path: Path) -> None:
    import re

    from typer.testing import CliRunner

    from posecoach.cli.app import app

    ref_path = tmp_path / "ref.pose.npz"
    save(squat(_phase(40)), ref_path)
    bent_path = tmp_path / "bent.pose.npz"
    save(squat(_phase(40), left_knee_offset=30.0), bent_path)
    runner = CliRunner()

    def run(att: Path, out: str) -> tuple[float, float, list[str]]:
        args = ["compare", str(ref_path), str(att), "-o", str(tmp_path / out), "--no-render"]
        res = runner.invoke(app, [*args, "--method", "none"])
        assert res.exit_code == 0, res.output
        found = re.search(r"score: (\d+)/100", res.output)
        assert found, res.output
        cues = [
            ln.strip()[2:].rsplit(" (", 1)[0]
            for ln in res.output.splitlines()
            if ln.startswith("  - ")
        ]
        exact = json.loads((tmp_path / out / "result.json").read_text())["score"]
        assert float(found.group(1)) == round(exact)  # the printed score is result.json's
        return float(found.group(1)), exact, cues

    printed, exact, cues = run(ref_path, "same")
    # identical poses: exactly 100, nothing to correct
    assert printed == 100 and exact == pytest.approx(100.0, abs=1e-9) and cues == []
    printed, exact, cues = run(bent_path, "bent")
    # the left knee bends 30° less at the bottom: a clearly lower score, one knee cue in a
    # coach's words with the planted size (the median over the cue's range, to 5°)
    assert exact < 90 and printed == round(exact)
    assert len(cues) == 1 and cues[0] in (
        "bend your left knee more, about 25°",
        "bend your left knee more, about 30°",
    ), cues
