"""Models: planted separable data learned perfectly, save/load identical, GBDT export exact."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.classify import (
    cross_validate,
    fit_classifier,
    load_classifier,
    save_classifier,
)
from posecoach.classify.datasets import dataset_from_sequences, group_train_test_split
from posecoach.classify.models import GradientBoostingModel, KnnModel, get_model
from posecoach.classify.synthetic import exercise_sequence, planted_dataset
from posecoach.errors import InputError

FAST = {
    "knn": {},
    "linear": {},
    "gbdt": {"max_iter": 20},
    "mlp": {"epochs": 40},
    "dtw": {},
    "seqcnn": {"epochs": 40},
}


@pytest.fixture(scope="module")
def planted():
    return planted_dataset(30, rng=np.random.default_rng(1))


@pytest.fixture(scope="module")
def sequences():
    """Sequence dataset: squats vs curls vs raises, 4 of each, own group each."""
    rng = np.random.default_rng(5)
    seqs, labels = [], []
    for ex in ("squat", "curl", "raise"):
        for _ in range(4):
            s, _ = exercise_sequence(1, ex, rep_s=rng.uniform(1.0, 2.0), rng=rng)
            seqs.append(s)
            labels.append(ex)
    return dataset_from_sequences(seqs, labels, [f"v{i}" for i in range(len(seqs))])


@pytest.mark.parametrize("name", ["knn", "linear", "gbdt", "mlp"])
def test_planted_separable_learned_perfectly_on_held_out_groups(planted, name):
    tr, te = group_train_test_split(planted.groups, 0.25, seed=0)
    clf = fit_classifier(planted.subset(tr), model=get_model(name, **FAST[name]))
    test = planted.subset(te)
    assert clf.predict(list(test.sequences())) == test.labels.tolist()


@pytest.mark.parametrize("name", ["dtw", "seqcnn"])
def test_sequence_models_learn_exercises(sequences, name):
    tr = [i for i in range(sequences.n_samples) if i % 4 != 0]
    te = [i for i in range(sequences.n_samples) if i % 4 == 0]
    clf = fit_classifier(sequences.subset(tr), model=get_model(name, **FAST[name]), task="exercise")
    test = sequences.subset(te)
    assert clf.predict(list(test.sequences())) == ["squat", "curl", "raise"]


@pytest.mark.parametrize("name", ["knn", "linear", "gbdt", "mlp", "dtw", "seqcnn"])
def test_save_load_gives_identical_predictions(planted, sequences, name, tmp_path):
    ds = sequences if name in ("dtw", "seqcnn") else planted
    clf = fit_classifier(ds, model=get_model(name, **FAST[name]))
    samples = list(ds.sequences())
    before = clf.predict_proba(samples)
    path = save_classifier(clf, tmp_path / "m.safetensors")
    loaded = load_classifier(path)
    after = loaded.predict_proba(samples)
    np.testing.assert_array_equal(before, after)
    assert loaded.classes == clf.classes
    assert loaded.features == clf.features
    assert loaded.skeleton.names == clf.skeleton.names


def test_gbdt_export_matches_sklearn_probabilities():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    x[rng.random(x.shape) < 0.05] = np.nan  # missing values follow the learned direction
    for y in ((np.nan_to_num(x[:, 0]) > 0).astype(int), rng.integers(0, 3, 200)):
        m = GradientBoostingModel(max_iter=15).fit(x, y, int(y.max()) + 1)
        np.testing.assert_allclose(m.predict_proba(x), m._sklearn.predict_proba(x), atol=1e-12)


def test_knn_outlier_filter_drops_far_in_one_coordinate():
    # the two class-1 samples are nearest by mean distance but far in one coordinate;
    # the max-distance pre-filter (top_n=2) keeps only the class-0 samples.
    x = np.array([[0.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 3.0], [1.0, 1.0, 1.0, 1.0], [1.0] * 4])
    y = np.array([1, 1, 0, 0])
    m = KnnModel(top_n=2, top_k=2).fit(x, y, 2)
    assert m.predict_proba(np.zeros((1, 4))).tolist() == [[1.0, 0.0]]
    assert KnnModel(top_n=4, top_k=2).fit(x, y, 2).predict_proba(np.zeros((1, 4))).tolist() == [
        [0.0, 1.0]
    ]


def test_cross_validation_folds_never_share_groups(planted):
    cv = cross_validate(planted, model="linear", k=4)
    assert len(cv.folds) == 4
    assert sum(f.n_samples for f in cv.folds) == planted.n_samples
    assert cv.metrics.accuracy == 1.0


def test_unknown_model_lists_valid_names():
    with pytest.raises(InputError, match=r"unknown model 'svm'; expected one of \['dtw'"):
        get_model("svm")


def test_sequence_model_refuses_frame_dataset(planted):
    with pytest.raises(InputError, match="classifies whole sequences"):
        fit_classifier(planted, model="dtw")
