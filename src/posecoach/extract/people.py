"""Everyone in a video: find the people, keep their identities, then choose the subject.

The people pass runs the backend's people finder (``backend.find_people``) on frames
sampled every ``every`` frames and links the boxes into tracks with a constant-velocity
prediction and a Hungarian assignment (:func:`scipy.optimize.linear_sum_assignment`) on
box overlap, so a person keeps one id through short occlusions and missed detections.
The subject is then chosen among the tracks by a rule (:func:`choose_track`):

- ``"longest"`` (the default): in view the longest (the person exercising is usually in
  view throughout; a passer-by is not);
- ``"largest"``: the largest typical box;
- ``"central"``: the typical box nearest the image centre;
- ``"most-active"``: the most movement of the box relative to its size;
- a box ``(x0, y0, x1, y1)`` or ``(x0, y0, x1, y1, seconds)``: whoever overlaps it most at
  that time (the first frame by default); when nobody is there the error says so and lists
  who was found;
- an ``int``: the id of a track (``posecoach people VIDEO`` lists them).

Example
-------
>>> samples = [(0, 0.0, [(0, 0, 10, 20), (50, 0, 60, 20)]), (10, 0.33, [(52, 0, 62, 20)]),
...            (20, 0.67, [(54, 0, 64, 20)])]
>>> tracks = link_people(samples)
>>> [(t.id, t.frames) for t in tracks]
[(1, [0]), (2, [0, 10, 20])]
>>> choose_track(tracks, "longest", (100, 100)).id
2
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from posecoach.errors import InputError
from posecoach.extract.base import Box, PoseBackend
from posecoach.extract.mediapipe_backend import box_iou

__all__ = [
    "PersonTrack",
    "PeopleScan",
    "link_people",
    "scan_people",
    "choose_track",
    "describe_people",
]

#: Sampled frames a track may miss before it ends (a person hidden for longer gets a new id).
MAX_MISSED = 3


def _centre(b: Box) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def _diag(b: Box) -> float:
    return max(math.hypot(b[2] - b[0], b[3] - b[1]), 1e-9)


@dataclass
class PersonTrack:
    """One person through the sampled frames: frame indices, times and boxes (pixels)."""

    id: int
    frames: list[int] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    @property
    def first_time(self) -> float:
        return self.times[0]

    @property
    def last_time(self) -> float:
        return self.times[-1]

    @property
    def typical_box(self) -> Box:
        """Median box over the samples."""
        b = np.median(np.asarray(self.boxes, dtype=np.float64), axis=0)
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    @property
    def area(self) -> float:
        b = self.typical_box
        return (b[2] - b[0]) * (b[3] - b[1])

    @property
    def activity(self) -> float:
        """Movement of the box centre between samples, in box diagonals per sample."""
        if len(self.boxes) < 2:
            return 0.0
        c = np.asarray([_centre(b) for b in self.boxes])
        sizes = np.asarray([_diag(b) for b in self.boxes])
        return float(np.mean(np.linalg.norm(np.diff(c, axis=0), axis=1) / sizes[1:]))

    def _predict(self) -> Box:
        """The box expected at the next sample (constant velocity of the last two)."""
        if len(self.boxes) < 2:
            return self.boxes[-1]
        a, b = np.asarray(self.boxes[-2]), np.asarray(self.boxes[-1])
        nxt = b + (b - a)
        return (float(nxt[0]), float(nxt[1]), float(nxt[2]), float(nxt[3]))

    def box_at(self, frame: int, reach: int = 0) -> Box | None:
        """The box at ``frame``: interpolated between samples, held for ``reach`` frames
        beyond the first and last; None when the person is not in view then.

        Example
        -------
        >>> t = PersonTrack(1, [0, 10], [0.0, 0.3], [(0, 0, 10, 10), (10, 0, 20, 10)])
        >>> t.box_at(5), t.box_at(12, reach=5), t.box_at(30, reach=5)
        ((5.0, 0.0, 15.0, 10.0), (10, 0, 20, 10), None)
        """
        if frame < self.frames[0] - reach or frame > self.frames[-1] + reach:
            return None
        if frame <= self.frames[0]:
            return self.boxes[0]
        if frame >= self.frames[-1]:
            return self.boxes[-1]
        j = int(np.searchsorted(self.frames, frame))
        f0, f1 = self.frames[j - 1], self.frames[j]
        w = (frame - f0) / max(f1 - f0, 1)
        a, b = np.asarray(self.boxes[j - 1]), np.asarray(self.boxes[j])
        out = a + w * (b - a)
        return (float(out[0]), float(out[1]), float(out[2]), float(out[3]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: id, first and last time, samples, typical box."""
        return {
            "id": self.id,
            "first_s": round(self.first_time, 3),
            "last_s": round(self.last_time, 3),
            "samples": len(self.frames),
            "box": [round(v, 1) for v in self.typical_box],
        }


