"""Repetition counting: from classifier states with hysteresis, or from a reference rep.

**From a state classifier** (e.g. squat up/down): the probability of the *active* state
("down" by default) is smoothed over time; a repetition starts when it rises to
``enter`` (0.6) and ends when it falls below ``leave`` (0.4). The gap between the two
thresholds is the hysteresis that keeps a noisy probability near 0.5 from counting
twice. A repetition's span runs from the frame its probability first rose to ``leave``
(the start of the excursion) to the first frame back below ``leave``; a repetition still
in progress at the end of the input is not counted.

**From a reference repetition**: subsequence DTW of the reference against the attempt
(:func:`posecoach.compare.temporal.find_repetitions`).

With a form model, each repetition also gets a form label: a sequence-level model
classifies the repetition's frames, a frame-level model averages its frame
probabilities over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from posecoach.errors import InputError
from posecoach.pose import PoseSequence

if TYPE_CHECKING:
    from posecoach.classify.classifier import Classifier

__all__ = [
    "Rep",
    "RepCount",
    "StreamingRepCounter",
    "hysteresis_reps",
    "count_reps_with_model",
    "count_reps_with_reference",
    "label_form",
    "active_state",
]


@dataclass(frozen=True)
class Rep:
    """One repetition: frames ``start``..``end`` (exclusive) and times in seconds."""

    index: int
    start: int
    end: int
    start_s: float
    end_s: float
    form: str | None = None
    form_probability: float | None = None
    cost: float | None = None
    #: Range of motion relative to the set's deepest repetition (1.0 = the deepest).
    rom: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "start_frame": self.start,
            "end_frame": self.end,
            "start_s": self.start_s,
            "end_s": self.end_s,
            "form": self.form,
            "form_probability": self.form_probability,
            "cost": self.cost,
            "duration_s": round(self.end_s - self.start_s, 3),
            "rom": self.rom,
        }


@dataclass(frozen=True)
class RepCount:
    """Result of repetition counting."""

    reps: list[Rep]
    method: str
    state: str | None = None
    enter: float | None = None
    leave: float | None = None
    #: Partial repetitions (started, not completed), not counted.
    partial: list[Rep] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Number of repetitions."""
        return len(self.reps)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "count": self.count,
            "method": self.method,
            "state": self.state,
            "thresholds": {"enter": self.enter, "leave": self.leave},
            "reps": [r.to_dict() for r in self.reps],
            "partial": [r.to_dict() for r in self.partial],
        }


@dataclass
class StreamingRepCounter:
    """Causal repetition counter with hysteresis, one value at a time (the live page
    and :func:`hysteresis_reps` use the same one).

    A repetition is an excursion that starts when the value reaches ``leave``, reaches
    ``enter`` and ends when the value falls below ``leave`` again; it is reported at that
    frame (no look-ahead), if it lasted at least ``min_frames``.

    Example
    -------
    >>> c = StreamingRepCounter(enter=0.6, leave=0.3)
    >>> [c.update(x) for x in [0.0, 0.7, 0.5, 0.2, 0.8, 0.1]]
    [None, None, None, (1, 3), None, (4, 5)]
    >>> c.count
    2
    """

    enter: float
    leave: float
    min_frames: int = 1
    count: int = 0
    _t: int = -1
    _inside: bool = False
    _rise: int = 0

    def __post_init__(self) -> None:
        if not self.leave <= self.enter:
            raise InputError(f"expected leave <= enter, got enter={self.enter}, leave={self.leave}")

    def update(self, value: float) -> tuple[int, int] | None:
        """Feed the next value (NaN counts as below ``leave``); return ``(start, end)`` of
        a repetition that ended at this frame (end exclusive), else None."""
        self._t += 1
        v = float(value) if np.isfinite(value) else -np.inf
        done = None
        if v < self.leave:
            if self._inside and self._t - self._rise >= self.min_frames:
                done = (self._rise, self._t)
                self.count += 1
            self._inside = False
            self._rise = self._t + 1
        elif v >= self.enter:
            self._inside = True
        return done


def hysteresis_reps(
    probability: np.ndarray, *, enter: float = 0.6, leave: float = 0.4, min_frames: int = 1
) -> list[tuple[int, int]]:
    """Repetitions ``(start, end)`` (end exclusive) of a state probability with hysteresis
    (:class:`StreamingRepCounter` over the whole signal).

    Parameters
    ----------
    probability
        ``(T,)`` probability of the active state.
    enter, leave
        Enter the state at ``p >= enter``; leave it at ``p < leave`` (``leave <= enter``).
    min_frames
        Shorter excursions are ignored.

    Example
    -------
    >>> p = np.array([0, 0.7, 0.5, 0.65, 0.3, 0.45, 0.55, 0.2, 0.9, 0.9])
    >>> hysteresis_reps(p)
    [(1, 4)]
    """
    if not 0.0 <= leave <= enter <= 1.0:
        raise InputError(f"expected 0 <= leave <= enter <= 1, got enter={enter}, leave={leave}")
    counter = StreamingRepCounter(enter, leave, min_frames)
    p = np.nan_to_num(np.asarray(probability, dtype=np.float64), nan=0.0)
    return [r for r in map(counter.update, p) if r is not None]


