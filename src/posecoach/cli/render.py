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
        from posecoach.app.outputs import OutputFolder
        from posecoach.errors import InputError
        from posecoach.render.report import rebuild_report

        with user_errors():
            if not outdir.is_dir():
                raise InputError(f"{outdir}: expected a compare output folder, got no folder")
            # The folder is this command's input: report.html is written beside the
            # result, replacing only a report.html that posecoach wrote there.
            folder = OutputFolder(outdir, force=True, tool="render")
            with folder.transaction(replace_all=False) as tmp:
                rebuild_report(outdir, into=tmp)
        typer.echo(f"report: {outdir / 'report.html'}")
