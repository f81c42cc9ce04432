"""Pose estimation for the web app: live frames and the "is anybody in this video?" check.

Uses ``posecoach.extract.StreamExtractor`` when the extraction package provides it, else
MediaPipe's BlazePose directly (same model, same 33 landmarks), so the web app works with
either. Images are RGB uint8 ``(H, W, 3)``; landmarks come back in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FramePose", "LiveEstimator", "person_in_video"]


@dataclass(frozen=True)
class FramePose:
    """One frame's landmarks: ``points`` (33, 2) pixels (NaN when missing), ``confidence``."""

    points: np.ndarray
    confidence: np.ndarray


class LiveEstimator:
    """Track one person across consecutive frames (tracking mode); ``static`` for stills."""

    def __init__(self, *, static: bool = False) -> None:
        self._stream: Any = None
        self._mp: Any = None
        if not static:
            try:
                from posecoach.extract import StreamExtractor  # type: ignore[attr-defined]

                self._stream = StreamExtractor()
            except Exception:  # extraction package not there yet or no such class
                self._stream = None
        if self._stream is None:
            from posecoach.errors import require

            mp: Any = require("mediapipe", "extract")
            self._mp = mp.solutions.pose.Pose(
                static_image_mode=static, model_complexity=1, min_detection_confidence=0.5
            )

    def process(self, rgb: np.ndarray, time_s: float) -> FramePose | None:
        """Landmarks of the person in ``rgb`` or None when nobody is found."""
        if self._stream is not None:
            seq = self._stream.process(rgb, time_s)
            pts = np.asarray(seq.positions[0, :, :2], dtype=float)
            conf = (
                np.asarray(seq.confidence[0], dtype=float)
                if seq.confidence is not None
                else np.where(np.isnan(pts[:, 0]), 0.0, 1.0)
            )
            if seq.space == "normalized":
                h, w = rgb.shape[:2]
                pts = pts * np.array([w, h], dtype=float)
            if np.all(np.isnan(pts)):
                return None
            return FramePose(pts, conf)
        result = self._mp.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return None
        h, w = rgb.shape[:2]
        lm = result.pose_landmarks.landmark
        pts = np.array([[p.x * w, p.y * h] for p in lm], dtype=float)
        conf = np.array([p.visibility for p in lm], dtype=float)
        return FramePose(pts, conf)

    def close(self) -> None:
        """Free the model."""
        if self._mp is not None:
            self._mp.close()
        close = getattr(self._stream, "close", None)
        if callable(close):
            close()


def person_in_video(path: Path, n_frames: int, samples: int = 4, max_side: int = 640) -> bool:
    """Whether a person is detected in any of ``samples`` evenly spaced frames of a video."""
    import av

    total = max(n_frames, 1)
    wanted = {round(float(i)) for i in np.linspace(0, total - 1, num=min(samples, total))}
    estimator = LiveEstimator(static=True)
    try:
        with av.open(str(path)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i > max(wanted):
                    break
                if i not in wanted:
                    continue
                scale = max_side / max(frame.width, frame.height)
                if scale < 1:
                    frame = frame.reformat(
                        width=int(frame.width * scale) // 2 * 2,
                        height=int(frame.height * scale) // 2 * 2,
                    )
                if estimator.process(frame.to_ndarray(format="rgb24"), 0.0) is not None:
                    return True
    finally:
        estimator.close()
    return False
