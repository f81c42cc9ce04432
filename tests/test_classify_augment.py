"""Augmentation: mirrored labels, dropped joints, random views keep groups and labels."""

from __future__ import annotations

import numpy as np

from posecoach.classify import AugmentSettings, augment, fit_classifier
from posecoach.classify.augment import drop_joints, mirror, mirror_label, random_views
from posecoach.classify.datasets import PoseDataset
from posecoach.classify.synthetic import planted_dataset
from posecoach.skeletons import get


def test_mirror_label_swaps_sides_and_keeps_sideless():
    classes = ["left_lunge", "right_lunge", "squat", "Left_Kick"]
    assert mirror_label("left_lunge", classes) == "right_lunge"
    assert mirror_label("right_lunge", classes) == "left_lunge"
    assert mirror_label("squat", classes) == "squat"
    assert mirror_label("Left_Kick", classes) is None  # no Right_Kick class: not mirrored
    assert mirror_label("a", ["a", "b"], {"a": "b"}) == "b"


def test_mirror_swaps_joints_and_labels():
    p = np.zeros((2, 17, 2))
    p[:, 9] = [5.0, 1.0]  # left wrist
    ds = PoseDataset(
        p,
        np.ones((2, 17)),
        np.array(["left_raise", "right_raise"]),
        np.array(["g", "h"]),
        get("coco_17"),
    )
    m = mirror(ds)
    assert m.labels.tolist() == ["right_raise", "left_raise"]
    assert m.positions[0, 10].tolist() == [-5.0, 1.0]  # now the right wrist, x negated


def test_drop_joints_removes_legs_or_arms():
    ds = planted_dataset(10)
    d = drop_joints(ds, np.random.default_rng(0), 1.0, parts=("legs",))
    assert d.n_samples == ds.n_samples
    assert np.isnan(d.positions[:, 11:]).all() and np.isfinite(d.positions[:, :11]).all()
    assert d.groups.tolist() == ds.groups.tolist()


def test_random_views_change_pose_but_keep_labels_and_groups():
    ds = planted_dataset(5)
    v = random_views(ds, np.random.default_rng(0))
    assert v.labels.tolist() == ds.labels.tolist() and v.groups.tolist() == ds.groups.tolist()
    assert np.isfinite(v.positions).all()
    assert not np.allclose(v.positions, ds.positions)


def test_drop_augmentation_makes_legless_poses_classifiable():
    ds = planted_dataset(20, rng=np.random.default_rng(2))
    test = planted_dataset(10, rng=np.random.default_rng(3))
    legless = test.positions.copy()
    legless[:, 11:] = np.nan
    aug = fit_classifier(
        ds, model="knn", augmentation=AugmentSettings(drop=1.0, drop_parts=("legs",))
    )
    assert aug.predict([legless]) == test.labels.tolist()
    n = augment(ds, AugmentSettings(views=1, mirror=True)).n_samples
    assert n == 4 * ds.n_samples
