"""Throughput of pose extraction on the Pose2Sim demo videos (1080x1920, 100 frames).

Side by side in one run, per video (best of ``--repeat`` runs each, interleaved):
- bare model loop: MediaPipe ``Pose(static_image_mode=False, model_complexity=1)`` on frames
  decoded beforehand (decoding not timed) — the ceiling;
- serial: decode a frame, run the model, repeat (no overlap);
- ``extract(subject=None)``: full pipeline (threaded decode + model + NaN rows + build);
- ``extract(subject="largest")``: plus people finding on the first frame, crop tracking and
  the identity check.
Then a batch of 4 videos with 1 and 2 worker processes (``posecoach.app.batch``).

The machine is shared; absolute numbers move with its load, ratios measured in the same run
are the figures to read.

``--long VIDEO`` instead times one long video (e.g. the 1-minute loop made by
``bench/extract_memory.py``): the model's time alone summed over the frames against the
pipeline, so the one-off cost of finding the subject is spread as in real use.

Usage: ``python bench/extract.py [--repeat 2] [--no-batch] [--long VIDEO]``
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

VIDEOS = ("single/cam01", "single/cam02", "multi/cam03")
BATCH = ("single/cam01", "single/cam03", "multi/cam01", "multi/cam03")


def _pose():
    import mediapipe as mp

    return mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)


def bare(frames: list) -> float:
    pose = _pose()
    t0 = time.perf_counter()
    for image in frames:
        pose.process(image)
    dt = time.perf_counter() - t0
    pose.close()
    return dt


def serial(path: Path) -> float:
    from posecoach.video import read_video

    pose = _pose()
    t0 = time.perf_counter()
    for frame in read_video(path):
        pose.process(frame.image)
    dt = time.perf_counter() - t0
    pose.close()
    return dt


def model_time_only(path: Path) -> tuple[float, int]:
    """Sum of the model's time alone over a video decoded on the fly (for long videos whose
    decoded frames do not fit in memory): the bare model loop without decoding."""
    from posecoach.video import read_video

    pose = _pose()
    total, n = 0.0, 0
    for frame in read_video(path):
        t0 = time.perf_counter()
        pose.process(frame.image)
        total += time.perf_counter() - t0
        n += 1
    pose.close()
    return total, n


def pipeline(path: Path, subject: str | None) -> float:
    from posecoach.extract import extract

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        extract(path, subject=subject, cache=False)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-batch", action="store_true")
    parser.add_argument("--long", type=Path, help="also time this long video (model-only sum)")
    args = parser.parse_args()
    if args.long:
        bare_s, n = model_time_only(args.long)
        none_s = pipeline(args.long, None)
        largest_s = pipeline(args.long, "largest")
        print(f"\nlong video {args.long.name}: {n} frames")
        print(f"{'model only':>11} {'extract':>8} {'ratio':>6} {'+subject':>9} {'ratio':>6}")
        print(
            f"{n / bare_s:>11.1f} {n / none_s:>8.1f} {bare_s / none_s:>6.2f} "
            f"{n / largest_s:>9.1f} {bare_s / largest_s:>6.2f}"
        )
        return

    from posecoach.sample_data import fetch
    from posecoach.video import read_video

    videos = fetch()
    print(f"\nextraction frames/s (best of {args.repeat}), ratio to the bare model loop")
    print(
        f"{'video':<13} {'decode':>7} {'bare':>6} {'serial':>7} {'extract':>8} {'ratio':>6} "
        f"{'+subject':>9} {'ratio':>6}"
    )
    totals = {"bare": 0.0, "none": 0.0, "largest": 0.0, "serial": 0.0}
    for key in VIDEOS:
        path = videos[key]
        t0 = time.perf_counter()
        frames = [f.image for f in read_video(path)]
        decode = len(frames) / (time.perf_counter() - t0)
        best = {k: float("inf") for k in totals}
        for _ in range(args.repeat):
            best["bare"] = min(best["bare"], bare(frames))
            best["none"] = min(best["none"], pipeline(path, None))
            best["largest"] = min(best["largest"], pipeline(path, "largest"))
            best["serial"] = min(best["serial"], serial(path))
        for k in totals:
            totals[k] += best[k]
        n = len(frames)
        print(
            f"{key:<13} {decode:>7.1f} {n / best['bare']:>6.1f} {n / best['serial']:>7.1f} "
            f"{n / best['none']:>8.1f} {best['bare'] / best['none']:>6.2f} "
            f"{n / best['largest']:>9.1f} {best['bare'] / best['largest']:>6.2f}"
        )
        del frames
    print(
        f"{'all':<13} {'':>7} {'':>6} {'':>7} {'':>8} {totals['bare'] / totals['none']:>6.2f} "
        f"{'':>9} {totals['bare'] / totals['largest']:>6.2f}"
    )
    print(f"serial decode-then-model / bare: {totals['bare'] / totals['serial']:.2f}")

    if args.no_batch:
        return
    from posecoach.app.batch import extract_batch

    paths = [videos[k] for k in BATCH]
    times = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            items = extract_batch(paths, out, workers=workers, cache=False)
            times[workers] = time.perf_counter() - t0
            assert all(i.error is None for i in items), [i.error for i in items]
    n_frames = len(paths) * 100
    print(f"\nbatch of {len(paths)} videos ({n_frames} frames), cpu_count={os.cpu_count()}")
    print(f"{'workers':>7} {'wall s':>7} {'frames/s':>9} {'speed-up':>9}")
    for w, t in times.items():
        print(f"{w:>7} {t:>7.1f} {len(paths) * 100 / t:>9.1f} {times[1] / t:>9.2f}")


if __name__ == "__main__":
    main()
