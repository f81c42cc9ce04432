"""The live-coaching WebSocket: JPEG frames in, landmarks + ghost + cue + reps out.

Late frames are dropped, never queued: a reader task keeps only the newest frame received,
and the processing loop always takes that newest one, so a slow server skips frames instead
of falling behind. (The page also keeps just one frame in flight.) Protocol:

- client → server: binary messages, each one JPEG/PNG image;
- server → client: JSON ``{"type": "ready", ...}`` once, then per processed frame
  ``{"type": "pose", "seq", "width", "height", "points": [[x, y, c] | null] (33),
  "ghost": [[x, y]] | null, "edges", "cue", "reps", "phase", "dropped", "server_ms"}``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.store import Store
from posecoach.web.uploads import safe_path

__all__ = ["decode_image", "serve_live"]


def decode_image(data: bytes) -> np.ndarray | None:
    """Decode a JPEG/PNG message to RGB ``(H, W, 3)`` uint8, or None if it is not an image.

    Example
    -------
    >>> import cv2
    >>> ok, jpg = cv2.imencode(".jpg", np.zeros((8, 6, 3), np.uint8))
    >>> decode_image(jpg.tobytes()).shape
    (8, 6, 3)
    >>> decode_image(b"nope") is None
    True
    """
    import cv2

    buf = np.frombuffer(data, dtype=np.uint8)
    if buf.size == 0:
        return None
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


async def serve_live(
    websocket: Any, store: Store, data_dir: Path, reference_id: int | None
) -> None:
    """Run one live-coaching connection until the client leaves."""
    from starlette.concurrency import run_in_threadpool
    from starlette.websockets import WebSocketDisconnect

    from posecoach.io import load
    from posecoach.skeletons import get
    from posecoach.web.estimator import LiveEstimator
    from posecoach.web.live import LiveCoach, points_json

    await websocket.accept()
    reference = None
    info: dict[str, Any] = {"type": "ready", "reference": None}
    if reference_id is not None:
        try:
            ref = store.get_reference(reference_id)
        except Exception as exc:
            await websocket.send_json({"type": "error", "detail": str(exc)})
            await websocket.close(code=1008)
            return
        info["reference"] = {"id": ref["id"], "name": ref["name"]}
        if ref["pose_file"]:
            reference = await run_in_threadpool(load, safe_path(data_dir, ref["pose_file"]))
        else:
            info["warning"] = "this reference's skeleton is not extracted yet: no ghost or cues"
    estimator = await run_in_threadpool(LiveEstimator)
    coach = LiveCoach(reference)
    info["edges"] = [list(e) for e in get("blazepose_33").edges]
    await websocket.send_json(info)

    latest: list[bytes | None] = [None]
    received = [0]
    new_frame = asyncio.Event()
    closed = asyncio.Event()

    async def reader() -> None:
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data:
                    latest[0] = data  # overwrite: an unprocessed older frame is dropped
                    received[0] += 1
                    new_frame.set()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            closed.set()
            new_frame.set()

    task = asyncio.create_task(reader())
    processed = 0
    t0 = time.monotonic()
    try:
        while not closed.is_set():
            await new_frame.wait()
            new_frame.clear()
            data, latest[0] = latest[0], None
            if data is None:
                continue
            start = time.perf_counter()
            rgb = decode_image(data)
            if rgb is None:
                await websocket.send_json(
                    {"type": "error", "detail": "expected a JPEG or PNG frame"}
                )
                continue
            pose = await run_in_threadpool(estimator.process, rgb, time.monotonic() - t0)
            feedback = coach.step(None if pose is None else pose.points)
            processed += 1
            points = None
            if pose is not None:
                points = points_json(pose.points, pose.confidence)
            await websocket.send_json(
                {
                    "type": "pose",
                    "seq": processed,
                    "width": int(rgb.shape[1]),
                    "height": int(rgb.shape[0]),
                    "points": points,
                    "dropped": received[0] - processed,
                    "server_ms": round((time.perf_counter() - start) * 1000, 1),
                    **feedback,
                }
            )
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        task.cancel()
        await run_in_threadpool(estimator.close)
