"""``posecoach render``: rebuild the HTML report of a compare output folder."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import user_errors


def register(app: typer.Typer) -> None:
    """Add the ``render`` command."""

    @app.command("render")
    def render_cmd(
        outdir: Path = typer.Argument(
            ..., help="A folder written by 'posecoach compare' (holding result.json)."
        ),
    ) -> None:
        """Rewrite OUTDIR/report.html from OUTDIR/result.json (videos and plots as found)."""
        from posecoach.render.report import rebuild_report

        with user_errors():
            path = rebuild_report(outdir)
        typer.echo(f"report: {path}")
