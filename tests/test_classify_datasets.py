"""Datasets: readers, group splits that never share a group, clear errors for bad data."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_shared
from posecoach.app.datasets import read_dataset, write_labelled_csv
from posecoach.classify import DatasetError, fit_classifier
from posecoach.classify.datasets import (
    contiguous_groups,
    group_kfold,
    group_train_test_split,
    mlkit_group,
)
from posecoach.classify.labeling import frame_labels, parse_segments
from posecoach.classify.synthetic import exercise_sequence
from posecoach.errors import InputError
from posecoach.io import save


def _csv(path, rows, header="label,group,left_wrist_x,left_wrist_y,left_hip_x,left_hip_y"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("k", [2, 3, 5])
def test_group_kfold_never_shares_a_group(k):
    groups = np.array([f"v{i % 7}" for i in range(50)])
    folds = group_kfold(groups, k)
    assert len(folds) == k
    seen = []
    for tr, te in folds:
        assert not set(groups[tr]) & set(groups[te])
        seen += te.tolist()
    assert sorted(seen) == list(range(50))


def test_group_shuffle_split_never_shares_a_group():
    groups = np.repeat([f"p{i}" for i in range(10)], 5)
    tr, te = group_train_test_split(groups, 0.3, seed=3)
    assert not set(groups[tr]) & set(groups[te])
    assert len(tr) + len(te) == 50


def test_contiguous_blocks_keep_neighbours_together():
    g = contiguous_groups(10, 3)
    assert g.tolist() == ["block0"] * 4 + ["block1"] * 3 + ["block2"] * 3


def test_too_few_groups_for_k_folds():
    with pytest.raises(DatasetError, match="expected at least 5 groups for 5-fold"):
        group_kfold(np.array(["a", "b", "a"]), 5)


def test_wide_csv_with_labels_and_groups(tmp_path):
    p = _csv(tmp_path / "d.csv", ["up,a,1,2,3,4", "down,b,1,5,3,4"])
    ds = read_dataset(p)
    assert ds.labels.tolist() == ["up", "down"]
    assert ds.groups.tolist() == ["a", "b"]
    assert ds.positions[1, ds.skeleton.index("left_wrist")].tolist() == [1.0, 5.0]


def test_positional_columns_need_skeleton(tmp_path):
    p = _csv(tmp_path / "pos.csv", ["up,1,2"], header="label,x0,y0")
    with pytest.raises(InputError, match="skeleton"):
        read_dataset(p)
    ds = read_dataset(p, skeleton="coco_17")
    assert ds.positions[0, 0].tolist() == [1.0, 2.0]


def test_one_class_is_refused(tmp_path):
    p = _csv(tmp_path / "one.csv", ["up,a,1,2,3,4", "up,b,1,5,3,4"])
    with pytest.raises(
        DatasetError,
        match=r"one\.csv: expected at least 2 classes to learn, got one class \('up'\)",
    ):
        fit_classifier(read_dataset(p), model="knn")


def test_class_with_single_sample_is_refused(tmp_path):
    p = _csv(tmp_path / "single.csv", ["up,a,1,2,3,4", "up,b,1,5,3,4", "down,c,1,5,3,4"])
    with pytest.raises(DatasetError, match="class 'down' has a single sample"):
        fit_classifier(read_dataset(p), model="knn")


def test_unknown_joint_names_are_refused(tmp_path):
    p = _csv(tmp_path / "unk.csv", ["up,a,1,2"], header="label,group,left_tail_x,left_tail_y")
    with pytest.raises(InputError, match=r"unk\.csv: unknown joint names \['left_tail'\]"):
        read_dataset(p)


def test_csv_without_label_column(tmp_path):
    p = _csv(tmp_path / "nolabel.csv", ["1,2"], header="nose_x,nose_y")
    with pytest.raises(DatasetError, match="expected a 'label' column"):
        read_dataset(p)


def test_sequence_level_groups_rows_into_sequences(tmp_path):
    p = _csv(tmp_path / "s.csv", ["up,a,1,2,3,4", "up,a,1,2,3,4", "down,b,1,5,3,4"])
    ds = read_dataset(p, level="sequence")
    assert ds.level == "sequence" and ds.offsets.tolist() == [0, 2, 3]
    assert ds.labels.tolist() == ["up", "down"]


def test_folder_dataset_one_sequence_per_file(tmp_path):
    for label, ex in (("squat", "squat"), ("curl", "curl")):
        (tmp_path / label).mkdir()
        for i in range(2):
            seq, _ = exercise_sequence(1, ex, rng=np.random.default_rng(i))
            save(seq, tmp_path / label / f"take{i}.pose.npz")
    ds = read_dataset(tmp_path, task="exercise")
    assert ds.level == "sequence" and ds.n_samples == 4
    assert sorted(ds.groups.tolist()) == [
        "curl/take0.pose.npz",
        "curl/take1.pose.npz",
        "squat/take0.pose.npz",
        "squat/take1.pose.npz",
    ]
    frames = read_dataset(tmp_path, task="posture")
    assert frames.level == "frame" and frames.n_samples == ds.offsets[-1]


def test_label_segments_round_trip_to_training_csv(tmp_path):
    seq, _ = exercise_sequence(2, rng=np.random.default_rng(0))
    labels = frame_labels(seq, parse_segments("0:00-0:01=up,0:01-0:02.5=down"))
    assert labels[0] == "up" and labels[40] == "down" and labels[-1] is None
    n = write_labelled_csv(seq, labels, tmp_path / "l.csv", "me")
    ds = read_dataset(tmp_path / "l.csv")
    assert ds.n_samples == n == 75
    assert set(ds.groups.tolist()) == {"me"}
    np.testing.assert_allclose(ds.positions[:30], seq.positions[:30])


def test_mlkit_groups_from_image_names():
    assert mlkit_group("frame__abc__000123.jpg") == "yt:abc"
    assert mlkit_group("Screenshot_2021-02-11_at_15.07.26.png") == "screenshot:2021-02-11_15"


def test_real_mlkit_samples_have_groups_and_classes():
    path = require_shared("mlkit_fitness_pose_samples/fitness_pose_samples.csv")
    ds = read_dataset(path)
    assert ds.n_samples == 812
    assert ds.classes == ["pushups_down", "pushups_up", "squats_down", "squats_up"]
    assert len(set(ds.groups.tolist())) == 442


def test_real_exercise_correction_file_reads_as_frames():
    path = require_shared("exercise_correction_mediapipe/core/bicep_model/test.csv")
    ds = read_dataset(path, blocks=6)
    assert ds.n_samples == 604 and ds.classes == ["C", "L"]
    assert len(set(ds.groups.tolist())) == 6
