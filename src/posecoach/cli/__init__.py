"""The ``posecoach`` command line: a thin typer layer over the Python API."""

from posecoach.cli.app import app, main

__all__ = ["app", "main"]
