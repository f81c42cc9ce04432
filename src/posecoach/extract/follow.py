"""Following the chosen person of a :class:`~posecoach.extract.people.PeopleScan`.

:class:`TrackFollower` runs the backend's tracking session on a crop around the chosen
track in every frame. The crop follows the last pose found (the track's box, interpolated
between the people pass's samples, when there is none). A pose is kept unless it is
clearly someone else's: its box overlaps another person's track clearly more than the
subject's, its keypoints lie clearly nearer the keypoints the people pass found for another
person, or its hips moved faster than a body moves since the last pose (the landmarker
slid onto someone else); then the frame is dropped and tracking restarts. Frames where the
chosen person is not in view are dropped too; a person still tracked when the track's
samples end (the people pass stopped seeing them, or the video goes on past its last
sample) is followed on while each pose continues the last one. Every dropped frame is
counted by reason and the start of every run of drops is an event.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from posecoach.extract.base import Box, Detection, PoseBackend, PoseSession
from posecoach.extract.mediapipe_backend import box_iou
from posecoach.extract.people import PeopleScan, PersonTrack, confident_xy
from posecoach.extract.subject import crop_box, keep_crop
from posecoach.pose import PoseSequence
from posecoach.skeletons import get

__all__ = [
    "TrackFollower",
    "FollowGroup",
    "DROP_REASONS",
    "chosen_event",
    "subject_summary",
    "sequence_subject",
]

#: Why a frame has no pose: the person is not in view (between the track's end and the
#: next start), the landmarker found nobody in the crop, or it found another person.
DROP_REASONS = ("not_in_view", "no_pose", "another_person")


def chosen_event(chosen: PersonTrack) -> dict[str, Any]:
    """The ``chosen`` event that opens the subject events: who, from when, which box."""
    return {
        "frame": chosen.frames[0],
        "time_s": round(chosen.first_time, 6),
        "event": "chosen",
        "person": chosen.id,
        "box": [round(v, 1) for v in chosen.boxes[0]],
    }


#: A pose within this share of its size (median keypoint gap) of the subject's keypoints
#: from the people pass is the subject, whoever else is near.
SAME_PERSON_GAP = 0.05
#: Otherwise it is someone else when their keypoints are this much nearer.
NEARER = 0.5
#: Hips moving faster than this many torso lengths a second (about 5 m/s) between two
#: poses kept: the landmarker has slid onto someone else.
MAX_TRUNK_SPEED = 10.0


def _median_gap(xy: np.ndarray, ref: np.ndarray | None, min_joints: int = 6) -> float | None:
    """Median distance between two keypoint sets over the joints both have, or None.

    Example
    -------
    >>> a = np.array([[0.0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [5, 0], [np.nan, 0]])
    >>> _median_gap(a, a + [0, 3])
    3.0
    """
    if ref is None:
        return None
    both = np.isfinite(xy).all(axis=1) & np.isfinite(ref).all(axis=1)
    if int(both.sum()) < min_joints:
        return None
    return float(np.median(np.linalg.norm(xy[both] - ref[both], axis=1)))


#: How many frames of kept poses a follower remembers, and how far back
#: :class:`FollowGroup` looks to tell who a shared pose belongs to.
HISTORY = 30
LOOK_BACK = 10
#: Two followers' poses within this share of the pose's size (median keypoint gap) are
#: the same body, at least in part (two people side by side are a shoulder width, about a
#: quarter of the size, apart or more).
SAME_BODY = 0.15


def pose_size(xy: np.ndarray) -> float:
    """Diagonal of the box round the finite keypoints (0 without two of them).

    Example
    -------
    >>> pose_size(np.array([[0.0, 0.0], [3.0, 4.0], [np.nan, 9.0]]))
    5.0
    """
    ok = np.isfinite(xy).all(axis=1)
    if ok.sum() < 2:
        return 0.0
    return float(np.hypot(*(xy[ok].max(axis=0) - xy[ok].min(axis=0))))


class TrackFollower:
    """The chosen person's detection in each frame of the video that was scanned.

    Parameters
    ----------
    backend
        The pose backend.
    scan
        The people pass over the same video.
    chosen
        The subject's track (one of ``scan.tracks``).
    """

    def __init__(self, backend: PoseBackend, scan: PeopleScan, chosen: PersonTrack) -> None:
        self.backend = backend
        self.scan = scan
        self.chosen = chosen
        self.others = [t for t in scan.tracks if t.id != chosen.id]
        self.dropped: dict[str, int] = dict.fromkeys(DROP_REASONS, 0)
        self.events: list[dict[str, Any]] = [chosen_event(chosen)]
        self._session: PoseSession | None = None
        self._crop: tuple[int, int, int, int] | None = None
        self._prev: Box | None = None
        self._last_reason: str | None = None
        # (mid-hip x, y, torso length, time) of the last pose kept, while tracking
        self._last_trunk: tuple[float, float, float, float] | None = None
        #: The last ``HISTORY`` frames' kept poses, frame -> keypoints (K, 2).
        self.kept: dict[int, np.ndarray] = {}
        sk = get(backend.skeleton)
        self._hips = [sk.index("left_hip"), sk.index("right_hip")]
        self._shoulders = [sk.index("left_shoulder"), sk.index("right_shoulder")]

    def _restart(self) -> PoseSession:
        if self._session is not None:
            self._session.close()
        self._session = self.backend.open(static=False)
        self._crop = None
        self._prev = None
        self._last_trunk = None
        return self._session

    def _drop(self, frame: int, time_s: float, reason: str, box: Box | None) -> None:
        self.dropped[reason] += 1
        if reason != self._last_reason:
            self.events.append(
                {
                    "frame": frame,
                    "time_s": round(time_s, 6),
                    "event": reason,
                    "box": None if box is None else [round(v, 1) for v in box],
                }
            )
        self._last_reason = reason

    def process(self, rgb: np.ndarray, frame: int, time_s: float) -> Detection | None:
        """The subject's detection in frame number ``frame`` (full-frame pixels), or None."""
        h, w = rgb.shape[:2]
        track_box = self.chosen.box_at(frame, reach=self.scan.every)
        if track_box is None and self._prev is None:
            self._drop(frame, time_s, "not_in_view", None)
            return None
        session = self._session or self._restart()
        # Beyond the track's samples (the people pass last saw the person a while ago),
        # a person still being tracked is followed on: the last pose is the guide.
        guide = self._prev if self._prev is not None else track_box
        assert guide is not None
        if self._crop is None or not keep_crop(self._crop, guide):
            self._crop = crop_box(guide, (w, h))
        x0, y0 = self._crop[:2]
        found = session.process(self._masked_crop(rgb, frame, guide), time_s)
        if not found:
            self._prev = None
            if track_box is None:
                self._restart()
                self._drop(frame, time_s, "not_in_view", None)
            else:
                self._drop(frame, time_s, "no_pose", track_box)
            return None
        det = found[0].shifted(x0, y0)
        box = det.box()
        own = box_iou(box, track_box if track_box is not None else guide)
        other = max(
            (box_iou(box, b) for t in self.others if (b := t.box_at(frame)) is not None),
            default=0.0,
        )
        trunk = self._trunk(det)
        if (
            (own < 0.5 and other > own + 0.1)
            or (track_box is None and own < 0.3)
            or self._nearer_someone_else(det, frame)
            or self._jumped(trunk, time_s)
        ):
            self._restart()
            self._drop(frame, time_s, "another_person", box)
            return None
        self._last_trunk = None if trunk is None else (*trunk, time_s)
        if self._last_reason is not None:
            self.events.append({"frame": frame, "time_s": round(time_s, 6), "event": "found"})
            self._last_reason = None
        self._prev = box
        self.kept[frame] = confident_xy(det)
        self.kept.pop(frame - HISTORY, None)
        return det

    def reject(self, frame: int, time_s: float, det: Detection) -> None:
        """Take back the pose :meth:`process` just returned for ``frame``: it is someone
        else's (:class:`FollowGroup` found another follower on the same body)."""
        self.kept.pop(frame, None)
        found = {"frame": frame, "time_s": round(time_s, 6), "event": "found"}
        if self.events and self.events[-1] == found:
            self.events.pop()  # it was not found after all: the run of drops goes on
            self._last_reason = str(self.events[-1]["event"])
        self._restart()
        self._drop(frame, time_s, "another_person", det.box())

    def past(self, frame: int) -> np.ndarray | None:
        """The kept pose nearest ``LOOK_BACK`` frames before ``frame`` (within half of
        that), keypoints (K, 2) with NaN where unsure; None without one."""
        want = frame - LOOK_BACK
        near = [f for f in self.kept if abs(f - want) <= LOOK_BACK // 2]
        return self.kept[min(near, key=lambda f: abs(f - want))] if near else None

    def _masked_crop(self, rgb: np.ndarray, frame: int, guide: Box) -> np.ndarray:
        """The crop, with the other people blanked where they stand outside the subject's
        box (grown by a tenth): the landmarker cannot slide onto someone it cannot see,
        and where two people overlap nothing is hidden.

        Example
        -------
        >>> import numpy as np
        >>> me = PersonTrack(1, [0], [0.0], [(0, 0, 10, 20)])
        >>> you = PersonTrack(2, [0], [0.0], [(20, 0, 30, 20)])
        >>> scan = PeopleScan([me, you], [0], 10, (40, 20), 1, 30.0)
        >>> f = TrackFollower.__new__(TrackFollower)
        >>> f.scan, f.others, f._crop = scan, [you], (0, 0, 40, 20)
        >>> crop = f._masked_crop(np.full((20, 40, 3), 9, np.uint8), 0, (0, 0, 10, 20))
        >>> int(crop[:, :11].min()), int(crop[:, 21:29].max()), int(crop[:, 31:].min())
        (9, 0, 9)
        """
        assert self._crop is not None
        x0, y0, x1, y1 = self._crop
        crop = rgb[y0:y1, x0:x1]
        gw, gh = (guide[2] - guide[0]) * 0.1, (guide[3] - guide[1]) * 0.1
        keep = (guide[0] - gw - x0, guide[1] - gh - y0, guide[2] + gw - x0, guide[3] + gh - y0)
        out: np.ndarray | None = None
        for t in self.others:
            b = t.box_at(frame, reach=self.scan.every)
            if b is None:
                continue
            bx0, by0 = max(0, int(b[0]) - x0), max(0, int(b[1]) - y0)
            bx1, by1 = (
                min(x1 - x0, math.ceil(b[2]) - x0),
                min(y1 - y0, math.ceil(b[3]) - y0),
            )
            if bx1 <= bx0 or by1 <= by0:
                continue
            if out is None:
                out = crop.copy()
            region = np.ones((by1 - by0, bx1 - bx0), bool)
            kx0, ky0 = max(0, int(keep[0]) - bx0), max(0, int(keep[1]) - by0)
            kx1, ky1 = math.ceil(keep[2]) - bx0, math.ceil(keep[3]) - by0
            if kx1 > kx0 and ky1 > ky0:
                region[ky0 : max(ky0, ky1), kx0 : max(kx0, kx1)] = False
            out[by0:by1, bx0:bx1][region] = 0
        return crop if out is None else out

    def _trunk(self, det: Detection) -> tuple[float, float, float] | None:
        """Mid-hip (x, y) and torso length (mid-shoulder to mid-hip) in pixels, or None
        when the pose is unsure of its hips or shoulders."""
        joints = self._hips + self._shoulders
        if (det.confidence[joints] < 0.5).any():
            return None
        hip = det.keypoints[self._hips, :2].mean(axis=0)
        shoulder = det.keypoints[self._shoulders, :2].mean(axis=0)
        torso = float(np.linalg.norm(shoulder - hip))
        return (float(hip[0]), float(hip[1]), torso) if torso > 0 else None

    def _jumped(self, trunk: tuple[float, float, float] | None, time_s: float) -> bool:
        """Whether the hips moved faster than a body moves (``MAX_TRUNK_SPEED`` torso
        lengths a second) since the last pose kept: the landmarker slid, at least partly,
        onto someone else."""
        if trunk is None or self._last_trunk is None:
            return False
        x, y, torso, t = self._last_trunk
        dt = time_s - t
        if not dt > 0:
            return False
        return math.hypot(trunk[0] - x, trunk[1] - y) / dt > MAX_TRUNK_SPEED * torso

    def _nearer_someone_else(self, det: Detection, frame: int) -> bool:
        """Whether the pose's keypoints lie clearly nearer another person's (as the people
        pass found them, interpolated between its samples) than the subject's: the
        landmarker has slid onto someone the subject stands in front of or behind, where
        their boxes overlap too much to tell."""
        mine = self.chosen.points_at(frame, reach=self.scan.every)
        if mine is None:
            return False
        xy = confident_xy(det)
        size = pose_size(xy)
        d_own = _median_gap(xy, mine)
        if d_own is None or not size > 0 or d_own < SAME_PERSON_GAP * size:
            return False
        for t in self.others:
            d = _median_gap(xy, t.points_at(frame, reach=self.scan.every))
            if d is not None and d < NEARER * d_own:
                return True
        return False

    def summary(self) -> dict[str, Any]:
        """Kept and dropped frame counts, for the sequence's metadata."""
        return {"dropped": dict(self.dropped), "events": list(self.events)}

    def close(self) -> None:
        """Release the backend session."""
        if self._session is not None:
            self._session.close()
            self._session = None


def _overlaps_ever(a: PersonTrack, b: PersonTrack) -> bool:
    """Whether two tracks' boxes overlap at some frame where both were sampled."""
    theirs = dict(zip(b.frames, b.boxes, strict=True))
    return any(
        f in theirs and box_iou(box, theirs[f]) > 0
        for f, box in zip(a.frames, a.boxes, strict=True)
    )


class FollowGroup:
    """The chosen person's :class:`TrackFollower`, and one for every person whose box ever
    overlaps theirs (the people the landmarker could slide onto). When the subject's pose
    and another follower's are the same body, it is given to the follower whose pose
    ``LOOK_BACK`` frames earlier it continues best (the subject without a pose then loses
    to a follower with one), and the subject's frame is dropped as
    ``another_person`` when that is someone else: where one of two overlapping people is
    seen from behind, BlazePose's face-keyed detector drifts onto the face it can see.

    The extra followers cost one tracking run each, only in videos where people overlap.
    """

    def __init__(self, backend: PoseBackend, scan: PeopleScan, chosen: PersonTrack) -> None:
        self.subject = TrackFollower(backend, scan, chosen)
        self.rivals = [
            TrackFollower(backend, scan, t)
            for t in scan.tracks
            if t.id != chosen.id and _overlaps_ever(t, chosen)
        ]

    @property
    def dropped(self) -> dict[str, int]:
        return self.subject.dropped

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.subject.events

    def process(self, rgb: np.ndarray, frame: int, time_s: float) -> Detection | None:
        """The subject's detection in frame ``frame``, or None (see the class)."""
        det = self.subject.process(rgb, frame, time_s)
        for rival in self.rivals:
            theirs = rival.process(rgb, frame, time_s)
            if det is None or theirs is None:
                continue
            mine_xy, their_xy = confident_xy(det), confident_xy(theirs)
            gap = _median_gap(mine_xy, their_xy)
            if gap is None or gap >= SAME_BODY * max(pose_size(mine_xy), 1e-9):
                continue
            d_mine = _median_gap(mine_xy, self.subject.past(frame))
            d_theirs = _median_gap(their_xy, rival.past(frame))
            if d_theirs is not None and (d_mine is None or d_theirs < d_mine):
                self.subject.reject(frame, time_s, det)
                det = None
        return det

    def close(self) -> None:
        """Release every follower's session."""
        for f in (self.subject, *self.rivals):
            f.close()


_REASON_WORDS = {
    "not_in_view": "not in view",
    "no_pose": "no pose found",
    "another_person": "another person",
}


def subject_summary(metadata: dict[str, Any], n_frames: int, n_found: int) -> dict[str, Any]:
    """Who was followed and what was lost, from an extracted sequence's metadata: a
    JSON-ready dict with a one-line ``"line"`` (the CLI prints it; result.json and the
    report carry it).

    Example
    -------
    >>> meta = {"subject": "longest", "subject_mode": "follow",
    ...         "people": {"people": [{"id": 1}, {"id": 2}], "subject_id": 2},
    ...         "frames_dropped": {"not_in_view": 5, "no_pose": 0, "another_person": 4},
    ...         "subject_events": [{"event": "chosen"}, {"event": "another_person"}]}
    >>> subject_summary(meta, 230, 221)["line"]
    'person 2 of 2 (longest), pose in 221 of 230 frames; dropped: 5 not in view, 4 another person'
    """
    people = metadata.get("people") or {}
    ids = [p.get("id") for p in people.get("people", [])]
    rule = metadata.get("subject")
    rule_text = (
        "box "
        + ",".join(str(round(float(v))) for v in rule[:4])
        + (f" @{rule[4]} s" if len(rule) > 4 else "")
        if isinstance(rule, (list, tuple))
        else ("no selection" if rule is None else str(rule))
    )
    sid = people.get("subject_id")
    who = f"person {sid} of {len(ids)} ({rule_text})" if sid is not None else f"({rule_text})"
    if metadata.get("subject_mode") == "plain" and sid is not None and len(ids) <= 1:
        who = f"the only person ({rule_text})"
    dropped = {k: int(v) for k, v in (metadata.get("frames_dropped") or {}).items() if v}
    line = f"{who}, pose in {n_found} of {n_frames} frames"
    if dropped:
        line += "; dropped: " + ", ".join(
            f"{n} {_REASON_WORDS.get(k, k)}" for k, n in dropped.items()
        )
    events = metadata.get("subject_events") or []
    switches = sum(e.get("event") in ("switch_corrected", "rechosen") for e in events)
    if switches:
        line += f"; {switches} identity switch(es) corrected"
    return {
        "person": sid,
        "people_found": len(ids),
        "mode": metadata.get("subject_mode"),
        "rule": rule,
        "frames": n_frames,
        "frames_with_pose": n_found,
        "dropped": dropped,
        "line": line,
    }


def sequence_subject(seq: PoseSequence) -> dict[str, Any] | None:
    """:func:`subject_summary` of an extracted sequence (None for poses read from a
    file that does not say who was followed)."""
    if "subject_mode" not in seq.metadata:
        return None
    found = int(seq.visible.any(axis=1).sum())
    return subject_summary(dict(seq.metadata), seq.n_frames, found)
