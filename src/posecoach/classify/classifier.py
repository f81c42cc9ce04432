"""A trained classifier: model + label set + skeleton + feature settings.

Turns poses into features the way the model was trained, converts poses of another
skeleton by joint name (or fails clearly), and predicts per-frame probabilities, labels
smoothed over time with segments, or one label per sequence.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecoach.classify.features import (
    LEG_JOINTS,
    FeatureSettings,
    frame_features,
    sequence_summary,
)
from posecoach.classify.models import Model
from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, SkeletonError, convert, get

__all__ = [
    "Classifier",
    "FrameLabels",
    "Segment",
    "SkeletonMismatchError",
    "smooth_probabilities",
    "segments_of",
]


class SkeletonMismatchError(InputError):
    """Input poses lack the joints a model was trained on."""


@dataclass(frozen=True)
class Segment:
    """A run of frames with one label: ``start``/``end`` in seconds (end exclusive)."""

    label: str
    start: float
    end: float
    start_frame: int
    end_frame: int


#: The label of a frame the classifier abstains on.
UNKNOWN = "unknown"
#: Default: abstain when the most probable class has less than this (smoothed) probability.
ABSTAIN = 0.5


@dataclass(frozen=True)
class FrameLabels:
    """Per-frame result of :meth:`Classifier.classify`."""

    labels: list[str]
    probabilities: np.ndarray  # (T, C) smoothed
    classes: list[str]
    times: np.ndarray
    segments: list[Segment]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "classes": self.classes,
            "frames": [
                {"time_s": float(t), "label": lab, "probabilities": [float(x) for x in p]}
                for t, lab, p in zip(self.times, self.labels, self.probabilities, strict=True)
            ],
            "segments": [
                {"label": s.label, "start_s": s.start, "end_s": s.end} for s in self.segments
            ],
        }


def fill_short_gaps(positions: np.ndarray, max_gap: int) -> np.ndarray:
    """Linearly interpolate each joint's NaN runs of at most ``max_gap`` frames in time.

    Runs touching the start or end, and longer runs, stay NaN.

    Example
    -------
    >>> p = np.array([0.0, np.nan, 2.0, np.nan, np.nan, np.nan, 6.0]).reshape(7, 1, 1)
    >>> fill_short_gaps(p, 2).ravel().tolist()
    [0.0, 1.0, 2.0, nan, nan, nan, 6.0]
    """
    pos = np.array(positions, dtype=np.float64, copy=True)
    if max_gap < 1 or len(pos) < 3:
        return pos
    missing = ~np.isfinite(pos).all(axis=-1)  # (T, K)
    t = np.arange(len(pos))
    for k in np.flatnonzero(missing.any(axis=0) & ~missing.all(axis=0)):
        miss = missing[:, k]
        edges = np.diff(np.r_[0, miss.astype(int), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        ok = ~miss
        for a, b in zip(starts, ends, strict=True):
            if a == 0 or b == len(pos) or b - a > max_gap:
                continue
            for d in range(pos.shape[-1]):
                pos[a:b, k, d] = np.interp(t[a:b], t[ok], pos[ok, k, d])
    return pos


def smooth_probabilities(probs: np.ndarray, times: np.ndarray, window_s: float) -> np.ndarray:
    """Centred moving average of ``(T, C)`` probabilities over ``window_s`` seconds.

    Example
    -------
    >>> p = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    >>> smooth_probabilities(p, np.arange(3.0), 3.0)[1].tolist()
    [0.6666666666666666, 0.3333333333333333]
    """
    if window_s <= 0 or len(probs) < 2:
        return np.asarray(probs, dtype=np.float64).copy()
    dt = float(np.median(np.diff(times)))
    half = max(round(window_s / dt / 2 - 0.5 + 1e-9), 0)
    if half == 0:
        return np.asarray(probs, dtype=np.float64).copy()
    csum = np.cumsum(np.vstack([np.zeros((1, probs.shape[1])), probs]), axis=0)
    idx = np.arange(len(probs))
    lo = np.clip(idx - half, 0, len(probs))
    hi = np.clip(idx + half + 1, 0, len(probs))
    return (csum[hi] - csum[lo]) / (hi - lo)[:, None]


def segments_of(labels: Sequence[str], times: np.ndarray, fps: float) -> list[Segment]:
    """Runs of equal labels as segments; a segment ends one frame after its last frame.

    Example
    -------
    >>> segs = segments_of(["a", "a", "b"], np.array([0.0, 1.0, 2.0]), 1.0)
    >>> [(s.label, s.start, s.end) for s in segs]
    [('a', 0.0, 2.0), ('b', 2.0, 3.0)]
    """
    out: list[Segment] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            end_t = float(times[i]) if i < len(labels) else float(times[-1] + 1.0 / fps)
            out.append(Segment(str(labels[start]), float(times[start]), end_t, start, i))
            start = i
    return out


#: Joints less confident than this are missing when a recording is classified.
MIN_JOINT_CONFIDENCE = 0.1


def without_lower_body(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """A copy of ``(N, K, D)`` positions with the hips, knees, ankles and feet missing.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = without_lower_body(np.zeros((1, 17, 2)), COCO_17)
    >>> int(np.isnan(p[0, :, 0]).sum())
    6
    """
    out = np.array(positions, dtype=np.float64, copy=True)
    out[:, skeleton.indices([j for j in LEG_JOINTS if skeleton.has(j)])] = np.nan
    return out


@dataclass
class Classifier:
    """A fitted model with everything needed to apply it to new poses.

    Parameters
    ----------
    model
        A fitted :class:`~posecoach.classify.models.Model`.
    classes
        Label of each class code.
    skeleton
        Skeleton the model was trained on; other skeletons are converted by joint name.
    features
        Feature settings used in training.
    task
        ``"posture"``, ``"form"`` or ``"exercise"``.
    level
        ``"frame"`` or ``"sequence"``.
    info
        Training details (dataset, split, metrics) stored with the model.
    upper
        Frame level only: a second model trained on the same poses with the lower body
        (hips, knees, ankles, feet) removed, for frames where no knee and no ankle is
        visible — the camera framing the upper body. A model that never saw a missing
        part beats one that must guess it (reduced-feature models, Saar-Tsechansky and
        Provost, JMLR 2007); ``None``: every frame goes to ``model``.
    upper_features
        Feature settings of ``upper``.
    """

    model: Model
    classes: list[str]
    skeleton: Skeleton
    features: FeatureSettings
    task: str = "posture"
    level: str = "frame"
    info: dict[str, Any] = field(default_factory=dict)
    upper: Model | None = None
    upper_features: FeatureSettings | None = None

    # ------------------------------------------------------------------ input handling
    def to_model_skeleton(
        self, positions: np.ndarray, skeleton: Skeleton, confidence: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions ``(N, K', D)`` on the model's skeleton, converted by joint name."""
        if skeleton == self.skeleton or skeleton.names == self.skeleton.names:
            return np.asarray(positions, dtype=np.float64)
        seq = PoseSequence(positions, confidence, skeleton=skeleton)
        try:
            conv = convert(seq, self.skeleton)
        except SkeletonError as exc:
            raise SkeletonMismatchError(
                f"model expects skeleton {self.skeleton.name!r}, got {skeleton.name!r}: {exc}"
            ) from exc
        needed = self.features.available_joints(self.skeleton)
        missing = [j for j in needed if j in conv.missing]
        if len(missing) > len(needed) / 2:
            raise SkeletonMismatchError(
                f"model expects skeleton {self.skeleton.name!r} joints {list(needed)}; "
                f"input skeleton {skeleton.name!r} lacks {missing}"
            )
        if missing:
            warnings.warn(
                f"input skeleton {skeleton.name!r} lacks {missing}; classified as missing joints",
                stacklevel=2,
            )
        return conv.sequence.positions.copy()

    def frame_features(self, positions: np.ndarray, skeleton: Skeleton | None = None) -> np.ndarray:
        """``(N, F)`` per-frame features of poses (converted to the model's skeleton)."""
        sk = skeleton or self.skeleton
        pos = self.to_model_skeleton(positions, sk)
        return frame_features(pos, self.skeleton, self.features)

    def lower_body_missing(self, positions: np.ndarray) -> np.ndarray:
        """``(N,)`` frames (on the model's skeleton) with no knee and no ankle visible."""
        idx = [
            self.skeleton.index(j)
            for j in ("left_knee", "right_knee", "left_ankle", "right_ankle")
            if self.skeleton.has(j)
        ]
        if not idx:
            return np.zeros(len(positions), dtype=bool)
        return ~np.isfinite(positions[:, idx]).all(-1).any(-1)

    def _frame_proba(self, positions: np.ndarray) -> np.ndarray:
        """``(N, C)`` probabilities of frames on the model's skeleton (upper model where
        the lower body is missing)."""
        probs = self.model.predict_proba(frame_features(positions, self.skeleton, self.features))
        if self.upper is None or self.upper_features is None:
            return probs
        gone = self.lower_body_missing(positions)
        if gone.any():
            pos = without_lower_body(positions[gone], self.skeleton)
            feats = frame_features(pos, self.skeleton, self.upper_features)
            probs[gone] = self.upper.predict_proba(feats)
        return probs

    def sample_inputs(self, samples: Sequence[np.ndarray], skeleton: Skeleton | None = None) -> Any:
        """Model input for samples (frames for frame level, runs for sequence level)."""
        if self.level == "frame":
            return self.frame_features(np.concatenate(samples), skeleton)
        feats = [self.frame_features(s, skeleton) for s in samples]
        if self.model.level == "sequence":
            return feats
        return np.stack([sequence_summary(f) for f in feats])

    # ------------------------------------------------------------------ prediction
    def predict_proba(
        self, samples: Sequence[np.ndarray], skeleton: Skeleton | None = None
    ) -> np.ndarray:
        """``(M, C)`` class probabilities of samples (each ``(T, K, D)``).

        Example
        -------
        >>> from posecoach.classify.train import fit_classifier
        >>> from posecoach.classify.datasets import PoseDataset
        >>> from posecoach.skeletons import get
        >>> rng = np.random.default_rng(0)
        >>> pos = rng.normal(size=(17, 2)) + 0.05 * rng.normal(size=(40, 17, 2))
        >>> pos[20:, 9, 1] += 1
        >>> ds = PoseDataset(pos, np.ones((40, 17)), np.array(["a"] * 20 + ["b"] * 20),
        ...                  np.arange(40).astype(str), get("coco_17"))
        >>> clf = fit_classifier(ds, model="linear")
        >>> clf.predict_proba([pos[:1], pos[-1:]]).argmax(1).tolist()
        [0, 1]
        """
        if not len(samples):
            return np.zeros((0, len(self.classes)))
        if self.level == "frame":
            return self._frame_proba(
                self.to_model_skeleton(np.concatenate(samples), skeleton or self.skeleton)
            )
        return self.model.predict_proba(self.sample_inputs(samples, skeleton))

    def predict(self, samples: Sequence[np.ndarray], skeleton: Skeleton | None = None) -> list[str]:
        """Label of each sample."""
        return [self.classes[i] for i in self.predict_proba(samples, skeleton).argmax(1)]

    def frame_probabilities(self, seq: PoseSequence, max_gap_s: float = 0.5) -> np.ndarray:
        """``(T, C)`` unsmoothed per-frame probabilities of a frame-level model.

        Joints whose confidence is under :data:`MIN_JOINT_CONFIDENCE` count as missing
        (MediaPipe still places legs that are out of the frame, with a visibility near 0);
        joints missing for at most ``max_gap_s`` seconds are interpolated in time first;
        longer gaps stay missing (imputed + masked by the features).
        """
        if self.level != "frame":
            raise InputError(
                f"this {self.task!r} model classifies whole sequences, not frames; "
                "use classify_sequence"
            )
        pos = np.where((seq.confidence >= MIN_JOINT_CONFIDENCE)[..., None], seq.positions, np.nan)
        pos = fill_short_gaps(pos, round(max_gap_s * seq.fps))
        return self._frame_proba(self.to_model_skeleton(pos, get(seq.skeleton)))

    def classify(
        self, seq: PoseSequence, *, smooth_s: float = 0.3, abstain: float = ABSTAIN
    ) -> FrameLabels:
        """Per-frame labels with probabilities smoothed over ``smooth_s`` seconds, and segments.

        Frames with no visible joint get the smoothed probabilities of their neighbours.
        A frame whose most probable class has a smoothed probability under ``abstain`` is
        labelled :data:`UNKNOWN` (a transition, or a pose the model never learnt), and the
        segments show it; ``abstain=0`` always answers.

        Example
        -------
        >>> from posecoach.classify.synthetic import exercise_sequence
        >>> from posecoach.classify.datasets import dataset_from_sequences
        >>> from posecoach.classify.train import fit_classifier
        >>> seq, labels = exercise_sequence(2, rng=np.random.default_rng(1))
        >>> ds = dataset_from_sequences([seq], ["x"], level="frame", frame_labels=[labels])
        >>> clf = fit_classifier(ds, model="linear")
        >>> res = clf.classify(seq, abstain=0.99)
        >>> UNKNOWN in res.labels, UNKNOWN in clf.classify(seq, abstain=0).labels
        (True, False)
        """
        probs = self.frame_probabilities(seq)
        empty = ~seq.visible.any(axis=1)
        if empty.any() and not empty.all():
            probs = probs.copy()
            good = np.flatnonzero(~empty)
            for c in range(probs.shape[1]):
                probs[empty, c] = np.interp(np.flatnonzero(empty), good, probs[good, c])
        ts = np.asarray(seq.timestamps)
        sm = smooth_probabilities(probs, ts, smooth_s)
        top = sm.max(axis=1)
        labels = [
            self.classes[i] if p >= abstain else UNKNOWN
            for i, p in zip(sm.argmax(1), top, strict=True)
        ]
        return FrameLabels(
            labels,
            sm,
            list(self.classes),
            ts.copy(),
            segments_of(labels, ts, seq.fps),
        )

    def classify_sequence(self, seq: PoseSequence) -> tuple[str, np.ndarray]:
        """One label (and the class probabilities) for a whole sequence."""
        if self.level == "frame":
            probs = self.frame_probabilities(seq).mean(axis=0)
        else:
            probs = self.predict_proba([seq.positions], get(seq.skeleton))[0]
        return self.classes[int(np.argmax(probs))], probs