def _cost(track: PersonTrack, box: Box) -> float:
    """1 - IoU with the predicted box; without overlap, 1 + centre distance / diagonal."""
    pred = track._predict()
    iou = box_iou(pred, box)
    if iou > 0:
        return 1.0 - iou
    return 1.0 + math.dist(_centre(pred), _centre(box)) / _diag(pred)


def link_people(
    samples: Sequence[tuple[int, float, Sequence[Box]]],
    *,
    max_missed: int = MAX_MISSED,
    max_cost: float = 1.6,
) -> list[PersonTrack]:
    """Link per-sample person boxes into tracks (ids from 1, in order of appearance).

    ``samples`` are ``(frame, time, boxes)`` in time order. A box joins the track whose
    predicted box it overlaps best (Hungarian assignment); without overlap it may still
    join when its centre lies within 0.6 of the predicted box's diagonal
    (``max_cost``); otherwise it starts a new track. A track unmatched for more than
    ``max_missed`` samples ends.
    """
    finished: list[PersonTrack] = []
    active: list[tuple[PersonTrack, int]] = []  # (track, samples missed)
    next_id = 1
    for frame, time, boxes in samples:
        matched: dict[int, int] = {}
        if active and boxes:
            cost = np.array([[_cost(t, b) for b in boxes] for t, _ in active])
            rows, cols = linear_sum_assignment(cost)
            matched = {
                int(c): int(r) for r, c in zip(rows, cols, strict=True) if cost[r, c] <= max_cost
            }
        still: list[tuple[PersonTrack, int]] = []
        used_tracks = set(matched.values())
        for r, (t, missed) in enumerate(active):
            if r in used_tracks:
                still.append((t, 0))
            elif missed + 1 > max_missed:
                finished.append(t)
            else:
                still.append((t, missed + 1))
        for c, box in enumerate(boxes):
            if c in matched:
                t = active[matched[c]][0]
            else:
                t = PersonTrack(next_id)
                next_id += 1
                still.append((t, 0))
            t.frames.append(int(frame))
            t.times.append(float(time))
            t.boxes.append(tuple(float(v) for v in box))  # type: ignore[arg-type]
        active = still
    tracks = finished + [t for t, _ in active]
    return sorted(tracks, key=lambda t: t.id)


@dataclass
class PeopleScan:
    """The people found in a video (see the module docstring)."""

    tracks: list[PersonTrack]
    sampled: list[int]
    every: int
    image_size: tuple[int, int]
    n_frames: int
    fps: float

    @property
    def max_together(self) -> int:
        """The most people seen in one sampled frame."""
        counts: dict[int, int] = {}
        for t in self.tracks:
            for f in t.frames:
                counts[f] = counts.get(f, 0) + 1
        return max(counts.values(), default=0)

    def track(self, ident: int) -> PersonTrack:
        for t in self.tracks:
            if t.id == ident:
                return t
        raise InputError(f"expected a person id, one of {self.ids()}, got {ident}")

    def ids(self) -> list[int]:
        return [t.id for t in self.tracks]

    def to_dict(self) -> dict[str, Any]:
        return {
            "people": [t.to_dict() for t in self.tracks],
            "sampled_every_frames": self.every,
            "max_together": self.max_together,
        }


def describe_people(tracks: Sequence[PersonTrack]) -> str:
    """One line listing the people found.

    Example
    -------
    >>> describe_people([PersonTrack(1, [0, 9], [0.0, 0.3], [(0, 0, 10, 20)] * 2)])
    'person 1: 0.0-0.3 s, box 0,0,10,20'
    """
    if not tracks:
        return "nobody"
    return "; ".join(
        f"person {t.id}: {t.first_time:.1f}-{t.last_time:.1f} s, box "
        + ",".join(str(round(v)) for v in t.typical_box)
        for t in tracks
    )


