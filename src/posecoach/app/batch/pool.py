"""Extraction of many videos in a local process pool: the former batch method.

A local :class:`concurrent.futures.ProcessPoolExecutor` (spawned processes: MediaPipe's
threads do not survive ``fork``) runs one video per worker into ``outdir/<name>.pose.npz``.
``posecoach batch`` now runs :func:`posecoach.app.batch.run_batch` (Dask distributed,
resumable, summarised); this function stays as the benchmark's baseline (``bench/batch.py``).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.app.outputs import OutputFolder
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
    force: bool = False,
    **options: Any,
) -> list[BatchItem]:
    """Extract every input into ``outdir/<name>.pose.npz`` using ``workers`` processes.

    A failing input does not stop the others; its :class:`BatchItem` carries the error.
    ``options`` go to :func:`posecoach.extract.extract` (``subject``, ``smooth``, ...).
    ``outdir`` follows the output-folder rule (:mod:`posecoach.app.outputs`): a folder
    holding files posecoach did not write is refused unless ``force``, and each finished
    file is committed into it on its own, replacing only posecoach's earlier files.

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
    folder = OutputFolder(outdir, force=force, tool="batch")
    names = output_names(paths)
    targets = [folder.path / n for n in names]
    results: dict[int, BatchItem] = {}
    staged: dict[int, Path] = {}

    def finish(i: int, error: BaseException | None) -> None:
        try:
            if error is None:
                folder.commit(staged[i], replace_all=False)
                results[i] = BatchItem(paths[i], targets[i])
            else:
                folder.discard(staged[i])
                results[i] = BatchItem(paths[i], None, f"{type(error).__name__}: {error}")
        except Exception as exc:  # e.g. a user's file of that name appeared meanwhile
            folder.discard(staged[i])
            results[i] = BatchItem(paths[i], None, f"{type(exc).__name__}: {exc}")
        if progress:
            progress(len(results), len(paths))

    try:
        if workers == 1:
            for i, src in enumerate(paths):
                staged[i] = folder.staging()
                try:
                    _extract_one(str(src), str(staged[i] / names[i]), options)
                except Exception as exc:
                    finish(i, exc)
                else:
                    finish(i, None)
        else:
            ctx = multiprocessing.get_context("spawn")
            n_workers = min(workers, len(paths))
            with ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool:
                futures = {}
                for i, src in enumerate(paths):
                    staged[i] = folder.staging()
                    job = pool.submit(_extract_one, str(src), str(staged[i] / names[i]), options)
                    futures[job] = i
                for fut in as_completed(futures):
                    finish(futures[fut], fut.exception())
    finally:
        for i, tmp in staged.items():
            if i not in results:
                folder.discard(tmp)
    return [results[i] for i in range(len(paths))]
