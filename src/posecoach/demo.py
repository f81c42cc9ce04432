"""``python -m posecoach.demo`` (run by ``make demo``): real videos in, previews out.

Fetches the Pose2Sim sample videos (once, into the user cache), extracts the pose from
``single/cam01`` and from ``multi/cam03`` (two people in view; the largest is followed)
and writes preview videos with the skeleton drawn on them into ``./demo-output/``; then
compares the second take (attempt, camera 3) with the first (reference, camera 1) into
``./demo-output/compare/`` (overlay.mp4, side_by_side.mp4, plots, report.html,
result.json) and prints where the report is. Later steps extend :func:`main` by adding
to :data:`STEPS`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from posecoach.errors import PoseCoachError

__all__ = ["STEPS", "compare_takes", "extract_previews", "main"]

OUTDIR = Path("demo-output")
DEMO_CLIPS = ("single/cam01", "multi/cam03")


def _say(message: str) -> None:
    print(message, flush=True)  # the demo is a program, not library code


def extract_previews(samples: dict[str, Path], outdir: Path) -> dict[str, Path]:
    """Extract the demo clips and write ``<clip>.pose.npz`` + ``<clip>.preview.mp4``."""
    import posecoach
    from posecoach.app.outputs import OutputFolder
    from posecoach.extract import extract
    from posecoach.render.preview import write_preview

    written: dict[str, Path] = {}
    folder = OutputFolder(outdir, tool="demo")
    for key in DEMO_CLIPS:
        name = key.replace("/", "_")
        seq = extract(samples[key], subject="largest")
        with folder.transaction(replace_all=False) as tmp:
            posecoach.save(seq, tmp / f"{name}.pose.npz")
            write_preview(samples[key], seq, tmp / f"{name}.preview.mp4")
        pose_path, preview = outdir / f"{name}.pose.npz", outdir / f"{name}.preview.mp4"
        found = int(seq.visible.any(axis=1).sum())
        _say(f"  {key}: person in {found}/{seq.n_frames} frames -> {preview}")
        written[f"{key}:pose"] = pose_path
        written[f"{key}:preview"] = preview
    return written


def compare_takes(samples: dict[str, Path], outdir: Path) -> dict[str, Path]:
    """Compare the second take (camera 3, a second person in front) with the first take
    (camera 1) into ``<outdir>/compare/`` and say where the report is."""
    from posecoach.app.compare import compare_files

    result = compare_files(
        samples["single/cam01"], samples["multi/cam03"], outdir=outdir / "compare"
    )
    assert result.outdir is not None
    _say(f"  score {result.score:.0f}/100 (reference single/cam01, attempt multi/cam03)")
    for cue in result.cues[:3]:
        _say(f"  - {cue.text}")
    report = result.outdir / result.files["report"]
    _say(f"  report: {report}")
    return {"compare:report": report, "compare:result": result.outdir / "result.json"}


# Each step takes (samples, outdir) and returns the files it wrote.
STEPS: list[tuple[str, Callable[[dict[str, Path], Path], dict[str, Path]]]] = [
    ("extract poses and write preview videos", extract_previews),
    ("compare the second take with the first", compare_takes),
]


def main(outdir: Path = OUTDIR) -> int:
    """Run every demo step; returns the exit code."""
    from posecoach.sample_data import fetch

    try:
        _say("fetching the Pose2Sim sample videos (cached after the first run)...")
        samples = fetch()
        for title, step in STEPS:
            _say(f"{title}:")
            step(samples, outdir)
    except PoseCoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _say(f"done: open the files in {outdir.resolve()}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
