"""Annotators: small drawing classes that return an annotated copy of an RGB frame.

Each annotator keeps its style in ``__init__`` and has one ``annotate(frame, ...)`` that
returns a NEW ``(H, W, 3)`` uint8 RGB frame; the input frame is never modified. Points are
pixel coordinates ``(K, 2)`` (extra columns are ignored); NaN joints, joints below the
confidence threshold and bones touching them are simply not drawn. Drawing uses OpenCV
with anti-aliased lines (OpenCV comes with MediaPipe: ``pip install 'posecoach[extract]'``).

Colours are RGB tuples because frames are RGB; the defaults come from
:mod:`posecoach.render.palette`.

Example
-------
>>> import numpy as np
>>> from posecoach.skeletons import COCO_17
>>> frame = np.zeros((64, 64, 3), np.uint8)
>>> pts = np.full((17, 2), np.nan); pts[5] = [20, 20]; pts[7] = [40, 40]
>>> out = SkeletonAnnotator().annotate(frame, pts, COCO_17)
>>> out[30, 30].tolist(), int(frame.sum())  # bone drawn on the copy only
([213, 94, 0], 0)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from posecoach.errors import InputError, require
from posecoach.render.palette import (
    ATTEMPT_RGB,
    BAND_RGB,
    CORRECTED_RGB,
    DEFAULT_ERROR_BANDS,
    REFERENCE_RGB,
    Color,
)
from posecoach.skeletons import Skeleton, get

__all__ = [
    "Color",
    "Corner",
    "ERROR_COLORS",
    "SkeletonAnnotator",
    "GhostAnnotator",
    "CorrectedPoseAnnotator",
    "JointErrorAnnotator",
    "TextAnnotator",
    "error_color",
    "draw_error_legend",
    "draw_error_legend_into",
    "frame_scale",
]

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]
CORNERS: tuple[str, ...] = ("top-left", "top-right", "bottom-left", "bottom-right")

#: Colours of small / medium / large joint errors (:data:`posecoach.render.palette.BAND_RGB`).
ERROR_COLORS: tuple[Color, Color, Color] = BAND_RGB

_SHIFT = 4  # sub-pixel bits for cv2 drawing (coordinates are multiplied by 16)
_ONE = 1 << _SHIFT


def _cv2() -> Any:
    return require("cv2", "extract")


def frame_scale(frame_shape: Sequence[int], reference: float = 720.0) -> float:
    """Drawing scale of a frame: its shorter side divided by ``reference`` pixels.

    Used to size lines, joints and text so they read the same on a 1080×1920 portrait
    video and on a small thumbnail.

    Example
    -------
    >>> frame_scale((1920, 1080, 3)), frame_scale((360, 640, 3))
    (1.5, 0.5)
    """
    return float(min(int(frame_shape[0]), int(frame_shape[1]))) / reference


def _check_frame(frame: np.ndarray) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise InputError(
            f"expected an (H, W, 3) uint8 RGB frame, got shape {arr.shape} dtype {arr.dtype}"
        )
    return arr


def _check_points(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] != skeleton.n_joints or pts.shape[1] < 2:
        raise InputError(
            f"expected points of shape ({skeleton.n_joints}, 2) for skeleton "
            f"{skeleton.name!r}, got {pts.shape}"
        )
    return pts[:, :2]


def _visible(
    pts: np.ndarray, confidence: np.ndarray | None, min_confidence: float, n: int
) -> np.ndarray:
    ok = np.isfinite(pts).all(axis=1)
    if confidence is not None:
        conf = np.asarray(confidence, dtype=np.float64).reshape(-1)
        if conf.shape != (n,):
            raise InputError(f"expected confidence of shape ({n},), got {conf.shape}")
        ok &= np.nan_to_num(conf, nan=0.0) >= min_confidence
    return ok


def _fixed(pts: np.ndarray, frame_shape: Sequence[int]) -> np.ndarray:
    """Sub-pixel fixed-point integer coordinates, clipped far outside the frame."""
    h, w = int(frame_shape[0]), int(frame_shape[1])
    lim = 4 * max(h, w)
    clipped = np.clip(np.nan_to_num(pts, nan=0.0), -lim, lim)
    return np.round(clipped * _ONE).astype(np.int64)


def _color(c: Sequence[int]) -> tuple[int, int, int]:
    if len(c) != 3:
        raise InputError(f"expected an (r, g, b) colour, got {tuple(c)}")
    return (int(c[0]), int(c[1]), int(c[2]))


def _draw_skeleton(
    canvas: np.ndarray,
    pts: np.ndarray,
    ok: np.ndarray,
    skeleton: Skeleton,
    color: Color,
    thickness: int,
    radius: int,
    joint_color: Color | None = None,
    dash: int = 0,
) -> None:
    cv2 = _cv2()
    fx = _fixed(pts, canvas.shape)
    for a, b in skeleton.edges:
        if ok[a] and ok[b]:
            if dash > 0:
                _dashed_line(canvas, pts[a], pts[b], color, thickness, dash)
            else:
                p, q = fx[a], fx[b]
                cv2.line(
                    canvas,
                    (int(p[0]), int(p[1])),
                    (int(q[0]), int(q[1])),
                    color,
                    thickness,
                    cv2.LINE_AA,
                    _SHIFT,
                )
    if radius > 0:
        jc = joint_color or color
        for i in np.flatnonzero(ok):
            p = fx[i]
            cv2.circle(canvas, (int(p[0]), int(p[1])), radius * _ONE, jc, -1, cv2.LINE_AA, _SHIFT)


def _dashed_line(
    canvas: np.ndarray, p: np.ndarray, q: np.ndarray, color: Color, thickness: int, dash: int
) -> None:
    cv2 = _cv2()
    length = float(np.hypot(*(q - p)))
    if length == 0:
        return
    n = max(1, int(length // (2 * dash)))
    for k in range(n + 1):
        t0 = min(1.0, 2 * k * dash / length)
        t1 = min(1.0, (2 * k + 1) * dash / length)
        if t1 <= t0:
            break
        a = _fixed((p + (q - p) * t0)[None], canvas.shape)[0]
        b = _fixed((p + (q - p) * t1)[None], canvas.shape)[0]
        cv2.line(
            canvas,
            (int(a[0]), int(a[1])),
            (int(b[0]), int(b[1])),
            color,
            thickness,
            cv2.LINE_AA,
            _SHIFT,
        )


class SkeletonAnnotator:
    """Bones and joints of one pose.

    Parameters
    ----------
    color
        RGB colour of bones (and joints unless ``joint_color`` is given).
    thickness
        Bone line width in pixels.
    radius
        Joint dot radius in pixels (0: no dots).
    min_confidence
        Joints whose confidence is below this are not drawn, nor their bones.
    joint_color
        Optional separate RGB colour of the joint dots.
    dash
        Dash (and gap) length in pixels for dashed bones; 0 draws solid bones.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> pts = np.full((17, 2), np.nan); pts[0] = [8, 8]
    >>> out = SkeletonAnnotator(color=(255, 0, 0), radius=3).annotate(
    ...     np.zeros((16, 16, 3), np.uint8), pts, COCO_17)
    >>> out[8, 8].tolist()
    [255, 0, 0]
    """

    def __init__(
        self,
        color: Color = ATTEMPT_RGB,
        thickness: int = 3,
        radius: int = 4,
        min_confidence: float = 0.3,
        joint_color: Color | None = None,
        dash: int = 0,
    ) -> None:
        self.color = _color(color)
        self.thickness = max(1, int(thickness))
        self.radius = max(0, int(radius))
        self.min_confidence = float(min_confidence)
        self.joint_color = _color(joint_color) if joint_color is not None else None
        self.dash = max(0, int(dash))

    def annotate(
        self,
        frame: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return a copy of ``frame`` with the skeleton drawn on it."""
        return self.draw_into(_check_frame(frame).copy(), points, skeleton, confidence)

    def draw_into(
        self,
        canvas: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw IN PLACE on ``canvas`` (a frame the caller owns) and return it."""
        sk = get(skeleton)
        canvas = _check_frame(canvas)
        pts = _check_points(points, sk)
        ok = _visible(pts, confidence, self.min_confidence, sk.n_joints)
        _draw_skeleton(
            canvas,
            pts,
            ok,
            sk,
            self.color,
            self.thickness,
            self.radius,
            self.joint_color,
            dash=self.dash,
        )
        return canvas


class GhostAnnotator:
    """A semi-transparent skeleton: the aligned reference drawn over the person.

    Parameters
    ----------
    color
        RGB colour (default the palette's reference blue).
    alpha
        Opacity in (0, 1]; the frame shows through with weight ``1 - alpha``.
    thickness, radius, min_confidence
        As for :class:`SkeletonAnnotator`.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> pts = np.full((17, 2), np.nan); pts[0] = [8, 8]
    >>> out = GhostAnnotator(color=(200, 200, 200), alpha=0.5).annotate(
    ...     np.zeros((16, 16, 3), np.uint8), pts, COCO_17)
    >>> out[8, 8].tolist()
    [100, 100, 100]
    """

    def __init__(
        self,
        color: Color = REFERENCE_RGB,
        alpha: float = 0.55,
        thickness: int = 6,
        radius: int = 5,
        min_confidence: float = 0.3,
    ) -> None:
        if not 0 < float(alpha) <= 1:
            raise InputError(f"expected alpha in (0, 1], got {alpha}")
        self.color = _color(color)
        self.alpha = float(alpha)
        self.thickness = max(1, int(thickness))
        self.radius = max(0, int(radius))
        self.min_confidence = float(min_confidence)

    def annotate(
        self,
        frame: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return a copy of ``frame`` with the ghost skeleton blended in."""
        return self.draw_into(_check_frame(frame).copy(), points, skeleton, confidence)

    def draw_into(
        self,
        canvas: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Blend the ghost IN PLACE into ``canvas`` (a frame the caller owns); return it.

        Only the bounding box of the drawn skeleton is blended, so the cost does not grow
        with the frame size.
        """
        sk = get(skeleton)
        canvas = _check_frame(canvas)
        pts = _check_points(points, sk)
        ok = _visible(pts, confidence, self.min_confidence, sk.n_joints)
        if not ok.any():
            return canvas
        h, w = canvas.shape[:2]
        reach = self.thickness + self.radius + 2
        lo = np.floor(pts[ok].min(axis=0)) - reach
        hi = np.ceil(pts[ok].max(axis=0)) + reach + 1
        x0, y0 = int(np.clip(lo[0], 0, w)), int(np.clip(lo[1], 0, h))
        x1, y1 = int(np.clip(hi[0], 0, w)), int(np.clip(hi[1], 0, h))
        if x1 <= x0 or y1 <= y0:
            return canvas
        roi = canvas[y0:y1, x0:x1]
        layer = roi.copy()
        _draw_skeleton(layer, pts - [x0, y0], ok, sk, self.color, self.thickness, self.radius)
        _cv2().addWeighted(layer, self.alpha, roi, 1.0 - self.alpha, 0.0, dst=roi)
        return canvas


class CorrectedPoseAnnotator(SkeletonAnnotator):
    """The corrected pose ("your body, in the correct form") as a dashed skeleton.

    Parameters
    ----------
    color
        RGB colour (default the palette's corrected colour, bluish green).
    thickness, radius, min_confidence
        As for :class:`SkeletonAnnotator`.
    dash
        Length in pixels of each dash (and of each gap).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> pts = np.full((17, 2), np.nan); pts[5] = [0, 10]; pts[7] = [60, 10]
    >>> out = CorrectedPoseAnnotator(radius=0, dash=10, thickness=1).annotate(
    ...     np.zeros((20, 64, 3), np.uint8), pts, COCO_17)
    >>> bool(out[10, 5].any()), bool(out[10, 15].any())  # a dash, then a gap
    (True, False)
    """

    def __init__(
        self,
        color: Color = CORRECTED_RGB,
        thickness: int = 3,
        radius: int = 3,
        min_confidence: float = 0.3,
        dash: int = 10,
    ) -> None:
        super().__init__(color, thickness, radius, min_confidence, dash=max(1, int(dash)))


def error_color(
    error: float,
    thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
    colors: Sequence[Color] = ERROR_COLORS,
) -> Color | None:
    """Colour of a torso-normalised joint error: the good colour below ``thresholds[0]``,
    the middle one below ``thresholds[1]``, the bad one above; ``None`` for NaN.

    Example
    -------
    >>> error_color(0.05), error_color(0.2), error_color(0.9), error_color(float("nan"))
    ((0, 158, 115), (230, 159, 0), (213, 94, 0), None)
    """
    if not np.isfinite(error):
        return None
    if error < thresholds[0]:
        return _color(colors[0])
    if error < thresholds[1]:
        return _color(colors[1])
    return _color(colors[2])


class JointErrorAnnotator:
    """Joint dots coloured good / middle / bad by torso-normalised error.

    Parameters
    ----------
    thresholds
        ``(low, high)`` errors, as fractions of the torso length, separating the good band
        from the middle one and the middle one from the bad one (default
        :data:`posecoach.render.palette.DEFAULT_ERROR_BANDS`; pass the result's
        ``error_bands``).
    radius
        Dot radius in pixels; a dark outline keeps dots visible on any background.
    min_confidence
        Joints whose confidence is below this are not drawn.
    colors
        Three RGB colours for small, medium and large errors.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> pts = np.full((17, 2), np.nan); pts[0] = [8, 8]; pts[1] = [20, 8]
    >>> err = np.full(17, np.nan); err[0] = 0.5; err[1] = 0.01
    >>> out = JointErrorAnnotator(radius=4).annotate(
    ...     np.zeros((16, 32, 3), np.uint8), pts, COCO_17, err)
    >>> out[8, 8].tolist(), out[8, 20].tolist()
    ([213, 94, 0], [0, 158, 115])
    """

    def __init__(
        self,
        thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
        radius: int = 7,
        min_confidence: float = 0.3,
        colors: Sequence[Color] = ERROR_COLORS,
    ) -> None:
        lo, hi = float(thresholds[0]), float(thresholds[1])
        if not 0 <= lo <= hi:
            raise InputError(f"expected thresholds 0 <= low <= high, got {tuple(thresholds)}")
        if len(colors) != 3:
            raise InputError(f"expected 3 colours (small, medium, large), got {len(colors)}")
        self.thresholds = (lo, hi)
        self.radius = max(1, int(radius))
        self.min_confidence = float(min_confidence)
        self.colors = tuple(_color(c) for c in colors)

    def annotate(
        self,
        frame: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        errors: np.ndarray,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return a copy of ``frame`` with each joint dot coloured by its error."""
        return self.draw_into(_check_frame(frame).copy(), points, skeleton, errors, confidence)

    def draw_into(
        self,
        canvas: np.ndarray,
        points: np.ndarray,
        skeleton: Skeleton | str,
        errors: np.ndarray,
        confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw IN PLACE on ``canvas`` (a frame the caller owns) and return it."""
        cv2 = _cv2()
        sk = get(skeleton)
        canvas = _check_frame(canvas)
        pts = _check_points(points, sk)
        err = np.asarray(errors, dtype=np.float64).reshape(-1)
        if err.shape != (sk.n_joints,):
            raise InputError(f"expected errors of shape ({sk.n_joints},), got {err.shape}")
        ok = _visible(pts, confidence, self.min_confidence, sk.n_joints) & np.isfinite(err)
        fx = _fixed(pts, canvas.shape)
        outline = max(1, self.radius // 4)
        for i in np.flatnonzero(ok):
            col = error_color(float(err[i]), self.thresholds, self.colors)
            centre = (int(fx[i, 0]), int(fx[i, 1]))
            cv2.circle(
                canvas,
                centre,
                (self.radius + outline) * _ONE,
                (20, 20, 20),
                -1,
                cv2.LINE_AA,
                _SHIFT,
            )
            cv2.circle(canvas, centre, self.radius * _ONE, col, -1, cv2.LINE_AA, _SHIFT)
        return canvas

    def legend(self, frame: np.ndarray, corner: Corner = "bottom-left") -> np.ndarray:
        """Return a copy of ``frame`` with a legend of the three error colours."""
        return draw_error_legend(frame, self.thresholds, corner, self.colors)


def draw_error_legend(
    frame: np.ndarray,
    thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
    corner: Corner = "bottom-left",
    colors: Sequence[Color] = ERROR_COLORS,
) -> np.ndarray:
    """A copy of ``frame`` with a small legend: error below / between / above thresholds
    (as a percentage of the torso length), sized to the frame.

    Example
    -------
    >>> import numpy as np
    >>> out = draw_error_legend(np.zeros((200, 300, 3), np.uint8))
    >>> bool(out.any())
    True
    """
    return draw_error_legend_into(_check_frame(frame).copy(), thresholds, corner, colors)


def draw_error_legend_into(
    canvas: np.ndarray,
    thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
    corner: Corner = "bottom-left",
    colors: Sequence[Color] = ERROR_COLORS,
) -> np.ndarray:
    """:func:`draw_error_legend` drawn IN PLACE on ``canvas`` (a frame the caller owns)."""
    lo, hi = thresholds
    lines: list[str | tuple[str, Color]] = [
        (f"error < {lo * 100:.0f}% torso", _color(colors[0])),
        (f"{lo * 100:.0f}-{hi * 100:.0f}%", _color(colors[1])),
        (f"> {hi * 100:.0f}%", _color(colors[2])),
    ]
    return _legend_text().draw_into(canvas, lines, corner=corner)


@functools.lru_cache(maxsize=1)
def _legend_text() -> TextAnnotator:
    return TextAnnotator(font_size=18)


class TextAnnotator:
    """A panel of text lines on a semi-transparent dark box in one corner of the frame.

    Sizes scale with the frame (see :func:`frame_scale`) so the panel reads the same on a
    1080×1920 portrait video and a small frame; long lines wrap at word boundaries to the
    frame width. Text is drawn with Pillow and the DejaVu Sans font shipped with
    matplotlib, so any Unicode text (``25°``, accents) renders.

    Parameters
    ----------
    font_size
        Font size in pixels at a 720-pixel shorter side; multiplied by :func:`frame_scale`
        (never below 8 pixels).
    color
        Default RGB text colour; a line given as ``(text, color)`` overrides it.
    background
        RGB colour of the box behind the text.
    background_alpha
        Opacity of the box (0: no box).
    max_width_fraction
        Lines wrap to at most this fraction of the frame width.
    bold
        Use the bold face.

    Example
    -------
    >>> import numpy as np
    >>> frame = np.zeros((120, 200, 3), np.uint8)
    >>> out = TextAnnotator().annotate(frame, ["score 87", ("knee 25° less", (255, 0, 0))])
    >>> bool(out[:60, :100].any()), bool(out[100:, 150:].any())
    (True, False)
    """

    def __init__(
        self,
        font_size: float = 26.0,
        color: Color = (255, 255, 255),
        background: Color = (0, 0, 0),
        background_alpha: float = 0.6,
        max_width_fraction: float = 0.92,
        bold: bool = False,
    ) -> None:
        self.font_size = float(font_size)
        self.color = _color(color)
        self.background = _color(background)
        self.background_alpha = float(np.clip(background_alpha, 0.0, 1.0))
        self.max_width_fraction = float(np.clip(max_width_fraction, 0.1, 1.0))
        self.bold = bool(bold)
        self._cache: dict[Any, Any] = {}

    def font_pixels(self, frame_shape: Sequence[int]) -> int:
        """Font size in pixels used on a frame of this shape."""
        return max(8, round(self.font_size * frame_scale(frame_shape)))

    def annotate(
        self,
        frame: np.ndarray,
        lines: Sequence[str | tuple[str, Color]],
        corner: Corner = "top-left",
    ) -> np.ndarray:
        """Return a copy of ``frame`` with ``lines`` drawn in ``corner``."""
        return self.draw_into(_check_frame(frame).copy(), lines, corner)

    def draw_into(
        self,
        canvas: np.ndarray,
        lines: Sequence[str | tuple[str, Color]],
        corner: Corner = "top-left",
    ) -> np.ndarray:
        """Draw IN PLACE on ``canvas`` (a frame the caller owns) and return it.

        The rendered text (a coverage mask and colours) is cached per frame size, corner
        and lines, so repeating the same panel on every video frame costs only the blend.
        """
        if corner not in CORNERS:
            raise InputError(f"expected corner one of {CORNERS}, got {corner!r}")
        canvas = _check_frame(canvas)
        h, w = canvas.shape[:2]
        key_lines = tuple(
            (line, self.color) if isinstance(line, str) else (str(line[0]), _color(line[1]))
            for line in lines
        )
        key = (w, h, corner, key_lines)
        layout = self._cache.get(key)
        if layout is None:
            if len(self._cache) >= 256:
                self._cache.clear()
            layout = self._cache[key] = self._layout(w, h, corner, key_lines)
        if layout is None:
            return canvas
        x0, y0, mask, colors, tint = layout
        cv2 = _cv2()
        bh, bw = mask.shape[:2]
        region = canvas[y0 : y0 + bh, x0 : x0 + bw]
        if self.background_alpha > 0:
            cv2.addWeighted(
                tint, self.background_alpha, region, 1.0 - self.background_alpha, 0.0, dst=region
            )
        region[:] = cv2.blendLinear(colors, region, mask, 1.0 - mask)
        return canvas

    def _layout(
        self, w: int, h: int, corner: str, lines: tuple[tuple[str, Color], ...]
    ) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray] | None:
        from PIL import Image, ImageDraw

        px = self.font_pixels((h, w))
        font = _font(px, self.bold)
        pad = max(2, round(px * 0.35))
        max_w = max(1, int(w * self.max_width_fraction) - 2 * pad)
        rows = _wrap_lines(lines, font, max_w, self.color)
        if not rows:
            return None
        ascent, descent = font.getmetrics()
        gap = max(1, px // 6)
        line_h = ascent + descent + gap
        text_w = max(int(np.ceil(font.getlength(t))) for t, _ in rows)
        box_w = min(w, text_w + 2 * pad)
        box_h = min(h, line_h * len(rows) + 2 * pad - gap)
        margin = max(0, round(px * 0.3))
        x0 = margin if corner.endswith("left") else max(0, w - box_w - margin)
        y0 = margin if corner.startswith("top") else max(0, h - box_h - margin)
        box_w, box_h = min(box_w, w - x0), min(box_h, h - y0)
        if box_w <= 0 or box_h <= 0:
            return None
        img = Image.new("L", (box_w, box_h), 0)
        draw = ImageDraw.Draw(img)
        colors = np.zeros((box_h, box_w, 3), np.uint8)
        for i, (text, col) in enumerate(rows):
            top = pad + i * line_h
            draw.text((pad, top), text, font=font, fill=255)
            colors[max(0, top - gap) : top + line_h] = col
        mask = np.asarray(img, np.float32) / 255.0
        tint = np.empty((box_h, box_w, 3), np.uint8)
        tint[:] = self.background
        return x0, y0, mask, colors, tint


@functools.lru_cache(maxsize=32)
def _font(pixels: int, bold: bool) -> Any:
    import matplotlib
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name
    try:
        return ImageFont.truetype(str(path), pixels)
    except OSError:  # pragma: no cover - matplotlib always ships DejaVu
        return ImageFont.load_default(pixels)


def _wrap_lines(
    lines: Sequence[str | tuple[str, Color]], font: Any, max_w: int, default: Color
) -> list[tuple[str, Color]]:
    """Greedy word wrap of each line to ``max_w`` pixels (long words are split)."""
    rows: list[tuple[str, Color]] = []
    for line in lines:
        if isinstance(line, str):
            text, col = line, default
        else:
            text, col = str(line[0]), _color(line[1])
        words = text.replace("\n", " ").split()
        current = ""
        for word in words:
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_w:
                current = candidate
                continue
            if current:
                rows.append((current, col))
            while font.getlength(word) > max_w and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and font.getlength(word[:cut]) > max_w:
                    cut -= 1
                rows.append((word[:cut], col))
                word = word[cut:]
            current = word
        if current:
            rows.append((current, col))
    return rows
