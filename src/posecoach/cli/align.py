"""``posecoach align ATTEMPT --to REFERENCE --method NAME -o OUT [--png overlay.png]``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FILE_HELP, claim_outputs, read_pose_or_media, user_errors


def register(app: typer.Typer) -> None:
    """Add the ``align`` command."""

    @app.command("align")
    def align_cmd(
        attempt: Path = typer.Argument(..., exists=True, help="Attempt: pose file or video."),
        reference: Path = typer.Option(
            ..., "--to", exists=True, help="Reference: pose file or video."
        ),
        output: Path = typer.Option(..., "-o", "--output", help="Aligned pose file to write."),
        method: str | None = typer.Option(
            None, "--method", "-m", help="Aligner name (default: the benchmark winner)."
        ),
        per_frame: bool = typer.Option(
            True,
            "--per-frame/--per-sequence",
            help="One transform per frame, or one for the whole sequence (fixed camera).",
        ),
        png: Path | None = typer.Option(
            None, "--png", help="Also draw both skeletons before and after alignment."
        ),
        frame: int = typer.Option(0, "--frame", help="Frame drawn in the PNG."),
        min_confidence: float = typer.Option(
            0.3, "--min-confidence", help="Joints below this confidence are not fitted."
        ),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Align an attempt onto a reference: remove position, size and camera angle."""
        import posecoach
        from posecoach.align import align
        from posecoach.render.plots import plot_alignment

        with user_errors():
            claim_outputs(output, png, inputs=[attempt, reference], force=force)
            att = read_pose_or_media(attempt)
            ref = read_pose_or_media(reference)
            result = align(att, ref, method, per_frame=per_frame, min_confidence=min_confidence)
            posecoach.save(result.aligned, output)
            if png is not None:
                plot_alignment(ref, att, result.aligned, png, frame)
        q = result.quality
        typer.echo(
            f"{result.method} ({'per frame' if per_frame else 'per sequence'}): "
            f"{result.aligned.n_frames} frames, mean residual {q.mean_residual:.3f} torso "
            f"lengths, {len(q.fallback_frames)} fallback frames -> {output}"
        )
