"""Classify postures, exercises and form from keypoints; train and evaluate models.

Datasets (:mod:`.datasets`) → features (:mod:`.features`) → models chosen by name
(:mod:`.models`) wrapped in a :class:`~posecoach.classify.classifier.Classifier`, saved
as one safetensors file (:mod:`.persistence`). Training and group-wise cross-validation
live in :mod:`.train`, metrics in :mod:`.evaluate`, augmentation in :mod:`.augment`.

Example
-------
>>> from posecoach.classify import model_names
>>> model_names("frame")
['gbdt', 'knn', 'linear', 'mlp']
"""

from __future__ import annotations

from posecoach.classify.augment import AugmentSettings, augment
from posecoach.classify.classifier import Classifier, FrameLabels, Segment, SkeletonMismatchError
from posecoach.classify.datasets import (
    DatasetError,
    PoseDataset,
    dataset_from_sequences,
    group_kfold,
    group_train_test_split,
)
from posecoach.classify.evaluate import Metrics, compute_metrics, evaluate
from posecoach.classify.features import FeatureSettings, frame_features
from posecoach.classify.models import get_model, model_names
from posecoach.classify.persistence import ModelFileError, load_classifier, save_classifier
from posecoach.classify.train import CrossValidation, cross_validate, fit_classifier

__all__ = [
    "AugmentSettings",
    "augment",
    "Classifier",
    "FrameLabels",
    "Segment",
    "SkeletonMismatchError",
    "DatasetError",
    "PoseDataset",
    "dataset_from_sequences",
    "group_kfold",
    "group_train_test_split",
    "Metrics",
    "compute_metrics",
    "evaluate",
    "FeatureSettings",
    "frame_features",
    "get_model",
    "model_names",
    "ModelFileError",
    "load_classifier",
    "save_classifier",
    "CrossValidation",
    "cross_validate",
    "fit_classifier",
]
