"""Root typer application; each ``cli/<name>.py`` module adds its commands.

Exit codes: 0 success, 1 user error (one clear line on stderr), 2 usage error.
"""

from __future__ import annotations

import importlib
import sys

import typer

from posecoach import __version__

app = typer.Typer(
    name="posecoach",
    help="Pose-based movement feedback: extract, align, compare, classify, count reps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules under posecoach.cli that define ``register(app)``; one per group of commands.
COMMAND_MODULES: tuple[str, ...] = (
    "info",
    "extract",
    "batch",
    "compare",
    "convert",
    "serve",
    "classify",
    "align",
    "triangulate",
    "render",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"posecoach {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """posecoach: compare how you move with how you should."""


for _name in COMMAND_MODULES:
    importlib.import_module(f"posecoach.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point: run the app, turning user errors into exit code 1."""
    from posecoach.errors import PoseCoachError

    try:
        # With standalone_mode=False click returns (not raises) the code of typer.Exit.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except PoseCoachError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # click usage errors
        # typer may vendor its own click (typer._click), so match by behaviour, not class:
        # click exceptions have show() and exit_code (2 for usage errors, 1 otherwise).
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        raise
