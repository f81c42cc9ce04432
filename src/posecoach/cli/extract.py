"""``posecoach sample-data``, ``posecoach extract`` and ``posecoach people``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import (
    FORCE_FILE_HELP,
    SUBJECT_HELP,
    claim_outputs,
    user_errors,
)


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

    @app.command("extract")
    def extract_cmd(
        source: Path = typer.Argument(..., help="Video, image, or folder of images."),
        output: Path = typer.Option(
            ..., "-o", "--output", help="Pose file to write (.pose.npz, .pose.json, .csv, ...)."
        ),
        preview: Path | None = typer.Option(
            None, "--preview", help="Also write an MP4 with the skeleton drawn on the frames."
        ),
        subject: str = typer.Option("longest", "--subject", help=SUBJECT_HELP),
        smooth: str | None = typer.Option(
            None, "--smooth", help="Zero-phase smoothing: savgol | butterworth."
        ),
        fill_gaps: bool = typer.Option(
            False, "--fill-gaps", help="Interpolate short gaps (see --max-gap)."
        ),
        max_gap: float = typer.Option(0.25, "--max-gap", help="Longest gap to fill, seconds."),
        backend: str = typer.Option("mediapipe", "--backend", help="Pose backend."),
        fps: float = typer.Option(30.0, "--fps", help="Frame rate of an image folder."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse cached results."),
        fix_swaps: bool = typer.Option(
            True,
            "--fix-swaps/--keep-swaps",
            help="Undo frames where the estimator swapped left and right labels.",
        ),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Extract one person's pose from a video, image or image folder."""
        import posecoach
        from posecoach.cli.common import progress_bar
        from posecoach.extract import extract, parse_subject
        from posecoach.render.preview import write_preview

        with user_errors():
            claim_outputs(output, preview, inputs=[source], force=force)
            subj = parse_subject(subject)
            with progress_bar(f"extract {source.name}") as bar:
                seq = extract(
                    source,
                    backend=backend,
                    subject=subj,
                    cache=not no_cache,
                    progress=bar,
                    fps=fps,
                    fill_gaps=max_gap if fill_gaps else None,
                    smooth=smooth,
                    fix_swaps=fix_swaps,
                )
            posecoach.save(seq, output)
            found = int(seq.visible.any(axis=1).sum())
            typer.echo(f"{output}: {seq.n_frames} frames, person found in {found}")
            from posecoach.extract.follow import sequence_subject

            who = sequence_subject(seq)
            if who is not None:
                typer.echo(f"subject: {who['line']}")
            if preview is not None:
                with progress_bar(f"preview {preview.name}") as bar:
                    write_preview(source, seq, preview, progress=bar)
                typer.echo(f"{preview}: preview video")

    @app.command("people")
    def people_cmd(
        source: Path = typer.Argument(..., help="Video to look for people in."),
        sheet: Path | None = typer.Option(
            None, "--sheet", help="Contact-sheet PNG to write (default: <video>.people.png)."
        ),
        no_sheet: bool = typer.Option(False, "--no-sheet", help="Only list the people."),
        backend: str = typer.Option("mediapipe", "--backend", help="Pose backend."),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """List the people in a video (id, time in view, typical box) and draw them
        numbered on a contact sheet; pass an id to --subject to follow that person."""
        from posecoach.app.people import find_people, people_lines, write_people_sheet

        out = None if no_sheet else (sheet or source.with_name(source.name + ".people.png"))
        with user_errors():
            claim_outputs(out, inputs=[source], force=force)
            scan = find_people(source, backend)
            if not scan.tracks:
                typer.echo(f"{source}: nobody found")
                return
            typer.echo(f"{source}: {len(scan.tracks)} people (at most {scan.max_together} at once)")
            typer.echo(" id  in view     typical box (pixels)")
            for line in people_lines(scan.tracks):
                typer.echo(line)
            if out is not None:
                write_people_sheet(scan, source, out)
                typer.echo(f"contact sheet: {out}")
            typer.echo("follow one with --subject <id> (extract, compare, reps, classify, batch)")
