"""``--model auto``: choose the model by cross-validation by group, then train it on all data.

Every candidate that suits the dataset's level is cross-validated with folds by group
(no person, video or recording in two folds) under the same augmentation the final model
gets; the first one in the order below whose pooled accuracy is within one standard error
of the best is trained on every sample, and the whole table is stored in the model file.

Candidates:

- frames: ``gbdt``, ``mlp``, ``knn``, ``linear``;
- sequences: ``dtw-angles`` (DTW 1-NN on the elbow, shoulder, hip and knee angles of the
  side seen best), ``dtw`` (DTW 1-NN on coordinates and angles), ``minirocket`` (when
  sktime is installed), ``seqcnn``, ``gbdt-stats`` (boosting on per-sequence mean, std,
  min and max of the frame features); each plain and, under augmentation, ``+aug``.

Warnings say when the figures cannot be trusted: fewer than 5 groups, or a best accuracy
within noise of always answering the most frequent class.

Example
-------
>>> import numpy as np
>>> from posecoach.classify.datasets import PoseDataset
>>> from posecoach.skeletons import get
>>> rng = np.random.default_rng(0)
>>> pos = rng.normal(size=(17, 2)) + 0.05 * rng.normal(size=(60, 17, 2))
>>> pos[30:, 9, 1] += 1
>>> ds = PoseDataset(pos, np.ones((60, 17)), np.array(["a"] * 30 + ["b"] * 30),
...                  np.array([f"g{i % 6}" for i in range(60)]), get("coco_17"))
>>> sel = select_model(ds, candidates=(Candidate("knn", "knn"), Candidate("linear", "linear")))
>>> sel.best.name, sel.results[0].accuracy
('knn', 1.0)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from posecoach.classify.augment import AugmentSettings
from posecoach.classify.classifier import Classifier
from posecoach.classify.datasets import DatasetError, PoseDataset, check_trainable
from posecoach.classify.features import FeatureSettings
from posecoach.classify.models import minirocket_available
from posecoach.classify.train import cross_validate, default_features, fit_classifier

__all__ = [
    "Candidate",
    "CandidateResult",
    "Selection",
    "FRAME_CANDIDATES",
    "SEQUENCE_CANDIDATES",
    "candidates_for",
    "select_model",
    "train_auto",
]

#: Fewer groups than this and the cross-validated figures get a warning.
MIN_GROUPS = 5
#: Frame-level selection runs on at most this many samples (the final fit uses all).
MAX_SELECTION_SAMPLES = 4000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Candidate:
    """A model and the feature blocks it reads (``None``: the model's defaults).

    Example
    -------
    >>> Candidate("dtw-angles", "dtw", ("side_angles",)).model
    'dtw'
    """

    name: str
    model: str
    blocks: tuple[str, ...] | None = None
    augment: bool = True

    def features(self, ds: PoseDataset, rotate: bool = False) -> FeatureSettings:
        """Feature settings of this candidate on ``ds`` (joints the data has)."""
        base = replace(default_features(self.model, ds), rotate=rotate)
        return base if self.blocks is None else replace(base, blocks=self.blocks)


FRAME_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("gbdt", "gbdt"),
    Candidate("mlp", "mlp"),
    Candidate("knn", "knn"),
    Candidate("linear", "linear"),
)
SEQUENCE_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("dtw-angles", "dtw", ("side_angles",)),
    Candidate("dtw", "dtw"),
    Candidate("minirocket", "minirocket", ("coords", "angles")),
    Candidate("seqcnn", "seqcnn"),
    Candidate("gbdt-stats", "gbdt"),
)


def candidates_for(level: str, augmented: bool = False) -> tuple[Candidate, ...]:
    """Candidates for a ``"frame"`` or ``"sequence"`` dataset (MiniRocket only if installed).

    With ``augmented`` sequences, every family is tried as is and with the augmentation
    (``+aug``), plain first: a nearest neighbour among turned copies of a dozen sequences
    can match the wrong class (Keraal: DTW 1-NN on angles 1.000 plain, 0.750 augmented),
    while a network may need them.

    Example
    -------
    >>> [c.name for c in candidates_for("frame")]
    ['gbdt', 'mlp', 'knn', 'linear']
    >>> [c.name for c in candidates_for("sequence", augmented=True)][:3]
    ['dtw-angles', 'dtw-angles+aug', 'dtw']
    """
    if level == "frame":
        return FRAME_CANDIDATES
    rocket = minirocket_available()
    plain = [c for c in SEQUENCE_CANDIDATES if c.model != "minirocket" or rocket]
    if not augmented:
        return tuple(plain)
    out: list[Candidate] = []
    for c in plain:
        out += [replace(c, augment=False), replace(c, name=f"{c.name}+aug")]
    return tuple(out)


@dataclass(frozen=True)
class CandidateResult:
    """Pooled cross-validated figures of one candidate (``error`` when it could not run)."""

    candidate: Candidate
    accuracy: float
    macro_f1: float
    seconds: float
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "name": self.candidate.name,
            "model": self.candidate.model,
            "blocks": None if self.candidate.blocks is None else list(self.candidate.blocks),
            "augmented": self.candidate.augment,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "seconds": round(self.seconds, 2),
            "error": self.error,
        }


@dataclass(frozen=True)
class Selection:
    """What :func:`select_model` tried and chose."""

    results: list[CandidateResult]
    best: Candidate
    k: int
    n_groups: int
    chance: float
    n_samples: int
    warnings: list[str] = field(default_factory=list)

    @property
    def best_result(self) -> CandidateResult | None:
        """The chosen candidate's row (``None`` when nothing could be cross-validated)."""
        return next((r for r in self.results if r.candidate == self.best and not r.error), None)

    def table(self) -> str:
        """The table ``posecoach train`` prints.

        Example
        -------
        >>> r = CandidateResult(Candidate("knn", "knn"), 0.9, 0.88, 1.2)
        >>> print(Selection([r], r.candidate, 5, 10, 0.5, 100).table())  # doctest: +ELLIPSIS
        model choice: group 5-fold cross-validation over 10 groups, 100 samples ...
          model       accuracy  macro F1  seconds
        * knn            0.900     0.880      1.2
        """
        lines = [
            f"model choice: group {self.k}-fold cross-validation over {self.n_groups} groups, "
            f"{self.n_samples} samples (chance {self.chance:.3f}: the most frequent class)",
            f"  {'model':<11} {'accuracy':>8}  {'macro F1':>8}  {'seconds':>7}",
        ]
        for r in self.results:
            mark = "*" if r.candidate == self.best and not r.error else " "
            if r.error:
                lines.append(f"{mark} {r.candidate.name:<11} failed: {r.error}")
            else:
                lines.append(
                    f"{mark} {r.candidate.name:<11} {r.accuracy:>8.3f}  {r.macro_f1:>8.3f}  "
                    f"{r.seconds:>7.1f}"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored in the model file's info)."""
        return {
            "best": self.best.name,
            "best_model": self.best.model,
            "k": self.k,
            "n_groups": self.n_groups,
            "n_samples": self.n_samples,
            "chance": self.chance,
            "results": [r.to_dict() for r in self.results],
            "warnings": list(self.warnings),
        }


def _chance(labels: np.ndarray) -> float:
    _, counts = np.unique(labels, return_counts=True)
    return float(counts.max() / counts.sum())


def _selection_subset(ds: PoseDataset, max_samples: int, seed: int) -> PoseDataset:
    if ds.level != "frame" or ds.n_samples <= max_samples:
        return ds
    rng = np.random.default_rng(seed)
    return ds.subset(np.sort(rng.choice(ds.n_samples, size=max_samples, replace=False)))


def _trust_warnings(best: CandidateResult | None, chance: float, n: int, groups: int) -> list[str]:
    out = []
    if groups < MIN_GROUPS:
        out.append(
            f"only {groups} groups (people, videos or recordings): cross-validation holds out "
            f"whole groups, and with fewer than {MIN_GROUPS} its figures are rough; label "
            "data from more people or videos"
        )
    if best is not None:
        noise = 2.0 * math.sqrt(chance * (1.0 - chance) / max(n, 1))
        if best.accuracy <= chance + max(0.05, noise):
            out.append(
                f"the best cross-validated accuracy {best.accuracy:.3f} is near chance "
                f"({chance:.3f}, always answering the most frequent class): the labels may "
                "not show in the poses, or there is too little data to learn them"
            )
    return out


def _one_standard_error_choice(ok: list[CandidateResult], n: int) -> CandidateResult:
    """The first candidate (in list order) within one standard error of the best accuracy.

    The one-standard-error rule (Breiman et al. 1984; Hastie, Tibshirani and Friedman, The
    Elements of Statistical Learning, 7.10): on a dozen sequences the fold-to-fold noise is
    larger than the differences between families, and the list puts the families that need
    the least data first (DTW 1-NN for sequences); on thousands of samples the standard
    error is small and the best wins.
    """
    top = max(ok, key=lambda r: (round(r.accuracy, 6), round(r.macro_f1, 6)))
    se = math.sqrt(top.accuracy * (1.0 - top.accuracy) / max(n, 1))
    return next(r for r in ok if r.accuracy >= top.accuracy - se - 1e-9)


def select_model(
    ds: PoseDataset,
    *,
    task: str = "posture",
    k: int = 5,
    augmentation: AugmentSettings | None = None,
    seed: int = 0,
    candidates: Sequence[Candidate] | None = None,
    max_samples: int = MAX_SELECTION_SAMPLES,
    rotate: bool = False,
    progress: Progress | None = None,
) -> Selection:
    """Cross-validate every candidate with folds by group; keep the first within one SE of the best.

    ``k`` is capped at the number of groups; with a single group nothing can be held out,
    the first candidate is chosen and a warning says so. A candidate that fails (a fold
    whose training groups hold one class, a missing optional library) is listed with its
    error and skipped.
    """
    check_trainable(ds.labels, ds.source)
    active = augmentation is not None and augmentation.active
    cands = tuple(candidates or candidates_for(ds.level, augmented=active))
    sub = _selection_subset(ds, max_samples, seed)
    n_groups = len(np.unique(sub.groups))
    chance = _chance(sub.labels)
    k = min(k, n_groups)
    if k < 2:
        warn = _trust_warnings(None, chance, sub.n_samples, n_groups)
        warn.append(f"one group only: nothing to cross-validate, {cands[0].name} chosen untested")
        return Selection([], cands[0], k, n_groups, chance, sub.n_samples, warn)
    results = []
    for i, cand in enumerate(cands):
        t0 = time.perf_counter()
        try:
            cv = cross_validate(
                sub,
                model=cand.model,
                k=k,
                task=task,
                features=cand.features(sub, rotate),
                augmentation=augmentation if cand.augment else None,
                seed=seed,
            )
        except (DatasetError, ImportError) as exc:
            results.append(CandidateResult(cand, 0.0, 0.0, time.perf_counter() - t0, str(exc)))
        else:
            m = cv.metrics
            results.append(CandidateResult(cand, m.accuracy, m.macro_f1, time.perf_counter() - t0))
        if progress:
            progress(i + 1, len(cands))
    ok = [r for r in results if not r.error]
    if not ok:
        warn = [f"no candidate could be cross-validated; {cands[0].name} chosen untested"]
        return Selection(results, cands[0], k, n_groups, chance, sub.n_samples, warn)
    best = _one_standard_error_choice(ok, sub.n_samples)
    warn = _trust_warnings(best, chance, sub.n_samples, n_groups)
    return Selection(results, best.candidate, k, n_groups, chance, sub.n_samples, warn)


def train_auto(
    ds: PoseDataset,
    *,
    task: str = "posture",
    k: int = 5,
    augmentation: AugmentSettings | None = None,
    seed: int = 0,
    rotate: bool = False,
    info: dict[str, Any] | None = None,
    upper_body: bool = True,
    progress: Progress | None = None,
) -> tuple[Classifier, Selection]:
    """:func:`select_model`, then the chosen model fitted on every sample of ``ds``.

    The selection table goes into ``clf.info["model_selection"]`` and the chosen model's
    pooled cross-validated accuracy into ``clf.info["cv"]``; frame models also get their
    upper-body model (see :func:`posecoach.classify.train.fit_classifier`).
    """
    sel = select_model(
        ds, task=task, k=k, augmentation=augmentation, seed=seed, rotate=rotate, progress=progress
    )
    feats = sel.best.features(ds, rotate)
    meta = dict(info or {})
    meta["model_selection"] = sel.to_dict()
    best = sel.best_result
    if best is not None:
        meta["cv"] = {"k": sel.k, "accuracy": best.accuracy, "macro_f1": best.macro_f1}
    clf = fit_classifier(
        ds,
        model=sel.best.model,
        task=task,
        features=feats,
        augmentation=augmentation if sel.best.augment else None,
        seed=seed,
        info=meta,
        upper_body=upper_body,
    )
    return clf, sel
