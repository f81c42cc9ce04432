"""Helpers shared by CLI commands: error wrapping, progress bars, reading an input."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from posecoach.errors import PoseCoachError

if TYPE_CHECKING:
    from posecoach.pose import PoseSequence

ProgressCallback = Callable[[int, int], None]


SUBJECT_HELP = (
    "Whom to follow in a video with several people: longest (in view the longest, the "
    "default) | largest | central | most-active | a person id from 'posecoach people' | a "
    "box 'x0,y0,x1,y1[@seconds]' in pixels (whoever overlaps it then) | none (plain tracking)."
)
FORCE_FILE_HELP = "Replace an output file that already exists (an input is never replaced)."
FORCE_FOLDER_HELP = (
    "Write into a folder that holds other files, beside them (nothing of yours is replaced)."
)


def claim_outputs(
    *outputs: Path | None, inputs: Sequence[Path | None] = (), force: bool = False
) -> None:
    """Check, before any work, that each named output file may be written.

    An existing file is replaced only with ``--force``; an input never is
    (:func:`posecoach.app.outputs.check_output_file`). Raises
    :class:`~posecoach.errors.OutputFolderError`, which :func:`user_errors` prints.
    """
    from posecoach.app.outputs import check_output_file

    sources = [p for p in inputs if p is not None]
    named = [p for p in outputs if p is not None]
    for i, out in enumerate(named):
        # One run naming the same file twice would overwrite its own first output.
        if any(out.resolve() == other.resolve() for other in named[:i]):
            from posecoach.errors import OutputFolderError

            raise OutputFolderError(f"output {out} is named twice; give each output its own name")
        check_output_file(out, inputs=sources, force=force)


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


def read_pose_or_media(path: Path) -> PoseSequence:
    """An input file through the one loader (:func:`posecoach.app.loading.load_input`)."""
    from posecoach.app.loading import load_input

    return load_input(path)
