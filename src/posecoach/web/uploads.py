"""Upload handling: stream to a temp file in the data dir, check by decoding, store by id.

Nothing the client sends becomes part of a path: stored files get generated names
(``videos/<kind>/<uuid>.<ext>``, the extension from the *decoded* container format), the
client's file name is only a label, and :func:`safe_path` refuses any stored relative path
that would resolve outside the data dir.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import InputError

__all__ = [
    "NotAVideoError",
    "TooLargeError",
    "VideoMeta",
    "check_client_filename",
    "probe_video_file",
    "safe_path",
    "store_file",
    "stream_to_temp",
]

_CONTAINER_EXT = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm", "avi": "avi"}


class TooLargeError(InputError):
    """An upload above the configured size limit."""


class NotAVideoError(InputError):
    """An upload that does not decode as a video."""


@dataclass(frozen=True)
class VideoMeta:
    """What decoding an upload found out."""

    width: int
    height: int
    fps: float
    n_frames: int
    duration: float
    codec: str
    ext: str


def check_client_filename(name: str | None) -> str:
    """Return a client's file name as a display label; refuse names that carry a path.

    Example
    -------
    >>> check_client_filename("squat.mp4")
    'squat.mp4'
    >>> check_client_filename("../../etc/passwd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: expected a plain file name, got '../../etc/passwd' ...
    """
    name = (name or "").strip()
    if any(c in name for c in ("/", "\\", "\x00")) or name in (".", "..") or ".." in name:
        raise InputError(f"expected a plain file name, got {name!r} (it contains a path)")
    return name[:200]


async def stream_to_temp(chunks: AsyncIterator[bytes], tmp_dir: Path, max_bytes: int) -> Path:
    """Write a request body to ``tmp_dir/<uuid>.part``; stop with :class:`TooLargeError`.

    The partial file is removed on any error, so a refused upload leaves nothing behind.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"{uuid.uuid4().hex}.part"
    size = 0
    try:
        with open(path, "xb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLargeError(
                        f"expected an upload of at most {max_bytes} bytes, got more "
                        f"(limit set by --max-upload-mb / POSECOACH_MAX_UPLOAD_MB)"
                    )
                out.write(chunk)
        if size == 0:
            raise InputError("expected a video file in the request body, got 0 bytes")
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


def probe_video_file(path: Path, label: str = "upload") -> VideoMeta:
    """Decode ``path`` with PyAV (not trusting any extension) and describe the video.

    Raises :class:`InputError` unless a video stream decodes to at least one frame.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.mp4")
    >>> _ = open(p, "wb").write(b"not a video")
    >>> probe_video_file(Path(p), "x.mp4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.web.uploads.NotAVideoError: x.mp4: expected a video file, got data that ...
    """
    import av

    try:
        with av.open(str(path)) as container:
            streams = container.streams.video
            fmt = container.format.name
            if not streams:
                raise NotAVideoError(f"{label}: expected a video file, got no video stream")
            if fmt == "image2" or fmt.endswith("_pipe"):
                raise NotAVideoError(f"{label}: expected a video file, got a still image ({fmt})")
            stream = streams[0]
            first = None
            for frame in container.decode(stream):
                first = frame
                break
            if first is None:
                raise NotAVideoError(f"{label}: expected a video file, got a video with no frames")
            fps = float(stream.average_rate or stream.guessed_rate or 0) or 30.0
            n_frames = int(stream.frames or 0)
            duration = 0.0
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            if n_frames == 0 and duration:
                n_frames = round(duration * fps)
            if duration == 0.0 and n_frames:
                duration = n_frames / fps
            return VideoMeta(
                width=int(first.width),
                height=int(first.height),
                fps=fps,
                n_frames=n_frames,
                duration=duration,
                codec=stream.codec_context.name,
                ext=_CONTAINER_EXT.get(fmt, "video"),
            )
    except InputError:
        raise
    except Exception as exc:  # av.FFmpegError and friends: not a decodable video
        reason = getattr(exc, "strerror", None) or str(exc)
        raise NotAVideoError(
            f"{label}: expected a video file, got data that does not decode as video ({reason})"
        ) from exc


def store_file(data_dir: Path, tmp: Path, kind: str, ext: str) -> str:
    """Move a checked temp file to ``videos/<kind>/<uuid>.<ext>``; return the relative path."""
    rel = Path("videos") / kind / f"{uuid.uuid4().hex}.{ext}"
    target = safe_path(data_dir, str(rel))
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)
    return rel.as_posix()


def safe_path(data_dir: Path, relative: str) -> Path:
    """Resolve ``relative`` inside ``data_dir``; refuse anything that escapes it.

    Example
    -------
    >>> safe_path(Path("/data"), "videos/a.mp4").as_posix()
    '/data/videos/a.mp4'
    >>> safe_path(Path("/data"), "../etc/passwd")
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: expected a path inside the data dir, got '../etc/passwd'
    """
    root = Path(os.path.realpath(data_dir))
    target = Path(os.path.realpath(root / relative))
    if target != root and root not in target.parents:
        raise InputError(f"expected a path inside the data dir, got {relative!r}")
    return target
