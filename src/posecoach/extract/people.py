"""Everyone in a video: find the people, keep their identities, then choose the subject.

The people pass runs the backend's people finder (``backend.find_people``) on frames
sampled every ``every`` frames and links the boxes into tracks with a constant-velocity
prediction and a Hungarian assignment (:func:`scipy.optimize.linear_sum_assignment`) on
box overlap, so a person keeps one id through short occlusions and missed detections.
The subject is then chosen among the tracks by a rule (:func:`choose_track`):

- ``"longest"`` (the default): in view the longest, counted in sampled frames where the
  person was found (the person exercising is usually in view throughout; a passer-by is
  not), ties broken by time span, then size;
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
import queue
import threading
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
    "scan_step",
    "PeopleScanner",
    "choose_track",
    "describe_people",
]

#: Sampled frames a track may miss before it ends (a person hidden for longer gets a new id).
MAX_MISSED = 3
#: A box found by looking again near where a person was expected is that person, not one
#: already found, when it overlaps every box already found less than this.
NEAR_SAME = 0.5


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
    #: Per sample, the finder's keypoints (K, 2) in pixels with NaN where unsure, or None.
    points: list[np.ndarray | None] = field(default_factory=list)

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

    def _predict(self, frame: int | None = None) -> Box:
        """The box expected at ``frame`` (default: one sampling step after the last).

        The centre moves at the velocity of the last two samples (per frame, so a person
        hidden for several scans is looked for where they have walked to); the size stays
        that of the last box, so a shrinking box never extrapolates to nothing.

        Example
        -------
        >>> t = PersonTrack(1, [0, 10], [0.0, 0.3], [(0, 0, 10, 20), (5, 0, 15, 20)])
        >>> t._predict(30)
        (15.0, 0.0, 25.0, 20.0)
        """
        last = self.boxes[-1]
        if len(self.boxes) < 2:
            return last
        f0, f1 = self.frames[-2], self.frames[-1]
        ahead = (f1 - f0) if frame is None else frame - f1
        (ax, ay), (bx, by) = _centre(self.boxes[-2]), _centre(last)
        k = ahead / max(f1 - f0, 1)
        dx, dy = (bx - ax) * k, (by - ay) * k
        return (last[0] + dx, last[1] + dy, last[2] + dx, last[3] + dy)

    def _steady_velocity(self) -> np.ndarray:
        """Pixels per frame the box centre moved over the last three samples when it moved
        steadily (two steps within 45 degrees and a factor of two of each other: someone
        walking through), else zero (someone exercising turns back and forth).

        Example
        -------
        >>> walk = PersonTrack(1, [0, 10, 20], [0, .3, .7], [(0, 0, 9, 9), (10, 0, 19, 9),
        ...                    (22, 0, 31, 9)])
        >>> walk._steady_velocity().tolist()
        [1.1, 0.0]
        >>> back = PersonTrack(1, [0, 10, 20], [0, .3, .7], [(0, 0, 9, 9), (10, 0, 19, 9),
        ...                    (2, 0, 11, 9)])
        >>> back._steady_velocity().tolist()
        [0.0, 0.0]
        """
        if len(self.boxes) < 3:
            return np.zeros(2)
        c = np.asarray([_centre(b) for b in self.boxes[-3:]])
        f = np.asarray(self.frames[-3:], dtype=np.float64)
        v1, v2 = (c[1] - c[0]) / max(f[1] - f[0], 1), (c[2] - c[1]) / max(f[2] - f[1], 1)
        n1, n2 = float(np.linalg.norm(v1)), float(np.linalg.norm(v2))
        if n1 == 0 or n2 == 0 or not 0.5 <= n2 / n1 <= 2:
            return np.zeros(2)
        if float(v1 @ v2) / (n1 * n2) < math.cos(math.pi / 4):
            return np.zeros(2)
        return (v1 + v2) / 2

    def box_at(self, frame: int, reach: int = 0) -> Box | None:
        """The box at ``frame``: interpolated between samples; for ``reach`` frames after
        the last sample, the last box moved on at :meth:`_steady_velocity` (a passer-by
        walks on; someone exercising stays); before the first, the first box; None when
        the person is not in view then.

        Example
        -------
        >>> t = PersonTrack(1, [0, 10, 20], [0.0, 0.3, 0.7], [(0, 0, 10, 10), (10, 0, 20, 10),
        ...                 (20, 0, 30, 10)])
        >>> t.box_at(5), t.box_at(22, reach=5), t.box_at(30, reach=5)
        ((5.0, 0.0, 15.0, 10.0), (22.0, 0.0, 32.0, 10.0), None)
        """
        if frame < self.frames[0] - reach or frame > self.frames[-1] + reach:
            return None
        if frame <= self.frames[0]:
            return self.boxes[0]
        if frame >= self.frames[-1]:
            dx, dy = (float(v) for v in self._steady_velocity() * (frame - self.frames[-1]))
            last = self.boxes[-1]
            return (last[0] + dx, last[1] + dy, last[2] + dx, last[3] + dy)
        j = int(np.searchsorted(self.frames, frame))
        f0, f1 = self.frames[j - 1], self.frames[j]
        w = (frame - f0) / max(f1 - f0, 1)
        a, b = np.asarray(self.boxes[j - 1]), np.asarray(self.boxes[j])
        out = a + w * (b - a)
        return (float(out[0]), float(out[1]), float(out[2]), float(out[3]))

    def points_at(self, frame: int, reach: int = 0) -> np.ndarray | None:
        """The finder's keypoints at ``frame``: interpolated between the two samples round
        it, moved with the box for ``reach`` frames after the last (:meth:`box_at`), None
        where there are none.

        Example
        -------
        >>> t = PersonTrack(1, [0, 10], [0.0, 0.3], [(0, 0, 9, 9), (10, 0, 19, 9)],
        ...                 [np.array([[0.0, 0.0]]), np.array([[10.0, 4.0]])])
        >>> t.points_at(5).tolist(), t.points_at(15, reach=5).tolist(), t.points_at(20)
        ([[5.0, 2.0]], [[10.0, 4.0]], None)
        """
        if len(self.points) != len(self.frames) or not self.frames:
            return None
        if frame < self.frames[0] - reach or frame > self.frames[-1] + reach:
            return None
        if frame <= self.frames[0]:
            return self.points[0]
        if frame >= self.frames[-1]:
            last = self.points[-1]
            if last is None:
                return None
            return last + self._steady_velocity() * (frame - self.frames[-1])
        j = int(np.searchsorted(self.frames, frame))
        a, b = self.points[j - 1], self.points[j]
        if a is None or b is None:
            return a if frame - self.frames[j - 1] <= self.frames[j] - frame else b
        w = (frame - self.frames[j - 1]) / max(self.frames[j] - self.frames[j - 1], 1)
        return a + w * (b - a)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: id, first and last time, samples, typical box."""
        return {
            "id": self.id,
            "first_s": round(self.first_time, 3),
            "last_s": round(self.last_time, 3),
            "samples": len(self.frames),
            "box": [round(v, 1) for v in self.typical_box],
        }