def active_state(classes: list[str], state: str | None = None) -> str:
    """The class whose entry and exit make a repetition.

    Default: a class named like ``down`` (``pushups_down``, ``squat_down``), else the
    second class.

    Example
    -------
    >>> active_state(["pushups_down", "pushups_up"]), active_state(["a", "b"])
    ('pushups_down', 'b')
    """
    if state is not None:
        if state not in classes:
            raise InputError(f"unknown state {state!r}; expected one of {classes}")
        return state
    downs = [c for c in classes if "down" in c.lower()]
    if len(downs) == 1:
        return downs[0]
    if len(classes) < 2:
        raise InputError(f"expected a model of at least 2 states, got {classes}")
    return classes[1]


def _reps_from_spans(
    seq: PoseSequence, spans: list[tuple[int, int]], costs: list[float] | None = None
) -> list[Rep]:
    ts = np.asarray(seq.timestamps)
    out = []
    for i, (a, b) in enumerate(spans):
        end_s = float(ts[b]) if b < len(ts) else float(ts[-1] + 1.0 / seq.fps)
        out.append(
            Rep(
                i + 1,
                int(a),
                int(b),
                float(ts[a]),
                end_s,
                cost=None if costs is None else float(costs[i]),
            )
        )
    return out


def count_reps_with_model(
    seq: PoseSequence,
    model: Classifier,
    *,
    state: str | None = None,
    enter: float = 0.6,
    leave: float = 0.4,
    smooth_s: float = 0.2,
    form_model: Classifier | None = None,
) -> RepCount:
    """Count repetitions from a frame-level state classifier with hysteresis.

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> from posecoach.classify.datasets import dataset_from_sequences
    >>> from posecoach.classify.train import fit_classifier
    >>> train, labels = exercise_sequence(4, rng=np.random.default_rng(1))
    >>> ds = dataset_from_sequences([train], ["x"], level="frame", frame_labels=[labels])
    >>> clf = fit_classifier(ds, model="linear")
    >>> seq, _ = exercise_sequence(5, rng=np.random.default_rng(2))
    >>> count_reps_with_model(seq, clf).count
    5
    """
    cls = list(model.classes)
    st = active_state(cls, state)
    probs = model.classify(seq, smooth_s=smooth_s).probabilities[:, cls.index(st)]
    reps = _reps_from_spans(seq, hysteresis_reps(probs, enter=enter, leave=leave))
    if form_model is not None:
        reps = label_form(seq, reps, form_model)
    return RepCount(reps, "state-hysteresis", st, enter, leave)


def count_reps_with_reference(
    seq: PoseSequence,
    reference: PoseSequence,
    *,
    form_model: Classifier | None = None,
    **options: Any,
) -> RepCount:
    """Count repetitions of a one-repetition ``reference`` in ``seq`` by subsequence DTW.

    ``options`` go to :func:`posecoach.compare.temporal.find_repetitions`.

    Example
    -------
    >>> from posecoach.classify.synthetic import exercise_sequence
    >>> ref, _ = exercise_sequence(1, rest_s=0.05, noise_px=0, rng=np.random.default_rng(3))
    >>> seq, _ = exercise_sequence(4, rng=np.random.default_rng(4))
    >>> count_reps_with_reference(seq, ref).count
    4
    """
    from posecoach.compare.temporal import find_repetitions

    # repetitions from 0.3x to 3x the reference's duration (a slow first rep, fast ones)
    options = {"min_length_ratio": 0.3, "max_length_ratio": 3.0, **options}
    found = find_repetitions(reference, seq, **options)
    reps = _reps_from_spans(seq, [(r.start, r.end) for r in found], [r.cost for r in found])
    if form_model is not None:
        reps = label_form(seq, reps, form_model)
    return RepCount(reps, "reference-dtw")


def label_form(seq: PoseSequence, reps: list[Rep], form_model: Classifier) -> list[Rep]:
    """Each repetition with the form model's label and its probability."""
    out = []
    for r in reps:
        part = seq.frames(slice(r.start, max(r.end, r.start + 1)))
        label, probs = form_model.classify_sequence(part)
        out.append(replace(r, form=label, form_probability=float(np.max(probs))))
    return out
