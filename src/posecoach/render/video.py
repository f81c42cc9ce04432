"""Overlay and side-by-side videos of a comparison (H.264 MP4 that browsers play).

- :func:`render_overlay`: the attempt's own video with its skeleton, the aligned reference
  drawn as a semi-transparent ghost, joints coloured by error, the current cue and score.
- :func:`render_side_by_side`: reference and attempt next to each other, synchronised along
  the DTW path (one output frame per path pair), same height, labelled.
- :func:`draw_overlay`: the drawing of one overlay frame (reused for still images and
  live feedback).

Video frames are matched to pose frames by timestamp (nearest pose within 1.5 pose-frame
periods), so a video and a sequence of different lengths or frame rates (e.g. poses
extracted every second frame) still line up. With no video (a pose-file input) the poses
are drawn on a plain dark canvas of the pose's ``image_size``, or fitted to the pose
bounds. Outputs are written atomically by :class:`posecoach.video.VideoWriter`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.render.annotators import (
    Color,
    CorrectedPoseAnnotator,
    GhostAnnotator,
    JointErrorAnnotator,
    SkeletonAnnotator,
    TextAnnotator,
    draw_error_legend_into,
    frame_scale,
)
from posecoach.render.palette import (
    ATTEMPT_RGB,
    BAND_RGB,
    CORRECTED_RGB,
    DEFAULT_ERROR_BANDS,
    NO_DATA_RGB,
    REFERENCE_RGB,
)
from posecoach.skeletons import Skeleton, get

__all__ = [
    "BACKGROUND",
    "PoseCanvas",
    "draw_overlay",
    "score_color",
    "active_cues",
    "render_overlay",
    "render_side_by_side",
    "write_png",
]

#: RGB colour of the plain canvas used when there is no video.
BACKGROUND: Color = (28, 30, 36)
ATTEMPT_COLOR: Color = ATTEMPT_RGB
REFERENCE_COLOR: Color = REFERENCE_RGB
CORRECTED_COLOR: Color = CORRECTED_RGB

#: Default longest side of overlay.mp4 and default cap of side_by_side.mp4's height.
DEFAULT_MAX_SIDE = 960
DEFAULT_SBS_HEIGHT = 720

Progress = Callable[[int, int], None]


def score_color(score: float) -> Color:
    """Band colour of a 0-100 score (:data:`~posecoach.render.palette.BAND_RGB`): good
    >= 75, middle >= 50, bad below, grey NaN.

    Example
    -------
    >>> score_color(90), score_color(60), score_color(10), score_color(float("nan"))
    ((0, 158, 115), (230, 159, 0), (213, 94, 0), (200, 200, 200))
    """
    if not np.isfinite(score):
        return NO_DATA_RGB
    if score >= 75:
        return BAND_RGB[0]
    if score >= 50:
        return BAND_RGB[1]
    return BAND_RGB[2]


def active_cues(cues: Sequence[Mapping[str, Any] | Any], time_s: float) -> list[str]:
    """Texts of the cues whose ``[start_s, end_s]`` range contains ``time_s``, in order.

    A cue is a mapping or an object with ``start_s``, ``end_s`` and ``text``.

    Example
    -------
    >>> cues = [{"start_s": 1.0, "end_s": 2.0, "text": "bend your knee"},
    ...         {"start_s": 0.0, "end_s": 5.0, "text": "keep your back straight"}]
    >>> active_cues(cues, 1.5), active_cues(cues, 3.0)
    (['bend your knee', 'keep your back straight'], ['keep your back straight'])
    """
    out = []
    for cue in cues:
        get_ = cue.get if isinstance(cue, Mapping) else lambda k, d=None, c=cue: getattr(c, k, d)
        start = float(get_("start_s", 0.0))
        end = float(get_("end_s", start))
        if start - 1e-9 <= time_s <= end + 1e-9:
            out.append(str(get_("text", "")))
    return out


@dataclass(frozen=True)
class PoseCanvas:
    """Where poses go on a frame: output ``size`` (w, h) and per-axis ``scale`` and
    ``offset`` applied to pose coordinates (``pixel = pose * scale + offset``).

    Example
    -------
    >>> import numpy as np
    >>> pos = np.full((1, 17, 2), np.nan); pos[0, 0] = [0.0, 0.0]; pos[0, 15] = [1.0, 2.0]
    >>> c = PoseCanvas.fit([PoseSequence(pos, skeleton="coco_17", space="world")], height=100)
    >>> c.size, c.to_pixels(np.array([[0.0, 2.0]])).round().tolist()
    ((50, 100), [[4.0, 92.0]])
    """

    size: tuple[int, int]
    scale: tuple[float, float] = (1.0, 1.0)
    offset: tuple[float, float] = (0.0, 0.0)

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """Map pose coordinates ``(..., >=2)`` to canvas pixels ``(..., 2)``."""
        pts = np.asarray(points, dtype=np.float64)[..., :2]
        return pts * np.asarray(self.scale) + np.asarray(self.offset)

    def resized(self, size: tuple[int, int]) -> PoseCanvas:
        """The same mapping for the frame resized to ``size`` (w, h)."""
        fx, fy = size[0] / self.size[0], size[1] / self.size[1]
        return PoseCanvas(
            (int(size[0]), int(size[1])),
            (self.scale[0] * fx, self.scale[1] * fy),
            (self.offset[0] * fx, self.offset[1] * fy),
        )

    @classmethod
    def for_video(cls, size: tuple[int, int], seq: PoseSequence) -> PoseCanvas:
        """The mapping of a pose onto its own video of ``size``: identity for pixel poses
        measured on that size, rescaled when the pose's ``image_size`` differs (poses
        extracted on a resized copy), ``x * w, y * h`` for normalised poses."""
        w, h = size
        if seq.space == "normalized":
            return cls(size, (float(w), float(h)))
        if seq.space == "pixel" and seq.image_size is not None and seq.image_size != size:
            iw, ih = seq.image_size
            return cls(size, (w / iw, h / ih))
        return cls(size)

    @classmethod
    def fit(cls, seqs: Sequence[PoseSequence], height: int = 720) -> PoseCanvas:
        """A canvas for poses without a video: the pose's own frame when it is in pixels
        (or normalised) with a known ``image_size``; otherwise the bounds of all joints,
        scaled to ``height`` with an 8% margin (y flipped for world poses whose
        ``metadata["y_up"]`` is True)."""
        first = seqs[0]
        if first.space in ("pixel", "normalized") and first.image_size is not None:
            return cls.for_video(first.image_size, first)
        pts = np.concatenate([s.positions[..., :2].reshape(-1, 2) for s in seqs])
        pts = pts[np.isfinite(pts).all(axis=1)]
        default_w = height * 9 // 16 + (height * 9 // 16) % 2
        if pts.size == 0:
            return cls((default_w, height))
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        inner = height * 0.84
        k = float(inner / max(span[1], span[0] * 0.3))
        width = int(np.clip(span[0] * k / 0.84, height * 0.4, height * 2.5))
        width += width % 2
        ky = -k if _y_up(first) else k  # y-up world poses (motion capture) drawn upright
        offset = (width / 2 - (lo[0] + hi[0]) / 2 * k, height / 2 - (lo[1] + hi[1]) / 2 * ky)
        return cls((width, height), (k, ky), (float(offset[0]), float(offset[1])))


def _y_up(seq: PoseSequence) -> bool:
    """Whether the pose's y axis points up (``space="world"`` with ``metadata["y_up"]``)."""
    return seq.space == "world" and seq.metadata.get("y_up") is True


