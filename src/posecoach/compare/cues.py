"""Cues: plain-language corrections tied to time ranges and joints, ranked by importance.

Left and right are the person's own: ``left_knee`` is the person's left knee, whatever
side of the image it appears on. Mirrored (selfie) video is NOT flipped: the pose
estimator already labels joints from the person's point of view, so a cue about the
"left knee" always means the knee the person calls left.

Each angle (and each extremity without an angle cue) gives at most one cue per time
range; ranges of one joint never overlap and each has one direction, so cues never
contradict each other.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from posecoach.compare.score import ANGLES, TRUNK, FrameScores
from posecoach.geometry import hip_center, shoulder_center
from posecoach.skeletons import Skeleton

__all__ = ["Cue", "make_cues", "format_time", "lean_direction"]

#: Extremities checked for position cues, with the angle whose cue already explains them.
_EXTREMITIES = {
    "left_wrist": "left_elbow",
    "right_wrist": "right_elbow",
    "left_ankle": "left_knee",
    "right_ankle": "right_knee",
    "nose": TRUNK,
}


@dataclass(frozen=True)
class Cue:
    """One correction.

    Attributes
    ----------
    start_s, end_s
        Time range in seconds (attempt time).
    joint
        Joint or angle name (``left_knee``, ``trunk_lean``, ``left_wrist``).
    text
        The sentence shown to the person.
    severity
        0-1: how large the difference is (45° or one torso length = 1).
    value
        The signed difference (degrees for angles, torso lengths for positions).
    """

    start_s: float
    end_s: float
    joint: str
    text: str
    severity: float
    value: float

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready dict (the ``cues`` entries of result.json)."""
        return asdict(self)


def format_time(t: float, *, precise: bool = False) -> str:
    """``m:ss`` (or ``m:ss.s`` when ``precise``).

    Example
    -------
    >>> format_time(64.2), format_time(4.25, precise=True)
    ('1:04', '0:04.2')
    """
    if precise:
        minutes, seconds = divmod(round(t, 1), 60)
        return f"{int(minutes)}:{seconds:04.1f}"
    minutes, seconds = divmod(round(t), 60)
    return f"{minutes}:{seconds:02d}"


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def _runs(mask: np.ndarray, min_len: int, max_gap: int) -> list[tuple[int, int]]:
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    runs: list[list[int]] = [[int(idx[0]), int(idx[0]) + 1]]
    for i in idx[1:]:
        if i - runs[-1][1] <= max_gap:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    return [(a, b) for a, b in runs if b - a >= min_len]


def _smooth(x: np.ndarray, size: int) -> np.ndarray:
    if size <= 1 or len(x) < size:
        return x
    from scipy.ndimage import median_filter

    filled = np.where(np.isfinite(x), x, 0.0)
    out = median_filter(filled, size=size, mode="nearest")
    return np.where(np.isfinite(x), out, np.nan)


def _angle_text(name: str, diff: float, lean: float = 0.0) -> str:
    mag = round(abs(diff))
    if name == TRUNK:
        way = " forward" if lean > 0.5 else " back" if lean < -0.5 else ""
        return (
            f"trunk leans{way} {mag}° more than the reference"
            if diff > 0
            else f"trunk is {mag}° more upright than the reference"
        )
    side, part = name.split("_", 1)
    if part == "shoulder":
        return (
            f"{side} arm is raised {mag}° higher than the reference"
            if diff > 0
            else f"{side} arm is {mag}° lower than the reference: raise it"
        )
    # elbows, hips, knees: 180° = straight, so a smaller angle bends more.
    return (
        f"{side} {part} bends {mag}° less than the reference"
        if diff > 0
        else f"{side} {part} bends {mag}° more than the reference"
    )


def _mean(values: np.ndarray | None, a: int, b: int) -> float:
    if values is None:
        return 0.0
    part = np.asarray(values[a:b], dtype=np.float64)
    return float(np.nanmean(part)) if np.isfinite(part).any() else 0.0


