"""Batches of the 8 Pose2Sim demo clips (1080x1920, 100 frames each): Dask against the pool.

Side by side in one run (extraction only, the extraction cache off, so every clip is real
work), each configuration timed as the wall time of the whole call (workers started, the
clips extracted, the results committed):

- ``old pool``: the former method, :func:`posecoach.app.batch.extract_batch` (1 worker: in
  this process; 2: a spawned process pool) — always the competitor;
- ``pool``: :func:`run_batch` with ``engine="pool"`` (the new task, the old kind of pool);
- ``dask local``: :func:`run_batch` on a local Dask cluster (started and stopped by the call);
- ``dask loopback``: :func:`run_batch` with ``--scheduler`` on a running cluster (a
  ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1, started before timing:
  an existing cluster); with ``--transfer bytes`` too.

Printed: wall seconds, frames/s, speed-up of 2 workers over 1 (target >= 1.6 on 2 cores),
Dask's overhead against the plain pool at 2 workers (target <= 10 %); then the fixed costs
(8 pose files, no model: starting the workers and a task's round trip) and what a new
worker pays once (importing posecoach and MediaPipe, loading the model). The 1-minute
load average is printed beside each figure: the other engineer's work shows there.

The machine is shared with other work: numbers move with its load. Run it more than once
(``--rounds``); every round is printed, then the best of each configuration.

Usage: ``python bench/batch.py [--rounds 2] [--clips 8]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

CLIPS = [f"{take}/cam0{i}" for take in ("single", "multi") for i in range(1, 5)]


def _run_old(paths: list[Path], workers: int) -> float:
    from posecoach.app.batch import extract_batch

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        items = extract_batch(paths, out, workers=workers, cache=False)
        seconds = time.perf_counter() - t0
    assert all(i.error is None for i in items), [i.error for i in items]
    return seconds


def _run_new(paths: list[Path], **options: object) -> float:
    from posecoach.app.batch import run_batch

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        report = run_batch(paths, out, cache=False, **options)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
    assert all(r.status == "ok" for r in report.rows), [r.reason for r in report.rows]
    return seconds


def _small_inputs(folder: Path, n: int) -> tuple[list[Path], list[Path]]:
    """``n`` synthetic pose files and ``n`` distinct small images (no cache hit)."""
    import cv2
    import numpy as np

    import posecoach
    from posecoach.classify.synthetic import exercise_sequence

    poses, images = [], []
    for i in range(n):
        poses.append(folder / f"p{i}.pose.npz")
        posecoach.save(exercise_sequence(2, rng=np.random.default_rng(i))[0], poses[-1])
        images.append(folder / f"i{i}.png")
        cv2.imwrite(str(images[-1]), np.full((240, 320, 3), 20 + 10 * i, np.uint8))
    return poses, images


def _fixed_costs(folder: Path) -> None:
    """What does not depend on the clips: starting the workers, a task's round trip, and
    the first pose-model load on a new worker."""
    from posecoach.app.batch import run_batch
    from posecoach.app.batch.loopback import LoopbackCluster

    poses, images = _small_inputs(folder, 8)
    print("\nfixed costs: 8 pose files (no model), wall s of the whole call")
    for name, options in (
        ("inline", {"engine": "inline"}),
        ("pool 2", {"engine": "pool", "workers": 2}),
        ("dask local 2", {"engine": "dask", "workers": 2}),
    ):
        print(f"  {name:<22} {_run_new(poses, **options):6.2f} s  {_load()}", flush=True)
    with LoopbackCluster(2) as cluster:
        t = _run_new(poses, scheduler=cluster.address)
        print(f"  {'dask loopback 2':<22} {t:6.2f} s  (cluster running before) {_load()}")
    with tempfile.TemporaryDirectory() as out:
        report = run_batch(images, out, engine="dask", workers=1, cache=False)
    sec = [r.seconds or 0.0 for r in report.rows]
    rest = statistics.median(sec[1:])
    print(f"  first image on a new worker {sec[0]:.2f} s, the next ones {rest:.2f} s:")
    print(f"  {sec[0] - rest:.2f} s to import posecoach + MediaPipe and load the model, once")


def _load() -> str:
    return f"(load {os.getloadavg()[0]:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clips", type=int, default=8)
    args = parser.parse_args()

    from posecoach.app.batch.loopback import LoopbackCluster
    from posecoach.sample_data import fetch

    videos = fetch()
    paths = [videos[k] for k in CLIPS[: args.clips]]
    n_frames = 100 * len(paths)
    results: dict[str, list[float]] = defaultdict(list)
    print(f"{len(paths)} clips, {n_frames} frames, {os.cpu_count()} cores (machine shared)")
    for rnd in range(1, args.rounds + 1):
        runs: list[tuple[str, Callable[[], float]]] = []
        for w in (1, 2):
            runs += [
                (f"old pool {w}", lambda w=w: _run_old(paths, w)),  # type: ignore[misc]
                (f"pool {w}", lambda w=w: _run_new(paths, engine="pool", workers=w)),  # type: ignore[misc]
                (f"dask local {w}", lambda w=w: _run_new(paths, engine="dask", workers=w)),  # type: ignore[misc]
            ]
        for name, run in runs:
            results[name].append(run())
            print(f"round {rnd}: {name:<22} {results[name][-1]:6.1f} s {_load()}", flush=True)
        for w in (1, 2):
            with tempfile.TemporaryDirectory() as logs, LoopbackCluster(w, log_dir=logs) as c:
                for transfer in ("path", "bytes"):
                    name = f"dask loopback {transfer} {w}"
                    results[name].append(_run_new(paths, scheduler=c.address, transfer=transfer))
                    print(
                        f"round {rnd}: {name:<22} {results[name][-1]:6.1f} s {_load()}", flush=True
                    )

    best = {name: min(times) for name, times in results.items()}
    print(f"\nbest of {args.rounds} rounds")
    print(f"{'configuration':<24} {'wall s':>7} {'frames/s':>9} {'2 vs 1':>7}")
    for name, t in best.items():
        base = name.rsplit(" ", 1)[0]
        pair = f"{best[base + ' 1'] / t:7.2f}" if name.endswith(" 2") else ""
        print(f"{name:<24} {t:7.1f} {n_frames / t:9.1f} {pair:>7}")
    old2 = best["old pool 2"]
    for name in ("pool 2", "dask local 2", "dask loopback path 2", "dask loopback bytes 2"):
        print(
            f"{name} / old pool 2: {best[name] / old2:.3f} ({100 * (best[name] / old2 - 1):+.1f} %)"
        )
    print(f"dask local 2 / pool 2: {best['dask local 2'] / best['pool 2']:.3f}")
    with tempfile.TemporaryDirectory() as scratch:
        _fixed_costs(Path(scratch))


if __name__ == "__main__":
    main()
