"""Labelled pose datasets: the type and splits by group, never by frame.

Reading them from files is the application layer's (:mod:`posecoach.app.datasets`).

A :class:`PoseDataset` holds every frame of every sample in one ``(N, K, D)`` array.
For a frame-level task (posture) each frame is a sample; for a sequence-level task (form
of a repetition, exercise recognition) a sample is a contiguous run of frames given by
``offsets``. Every sample carries a label and a group (the video, person or file it came
from); splits keep each group whole on one side.

Sources a user can hand in:

- a wide CSV: a ``label`` column, keypoint columns ``<joint>_x``, ``<joint>_y``
  [``_z``] [``_v`` / ``_confidence`` / ``_visibility``] by joint name, optional ``group``
  (and ``frame`` / ``time``) columns; or positional columns ``x0, y0, x1, y1, ...`` with
  ``skeleton=``;
- a folder ``DATASET/<label>/<files>``, each file a pose file or a video (one sequence
  per file; the file is its group);
- the ML Kit fitness pose samples CSV (no header: image name, class, 33 × x, y, z).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, get

__all__ = [
    "DatasetError",
    "PoseDataset",
    "Level",
    "mlkit_group",
    "dataset_from_sequences",
    "group_kfold",
    "group_train_test_split",
    "contiguous_groups",
    "check_trainable",
]

Level = Literal["frame", "sequence"]


class DatasetError(InputError):
    """A labelled dataset cannot be used; the message names the file and the problem."""


@dataclass(frozen=True, eq=False)
class PoseDataset:
    """Labelled poses: frames in one array, samples as frames or runs of frames.

    Parameters
    ----------
    positions
        ``(N, K, D)`` every frame of every sample, NaN for missing joints.
    confidence
        ``(N, K)`` in [0, 1].
    labels
        ``(M,)`` one label per sample.
    groups
        ``(M,)`` the video / person / file each sample came from.
    skeleton
        Skeleton of the ``K`` joints.
    level
        ``"frame"`` (``M == N``) or ``"sequence"`` (samples are ``offsets`` runs).
    offsets
        ``(M + 1,)`` start of each sample in ``positions`` (sequence level only).
    fps
        Frame rate of the sequences.
    source
        Where it came from (a path or a description), used in messages.

    Example
    -------
    >>> import numpy as np
    >>> ds = PoseDataset(np.zeros((4, 17, 2)), np.ones((4, 17)), np.array(["a", "a", "b", "b"]),
    ...                  np.array(["g1", "g1", "g2", "g2"]), get("coco_17"))
    >>> ds.n_samples, ds.classes
    (4, ['a', 'b'])
    """

    positions: np.ndarray
    confidence: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    skeleton: Skeleton
    level: Level = "frame"
    offsets: np.ndarray | None = None
    fps: float = 30.0
    source: str = "<memory>"
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = self.positions.shape[0]
        m = len(self.labels)
        if len(self.groups) != m:
            raise DatasetError(f"{self.source}: expected {m} groups, got {len(self.groups)}")
        if self.level == "frame":
            if m != n:
                raise DatasetError(f"{self.source}: expected {n} labels, got {m}")
        else:
            off = self.offsets
            if off is None or len(off) != m + 1 or off[0] != 0 or off[-1] != n:
                raise DatasetError(f"{self.source}: sequence offsets do not cover the frames")
            if (np.diff(off) <= 0).any():
                raise DatasetError(f"{self.source}: expected non-empty sequences")

    @property
    def n_samples(self) -> int:
        """Number of samples ``M``."""
        return len(self.labels)

    @property
    def classes(self) -> list[str]:
        """Sorted distinct labels."""
        return sorted({str(x) for x in self.labels})

    def sample_frames(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """``(positions, confidence)`` of sample ``i`` (one frame or a run of frames)."""
        if self.level == "frame":
            return self.positions[i : i + 1], self.confidence[i : i + 1]
        assert self.offsets is not None
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        return self.positions[a:b], self.confidence[a:b]

    def sequences(self) -> Iterator[np.ndarray]:
        """Positions of every sample in turn."""
        for i in range(self.n_samples):
            yield self.sample_frames(i)[0]

    def subset(self, index: np.ndarray | Sequence[int]) -> PoseDataset:
        """A dataset of the selected samples (in the given order)."""
        idx = np.asarray(index, dtype=int)
        if self.level == "frame":
            return PoseDataset(
                self.positions[idx],
                self.confidence[idx],
                self.labels[idx],
                self.groups[idx],
                self.skeleton,
                "frame",
                None,
                self.fps,
                self.source,
                dict(self.notes),
            )
        assert self.offsets is not None
        parts = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in idx]
        lengths = [len(p) for p in parts]
        frames = np.concatenate(parts) if parts else np.zeros(0, dtype=int)
        return PoseDataset(
            self.positions[frames],
            self.confidence[frames],
            self.labels[idx],
            self.groups[idx],
            self.skeleton,
            "sequence",
            np.concatenate([[0], np.cumsum(lengths)]).astype(int),
            self.fps,
            self.source,
            dict(self.notes),
        )

    def convert(self, skeleton: str | Skeleton) -> PoseDataset:
        """The same dataset with joints converted to another skeleton by name."""
        target = get(skeleton)
        if target == self.skeleton:
            return self
        seq = PoseSequence(self.positions, self.confidence, skeleton=self.skeleton)
        conv = seq.convert(target)
        return PoseDataset(
            conv.positions.copy(),
            np.asarray(conv.confidence).copy(),
            self.labels,
            self.groups,
            target,
            self.level,
            self.offsets,
            self.fps,
            self.source,
            dict(self.notes),
        )


# --------------------------------------------------------------------------- splitting
def check_trainable(labels: np.ndarray, source: str = "dataset") -> None:
    """Raise :class:`DatasetError` unless there are ≥ 2 classes with ≥ 2 samples each.

    Example
    -------
    >>> check_trainable(np.array(["a", "a", "b"]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.classify.datasets.DatasetError: dataset: class 'b' has a single sample; ...
    """
    values, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
    if len(values) < 2:
        got = repr(str(values[0])) if len(values) else "none"
        raise DatasetError(f"{source}: expected at least 2 classes to learn, got one class ({got})")
    single = [str(v) for v, c in zip(values, counts, strict=True) if c < 2]
    if single:
        raise DatasetError(
            f"{source}: class {single[0]!r} has a single sample; "
            "expected at least 2 samples per class"
        )


def group_kfold(groups: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """K folds ``(train_idx, test_idx)`` in which no group is on both sides.

    Uses :class:`sklearn.model_selection.GroupKFold`.

    Example
    -------
    >>> folds = group_kfold(np.array(["a", "a", "b", "c", "c", "d"]), 2)
    >>> [sorted(set(np.array(list("aabccd"))[te])) for _, te in folds]
    [['c', 'd'], ['a', 'b']]
    """
    from sklearn.model_selection import GroupKFold

    g = np.asarray(groups).astype(str)
    n_groups = len(np.unique(g))
    if k < 2:
        raise DatasetError(f"expected --cv K ≥ 2, got {k}")
    if n_groups < k:
        raise DatasetError(
            f"expected at least {k} groups for {k}-fold cross-validation, got {n_groups} "
            "(splits are by group, never by frame)"
        )
    return [(tr, te) for tr, te in GroupKFold(n_splits=k).split(np.zeros(len(g)), groups=g)]


def group_train_test_split(
    groups: np.ndarray, test_size: float = 0.25, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """One split ``(train_idx, test_idx)`` by group (GroupShuffleSplit).

    Example
    -------
    >>> tr, te = group_train_test_split(np.array(list("aabbccdd")), 0.25)
    >>> sorted(set(np.array(list("aabbccdd"))[tr]) & set(np.array(list("aabbccdd"))[te]))
    []
    """
    from sklearn.model_selection import GroupShuffleSplit

    g = np.asarray(groups).astype(str)
    if len(np.unique(g)) < 2:
        raise DatasetError("expected at least 2 groups to split by group, got 1")
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    tr, te = next(splitter.split(np.zeros(len(g)), groups=g))
    return tr, te


def contiguous_groups(n: int, n_blocks: int, prefix: str = "block") -> np.ndarray:
    """Group names for ``n`` consecutive rows cut into ``n_blocks`` contiguous blocks.

    For files whose rows are consecutive frames of several videos with no video id:
    neighbouring frames stay together, so cross-validation does not leak between
    almost-identical frames.

    Example
    -------
    >>> contiguous_groups(5, 2).tolist()
    ['block0', 'block0', 'block0', 'block1', 'block1']
    """
    idx = (np.arange(n) * n_blocks) // max(n, 1)
    return np.array([f"{prefix}{i}" for i in idx])


# --------------------------------------------------------------------------- wide CSV


def _runs_to_sequences(
    pos: np.ndarray,
    conf: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray,
    sk: Skeleton,
    source: str,
    notes: dict[str, str],
) -> PoseDataset:
    change = np.flatnonzero(groups[1:] != groups[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(groups)]])
    seq_labels = []
    for a, b in zip(starts, ends, strict=True):
        if len(set(labels[a:b])) > 1:
            raise DatasetError(
                f"{source}: group {groups[a]!r} changes label within its rows; "
                "expected one label per sequence"
            )
        seq_labels.append(labels[a])
    return PoseDataset(
        pos,
        conf,
        np.array(seq_labels),
        groups[starts],
        sk,
        "sequence",
        np.concatenate([starts, [len(groups)]]).astype(int),
        30.0,
        source,
        notes,
    )


# --------------------------------------------------------------------------- ML Kit
def mlkit_group(image_name: str) -> str:
    """Group of an ML Kit fitness sample: the YouTube video id or the screenshot hour.

    ``frame__<video id>__<frame>.jpg`` → ``yt:<video id>``;
    ``Screenshot_<date>_at_<hh>.<mm>.<ss>.png`` → ``screenshot:<date>_<hh>`` (screenshots taken
    within one hour are treated as one source, as they most likely show the same video).

    Example
    -------
    >>> mlkit_group("frame__E4JICzRQz1o__0012308.jpg")
    'yt:E4JICzRQz1o'
    >>> mlkit_group("Screenshot_2021-02-11_at_12.43.07.png")
    'screenshot:2021-02-11_12'
    """
    m = re.match(r"^frame__(.+)__\d+\.\w+$", image_name)
    if m:
        return f"yt:{m.group(1)}"
    m = re.match(r"^Screenshot_(\d{4}-\d{2}-\d{2})_at_(\d+)\.", image_name)
    if m:
        return f"screenshot:{m.group(1)}_{m.group(2)}"
    return f"image:{image_name}"


# --------------------------------------------------------------------------- folders
def dataset_from_sequences(
    sequences: Sequence[PoseSequence],
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
    *,
    level: Level = "sequence",
    frame_labels: Sequence[Sequence[str]] | None = None,
    source: str = "<memory>",
) -> PoseDataset:
    """Build a dataset from pose sequences (converted to the first one's skeleton).

    With ``level="frame"`` each frame becomes a sample labelled with its sequence's label
    (or ``frame_labels``) and grouped by its sequence.

    Example
    -------
    >>> a = PoseSequence(np.zeros((3, 17, 2)), skeleton="coco_17")
    >>> ds = dataset_from_sequences([a, a], ["x", "y"])
    >>> ds.level, ds.n_samples, ds.offsets.tolist()
    ('sequence', 2, [0, 3, 6])
    """
    if not sequences:
        raise DatasetError(f"{source}: expected at least one sequence, got none")
    sk = get(sequences[0].skeleton)
    dims = max(s.dims for s in sequences)
    seqs = [s.convert(sk) for s in sequences]
    pos_list = []
    for s in seqs:
        pos = s.positions
        if pos.shape[2] < dims:
            pos = np.concatenate([pos, np.zeros((*pos.shape[:2], 1))], axis=2)
            pos[~s.visible] = np.nan
        pos_list.append(pos)
    groups = list(groups) if groups is not None else [f"seq{i}" for i in range(len(seqs))]
    pos = np.concatenate(pos_list)
    conf = np.concatenate([s.confidence for s in seqs])
    lengths = [s.n_frames for s in seqs]
    fps = float(np.median([s.fps for s in seqs]))
    if level == "frame":
        if frame_labels is not None:
            lab = np.concatenate([np.asarray(f, dtype=str) for f in frame_labels])
        else:
            lab = np.repeat(np.asarray(labels, dtype=str), lengths)
        grp = np.repeat(np.asarray(groups, dtype=str), lengths)
        return PoseDataset(pos, conf, lab, grp, sk, "frame", None, fps, source)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(int)
    return PoseDataset(
        pos,
        conf,
        np.asarray(labels, dtype=str),
        np.asarray(groups, dtype=str),
        sk,
        "sequence",
        offsets,
        fps,
        source,
    )
