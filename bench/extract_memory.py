"""Memory of pose extraction on long 1080p video: does it stream?

Builds portrait 1080x1920 30 fps videos of 0.5, 1 and 2 minutes by looping the Pose2Sim
demo clip ``single/cam01`` (every second frame, so the loop is 30 fps; encoded once as a
single GOP whose packets are then remuxed end to end, so making even a 10-minute video takes
seconds) into /tmp, then runs
``posecoach.extract`` on each in a fresh child process, sampling the resident set size
(VmRSS) every 150 frames and reporting the peak (ru_maxrss). A 10-minute video would take
~40 min of CPU on this shared machine, so the claim "peak < 1 GB and flat in video length"
is shown by the growth between lengths and within the longest run; the last column is the
memory a decode-everything-first approach would need for the same frames (computed).

Usage: ``python bench/extract_memory.py [--minutes 0.5 1 2]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

WORK = Path("/tmp/posecoach_bench")


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _loop_clip() -> Path:
    """single/cam01 at 30 fps (every 2nd frame), forwards then backwards, one GOP."""
    import av

    from posecoach.sample_data import fetch
    from posecoach.video import read_video

    out = WORK / "loop_unit.mp4"
    if out.exists():
        return out
    WORK.mkdir(parents=True, exist_ok=True)
    clip = [f.image for f in read_video(fetch()["single/cam01"]) if f.index % 2 == 0]
    frames = clip + clip[-2:0:-1]  # smooth loop
    with av.open(str(out), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 1080, 1920, "yuv420p"
        s.options = {"preset": "ultrafast", "crf": "28", "bf": "0", "g": str(len(frames))}
        s.codec_context.time_base = Fraction(1, 30)
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image)
            frame.pts = i
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return out


def make_video(minutes: float) -> Path:
    """A ``minutes`` long 1080x1920 30 fps video: the loop's packets remuxed end to end."""
    import av

    out = WORK / f"loop_{minutes:g}min_1080x1920.mp4"
    if out.exists():
        return out
    unit = _loop_clip()
    with av.open(str(unit)) as src:
        stream = src.streams.video[0]
        packets = [p for p in src.demux(stream) if p.size]
        tb = stream.time_base
        assert tb is not None  # a demuxed video stream has a time base
        step = round(Fraction(1, 30) / tb)
        n_loops = -(-round(minutes * 60 * 30) // len(packets))
        tmp = out.with_suffix(".part.mp4")
        with av.open(str(tmp), "w") as dst:
            ostream = dst.add_stream_from_template(stream)
            for k in range(n_loops):
                shift = k * len(packets) * step
                for p in packets:
                    q = av.Packet(bytes(p))
                    assert p.pts is not None  # demuxed packets of an mp4 carry a pts
                    q.pts, q.dts = p.pts + shift, (p.dts if p.dts is not None else p.pts) + shift
                    q.time_base = tb
                    q.is_keyframe = p.is_keyframe
                    q.stream = ostream
                    dst.mux(q)
    tmp.rename(out)
    return out


def child(video: str) -> None:
    """Run one extraction and print its memory figures as JSON."""
    from posecoach.extract import extract

    samples: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        if done % 150 == 0 or done == total:
            samples.append((done, round(_rss_mb(), 1)))

    base = _rss_mb()
    t0 = time.perf_counter()
    seq = extract(video, cache=False, progress=progress)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = float(seq.visible.any(axis=1).mean())
    print(
        json.dumps(
            {
                "frames": seq.n_frames,
                "base": base,
                "peak": peak,
                "samples": samples,
                "wall": wall,
                "found": found,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, nargs="+", default=[0.5, 1, 2])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    for minutes in args.minutes:
        video = make_video(minutes)
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(video)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append((minutes, json.loads(proc.stdout.strip().splitlines()[-1])))
    first_peak = rows[0][1]["peak"]
    print("\nextraction memory, 1080x1920 30 fps, MediaPipe (one process per video)")
    print(
        f"{'minutes':>7} {'frames':>7} {'fps':>6} {'RSS after 150 fr':>16} {'RSS at end':>11} "
        f"{'peak RSS':>9} {'peak/first':>10} {'decode-all RAM':>15}"
    )
    for minutes, r in rows:
        s = r["samples"]
        naive = r["frames"] * 1080 * 1920 * 3 / 2**20
        print(
            f"{minutes:>7g} {r['frames']:>7} {r['frames'] / r['wall']:>6.1f} "
            f"{s[0][1]:>13.0f} MB {s[-1][1]:>8.0f} MB {r['peak']:>6.0f} MB "
            f"{r['peak'] / first_peak:>10.2f} {naive:>12.0f} MB"
        )
    longest = rows[-1][1]["samples"]
    print(
        "\nRSS during the longest run (frames: MB): "
        + ", ".join(f"{f}: {m:.0f}" for f, m in longest)
    )


if __name__ == "__main__":
    main()
