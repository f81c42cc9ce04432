"""Preview video: the extracted skeleton drawn on the source frames (H.264 MP4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from posecoach.pose import PoseSequence

__all__ = ["write_preview"]


def write_preview(
    source: str | Path,
    seq: PoseSequence,
    out_path: str | Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    max_side: int | None = 1280,
) -> Path:
    """Draw ``seq`` (pixel space, from ``source``) on the frames of ``source``.

    Frames are matched by index (the sequence came from this source). The video is scaled
    so its long side is at most ``max_side`` pixels (None: full size), written atomically.

    Example
    -------
    >>> import tempfile, os, numpy as np, cv2
    >>> d = tempfile.mkdtemp(); img = os.path.join(d, "a.png")
    >>> _ = cv2.imwrite(img, np.zeros((40, 60, 3), np.uint8))
    >>> seq = PoseSequence(np.full((1, 33, 2), 20.0), skeleton="blazepose_33",
    ...                    image_size=(60, 40))
    >>> write_preview(img, seq, os.path.join(d, "p.mp4")).name
    'p.mp4'
    """
    import cv2

    from posecoach.render.annotators import SkeletonAnnotator
    from posecoach.video import VideoWriter, probe_source, read_frames

    src = Path(source)
    info = probe_source(src, fps=seq.fps)
    scale = 1.0
    if max_side is not None and max(info.width, info.height) > max_side:
        scale = max_side / max(info.width, info.height)
    size = (round(info.width * scale), round(info.height * scale))
    thickness = max(2, round(3 * max(size) / 1280))
    annotator = SkeletonAnnotator(thickness=thickness, radius=thickness + 1)
    total = seq.n_frames
    with VideoWriter(out_path, fps=info.fps if info.n_frames > 1 else seq.fps, size=size) as w:
        for frame in read_frames(src, fps=seq.fps, strict=False):
            if frame.index >= total:
                break
            image = frame.image
            if image.shape[1] != size[0] or image.shape[0] != size[1]:
                image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            points = seq.positions[frame.index, :, :2] * scale
            if np.isfinite(points).any():
                conf = np.asarray(seq.confidence)[frame.index]
                image = annotator.annotate(image, points, seq.skeleton, conf)
            w.write(image)
            if progress is not None:
                progress(frame.index + 1, total)
    return Path(out_path)
