"""Training classifiers and cross-validating them with folds by group.

Example
-------
>>> import numpy as np
>>> from posecoach.classify.datasets import PoseDataset
>>> from posecoach.skeletons import get
>>> rng = np.random.default_rng(0)
>>> pos = rng.normal(size=(17, 2)) + 0.05 * rng.normal(size=(40, 17, 2))
    >>> pos[20:, 9, 1] += 1
>>> ds = PoseDataset(pos, np.ones((40, 17)), np.array(["a"] * 20 + ["b"] * 20),
...                  np.array([f"g{i % 8}" for i in range(40)]), get("coco_17"))
>>> cv = cross_validate(ds, model="linear", k=4)
>>> cv.metrics.accuracy > 0.9
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from posecoach.classify.augment import AugmentSettings, augment
from posecoach.classify.classifier import Classifier, without_lower_body
from posecoach.classify.datasets import DatasetError, PoseDataset, check_trainable, group_kfold
from posecoach.classify.evaluate import Metrics, compute_metrics
from posecoach.classify.features import LEG_JOINTS, FeatureSettings, frame_features
from posecoach.classify.models import Model, get_model

__all__ = ["TASKS", "fit_classifier", "cross_validate", "CrossValidation", "default_features"]

TASKS = ("posture", "form", "exercise")
Progress = Callable[[int, int], None]


def default_features(model: str, ds: PoseDataset) -> FeatureSettings:
    """Feature settings a model gets by default, restricted to joints the data has.

    ``linear`` is the "34 numbers into a linear model" baseline (normalised COCO-17 x, y);
    sequence models use normalised coordinates and angles; the rest also get pairwise
    distances and the missing-joint mask.

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> ds = PoseDataset(np.zeros((2, 17, 2)), np.ones((2, 17)), np.array(["a", "b"]),
    ...                  np.array(["g", "h"]), get("coco_17"))
    >>> default_features("linear", ds).blocks
    ('coords',)
    """
    base = FeatureSettings()
    present = _present_joints(ds, base.joints)
    if model == "linear":
        return FeatureSettings(joints=present, blocks=("coords",))
    if model in ("dtw", "seqcnn"):
        return FeatureSettings(joints=present, blocks=("coords", "angles"))
    return FeatureSettings(joints=present)


def _present_joints(ds: PoseDataset, joints: tuple[str, ...]) -> tuple[str, ...]:
    from posecoach.geometry import joint_xyz

    present = tuple(
        j for j in joints if np.isfinite(joint_xyz(ds.positions[..., :2], ds.skeleton, j)).any()
    )
    if len(present) < 2:
        raise DatasetError(
            f"{ds.source}: expected at least 2 of the feature joints {list(joints)}, "
            f"got {list(present)}"
        )
    return present


def _encode(labels: np.ndarray, classes: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[str(v)] for v in labels], dtype=np.int64)


def fit_classifier(
    ds: PoseDataset,
    *,
    model: str | Model = "knn",
    task: str = "posture",
    features: FeatureSettings | None = None,
    augmentation: AugmentSettings | None = None,
    seed: int = 0,
    classes: list[str] | None = None,
    info: dict[str, Any] | None = None,
    upper_body: bool = False,
) -> Classifier:
    """Fit a classifier on every sample of ``ds``.

    Parameters
    ----------
    ds
        Training data (frame or sequence level).
    model
        Registry name (see :func:`posecoach.classify.models.model_names`), a model, or
        ``"auto"``: chosen by cross-validation by group
        (:func:`posecoach.classify.selection.train_auto`; ``features`` then unused).
    task
        ``"posture"``, ``"form"`` or ``"exercise"`` (stored with the model).
    features
        Feature settings (default :func:`default_features`).
    augmentation
        Augmented copies added to the training data.
    seed
        Seed of every random step.
    classes
        Label set (default: the labels in ``ds``).
    upper_body
        Frame level: also fit the same model on the poses with the lower body removed,
        for frames where it is out of view (:attr:`Classifier.upper`).
    """
    if task not in TASKS:
        raise DatasetError(f"unknown task {task!r}; expected one of {list(TASKS)}")
    check_trainable(ds.labels, ds.source)
    if model == "auto":
        from posecoach.classify.selection import train_auto

        return train_auto(
            ds, task=task, augmentation=augmentation, seed=seed, info=info, upper_body=upper_body
        )[0]
    m = get_model(model) if isinstance(model, str) else model
    if m.level == "sequence" and ds.level != "sequence":
        raise DatasetError(
            f"model {m.name!r} classifies whole sequences; expected a sequence-level dataset "
            f"(a folder of files, or --level sequence), got frame-level {ds.source}"
        )
    feats = features or default_features(m.name, ds)
    classes = classes or ds.classes
    train = augment(ds, replace(augmentation, seed=seed)) if augmentation else ds
    clf = Classifier(m, classes, ds.skeleton, feats, task, ds.level, dict(info or {}))
    x = clf.sample_inputs(list(train.sequences()) if ds.level == "sequence" else [train.positions])
    y = _encode(train.labels, classes)
    m.fit(x, y, len(classes), seed)
    if upper_body and ds.level == "frame":
        _fit_upper_body(clf, train.positions, y, seed)
    clf.info.setdefault("n_train_samples", int(ds.n_samples))
    clf.info.setdefault("n_train_groups", len(np.unique(ds.groups)))
    groups = sorted({str(g) for g in ds.groups})
    if len(groups) <= 5000:  # lets evaluate warn when a "held-out" set shares groups
        clf.info.setdefault("train_groups", groups)
    clf.info.setdefault("source", ds.source)
    if augmentation and augmentation.active:
        clf.info["augmentation"] = augmentation.to_dict()
    return clf


def _fit_upper_body(clf: Classifier, positions: np.ndarray, y: np.ndarray, seed: int) -> None:
    """Give ``clf`` its upper-body model: the same family, on the poses without legs."""
    joints = tuple(j for j in clf.features.joints if j not in LEG_JOINTS)
    legs = [j for j in LEG_JOINTS if clf.skeleton.has(j)]
    if len(joints) < 2 or not legs:
        return
    feats = replace(clf.features, joints=joints)
    pos = without_lower_body(positions, clf.skeleton)  # training poses: model's skeleton
    upper = type(clf.model)(**clf.model.config())
    upper.fit(frame_features(pos, clf.skeleton, feats), y, len(clf.classes), seed)
    clf.upper, clf.upper_features = upper, feats


@dataclass(frozen=True)
class CrossValidation:
    """K-fold results: pooled metrics over all held-out folds and one per fold."""

    metrics: Metrics
    folds: list[Metrics]
    k: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "k": self.k,
            "pooled": self.metrics.to_dict(),
            "folds": [f.to_dict() for f in self.folds],
            "accuracy_mean": float(np.mean([f.accuracy for f in self.folds])),
            "accuracy_std": float(np.std([f.accuracy for f in self.folds])),
            "macro_f1_mean": float(np.mean([f.macro_f1 for f in self.folds])),
        }


def cross_validate(
    ds: PoseDataset,
    *,
    model: str = "knn",
    k: int = 5,
    task: str = "posture",
    features: FeatureSettings | None = None,
    augmentation: AugmentSettings | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> CrossValidation:
    """K-fold cross-validation with folds by group (no group in two folds).

    The feature settings are fixed on the whole dataset (joint list only), each fold's
    model and augmentation see only that fold's training groups.
    """
    check_trainable(ds.labels, ds.source)
    folds = group_kfold(ds.groups, k)
    classes = ds.classes
    feats = features or default_features(model, ds)
    y_true: list[str] = []
    y_pred: list[str] = []
    per_fold = []
    for i, (tr, te) in enumerate(folds):
        train = ds.subset(tr)
        test = ds.subset(te)
        clf = (
            fit_classifier(
                train,
                model=model,
                task=task,
                features=feats,
                augmentation=augmentation,
                seed=seed,
                classes=classes,
            )
            if len(np.unique(train.labels)) > 1
            else None
        )
        if clf is None:
            raise DatasetError(
                f"fold {i + 1}: training groups hold a single class; use fewer folds"
            )
        pred = clf.predict(list(test.sequences()))
        n_tr, n_te = len(np.unique(train.groups)), len(np.unique(test.groups))
        split = f"group {k}-fold, fold {i + 1}: {n_tr} train groups, {n_te} test groups"
        per_fold.append(compute_metrics(test.labels, pred, classes, split=split))
        y_true += [str(v) for v in test.labels]
        y_pred += pred
        if progress:
            progress(i + 1, len(folds))
    pooled = compute_metrics(
        np.array(y_true),
        y_pred,
        classes,
        split=f"group {k}-fold cross-validation over {len(np.unique(ds.groups))} groups (pooled)",
    )
    return CrossValidation(pooled, per_fold, k)
