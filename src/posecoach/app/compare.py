"""Compare files: load both sides, run the Compare stage, write the result folder.

``compare_files(reference, attempt, outdir=...)`` is what ``posecoach compare``, the web
app and the demo call:

1. load each side with :func:`posecoach.app.loading.load_input` (media is extracted and
   cached by content; a pose file is read; a :class:`PoseSequence` is used as is);
2. :func:`posecoach.compare.compare` on the two poses;
3. write ``result.json`` and, with ``render=True``, ``overlay.mp4``,
   ``side_by_side.mp4``, plots and ``report.html`` (:mod:`posecoach.render`) into
   ``outdir`` by the output-folder rule (:class:`posecoach.app.outputs.OutputFolder`):
   built in a temporary folder, committed in one step, replacing only files posecoach
   wrote there.

Example
-------
>>> import numpy as np, tempfile
>>> from pathlib import Path
>>> p = np.zeros((20, 17, 2)); p[:, [5, 6], 1] = 0; p[:, [11, 12], 1] = 2
>>> p[:, [5, 11], 0] = -1; p[:, [6, 12], 0] = 1; p[:, 0] = [0, -1]
>>> p[:, [13, 14], 1] = 4; p[:, [15, 16], 1] = 6; p[:, [13, 15], 0] = -1
>>> p[:, [14, 16], 0] = 1; p[:, [7, 9], 0] = -2; p[:, [8, 10], 0] = 2
>>> seq = PoseSequence(p, skeleton="coco_17")
>>> out = Path(tempfile.mkdtemp()) / "result"
>>> res = compare_files(seq, seq, outdir=out, method="none", render=False)
>>> round(res.score), sorted(f.name for f in out.iterdir())
(100, ['.posecoach-manifest.json', 'result.json'])
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.app.loading import Source, load_input, video_of
from posecoach.app.outputs import OutputFolder
from posecoach.atomic import atomic_path
from posecoach.compare import CompareResult, compare
from posecoach.compare.score import angle_curves
from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.video import VIDEO_SUFFIXES, is_media

__all__ = ["compare_files", "is_execution_file", "reference_sources", "write_result"]

Progress = Callable[[int, int], None]
_RENDER_STEPS = 4


def compare_files(
    reference: Source | Sequence[Source],
    attempt: Source,
    *,
    outdir: str | os.PathLike[str] | None = None,
    method: str | None = None,
    render: bool = True,
    reps: str | bool = "auto",
    band: int | None = None,
    progress: Progress | None = None,
    force: bool = False,
    subject: Any = "longest",
    reference_subject: Any = "longest",
) -> CompareResult:
    """Compare an attempt with a reference given as files (or poses); write the results.

    Parameters
    ----------
    reference
        What correct looks like: a video, image, image folder or pose file, a
        :class:`PoseSequence`, or several correct executions (a list of those, or a
        folder of videos or pose files: a library, see :mod:`posecoach.compare.form`).
    attempt
        A video, image, image folder or pose file, or :class:`PoseSequence`.
    outdir
        Folder for result.json (and, with ``render``, videos, plots and report.html);
        ``None`` writes nothing. A folder holding files posecoach did not write is
        refused unless ``force``; only posecoach's own files there are ever replaced.
    method, reps, band
        As for :func:`posecoach.compare.compare`.
    render
        Also write overlay.mp4, side_by_side.mp4, plots and report.html.
    progress
        ``callback(done, total)`` over the steps (loading, the stage, rendering).
    force
        Write into a folder that holds other files, beside them (never replacing them).
    subject, reference_subject
        Whom to follow in an attempt or reference video with several people (see
        :func:`posecoach.extract.subject.parse_subject`); recorded with what was lost
        in result.json (``attempt.subject``, ``reference.subject``).

    Returns
    -------
    CompareResult
        With ``outdir`` and ``files`` set when written.

    Raises
    ------
    InputError
        Unreadable inputs, no person on a side, too few joints in common.
    OutputFolderError
        ``outdir`` may not be written (checked before any work).
    """
    folder = OutputFolder(outdir, force=force, tool="compare") if outdir is not None else None
    drawing = render and folder is not None
    total = 2 + 4 + (_RENDER_STEPS if drawing else 0)
    done = 0

    def tick(_done: int = 0, _total: int = 0) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total)

    sources = reference_sources(reference)
    refs = [load_input(s, "reference", subject=reference_subject) for s in sources]
    tick()
    att_raw = load_input(attempt, "attempt", subject=subject)
    tick()
    library = refs[0] if len(refs) == 1 else refs
    result = compare(library, att_raw, method=method, reps=reps, band=band, progress=tick)
    from posecoach.extract.follow import sequence_subject

    drawn_ref = refs[result.info.get("reference_index", 0)]
    for side, seq in (("attempt", att_raw), ("reference", drawn_ref)):
        who = sequence_subject(seq)
        if who is not None and isinstance(result.info.get(side), dict):
            result.info[side]["subject"] = who
    if folder is None:
        return result
    # the execution drawn is the library's time base (its medoid)
    drawn = sources[result.info.get("reference_index", 0)]
    return write_result(result, folder, render=render, reference=drawn, attempt=attempt, tick=tick)


def reference_sources(reference: Source | Sequence[Source]) -> list[Source]:
    """The correct executions a reference stands for: itself, each of a list, or every
    video and pose file in a folder that is not a folder of images (a library).

    Example
    -------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("b.pose.npz", "a.pose.json", "notes.txt"):
    ...     _ = (d / name).write_text("x")
    >>> [Path(p).name for p in reference_sources(d)]
    ['a.pose.json', 'b.pose.npz']
    """
    if isinstance(reference, PoseSequence | str | os.PathLike):
        path = None if isinstance(reference, PoseSequence) else Path(reference)
        if path is None or not path.is_dir() or is_media(path):
            return [reference]
        found = sorted(
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and is_execution_file(p)
        )
        if not found:
            raise InputError(
                f"reference folder {path}: expected videos or pose files of correct "
                "executions, got none"
            )
        return list(found)
    items = list(reference)
    if not items:
        raise InputError("expected at least one reference, got none")
    return items


def is_execution_file(path: Path) -> bool:
    """Whether a file is a video or a pose file (what a library of references holds).

    Example
    -------
    >>> is_execution_file(Path("a.mp4")), is_execution_file(Path("notes.txt"))
    (True, False)
    """
    from posecoach.io import formats

    name = path.name.lower()
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return True
    return any(
        name.endswith(suffix) for fmt in formats().values() for suffix in fmt.suffixes
    ) and not name.endswith((".txt", ".md"))


def write_result(
    result: CompareResult,
    folder: OutputFolder,
    *,
    render: bool = True,
    reference: Source | None = None,
    attempt: Source | None = None,
    tick: Callable[[], None] = lambda: None,
) -> CompareResult:
    """Write ``result`` into ``folder`` in one committed step; return it with its files.

    With ``render``, the videos are drawn on the frames of ``reference`` / ``attempt``
    when those are videos (else on a blank canvas).
    """
    with folder.transaction(protect=_inputs(reference, attempt)) as tmp:
        files: dict[str, Any] = {"result": "result.json"}
        if render:
            ref_full = result.info.get("reference_full", result.reference)
            files.update(_render(result, tmp, reference, attempt, ref_full, tick))
        result = dataclasses.replace(result, outdir=folder.path, files=files)
        data = result.to_dict()
        with atomic_path(tmp / "result.json") as part:
            part.write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
        if render:
            from posecoach.render.report import write_report

            write_report(data, tmp)
            tick()
    return result


def _inputs(*sources: Source | None) -> list[Path]:
    return [Path(s) for s in sources if s is not None and not isinstance(s, PoseSequence)]


def _render(
    result: CompareResult,
    tmp: Path,
    reference: Source | None,
    attempt: Source | None,
    ref_full: PoseSequence,
    tick: Callable[[], None],
) -> dict[str, Any]:
    from posecoach.render import palette, plots
    from posecoach.render.video import render_overlay, render_side_by_side

    fs = result.frames
    att = result.attempt
    times = att.timestamps
    cue_dicts = [c.to_dict() for c in result.cues]
    render_overlay(
        video_of(attempt) if attempt is not None else None,
        att,
        result.reference,
        fs.joint_errors,
        fs.scores,
        cue_dicts,
        tmp / "overlay.mp4",
        corrected=result.corrected,
        thresholds=result.error_bands,
    )
    tick()
    render_side_by_side(
        video_of(reference) if reference is not None else None,
        video_of(attempt) if attempt is not None else None,
        ref_full,
        att,
        result.path,
        tmp / "side_by_side.mp4",
    )
    tick()
    plot_files = {
        "score": "score_over_time.png",
        "heatmap": "error_heatmap.png",
        "angles": "angle_curves.png",
        "skeletons": "corrected_pose.png",
    }
    rep_dicts = result.reps if result.mode == "repetitions" else None
    plots.plot_score_over_time(times, fs.scores, tmp / plot_files["score"], reps=rep_dicts)
    plots.plot_error_heatmap(
        times, list(fs.joint_names), fs.joint_errors, tmp / plot_files["heatmap"]
    )
    curves = angle_curves(fs)
    worst = sorted(
        curves, key=lambda n: -np.nan_to_num(np.nanmean(np.abs(curves[n][0] - curves[n][1])))
    )[:4]
    plots.plot_angle_curves(times, {n: curves[n] for n in worst}, tmp / plot_files["angles"])
    k = int(np.nanargmax(np.nan_to_num(fs.distance, nan=-1.0))) if len(fs.distance) else 0
    plots.plot_skeletons(
        [
            (att.frame(k), "attempt", palette.ATTEMPT_HEX, palette.LINE_STYLES["attempt"]),
            (
                result.reference.frame(k),
                "reference",
                palette.REFERENCE_HEX,
                palette.LINE_STYLES["reference"],
            ),
            (
                result.corrected.frame(k),
                "corrected (your body, correct form)",
                palette.CORRECTED_HEX,
                palette.LINE_STYLES["corrected"],
            ),
        ],
        tmp / plot_files["skeletons"],
        title=f"Worst frame at {times[k]:.2f} s",
        y_down=att.space != "world",
    )
    tick()
    return {
        "overlay": "overlay.mp4",
        "side_by_side": "side_by_side.mp4",
        "plots": plot_files,
        "report": "report.html",
    }