def _style(
    shape: Sequence[int], thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS
) -> dict[str, Any]:
    return _cached_style(int(shape[0]), int(shape[1]), float(thresholds[0]), float(thresholds[1]))


@functools.lru_cache(maxsize=16)
def _cached_style(h: int, w: int, lo: float, hi: float) -> dict[str, Any]:
    """Annotators sized to an ``h`` x ``w`` frame (cached: the text panel keeps its
    rendered-text cache between calls)."""
    shape, thresholds = (h, w, 3), (lo, hi)
    s = frame_scale(shape)
    return {
        "attempt": SkeletonAnnotator(
            ATTEMPT_COLOR, thickness=max(1, round(3 * s)), radius=0, min_confidence=0.3
        ),
        "ghost": GhostAnnotator(
            REFERENCE_COLOR, alpha=0.6, thickness=max(2, round(7 * s)), radius=max(1, round(5 * s))
        ),
        "corrected": CorrectedPoseAnnotator(
            CORRECTED_COLOR,
            thickness=max(1, round(3 * s)),
            radius=max(1, round(3 * s)),
            dash=max(3, round(10 * s)),
        ),
        "text": TextAnnotator(font_size=26, bold=True),
        "dots": JointErrorAnnotator(thresholds, radius=max(2, round(6 * s))),
        "plain_dots": SkeletonAnnotator(ATTEMPT_COLOR, thickness=1, radius=max(2, round(6 * s))),
    }


