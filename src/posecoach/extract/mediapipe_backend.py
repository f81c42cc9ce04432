"""MediaPipe BlazePose backend (``mediapipe==0.10.21``, legacy ``mp.solutions.pose``).

That release is the last whose wheel carries the full landmark model and the person
detector, so it runs offline. ``model_complexity=1`` (the full model; 0 and 2 try to
download). Video uses tracking mode (``static_image_mode=False``), photos static mode.
Output: 33 landmarks in pixels (x * width, y * height, z * width), visibility as
confidence, and world landmarks (metres, hip-centred, y down).

MediaPipe Pose follows one person. :meth:`MediaPipeBackend.find_people` finds several by
running the bundled detector + landmarker in static mode, blanking each person found (its
segmentation mask and skeleton, dilated) and looking again.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.errors import require
from posecoach.extract.base import Box, Detection, register_backend

__all__ = [
    "MediaPipeBackend",
    "MediaPipeSession",
    "REQUIRED_VERSION",
    "box_iou",
    "box_inside",
    "same_person_box",
]

REQUIRED_VERSION = "0.10.21"
_MODELS = (
    "modules/pose_landmark/pose_landmark_full.tflite",
    "modules/pose_detection/pose_detection.tflite",
)


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes.

    Example
    -------
    >>> box_iou((0, 0, 2, 2), (1, 0, 3, 2))
    0.3333333333333333
    """
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / area) if area > 0 else 0.0


def box_inside(a: Box, b: Box) -> float:
    """Share of box ``a`` that lies inside box ``b``.

    Example
    -------
    >>> box_inside((0, 0, 2, 2), (1, 0, 10, 10)), box_inside((0, 0, 2, 2), (5, 5, 9, 9))
    (0.5, 0.0)
    """
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    own = (a[2] - a[0]) * (a[3] - a[1])
    return float(ix * iy / own) if own > 0 else 0.0


def same_person_box(a: Box, b: Box) -> bool:
    """Whether box ``a`` is most likely a second find of the person in box ``b``: they
    overlap (IoU > 0.3), or ``a`` lies mostly (70%) inside ``b`` (what is left of a
    person after blanking them: an arm, a leg, a strip of the body).

    Example
    -------
    >>> same_person_box((40, 10, 60, 90), (0, 0, 100, 100))  # a strip inside a person
    True
    >>> same_person_box((90, 0, 190, 100), (0, 0, 100, 100))  # someone beside them
    False
    """
    return box_iou(a, b) > 0.3 or box_inside(a, b) > 0.7


def _mediapipe() -> Any:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return require("mediapipe", "extract")


class MediaPipeSession:
    """One ``mp.solutions.pose.Pose`` graph; tracking state lives between calls."""

    def __init__(self, *, static: bool, segmentation: bool = False) -> None:
        mp = _mediapipe()
        self.static = static
        self._pose = mp.solutions.pose.Pose(
            static_image_mode=static,
            model_complexity=1,
            smooth_landmarks=True,
            enable_segmentation=segmentation,
            min_detection_confidence=0.5,
            min_tracking_confidence=0.5,
        )
        self.last_mask: np.ndarray | None = None

    def process(self, rgb: np.ndarray, time_s: float = 0.0) -> list[Detection]:
        """The person MediaPipe finds in ``rgb`` (zero or one detection).

        Example
        -------
        >>> import numpy as np
        >>> s = MediaPipeSession(static=True)
        >>> s.process(np.zeros((64, 64, 3), np.uint8))
        []
        >>> s.close()
        """
        image = np.ascontiguousarray(rgb)
        h, w = image.shape[:2]
        result = self._pose.process(image)
        self.last_mask = getattr(result, "segmentation_mask", None)
        if result.pose_landmarks is None:
            return []
        lms = result.pose_landmarks.landmark
        arr = np.array([(lm.x, lm.y, lm.z, lm.visibility) for lm in lms], dtype=np.float64)
        kp = arr[:, :3] * np.array([w, h, w])
        conf = np.clip(arr[:, 3], 0.0, 1.0)
        world = None
        if result.pose_world_landmarks is not None:
            wl = result.pose_world_landmarks.landmark
            world = np.array([(lm.x, lm.y, lm.z) for lm in wl], dtype=np.float64)
        return [Detection(kp, conf, world, float(conf.mean()))]

    def close(self) -> None:
        """Release the MediaPipe graph."""
        self._pose.close()


