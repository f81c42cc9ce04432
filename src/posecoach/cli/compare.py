"""``posecoach compare REFERENCE ATTEMPT -o OUTDIR``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FOLDER_HELP, progress_bar, user_errors


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command."""

    @app.command("compare")
    def compare_cmd(
        reference: Path = typer.Argument(..., help="Reference: video, image, folder or pose file."),
        attempt: Path = typer.Argument(..., help="Attempt: video, image, folder or pose file."),
        outdir: Path = typer.Option(
            Path("compare-output"), "-o", "--outdir", help="Folder for the results."
        ),
        method: str | None = typer.Option(
            None, "--method", help="Spatial aligner (default: the benchmark winner; 'none')."
        ),
        reps: str = typer.Option(
            "auto", "--reps", help="Score repetitions separately: auto, yes or no."
        ),
        band: int | None = typer.Option(None, "--band", help="DTW band in frames."),
        no_render: bool = typer.Option(
            False, "--no-render", help="Only write result.json (no videos, plots, report)."
        ),
        force: bool = typer.Option(False, "--force", help=FORCE_FOLDER_HELP),
    ) -> None:
        """Compare an attempt with a reference: score, cues, overlay video and report."""
        from posecoach.app.compare import compare_files

        choices: dict[str, str | bool] = {"auto": "auto", "yes": True, "no": False}
        choice = choices.get(reps.lower())
        if choice is None:
            raise typer.BadParameter(f"expected auto, yes or no, got {reps!r}", param_hint="--reps")
        with user_errors(), progress_bar("comparing") as progress:
            result = compare_files(
                reference,
                attempt,
                outdir=outdir,
                method=method,
                render=not no_render,
                reps=choice,
                band=band,
                progress=progress,
                force=force,
            )
        typer.echo(f"score: {result.score:.0f}/100 ({result.mode})")
        if result.mode == "repetitions":
            for rep in result.reps:
                typer.echo(
                    f"  rep {rep['index'] + 1}: {rep['start_s']:.1f}-{rep['end_s']:.1f} s "
                    f"score {rep['score']:.0f}"
                )
        for cue in result.cues[:5]:
            typer.echo(f"  - {cue.text}")
        report = result.files.get("report")
        where = outdir / report if report else outdir / "result.json"
        typer.echo(f"results: {where}")
