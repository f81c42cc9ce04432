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
    compare_fn: Callable[..., Any] | None = None, extract_fn: Callable[..., Any] | None = None
) -> dict[str, Callable[[JobContext], None]]:
    """Handlers by job kind: ``"extract_reference"`` and ``"compare"``."""

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
            result = fn(
                safe_path(ctx.data_dir, ref["video_file"]),
                safe_path(ctx.data_dir, att["video_file"]),
                outdir=tmp,
                progress=ctx.progress,
            )
            data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
            data = json.loads(json.dumps(data, default=_jsonable))
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
    if isinstance(value, Path):
        return value.name
    return str(value)


def result_files(data: dict[str, Any]) -> set[str]:
    """Plain file names a result's ``files`` mapping names (nested dicts flattened).

    Example
    -------
    >>> sorted(result_files({"files": {"overlay": "overlay.mp4", "plots": {"s": "score.png"}}}))
    ['overlay.mp4', 'score.png']
    """
    names: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, str) and value:
            names.add(value)

    walk(data.get("files", {}))
    return names


def check_result_file(data: dict[str, Any], name: str) -> str:
    """``name`` if the result lists it (by plain or relative name), else InputError."""
    if name not in result_files(data) and name != "result.json":
        raise InputError(f"expected one of this result's files, got {name!r}")
    return name
