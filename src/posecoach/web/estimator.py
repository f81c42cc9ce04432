"""Pose estimation for the web app: live frames and the "is anybody in this video?" check.

Both go through ``posecoach.extract.StreamExtractor`` (the same backend and subject choice
as offline extraction). Images are RGB uint8 ``(H, W, 3)``; landmarks come back in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        from posecoach.extract import StreamExtractor

        self._stream = StreamExtractor(static=static)

    def process(self, rgb: np.ndarray, time_s: float) -> FramePose | None:
        """Landmarks of the person in ``rgb`` or None when nobody is found."""
        seq = self._stream.process(rgb, time_s)
        pts = np.asarray(seq.positions[0, :, :2], dtype=float)
        if np.all(np.isnan(pts)):
            return None
        return FramePose(pts, np.asarray(seq.confidence[0], dtype=float))

    def close(self) -> None:
        """Free the model."""
        self._stream.close()


def person_in_video(path: Path, n_frames: int, samples: int = 4, max_side: int = 640) -> bool:
    """Whether a person is detected in any of ``samples`` evenly spaced frames of a video."""
    import cv2

    from posecoach.video import read_video

    total = max(n_frames, 1)
    wanted = {round(float(i)) for i in np.linspace(0, total - 1, num=min(samples, total))}
    estimator = LiveEstimator(static=True)
    try:
        for frame in read_video(path, max_frames=max(wanted) + 1, strict=False):
            if frame.index not in wanted:
                continue
            image = frame.image
            scale = max_side / max(image.shape[:2])
            if scale < 1:
                size = (int(image.shape[1] * scale) // 2 * 2, int(image.shape[0] * scale) // 2 * 2)
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            if estimator.process(np.ascontiguousarray(image), 0.0) is not None:
                return True
    finally:
        estimator.close()
    return False