def draw_overlay(
    frame: np.ndarray,
    skeleton: Skeleton | str,
    attempt_points: np.ndarray | None,
    reference_points: np.ndarray | None = None,
    joint_errors: np.ndarray | None = None,
    *,
    attempt_confidence: np.ndarray | None = None,
    reference_confidence: np.ndarray | None = None,
    corrected_points: np.ndarray | None = None,
    score: float | None = None,
    cues: Sequence[str] = (),
    thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
    legend: bool = True,
    style: Mapping[str, Any] | None = None,
) -> np.ndarray:
    """One overlay frame: reference ghost, attempt skeleton, error-coloured joints,
    corrected pose (dashed), score and cues; returns a new frame.

    Parameters
    ----------
    frame
        ``(H, W, 3)`` uint8 RGB image (not modified).
    skeleton
        Skeleton (or its registry name) of all the point sets.
    attempt_points, reference_points, corrected_points
        ``(K, 2)`` pixel coordinates or None (not drawn).
    joint_errors
        ``(K,)`` torso-normalised errors colouring the attempt's joints (None: plain dots).
    attempt_confidence, reference_confidence
        ``(K,)`` confidences; joints below 0.3 are not drawn.
    score
        Current score 0-100 shown top-left (None: no score line).
    cues
        Cue texts shown under the score.
    thresholds
        Error bands (torso lengths) of the good / middle / bad joint colours: pass the
        result's ``error_bands``.
    legend
        Draw the error colour legend bottom-left.
    style
        Annotators to use (default: sized to the frame).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.skeletons import COCO_17
    >>> pts = np.full((17, 2), np.nan); pts[5] = [30, 30]; pts[7] = [60, 60]
    >>> out = draw_overlay(np.zeros((120, 160, 3), np.uint8), COCO_17, pts, pts + 5,
    ...                    np.full(17, 0.5), score=42.0, cues=["raise your arm"])
    >>> out[30, 30].tolist()  # a large error: the bad band's colour
    [213, 94, 0]
    """
    skeleton = get(skeleton)
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise InputError(
            f"expected an (H, W, 3) uint8 RGB frame, got shape {frame.shape} dtype {frame.dtype}"
        )
    st = dict(style) if style is not None else _style(frame.shape, thresholds)
    out = np.array(frame, dtype=np.uint8, copy=True)  # the one copy; drawn in place below
    if reference_points is not None:
        st["ghost"].draw_into(out, reference_points, skeleton, reference_confidence)
    if corrected_points is not None:
        st["corrected"].draw_into(out, corrected_points, skeleton)
    if attempt_points is not None:
        st["attempt"].draw_into(out, attempt_points, skeleton, attempt_confidence)
        errs = (
            np.full(skeleton.n_joints, np.nan)
            if joint_errors is None
            else np.asarray(joint_errors, dtype=np.float64)
        )
        st["dots"].draw_into(out, attempt_points, skeleton, errs, attempt_confidence)
        no_err = ~np.isfinite(errs)
        if no_err.any():  # joints without an error value: plain attempt-coloured dots
            pts = np.where(no_err[:, None], np.asarray(attempt_points, float)[:, :2], np.nan)
            st["plain_dots"].draw_into(out, pts, skeleton, attempt_confidence)
    lines: list[str | tuple[str, Color]] = []
    if score is not None:
        text = f"Score {score:.0f}" if np.isfinite(score) else "person not visible"
        lines.append((text, score_color(score)))
    lines.extend(cues)
    if lines:
        st["text"].draw_into(out, lines, corner="top-left")
    if legend and joint_errors is not None:
        draw_error_legend_into(out, thresholds, corner="bottom-left")
    return out


