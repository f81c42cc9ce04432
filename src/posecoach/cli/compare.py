"""``posecoach compare REFERENCE ATTEMPT -o OUTDIR``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FOLDER_HELP, SUBJECT_HELP, progress_bar, user_errors


def _when(start: float, end: float) -> str:
    from posecoach.compare.cues import format_time

    short = end < 60
    return f"{format_time(start, precise=short)}-{format_time(end, precise=short)}"


def register(app: typer.Typer) -> None:
    """Add the ``compare`` command."""

    @app.command("compare")
    def compare_cmd(
        reference: Path = typer.Argument(
            ...,
            help="Reference: video, image, image folder or pose file; a folder of videos or "
            "pose files is a library of correct executions.",
        ),
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
        more: list[Path] | None = typer.Option(
            None,
            "--add-reference",
            help="Another correct execution of the same movement (repeat for several).",
        ),
        subject: str = typer.Option("longest", "--subject", help="In the attempt: " + SUBJECT_HELP),
        reference_subject: str = typer.Option(
            "longest", "--reference-subject", help="The same for the reference video(s)."
        ),
    ) -> None:
        """Compare an attempt with a reference: score, cues, overlay video and report."""
        from posecoach.app.compare import compare_files
        from posecoach.compare.form import MATCH_SCORE

        choices: dict[str, str | bool] = {"auto": "auto", "yes": True, "no": False}
        choice = choices.get(reps.lower())
        if choice is None:
            raise typer.BadParameter(f"expected auto, yes or no, got {reps!r}", param_hint="--reps")
        from posecoach.extract.subject import parse_subject

        with user_errors(), progress_bar("comparing") as progress:
            subjects = {
                "subject": parse_subject(subject),
                "reference_subject": parse_subject(reference_subject),
            }
            library: list[Path] = [reference, *(more or [])]
            result = compare_files(
                library if more else reference,
                attempt,
                outdir=outdir,
                method=method,
                render=not no_render,
                reps=choice,
                band=band,
                progress=progress,
                force=force,
                **subjects,
            )
        form = result.info.get("form", {})
        n_refs = form.get("n_references", 1)
        against = f"against {n_refs} correct executions" if n_refs > 1 else "against one reference"
        side = ", the other side" if form.get("mirrored") else ""
        typer.echo(f"score: {result.score:.0f}/100 ({result.mode}, {against}{side})")
        if result.mode == "repetitions":
            for rep in result.reps:
                typer.echo(
                    f"  rep {rep['index'] + 1}: {rep['start_s']:.1f}-{rep['end_s']:.1f} s "
                    f"score {rep['score']:.0f}"
                )
        for side in ("reference", "attempt"):
            who = result.info.get(side, {}).get("subject")
            if who and (who.get("people_found", 0) > 1 or who.get("dropped")):
                typer.echo(f"  {side}: {who['line']}")
        coverage = result.info.get("coverage", {}).get("summary")
        if coverage:
            typer.echo(f"  not scored: {coverage}")
        for cue in result.cues:
            typer.echo(f"  - {cue.text} ({_when(cue.start_s, cue.end_s)})")
        if not result.cues and result.score >= MATCH_SCORE:
            typer.echo("  matches the correct form: nothing to change")
        report = result.files.get("report")
        where = outdir / report if report else outdir / "result.json"
        typer.echo(f"results: {where}")
