"""Choosing the subject among several people and keeping the same person through a video.

MediaPipe Pose follows a single person and, left alone, may jump to whoever its detector
prefers (on the Pose2Sim multi-person video it drifts from the athlete to the woman in
front). :class:`SubjectTracker` instead:

1. finds the people in the first frame (``backend.find_people``) and chooses one by the
   rule: ``"largest"`` box, most ``"central"`` box, or the best overlap with a box the user
   gives ``(x0, y0, x1, y1)`` in pixels;
2. runs the landmarker on a crop around that person only, moving the crop with the
   person's keypoints (with hysteresis so the tracker's region stays steady);
3. checks continuity every frame: when the keypoint box jumps (IoU < 0.2 with the previous
   box and the centre moves by more than 0.3 of its diagonal) it looks for the people again,
   and if the tracker has jumped onto someone else it returns to the person whose box
   continues the previous one (event ``"switch_corrected"``);
4. when the subject is lost (nobody in the crop) it looks at the whole frame at once and
   then every ``redetect_every`` frames (frames in between are NaN); it takes the person
   who looks like the subject (torso colours), else the one nearest the last known box
   (event ``"reacquired"``), else chooses by the rule again (event ``"rechosen"`` — a
   possible identity switch, recorded in the metadata).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from posecoach.errors import InputError
from posecoach.extract.base import Box, Detection, PoseBackend, PoseSession
from posecoach.extract.mediapipe_backend import box_iou

__all__ = ["SubjectSpec", "SubjectTracker", "choose_subject", "crop_box", "parse_subject"]

SubjectSpec = str | tuple[float, ...] | int | None
# Bumped whenever the tracking logic changes what it returns (part of the cache key).
TRACKER_VERSION = 5
#: Rules over the people of a video (:func:`posecoach.extract.people.choose_track`).
RULES = ("longest", "largest", "central", "most-active")


def parse_subject(value: SubjectSpec | Sequence[float]) -> SubjectSpec:
    """Validate a subject choice: a rule (``"longest"``, ``"largest"``, ``"central"``,
    ``"most-active"``), a box ``"x0,y0,x1,y1"`` in pixels with an optional time
    ``"@seconds"`` (whoever overlaps it then), a person id from ``posecoach people``, or
    ``None``/``"none"`` (no selection: whoever the backend finds in the full frame).

    Example
    -------
    >>> parse_subject("central"), parse_subject("10,20,110,220"), parse_subject("none")
    ('central', (10.0, 20.0, 110.0, 220.0), None)
    >>> parse_subject("10,20,110,220@2.5"), parse_subject("3"), parse_subject("Most-Active")
    ((10.0, 20.0, 110.0, 220.0, 2.5), 3, 'most-active')
    >>> parse_subject("tallest")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: expected subject 'longest', 'largest', 'central', ...
    """
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    nums: list[float] = []
    if isinstance(value, bool | np.bool_):
        pass
    elif isinstance(value, int | np.integer):
        if value >= 1:
            return int(value)
    elif isinstance(value, str):
        text = value.strip().lower()
        if text in RULES:
            return text
        if text.isdigit() and int(text) >= 1:
            return int(text)
        box, sep, at = text.replace(" ", "").partition("@")
        try:
            nums = [float(p) for p in box.split(",")] + ([float(at)] if sep else [])
        except ValueError:
            nums = []
        if len(nums) != (5 if sep else 4):
            nums = []
    elif isinstance(value, Sequence | np.ndarray):
        try:
            nums = [float(v) for v in value]
        except (TypeError, ValueError):
            nums = []
    box_ok = len(nums) in (4, 5) and all(math.isfinite(v) for v in nums)
    if box_ok and nums[2] > nums[0] and nums[3] > nums[1] and (len(nums) == 4 or nums[4] >= 0):
        return tuple(nums)
    raise InputError(
        "expected subject 'longest', 'largest', 'central', 'most-active', 'none', a person "
        "id, or a box 'x0,y0,x1,y1[@seconds]', got " + repr(value)
    )


def _centre(b: Box) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def _diag(b: Box) -> float:
    return math.hypot(b[2] - b[0], b[3] - b[1])


def choose_subject(boxes: Sequence[Box], spec: SubjectSpec, image_size: tuple[int, int]) -> int:
    """Index of the box the rule picks.

    Example
    -------
    >>> boxes = [(0, 0, 10, 10), (40, 40, 60, 60), (70, 0, 100, 50)]
    >>> choose_subject(boxes, "largest", (100, 100)), choose_subject(boxes, "central", (100, 100))
    (2, 1)
    >>> choose_subject(boxes, (0, 0, 12, 12), (100, 100))
    0
    """
    if not boxes:
        raise InputError("expected at least one person box to choose from, got none")
    if spec in ("longest", "most-active") or isinstance(spec, int):
        spec = "largest"  # one image, or the first frame of a live stream: no history yet
    if spec == "largest":
        return int(np.argmax([(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]))
    w, h = image_size
    if spec == "central":
        target: tuple[float, float] = (w / 2, h / 2)
    elif isinstance(spec, tuple):
        box = (spec[0], spec[1], spec[2], spec[3])
        ious = [box_iou(b, box) for b in boxes]
        if max(ious) > 0:
            return int(np.argmax(ious))
        target = _centre(box)
    else:
        raise InputError(f"expected a subject rule or box, got {spec!r}")
    return int(np.argmin([math.dist(_centre(b), target) for b in boxes]))


def _continuing(boxes: Sequence[Box], previous: Box, reach: float = 1.0) -> int | None:
    """The box that best continues ``previous`` (overlap, else nearest centre in reach)."""
    if not boxes:
        return None
    ious = [box_iou(b, previous) for b in boxes]
    if max(ious) >= 0.1:
        return int(np.argmax(ious))
    dists = [math.dist(_centre(b), _centre(previous)) for b in boxes]
    i = int(np.argmin(dists))
    return i if dists[i] <= reach * _diag(previous) else None


def crop_box(
    box: Box, image_size: tuple[int, int], margin: float = 0.3
) -> tuple[int, int, int, int]:
    """A square-ish crop around a person box, ``margin`` of its long side added each way,
    shifted (not shrunk) to stay inside the image where possible.

    Example
    -------
    >>> crop_box((40, 40, 60, 80), (200, 200))
    (18, 28, 82, 92)
    >>> crop_box((0, 0, 20, 40), (200, 200))
    (0, 0, 64, 64)
    """
    w, h = image_size
    side = max(box[2] - box[0], box[3] - box[1]) * (1 + 2 * margin)
    sw, sh = min(side, w), min(side, h)
    cx, cy = _centre(box)
    x0 = min(max(cx - sw / 2, 0.0), w - sw)
    y0 = min(max(cy - sh / 2, 0.0), h - sh)
    return (round(x0), round(y0), round(x0 + sw), round(y0 + sh))


def keep_crop(crop: tuple[int, int, int, int], box: Box) -> bool:
    """Whether a crop still suits a person box: the box lies inside it (with a small
    border) and fills enough of it. Hysteresis keeps the tracker's region steady.

    Example
    -------
    >>> keep_crop((0, 0, 100, 100), (20, 20, 70, 80)), keep_crop((0, 0, 100, 100), (60, 20, 99, 80))
    (True, False)
    """
    x0, y0, x1, y1 = crop
    side = max(x1 - x0, y1 - y0)
    inner = 0.06 * side
    inside = (
        box[0] >= x0 + inner
        and box[1] >= y0 + inner
        and box[2] <= x1 - inner
        and box[3] <= y1 - inner
    )
    return inside and max(box[2] - box[0], box[3] - box[1]) > 0.45 * side


_TORSO = ("left_shoulder", "right_shoulder", "right_hip", "left_hip")


def appearance(rgb: np.ndarray, det: Detection, skeleton: str) -> np.ndarray | None:
    """Hue-saturation histogram (16 x 8, sums to 1) of the torso quadrilateral, or None.

    Example
    -------
    >>> from posecoach.skeletons import get
    >>> sk = get("blazepose_33")
    >>> kp = np.zeros((33, 3)); conf = np.ones(33)
    >>> for name, xy in zip(_TORSO, [(10, 10), (30, 10), (30, 40), (10, 40)]):
    ...     kp[sk.index(name), :2] = xy
    >>> img = np.zeros((50, 50, 3), np.uint8); img[..., 0] = 255
    >>> h = appearance(img, Detection(kp, conf), "blazepose_33")
    >>> h.shape, round(float(h.sum()), 6), int(h.argmax())
    ((16, 8), 1.0, 7)
    """
    import cv2

    from posecoach.skeletons import get

    sk = get(skeleton)
    quad = det.keypoints[sk.indices(list(_TORSO)), :2]
    if not np.isfinite(quad).all():
        return None
    h, w = rgb.shape[:2]
    x0, y0 = np.clip(np.floor(quad.min(axis=0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(quad.max(axis=0)).astype(int) + 1, 1, [w, h])
    if x1 - x0 < 3 or y1 - y0 < 3:
        return None
    patch = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    mask = np.zeros(patch.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(quad - [x0, y0]).astype(np.int32), (1,))
    if mask.sum() < 9:
        return None
    hsv = cv2.cvtColor(patch, cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], mask, [16, 8], [0, 180, 0, 256])
    return hist / max(float(hist.sum()), 1e-9)


def appearance_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Bhattacharyya distance between two normalised histograms (0 same, 1 disjoint).

    Example
    -------
    >>> a = np.array([[1.0, 0.0]], np.float32); b = np.array([[0.0, 1.0]], np.float32)
    >>> appearance_distance(a, a), appearance_distance(a, b)
    (0.0, 1.0)
    """
    import cv2

    d = cv2.compareHist(a.astype(np.float32), b.astype(np.float32), cv2.HISTCMP_BHATTACHARYYA)
    return float(np.clip(d, 0.0, 1.0))