def write_png(frame: np.ndarray, out_path: str | Path) -> Path:
    """Write an RGB frame (e.g. from :func:`draw_overlay`) as a PNG, atomically.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> p = write_png(np.zeros((4, 6, 3), np.uint8), os.path.join(tempfile.mkdtemp(), "a.png"))
    >>> p.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    from PIL import Image

    from posecoach.atomic import atomic_path

    arr = np.asarray(frame)
    if arr.ndim != 3 or arr.shape[2] != 3 or arr.dtype != np.uint8:
        raise InputError(
            f"expected an (H, W, 3) uint8 RGB frame, got shape {arr.shape} dtype {arr.dtype}"
        )
    target = Path(out_path)
    with atomic_path(target, suffix=".png") as tmp:
        Image.fromarray(arr).save(tmp, format="PNG")
    return target


# ------------------------------------------------------------------------ frame sources
def _nearest_index(timestamps: np.ndarray, time_s: float, tolerance: float) -> int | None:
    """Index of the timestamp nearest ``time_s`` if within ``tolerance``, else None."""
    i = int(np.searchsorted(timestamps, time_s))
    best = None
    for j in (i - 1, i):
        if 0 <= j < len(timestamps):
            d = abs(float(timestamps[j]) - time_s)
            if d <= tolerance and (best is None or d < best[1]):
                best = (j, d)
    return None if best is None else best[0]


def _times(seq: PoseSequence) -> np.ndarray:
    return np.asarray(seq.timestamps, dtype=np.float64)


def _conf(seq: PoseSequence) -> np.ndarray:
    return np.asarray(seq.confidence, dtype=np.float64)


def _tolerance(seq: PoseSequence) -> float:
    return 1.5 / seq.fps


def _video_source(path: str | Path) -> tuple[Iterator[Any], int, float, tuple[int, int]]:
    """Frames iterator, expected count (0 unknown), fps and (w, h) of a video or image."""
    from posecoach.video import probe_source, read_frames

    info = probe_source(path)
    return read_frames(path), int(info.n_frames), float(info.fps), (info.width, info.height)


class _FrameCursor:
    """Forward-only random access to a video's frames by time (for monotone DTW paths)."""

    def __init__(self, path: str | Path) -> None:
        frames, _, fps, size = _video_source(path)
        self._frames = frames
        self._fps = fps
        self.size = size
        self._current: Any = None
        self._next: Any = next(self._frames, None)

    def at(self, time_s: float) -> np.ndarray:
        """The frame shown at ``time_s`` (the last one at or before it, or the first)."""
        half = 0.5 / self._fps
        while self._next is not None and (
            self._current is None or self._next.time <= time_s + half
        ):
            self._current = self._next
            self._next = next(self._frames, None)
        return self._current.image


def _check_seq(seq: Any, name: str) -> PoseSequence:
    if not isinstance(seq, PoseSequence):
        raise InputError(f"expected a PoseSequence for {name}, got {type(seq).__name__}")
    return seq


