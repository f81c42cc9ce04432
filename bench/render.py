"""Rendering speed of overlay.mp4 relative to the video's duration (issue 4, "Measured").

Runs, side by side on the same Pose2Sim sample video (1080x1920 portrait, 60 fps, 100
frames) and the same poses:

- ``decode only``: PyAV decode to RGB (the floor of anything that reads the video);
- ``decode + encode``: decode and re-encode to H.264 with no drawing (the floor of any
  overlay writer);
- ``decode + draw``: decode and :func:`posecoach.render.video.draw_overlay` with no encode
  (the cost of the drawing itself);
- ``render_overlay``: the overlay at the video's full size, at the default
  ``max_side=1280`` (720x1280) and at the default ``max_side=960`` (540x960, as
  ``compare`` writes it);
- ``render_side_by_side``: reference and attempt videos along a DTW-like path.

Each row gives seconds (best of ``--repeats``), frames per second, time divided by the video
duration (1.0 = real time) and the ratio to ``decode only``.

Usage: ``.venv/bin/python bench/render.py [--video PATH] [--repeats N]``.
:func:`measure_render_speed` returns the rows for other benchmarks (``bench/compare.py``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.pose import PoseSequence
from posecoach.skeletons import get


def _poses(video: Path) -> tuple[PoseSequence, str]:
    """Extracted poses of the video (cached by content), or a synthetic figure."""
    try:
        from posecoach.extract import extract

        return extract(video), "extracted (MediaPipe)"
    except Exception as exc:  # extraction unavailable: the drawing cost is the same
        from posecoach.video import probe_video

        info = probe_video(video)
        from posecoach.skeletons import BLAZEPOSE_33

        rng = np.random.default_rng(0)
        base = rng.uniform(0.3, 0.7, (BLAZEPOSE_33.n_joints, 2)) * [info.width, info.height]
        n = max(info.n_frames, 1)
        pos = base + rng.normal(0, 5, (n, BLAZEPOSE_33.n_joints, 2))
        seq = PoseSequence(
            pos, skeleton=BLAZEPOSE_33, fps=info.fps, image_size=(info.width, info.height)
        )
        return seq, f"synthetic ({type(exc).__name__})"


def _best(fn: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure_render_speed(
    video: str | Path,
    attempt: PoseSequence | None = None,
    reference_video: str | Path | None = None,
    *,
    repeats: int = 1,
) -> list[dict[str, Any]]:
    """Time overlay rendering against decode-only and encode-only loops on one video.

    Parameters
    ----------
    video
        The attempt video.
    attempt
        Its poses in pixels (default: extracted, or a synthetic figure).
    reference_video
        Video for the reference side of the side-by-side row (default: ``video``).
    repeats
        Each row is the best of this many runs.

    Returns
    -------
    list of dict
        One row per method: ``method``, ``seconds``, ``fps``, ``x_realtime`` (seconds
        divided by the video duration), ``vs_decode`` (ratio to decode only), ``frames``.
    """
    from posecoach.render.video import draw_overlay, render_overlay, render_side_by_side
    from posecoach.video import VideoWriter, probe_video, read_video

    video = Path(video)
    info = probe_video(video)
    att = attempt if attempt is not None else _poses(video)[0]
    t = att.n_frames
    rng = np.random.default_rng(1)
    ref = att.replace(positions=att.positions + rng.normal(0, 15, att.positions.shape))
    errors = np.linalg.norm(att.positions - ref.positions, axis=2) / 300.0
    scores = np.clip(100 - 200 * np.nanmean(errors, axis=1), 0, 100)
    duration = float(t / att.fps) if t > 1 else info.duration
    cues = [
        {
            "start_s": 0.0,
            "end_s": duration / 2,
            "text": "left knee bends 25° less than the reference",
        },
        {"start_s": duration / 3, "end_s": duration, "text": "keep your back straight"},
    ]
    sk = get(att.skeleton)
    conf = np.asarray(att.confidence)
    tmp = Path(tempfile.mkdtemp(prefix="posecoach-bench-render-"))
    n_frames = [0]

    def decode_only() -> None:
        n_frames[0] = sum(1 for _ in read_video(video))

    def decode_encode() -> None:
        with VideoWriter(tmp / "plain.mp4", fps=info.fps, size=(info.width, info.height)) as w:
            for f in read_video(video):
                w.write(f.image)

    def decode_draw() -> None:
        for f in read_video(video):
            i = min(f.index, t - 1)
            draw_overlay(
                f.image,
                sk,
                att.positions[i],
                ref.positions[i],
                errors[i],
                attempt_confidence=conf[i],
                score=float(scores[i]),
                cues=[str(c["text"]) for c in cues],
            )

    def overlay(max_side: int | None) -> Callable[[], None]:
        def run() -> None:
            render_overlay(video, att, ref, errors, scores, cues, tmp / "o.mp4", max_side=max_side)

        return run

    def side_by_side() -> None:
        path = np.stack([np.arange(t), np.arange(t)], axis=1)
        render_side_by_side(reference_video or video, video, att, att, path, tmp / "s.mp4")

    methods: list[tuple[str, Callable[[], None]]] = [
        ("decode only", decode_only),
        ("decode + encode (no drawing)", decode_encode),
        ("decode + draw_overlay (no encode)", decode_draw),
        ("render_overlay max_side=None (full)", overlay(None)),
        ("render_overlay max_side=1280", overlay(1280)),
        ("render_overlay max_side=960 (default)", overlay(960)),
        ("render_side_by_side", side_by_side),
    ]
    rows: list[dict[str, Any]] = []
    for name, fn in methods:
        seconds = _best(fn, repeats)
        rows.append({"method": name, "seconds": seconds})
    frames = n_frames[0] or t
    base = rows[0]["seconds"]
    for row in rows:
        row["frames"] = frames
        row["fps"] = frames / row["seconds"]
        row["x_realtime"] = row["seconds"] / info.duration
        row["vs_decode"] = row["seconds"] / base
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=None)
    parser.add_argument("--reference-video", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.video is None:
        from posecoach.sample_data import fetch

        samples = fetch()
        args.video = samples["single/cam01"]
        args.reference_video = args.reference_video or samples["single/cam03"]
    from posecoach.video import probe_video

    info = probe_video(args.video)
    att, how = _poses(args.video)
    print(
        f"video: {args.video.name} {info.width}x{info.height} {info.fps:g} fps, "
        f"{info.n_frames} frames, {info.duration:.2f} s ({info.codec}); poses: {how}"
    )
    rows = measure_render_speed(args.video, att, args.reference_video, repeats=max(1, args.repeats))
    print(f"{'method':40s} {'seconds':>8s} {'frames/s':>9s} {'x realtime':>11s} {'vs decode':>10s}")
    for r in rows:
        print(
            f"{r['method']:40s} {r['seconds']:8.2f} {r['fps']:9.1f} "
            f"{r['x_realtime']:11.2f} {r['vs_decode']:10.2f}"
        )


if __name__ == "__main__":
    main()