class SubjectTracker:
    """Run a backend on one chosen person per frame (see the module docstring).

    Parameters
    ----------
    backend
        The pose backend (provides sessions and ``find_people``).
    subject
        As for :func:`parse_subject`; with one frame at a time there is no history, so
        ``"longest"``, ``"most-active"`` and ids choose the largest person.
    static
        Photos (each frame independent) rather than video.
    redetect_every
        While the subject is lost, look for people again every this many frames.
    switch_threshold
        Torso appearance distance above which the tracked person is suspected not to be
        the subject any more.

    Attributes
    ----------
    events
        ``[{"frame", "time_s", "event", "box"}]``: ``chosen``, ``lost``, ``reacquired``,
        ``rechosen`` (possible identity switch), ``switch_corrected``,
        ``identity_uncertain`` (frames from here are NaN) and ``identity_confirmed``.
    """

    def __init__(
        self,
        backend: PoseBackend,
        subject: SubjectSpec = "longest",
        *,
        static: bool = False,
        redetect_every: int = 10,
        switch_threshold: float = 0.6,
    ) -> None:
        self.backend = backend
        self.subject = parse_subject(subject)
        self.static = static
        self.redetect_every = max(1, int(redetect_every))
        self.switch_threshold = float(switch_threshold)
        self.events: list[dict[str, Any]] = []
        self._session: PoseSession | None = None
        self._box: Box | None = None  # subject box in the current frame
        self._last_box: Box | None = None  # last known box while lost
        self._crop: tuple[int, int, int, int] | None = None
        self._since_search = 10**9
        self._frame = -1
        self._time = 0.0
        self._ref: np.ndarray | None = None  # subject's torso appearance
        self._ref_n = 0
        self._suspect = 0
        self._since_check = 10**9
        self._uncertain = False

    # ------------------------------------------------------------------ internals
    def _new_session(self) -> PoseSession:
        if self._session is not None:
            self._session.close()
        self._session = self.backend.open(static=self.static)
        return self._session

    def _event(self, kind: str, box: Box | None) -> None:
        self.events.append(
            {
                "frame": self._frame,
                "time_s": round(self._time, 6),
                "event": kind,
                "box": None if box is None else [round(v, 1) for v in box],
            }
        )

    def _distances(self, rgb: np.ndarray, people: Sequence[Detection]) -> list[float]:
        out = []
        for p in people:
            sig = appearance(rgb, p, self.backend.skeleton)
            ok = sig is not None and self._ref is not None
            out.append(appearance_distance(self._ref, sig) if ok else 1.0)  # type: ignore[arg-type]
        return out

    def _acquire(self, rgb: np.ndarray, size: tuple[int, int]) -> Detection | None:
        self._since_search = 0
        people = self.backend.find_people(rgb)
        if not people:
            return None
        boxes = [p.box() for p in people]
        kind = "chosen"
        if self._last_box is None or self.static:
            idx = choose_subject(boxes, self.subject, size)
        else:
            dists = self._distances(rgb, people)
            near = _continuing(boxes, self._last_box)
            if min(dists) < self.switch_threshold:
                idx, kind = int(np.argmin(dists)), "reacquired"
            elif near is not None:
                idx, kind = near, "reacquired"
            else:
                idx, kind = choose_subject(boxes, self.subject, size), "rechosen"
        self._set_subject(boxes[idx])
        self._event(kind, self._box)
        return people[idx]

    def _set_subject(self, box: Box) -> None:
        self._box = box
        if not self.static:
            self._new_session()

    def _run_crop(self, rgb: np.ndarray, time_s: float, size: tuple[int, int]) -> Detection | None:
        assert self._box is not None
        if self._crop is None or self.static:
            self._crop = crop_box(self._box, size)
        session = self._session or self._new_session()
        x0, y0, x1, y1 = self._crop
        found = session.process(rgb[y0:y1, x0:x1], time_s)
        return found[0].shifted(x0, y0) if found else None

    def _update_crop(self, box: Box, size: tuple[int, int]) -> None:
        assert self._crop is not None
        if not keep_crop(self._crop, box):
            self._crop = crop_box(box, size)

    def _learn(self, rgb: np.ndarray, det: Detection) -> float:
        """Appearance distance of ``det`` to the subject; the first 5 frames build it."""
        sig = appearance(rgb, det, self.backend.skeleton)
        if sig is None:
            return 0.0
        if self._ref_n < 5:
            n = self._ref_n
            self._ref = sig if self._ref is None else (self._ref * n + sig) / (n + 1)
            self._ref_n += 1
            return 0.0
        assert self._ref is not None
        return appearance_distance(self._ref, sig)

    def _check_identity(
        self, rgb: np.ndarray, det: Detection, dist: float, size: tuple[int, int]
    ) -> Detection:
        """The tracked person looks unlike the subject: is another person a better match?"""
        people = self.backend.find_people(rgb)
        if not people:
            return det
        dists = self._distances(rgb, people)
        best = int(np.argmin(dists))
        same = box_iou(people[best].box(), det.box()) >= 0.5
        if same or dists[best] > dist - 0.15:
            return det  # the tracked person is still the best match
        self._box = people[best].box()
        self._crop = crop_box(self._box, size)
        self._new_session()
        self._suspect = 0
        self._event("switch_corrected", self._box)
        return people[best]

    # ------------------------------------------------------------------ public
    def process(self, rgb: np.ndarray, time_s: float) -> Detection | None:
        """The subject's detection in this frame (full-frame pixels), or None."""
        self._frame += 1
        self._time = time_s
        h, w = rgb.shape[:2]
        size = (w, h)
        if self.subject is None:
            session = self._session or self._new_session()
            found = session.process(rgb, time_s)
            return found[0] if found else None
        if self.static or self._box is None:
            self._since_search += 1
            if not self.static and self._since_search < self.redetect_every:
                return None
            if self._acquire(rgb, size) is None:
                return None
            self._crop = None
        det = self._run_crop(rgb, time_s, size)
        if det is None and self._box is not None and not self.static:
            # the tracker lost the subject: look at the whole frame once, right away
            self._event("lost", self._box)
            self._last_box, self._box = self._box, None
            det = self._acquire(rgb, size)
            self._crop = None if det is None else crop_box(det.box(), size)
        if det is None:
            self._last_box, self._box = self._box or self._last_box, None
            self._since_search = 0
            return None
        if not self.static:
            dist = self._learn(rgb, det)
            self._suspect = self._suspect + 1 if dist > self.switch_threshold else 0
            self._since_check += 1
            if self._suspect >= 2 and self._since_check >= 5:
                self._since_check = 0
                det = self._check_identity(rgb, det, dist, size)
            if self._suspect >= 2:  # still someone who does not look like the subject
                if not self._uncertain:
                    self._event("identity_uncertain", det.box())
                self._uncertain = True
                self._box = det.box()
                self._update_crop(self._box, size)
                return None
            if self._uncertain:
                self._event("identity_confirmed", det.box())
            self._uncertain = False
        new_box = det.box()
        self._box = new_box
        self._update_crop(new_box, size)
        return det

    def close(self) -> None:
        """Release the backend session."""
        if self._session is not None:
            self._session.close()
            self._session = None
