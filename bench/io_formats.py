"""Pose file formats side by side: write time, read time, size and exactness.

Run: ``.venv/bin/python bench/io_formats.py [minutes]`` (default 10 minutes of 30 fps
BlazePose-33 poses with 3D image coordinates, world landmarks and 5 % missing joints).

Every writable format writes and reads the same sequence in one run; the table gives
absolute figures and ratios to the native ``.pose.npz``, plus the largest coordinate
difference after the round trip on the joints the format keeps (0 = lossless).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from posecoach import PoseSequence
from posecoach.io import load_all, save

CASES = [
    ("native .pose.npz", "a.pose.npz", "auto"),
    ("native .pose.json", "a.pose.json", "auto"),
    ("wide CSV", "a.csv", "auto"),
    ("MediaPipe CSV", "a.mediapipe.csv", "auto"),
    ("MediaPipe JSON", "a.mediapipe.json", "auto"),
    ("COCO results", "a.coco.json", "auto"),
    ("OpenPose folder", "openpose", "openpose"),
]


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.iterdir())
    return path.stat().st_size


def _sequence(minutes: float) -> PoseSequence:
    rng = np.random.default_rng(0)
    t = int(minutes * 60 * 30)
    pos = rng.uniform(0.05, 0.95, (t, 33, 3))
    pos[rng.random((t, 33)) < 0.05] = np.nan
    return PoseSequence(
        pos,
        rng.uniform(0, 1, (t, 33)),
        skeleton="blazepose_33",
        fps=30,
        space="normalized",
        world=rng.normal(0, 0.5, (t, 33, 3)),
    )


def _max_error(seq: PoseSequence, people: list[PoseSequence]) -> float:
    back = people[0]
    if len(people) > 1:  # COCO: one pose per frame
        back = back.replace(positions=np.concatenate([p.positions for p in people]))
    names = [n for n in back.skeleton.names if seq.skeleton.has(n)]
    d = min(seq.dims, back.dims)
    a = seq.positions[:, seq.skeleton.indices(names), :d]
    b = back.positions[:, back.skeleton.indices(names), :d]
    both = np.isfinite(a) & np.isfinite(b)
    if (np.isfinite(a) != np.isfinite(b)).any():
        return float("inf")
    return float(np.abs(a[both] - b[both]).max())


def main(minutes: float = 10.0) -> None:
    seq = _sequence(minutes)
    print(f"{seq.n_frames} frames x 33 joints x 3 (+ world), {minutes:g} min at 30 fps\n")
    rows = []
    workdir = Path(tempfile.mkdtemp(prefix="posecoach-bench-io-"))
    try:
        for label, name, fmt in CASES:
            path = workdir / name
            t0 = time.perf_counter()
            save(seq, path, format=fmt)
            t_write = time.perf_counter() - t0
            t0 = time.perf_counter()
            people = load_all(path)
            t_read = time.perf_counter() - t0
            rows.append((label, t_write, t_read, _size(path), _max_error(seq, people)))
    finally:
        shutil.rmtree(workdir)
    base = rows[0]
    print(
        f"{'format':<20} {'write s':>8} {'x npz':>7} {'read s':>8} {'x npz':>7} "
        f"{'size MB':>8} {'x npz':>7} {'max |err|':>10}"
    )
    for label, tw, tr, size, err in rows:
        print(
            f"{label:<20} {tw:8.2f} {tw / base[1]:7.1f} {tr:8.2f} {tr / base[2]:7.1f} "
            f"{size / 1e6:8.1f} {size / base[3]:7.1f} {err:10.2g}"
        )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 10.0)
