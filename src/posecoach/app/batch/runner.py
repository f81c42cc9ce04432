"""``run_batch``: many inputs, one call: find, skip what is done, run, commit, summarise.

1. :func:`~posecoach.app.batch.inputs.find_inputs` expands the arguments; the output
   folder is checked by the output-folder rule (:class:`~posecoach.app.outputs.
   OutputFolder`, tool ``batch``) before any work;
2. each input's key (content + options, :mod:`posecoach.app.batch.resume`) is compared
   with the record a previous run left: a finished input is ``skipped``;
3. the rest run on an engine (:mod:`posecoach.app.batch.engines`); each outcome is
   committed on its own as soon as it arrives (its files and its record in one step,
   replacing only posecoach's earlier files), so a killed batch keeps every input
   finished before the kill and a re-run continues from there;
4. ``summary.csv`` and ``summary.json`` are committed last; with a ``sessions`` sink the
   compared inputs are stored as sessions (:mod:`posecoach.app.batch.sessions`).

Example
-------
>>> import tempfile
>>> from posecoach.classify.synthetic import exercise_sequence
>>> import numpy as np, posecoach
>>> d = Path(tempfile.mkdtemp())
>>> posecoach.save(exercise_sequence(2, rng=np.random.default_rng(0))[0], d / "in" / "a.pose.npz")
>>> report = run_batch([d / "in"], d / "out", engine="inline", reps=True)
>>> [(r.output, r.status, r.reps) for r in report.rows]
[('a', 'ok', 2)]
>>> again = run_batch([d / "in"], d / "out", engine="inline", reps=True)
>>> [(r.status, r.reason) for r in again.rows]
[('skipped', 'done before (same content and options)')]
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.app.batch.engines import get_engine
from posecoach.app.batch.inputs import BatchInput, find_inputs, output_stems
from posecoach.app.batch.resume import finished_record, input_key, record_name
from posecoach.app.batch.summary import Row, write_summary
from posecoach.app.batch.task import BatchJob, TaskOutcome, TaskSpec
from posecoach.app.outputs import OutputFolder, read_manifest
from posecoach.atomic import atomic_path
from posecoach.errors import InputError
from posecoach.pose import PoseSequence

__all__ = ["BatchReport", "run_batch"]

SKIPPED = "done before (same content and options)"
TRANSFERS = ("path", "bytes")


@dataclass
class BatchReport:
    """What a batch did: one row per input (in input order) and where it ran."""

    rows: list[Row]
    outdir: Path
    engine: str
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _row(item: BatchInput, stem: str, out: TaskOutcome) -> Row:
    return Row(
        input=str(item.path),
        output=stem,
        status=out.status,
        reason=out.reason,
        frames=out.frames,
        subject_share=_finite(out.subject_share),
        score=_finite(out.score),
        reps=out.reps,
        label=out.label,
        seconds=round(out.seconds, 3),
        worker=out.worker,
    )


def _payload(item: BatchInput) -> dict[str, bytes]:
    if item.kind == "images":
        from posecoach.video import list_images

        return {p.name: p.read_bytes() for p in list_images(item.path)}
    return {item.path.name: item.path.read_bytes()}


def _digest(source: Any) -> str:
    """The content digest of a reference: a file's or folder's bytes, or a pose's arrays."""
    from posecoach.extract.cache import content_digest

    if isinstance(source, PoseSequence):
        h = hashlib.sha256(np.ascontiguousarray(source.positions).tobytes())
        h.update(np.ascontiguousarray(source.confidence).tobytes())
        return h.hexdigest()
    return content_digest(Path(source))


