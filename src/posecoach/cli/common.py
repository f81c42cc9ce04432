"""Helpers shared by CLI commands: error wrapping, progress bars, reading an input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from posecoach.errors import PoseCoachError

if TYPE_CHECKING:
    from posecoach.pose import PoseSequence

ProgressCallback = Callable[[int, int], None]


def fail(message: str) -> None:
    """Print one clear error line and exit with code 1."""
    typer.secho(f"error: {message}", fg="red", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`PoseCoachError` into one line on stderr and exit code 1."""
    try:
        yield
    except PoseCoachError as exc:
        fail(str(exc))


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A rich progress bar exposed as a ``callback(done, total)`` for library code."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total or None)

        yield update


_MEDIA = {".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".jpg", ".jpeg", ".png", ".bmp"}


def read_pose_or_media(path: Path) -> PoseSequence:
    """A pose file through posecoach.io, or a video/image (or image folder) through pose
    extraction."""
    import posecoach

    if path.suffix.lower() in _MEDIA or (path.is_dir() and not any(path.glob("*.json"))):
        return posecoach.extract(path)
    return posecoach.load(path)