def lean_direction(positions: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """Per frame +1 if the trunk leans forward, -1 back, 0 when it cannot be told.

    "Forward" is the side the nose is on relative to the shoulders, along the image
    (or camera) x axis, so it is known in side views only; it needs the lean and the
    nose offset each to exceed a tenth of the torso length.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[[11, 12]] = [0, 2]; p[[5, 6]] = [0.5, 0]; p[0] = [1, -0.3]
    >>> lean_direction(p[None], COCO_17).tolist()
    [1.0]
    """
    hip = hip_center(positions, skeleton)
    sho = shoulder_center(positions, skeleton)
    torso = np.linalg.norm(sho - hip, axis=-1)
    if not skeleton.has("nose"):
        return np.zeros(positions.shape[0])
    facing = positions[..., skeleton.index("nose"), 0] - sho[..., 0]
    lean = sho[..., 0] - hip[..., 0]
    with np.errstate(invalid="ignore"):
        known = (np.abs(facing) > 0.1 * torso) & (np.abs(lean) > 0.1 * torso)
        return np.where(known, np.sign(facing) * np.sign(lean), 0.0)


def make_cues(
    fs: FrameScores,
    times: np.ndarray,
    *,
    vertical_offset: np.ndarray | None = None,
    lean_direction: np.ndarray | None = None,
    min_angle_deg: float = 15.0,
    min_error: float = 0.35,
    min_duration_s: float = 0.2,
    max_cues: int = 8,
) -> list[Cue]:
    """Turn frame comparisons into ranked, non-contradicting cues.

    Parameters
    ----------
    fs
        Frame comparison from :func:`posecoach.compare.score.score_frames`.
    times
        ``(T,)`` attempt times in seconds.
    vertical_offset
        Optional ``(T, K)`` attempt-minus-reference vertical offset in torso lengths,
        positive = the attempt's joint is higher; gives "higher/lower" wording.
    lean_direction
        Optional ``(T,)``: +1 where the attempt's trunk leans forward (towards where the
        person faces), -1 back, 0 unknown (e.g. seen from the front); gives "leans
        forward/back" wording (see :func:`lean_direction`).
    min_angle_deg, min_error
        Smallest angle difference (degrees) and position error (torso lengths) worth a
        cue.
    min_duration_s
        Shortest time range (shorter sequences: any length).
    max_cues
        Keep the most important ones.

    Returns
    -------
    Cues sorted by importance (severity times the square root of the covered fraction).

    Example
    -------
    >>> from posecoach import PoseSequence
    >>> from posecoach.compare.score import score_frames
    >>> p = np.zeros((10, 17, 2)); p[:, [5, 6], 1] = 0; p[:, [11, 12], 1] = 2
    >>> p[:, [5, 11], 0] = -1; p[:, [6, 12], 0] = 1
    >>> p[:, 13] = [-1, 4]; p[:, 15] = [-1, 6]                  # left leg straight
    >>> q = p.copy(); q[5:, 15] = [1, 4]                        # knee bent 90° from 0:00.5
    >>> fs = score_frames(PoseSequence(q, skeleton="coco_17"), PoseSequence(p, skeleton="coco_17"))
    >>> [c.text for c in make_cues(fs, np.arange(10) / 10)][:1]
    ['left knee bends 90° more than the reference at 0:00.5-0:00.9']
    """
    t = np.asarray(times, dtype=np.float64)
    n = len(t)
    fps = 1.0 / float(np.median(np.diff(t))) if n > 1 else 30.0
    min_len = max(1, round(min_duration_s * fps))
    if n < 3 * min_len:
        min_len = 1
    smooth = max(1, (min_len // 2) * 2 + 1)
    precise = (t[-1] - t[0]) < 5.0 if n > 1 else True

    def when(a: int, b: int) -> str:
        start, end = format_time(t[a], precise=precise), format_time(t[b - 1], precise=precise)
        return f"at {start}" if start == end else f"at {start}-{end}"

    raw: list[tuple[float, Cue]] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for i, name in enumerate(fs.angle_names):
        diff = _smooth(fs.angle_diffs[:, i], smooth)
        for sign in (1.0, -1.0):
            mask = np.nan_to_num(sign * diff, nan=0.0) > min_angle_deg
            for a, b in _runs(mask, min_len, max_gap=min_len):
                value = float(np.nanmedian(fs.angle_diffs[a:b, i]))
                if sign * value <= 0:
                    continue
                severity = min(1.0, abs(value) / 45.0)
                cue = Cue(
                    float(t[a]),
                    float(t[b - 1]),
                    name,
                    f"{_angle_text(name, value, _mean(lean_direction, a, b))} {when(a, b)}",
                    round(severity, 3),
                    round(value, 1),
                )
                raw.append((severity * np.sqrt((b - a) / n), cue))
                taken.setdefault(name, []).append((a, b))
    for joint, angle in _EXTREMITIES.items():
        if joint not in fs.joint_names:
            continue
        k = fs.joint_names.index(joint)
        err = _smooth(fs.joint_errors[:, k], smooth)
        mask = np.nan_to_num(err, nan=0.0) > min_error
        for a, b in _runs(mask, min_len, max_gap=min_len):
            if any(min(b, y) - max(a, x) > 0 for x, y in taken.get(angle, [])):
                continue
            value = float(np.nanmedian(fs.joint_errors[a:b, k]))
            where = "away from"
            if vertical_offset is not None:
                dy = float(np.nanmedian(vertical_offset[a:b, k]))
                if abs(dy) > 0.5 * value:
                    where = "higher than" if dy > 0 else "lower than"
            text = (
                f"{_pretty(joint)} is {value:.1f} torso lengths {where} the reference {when(a, b)}"
            )
            severity = min(1.0, value)
            raw.append(
                (
                    severity * np.sqrt((b - a) / n),
                    Cue(float(t[a]), float(t[b - 1]), joint, text, round(severity, 3), value),
                )
            )
    raw.sort(key=lambda item: -item[0])
    return [cue for _, cue in raw[:max_cues]]


# Angles a cue may name, for documentation and the report.
CUE_JOINTS: tuple[str, ...] = (*ANGLES, TRUNK, *_EXTREMITIES)