def _prepare_job(
    compare_to: Any,
    reference_subject: Any,
    reps: bool,
    classify: str | os.PathLike[str] | None,
    classify_smooth: float,
    classify_abstain: float,
    extract: dict[str, Any],
    cache: bool,
) -> tuple[BatchJob, dict[str, Any]]:
    """The shared part of every task, and the fingerprint that goes into every key."""
    from posecoach.extract.cache import content_digest

    fingerprint: dict[str, Any] = {"extract": extract, "reps": reps}
    references: tuple[Any, ...] = ()
    if compare_to is not None:
        from posecoach.app.compare import reference_sources
        from posecoach.app.loading import load_input

        sources = reference_sources(compare_to)
        references = tuple(load_input(s, "reference", subject=reference_subject) for s in sources)
        fingerprint["references"] = [_digest(s) for s in sources]
        fingerprint["reference_subject"] = reference_subject
    model = None
    suffix = ".st"
    if classify is not None:
        path = Path(classify)
        if not path.is_file():
            raise InputError(f"classifier {path}: no such file")
        from posecoach.classify import load_classifier

        load_classifier(path)  # a bad model fails the batch at once, not every input
        model, suffix = path.read_bytes(), "".join(path.suffixes) or ".st"
        fingerprint["classifier"] = content_digest(path)
        fingerprint["classify"] = [classify_smooth, classify_abstain]
    job = BatchJob(
        extract=extract,
        cache=cache,
        references=references,
        reps=reps,
        classifier=model,
        classifier_suffix=suffix,
        classify_smooth=classify_smooth,
        classify_abstain=classify_abstain,
    )
    return job, fingerprint


