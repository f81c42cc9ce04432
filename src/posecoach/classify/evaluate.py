"""Metrics of a classifier on labelled data: accuracy, macro F1, per-class table, confusion.

Example
-------
>>> m = compute_metrics(np.array(["a", "a", "b", "b"]), ["a", "b", "b", "b"], ["a", "b"])
>>> m.accuracy, round(m.macro_f1, 3), m.confusion.tolist()
(0.75, 0.733, [[1, 1], [0, 2]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from posecoach.classify.classifier import Classifier
    from posecoach.classify.datasets import PoseDataset

__all__ = ["Metrics", "compute_metrics", "evaluate"]


@dataclass(frozen=True)
class Metrics:
    """Classification metrics on one set of samples.

    ``precision``, ``recall``, ``f1`` and ``support`` are per class in ``classes`` order;
    ``confusion[i, j]`` counts samples of true class ``i`` predicted as ``j``.
    """

    accuracy: float
    macro_f1: float
    classes: list[str]
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    confusion: np.ndarray
    split: str
    n_samples: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "n_samples": self.n_samples,
            "split": self.split,
            "classes": self.classes,
            "per_class": [
                {
                    "label": c,
                    "precision": float(p),
                    "recall": float(r),
                    "f1": float(f),
                    "support": int(s),
                }
                for c, p, r, f, s in zip(
                    self.classes, self.precision, self.recall, self.f1, self.support, strict=True
                )
            ],
            "confusion": self.confusion.tolist(),
        }

    def table(self) -> str:
        """Plain-text table: one row per class, then accuracy and macro F1."""
        w = max(8, *(len(c) for c in self.classes))
        lines = [f"{'class':<{w}}  precision  recall     f1  support"]
        for c, p, r, f, s in zip(
            self.classes, self.precision, self.recall, self.f1, self.support, strict=True
        ):
            lines.append(f"{c:<{w}}  {p:9.3f}  {r:6.3f}  {f:5.3f}  {int(s):7d}")
        lines.append(
            f"accuracy {self.accuracy:.3f}   macro F1 {self.macro_f1:.3f}   "
            f"n = {self.n_samples}   split: {self.split}"
        )
        return "\n".join(lines)


def compute_metrics(
    y_true: np.ndarray | Sequence[str],
    y_pred: Sequence[str],
    classes: Sequence[str],
    *,
    split: str = "",
) -> Metrics:
    """Accuracy, macro F1 (over the classes present in truth or prediction), per class."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    t = np.asarray(y_true).astype(str)
    p = np.asarray(list(y_pred)).astype(str)
    cls = [str(c) for c in classes]
    extra = sorted((set(t) | set(p)) - set(cls))
    cls = cls + extra
    prec, rec, f1, sup = precision_recall_fscore_support(t, p, labels=cls, zero_division=0)
    used = [i for i, c in enumerate(cls) if c in set(t) | set(p)]
    return Metrics(
        accuracy=float(np.mean(t == p)) if len(t) else float("nan"),
        macro_f1=float(np.mean(f1[used])) if used else float("nan"),
        classes=cls,
        precision=prec,
        recall=rec,
        f1=f1,
        support=sup,
        confusion=confusion_matrix(t, p, labels=cls),
        split=split,
        n_samples=len(t),
    )


def evaluate(clf: Classifier, ds: PoseDataset, *, split: str | None = None) -> Metrics:
    """Metrics of ``clf`` on every sample of ``ds`` (converted to its skeleton by name)."""
    pred = clf.predict(list(ds.sequences()), ds.skeleton)
    desc = split or (
        f"all {ds.n_samples} samples of {ds.source} ({len(np.unique(ds.groups))} groups) "
        "held out from training by the user"
    )
    return compute_metrics(ds.labels, pred, clf.classes, split=desc)
