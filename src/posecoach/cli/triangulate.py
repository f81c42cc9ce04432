"""``posecoach triangulate VIEW... --calibration FILE -o OUT [--cameras a,b,...]``."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FILE_HELP, claim_outputs, read_pose_or_media, user_errors


def register(app: typer.Typer) -> None:
    """Add the ``triangulate`` command."""

    @app.command("triangulate")
    def triangulate_cmd(
        views: list[Path] = typer.Argument(
            ..., exists=True, help="Synchronised views (videos or 2D pose files), 2 or more."
        ),
        calibration: Path = typer.Option(
            ...,
            "--calibration",
            "-c",
            exists=True,
            help="Pose2Sim/Anipose Calib.toml or Qualisys .qca.txt.",
        ),
        output: Path = typer.Option(..., "-o", "--output", help="3D pose file to write."),
        cameras: str | None = typer.Option(
            None,
            "--cameras",
            help="Comma-separated camera names, one per view (default: the file's order).",
        ),
        min_confidence: float = typer.Option(
            0.3, "--min-confidence", help="Landmarks below this confidence are not used."
        ),
        outlier_px: float | None = typer.Option(
            None, "--outlier-px", help="Drop a view for a joint above this reprojection error."
        ),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Measure 3D poses from several calibrated cameras (metres, the calibration's frame)."""
        import posecoach
        from posecoach.errors import InputError
        from posecoach.multiview import load_calibration, triangulate

        with user_errors():
            claim_outputs(output, inputs=[*views, calibration], force=force)
            cams = load_calibration(calibration)
            if cameras is not None:
                by_name = {c.name: c for c in cams}
                names = [n.strip() for n in cameras.split(",") if n.strip()]
                unknown = [n for n in names if n not in by_name]
                if unknown:
                    raise InputError(
                        f"unknown camera {', '.join(unknown)}; {calibration} has "
                        f"{', '.join(by_name)}"
                    )
                cams = [by_name[n] for n in names]
            elif len(cams) != len(views):
                raise InputError(
                    f"{calibration} has {len(cams)} cameras for {len(views)} views; name the "
                    "camera of each view with --cameras"
                )
            result = triangulate(
                [read_pose_or_media(v) for v in views], cams, min_confidence=min_confidence,
                outlier_px=outlier_px,
            )  # fmt: skip
            posecoach.save(result.pose, output)
        pose = result.pose
        solved = float((pose.confidence > 0).mean())
        errors = ", ".join(f"{k} {v:.1f}" for k, v in result.summary().items())
        typer.echo(
            f"{pose.n_frames} frames, {100 * solved:.0f}% of joints triangulated; median "
            f"reprojection error (px): {errors} -> {output}"
        )
