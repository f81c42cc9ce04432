"""Upload handling: stream to a temp file in the data dir, check by decoding, store by id.

Nothing the client sends becomes part of a path: stored files get generated names
(``videos/<kind>/<uuid>.<ext>``, the extension from the *decoded* container format), the
client's file name is only a label, and :func:`safe_path` refuses any stored relative path
that would resolve outside the data dir. An upload is streamed into a temporary folder of
posecoach's pattern (``tmp/.posecoach-tmp-...``), so one a killed server was receiving is
removed at the next start-up.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from posecoach.atomic import is_temporary, make_temp_folder
from posecoach.errors import InputError

__all__ = [
    "NotAVideoError",
    "TooLargeError",
    "VideoMeta",
    "check_client_filename",
    "discard_upload",
    "format_mb",
    "probe_video_file",
    "safe_path",
    "store_file",
    "stream_to_temp",
    "too_large",
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


def format_mb(n_bytes: float) -> str:
    """A size in MB (1 MB = 1024 * 1024 bytes) for messages, without a useless ``.0``.

    Example
    -------
    >>> format_mb(200 * 1024 * 1024), format_mb(327_574_323), format_mb(1000)
    ('200 MB', '312.4 MB', '0.000954 MB')
    """
    mb = n_bytes / (1024 * 1024)
    text = f"{mb:.1f}" if mb >= 1 else f"{mb:.3g}"
    return f"{text.removesuffix('.0')} MB"


def too_large(max_bytes: int, got_bytes: int | None = None) -> TooLargeError:
    """The error for an upload above ``max_bytes`` (of ``got_bytes``, when known).

    Example
    -------
    >>> print(too_large(200 * 1024 * 1024, 327_574_323))  # doctest: +ELLIPSIS
    expected an upload of at most 200 MB, got 312.4 MB (limit set by --max-upload-mb ...)
    """
    got = format_mb(got_bytes) if got_bytes is not None else "more"
    return TooLargeError(
        f"expected an upload of at most {format_mb(max_bytes)}, got {got} "
        f"(limit set by --max-upload-mb / POSECOACH_MAX_UPLOAD_MB)"
    )


async def stream_to_temp(chunks: AsyncIterator[bytes], tmp_dir: Path, max_bytes: int) -> Path:
    """Write a request body to a new temporary folder in ``tmp_dir``; return the file.

    Stops with :class:`TooLargeError` above ``max_bytes``. The temporary folder is removed
    on any error, so a refused upload leaves nothing behind; on success hand the file to
    :func:`store_file` or :func:`discard_upload`.
    """
    folder = make_temp_folder(tmp_dir, "upload")
    path = folder / "upload.part"
    size = 0
    try:
        with open(path, "xb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise too_large(max_bytes)
                out.write(chunk)
        if size == 0:
            raise InputError("expected a video file in the request body, got 0 bytes")
    except BaseException:
        discard_upload(path)
        raise
    return path


def discard_upload(path: Path) -> None:
    """Remove an upload that :func:`stream_to_temp` wrote (and its temporary folder)."""
    folder = path.parent
    if not is_temporary(folder.name):
        raise InputError(f"expected an upload in a posecoach temporary folder, got {path}")
    with contextlib.suppress(OSError):
        shutil.rmtree(folder)  # the temporary folder stream_to_temp made for this upload


def probe_video_file(path: Path, label: str = "upload") -> VideoMeta:
    """Decode ``path`` (:func:`posecoach.video.probe_video`, not trusting any extension)
    and describe the video.

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
    from posecoach.video import VideoError, probe_video, truncation_of

    cut = truncation_of(path)
    if cut is not None:
        raise NotAVideoError(
            f"{label}: the video is incomplete or truncated ({cut}); copy it again from the "
            "recording and upload the whole file"
        )
    try:
        info = probe_video(path)
    except VideoError as exc:
        # the reader names the temporary file; the person knows the upload by its label
        reason = str(exc).replace(f"{path}: ", "").replace(str(path), label)
        raise NotAVideoError(
            f"{label}: expected a video file, got data that does not decode as video ({reason})"
        ) from exc
    fmt = info.container
    if fmt == "image2" or fmt.endswith("_pipe"):
        raise NotAVideoError(f"{label}: expected a video file, got a still image ({fmt})")
    n_frames, duration, fps = info.n_frames, info.duration, info.fps
    if n_frames == 0 and duration:
        n_frames = round(duration * fps)
    if duration == 0.0 and n_frames:
        duration = n_frames / fps
    return VideoMeta(
        width=info.width,
        height=info.height,
        fps=fps,
        n_frames=n_frames,
        duration=duration,
        codec=info.codec,
        ext=_CONTAINER_EXT.get(fmt, "video"),
    )


def store_file(data_dir: Path, tmp: Path, kind: str, ext: str) -> str:
    """Move a checked upload to ``videos/<kind>/<uuid>.<ext>``; return the relative path."""
    rel = Path("videos") / kind / f"{uuid.uuid4().hex}.{ext}"
    target = safe_path(data_dir, str(rel))
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():  # a fresh random name: never another upload's file
        raise InputError(f"expected a new file name, got {rel} which exists; upload again")
    os.replace(tmp, target)  # our upload onto a new, generated name (checked just above)
    discard_upload(tmp)  # its temporary folder, now empty
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
