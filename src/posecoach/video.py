"""Reading videos and images, writing browser-playable H.264 MP4 (PyAV).

Reading gives upright RGB frames with per-frame timestamps from the stream's presentation
times (so variable frame rate video keeps its real timing). Rotation metadata — the display
matrix side data, or the legacy ``rotate`` tag — is applied, so a portrait phone video comes
out upright. Single images and folders of images are read through the same
:func:`read_frames` entry point.

Bad files fail with one :class:`VideoError` naming the file: a missing or empty file, a file
FFmpeg cannot read (e.g. text named ``.mp4``), a container with no video stream, no decodable
frame. A truncated video (fewer frames decodable than the container announces, or a decode
error part way) raises :class:`VideoError` *after* the decodable frames were yielded when
``strict=True`` (the default), so a consumer writing through
:func:`posecoach.atomic.atomic_path` leaves no output; with ``strict=False`` it emits a
:class:`TruncatedVideoWarning` and ends the iteration early instead.

A file that is cut short (an interrupted copy or download, a recording that was not
stopped cleanly) is reported as such, not as unreadable: when reading fails, the MP4/MOV
box structure is checked (:func:`truncation_of`), and a file that ends inside a box, or
whose index (the ``moov`` box) is missing, is reported as "incomplete or truncated" with
the advice to copy it again from the recording.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.errors import InputError

__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "is_media",
    "TruncatedVideoWarning",
    "VideoError",
    "VideoFrame",
    "VideoInfo",
    "VideoWriter",
    "is_image_path",
    "list_images",
    "probe_source",
    "probe_video",
    "read_frames",
    "read_image",
    "read_images",
    "read_video",
    "truncation_of",
]

IMAGE_SUFFIXES: frozenset[str] = frozenset(
    {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}
)

#: File endings read as video (the one table; everything else is a pose file or an image).
VIDEO_SUFFIXES: frozenset[str] = frozenset(
    {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".flv", ".3gp"}
)


def is_media(path: str | Path) -> bool:
    """Whether ``path`` is a video, an image or a folder holding images (not a pose file).

    Example
    -------
    >>> is_media("take.MOV"), is_media("photo.jpg"), is_media("take.pose.npz")
    (True, True, False)
    """
    p = Path(path)
    if p.is_dir():
        return any(c.suffix.lower() in IMAGE_SUFFIXES for c in p.iterdir())
    suffix = p.suffix.lower()
    return suffix in VIDEO_SUFFIXES or suffix in IMAGE_SUFFIXES


class VideoError(InputError):
    """A video or image file cannot be read or written; the message names the file."""


class TruncatedVideoWarning(UserWarning):
    """A video ended early (truncated or corrupt); the frames before were returned."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video (or image source) holds, as displayed (after rotation).

    ``width``/``height`` are upright display sizes; ``rotation`` is the counter-clockwise
    rotation in degrees that was applied to the stored frames (0, 90, 180 or 270);
    ``n_frames`` is the container's count (0 when unknown); ``duration`` in seconds.
    """

    width: int
    height: int
    fps: float
    n_frames: int
    duration: float
    rotation: int
    codec: str
    #: FFmpeg's name of the container format (``"mov,mp4,m4a,3gp,3g2,mj2"``, ...).
    container: str = ""


@dataclass(frozen=True)
class VideoFrame:
    """One upright RGB frame: ``image`` (H, W, 3) uint8, 0-based ``index``, ``time`` (s)."""

    image: np.ndarray
    index: int
    time: float


# ------------------------------------------------------------------------ helpers
def _check_file(path: str | Path, what: str = "video") -> Path:
    p = Path(path)
    if not p.exists():
        raise VideoError(f"{p}: no such file")
    if p.is_dir():
        raise VideoError(f"{p}: expected a {what} file, got a folder")
    if p.stat().st_size == 0:
        raise VideoError(f"{p}: expected a {what} file, got an empty file (0 bytes)")
    return p


#: Box types an ISO base media file (MP4, MOV, M4V, 3GP) can start with.
_FIRST_BOXES = frozenset({b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
_BOX_TYPE = re.compile(rb"^[A-Za-z0-9 \xa9_-]{4}$")
_AGAIN = "copy it again from the recording"


def _walk_boxes(fh: Any, size: int) -> tuple[list[bytes], str | None] | None:
    """Top-level box types of an ISO media file and where it is cut (None: not ISO media)."""
    kinds: list[bytes] = []
    offset = 0
    while offset < size:
        fh.seek(offset)
        head = fh.read(16)
        box_size, kind = struct.unpack(">I4s", head[:8]) if len(head) >= 8 else (0, b"")
        header = 16 if box_size == 1 else 8
        if len(head) < header:
            return kinds, f"the file stops at byte {size}, inside the header of a box"
        if box_size == 1:  # 64-bit size after the type
            box_size = struct.unpack(">Q", head[8:16])[0]
        elif box_size == 0:  # the last box: it runs to the end of the file
            box_size = size - offset
        if not _BOX_TYPE.match(kind) or box_size < header:
            return None  # not a box: corrupt or not ISO media, nothing to say
        if not kinds and kind not in _FIRST_BOXES:
            return None  # not an MP4/MOV file
        kinds.append(kind)
        end = offset + box_size
        if end > size:
            inside = f"inside its '{kind.decode('latin-1')}' box that runs to byte {end}"
            return kinds, f"the file stops at byte {size}, {inside}"
        offset = end
    return kinds, None


def truncation_of(path: str | Path) -> str | None:
    """Why an MP4/MOV file is cut short, from its box structure; None if it is not.

    Walks the top-level boxes (each declares its own size): a file that ends inside a box,
    or that has media data but no index (``moov`` box), is incomplete. Returns None for a
    complete structure, for other containers, and for data that is not ISO media at all.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "cut.mp4")
    >>> box = lambda kind, n: (8 + n).to_bytes(4, "big") + kind + bytes(n)
    >>> _ = open(p, "wb").write(box(b"ftyp", 8) + box(b"moov", 16) + box(b"mdat", 100)[:50])
    >>> truncation_of(p)
    "the file stops at byte 90, inside its 'mdat' box that runs to byte 148"
    >>> _ = open(p, "wb").write(box(b"ftyp", 8) + box(b"mdat", 100)[:50])
    >>> print(truncation_of(p))
    its index, the 'moov' box, is missing: the file stops at byte 66, inside its 'mdat' ...
    >>> _ = open(p, "wb").write(box(b"ftyp", 8) + box(b"moov", 16) + box(b"mdat", 100))
    >>> truncation_of(p) is None
    True
    """
    try:
        with open(path, "rb") as fh:
            walked = _walk_boxes(fh, os.fstat(fh.fileno()).st_size)
    except OSError:
        return None
    if walked is None or not walked[0]:
        return None
    kinds, cut = walked
    if b"moov" not in kinds and (cut is not None or b"mdat" in kinds):
        missing = "its index, the 'moov' box, is missing"
        return f"{missing}: {cut}" if cut else missing
    return cut


def _truncated_message(path: Path, detail: str) -> str:
    return f"{path}: the video is incomplete or truncated ({detail}); {_AGAIN}"


def _open(path: Path) -> Any:
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        cut = truncation_of(path)
        if cut is not None:
            raise VideoError(
                f"{path}: expected a video FFmpeg can read, got an incomplete or truncated "
                f"video ({cut}); {_AGAIN}"
            ) from exc
        raise VideoError(
            f"{path}: expected a video FFmpeg can read, got unreadable data ({exc})"
        ) from exc
    if not container.streams.video:
        kinds: list[str] = sorted({str(s.type) for s in container.streams}) or ["none"]
        container.close()
        cut = truncation_of(path)
        if cut is not None:
            raise VideoError(
                f"{path}: expected a video stream, got an incomplete or truncated video "
                f"({cut}); {_AGAIN}"
            )
        raise VideoError(f"{path}: expected a video stream, got streams of type {', '.join(kinds)}")
    return container


def _rotation_of(stream: Any, first_frame: Any | None) -> int:
    """Counter-clockwise degrees to rotate stored frames by to display them upright."""
    rot = 0.0
    if first_frame is not None:
        rot = float(getattr(first_frame, "rotation", 0) or 0)
    if rot == 0:
        tag = stream.metadata.get("rotate")  # legacy tag: clockwise degrees
        if tag is not None:
            try:
                rot = -float(tag)
            except ValueError:
                rot = 0.0
    return round(rot / 90.0) % 4 * 90


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    if rotation == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=rotation // 90))


def _stream_fps(stream: Any) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate:
            value = float(rate)
            if math.isfinite(value) and value > 0:
                return value
    return 30.0


# ------------------------------------------------------------------------ probing
def probe_video(path: str | Path) -> VideoInfo:
    """Size (upright), frame rate, frame count, duration, rotation and codec of a video.

    Decodes the first frame (to read the display matrix and prove the file decodes).

    Raises
    ------
    VideoError
        Missing, empty, unreadable file; no video stream; no decodable frame.

    Example
    -------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "clip.mp4")
    >>> with VideoWriter(path, fps=10, size=(64, 48)) as w:
    ...     for _ in range(5):
    ...         w.write(np.zeros((48, 64, 3), np.uint8))
    >>> info = probe_video(path)
    >>> (info.width, info.height, info.fps, info.n_frames, info.codec)
    (64, 48, 10.0, 5, 'h264')
    """
    import av

    p = _check_file(path)
    with _open(p) as container:
        stream = container.streams.video[0]
        try:
            first = next(container.decode(stream))
        except (av.FFmpegError, StopIteration) as exc:
            cut = truncation_of(p)
            if cut is not None:
                raise VideoError(
                    f"{p}: expected decodable video frames, got none: the video is incomplete "
                    f"or truncated ({cut}); {_AGAIN}"
                ) from exc
            raise VideoError(f"{p}: expected decodable video frames, got none ({exc})") from exc
        rotation = _rotation_of(stream, first)
        w, h = first.width, first.height
        if rotation in (90, 270):
            w, h = h, w
        fps = _stream_fps(stream)
        n = int(stream.frames or 0)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = n / fps
        return VideoInfo(
            w, h, fps, n, duration, rotation, stream.codec_context.name, container.format.name
        )


# ------------------------------------------------------------------------ reading
def _decode_tolerant(container: Any, stream: Any, failure: list[str]) -> Iterator[Any]:
    """Decode packet by packet; on a demux or decode error, note it, flush and stop.

    Decoding per packet (rather than ``container.decode``) keeps the frames the decoder
    still holds when the file ends abruptly.
    """
    import av

    codec = stream.codec_context
    try:
        for packet in container.demux(stream):
            try:
                yield from packet.decode()
            except av.FFmpegError as exc:
                failure.append(f"decode error ({exc})")
                break
    except av.FFmpegError as exc:
        failure.append(f"read error ({exc})")
    if failure:
        with contextlib.suppress(av.FFmpegError):
            yield from codec.decode(None)  # frames still buffered in the decoder


def read_video(
    path: str | Path, *, start: int = 0, max_frames: int | None = None, strict: bool = True
) -> Iterator[VideoFrame]:
    """Decode a video into upright RGB frames with timestamps from the stream's pts.

    Parameters
    ----------
    path
        Any container/codec FFmpeg reads (MP4/H.264, WebM/VP9, MOV, AVI, ...).
    start
        Index of the first frame to yield (earlier frames are decoded and skipped).
    max_frames
        Stop after this many frames.
    strict
        On a truncated or corrupt video, raise :class:`VideoError` after the decodable
        frames (True) or warn with :class:`TruncatedVideoWarning` and stop (False).

    Yields
    ------
    VideoFrame
        ``time`` is seconds since the stream start, strictly increasing.

    Example
    -------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "clip.mp4")
    >>> with VideoWriter(path, fps=25, size=(32, 16)) as w:
    ...     for i in range(4):
    ...         w.write(np.full((16, 32, 3), 60 * i, np.uint8))
    >>> [(f.index, round(f.time, 3), f.image.shape) for f in read_video(path, start=1)]
    [(1, 0.04, (16, 32, 3)), (2, 0.08, (16, 32, 3)), (3, 0.12, (16, 32, 3))]
    """

    p = _check_file(path)
    container = _open(p)
    with container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        fps = _stream_fps(stream)
        expected = int(stream.frames or 0)
        tb = stream.time_base
        t0 = stream.start_time
        rotation: int | None = None
        prev_time = -math.inf
        index = -1
        emitted = 0
        failure: list[str] = []
        for frame in _decode_tolerant(container, stream, failure):
            index += 1
            if rotation is None:
                rotation = _rotation_of(stream, frame)
            if frame.pts is not None and tb is not None:
                time = float((frame.pts - (t0 or 0)) * tb)
            else:
                time = prev_time + 1.0 / fps if index else 0.0
            if time <= prev_time:  # duplicate or missing pts: keep times increasing
                time = prev_time + 1e-6
            prev_time = time
            if index < start:
                continue
            if max_frames is not None and emitted >= max_frames:
                return
            image = _upright(frame.to_ndarray(format="rgb24"), rotation)
            yield VideoFrame(image, index, time)
            emitted += 1
        decoded = index + 1
        error = failure[0] if failure else None
        short = expected > 0 and decoded < expected
        if error is None and short:
            error = f"the container announces {expected} frames, only {decoded} decodable"
        cut = truncation_of(p) if error is not None or decoded == 0 else None
        if decoded == 0:
            if cut is not None:
                raise VideoError(
                    f"{p}: expected decodable video frames, got none: the video is incomplete "
                    f"or truncated ({cut}); {_AGAIN}"
                )
            raise VideoError(
                f"{p}: expected decodable video frames, got none" + (f" ({error})" if error else "")
            )
        if error is not None:
            if cut is not None or (short and not failure):
                # The file ends before its last frames: an incomplete copy, not bad data.
                counted = f"only {decoded} of its {expected} frames decode" if short else error
                detail = f"the file ends before its last frames: {counted}"
                message = (
                    _truncated_message(p, f"{detail}; {cut}" if cut else detail)
                    + " (a truncated or corrupt copy cannot be read whole)"
                )
            else:
                message = f"{p}: video looks truncated or corrupt: {error}"
            if strict:
                raise VideoError(message)
            warnings.warn(message, TruncatedVideoWarning, stacklevel=2)


def read_image(path: str | Path) -> np.ndarray:
    """Read a still image (PNG, JPEG, ...) as an upright (H, W, 3) uint8 RGB array.

    EXIF orientation is applied (OpenCV does so by default); PyAV is the fallback for
    formats OpenCV does not read.

    Example
    -------
    >>> import tempfile, os, numpy as np, cv2
    >>> path = os.path.join(tempfile.mkdtemp(), "red.png")
    >>> bgr = np.zeros((4, 6, 3), np.uint8); bgr[..., 2] = 255
    >>> _ = cv2.imwrite(path, bgr)
    >>> img = read_image(path)
    >>> img.shape, img[0, 0].tolist()
    ((4, 6, 3), [255, 0, 0])
    """
    import cv2

    p = _check_file(path, "image")
    bgr = cv2.imread(str(p), cv2.IMREAD_COLOR)
    if bgr is not None:
        return np.ascontiguousarray(bgr[..., ::-1])
    import av

    try:
        with av.open(str(p)) as container:
            frame = next(container.decode(video=0))
            return frame.to_ndarray(format="rgb24")
    except (av.FFmpegError, StopIteration, IndexError) as exc:
        raise VideoError(f"{p}: expected an image (PNG, JPEG, ...), got unreadable data") from exc


def _natural_key(path: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def is_image_path(path: str | Path) -> bool:
    """Whether the file name has an image suffix.

    Example
    -------
    >>> is_image_path("a/b.JPG"), is_image_path("clip.mp4")
    (True, False)
    """
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def list_images(folder: str | Path) -> list[Path]:
    """Image files in a folder in natural order (``img2`` before ``img10``).

    Example
    -------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ("img10.png", "img2.png", "notes.txt"):
    ...     _ = (d / n).write_bytes(b"x")
    >>> [p.name for p in list_images(d)]
    ['img2.png', 'img10.png']
    """
    d = Path(folder)
    if not d.is_dir():
        raise VideoError(f"{d}: expected a folder of images, got no such folder")
    images = sorted((p for p in d.iterdir() if p.is_file() and is_image_path(p)), key=_natural_key)
    if not images:
        raise VideoError(
            f"{d}: expected image files ({', '.join(sorted(IMAGE_SUFFIXES))}), got none"
        )
    return images


def read_images(folder: str | Path, *, fps: float = 30.0) -> Iterator[VideoFrame]:
    """Frames from a folder of images, sorted naturally, timed ``index / fps``.

    All images must have the same size.

    Example
    -------
    >>> import tempfile, pathlib, numpy as np, cv2
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for i in range(3):
    ...     _ = cv2.imwrite(str(d / f"f{i}.png"), np.zeros((8, 8, 3), np.uint8))
    >>> [(f.index, f.time) for f in read_images(d, fps=2)]
    [(0, 0.0), (1, 0.5), (2, 1.0)]
    """
    if not fps > 0:
        raise VideoError(f"expected fps > 0 for an image folder, got {fps}")
    shape: tuple[int, ...] | None = None
    for i, path in enumerate(list_images(folder)):
        image = read_image(path)
        if shape is None:
            shape = image.shape
        elif image.shape != shape:
            raise VideoError(
                f"{path}: expected every image in the folder to be {shape[1]}x{shape[0]}, "
                f"got {image.shape[1]}x{image.shape[0]}"
            )
        yield VideoFrame(image, i, i / fps)


def probe_source(source: str | Path, *, fps: float = 30.0) -> VideoInfo:
    """:class:`VideoInfo` of a video, a single image or a folder of images.

    Example
    -------
    >>> import tempfile, os, numpy as np, cv2
    >>> path = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> _ = cv2.imwrite(path, np.zeros((5, 7, 3), np.uint8))
    >>> probe_source(path)[:4]
    Traceback (most recent call last):
    ...
    TypeError: 'VideoInfo' object is not subscriptable
    >>> info = probe_source(path); (info.width, info.height, info.n_frames, info.codec)
    (7, 5, 1, 'image')
    """
    p = Path(source)
    if p.is_dir():
        images = list_images(p)
        h, w = read_image(images[0]).shape[:2]
        return VideoInfo(w, h, float(fps), len(images), len(images) / fps, 0, "images")
    if is_image_path(p):
        h, w = read_image(p).shape[:2]
        return VideoInfo(w, h, float(fps), 1, 1 / fps, 0, "image")
    return probe_video(p)


def read_frames(
    source: str | Path, *, fps: float = 30.0, strict: bool = True
) -> Iterator[VideoFrame]:
    """Frames of a video, a single image (one frame at time 0) or a folder of images.

    ``fps`` times image folders; videos keep their own timestamps.

    Example
    -------
    >>> import tempfile, os, numpy as np, cv2
    >>> path = os.path.join(tempfile.mkdtemp(), "a.jpg")
    >>> _ = cv2.imwrite(path, np.zeros((5, 7, 3), np.uint8))
    >>> [(f.index, f.time, f.image.shape) for f in read_frames(path)]
    [(0, 0.0, (5, 7, 3))]
    """
    p = Path(source)
    if p.is_dir():
        yield from read_images(p, fps=fps)
    elif is_image_path(p):
        yield VideoFrame(read_image(p), 0, 0.0)
    else:
        yield from read_video(p, strict=strict)


# ------------------------------------------------------------------------ writing
class VideoWriter:
    """Write RGB frames as H.264 (libx264, yuv420p, ``+faststart``) MP4 that browsers play.

    The file appears only when the ``with`` block ends without an exception (it is written
    to a temporary sibling and renamed). Odd sizes are padded with black to even ones, as
    yuv420p requires.

    Parameters
    ----------
    path
        Output ``.mp4`` path.
    fps
        Frame rate (kept as a fraction, e.g. 29.97 as 2997/100).
    size
        ``(width, height)`` of the frames passed to :meth:`write`.
    crf
        x264 quality (lower is better; 23 is x264's default).

    Example
    -------
    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "out.mp4")
    >>> with VideoWriter(path, fps=30, size=(33, 21)) as w:
    ...     w.write(np.zeros((21, 33, 3), np.uint8))
    >>> info = probe_video(path); (info.width, info.height, info.n_frames)
    (34, 22, 1)
    """

    def __init__(
        self, path: str | Path, fps: float, size: tuple[int, int], *, crf: int = 23
    ) -> None:
        if not (fps > 0 and math.isfinite(fps)):
            raise VideoError(f"{path}: expected fps > 0, got {fps}")
        w, h = int(size[0]), int(size[1])
        if w <= 0 or h <= 0:
            raise VideoError(f"{path}: expected a frame size (width, height) > 0, got {size}")
        self.path = Path(path)
        self.fps = float(fps)
        self.size = (w, h)
        self.crf = crf
        self.frames_written = 0
        self._stack: ExitStack | None = None
        self._container: Any = None
        self._stream: Any = None

    def __enter__(self) -> VideoWriter:
        import av

        stack = ExitStack()
        tmp = stack.enter_context(atomic_path(self.path, suffix=".mp4"))
        try:
            container = av.open(
                str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}
            )
            rate = Fraction(self.fps).limit_denominator(1001)
            stream = container.add_stream("libx264", rate=rate)
            stream.width = self.size[0] + self.size[0] % 2
            stream.height = self.size[1] + self.size[1] % 2
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": str(self.crf), "preset": "veryfast"}
            stream.codec_context.time_base = Fraction(1, 1) / rate
        except BaseException:
            stack.close()
            raise
        self._stack, self._container, self._stream = stack, container, stream
        return self

    def write(self, frame: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame of the declared size."""
        import av

        if self._container is None:
            raise VideoError(f"{self.path}: VideoWriter.write called outside its 'with' block")
        arr = np.asarray(frame)
        w, h = self.size
        if arr.shape != (h, w, 3) or arr.dtype != np.uint8:
            raise VideoError(
                f"{self.path}: expected frames of shape {(h, w, 3)} uint8, "
                f"got {arr.shape} {arr.dtype}"
            )
        if w % 2 or h % 2:
            arr = np.pad(arr, ((0, h % 2), (0, w % 2), (0, 0)))
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format="rgb24")
        vf.pts = self.frames_written
        for packet in self._stream.encode(vf):
            self._container.mux(packet)
        self.frames_written += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        stack, container, stream = self._stack, self._container, self._stream
        self._stack = self._container = self._stream = None
        assert stack is not None
        try:
            if exc_type is None:
                if self.frames_written == 0:
                    raise VideoError(f"{self.path}: expected at least one frame, got none")
                for packet in stream.encode():  # flush the encoder
                    container.mux(packet)
            container.close()
        except BaseException as error:
            with contextlib.suppress(Exception):
                container.close()
            stack.__exit__(type(error), error, error.__traceback__)  # removes the temp file
            raise
        return bool(stack.__exit__(exc_type, exc, tb))
