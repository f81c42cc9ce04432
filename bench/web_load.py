"""Web app figures, competitors side by side in one run, as tables with ratios.

1. Live coaching: per-frame server work (JPEG decode + pose + coach) for the two pose paths
   the live socket can use -- ``posecoach.extract.StreamExtractor`` (subject tracking) and
   MediaPipe BlazePose called directly -- at three sent frame widths; then end to end over a
   real WebSocket to a ``posecoach serve`` process with one frame in flight (what the page
   does): updates per second.
2. Jobs: latency from POST /api/compare to "done" for one job alone, rendered and not
   (``--no-render``), and throughput of 20 concurrent jobs on 2 worker processes.

The machine's load average is printed: on a shared 2-core machine it dominates the figures.
Run: ``.venv/bin/python bench/web_load.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests"))

from posecoach.sample_data import fetch  # noqa: E402
from web_support import ServerProcess, short_clip  # noqa: E402


def frames_jpeg(video: Path, n: int, width: int) -> list[bytes]:
    import av
    import cv2

    out = []
    with av.open(str(video)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i >= n:
                break
            img = f.to_ndarray(format="rgb24")
            h = round(img.shape[0] * width / img.shape[1])
            small = cv2.resize(img, (width, h), interpolation=cv2.INTER_AREA)
            _ok, jpg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
            out.append(jpg.tobytes())
    return out


class DirectMediaPipe:
    """The competitor: MediaPipe BlazePose called on each frame, no subject tracking."""

    def __init__(self) -> None:
        import mediapipe as mp

        self._pose = mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1)

    def process(self, rgb: np.ndarray, time_s: float):
        from posecoach.web.estimator import FramePose

        found = self._pose.process(rgb).pose_landmarks
        if found is None:
            return None
        h, w = rgb.shape[:2]
        lm = found.landmark
        pts = np.array([[p.x * w, p.y * h] for p in lm])
        return FramePose(pts, np.array([p.visibility for p in lm]))

    def close(self) -> None:
        self._pose.close()


def live_server_side(video: Path, n: int) -> list[tuple[str, int, float]]:
    from posecoach.web.estimator import LiveEstimator
    from posecoach.web.live import LiveCoach
    from posecoach.web.live_socket import decode_image

    rows = []
    for width in (256, 320, 480):
        jpgs = frames_jpeg(video, n, width)
        for path, make in (
            ("StreamExtractor", LiveEstimator),
            ("MediaPipe direct", DirectMediaPipe),
        ):
            est = make()
            coach = LiveCoach(None)
            first = decode_image(jpgs[0])
            assert first is not None
            est.process(first, 0.0)  # warm up
            t0 = time.perf_counter()
            for i, jpg in enumerate(jpgs):
                rgb = decode_image(jpg)
                assert rgb is not None
                pose = est.process(rgb, i / 30)
                coach.step(None if pose is None else pose.points)
            ms = 1000 * (time.perf_counter() - t0) / len(jpgs)
            est.close()
            rows.append((path, width, ms))
    return rows


async def live_end_to_end(url: str, jpgs: list[bytes], seconds: float) -> tuple[float, float]:
    import json

    import websockets

    async with websockets.connect(url.replace("http", "ws") + "/ws/live", max_size=None) as ws:
        json.loads(await ws.recv())
        for jpg in jpgs[:10]:  # the first person frame builds the model's graph (seconds)
            await ws.send(jpg)
            await ws.recv()
        n, t0, i, server_ms = 0, time.perf_counter(), 0, []
        while time.perf_counter() - t0 < seconds:
            await ws.send(jpgs[i % len(jpgs)])
            msg = json.loads(await ws.recv())
            server_ms.append(msg["server_ms"])
            n, i = n + 1, i + 1
        return n / (time.perf_counter() - t0), float(np.median(server_ms))


def job_latency(server: ServerProcess, ref: Path, att: Path, n: int) -> tuple[float, float]:
    """(seconds for one job alone, seconds for n concurrent jobs)."""
    import httpx

    c = httpx.Client(base_url=server.url, timeout=60)

    def wait(job_id: int) -> dict:
        while True:
            job = c.get(f"/api/jobs/{job_id}").json()
            if job["status"] in ("done", "failed"):
                assert job["status"] == "done", job
                return job
            time.sleep(0.05)

    r = c.post("/api/references", params={"name": "r"}, content=ref.read_bytes()).json()
    wait(r["extract_job"]["id"])
    a = c.post("/api/attempts", content=att.read_bytes()).json()
    body = {"reference_id": r["id"], "attempt_id": a["id"]}
    warm = [c.post("/api/compare", json=body).json()["id"] for _ in range(2)]
    for i in warm:  # both worker processes started and their imports done
        wait(i)
    t0 = time.perf_counter()
    wait(c.post("/api/compare", json=body).json()["id"])
    single = time.perf_counter() - t0
    t0 = time.perf_counter()
    ids = [c.post("/api/compare", json=body).json()["id"] for _ in range(n)]
    for i in ids:
        wait(i)
    return single, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer frames and jobs")
    args = parser.parse_args()
    n_frames, seconds, n_jobs = (30, 5.0, 6) if args.quick else (90, 10.0, 20)
    videos = fetch()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    print("\n1a. live: server work per frame (decode + pose + coach), ms")
    rows = live_server_side(videos["single/cam01"], n_frames)
    base = {w: ms for p, w, ms in rows if p == "StreamExtractor"}
    print(f"{'pose path':<18}{'width':>7}{'ms/frame':>10}{'max upd/s':>11}{'ratio':>8}")
    for path, width, ms in rows:
        print(f"{path:<18}{width:>7}{ms:>10.1f}{1000 / ms:>11.1f}{ms / base[width]:>8.2f}")

    tmp = Path(tempfile.mkdtemp(prefix="posecoach-bench-"))
    print("\n1b. live: end to end over a WebSocket, one frame in flight")
    print(f"{'width':>7}{'updates/s':>11}{'server ms':>11}")
    with ServerProcess(tmp / "live") as srv:
        for width in (256, 320, 480):
            jpgs = frames_jpeg(videos["single/cam01"], n_frames, width)
            ups, sms = asyncio.run(live_end_to_end(srv.url, jpgs, seconds))
            print(f"{width:>7}{ups:>11.1f}{sms:>11.1f}")

    print(f"\n2. jobs (12-frame 180 px clips): one alone vs {n_jobs} concurrent, 2 workers")
    ref = short_clip(videos["single/cam01"], tmp / "ref.mp4", 12, 180, 3)
    att = short_clip(videos["single/cam02"], tmp / "att.mp4", 12, 180, 3)
    print(f"{'mode':<12}{'1 job s':>9}{f'{n_jobs} jobs s':>11}{'jobs/s':>8}{'ratio':>8}")
    results = {}
    for mode, extra in (("render", ()), ("no-render", ("--no-render",))):
        with ServerProcess(tmp / mode, "--workers", "2", *extra) as srv:
            results[mode] = job_latency(srv, ref, att, n_jobs)
    for mode, (single, many) in results.items():
        ratio = single / results["render"][0]
        print(f"{mode:<12}{single:>9.2f}{many:>11.1f}{n_jobs / many:>8.2f}{ratio:>8.2f}")
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