def choose_track(
    tracks: Sequence[PersonTrack], spec: Any, image_size: tuple[int, int]
) -> PersonTrack:
    """The track the rule ``spec`` picks (see the module docstring).

    Raises
    ------
    InputError
        Nobody was found, the id is unknown, or nobody overlaps the box at its time (the
        message lists who was found).

    Example
    -------
    >>> a = PersonTrack(1, [0, 10], [0.0, 0.3], [(0, 0, 10, 20)] * 2)
    >>> b = PersonTrack(2, [10], [0.3], [(40, 40, 90, 99)])
    >>> [choose_track([a, b], r, (100, 100)).id for r in ("longest", "largest", "central")]
    [1, 2, 2]
    >>> choose_track([a, b], (45, 45, 60, 60, 0.3), (100, 100)).id
    2
    >>> choose_track([a, b], (80, 0, 99, 10), (100, 100))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: nobody overlaps the subject box 80,0,99,10 at 0.0 s; ...
    """
    if not tracks:
        raise InputError("expected at least one person in the video, found nobody")
    if isinstance(spec, bool):
        raise InputError(f"expected a subject rule, box or person id, got {spec!r}")
    if isinstance(spec, int):
        for t in tracks:
            if t.id == spec:
                return t
        raise InputError(f"no person {spec} in this video; found {describe_people(tracks)}")
    if spec == "longest":
        return max(tracks, key=lambda t: (t.last_time - t.first_time, len(t.frames), t.area))
    if spec == "largest":
        return max(tracks, key=lambda t: t.area)
    if spec == "most-active":
        return max(tracks, key=lambda t: (t.activity, len(t.frames)))
    if spec == "central":
        w, h = image_size
        return min(tracks, key=lambda t: math.dist(_centre(t.typical_box), (w / 2, h / 2)))
    if isinstance(spec, tuple) and len(spec) in (4, 5):
        box: Box = (spec[0], spec[1], spec[2], spec[3])
        at = spec[4] if len(spec) == 5 else min(t.first_time for t in tracks)
        best, best_iou = None, 0.0
        for t in tracks:
            if not t.times:
                continue
            j = int(np.argmin(np.abs(np.asarray(t.times) - at)))
            # in view at that time: a sample within one sampling step of it
            step = (t.times[-1] - t.times[0]) / max(len(t.times) - 1, 1) if len(t.times) > 1 else 0
            if abs(t.times[j] - at) > max(step, 0.5) + 1e-6:
                continue
            iou = box_iou(t.boxes[j], box)
            if iou > best_iou:
                best, best_iou = t, iou
        if best is None:
            raise InputError(
                "nobody overlaps the subject box "
                + ",".join(str(round(v)) for v in box)
                + f" at {at:.1f} s; found {describe_people(tracks)}"
            )
        return best
    raise InputError(f"expected a subject rule, box or person id, got {spec!r}")


def scan_people(
    source: str | Path,
    backend: PoseBackend,
    *,
    every: int | None = None,
    fps: float = 30.0,
    strict: bool = True,
    max_frames: int | None = None,
    max_people: int = 4,
    progress: Any = None,
) -> PeopleScan:
    """The people pass over a video: ``backend.find_people`` every ``every`` frames
    (default: three times a second), linked by :func:`link_people`."""
    from posecoach.video import probe_source, read_frames

    info = probe_source(Path(source), fps=fps)
    rate = float(info.fps or fps)
    step = max(1, round(rate / 3)) if every is None else max(1, int(every))
    samples: list[tuple[int, float, list[Box]]] = []
    size = (0, 0)
    n = 0
    for i, frame in enumerate(read_frames(Path(source), fps=fps, strict=strict)):
        if max_frames is not None and i >= max_frames:
            break
        n = i + 1
        if i % step:
            continue
        h, w = frame.image.shape[:2]
        size = (w, h)
        people = backend.find_people(frame.image, max_people=max_people)
        samples.append((i, frame.time, [p.box() for p in people]))
        if progress is not None:
            progress(i + 1)
    return PeopleScan(link_people(samples), [s[0] for s in samples], step, size, n, rate)
