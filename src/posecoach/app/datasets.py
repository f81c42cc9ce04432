"""Reading labelled pose datasets from files: wide CSVs, ML Kit samples, label folders.

Sources a user can hand in:

- a wide CSV: a ``label`` column, keypoint columns ``<joint>_x``, ``<joint>_y``
  [``_z``] [``_v`` / ``_confidence`` / ``_visibility``] by joint name, optional ``group``
  (and ``frame`` / ``time``) columns; or positional columns ``x0, y0, x1, y1, ...`` with
  ``skeleton=``;
- a folder ``DATASET/<label>/<files>``, each file a pose file or a video (one sequence
  per file; the file is its group), read through :func:`posecoach.app.loading.load_input`;
- the ML Kit fitness pose samples CSV (no header: image name, class, 33 × x, y, z).

The result is a :class:`posecoach.classify.datasets.PoseDataset`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from posecoach.app.loading import load_input
from posecoach.classify.datasets import (
    DatasetError,
    Level,
    PoseDataset,
    _runs_to_sequences,
    contiguous_groups,
    dataset_from_sequences,
    mlkit_group,
)
from posecoach.errors import InputError, PoseCoachError
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, get

__all__ = [
    "load_poses",
    "read_dataset",
    "read_folder",
    "read_mlkit_fitness",
    "read_wide_csv",
    "write_labelled_csv",
]


def read_wide_csv(
    path: str | Path,
    *,
    skeleton: str | Skeleton | None = None,
    level: Level = "frame",
    blocks: int | None = None,
) -> PoseDataset:
    """Read a labelled wide CSV: one row per frame, keypoint columns by joint name.

    Parsing is :func:`posecoach.io.wide_csv.read_wide_csv_table` (``<joint>_x``, ``_y``
    [, ``_z``] [, ``_confidence`` / ``_v``], ``label``, ``group``, ``frame``/``time``; or
    positional ``x0, y0, ...`` with ``skeleton=``); this adds the dataset rules.

    Parameters
    ----------
    path
        The CSV file.
    skeleton
        Skeleton of the joints; needed for positional columns; inferred from the joint
        names otherwise.
    level
        ``"frame"``: every row is a sample; ``"sequence"``: consecutive rows of one group
        form one sample (their label must not change).
    blocks
        Without a group column, cut the rows into this many contiguous blocks used as
        groups (rows are consecutive frames of unknown videos); otherwise the whole file
        is one group.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "d.csv")
    >>> _ = open(p, "w").write("label,left_wrist_x,left_wrist_y\\nup,0.1,0.2\\ndown,0.3,\\n")
    >>> ds = read_wide_csv(p, skeleton="coco_17")
    >>> ds.labels.tolist(), bool(np.isnan(ds.positions[1, 9, 1]))
    (['up', 'down'], True)
    """
    from posecoach.io.wide_csv import read_wide_csv_table

    p = Path(path)
    seq, labels, groups = _read_without_time(p, skeleton, read_wide_csv_table)
    if labels is None:
        raise DatasetError(f"{p}: expected a 'label' column naming each row's class, got none")
    n = seq.n_frames
    if groups is None:
        groups = (
            contiguous_groups(n, blocks, prefix=f"{p.stem}:block")
            if blocks
            else np.array([p.name] * n)
        )
    pos, conf, sk = seq.positions.copy(), seq.confidence.copy(), seq.skeleton
    present = [j for j in sk.names if np.isfinite(pos[:, sk.index(j), 0]).any()]
    notes = {"joints": ",".join(present)}
    if level == "frame":
        return PoseDataset(pos, conf, labels, groups, sk, "frame", None, seq.fps, str(p), notes)
    return _runs_to_sequences(pos, conf, labels, groups, sk, str(p), notes)


def _read_without_time(path: Path, skeleton: str | Skeleton | None, reader: Callable) -> tuple:
    """Read a wide CSV ignoring ``frame``/``time`` columns.

    Labelled datasets are often several recordings appended, so time restarts; a dataset
    needs no timestamps, so those columns are dropped (in a temporary copy) before parsing.
    """
    import csv
    import tempfile

    try:
        with path.open(newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError):
        return reader(path, skeleton=skeleton)  # the reader gives the clear error
    drop = [i for i, h in enumerate(header) if h.strip().lower() in ("frame", "time")]
    if not drop:
        return reader(path, skeleton=skeleton)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        with path.open(newline="") as src, copy.open("w", newline="") as dst:
            w = csv.writer(dst)
            for row in csv.reader(src):
                w.writerow([v for i, v in enumerate(row) if i not in drop])
        try:
            return reader(copy, skeleton=skeleton)
        except InputError as exc:
            raise DatasetError(str(exc).replace(str(copy), str(path))) from None


def read_mlkit_fitness(path: str | Path) -> PoseDataset:
    """The ML Kit fitness pose samples CSV (image name, class, 33 × x, y, z; no header).

    Parsing is :func:`posecoach.io.mediapipe_landmarks.read_mlkit_samples`; groups come
    from :func:`mlkit_group`. Coordinates are source-image pixels; z is BlazePose's
    relative depth.
    """
    from posecoach.io.mediapipe_landmarks import read_mlkit_samples

    seq, labels, names = read_mlkit_samples(path)
    groups = np.array([mlkit_group(n) for n in names])
    return PoseDataset(
        seq.positions.copy(),
        np.asarray(seq.confidence).copy(),
        np.array(labels),
        groups,
        get(seq.skeleton),
        "frame",
        None,
        30.0,
        str(path),
        {"group": "YouTube video id, or screenshot hour"},
    )


def _looks_like_mlkit(path: Path) -> bool:
    try:
        with path.open() as fh:
            first = fh.readline().split(",")
    except (OSError, UnicodeDecodeError):
        return False
    if len(first) != 101:
        return False
    try:
        float(first[2])
        float(first[0])
    except ValueError:
        return True
    return False


def load_poses(path: Path, *, progress: Callable[[int, int], None] | None = None) -> PoseSequence:
    """One file of a dataset: a pose file, or a video through pose extraction."""
    return load_input(path, "dataset file", progress=progress)


def read_folder(
    path: str | Path,
    *,
    level: Level = "sequence",
    progress: Callable[[int, int], None] | None = None,
) -> PoseDataset:
    """A folder ``DATASET/<label>/<files>``: each file one sequence, its own group."""
    root = Path(path)
    label_dirs = sorted(d for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    files = [
        (d.name, f)
        for d in label_dirs
        for f in sorted(d.iterdir())
        if f.is_file() and not f.name.startswith(".")
    ]
    if not files:
        raise DatasetError(
            f"{root}: expected sub-folders named by label holding pose files or videos, got none"
        )
    seqs, labels, groups = [], [], []
    for i, (label, f) in enumerate(files):
        try:
            seqs.append(load_poses(f))
        except PoseCoachError as exc:
            raise DatasetError(f"{f}: {exc}") from exc
        labels.append(label)
        groups.append(f"{label}/{f.name}")
        if progress:
            progress(i + 1, len(files))
    return dataset_from_sequences(seqs, labels, groups, level=level, source=str(root))


def read_dataset(
    path: str | Path,
    *,
    level: Level | Literal["auto"] = "auto",
    skeleton: str | Skeleton | None = None,
    task: str = "posture",
    blocks: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PoseDataset:
    """Read any supported labelled dataset (wide CSV, ML Kit CSV or label folders).

    ``level="auto"`` gives frame level for a CSV (every row labelled) and for the posture
    task, sequence level for a folder with the form/exercise tasks.
    """
    p = Path(path)
    if not p.exists():
        raise DatasetError(f"{p}: no such file or folder")
    if p.is_dir():
        lvl: Level = (
            "frame"
            if (level == "auto" and task == "posture")
            else ("sequence" if level == "auto" else level)
        )
        return read_folder(p, level=lvl, progress=progress)
    if _looks_like_mlkit(p):
        return read_mlkit_fitness(p)
    return read_wide_csv(
        p,
        skeleton=skeleton,
        level="frame" if level == "auto" else level,
        blocks=blocks,
    )


def write_labelled_csv(
    seq: PoseSequence, labels: Sequence[str | None], path: str | Path, group: str
) -> int:
    """Write the labelled frames as a wide CSV with ``label`` and ``group`` columns.

    Unlabelled frames are left out. Returns the number of rows written.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.ones((3, 17, 2)), skeleton="coco_17")
    >>> p = os.path.join(tempfile.mkdtemp(), "l.csv")
    >>> write_labelled_csv(seq, ["up", None, "down"], p, "me")
    2
    """
    from posecoach.classify.labeling import labelled_frames
    from posecoach.io.wide_csv import write_wide_csv

    part = labelled_frames(seq, labels, group)
    write_wide_csv(part, path)
    return part.n_frames
