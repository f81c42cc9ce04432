"""``posecoach info``: versions of the pieces and which pose backends are usable."""

from __future__ import annotations

import importlib.metadata as md
import platform

import typer

from posecoach import __version__

_PIECES = (
    "numpy",
    "scipy",
    "av",
    "mediapipe",
    "torch",
    "dtaidistance",
    "scikit-learn",
    "fastapi",
    "sqlalchemy",
)


def _version_of(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "not installed"


def register(app: typer.Typer) -> None:
    """Add the ``info`` command."""

    @app.command()
    def info() -> None:
        """Print versions of posecoach's pieces and which pose backends are usable."""
        typer.echo(f"posecoach {__version__} (Python {platform.python_version()})")
        for dist in _PIECES:
            typer.echo(f"  {dist:<14} {_version_of(dist)}")
        try:
            from posecoach.extract import backend_status
        except ImportError:
            typer.echo("pose backends: extraction module not available")
            return
        typer.echo("pose backends:")
        for name, (ok, why) in backend_status().items():
            typer.echo(f"  {name:<14} {'usable' if ok else 'unusable'}: {why}")
