"""One loader for everything a user hands in: a video, an image, a folder, a pose file.

Every command and the web app turn an input into a :class:`~posecoach.pose.PoseSequence`
through :func:`load_input`, so ``posecoach align x.mpg`` and ``posecoach compare x.mpg``
take the same route: media (by :data:`posecoach.video.VIDEO_SUFFIXES` and
:data:`~posecoach.video.IMAGE_SUFFIXES`, or a folder of images) goes through pose
extraction, cached by content; anything else is read by :func:`posecoach.io.load`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.video import VIDEO_SUFFIXES, is_media

__all__ = ["Source", "load_input", "video_of"]

#: What a command accepts as one input.
Source = str | os.PathLike[str] | PoseSequence
Progress = Callable[[int, int], None]


def load_input(
    source: Source,
    role: str = "input",
    *,
    progress: Progress | None = None,
    cache: bool = True,
    **extract_options: Any,
) -> PoseSequence:
    """Read one input: a PoseSequence as is, a pose file, or media to extract.

    Parameters
    ----------
    source
        A :class:`PoseSequence`, a pose file (any format :func:`posecoach.io.load`
        reads), a video, an image or a folder of images.
    role
        What the input is (``"reference"``, ``"attempt"``), for error messages.
    progress
        ``callback(done, total)`` for extraction.
    cache
        Reuse a cached extraction of the same content and options.
    extract_options
        Passed to :func:`posecoach.extract.extract` (``subject=``, ``smooth=``, ...).

    Raises
    ------
    InputError
        The path does not exist, or the file cannot be read (the reader's message).

    Example
    -------
    >>> import numpy as np
    >>> seq = PoseSequence(np.zeros((2, 17, 2)), skeleton="coco_17")
    >>> load_input(seq, "reference") is seq
    True
    >>> load_input("/no/such.mp4", "attempt")
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: attempt /no/such.mp4: no such file or folder
    """
    if isinstance(source, PoseSequence):
        return source
    path = Path(source)
    if not path.exists():
        raise InputError(f"{role} {path}: no such file or folder")
    if is_media(path):
        from posecoach.extract import extract

        seq = extract(path, cache=cache, progress=progress, **extract_options)
    else:
        from posecoach.io import load

        seq = load(path)
    meta = dict(seq.metadata)
    meta.setdefault("source", str(path))
    return seq.replace(metadata=meta)


def video_of(source: Source) -> Path | None:
    """The video file behind an input, if it is one (for drawing on its frames).

    Example
    -------
    >>> video_of("missing.mp4") is None
    True
    """
    if isinstance(source, PoseSequence):
        return None
    p = Path(source)
    return p if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES else None