def _cost(track: PersonTrack, box: Box, frame: int) -> float:
    """1 - IoU with the box predicted at ``frame``; without overlap, 1 + centre distance /
    diagonal."""
    pred = track._predict(frame)
    iou = box_iou(pred, box)
    if iou > 0:
        return 1.0 - iou
    return 1.0 + math.dist(_centre(pred), _centre(box)) / _diag(pred)


class PeopleLinker:
    """:func:`link_people` one sample at a time, so a caller can ask where each person
    still being followed is expected (:meth:`expected`) before handing in the boxes."""

    def __init__(self, *, max_missed: int = MAX_MISSED, max_cost: float = 1.6) -> None:
        self.max_missed = max_missed
        self.max_cost = max_cost
        self.finished: list[PersonTrack] = []
        self.active: list[tuple[PersonTrack, int]] = []  # (track, samples missed)
        self.next_id = 1

    def expected(self, frame: int) -> list[tuple[PersonTrack, Box]]:
        """The tracks still followed and the box each is expected at at ``frame``."""
        return [(t, t._predict(frame)) for t, _ in self.active]

    def add(
        self,
        frame: int,
        time: float,
        boxes: Sequence[Box],
        points: Sequence[np.ndarray | None] | None = None,
    ) -> None:
        """Link the boxes found at ``frame`` (see :func:`link_people`), with the finder's
        keypoints of each box when given."""
        matched: dict[int, int] = {}
        if self.active and boxes:
            cost = np.array([[_cost(t, b, frame) for b in boxes] for t, _ in self.active])
            rows, cols = linear_sum_assignment(cost)
            matched = {
                int(c): int(r)
                for r, c in zip(rows, cols, strict=True)
                if cost[r, c] <= self.max_cost
            }
        still: list[tuple[PersonTrack, int]] = []
        used_tracks = set(matched.values())
        for r, (t, missed) in enumerate(self.active):
            if r in used_tracks:
                still.append((t, 0))
            elif missed + 1 > self.max_missed:
                self.finished.append(t)
            else:
                still.append((t, missed + 1))
        for c, box in enumerate(boxes):
            if c in matched:
                t = self.active[matched[c]][0]
            else:
                t = PersonTrack(self.next_id)
                self.next_id += 1
                still.append((t, 0))
            t.frames.append(int(frame))
            t.times.append(float(time))
            t.boxes.append(tuple(float(v) for v in box))  # type: ignore[arg-type]
            t.points.append(None if points is None else points[c])
        self.active = still

    def tracks(self) -> list[PersonTrack]:
        """Every track so far, by id."""
        return sorted(self.finished + [t for t, _ in self.active], key=lambda t: t.id)


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
    linker = PeopleLinker(max_missed=max_missed, max_cost=max_cost)
    for frame, time, boxes in samples:
        linker.add(frame, time, boxes)
    return linker.tracks()


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
    if isinstance(spec, bool | np.bool_):
        raise InputError(f"expected a subject rule, box or person id, got {spec!r}")
    if isinstance(spec, int | np.integer):
        for t in tracks:
            if t.id == spec:
                return t
        raise InputError(f"no person {spec} in this video; found {describe_people(tracks)}")
    if spec == "longest":
        return max(tracks, key=lambda t: (len(t.frames), t.last_time - t.first_time, t.area))
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


