"""``posecoach people VIDEO``: who is in a video, and a contact sheet to pick one.

Example
-------
>>> from posecoach.extract.people import PersonTrack
>>> people_lines([PersonTrack(2, [0, 30], [0.0, 1.0], [(10, 20, 110, 320)] * 2)])
['  2  0.0-1.0 s  box 10,20,110,320']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.errors import InputError
from posecoach.extract.people import PeopleScan, PersonTrack, scan_people

__all__ = ["find_people", "people_lines", "write_people_sheet"]


def find_people(source: str | Path, backend: str = "mediapipe", **options: object) -> PeopleScan:
    """The people pass over a video (:func:`posecoach.extract.people.scan_people`)."""
    from posecoach.extract.base import get_backend
    from posecoach.video import is_image_path

    path = Path(source)
    if not path.is_file() or is_image_path(path):
        raise InputError(f"{path}: expected a video file")
    be = get_backend(backend)
    ok, why = be.available()
    if not ok:
        raise InputError(f"pose backend {be.name!r} is not usable: {why}")
    try:
        return scan_people(path, be, **options)  # type: ignore[arg-type]
    finally:
        close = getattr(be, "close", None)
        if callable(close):
            close()


def people_lines(tracks: Sequence[PersonTrack]) -> list[str]:
    """One line per person: id, first and last time, typical box (pixels)."""
    return [
        f"{t.id:>3}  {t.first_time:.1f}-{t.last_time:.1f} s  box "
        + ",".join(str(round(v)) for v in t.typical_box)
        for t in tracks
    ]


def write_people_sheet(scan: PeopleScan, source: str | Path, path: str | Path) -> Path:
    """Write a PNG with one tile per person (the frame in the middle of their time in
    view, their box numbered), atomically."""
    import cv2

    from posecoach.render.people import contact_sheet
    from posecoach.video import read_frames

    if not scan.tracks:
        raise InputError(f"{source}: nobody found, no contact sheet to draw")
    wanted = {t.id: t.frames[len(t.frames) // 2] for t in scan.tracks}
    frames: dict[int, np.ndarray] = {}
    need = set(wanted.values())
    for i, frame in enumerate(read_frames(Path(source))):
        if i in need:
            frames[i] = frame.image
        if len(frames) == len(need) or i > max(need):
            break
    tiles = []
    for t in scan.tracks:
        f = wanted[t.id]
        j = t.frames.index(f)
        caption = f"{t.first_time:.1f}-{t.last_time:.1f} s"
        tiles.append((t.id, caption, frames[f], t.boxes[j]))
    sheet = contact_sheet(tiles)
    out = Path(path)
    with atomic_path(out, suffix=".png") as tmp:
        if not cv2.imwrite(str(tmp), sheet[..., ::-1]):
            raise InputError(f"{out}: could not write the PNG")
    return out
