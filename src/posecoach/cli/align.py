"""``posecoach align ATTEMPT --to REFERENCE --method NAME -o OUT [--png overlay.png]``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FILE_HELP, claim_outputs, read_pose_or_media, user_errors


def write_overlay_png(reference, attempt, aligned, out: Path, frame: int = 0) -> Path:
    """Two panels: both skeletons as given (before) and after alignment; atomic PNG.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach import PoseSequence
    >>> p = PoseSequence(np.random.default_rng(0).normal(size=(1, 17, 2)), skeleton="coco_17")
    >>> out = write_overlay_png(p, p, p, Path(tempfile.mkdtemp()) / "o.png")
    >>> out.stat().st_size > 1000
    True
    """
    import numpy as np
    from matplotlib.figure import Figure

    from posecoach.io.atomic import atomic_path

    fig = Figure(figsize=(9, 5))
    panels = (
        ("before", [(reference, "reference", "tab:green"), (attempt, "attempt", "tab:red")]),
        ("after", [(reference, "reference", "tab:green"), (aligned, "attempt aligned", "tab:red")]),
    )
    for i, (title, poses) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        for seq, label, color in poses:
            f = min(frame, seq.n_frames - 1)
            pos = seq.positions[f, :, :2]
            for a, b in seq.skeleton.edges:
                if np.isfinite(pos[[a, b]]).all():
                    ax.plot(pos[[a, b], 0], pos[[a, b], 1], color=color, lw=2)
            ax.scatter(pos[:, 0], pos[:, 1], s=8, color=color, label=label)
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="datalim")
        if reference.space != "world":
            ax.invert_yaxis()
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    with atomic_path(out, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return out


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

        with user_errors():
            claim_outputs(output, png, inputs=[attempt, reference], force=force)
            att = read_pose_or_media(attempt)
            ref = read_pose_or_media(reference)
            result = align(att, ref, method, per_frame=per_frame, min_confidence=min_confidence)
            posecoach.save(result.aligned, output)
            if png is not None:
                write_overlay_png(ref, att, result.aligned, png, frame)
        q = result.quality
        typer.echo(
            f"{result.method} ({'per frame' if per_frame else 'per sequence'}): "
            f"{result.aligned.n_frames} frames, mean residual {q.mean_residual:.3f} torso "
            f"lengths, {len(q.fallback_frames)} fallback frames -> {output}"
        )
