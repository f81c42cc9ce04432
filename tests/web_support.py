"""Helpers shared by the web and store tests: synthetic videos, short real clips, stand-ins."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.pose import PoseSequence


def write_video(path: Path, n_frames: int = 8, size: tuple[int, int] = (64, 48), fps: int = 10):
    """A small H.264 MP4 of moving grey bars (nobody in it); returns ``path``."""
    import av

    w, h = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i in range(n_frames):
            img = np.full((h, w, 3), 40, np.uint8)
            img[:, (4 * i) % w : (4 * i) % w + 6] = 200
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def short_clip(src: Path, dst: Path, n_frames: int = 24, width: int = 270, step: int = 1) -> Path:
    """The first ``n_frames`` (every ``step``-th) of a real video, downscaled, as H.264 MP4."""
    import av

    if dst.exists():
        return dst
    tmp = dst.with_suffix(".tmp.mp4")
    with av.open(str(src)) as inp, av.open(str(tmp), "w") as out:
        vin = inp.streams.video[0]
        fps = float(vin.average_rate or 60) / step
        stream = None
        kept = 0
        for i, frame in enumerate(inp.decode(vin)):
            if i % step:
                continue
            h = round(frame.height * width / frame.width / 2) * 2
            if stream is None:
                stream = out.add_stream("libx264", rate=round(fps))
                stream.width, stream.height, stream.pix_fmt = width, h, "yuv420p"
            img = frame.reformat(width=width, height=h, format="yuv420p")
            img.pts = kept
            img.time_base = Fraction(1, round(fps))
            for packet in stream.encode(img):
                out.mux(packet)
            kept += 1
            if kept >= n_frames:
                break
        for packet in stream.encode():
            out.mux(packet)
    shutil.move(tmp, dst)
    return dst


def n_video_frames(path: Path) -> int:
    """Frames in a video, by decoding."""
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def fake_extract(video: Path, progress: Any = None) -> PoseSequence:
    """Stand-in for posecoach.extract: one BlazePose frame per video frame, joint k at (k, t)."""
    t = n_video_frames(video)
    pos = np.zeros((t, 33, 2))
    pos[..., 0] = np.arange(33)[None, :]
    pos[..., 1] = np.arange(t)[:, None]
    if progress:
        progress(t, t)
    return PoseSequence(pos, skeleton="blazepose_33", fps=10.0, image_size=(64, 48))


def fake_compare(reference: Path, attempt: Path, *, outdir: Path, progress: Any = None) -> dict:
    """Stand-in for posecoach.compare: score = 100 - 10 * |frames(ref) - frames(att)|."""
    nr, na = n_video_frames(reference), n_video_frames(attempt)
    for i in range(3):
        if progress:
            progress(i + 1, 3)
    outdir = Path(outdir)
    shutil.copy(attempt, outdir / "overlay.mp4")
    (outdir / "plots").mkdir()
    (outdir / "plots" / "score.png").write_bytes(b"\x89PNG fake")
    data = {
        "schema_version": 1,
        "score": max(0.0, 100.0 - 10.0 * abs(nr - na)),
        "reps": [{"index": 1, "start_s": 0.0, "end_s": 0.5, "score": 90.0}],
        "cues": [
            {"start_s": 0.2, "end_s": 0.4, "joint": "left_knee", "text": "bend", "severity": 1}
        ],
        "joints": [],
        "frames": {"time_s": [0.0], "score": [1.0]},
        "files": {"overlay": "overlay.mp4", "plots": {"score": "plots/score.png"}},
        "provenance": {"reference_frames": nr, "attempt_frames": na},
    }
    (outdir / "result.json").write_text(json.dumps(data))
    return data


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """``posecoach serve`` in a child process on a loopback port (start, kill, restart)."""

    def __init__(
        self, data_dir: Path, *args: str, port: int | None = None, token: str | None = None
    ) -> None:
        self.data_dir = Path(data_dir)
        self.args = args
        self.port = port or free_port()
        scheme = "https" if "--certfile" in args else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.proc: Any = None

    def start(self, timeout: float = 60.0) -> ServerProcess:
        import subprocess
        import sys
        import time

        import httpx

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "posecoach", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir), *self.args],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {log.name}")
            try:
                r = httpx.get(self.url + "/health", headers=self.headers, timeout=1, verify=False)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not answer /health within {timeout} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run (a crash)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except Exception:
                self.proc.kill()
                self.proc.wait(10)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_y4m(src: Path, dst: Path, width: int = 270, max_frames: int = 100) -> Path:
    """A ``.y4m`` (YUV 4:2:0) copy of a video, for Chromium's fake camera."""
    import av

    with av.open(str(src)) as inp, open(dst, "wb") as out:
        vin = inp.streams.video[0]
        fps = round(float(vin.average_rate or 30))
        header_done = False
        for i, frame in enumerate(inp.decode(vin)):
            if i >= max_frames:
                break
            h = round(frame.height * width / frame.width / 2) * 2
            yuv = frame.reformat(width=width, height=h, format="yuv420p")
            if not header_done:
                out.write(f"YUV4MPEG2 W{width} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
                header_done = True
            out.write(b"FRAME\n")
            for plane, (pw, ph) in zip(
                yuv.planes, ((width, h), (width // 2, h // 2), (width // 2, h // 2)), strict=True
            ):
                arr = np.frombuffer(plane, np.uint8).reshape(ph, plane.line_size)[:, :pw]
                out.write(arr.tobytes())
    return dst
