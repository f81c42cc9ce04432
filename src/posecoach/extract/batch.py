"""Extraction of many videos in parallel worker processes.

A local :class:`concurrent.futures.ProcessPoolExecutor` (spawned processes: MediaPipe's
threads do not survive ``fork``) runs one video per worker, so two workers keep both cores
of a small machine busy. Scaling out over several machines (Dask distributed, Ray) would
submit the same per-video function; that is not wired in here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import InputError

__all__ = ["BatchItem", "extract_batch", "output_names"]


@dataclass(frozen=True)
class BatchItem:
    """Outcome for one input: the output path, or the error message."""

    source: Path
    output: Path | None
    error: str | None = None


def output_names(sources: Sequence[str | Path], suffix: str = ".pose.npz") -> list[str]:
    """Distinct output file names: the stem, prefixed by parent folders when stems clash.

    Example
    -------
    >>> output_names(["a/single/cam01.mp4", "a/multi/cam01.mp4", "b/x.mov"])
    ['single_cam01.pose.npz', 'multi_cam01.pose.npz', 'x.pose.npz']
    """
    paths = [Path(s) for s in sources]
    stems = [p.stem for p in paths]
    names = []
    for p, stem in zip(paths, stems, strict=True):
        if stems.count(stem) > 1:
            names.append(f"{p.parent.name}_{stem}{suffix}")
        else:
            names.append(f"{stem}{suffix}")
    if len(set(names)) != len(names):
        raise InputError(f"expected inputs with distinct names, got {[str(p) for p in paths]}")
    return names


def _extract_one(source: str, output: str, options: dict[str, Any]) -> str:
    import posecoach
    from posecoach.extract import extract

    seq = extract(source, **options)
    posecoach.save(seq, output)
    return output


def extract_batch(
    sources: Sequence[str | Path],
    outdir: str | Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    **options: Any,
) -> list[BatchItem]:
    """Extract every input into ``outdir/<name>.pose.npz`` using ``workers`` processes.

    A failing input does not stop the others; its :class:`BatchItem` carries the error.
    ``options`` go to :func:`posecoach.extract.extract` (``subject``, ``smooth``, ...).

    Example
    -------
    >>> extract_batch([], "/tmp/none")
    []
    """
    if workers < 1:
        raise InputError(f"expected workers >= 1, got {workers}")
    paths = [Path(s) for s in sources]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise InputError(f"expected existing inputs, got missing {missing}")
    if not paths:
        return []
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    targets = [out / n for n in output_names(paths)]
    results: dict[int, BatchItem] = {}
    done = 0
    if workers == 1:
        for i, (src, dst) in enumerate(zip(paths, targets, strict=True)):
            try:
                _extract_one(str(src), str(dst), options)
                results[i] = BatchItem(src, dst)
            except Exception as exc:
                results[i] = BatchItem(src, None, f"{type(exc).__name__}: {exc}")
            done += 1
            if progress:
                progress(done, len(paths))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=ctx) as pool:
            futures = {
                pool.submit(_extract_one, str(s), str(d), options): i
                for i, (s, d) in enumerate(zip(paths, targets, strict=True))
            }
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    fut.result()
                    results[i] = BatchItem(paths[i], targets[i])
                except Exception as exc:
                    results[i] = BatchItem(paths[i], None, f"{type(exc).__name__}: {exc}")
                done += 1
                if progress:
                    progress(done, len(paths))
    return [results[i] for i in range(len(paths))]
