"""The job handlers of the web app: extract a reference's skeleton, compare an attempt.

A compare job writes into a new temporary folder of posecoach's pattern
(``results/.posecoach-tmp-...``) and, once everything is written (result.json last,
atomically), renames it onto a *free* name (``results/job_<id>``, or ``job_<id>-2`` ... if
that exists), so a retry never replaces or deletes a folder another job completed. Then the
result row is committed; if that fails the folder just published is removed again. A job
killed half-way leaves only its temporary folder, which the next start-up removes
(:func:`posecoach.web.files.remove_stale_temporaries`). A full disk fails the job with a
"disk full" error and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecoach.atomic import atomic_path, fsync_folder, is_temporary, make_temp_folder
from posecoach.errors import InputError
from posecoach.web.files import disk_full, is_disk_full
from posecoach.web.jobs import JobContext
from posecoach.web.uploads import safe_path

__all__ = ["check_result_file", "make_handlers", "result_files"]


def _default_compare() -> Callable[..., Any]:
    from posecoach.app.compare import compare_files

    return compare_files


def _default_extract() -> Callable[..., Any]:
    from posecoach.extract import extract  # type: ignore[attr-defined]

    return extract


def make_handlers(
    compare_fn: Callable[..., Any] | None = None,
    extract_fn: Callable[..., Any] | None = None,
    render: bool = True,
) -> dict[str, Callable[[JobContext], None]]:
    """Handlers by job kind: ``"extract_reference"`` and ``"compare"``.

    ``render=False`` asks compare for result.json only (no videos, plots or report).

    Example
    -------
    >>> sorted(make_handlers())
    ['compare', 'extract_reference']
    """

    def extract_reference(ctx: JobContext) -> None:
        from posecoach.io import save

        ref = ctx.store.get_reference(ctx.job["reference_id"])
        if ref["pose_file"] and safe_path(ctx.data_dir, ref["pose_file"]).is_file():
            return  # a resumed job whose skeleton was stored before the server died
        video = safe_path(ctx.data_dir, ref["video_file"])
        fn = extract_fn or _default_extract()
        seq = fn(video, progress=ctx.progress)
        poses = safe_path(ctx.data_dir, "poses")
        poses.mkdir(parents=True, exist_ok=True)
        name = _free_name(poses, f"reference_{ref['id']}", ".pose.npz")
        try:
            save(seq, poses / name)  # written to a temporary name and renamed: never partial
        except Exception as exc:
            if is_disk_full(exc):
                raise disk_full(f"the skeleton of reference {ref['id']}") from exc
            raise
        try:
            ctx.store.update_reference(ref["id"], pose_file=f"poses/{name}")
        except BaseException:
            (poses / name).unlink(missing_ok=True)  # just written by this job, named by no row
            raise

    def compare(ctx: JobContext) -> None:
        job = ctx.job
        ref = ctx.store.get_reference(job["reference_id"])
        att = ctx.store.get_attempt(job["attempt_id"])
        results = safe_path(ctx.data_dir, "results")
        fn = compare_fn or _default_compare()
        options: dict[str, Any] = {} if render else {"render": False}
        if (job.get("params") or {}).get("subject") is not None:
            options["subject"] = job["params"]["subject"]  # validated when the job was queued
        try:
            tmp = make_temp_folder(results, f"job_{job['id']}")
        except Exception as exc:
            if is_disk_full(exc):
                raise disk_full(f"the result of job {job['id']}") from exc
            raise
        try:
            result = fn(
                _library(ctx, ref),
                safe_path(ctx.data_dir, att["video_file"]),
                outdir=tmp,
                progress=ctx.progress,
                **options,
            )
            data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
            data = json.loads(json.dumps(data, default=_jsonable))
            data["files"] = _relative_files(data.get("files") or {}, tmp)
            score = float(data["score"])
            if not (tmp / "result.json").exists():
                with atomic_path(tmp / "result.json") as part:
                    part.write_text(json.dumps(data, indent=1))
            name = _publish(tmp, results, f"job_{job['id']}")
        except BaseException as exc:
            _remove_temporary(tmp)
            if is_disk_full(exc):
                raise disk_full(f"the result of job {job['id']}") from exc
            raise
        try:
            ctx.store.add_result(job["id"], score, f"results/{name}", data)
        except BaseException as exc:
            if not _result_stored(ctx, job["id"]):
                # the folder this try published a moment ago; no result row names it
                shutil.rmtree(results / name, ignore_errors=True)
            if is_disk_full(exc):
                raise disk_full(f"the result of job {job['id']}") from exc
            raise

    return {"extract_reference": extract_reference, "compare": compare}


def _free_name(folder: Path, stem: str, suffix: str = "") -> str:
    """``stem + suffix``, or ``stem-2 + suffix``, ... : the first name not taken in ``folder``.

    Example
    -------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "job_1").mkdir()
    >>> _free_name(d, "job_1"), _free_name(d, "job_2")
    ('job_1-2', 'job_2')
    """
    n = 1
    while True:
        name = f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}"
        if not os.path.lexists(folder / name):
            return name
        n += 1


def _publish(tmp: Path, folder: Path, stem: str) -> str:
    """Rename the complete temporary folder ``tmp`` onto a free name in ``folder``.

    A rename onto an existing non-empty folder fails instead of replacing it, so even a
    name taken in between is never overwritten: the next free name is tried.
    """
    for _ in range(100):
        name = _free_name(folder, stem)
        try:
            os.rename(tmp, folder / name)  # our temporary folder onto a name nobody uses
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                continue  # taken since _free_name looked: try the next one
            raise
        fsync_folder(folder)
        return name
    raise InputError(f"expected a free result folder name for {stem} in {folder}, got none")


def _result_stored(ctx: JobContext, job_id: int) -> bool:
    """Whether a result row exists for the job; True when that cannot be told (keep files)."""
    try:
        return ctx.store.get_job(job_id)["result_id"] is not None
    except Exception:
        return True


def _remove_temporary(tmp: Path) -> None:
    """Remove a temporary folder this module made (refuses any other path)."""
    if is_temporary(tmp.name):
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)  # our own temporary folder (posecoach's pattern, made here)


#: A library needs this many correct executions before their spread is trusted.
LIBRARY_MIN = 3


def _library(ctx: JobContext, ref: dict[str, Any]) -> Any:
    """The reference as the user chose it, or, when the library holds at least
    :data:`LIBRARY_MIN` active references of its exercise with extracted skeletons, all
    of them (the chosen one first): the score then forgives what varies between
    correct executions."""
    chosen = safe_path(ctx.data_dir, ref["video_file"])
    exercise = (ref.get("exercise") or "").strip().lower()
    if not exercise:
        return chosen
    others = [
        r
        for r in ctx.store.list_references()
        if r["id"] != ref["id"]
        and (r.get("exercise") or "").strip().lower() == exercise
        and r.get("pose_file")
    ]
    if len(others) + 1 < LIBRARY_MIN:
        return chosen
    return [chosen, *(safe_path(ctx.data_dir, r["pose_file"]) for r in others)]


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _relative_files(files: Any, outdir: Path) -> Any:
    """Rewrite the ``files`` mapping's paths relative to the output folder.

    Example
    -------
    >>> _relative_files({"overlay": "/o/.posecoach-tmp-1/overlay.mp4", "plots": {"a": "p/a.png"}},
    ...                 Path("/o/.posecoach-tmp-1"))
    {'overlay': 'overlay.mp4', 'plots': {'a': 'p/a.png'}}
    """
    if isinstance(files, dict):
        return {k: _relative_files(v, outdir) for k, v in files.items()}
    if isinstance(files, list):
        return [_relative_files(v, outdir) for v in files]
    if isinstance(files, str) and files:
        path = Path(files)
        if path.is_absolute():
            try:
                return path.relative_to(outdir).as_posix()
            except ValueError:
                return path.name
        return path.as_posix()
    return files


def result_files(data: dict[str, Any]) -> dict[str, str]:
    """The files a result lists, by plain file name -> path relative to its folder.

    Example
    -------
    >>> result_files({"files": {"overlay": "overlay.mp4", "plots": {"s": "plots/score.png"}}})
    {'overlay.mp4': 'overlay.mp4', 'score.png': 'plots/score.png', 'result.json': 'result.json'}
    """
    names: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value:
            names[Path(value).name] = value

    walk(data.get("files", {}))
    names["result.json"] = "result.json"
    return names


def check_result_file(data: dict[str, Any], name: str) -> str:
    """The relative path of the result file called ``name``, else InputError.

    Example
    -------
    >>> check_result_file({"files": {"overlay": "overlay.mp4"}}, "../posecoach.db")
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: expected one of this result's files, got '../posecoach.db'
    """
    files = result_files(data)
    if name not in files:
        raise InputError(f"expected one of this result's files, got {name!r}")
    return files[name]
