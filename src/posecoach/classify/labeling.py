"""Labelling your own recordings: time segments → a labelled wide CSV ready for training.

Example
-------
>>> parse_segments("0:00-0:03=up, 0:03-0:05.5=down")
[(0.0, 3.0, 'up'), (3.0, 5.5, 'down')]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np

from posecoach.errors import InputError
from posecoach.pose import PoseSequence

__all__ = ["parse_time", "parse_segments", "frame_labels", "labelled_frames", "windows"]


def parse_time(text: str) -> float:
    """Seconds from ``"SS"``, ``"M:SS"``, ``"H:MM:SS"`` (decimals allowed).

    Example
    -------
    >>> parse_time("1:02.5"), parse_time("7")
    (62.5, 7.0)
    """
    parts = text.strip().split(":")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"expected a time like 0:03 or 3.5, got {text!r}") from None
    if len(values) > 3 or any(v < 0 for v in values):
        raise InputError(f"expected a time like 0:03 or 3.5, got {text!r}")
    total = 0.0
    for v in values:
        total = total * 60 + v
    return total


def parse_segments(text: str) -> list[tuple[float, float, str]]:
    """``"START-END=LABEL,..."`` → ``[(start_s, end_s, label), ...]`` (end exclusive)."""
    out = []
    for item in filter(None, (s.strip() for s in text.split(","))):
        m = re.fullmatch(r"([0-9:.]+)\s*-\s*([0-9:.]+)\s*=\s*(.+)", item)
        if not m:
            raise InputError(f"expected segments like 0:00-0:03=up, got {item!r}")
        a, b, label = parse_time(m.group(1)), parse_time(m.group(2)), m.group(3).strip()
        if b <= a:
            raise InputError(f"expected a segment end after its start, got {item!r}")
        out.append((a, b, label))
    if not out:
        raise InputError("expected at least one segment like 0:00-0:03=up, got none")
    return out


def frame_labels(
    seq: PoseSequence, segments: Sequence[tuple[float, float, str]]
) -> list[str | None]:
    """Label of each frame (``None`` outside every segment); overlaps are an error.

    Example
    -------
    >>> seq = PoseSequence(np.zeros((4, 17, 2)), skeleton="coco_17", fps=1)
    >>> frame_labels(seq, [(0, 2, "up"), (3, 9, "down")])
    ['up', 'up', None, 'down']
    """
    ts = np.asarray(seq.timestamps)
    t = ts - ts[0]
    out: list[str | None] = [None] * seq.n_frames
    for a, b, label in segments:
        for i in np.flatnonzero((t >= a - 1e-9) & (t < b - 1e-9)):
            if out[i] is not None and out[i] != label:
                raise InputError(f"segments overlap at {t[i]:.2f} s ({out[i]!r} and {label!r})")
            out[i] = label
    return out


def windows(seq: PoseSequence, seconds: float) -> list[tuple[float, float]]:
    """Consecutive windows of ``seconds`` covering the sequence (for interactive labelling).

    Example
    -------
    >>> windows(PoseSequence(np.zeros((5, 17, 2)), skeleton="coco_17", fps=1), 2)
    [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]
    """
    total = seq.duration
    edges = [*list(np.arange(0.0, total, seconds)), total]
    return [(float(a), float(b)) for a, b in itertools.pairwise(edges) if b > a]


def labelled_frames(seq: PoseSequence, labels: Sequence[str | None], group: str) -> PoseSequence:
    """The labelled frames of ``seq`` with ``labels``/``groups`` metadata, ready to be
    written as a wide CSV (:func:`posecoach.app.datasets.write_labelled_csv`).

    Unlabelled frames are left out.

    Example
    -------
    >>> seq = PoseSequence(np.ones((3, 17, 2)), skeleton="coco_17")
    >>> labelled_frames(seq, ["up", None, "down"], "me").metadata["labels"]
    ['up', 'down']
    """
    keep = [i for i, lab in enumerate(labels) if lab is not None]
    if not keep:
        raise InputError("expected at least one labelled frame, got none (check the segments)")
    part = seq.frames(keep)
    meta = dict(part.metadata)
    meta["labels"] = [str(labels[i]) for i in keep]
    meta["groups"] = [group] * len(keep)
    meta["frame_indices"] = keep
    return part.replace(metadata=meta)
