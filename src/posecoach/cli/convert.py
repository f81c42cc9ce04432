"""``posecoach convert``: read a pose file of any format, write it in another."""

from __future__ import annotations

from pathlib import Path

import typer

from posecoach.cli.common import FORCE_FILE_HELP, claim_outputs, user_errors


def register(app: typer.Typer) -> None:
    """Add the ``convert`` and ``formats`` commands."""

    @app.command()
    def convert(
        input: Path = typer.Argument(..., help="Pose file or folder (OpenPose) to read."),
        output: Path = typer.Option(..., "-o", "--output", help="File or folder to write."),
        format: str = typer.Option(
            "auto", "--format", "-f", help="Output format (default: from the output name)."
        ),
        input_format: str = typer.Option(
            "auto", "--from", help="Input format (default: detected from the content)."
        ),
        to_skeleton: str | None = typer.Option(
            None, "--to-skeleton", help="Convert to this skeleton by joint name first."
        ),
        person: int = typer.Option(0, "--person", help="Which person of a multi-person file."),
        force: bool = typer.Option(False, "--force", help=FORCE_FILE_HELP),
    ) -> None:
        """Convert a pose file between formats (and optionally skeletons)."""
        from posecoach.io import load_all, save
        from posecoach.skeletons import convert as convert_skeleton
        from posecoach.skeletons import get

        with user_errors():
            claim_outputs(output, inputs=[input], force=force)
            people = load_all(input, input_format)
            if not 0 <= person < len(people):
                raise typer.BadParameter(
                    f"expected --person in [0, {len(people)}), got {person}", param_hint="--person"
                )
            seq = people[person]
            if len(people) > 1:
                typer.echo(f"{input}: {len(people)} people, writing person {person}")
            if to_skeleton is not None:
                conv = convert_skeleton(seq, to_skeleton)
                seq = conv.sequence
                if conv.derived:
                    typer.echo(f"derived joints: {', '.join(conv.derived)}")
                if conv.missing:
                    typer.echo(f"missing joints (NaN): {', '.join(conv.missing)}")
                else:
                    typer.echo("missing joints: none")
            save(seq, output, format)
            typer.echo(
                f"wrote {output} ({seq.n_frames} frames, {seq.n_joints} joints, "
                f"{get(seq.skeleton).name})"
            )

    @app.command("formats")
    def list_formats() -> None:
        """List the pose file formats posecoach reads and writes."""
        from posecoach.io import formats

        for name, fmt in sorted(formats().items()):
            mode = "read/write" if fmt.write else "read"
            suffix = f" [{', '.join(fmt.suffixes)}]" if fmt.suffixes else ""
            typer.echo(f"{name:<16} {mode:<10} {fmt.description}{suffix}")
