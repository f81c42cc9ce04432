"""Choosing the person in an uploaded video: who is in it, and one frame to click them on.

The page shows the frame where the most people are in view with each person's box; a click
inside a box picks that person as ``"x0,y0,x1,y1@seconds"`` (whoever overlaps the box at
that time, see :func:`posecoach.extract.subject.parse_subject`), which the compare job
passes to the extraction. A box and a time rather than the scan's id, so the choice means
the same person even if a later scan numbers people differently.

Example
-------
>>> from posecoach.extract.people import PeopleScan, PersonTrack
>>> a = PersonTrack(1, [0, 10], [0.0, 0.5], [(0, 0, 10, 20), (2, 0, 12, 20)])
>>> b = PersonTrack(2, [10], [0.5], [(40, 40, 90, 99)])
>>> scan = PeopleScan([a, b], [0, 10], 10, (100, 100), 12, 20.0)
>>> view = people_view(scan)
>>> view["frame"], [p["subject"] for p in view["people"]]
(10, ['2,0,12,20@0.5', '40,40,90,99@0.5'])
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.extract.people import PeopleScan, PersonTrack

__all__ = ["SubjectPicker", "people_view", "subject_text"]


def subject_text(box: tuple[float, float, float, float], time_s: float) -> str:
    """The ``--subject`` text for ``box`` (pixels) at ``time_s``.

    Example
    -------
    >>> subject_text((10.4, 20.0, 110.6, 220.0), 1.25)
    '10,20,111,220@1.25'
    """
    return ",".join(str(round(v)) for v in box) + f"@{round(time_s, 2):g}"


def _frame_with_most_people(scan: PeopleScan) -> int:
    """The sampled frame where the most people are in view (the middle one of those)."""
    counts = {f: sum(f in t.frames for t in scan.tracks) for f in scan.sampled}
    best = max(counts.values(), default=0)
    frames = [f for f in scan.sampled if counts[f] == best]
    return frames[len(frames) // 2] if frames else 0


def _at(track: PersonTrack, frame: int) -> tuple[tuple[float, float, float, float], float, int]:
    """``track``'s box, time and frame at ``frame`` if it was seen there, else at the
    middle of its time in view."""
    j = track.frames.index(frame) if frame in track.frames else len(track.frames) // 2
    return track.boxes[j], track.times[j], track.frames[j]


def people_view(scan: PeopleScan) -> dict[str, Any]:
    """JSON for the page: the frame to show, the image size, and per person their box on
    that frame (``on_frame``; else their box at the middle of their time in view) and
    the subject text that picks them."""
    frame = _frame_with_most_people(scan)
    people = []
    for t in scan.tracks:
        box, time_s, at_frame = _at(t, frame)
        people.append(
            {
                **t.to_dict(),
                "on_frame": at_frame == frame,
                "frame": at_frame,
                "frame_box": [round(v, 1) for v in box],
                "subject": subject_text(box, time_s),
            }
        )
    return {
        "frame": frame,
        "time_s": round(frame / scan.fps, 3) if scan.fps else 0.0,
        "width": scan.image_size[0],
        "height": scan.image_size[1],
        "max_together": scan.max_together,
        "people": people,
    }


class SubjectPicker:
    """People scans of stored videos, kept in memory (one per video file), and their frames.

    ``find`` is the people pass (default :func:`posecoach.app.people.find_people`).
    """

    #: Scans kept in memory; the oldest goes first.
    KEEP = 32

    def __init__(self, find: Callable[[Path], PeopleScan] | None = None) -> None:
        self._find = find
        self._scans: dict[Path, PeopleScan] = {}
        self._lock = threading.Lock()

    def scan(self, video: Path) -> PeopleScan:
        with self._lock:
            cached = self._scans.get(video)
        if cached is not None:
            return cached
        if self._find is None:
            from posecoach.app.people import find_people

            found = find_people(video)
        else:
            found = self._find(video)
        with self._lock:
            if len(self._scans) >= self.KEEP:
                self._scans.pop(next(iter(self._scans)))  # the oldest scan
            self._scans[video] = found
        return found

    def view(self, video: Path) -> dict[str, Any]:
        """:func:`people_view` of ``video``'s scan."""
        return people_view(self.scan(video))

    def frame_png(self, video: Path, index: int) -> bytes:
        """Frame number ``index`` of ``video`` as PNG bytes (nothing written to disk)."""
        import cv2

        from posecoach.video import read_frames

        if index < 0:
            raise InputError(f"expected a frame number ≥ 0, got {index}")
        for i, frame in enumerate(read_frames(video)):
            if i == index:
                ok, data = cv2.imencode(".png", frame.image[..., ::-1])
                if not ok:
                    raise InputError(f"frame {index} of {video.name} could not be encoded")
                return bytes(data.tobytes())
        raise InputError(f"{video.name} has no frame {index}")
