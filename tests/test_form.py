"""Form scoring (posecoach.compare.form, .coaching): planted errors on a 3D stick squatter
whose form is known exactly, seen from several cameras and sides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecoach import PoseSequence, save
from posecoach.app.compare import compare_files, reference_sources
from posecoach.compare import compare
from posecoach.compare.coaching import coach_cues, cue_sentence
from posecoach.compare.form import (
    MATCH_SCORE,
    FormModel,
    assess_form,
    form_features,
    mirror_index,
)
from posecoach.compare.synthetic import stick_squat
from posecoach.errors import InputError


def _mirror_labels(seq: PoseSequence) -> PoseSequence:
    """The same body with left and right labels swapped (the person uses the other side)."""
    perm = seq.skeleton.mirror_permutation()
    world = None if seq.world is None else seq.world[:, perm]
    return seq.replace(positions=seq.positions[:, perm], world=world)


def test_features_are_the_planted_angles() -> None:
    f = form_features(stick_squat(61, knee_depth=1.0), use_world=True)
    knee = f.values[:, f.names.index("left_knee")]
    # 180° standing, 180 - 100 = 80° at the bottom (frame 30 of one rep)
    assert knee[0] == pytest.approx(180.0, abs=1e-6) and knee[30] == pytest.approx(80.0, abs=0.5)
    trunk = f.values[:, f.names.index("trunk_tilt")]
    assert trunk[0] == pytest.approx(0.0, abs=1e-6) and trunk[30] == pytest.approx(30.0, abs=0.5)


def test_features_do_not_change_with_the_side_the_person_faces() -> None:
    a = form_features(stick_squat(40, yaw_deg=90), use_world=False)
    b = form_features(stick_squat(40, yaw_deg=-90), use_world=False)  # facing the other way
    np.testing.assert_allclose(a.values, b.values, atol=1e-6)


def test_identical_and_view_changes_score_high_with_no_cue() -> None:
    ref = stick_squat(90, yaw_deg=90)
    model = FormModel.from_references([ref], use_world=False)
    same = assess_form(model, ref)
    assert same.score == pytest.approx(100.0) and coach_cues(same) == []
    for yaw in (60.0, 120.0, -90.0):  # another camera azimuth, and the other side
        other = assess_form(model, stick_squat(90, yaw_deg=yaw))
        assert other.score >= 90, yaw
        assert len(coach_cues(other)) <= 1


def test_3d_is_independent_of_the_camera() -> None:
    model = FormModel.from_references([stick_squat(90, yaw_deg=90)], use_world=True)
    for yaw in (0.0, 45.0, 180.0):
        assert assess_form(model, stick_squat(90, yaw_deg=yaw)).score == pytest.approx(100.0)


@pytest.mark.parametrize(
    ("kwargs", "joint"),
    [
        ({"knee_depth": 0.4}, "both_knee"),
        ({"trunk_lean_deg": 75.0}, "trunk_tilt"),
        ({"left_knee_offset_deg": 45.0}, "left_knee"),
        ({"arm_forward_deg": 20.0}, "both_arm"),
    ],
)
def test_planted_errors_lower_the_score_and_the_top_cue_names_them(kwargs, joint) -> None:
    model = FormModel.from_references([stick_squat(90)], use_world=True)
    a = assess_form(model, stick_squat(90, **kwargs))
    assert a.score < MATCH_SCORE
    cues = coach_cues(a)
    assert 1 <= len(cues) <= 3
    if joint == "both_arm":  # arms not raised: any arm quantity of both sides says so
        assert cues[0].joint in ("both_shoulder", "both_upper_arm_tilt", "both_forearm_tilt")
    else:
        assert cues[0].joint == joint
    assert all(c.end_s - c.start_s >= 0.5 - 1e-9 for c in cues)
    assert 0.5 < cues[0].confidence <= 1.0 and cues[0].gain > 0


def test_other_side_is_recognised_and_cues_name_the_persons_own_side() -> None:
    model = FormModel.from_references([stick_squat(90)], use_world=True)
    bad = stick_squat(90, left_knee_offset_deg=45.0)
    seen = assess_form(model, bad)
    flipped = assess_form(model, _mirror_labels(bad))  # now the *right* knee lags
    assert flipped.score == pytest.approx(seen.score, abs=1e-6)
    assert coach_cues(seen)[0].joint == "left_knee"
    assert coach_cues(flipped)[0].joint == "right_knee"


def test_a_reference_that_uses_the_other_side_is_mirrored() -> None:
    ref = stick_squat(90, left_knee_offset_deg=30.0)  # this reference bends its left less
    model = FormModel.from_references([ref], use_world=True)
    attempt = _mirror_labels(ref)  # the same movement done with the other leg
    a = assess_form(model, attempt)
    assert a.mirrored and a.score == pytest.approx(100.0, abs=1e-6)
    assert not assess_form(model, attempt, allow_mirror=False).score > 90


def test_library_forgives_what_varies_and_is_strict_on_what_does_not() -> None:
    library = [stick_squat(90, trunk_lean_deg=lean) for lean in (15.0, 30.0, 45.0, 60.0)]
    lib = FormModel.from_references(library, use_world=True)
    one = FormModel.from_references([library[1]], use_world=True)
    leaning = stick_squat(90, trunk_lean_deg=65.0)
    # the trunk lean varies between correct executions: the library forgives it
    assert assess_form(lib, leaning).score > assess_form(one, leaning).score + 10
    assert assess_form(lib, leaning).score >= 90
    # the knee depth never varies: strict with or without the library
    shallow = stick_squat(90, knee_depth=0.5)
    for model in (lib, one):
        a = assess_form(model, shallow)
        assert a.score < 75 and coach_cues(a)[0].joint == "both_knee"
    assert lib.n_references == 4 and float(lib.spread.max()) > 5


def test_compare_takes_a_library_and_a_folder(tmp_path: Path) -> None:
    refs = [stick_squat(90, trunk_lean_deg=lean) for lean in (20.0, 30.0, 40.0)]
    folder = tmp_path / "correct"
    folder.mkdir()
    for i, r in enumerate(refs):
        save(r, folder / f"rep{i}.pose.npz")
    (folder / "notes.txt").write_text("not a pose")
    assert len(reference_sources(folder)) == 3
    attempt = stick_squat(90, knee_depth=0.5)
    by_list = compare(refs, attempt)
    by_folder = compare_files(folder, attempt, outdir=tmp_path / "out", render=False)
    assert by_list.score == pytest.approx(by_folder.score)
    data = by_folder.to_dict()
    assert data["form"]["n_references"] == 3 and data["cues"][0]["joint"] == "both_knee"
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="expected videos or pose files"):
        compare_files(empty, attempt)


def test_frames_without_a_person_are_reported_not_scored() -> None:
    ref = stick_squat(90)
    att = stick_squat(90)
    pos, conf = att.positions.copy(), att.confidence.copy()
    world = att.world.copy()
    pos[30:45] = np.nan
    world[30:45] = np.nan
    conf[30:45] = 0.0
    gone = att.replace(positions=pos, confidence=conf, world=world)
    result = compare(ref, gone, method="none")
    cov = result.to_dict()["coverage"]
    assert cov["scored_share"] == pytest.approx(75 / 90)
    assert cov["not_scored"] == [
        {"start_s": 1.0, "end_s": pytest.approx(44 / 30), "reason": "no person visible"}
    ]
    assert "17% of the attempt not scored" in cov["summary"]
    assert np.isnan(result.frames.scores[30:45]).all()


def test_cue_words() -> None:
    assert cue_sentence("right_elbow", -20.0) == "straighten your right elbow more, about 20°"
    assert cue_sentence("both_knee", 4.0) == "bend both knees more"
    assert (
        cue_sentence("left_upper_arm_tilt", 30.0) == "raise your left upper arm higher, about 30°"
    )
    assert mirror_index(["left_knee", "trunk_tilt", "right_knee"]).tolist() == [2, 1, 0]


def test_report_says_how_it_scored_and_what_was_not_scored(tmp_path: Path) -> None:
    from posecoach.render.report import report_body

    att = stick_squat(90, knee_depth=0.5)
    pos, conf, world = att.positions.copy(), att.confidence.copy(), att.world.copy()
    pos[60:75], world[60:75], conf[60:75] = np.nan, np.nan, 0.0
    att = att.replace(positions=pos, confidence=conf, world=world)
    refs = [stick_squat(90, trunk_lean_deg=lean) for lean in (20.0, 30.0, 40.0)]
    data = compare(refs, att).to_dict()
    body = report_body(data, tmp_path)
    assert "Measured against 3 correct executions" in body and "in 3D" in body
    assert "17% of the attempt could not be scored" in body and "no person visible" in body
    assert "% sure" in body and "bend both knees more" in body
