"""The job handlers of the web app: extract a reference's skeleton, compare an attempt.

Each writes its output under a temporary name in the data dir and renames it into place
when complete, so an interrupted or failed job leaves no partial result behind.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.web.jobs import JobContext
from posecoach.web.uploads import safe_path

__all__ = ["make_handlers", "result_files"]


def _default_compare() -> Callable[..., Any]:
    from posecoach.compare import compare

    return compare


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
        video = safe_path(ctx.data_dir, ref["video_file"])
        fn = extract_fn or _default_extract()
        seq = fn(video, progress=ctx.progress)
        rel = f"poses/reference_{ref['id']}.pose.npz"
        save(seq, safe_path(ctx.data_dir, rel))
        ctx.store.update_reference(ref["id"], pose_file=rel)

    def compare(ctx: JobContext) -> None:
        job = ctx.job
        ref = ctx.store.get_reference(job["reference_id"])
        att = ctx.store.get_attempt(job["attempt_id"])
        rel = f"results/job_{job['id']}"
        final = safe_path(ctx.data_dir, rel)
        tmp = final.with_name(final.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)  # left over by an interrupted try
        shutil.rmtree(final, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            fn = compare_fn or _default_compare()
            options: dict[str, Any] = {} if render else {"render": False}
            result = fn(
                safe_path(ctx.data_dir, ref["video_file"]),
                safe_path(ctx.data_dir, att["video_file"]),
                outdir=tmp,
                progress=ctx.progress,
                **options,
            )
            data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
            data = json.loads(json.dumps(data, default=_jsonable))
            data["files"] = _relative_files(data.get("files") or {}, tmp)
            if not (tmp / "result.json").exists():
                (tmp / "result.json").write_text(json.dumps(data, indent=1))
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        try:
            ctx.store.add_result(job["id"], float(data["score"]), rel, data)
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise

    return {"extract_reference": extract_reference, "compare": compare}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _relative_files(files: Any, outdir: Path) -> Any:
    """Rewrite the ``files`` mapping's paths relative to the output folder.

    Example
    -------
    >>> _relative_files({"overlay": "/o/x.partial/overlay.mp4", "plots": {"a": "p/a.png"}},
    ...                 Path("/o/x.partial"))
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