def scan_step(fps: float, every: int | None = None) -> int:
    """Frames between the people pass's samples: ``every``, else three times a second.

    Example
    -------
    >>> scan_step(60.0), scan_step(25.0), scan_step(30.0, every=4)
    (20, 8, 4)
    """
    return max(1, round(fps / 3)) if every is None else max(1, int(every))


def confident_xy(det: Any) -> np.ndarray:
    """A detection's keypoints (K, 2), NaN where its confidence is below one half.

    Example
    -------
    >>> from posecoach.extract.base import Detection
    >>> d = Detection(np.array([[1.0, 2.0, 0.0], [3.0, 4.0, 0.0]]), np.array([0.9, 0.1]))
    >>> confident_xy(d).tolist()
    [[1.0, 2.0], [nan, nan]]
    """
    xy = np.asarray(det.keypoints, dtype=np.float64)[:, :2].copy()
    xy[np.asarray(det.confidence) < 0.5] = np.nan
    return xy


class PeopleScanner:
    """The people pass, one frame at a time: :meth:`add` every frame (it runs the finder
    on every ``step``-th), then :meth:`result`. Lets a caller scan while it decodes the
    video for something else (extraction tracks the only person in the same pass); with
    ``background=True`` the finder works on a thread of its own, beside the caller's
    tracking (on two cores the people pass then costs little wall time).

    Example
    -------
    >>> import numpy as np
    >>> class Nobody:
    ...     def find_people(self, rgb, max_people=4):
    ...         return []
    >>> scanner = PeopleScanner(Nobody(), step=2, fps=30.0)
    >>> for i in range(5):
    ...     _ = scanner.add(i, i / 30, np.zeros((4, 6, 3), np.uint8))
    >>> scan = scanner.result()
    >>> scan.sampled, scan.n_frames, scan.image_size, scan.tracks
    ([0, 2, 4], 5, (6, 4), [])
    """

    def __init__(
        self,
        backend: PoseBackend,
        *,
        step: int,
        fps: float,
        max_people: int = 4,
        background: bool = False,
    ) -> None:
        self.backend = backend
        self.step = step
        self.fps = fps
        self.max_people = max_people
        self.samples: list[tuple[int, float, list[Box]]] = []
        self.linker = PeopleLinker()
        self._near = getattr(backend, "find_person_near", None)
        self.size = (0, 0)
        self.n_frames = 0
        #: The most people the finder saw in one sampled frame so far.
        self.max_together = 0
        self._queue: queue.Queue[Any] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if background:
            self._queue = queue.Queue(maxsize=4)
            self._thread = threading.Thread(target=self._work, name="posecoach-people", daemon=True)
            self._thread.start()

    def add(self, index: int, time_s: float, rgb: np.ndarray) -> list[Box] | None:
        """Count frame ``index``; on a sampled frame return the boxes found (None on the
        other frames, and always None in the background, where they come later)."""
        self.n_frames = max(self.n_frames, index + 1)
        if index % self.step:
            return None
        if self._queue is not None:
            if self._error is None:
                self._queue.put((index, float(time_s), rgb))
            return None
        return self._look(index, float(time_s), rgb)

    def _work(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._look(*item)
                except BaseException as exc:  # handed to the caller by result()
                    self._error = exc

    def _look(self, index: int, time_s: float, rgb: np.ndarray) -> list[Box]:
        h, w = rgb.shape[:2]
        self.size = (w, h)
        found = self.backend.find_people(rgb, max_people=self.max_people)
        boxes = [p.box() for p in found]
        points = [confident_xy(p) for p in found]
        if self._near is not None:
            # Look again where someone still followed is expected but was not found
            # (partly hidden behind another person, whom the search above blanked).
            for _, where in self.linker.expected(index):
                if len(boxes) >= self.max_people:
                    break
                if any(box_iou(where, b) >= NEAR_SAME for b in boxes):
                    continue
                det = self._near(rgb, where)
                if det is None:
                    continue
                box = det.box()
                if box_iou(box, where) > 0 and all(box_iou(box, b) < NEAR_SAME for b in boxes):
                    boxes.append(box)
                    points.append(confident_xy(det))
        self.linker.add(index, time_s, boxes, points)
        self.samples.append((index, time_s, boxes))
        self.max_together = max(self.max_together, len(boxes))
        return boxes

    def close(self) -> None:
        """Wait for the background finder to finish (nothing to do in the foreground)."""
        if self._thread is not None and self._queue is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def result(self) -> PeopleScan:
        """The tracks linked from the samples so far (after the background finder is
        done); re-raises what the finder raised."""
        self.close()
        if self._error is not None:
            raise self._error
        return PeopleScan(
            self.linker.tracks(),
            [s[0] for s in self.samples],
            self.step,
            self.size,
            self.n_frames,
            self.fps,
        )


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
    scanner = PeopleScanner(backend, step=scan_step(rate, every), fps=rate, max_people=max_people)
    for i, frame in enumerate(read_frames(Path(source), fps=fps, strict=strict)):
        if max_frames is not None and i >= max_frames:
            break
        if scanner.add(i, frame.time, frame.image) is not None and progress is not None:
            progress(i + 1)
    return scanner.result()