def _resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to ``size`` (w, h). Shrinking goes by an integer box filter first (OpenCV's
    fast ``INTER_AREA`` path, ~10x faster than a non-integer area resize of a 1080x1920
    frame) and bilinear for the remaining factor below 2."""
    h, w = image.shape[:2]
    tw, th = int(size[0]), int(size[1])
    if (w, h) == (tw, th):
        return image
    import cv2

    k = min(w // tw, h // th) if tw < w and th < h else 1
    while k >= 2 and (w % k or h % k):
        k -= 1
    if k >= 2:
        image = cv2.resize(image, (w // k, h // k), interpolation=cv2.INTER_AREA)
        if image.shape[:2] == (th, tw):
            return image
    return cv2.resize(image, (tw, th), interpolation=cv2.INTER_LINEAR)


def _blank(size: tuple[int, int]) -> np.ndarray:
    frame = np.empty((size[1], size[0], 3), np.uint8)
    frame[:] = BACKGROUND
    return frame


def _width_at(size: tuple[int, int], height: int) -> tuple[int, int]:
    return (max(2, round(size[0] * height / size[1])), height)


def _downscale_factor(size: tuple[int, int], max_side: int | None) -> float:
    if max_side is None or max(size) <= max_side:
        return 1.0
    return max_side / max(size)


# ------------------------------------------------------------------------ overlay
def render_overlay(
    video_path: str | Path | None,
    attempt: PoseSequence,
    reference: PoseSequence,
    joint_errors: np.ndarray,
    frame_scores: np.ndarray,
    cues: Sequence[Mapping[str, Any]],
    out_path: str | Path,
    progress: Progress | None = None,
    *,
    corrected: PoseSequence | None = None,
    thresholds: tuple[float, float] = DEFAULT_ERROR_BANDS,
    max_cues: int = 2,
    max_side: int | None = DEFAULT_MAX_SIDE,
) -> Path:
    """Write ``overlay.mp4``: the attempt's video with its skeleton, the aligned reference
    as a ghost, joints coloured by error, the current score and cues.

    Parameters
    ----------
    video_path
        The attempt's video (or image / image folder); None draws on a plain dark canvas
        sized from ``attempt.image_size`` or the pose bounds.
    attempt
        Attempt poses in the video's pixel coordinates, ``T`` frames.
    reference
        Reference poses aligned onto the attempt, frame-matched: same ``T`` and skeleton.
    joint_errors
        ``(T, K)`` torso-normalised errors (NaN: unknown).
    frame_scores
        ``(T,)`` per-frame scores 0-100.
    cues
        Mappings with ``start_s``, ``end_s`` (seconds, the attempt's timeline) and
        ``text``, most important first; up to ``max_cues`` active ones are shown.
    out_path
        Output ``.mp4``.
    progress
        Called as ``progress(done, total)`` after each written frame.
    corrected
        Optional corrected pose (same ``T``) drawn dashed.
    thresholds
        Error bands (torso lengths) of the good / middle / bad joint colours: pass the
        result's ``error_bands``.
    max_cues
        Most cues shown at once.
    max_side
        Downscale frames so the longer side is at most this many pixels (default 960:
        540x960 for a 1080x1920 phone video, sharper than the report shows it and about
        2x faster to write than 720x1280; H.264 encoding dominates the rendering
        time and grows with the pixel count, see ``bench/render.py``). None keeps the
        video's size.

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach.video import probe_video
    >>> pos = np.random.default_rng(0).uniform(20, 100, (6, 17, 2))
    >>> att = PoseSequence(pos, skeleton="coco_17", fps=10, image_size=(128, 96))
    >>> out = render_overlay(None, att, att, np.zeros((6, 17)), np.full(6, 100.0),
    ...                      [{"start_s": 0, "end_s": 0.3, "text": "good"}],
    ...                      os.path.join(tempfile.mkdtemp(), "overlay.mp4"))
    >>> info = probe_video(out); (info.width, info.height, info.n_frames, info.codec)
    (128, 96, 6, 'h264')
    """
    from posecoach.video import VideoWriter

    att = _check_seq(attempt, "attempt")
    ref = _check_seq(reference, "reference")
    t, k = att.n_frames, att.n_joints
    sk, ref_sk = get(att.skeleton), get(ref.skeleton)
    att_times, att_conf, ref_conf = _times(att), _conf(att), _conf(ref)
    if ref.n_frames != t or ref_sk.names != sk.names:
        raise InputError(
            f"expected the reference frame-matched to the attempt ({t} frames, skeleton "
            f"{sk.name!r}), got {ref.n_frames} frames, skeleton {ref_sk.name!r}"
        )
    errors = np.asarray(joint_errors, dtype=np.float64)
    if errors.shape != (t, k):
        raise InputError(f"expected joint_errors of shape {(t, k)}, got {errors.shape}")
    scores = np.asarray(frame_scores, dtype=np.float64).reshape(-1)
    if scores.shape != (t,):
        raise InputError(f"expected {t} frame_scores, got {scores.size}")
    if corrected is not None:
        corrected = _check_seq(corrected, "corrected")
        if corrected.n_frames != t or corrected.n_joints != k:
            raise InputError(
                f"expected the corrected pose with {t} frames and {k} joints, "
                f"got {corrected.n_frames} frames and {corrected.n_joints} joints"
            )
    cue_list = list(cues)

    if video_path is not None:
        frames, n_expected, fps, size = _video_source(video_path)
        canvas = PoseCanvas.for_video(size, att)
        total = n_expected or t
    else:
        canvas = PoseCanvas.fit([att, ref])
        size = canvas.size
        fps = att.fps
        total = t
        frames = iter(_TimedBlank(i, float(ts)) for i, ts in enumerate(att_times))
    factor = _downscale_factor(size, max_side)
    if factor != 1.0:
        w, h = round(size[0] * factor), round(size[1] * factor)
        canvas = canvas.resized((w + w % 2, h + h % 2))
    out_size = canvas.size
    style = _style((out_size[1], out_size[0], 3), thresholds)
    blank = _blank(out_size) if video_path is None else None
    tol = _tolerance(att)
    written = 0
    with VideoWriter(out_path, fps=fps, size=out_size) as writer:
        for vf in frames:
            image = blank if blank is not None else _resize(vf.image, out_size)
            i = _nearest_index(att_times, float(vf.time), tol)
            if i is None:
                rendered = draw_overlay(image, sk, None, style=style, legend=False)
            else:
                rendered = draw_overlay(
                    image,
                    sk,
                    canvas.to_pixels(att.positions[i]),
                    canvas.to_pixels(ref.positions[i]),
                    errors[i],
                    attempt_confidence=att_conf[i],
                    reference_confidence=ref_conf[i],
                    corrected_points=(
                        canvas.to_pixels(corrected.positions[i]) if corrected is not None else None
                    ),
                    score=float(scores[i]),
                    cues=active_cues(cue_list, float(att_times[i]))[:max_cues],
                    thresholds=thresholds,
                    style=style,
                )
            writer.write(rendered)
            written += 1
            if progress is not None:
                progress(written, max(total, written))
    return Path(out_path)


@dataclass(frozen=True)
class _TimedBlank:
    index: int
    time: float
    image: None = None


# ------------------------------------------------------------------------ side by side
def _panel_source(
    video: str | Path | None, seq: PoseSequence
) -> tuple[_FrameCursor | None, PoseCanvas]:
    if video is None:
        return None, PoseCanvas.fit([seq])
    cursor = _FrameCursor(video)
    return cursor, PoseCanvas.for_video(cursor.size, seq)


def render_side_by_side(
    ref_video: str | Path | None,
    att_video: str | Path | None,
    ref_seq: PoseSequence,
    att_seq: PoseSequence,
    path: np.ndarray,
    out_path: str | Path,
    progress: Progress | None = None,
    *,
    height: int | None = None,
    labels: tuple[str, str] = ("Reference", "Attempt"),
) -> Path:
    """Write ``side_by_side.mp4``: reference (left) and attempt (right) synchronised along
    a DTW path, one output frame per ``(ref_index, att_index)`` pair.

    Parameters
    ----------
    ref_video, att_video
        Videos of each side (None: a plain canvas for that side).
    ref_seq, att_seq
        Poses of each side, in their own video's pixel coordinates.
    path
        ``(N, 2)`` int array of ``(reference frame, attempt frame)`` pose indices,
        non-decreasing in both columns (as returned by DTW).
    out_path
        Output ``.mp4``; plays at the attempt's frame rate.
    progress
        Called as ``progress(done, N)``.
    height
        Output height (default: the smaller of the two panel heights, at most 720).
    labels
        Panel labels.

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach.video import probe_video
    >>> pos = np.random.default_rng(0).uniform(20, 100, (4, 17, 2))
    >>> seq = PoseSequence(pos, skeleton="coco_17", fps=10, image_size=(120, 120))
    >>> path = np.array([[0, 0], [1, 0], [2, 1], [3, 2], [3, 3]])
    >>> out = render_side_by_side(None, None, seq, seq, path,
    ...                           os.path.join(tempfile.mkdtemp(), "sbs.mp4"))
    >>> info = probe_video(out); (info.width, info.height, info.n_frames)
    (242, 120, 5)
    """
    from posecoach.video import VideoWriter

    ref = _check_seq(ref_seq, "ref_seq")
    att = _check_seq(att_seq, "att_seq")
    pairs = np.asarray(path)
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.shape[0] == 0:
        raise InputError(f"expected a DTW path of shape (N, 2) with N >= 1, got {pairs.shape}")
    if not np.issubdtype(pairs.dtype, np.integer):
        if not np.all(np.isfinite(pairs)) or np.any(pairs != np.round(pairs)):
            raise InputError("expected integer frame indices in the DTW path")
        pairs = pairs.astype(np.int64)
    for col, seq, name in ((0, ref, "reference"), (1, att, "attempt")):
        lo, hi = int(pairs[:, col].min()), int(pairs[:, col].max())
        if lo < 0 or hi >= seq.n_frames:
            raise InputError(
                f"expected {name} indices in [0, {seq.n_frames}) in the DTW path, got [{lo}, {hi}]"
            )
    if np.any(np.diff(pairs, axis=0) < 0):
        raise InputError("expected a DTW path non-decreasing in both columns")

    ref_cur, ref_canvas = _panel_source(ref_video, ref)
    att_cur, att_canvas = _panel_source(att_video, att)
    out_h = height or min(ref_canvas.size[1], att_canvas.size[1], DEFAULT_SBS_HEIGHT)
    out_h -= out_h % 2
    ref_canvas = ref_canvas.resized(_width_at(ref_canvas.size, out_h))
    att_canvas = att_canvas.resized(_width_at(att_canvas.size, out_h))
    gap = max(2, round(out_h / 180))
    gap += (ref_canvas.size[0] + gap + att_canvas.size[0]) % 2
    out_w = ref_canvas.size[0] + gap + att_canvas.size[0]
    shape = (out_h, min(ref_canvas.size[0], att_canvas.size[0]), 3)
    s = frame_scale(shape)
    ref_draw = SkeletonAnnotator(
        REFERENCE_COLOR, thickness=max(1, round(3 * s)), radius=max(1, round(4 * s))
    )
    att_draw = SkeletonAnnotator(
        ATTEMPT_COLOR, thickness=max(1, round(3 * s)), radius=max(1, round(4 * s))
    )
    label = TextAnnotator(font_size=24, bold=True)
    ref_blank, att_blank = _blank(ref_canvas.size), _blank(att_canvas.size)
    n = len(pairs)
    with VideoWriter(out_path, fps=att.fps, size=(out_w, out_h)) as writer:
        for step, (i, j) in enumerate(pairs):
            panels = []
            for idx, seq, cur, canv, blank, draw, name in (
                (int(i), ref, ref_cur, ref_canvas, ref_blank, ref_draw, labels[0]),
                (int(j), att, att_cur, att_canvas, att_blank, att_draw, labels[1]),
            ):
                ts = float(_times(seq)[idx])
                image = blank if cur is None else _resize(cur.at(ts), canv.size)
                image = draw.annotate(  # a copy: the cursor may hand out the same frame again
                    image, canv.to_pixels(seq.positions[idx]), get(seq.skeleton), _conf(seq)[idx]
                )
                label.draw_into(image, [name, f"{ts:5.2f} s"])
                panels.append(image)
            frame = np.empty((out_h, out_w, 3), np.uint8)
            frame[:] = 0
            frame[:, : ref_canvas.size[0]] = panels[0]
            frame[:, ref_canvas.size[0] + gap :] = panels[1]
            writer.write(frame)
            if progress is not None:
                progress(step + 1, n)
    return Path(out_path)
