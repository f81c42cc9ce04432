"""Benchmark of compare: scoring speed and memory, DTW accuracy cost, overlay rendering speed.

Run: ``.venv/bin/python bench/compare.py [--quick]``

1. DTW variants side by side on sequences short enough for exact DTW: exact, banded
   (Sakoe-Chiba, 5 % of the length) and coarse-to-fine (forced with a small cell budget).
   Accuracy cost = path cost relative to exact, and mean / max distance (frames) between
   the reference frame each attempt frame is matched to and the exact path's match.
2. The full scoring pipeline (``compare(...)``: features, DTW, alignment,
   scores, cues, corrected pose) on a 10-minute attempt against a 10-minute reference at
   30 fps (18,000 × 18,000 frames, poses already extracted), with wall time and peak
   memory (tracemalloc peak of Python/numpy allocations, and the growth of the process'
   max RSS).
3. Rendering speed of overlay.mp4 and side_by_side.mp4 on the Pose2Sim demo (1080×1920,
   60 fps), as a multiple of the video's duration (< 1 is faster than real time).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from posecoach.pose import PoseSequence

warnings.filterwarnings("ignore")


def squatter(n: int, fps: float, rng: np.random.Generator, warp: float = 0.0) -> PoseSequence:
    """A noisy COCO-17 figure doing squats (one every ~3 s), optionally time-warped."""
    from posecoach import PoseSequence

    t = np.arange(n) / fps
    if warp:
        t = t + warp * np.sin(2 * np.pi * t / 47.0) * 3.0  # drifts up to ±warp*3 s
    phase = t / 3.0
    bend = 90 * np.sin(np.pi * phase) ** 2
    p = np.zeros((n, 17, 2))
    hip = np.stack([np.full(n, 300.0), 400 + 60 * bend / 90], axis=1)
    p[:, 11], p[:, 12] = hip - np.array([20, 0]), hip + np.array([20, 0])

    def limb(start, ang, length):
        a = np.radians(ang)
        return start + length * np.stack([np.sin(a), np.cos(a)], axis=-1)

    lean = 0.3 * bend
    p[:, 5], p[:, 6] = limb(p[:, 11], 180 - lean, 120), limb(p[:, 12], 180 - lean, 120)
    p[:, 7], p[:, 8] = limb(p[:, 5], 10 + bend / 2, 70), limb(p[:, 6], 10 + bend / 2, 70)
    p[:, 9], p[:, 10] = limb(p[:, 7], 10 + bend, 60), limb(p[:, 8], 10 + bend, 60)
    p[:, 13], p[:, 14] = limb(p[:, 11], -bend / 2, 100), limb(p[:, 12], -bend / 2, 100)
    p[:, 15], p[:, 16] = limb(p[:, 13], bend / 2, 100), limb(p[:, 14], bend / 2, 100)
    p[:, 0] = limb((p[:, 5] + p[:, 6]) / 2, 180 - lean, 40)
    p[:, 1:5] = p[:, [0]]
    p += rng.normal(0, 2.0, p.shape)
    return PoseSequence(p, skeleton="coco_17", fps=fps, image_size=(1280, 720))


def matched_ref(path: np.ndarray, n_att: int) -> np.ndarray:
    out = np.zeros(n_att)
    for j in range(n_att):
        out[j] = path[path[:, 1] == j, 0].mean()
    return out


def bench_dtw(sizes: list[int]) -> None:
    from posecoach.compare.temporal import dtw_path, pose_features

    rng = np.random.default_rng(0)
    print("1. DTW variants (features of 13 COCO joints x 2 = 26 dims)")
    print(
        f"{'frames':>7} {'variant':<15}{'time s':>9}{'x exact':>9}{'peak MB':>9}"
        f"{'cost/exact':>11}{'mean dev':>9}{'max dev':>8}"
    )
    for n in sizes:
        # Same movement and duration, attempt at 33 fps and time-warped.
        a = pose_features(squatter(n, 30, rng))
        b = pose_features(squatter(int(n * 1.1), 33, rng, warp=0.3))
        rows = []
        variants: tuple[tuple[str, dict[str, Any]], ...] = (
            ("exact", {}),
            ("band 5%", {"band": max(2, n // 20)}),
            ("coarse-to-fine", {"max_cells": max(10_000, (n * n) // 64), "block": 250}),
        )
        for name, kwargs in variants:
            t0 = time.perf_counter()
            path, cost = dtw_path(a, b, **kwargs)
            dt = time.perf_counter() - t0
            tracemalloc.start()  # memory in a second run: tracing slows Python code
            dtw_path(a, b, **kwargs)
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
            rows.append((name, dt, peak, cost, matched_ref(path, len(b))))
        exact_t, exact_c, exact_m = rows[0][1], rows[0][3], rows[0][4]
        for name, dt, peak, cost, m in rows:
            dev = np.abs(m - exact_m)
            print(
                f"{n:>7} {name:<15}{dt:>9.3f}{dt / exact_t:>9.2f}{peak:>9.1f}"
                f"{cost / exact_c:>11.4f}{dev.mean():>9.2f}{dev.max():>8.1f}"
            )


def bench_scoring(n: int) -> None:
    from posecoach.compare import compare
    from posecoach.compare.temporal import dtw_path, pose_features

    rng = np.random.default_rng(1)
    ref = squatter(n, 30, rng)
    att = squatter(n, 30, rng, warp=0.3)
    print(f"\n2. Scoring {n} x {n} frames ({n / 30 / 60:.0f} min at 30 fps), poses given")
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    a, b = pose_features(ref), pose_features(att)
    t0, c0 = time.perf_counter(), time.process_time()
    _, cost = dtw_path(a, b)
    t_dtw, c_dtw = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    result = compare(ref, att, reps=False)
    t_all, c_all = time.perf_counter() - t0, time.process_time() - c0
    tracemalloc.start()  # memory in second runs: tracing slows Python code
    dtw_path(a, b)
    peak_dtw = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    tracemalloc.start()
    compare(ref, att, reps=False)
    peak_all = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    full_gb = (n + 1) ** 2 * 8 / 1e9
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores: CPU time is what the work costs)")
    print(f"{'step':<36}{'wall s':>8}{'CPU s':>8}{'peak MB':>9}")
    print(f"{'DTW only (coarse-to-fine)':<36}{t_dtw:>8.2f}{c_dtw:>8.2f}{peak_dtw:>9.0f}")
    print(f"{'compare(), whole chain':<36}{t_all:>8.2f}{c_all:>8.2f}{peak_all:>9.0f}")
    print(
        f"process max RSS grew {rss1 - rss0:.0f} MB; a full float64 cost matrix would be "
        f"{full_gb:.1f} GB; score {result.score:.1f}, DTW cost {cost:.3f}"
    )
    print(
        f"targets: < 2 s -> wall {'met' if t_all < 2 else 'NOT met'}, CPU "
        f"{'met' if c_all < 2 else 'NOT met'}; < 1 GB -> "
        f"{'met' if peak_all < 1000 else 'NOT met'}"
    )


def bench_render() -> None:
    try:
        from posecoach.app.compare import compare_files
        from posecoach.sample_data import fetch
        from posecoach.video import probe_video

        samples = fetch()
    except Exception as exc:
        print(f"\n3. Rendering skipped: sample videos unavailable ({exc})")
        return
    from posecoach.render.video import render_overlay, render_side_by_side

    ref_video, att_video = samples["single/cam01"], samples["multi/cam03"]
    result = compare_files(ref_video, att_video)  # poses cached after first run
    duration = probe_video(att_video).duration
    fs = result.frames
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        render_overlay(
            att_video,
            result.attempt,
            result.reference,
            fs.joint_errors,
            fs.scores,
            [c.to_dict() for c in result.cues],
            Path(tmp) / "overlay.mp4",
            corrected=result.corrected,
        )
        t_overlay = time.perf_counter() - t0
        from posecoach import load  # noqa: F401  (keeps the import cost out of the timing)

        t0 = time.perf_counter()
        render_side_by_side(
            ref_video,
            att_video,
            _ref_pixels(result, ref_video),
            result.attempt,
            result.path,
            Path(tmp) / "side_by_side.mp4",
        )
        t_sbs = time.perf_counter() - t0
    print(f"\n3. Rendering on the Pose2Sim demo ({duration:.2f} s of 1080x1920 video at 60 fps)")
    print(f"{'output':<20}{'time s':>8}{'x video duration':>18}")
    print(f"{'overlay.mp4':<20}{t_overlay:>8.2f}{t_overlay / duration:>18.2f}")
    print(f"{'side_by_side.mp4':<20}{t_sbs:>8.2f}{t_sbs / duration:>18.2f}")


def _ref_pixels(result, ref_video):
    from posecoach import extract

    seq = extract(ref_video, cache=True)
    names = list(result.attempt.skeleton.names)
    seq = seq.select_joints(names)
    return seq.replace(positions=seq.positions[..., :2], skeleton=result.attempt.skeleton)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller sizes.")
    parser.add_argument("--no-render", action="store_true", help="Skip the rendering part.")
    args = parser.parse_args()
    bench_dtw([500, 1000] if args.quick else [1000, 2000, 4000])
    bench_scoring(3000 if args.quick else 18_000)
    if not args.no_render:
        bench_render()
    return 0


if __name__ == "__main__":
    sys.exit(main())