class MediaPipeBackend:
    """BlazePose full (33 landmarks) through MediaPipe's legacy solutions API."""

    name = "mediapipe"
    skeleton = "blazepose_33"

    def __init__(self, finder_max_side: int = 1920, finder_min_side: int = 1920) -> None:
        self._finder: MediaPipeSession | None = None
        self.finder_max_side = finder_max_side
        #: Smaller frames are enlarged to this long side for the people finder: on the
        #: Pose2Sim multi-person view downscaled to 720 px wide it finds only one of the
        #: two people, enlarged back to 1920 px both.
        self.finder_min_side = finder_min_side

    def available(self) -> tuple[bool, str]:
        """Whether mediapipe 0.10.21 and its bundled models are installed.

        Example
        -------
        >>> ok, why = MediaPipeBackend().available()
        >>> ok, why.startswith("mediapipe 0.10.21")
        (True, True)
        """
        try:
            version = md.version("mediapipe")
        except md.PackageNotFoundError:
            return False, "mediapipe is not installed: pip install 'posecoach[extract]'"
        spec = importlib.util.find_spec("mediapipe")
        root = Path(spec.origin).parent if spec and spec.origin else None
        missing = [m for m in _MODELS if root is None or not (root / m).is_file()]
        if missing:
            return False, f"mediapipe {version} lacks the bundled model(s) {missing}; " + (
                f"install mediapipe=={REQUIRED_VERSION}"
            )
        note = "" if version == REQUIRED_VERSION else f" (tested with {REQUIRED_VERSION})"
        return True, f"mediapipe {version}{note}, bundled BlazePose full model, offline"

    def model_files(self) -> tuple[str, ...]:
        """Paths of the model files that produce the results (part of the cache key)."""
        spec = importlib.util.find_spec("mediapipe")
        root = Path(spec.origin).parent if spec and spec.origin else None
        return tuple(str(root / m) for m in _MODELS) if root is not None else ()

    def options(self) -> dict[str, object]:
        """Settings that change results."""
        return {"model_complexity": 1, "smooth_landmarks": True, "min_confidence": 0.5}

    def open(self, *, static: bool) -> MediaPipeSession:
        """A MediaPipe session (tracking mode unless ``static``)."""
        return MediaPipeSession(static=static)

    def _finder_session(self) -> MediaPipeSession:
        """The static, segmenting session the people finder runs (made once)."""
        if self._finder is None:
            self._finder = MediaPipeSession(static=True, segmentation=True)
        return self._finder

    def _finder_scale(self, long_side: int) -> float:
        """How much the people finder scales a frame with this long side.

        Example
        -------
        >>> b = MediaPipeBackend()
        >>> b._finder_scale(3840), b._finder_scale(1920), b._finder_scale(1280)
        (0.5, 1.0, 1.5)
        """
        if long_side > self.finder_max_side:
            return self.finder_max_side / long_side
        if 0 < long_side < self.finder_min_side:
            return self.finder_min_side / long_side
        return 1.0

    def find_people(self, rgb: np.ndarray, max_people: int = 4) -> list[Detection]:
        """Up to ``max_people`` people (full-frame pixels), most confident first.

        Runs the static detector + landmarker on a copy (scaled to a long side between
        ``finder_min_side`` and ``finder_max_side`` px), blanks
        each person found (its segmentation mask, dilated) and searches again, until
        nobody is found or a blanked person turns up a second time.

        Example
        -------
        >>> import numpy as np
        >>> MediaPipeBackend().find_people(np.zeros((48, 64, 3), np.uint8))
        []
        """
        import cv2

        finder = self._finder_session()
        h, w = rgb.shape[:2]
        scale = self._finder_scale(max(h, w))
        image = cv2.resize(rgb, (round(w * scale), round(h * scale))) if scale != 1 else rgb.copy()
        sh, sw = image.shape[:2]
        boxes: list[Box] = []
        people: list[Detection] = []
        kernel = np.ones((max(3, sw // 40),) * 2, np.uint8)
        repeats = 0
        for _ in range(max_people + 2):
            found = finder.process(image)
            if not found:
                break
            det = found[0]
            box = det.box()
            if any(same_person_box(box, b) for b in boxes):
                repeats += 1  # what was left of a blanked person: blank it more, go on
                if repeats >= 2:
                    break
            else:
                boxes.append(box)
                kp = det.keypoints / scale
                people.append(Detection(kp, det.confidence, det.world, det.score))
                if len(boxes) >= max_people:
                    break
            blank = np.zeros((sh, sw), np.uint8)
            if finder.last_mask is not None:
                blank[finder.last_mask > 0.3] = 1
            else:  # no mask: blank the confident keypoints' box
                x0, y0, x1, y1 = (int(v) for v in box)
                blank[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1] = 1
            grown = cv2.dilate(blank, kernel)
            image[grown > 0] = 0
        return people

    def find_person_near(self, rgb: np.ndarray, box: Box, scale: float = 1.5) -> Detection | None:
        """The person in a square crop ``scale`` times the size of ``box`` round its centre
        (full-frame pixels), or None: looks for someone where they are expected, without
        blanking whoever stands in front of them.

        Example
        -------
        >>> import numpy as np
        >>> MediaPipeBackend().find_person_near(np.zeros((48, 64, 3), np.uint8), (10, 10, 30, 40))
        """
        import cv2

        finder = self._finder_session()
        h, w = rgb.shape[:2]
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        half = scale * max(box[2] - box[0], box[3] - box[1]) / 2
        x0, y0 = max(0, int(cx - half)), max(0, int(cy - half))
        x1, y1 = min(w, int(cx + half) + 1), min(h, int(cy + half) + 1)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        crop = rgb[y0:y1, x0:x1]
        shrink = self._finder_scale(max(h, w))
        if shrink != 1:
            crop = cv2.resize(crop, (round(crop.shape[1] * shrink), round(crop.shape[0] * shrink)))
        found = finder.process(np.ascontiguousarray(crop))
        if not found:
            return None
        det = found[0]
        kp = det.keypoints / shrink + np.array([x0, y0, 0.0])
        return Detection(kp, det.confidence, det.world, det.score)

    def close(self) -> None:
        """Release the people finder."""
        if self._finder is not None:
            self._finder.close()
            self._finder = None


register_backend("mediapipe", MediaPipeBackend)
