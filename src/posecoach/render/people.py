"""A contact sheet of the people found in a video: one tile per person, box and number.

Drawing only: the caller gives, per person, a frame and the box to draw (see
:func:`posecoach.app.people.write_people_sheet`).

Example
-------
>>> import numpy as np
>>> frame = np.zeros((200, 100, 3), np.uint8)
>>> sheet = contact_sheet([(1, "0.0-2.0 s", frame, (10, 20, 60, 180))], tile=120)
>>> sheet.shape, sheet.dtype.name
((152, 120, 3), 'uint8')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posecoach.render.palette import ATTEMPT_RGB, REFERENCE_RGB

__all__ = ["contact_sheet"]

#: Height of the caption strip under each tile, pixels.
CAPTION = 32


def contact_sheet(
    people: Sequence[tuple[int, str, np.ndarray, tuple[float, float, float, float]]],
    *,
    tile: int = 320,
    columns: int = 4,
) -> np.ndarray:
    """``(H, W, 3)`` RGB image: a tile per ``(id, caption, frame, box)``, the box drawn
    and numbered on the frame scaled to ``tile`` pixels (long side), the caption below.
    """
    import cv2

    if not people:
        raise ValueError("expected at least one person to draw, got none")
    tiles = []
    for ident, caption, frame, box in people:
        h, w = frame.shape[:2]
        scale = tile / max(h, w)
        img = cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))))
        canvas = np.full((tile + CAPTION, tile, 3), 255, np.uint8)
        oy, ox = (tile - img.shape[0]) // 2, (tile - img.shape[1]) // 2
        canvas[oy : oy + img.shape[0], ox : ox + img.shape[1]] = img
        x0, y0, x1, y1 = (round(v * scale) for v in box)
        p0, p1 = (ox + x0, oy + y0), (ox + x1, oy + y1)
        cv2.rectangle(canvas, p0, p1, ATTEMPT_RGB, 3)
        label = str(ident)
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)
        top = max(0, p0[1] - th - 10)
        cv2.rectangle(canvas, (p0[0], top), (p0[0] + tw + 10, top + th + 10), ATTEMPT_RGB, -1)
        cv2.putText(
            canvas, label, (p0[0] + 5, top + th + 4), cv2.FONT_HERSHEY_SIMPLEX, 1.0,
            (255, 255, 255), 2, cv2.LINE_AA,
        )  # fmt: skip
        cv2.putText(
            canvas, f"person {ident}: {caption}", (6, tile + CAPTION - 10),
            cv2.FONT_HERSHEY_SIMPLEX, 0.5, REFERENCE_RGB, 1, cv2.LINE_AA,
        )  # fmt: skip
        tiles.append(canvas)
    cols = min(columns, len(tiles))
    rows = -(-len(tiles) // cols)
    blank = np.full_like(tiles[0], 255)
    tiles += [blank] * (rows * cols - len(tiles))
    return np.vstack([np.hstack(tiles[r * cols : (r + 1) * cols]) for r in range(rows)])
