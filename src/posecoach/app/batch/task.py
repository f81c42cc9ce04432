"""The work of one batch input, as it runs on a worker: read, extract, compare, count, classify.

:func:`run_task` is the one function every engine runs (a Dask worker, a pool process or
this process). It takes a :class:`TaskSpec` (which input) and the :class:`BatchJob` shared
by all inputs (options, the loaded references, the classifier's bytes), and returns a
:class:`TaskOutcome`: the result files as bytes plus the summary figures. It writes nothing
outside a private temporary folder, so a worker needs no access to the output folder; the
client commits the files (:mod:`posecoach.app.batch.runner`). It never raises for a bad
input: the error becomes the outcome's reason.

The steps call what the single-input commands call, with the same defaults, so a batch's
files equal theirs: ``posecoach extract`` (:func:`posecoach.app.loading.load_input`),
``posecoach compare --no-render`` (:func:`posecoach.app.compare.compare_files`),
``posecoach reps`` (:func:`posecoach.compare.autoreps.count_reps_auto`) and
``posecoach classify``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.pose import PoseSequence

__all__ = ["BatchJob", "TaskOutcome", "TaskSpec", "classify_result", "run_task"]

#: The endings of the files one input produces, by step.
POSE, RESULT, REPS, CLASSIFY = ".pose.npz", ".result.json", ".reps.json", ".classify.json"


@dataclass(frozen=True)
class TaskSpec:
    """One input to process.

    ``path`` is where the worker reads it (shared storage); with ``payload`` (the input's
    bytes: one file, or a folder's images by name) the worker writes those into a private
    temporary folder instead and never opens ``path``.
    """

    index: int
    path: str
    rel: str
    kind: str
    payload: dict[str, bytes] | None = None


@dataclass(frozen=True)
class BatchJob:
    """What every input of a batch shares: options, references, the classifier."""

    extract: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    references: tuple[PoseSequence, ...] = ()
    reps: bool = False
    classifier: bytes | None = None
    classifier_suffix: str = ".st"
    classify_smooth: float = 0.3
    classify_abstain: float = 0.5


@dataclass
class TaskOutcome:
    """What one input gave: ``files`` (ending -> bytes) and the summary figures."""

    index: int
    status: str
    reason: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    frames: int | None = None
    subject_share: float | None = None
    score: float | None = None
    reps: int | None = None
    label: str | None = None
    seconds: float = 0.0
    worker: str = ""


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _materialise(spec: TaskSpec, scratch: Path) -> Path:
    """The path to read: the input itself, or its bytes written into ``scratch``."""
    if spec.payload is None:
        return Path(spec.path)
    name = Path(spec.rel).name
    if spec.kind == "images":
        folder = scratch / name
        folder.mkdir()
        for file_name, data in spec.payload.items():
            (folder / Path(file_name).name).write_bytes(data)
        return folder
    target = scratch / name
    target.write_bytes(next(iter(spec.payload.values())))
    return target


def _load(spec: TaskSpec, job: BatchJob, scratch: Path) -> PoseSequence:
    from posecoach.app.loading import load_input
    from posecoach.extract import NoPersonWarning

    source = _materialise(spec, scratch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoPersonWarning)
        seq = load_input(source, "input", cache=job.cache, **job.extract)
    if spec.payload is not None:
        seq = seq.replace(metadata={**seq.metadata, "source": spec.path})
    if seq.n_frames == 0 or not bool(seq.visible.any()):
        raise InputError(f"no person found in any of its {seq.n_frames} frame(s)")
    return seq


_MODELS: dict[str, Any] = {}


def _classifier(job: BatchJob, scratch: Path) -> Any:
    """The job's classifier, loaded once per worker process (keyed by its bytes)."""
    from posecoach.classify import load_classifier

    assert job.classifier is not None
    key = hashlib.sha256(job.classifier).hexdigest()
    if key not in _MODELS:
        path = scratch / f"model{job.classifier_suffix}"
        path.write_bytes(job.classifier)
        _MODELS.clear()  # one batch's model at a time
        _MODELS[key] = load_classifier(path)
    return _MODELS[key]


def classify_result(
    clf: Any, seq: PoseSequence, *, smooth: float = 0.3, abstain: float = 0.5
) -> tuple[str, dict[str, Any]]:
    """What ``posecoach classify MODEL INPUT --json`` writes, and the main label.

    For a sequence model: its label. For a frame model: the label held longest.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.classify.datasets import PoseDataset
    >>> from posecoach.classify.train import fit_classifier
    >>> from posecoach.skeletons import get
    >>> rng = np.random.default_rng(0)
    >>> pos = rng.normal(size=(17, 2)) + 0.05 * rng.normal(size=(20, 17, 2))
    >>> pos[10:, 9, 1] += 1
    >>> ds = PoseDataset(pos, np.ones((20, 17)), np.array(["a"] * 10 + ["b"] * 10),
    ...                  np.arange(20).astype(str), get("coco_17"))
    >>> clf = fit_classifier(ds, model="knn")
    >>> label, data = classify_result(clf, PoseSequence(pos[:12], skeleton="coco_17"))
    >>> label, sorted(data)
    ('a', ['classes', 'frames', 'segments'])
    """
    if clf.level == "sequence":
        label, probs = clf.classify_sequence(seq)
        probabilities = dict(zip(clf.classes, map(float, probs), strict=True))
        return str(label), {"label": label, "probabilities": probabilities}
    res = clf.classify(seq, smooth_s=smooth, abstain=abstain)
    held: dict[str, float] = {}
    for s in res.segments:
        held[s.label] = held.get(s.label, 0.0) + (s.end - s.start)
    main = max(held, key=lambda k: held[k]) if held else ""
    return main, res.to_dict()


def _json(data: Any, indent: int = 2) -> bytes:
    return json.dumps(data, indent=indent).encode("utf-8")


def _steps(spec: TaskSpec, job: BatchJob, scratch: Path, out: TaskOutcome) -> None:
    import posecoach

    step = "extract"
    try:
        seq = _load(spec, job, scratch)
        out.frames = seq.n_frames
        out.subject_share = float(seq.visible.any(axis=1).mean())
        posecoach.save(seq, scratch / f"out{POSE}")
        out.files[POSE] = (scratch / f"out{POSE}").read_bytes()
        if job.references:
            step = "compare"
            from posecoach.app.compare import compare_files

            refs = list(job.references)
            result = compare_files(
                refs[0] if len(refs) == 1 else refs,
                seq,
                outdir=scratch / "compare",
                render=False,
            )
            out.score = float(result.score)
            out.files[RESULT] = (scratch / "compare" / "result.json").read_bytes()
        if job.reps:
            step = "reps"
            from posecoach.compare.autoreps import count_reps_auto

            counted = count_reps_auto(seq)
            out.reps = counted.count
            out.files[REPS] = _json(counted.to_dict())
        if job.classifier is not None:
            step = "classify"
            label, data = classify_result(
                _classifier(job, scratch),
                seq,
                smooth=job.classify_smooth,
                abstain=job.classify_abstain,
            )
            out.label = label
            out.files[CLASSIFY] = _json(data)
    except Exception as exc:
        out.status, out.files = "failed", {}
        detail = str(exc) or type(exc).__name__
        out.reason = f"{step}: {detail}" if step != "extract" else detail


def run_task(spec: TaskSpec, job: BatchJob) -> TaskOutcome:
    """Process one input; never raises for a bad input (its error is the reason).

    Example
    -------
    >>> import tempfile
    >>> bad = Path(tempfile.mkdtemp()) / "broken.mp4"
    >>> _ = bad.write_bytes(b"not a video")
    >>> out = run_task(TaskSpec(0, str(bad), "broken.mp4", "video"), BatchJob())
    >>> out.status, out.files, "broken.mp4" in out.reason
    ('failed', {}, True)
    """
    start = time.perf_counter()
    out = TaskOutcome(spec.index, "ok", worker=_worker_name())
    scratch = Path(tempfile.mkdtemp(prefix="posecoach-batch-"))
    try:
        _steps(spec, job, scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # this task's own private folder
    out.seconds = time.perf_counter() - start
    return out
