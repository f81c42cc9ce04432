"""``posecoach sample-data``, ``posecoach extract`` and ``posecoach batch``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import user_errors


def register(app: typer.Typer) -> None:
    """Add the extraction commands."""

    @app.command("sample-data")
    def sample_data(
        wheel: Path | None = typer.Option(
            None, "--wheel", help="Use this local pose2sim-0.10.49 wheel instead of pip."
        ),
        force: bool = typer.Option(False, "--force", help="Fetch and verify again."),
    ) -> None:
        """Fetch the Pose2Sim demo videos (pip download of pose2sim==0.10.49) into the cache."""
        from posecoach.sample_data import fetch

        with user_errors():
            paths = fetch(wheel=wheel, force=force)
        for key, path in paths.items():
            typer.echo(f"{key:<14} {path}")
