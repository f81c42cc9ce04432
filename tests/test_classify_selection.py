"""``--model auto``, MiniRocket, seen-side angles, body-part dropping and lifted views."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.align.learned import lift_depth
from posecoach.classify import AugmentSettings, fit_classifier
from posecoach.classify.augment import DEFAULT_AUGMENTATION, augment, drop_joints, random_views
from posecoach.classify.datasets import PoseDataset, dataset_from_sequences
from posecoach.classify.features import FeatureSettings, frame_features, side_angles
from posecoach.classify.models import MiniRocketModel, get_model
from posecoach.classify.persistence import load_classifier, save_classifier
from posecoach.classify.selection import Candidate, select_model, train_auto
from posecoach.classify.synthetic import stick_figure
from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.skeletons import COCO_17


def _xor_dataset(n: int = 240, groups: int = 8, seed: int = 0) -> PoseDataset:
    """The label is whether both wrists are raised or both lowered (an XOR of two signs):
    no linear function of the features tells it, a tree or a neighbour does."""
    rng = np.random.default_rng(seed)
    base = stick_figure(np.zeros(n))
    up_l, up_r = rng.random(n) < 0.5, rng.random(n) < 0.5
    base[:, 9, 1] += np.where(up_l, -1.5, 1.5) + 0.1 * rng.normal(size=n)
    base[:, 10, 1] += np.where(up_r, -1.5, 1.5) + 0.1 * rng.normal(size=n)
    labels = np.where(up_l == up_r, "same", "different")
    return PoseDataset(
        base,
        np.ones(base.shape[:2]),
        labels,
        np.array([f"g{i % groups}" for i in range(n)]),
        COCO_17,
    )


def test_auto_choice_is_the_cross_validated_best_and_is_stored(tmp_path):
    ds = _xor_dataset()
    cands = (Candidate("linear", "linear"), Candidate("knn", "knn"), Candidate("gbdt", "gbdt"))
    clf, sel = train_auto(ds, k=4)
    results = {r.candidate.name: r for r in sel.results}
    assert list(results) == ["gbdt", "mlp", "knn", "linear"]
    # the planted XOR: the "34 numbers into a linear model" baseline cannot, the others can
    assert results["linear"].accuracy < 0.75
    # the first candidate within one standard error of the best (240 samples: se <= 0.032)
    top = max(r.accuracy for r in sel.results)
    assert top > 0.95 and results[sel.best.name].accuracy >= top - np.sqrt(top * (1 - top) / 240)
    first_close = next(r for r in sel.results if r.accuracy >= results[sel.best.name].accuracy)
    assert first_close.candidate == sel.best
    assert sel.best.name != "linear" and sel.k == 4 and sel.n_groups == 8
    assert not sel.warnings
    path = tmp_path / "m.safetensors"
    save_classifier(clf, path)
    info = load_classifier(path).info
    assert info["model_selection"]["best"] == sel.best.name
    assert info["cv"]["accuracy"] == pytest.approx(results[sel.best.name].accuracy)
    # the table marks the chosen row
    marked = [ln for ln in sel.table().splitlines() if ln.startswith("*")]
    assert len(marked) == 1 and sel.best.name in marked[0]
    # a shorter list of candidates is honoured; fit_classifier(model="auto") chooses too
    assert select_model(ds, k=4, candidates=cands).best.name in ("knn", "gbdt")
    auto = fit_classifier(ds, model="auto")
    assert auto.info["model_selection"]["best"] == auto.model.name != "linear"


def test_auto_warns_near_chance_and_with_few_groups():
    ds = _xor_dataset(groups=3)
    shuffled = PoseDataset(
        ds.positions,
        ds.confidence,
        np.random.default_rng(3).permutation(ds.labels),
        ds.groups,
        ds.skeleton,
    )
    sel = select_model(shuffled, candidates=(Candidate("linear", "linear"),))
    assert sel.k == 3
    assert any("only 3 groups" in w for w in sel.warnings)
    assert any("near chance" in w for w in sel.warnings)
    one = PoseDataset(
        ds.positions, ds.confidence, ds.labels, np.array(["g"] * ds.n_samples), ds.skeleton
    )
    sel = select_model(one)
    assert sel.results == [] and sel.best.name == "gbdt"
    assert any("one group only" in w for w in sel.warnings)


def _sequences(n_per: int = 6) -> PoseDataset:
    """Arm raises (the wrist travels up and down) against knee bends, 12 people."""
    rng = np.random.default_rng(0)
    seqs, labels, groups = [], [], []
    for i in range(2 * n_per):
        t = np.linspace(0, 2 * np.pi, int(rng.integers(30, 60)))
        p = stick_figure(np.zeros(len(t))) + 0.02 * rng.normal(size=(len(t), 17, 2))
        if i % 2:
            p[:, 9, 1] -= 1.5 * np.sin(t / 2)
        else:
            p[:, [13, 15], 0] += 0.8 * np.sin(t / 2)[:, None]
        seqs.append(PoseSequence(p, skeleton="coco_17"))
        labels.append("raise" if i % 2 else "bend")
        groups.append(f"p{i // 2}")
    return dataset_from_sequences(seqs, labels, groups)


def test_sequence_candidates_and_minirocket_round_trip(tmp_path):
    ds = _sequences()
    sel = select_model(ds, task="exercise", k=3)
    names = [r.candidate.name for r in sel.results]
    assert names == ["dtw-angles", "dtw", "minirocket", "seqcnn", "gbdt-stats"]
    assert max(r.accuracy for r in sel.results) == 1.0
    clf = fit_classifier(ds, model="minirocket", task="exercise")
    path = tmp_path / "rocket.safetensors"
    save_classifier(clf, path)
    again = load_classifier(path)
    samples = list(ds.sequences())
    np.testing.assert_allclose(again.predict_proba(samples), clf.predict_proba(samples))
    assert again.predict(samples) == ds.labels.tolist()


def test_minirocket_refit_is_deterministic():
    t = np.linspace(0, 1, 40)[:, None]
    seqs = [np.sin(6 * t) + 0.05 * i for i in range(3)] + [t + 0.05 * i for i in range(3)]
    y = np.array([0, 0, 0, 1, 1, 1])
    a = MiniRocketModel(kernels=300).fit(seqs, y, 2, seed=4)
    b = get_model("minirocket", kernels=300).fit(seqs, y, 2, seed=4)
    np.testing.assert_array_equal(a.predict_proba(seqs), b.predict_proba(seqs))


def test_side_angles_pick_the_side_seen_best_and_ignore_facing():
    p = stick_figure(np.zeros(3))
    p[:, 8, :] += [0.3, -0.4]  # the right elbow bent: only the right side differs
    left_hidden = p.copy()
    left_hidden[:, [5, 7, 9, 11, 13]] = np.nan
    right = side_angles(left_hidden, COCO_17)
    assert np.isfinite(right).all()
    # the same pose seen facing the other way (mirrored) reads the same numbers
    mirrored = left_hidden[:, COCO_17.mirror_permutation()] * [-1.0, 1.0]
    np.testing.assert_allclose(side_angles(mirrored, COCO_17), right)
    feats = frame_features(left_hidden, COCO_17, FeatureSettings(blocks=("side_angles",)))
    np.testing.assert_allclose(feats, right / 180.0)


def test_drop_parts_remove_what_they_say():
    p = np.zeros((4, 17, 2))
    ds = PoseDataset(p, np.ones((4, 17)), np.array(list("aabb")), np.array(list("ghij")), COCO_17)
    left = drop_joints(ds, np.random.default_rng(0), 1.0, parts=("left",))
    gone = np.isnan(left.positions[..., 0]).all(0)
    assert [COCO_17.names[i] for i in np.flatnonzero(gone)] == [
        n for n in COCO_17.names if n.startswith("left_")
    ]
    twice = drop_joints(ds, np.random.default_rng(0), 2.0, parts=("legs",))
    assert twice.n_samples == 8 and sorted(twice.groups.tolist()) == sorted(list("ghij") * 2)
    many = PoseDataset(
        np.zeros((2000, 17, 2)),
        np.ones((2000, 17)),
        np.array(["a", "b"] * 1000),
        np.arange(2000).astype(str),
        COCO_17,
    )
    single = drop_joints(many, np.random.default_rng(1), 1.0, parts=("joints",))
    assert abs(np.isnan(single.positions[..., 0]).mean() - 0.15) < 0.01
    with pytest.raises(InputError, match="unknown body parts"):
        AugmentSettings(drop=1.0, drop_parts=("tail",))


def test_default_augmentation_counts():
    p = np.random.default_rng(0).normal(size=(6, 17, 2))
    ds = PoseDataset(
        p, np.ones((6, 17)), np.array(list("aabbcc")), np.array(list("ghijkl")), COCO_17
    )
    # mirror (12) + 2 views of each (36) + a sixth of those with a part missing (6)
    assert augment(ds, DEFAULT_AUGMENTATION).n_samples == 42


def test_lifted_depth_scales_and_moves_with_the_pose():
    p = stick_figure(np.zeros(2))
    conf = np.ones(p.shape[:2])
    z = lift_depth(p, conf, COCO_17)
    np.testing.assert_allclose(lift_depth(p * 3 + [50.0, -20.0], conf, COCO_17), 3 * z, atol=1e-9)
    few = np.full_like(p, np.nan)
    few[:, :3] = p[:, :3]
    assert np.isnan(lift_depth(few, conf, COCO_17)).all()


def test_views_of_2d_poses_use_the_lifted_depth():
    """Turned by 90°, a flat pose (depth 0) would collapse onto one vertical line; with the
    lifter's depth the body keeps a width."""
    p = stick_figure(np.zeros(1))
    ds = PoseDataset(p, np.ones((1, 17)), np.array(["a"]), np.array(["g"]), COCO_17)
    side = {"azimuth_deg": (90.0, 90.0), "elevation_deg": (0.0, 0.0), "roll_deg": (0.0, 0.0)}
    view = random_views(ds, np.random.default_rng(0), **side)
    width, height = np.ptp(view.positions[0], axis=0)
    assert width > 0.05 * height