def run_batch(
    inputs: Sequence[str | os.PathLike[str]],
    outdir: str | os.PathLike[str],
    *,
    engine: str = "dask",
    workers: int | None = None,
    scheduler: str | None = None,
    memory_limit: str | None = None,
    transfer: str = "path",
    compare_to: Any = None,
    reference_subject: Any = "longest",
    reps: bool = False,
    classify: str | os.PathLike[str] | None = None,
    classify_smooth: float = 0.3,
    classify_abstain: float = 0.5,
    cache: bool = True,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    on_row: Callable[[Row], None] | None = None,
    sessions: Any = None,
    **extract: Any,
) -> BatchReport:
    """Process every input the arguments name; return one row per input.

    Parameters
    ----------
    inputs
        Files, folders (searched recursively) and globs
        (:func:`~posecoach.app.batch.inputs.find_inputs`).
    outdir
        Output folder: ``<stem>.pose.npz`` (and ``.result.json``, ``.reps.json``,
        ``.classify.json``) per input, mirroring the input tree, plus ``summary.csv`` and
        ``summary.json``.
    engine, workers, scheduler, memory_limit
        Where tasks run (:func:`~posecoach.app.batch.engines.get_engine`).
    transfer
        ``"path"``: workers read each input by its path (shared storage); ``"bytes"``:
        the client reads it and sends its bytes to the worker.
    compare_to, reference_subject
        Compare each input with this reference or library (as ``posecoach compare``).
    reps
        Count repetitions automatically (as ``posecoach reps``).
    classify, classify_smooth, classify_abstain
        A classifier model file, as ``posecoach classify``.
    cache
        Reuse the extraction cache (on each worker's machine).
    force
        Redo inputs finished before, and write into a folder that holds other files
        (beside them; nothing posecoach did not write is replaced).
    progress
        ``callback(done, total)`` after each input.
    on_row
        ``callback(row)`` after each input.
    sessions
        An object with ``record(row, result, key)`` (e.g. :class:`~posecoach.app.batch.
        sessions.StoreSessions`) told about each compared input.
    extract
        Options of :func:`posecoach.extract.extract` (``subject``, ``smooth``, ...).

    Raises
    ------
    InputError
        No inputs, an unreadable reference or classifier, an unknown engine or transfer.
    OutputFolderError
        ``outdir`` may not be written (checked before any work).
    """
    from posecoach.extract.cache import content_digest

    start = time.perf_counter()
    if transfer not in TRANSFERS:
        raise InputError(f"expected transfer path or bytes, got {transfer!r}")
    runner = get_engine(engine, workers=workers, scheduler=scheduler, memory_limit=memory_limit)
    folder = OutputFolder(outdir, force=force, tool="batch")
    items = find_inputs(inputs, exclude=[folder.path])
    stems = output_stems(items)
    job, fingerprint = _prepare_job(
        compare_to,
        reference_subject,
        reps,
        classify,
        classify_smooth,
        classify_abstain,
        extract,
        cache,
    )
    manifest = read_manifest(folder.path) if folder.path.exists() else None
    rows: dict[int, Row] = {}
    keys: dict[int, str] = {}
    todo: list[int] = []

    def done(i: int, row: Row, result: dict[str, Any] | None = None) -> None:
        rows[i] = row
        if sessions is not None and row.status != "failed" and row.score is not None:
            sessions.record(row, result, keys.get(i, ""))
        if on_row is not None:
            on_row(row)
        if progress is not None:
            progress(len(rows), len(items))

    for i, (item, stem) in enumerate(zip(items, stems, strict=True)):
        try:
            keys[i] = input_key(content_digest(item.path), fingerprint)
        except OSError as exc:
            done(i, Row(str(item.path), stem, "failed", f"cannot read it: {exc}"))
            continue
        record = None if force else finished_record(folder.path, manifest, stem, keys[i])
        if record is None:
            todo.append(i)
            continue
        row = Row.from_dict({**record.get("row", {}), "status": "skipped", "reason": SKIPPED})
        done(i, row, _stored_result(folder.path, record))

    def specs() -> Iterator[TaskSpec]:
        for i in todo:
            item = items[i]
            payload = None
            if transfer == "bytes":
                try:
                    payload = _payload(item)
                except OSError as exc:
                    done(i, Row(str(item.path), stems[i], "failed", f"cannot read it: {exc}"))
                    continue
            yield TaskSpec(i, str(item.path), item.rel, item.kind, payload)

    description = ""
    if todo:
        with runner:
            description = runner.describe()
            for spec, outcome in runner.run(specs(), job):
                i = spec.index
                row = _row(items[i], stems[i], outcome)
                result = None
                if outcome.status == "ok":
                    row, result = _commit(folder, items[i], stems[i], keys[i], row, outcome)
                done(i, row, result)
    ordered = [rows[i] for i in range(len(items))]
    info = {
        "format": "posecoach-batch-summary",
        "engine": engine,
        "ran_on": description or "nothing to run",
        "transfer": transfer,
        "options": fingerprint,
        "seconds": round(time.perf_counter() - start, 3),
    }
    with folder.transaction(replace_all=False, protect=[i.path for i in items]) as staging:
        write_summary(staging, ordered, info)
    return BatchReport(ordered, folder.path, description, time.perf_counter() - start, info)


def _stored_result(folder: Path, record: dict[str, Any]) -> dict[str, Any] | None:
    name = next((f for f in record.get("files", []) if str(f).endswith(".result.json")), None)
    if name is None:
        return None
    try:
        data = json.loads((folder / str(name)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _commit(
    folder: OutputFolder, item: BatchInput, stem: str, key: str, row: Row, out: TaskOutcome
) -> tuple[Row, dict[str, Any] | None]:
    """Commit one input's files and record in one step; a refusal fails only this input."""
    staging = folder.staging()
    try:
        names = []
        for suffix, data in out.files.items():
            names.append(stem + suffix)
            with atomic_path(staging / names[-1]) as tmp:
                tmp.write_bytes(data)
        record = {"key": key, "input": str(item.path), "files": names, "row": row.to_dict()}
        with atomic_path(staging / record_name(stem)) as tmp:
            tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        folder.commit(staging, replace_all=False, protect=[item.path])
    except Exception as exc:
        folder.discard(staging)
        row.status, row.reason = "failed", str(exc) or type(exc).__name__
        return row, None
    result_bytes = out.files.get(".result.json")
    return row, json.loads(result_bytes) if result_bytes else None
