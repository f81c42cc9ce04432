"""``posecoach batch INPUTS... -o OUT``: many recordings on Dask, resumable, summarised."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import SUBJECT_HELP, fail, progress_bar, user_errors

_ENGINE_HELP = (
    "dask (a local cluster of worker processes, or --scheduler's cluster) | pool (a local "
    "process pool, the former method) | inline (this process, one input at a time)."
)
_TRANSFER_HELP = (
    "path: workers open each input by its path (the same path on every machine: shared "
    "storage) | bytes: this process reads each input and sends its bytes to a worker."
)
_FORCE_HELP = (
    "Redo inputs finished before, and write into a folder that holds other files, beside "
    "them (nothing of yours is replaced)."
)


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command."""

    @app.command("batch")
    def batch_cmd(
        inputs: list[str] = typer.Argument(
            ...,
            help="Videos, images, pose files, folders (searched recursively) or globs "
            "('clips/**/*.mp4').",
        ),
        outdir: Path = typer.Option(
            ..., "-o", "--output", help="Output folder (mirrors the input tree)."
        ),
        compare_to: Path | None = typer.Option(
            None,
            "--compare-to",
            help="Compare each input with this reference (a file, or a folder of correct "
            "executions: a library).",
        ),
        reps: bool = typer.Option(False, "--reps", help="Count repetitions (as 'posecoach reps')."),
        classify: Path | None = typer.Option(
            None, "--classify", help="Classify each input with this model file."
        ),
        abstain: float = typer.Option(
            0.5, "--abstain", help="With --classify: 'unknown' below this probability."
        ),
        engine: str = typer.Option("dask", "--engine", help=_ENGINE_HELP),
        workers: int | None = typer.Option(
            None, "--workers", "-j", help="Local worker processes (default: one per core)."
        ),
        scheduler: str | None = typer.Option(
            None, "--scheduler", help="tcp://HOST:PORT of a running Dask scheduler."
        ),
        memory_limit: str | None = typer.Option(
            None,
            "--memory-limit",
            help="Per local Dask worker, e.g. 4GiB (default: the memory shared out).",
        ),
        transfer: str = typer.Option("path", "--transfer", help=_TRANSFER_HELP),
        subject: str = typer.Option("longest", "--subject", help=SUBJECT_HELP),
        reference_subject: str = typer.Option(
            "longest", "--reference-subject", help="The same for the reference video(s)."
        ),
        smooth: str | None = typer.Option(None, "--smooth", help="savgol | butterworth."),
        backend: str = typer.Option("mediapipe", "--backend", help="Pose backend."),
        fps: float = typer.Option(30.0, "--fps", help="Frame rate of an image folder."),
        no_cache: bool = typer.Option(False, "--no-cache", help="Do not reuse cached results."),
        force: bool = typer.Option(False, "--force", help=_FORCE_HELP),
        database: str | None = typer.Option(
            None,
            "--database",
            help="Store each compared input as a session (SQLAlchemy URL, e.g. "
            "sqlite:////data/posecoach.db or postgresql://...); needs --compare-to.",
        ),
        data_dir: Path | None = typer.Option(
            None, "--data-dir", help="With --database: the web app's data dir (its default)."
        ),
        person: str = typer.Option(
            "{folder}",
            "--person",
            help="With --database: whose sessions they are; {folder} (the default) takes "
            "the first folder of each input's place (alice/set1.mp4 -> alice).",
        ),
        exercise: str = typer.Option(
            "", "--exercise", help="With --database: the exercise the history groups by."
        ),
    ) -> None:
        """Process many recordings: extract, and optionally compare, count reps, classify.

        Writes <stem>.pose.npz (.result.json, .reps.json, .classify.json) per input
        under OUT, mirroring the input tree, and summary.csv / summary.json. A re-run
        skips inputs already done with the same content and options.
        """
        from posecoach.app.batch import run_batch
        from posecoach.extract import parse_subject

        if database is not None and compare_to is None:
            raise typer.BadParameter(
                "a session needs a score: add --compare-to", param_hint="--database"
            )
        with user_errors():
            sessions = store = None
            if database is not None:
                from posecoach.app.batch.sessions import StoreSessions
                from posecoach.store import Store
                from posecoach.web.config import default_data_dir

                store = Store(data_dir or default_data_dir(), database)
                assert compare_to is not None
                sessions = StoreSessions(store, person, compare_to, outdir, exercise)
            try:
                with progress_bar(f"batch into {outdir}") as bar:
                    report = run_batch(
                        inputs,
                        outdir,
                        engine=engine,
                        workers=workers,
                        scheduler=scheduler,
                        memory_limit=memory_limit,
                        transfer=transfer,
                        compare_to=compare_to,
                        reference_subject=parse_subject(reference_subject),
                        reps=reps,
                        classify=classify,
                        classify_abstain=abstain,
                        cache=not no_cache,
                        force=force,
                        progress=bar,
                        sessions=sessions,
                        subject=parse_subject(subject),
                        smooth=smooth,
                        backend=backend,
                        fps=fps,
                    )
            finally:
                if store is not None:
                    store.close()
        for row in report.rows:
            extra = [f"{row.frames} frames"] if row.frames is not None else []
            if row.score is not None:
                extra.append(f"score {row.score:.0f}")
            if row.reps is not None:
                extra.append(f"{row.reps} reps")
            if row.label:
                extra.append(row.label)
            what = ", ".join(extra) if row.status != "failed" else row.reason
            typer.echo(f"{row.input}: {row.status.upper()} {what}".rstrip())
        counts = {s: report.count(s) for s in ("ok", "skipped", "failed")}
        typer.echo(
            f"{len(report.rows)} inputs: {counts['ok']} done, {counts['skipped']} skipped "
            f"(done before), {counts['failed']} failed; {report.seconds:.1f} s"
            + (f" on {report.engine}" if report.engine else "")
        )
        if sessions is not None:
            typer.echo(f"sessions stored: {sessions.added}")
            for line in sessions.errors:
                typer.echo(f"  {line}")
        typer.echo(f"summary: {report.outdir / 'summary.csv'}")
        if counts["failed"]:
            fail(f"{counts['failed']} of {len(report.rows)} inputs failed")