def _arm_and_knee(n: int = 80) -> PoseDataset:
    """Class a: left wrist raised and knees apart; class b: wrist lowered, knees together.
    Either cue alone tells the class, so a model may rely on the knees."""
    rng = np.random.default_rng(2)
    p = stick_figure(np.zeros(n)) + 0.03 * rng.normal(size=(n, 17, 2))
    a = np.arange(n) < n // 2
    p[a, 9, 1] -= 1.2
    p[a, 13, 0] -= 0.6
    p[a, 14, 0] += 0.6
    labels = np.where(a, "a", "b")
    return PoseDataset(
        p, np.ones((n, 17)), labels, np.array([f"g{i % 8}" for i in range(n)]), COCO_17
    )


def test_upper_body_model_takes_frames_without_legs(tmp_path):
    from posecoach.classify.classifier import without_lower_body

    ds = _arm_and_knee()
    plain = fit_classifier(ds, model="linear")
    clf = fit_classifier(ds, model="linear", upper_body=True)
    assert clf.upper is not None and clf.upper_features is not None
    assert not set(clf.upper_features.joints) & {"left_hip", "left_knee", "left_ankle"}
    full = list(ds.sequences())
    legless = [without_lower_body(s, COCO_17) for s in full]
    # whole bodies still go to the main model: the same probabilities as without upper
    np.testing.assert_allclose(clf.predict_proba(full), plain.predict_proba(full))
    assert clf.predict(legless) == ds.labels.tolist()
    # the main model alone leans on the knees and is lost without them
    assert np.mean(np.array(plain.predict(legless)) == ds.labels) <= 0.6
    path = tmp_path / "upper.safetensors"
    save_classifier(clf, path)
    again = load_classifier(path)
    np.testing.assert_allclose(again.predict_proba(legless), clf.predict_proba(legless))
    # a recording whose legs MediaPipe still places, off the frame, with visibility ~0:
    # classified as legless, by the upper model
    conf = np.ones((len(ds.positions), 17))
    conf[:, 11:] = 0.02
    seq = PoseSequence(ds.positions, conf, skeleton="coco_17", fps=10)
    by_frame = clf.frame_probabilities(seq)
    np.testing.assert_allclose(by_frame, clf.predict_proba(legless))
