"""Live coaching logic: match a live pose to the reference, draw its ghost, cue, count reps.

Per frame (:meth:`LiveCoach.step`):

1. the live pose is normalised (hip-centred, divided by torso length) on 12 limb joints;
2. the nearest reference frame by that normalised distance is the reference *phase*; its
   pose, scaled and shifted onto the live torso, is the *ghost*;
3. the cue names the limb angle (elbows, shoulders, hips, knees) that differs most from the
   ghost's, when it differs by more than ``cue_threshold_deg``;
4. repetitions are counted by :class:`posecoach.compare.autoreps.LiveRepCounter`, the
   automatic counter made causal: the person's own rest pose and range of movement, learnt
   as they go, with the same hysteresis as ``posecoach reps`` (no reference, classifier or
   setup needed; a camera angle unlike the reference's does not matter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecoach.compare.autoreps import LiveRepCounter
from posecoach.compare.coaching import cue_sentence
from posecoach.compare.form import JOINT_ANGLES
from posecoach.geometry import joint_angle, normalize_by_torso
from posecoach.pose import PoseSequence
from posecoach.skeletons import LIMB_JOINTS, TORSO_JOINTS, get

__all__ = ["LiveCoach", "normalise_pose", "points_json"]

SKELETON = get("blazepose_33")
_LIMB_IDX = SKELETON.indices(LIMB_JOINTS)
_TORSO_IDX = SKELETON.indices(TORSO_JOINTS)
#: The joint angles the form score uses, keyed by a readable name ("left elbow").
ANGLES = {name.replace("_", " "): abc for name, abc in JOINT_ANGLES.items()}


def normalise_pose(points: np.ndarray) -> np.ndarray:
    """Limb joints of ``(..., 33, 2)`` poses, hip-centred and divided by torso length.

    Example
    -------
    >>> p = np.zeros((33, 2)); p[[11, 12], 1] = -2.0; p[[11, 23]] += [[1, 0], [1, 0]]
    >>> normalise_pose(p).shape
    (12, 2)
    """
    rel, _ = normalize_by_torso(np.asarray(points, dtype=np.float64), SKELETON)
    return rel[..., _LIMB_IDX, :]


def points_json(points: np.ndarray, confidence: np.ndarray) -> list[list[float] | None]:
    """Landmarks as ``[x, y, confidence]`` lists for JSON, ``None`` for a missing joint.

    Example
    -------
    >>> points_json(np.array([[1.234, 2.0], [np.nan, np.nan]]), np.array([0.9, 0.0]))
    [[1.2, 2.0, 0.9], None]
    """
    out: list[list[float] | None] = []
    for (x, y), c in zip(
        np.asarray(points)[:, :2].tolist(), np.asarray(confidence).tolist(), strict=True
    ):
        ok = np.isfinite(x) and np.isfinite(y)
        out.append([round(x, 1), round(y, 1), round(c, 2)] if ok else None)
    return out


def _distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean joint distance between normalised poses, ignoring missing joints."""
    d = np.linalg.norm(a - b, axis=-1)
    return np.nanmean(np.where(np.isfinite(d), d, np.nan), axis=-1)


@dataclass
class LiveCoach:
    """Stateful per-connection coach over a reference pose sequence (BlazePose-33, pixels)."""

    reference: PoseSequence | None
    cue_threshold_deg: float = 20.0
    _ref_norm: np.ndarray = field(init=False, repr=False)
    _reps: LiveRepCounter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ref_norm = np.zeros((0, len(LIMB_JOINTS), 2))
        if self.reference is not None:
            ref = self.reference.convert("blazepose_33")
            pts = np.asarray(ref.positions[..., :2], dtype=float)
            self._ref_pts = pts
            self._ref_norm = normalise_pose(pts)
        # the automatic counter (compare.autoreps), causal: the person's own rest pose and
        # range, with or without a reference
        self._reps = LiveRepCounter("blazepose_33")

    def step(self, points: np.ndarray | None) -> dict[str, Any]:
        """One live frame's feedback: ghost points, phase, cue and repetition count."""
        count = self._reps.update(None if points is None else np.asarray(points)[:, :2])
        out: dict[str, Any] = {"person": points is not None, "reps": count}
        out.update(ghost=None, phase=None, cue="", angle_diff=None)
        if points is None or self.reference is None or len(self._ref_norm) == 0:
            if points is None:
                out["cue"] = "step into view"
            return out
        live = normalise_pose(points)
        dist = _distance(self._ref_norm, live[None])
        if not np.isfinite(dist).any():
            return out
        idx = int(np.nanargmin(dist))
        out["phase"] = idx / max(len(self._ref_norm) - 1, 1)
        out["ghost"] = _ghost(self._ref_pts[idx], points)
        out["cue"], out["angle_diff"] = _cue(points, self._ref_pts[idx], self.cue_threshold_deg)
        return out


def _ghost(ref: np.ndarray, live: np.ndarray) -> list[list[float]] | None:
    """Reference pose scaled and shifted so its torso lies on the live torso."""
    rt, lt = ref[_TORSO_IDX], live[_TORSO_IDX]
    if not (np.isfinite(rt).all() and np.isfinite(lt).all()):
        return None
    rc, lc = rt.mean(axis=0), lt.mean(axis=0)
    rs = np.sqrt(((rt - rc) ** 2).sum(axis=1).mean())
    ls = np.sqrt(((lt - lc) ** 2).sum(axis=1).mean())
    if rs <= 0:
        return None
    ghost = (ref - rc) * (ls / rs) + lc
    return [[round(float(x), 1), round(float(y), 1)] for x, y in ghost]


def _cue(live: np.ndarray, ref: np.ndarray, threshold: float) -> tuple[str, float | None]:
    """Plain-language cue for the limb angle that differs most from the reference's."""
    best, worst = "", 0.0
    for label, (a, b, c) in ANGLES.items():
        la = float(joint_angle(live, SKELETON, a, b, c))
        ra = float(joint_angle(ref, SKELETON, a, b, c))
        diff = la - ra
        if np.isfinite(diff) and abs(diff) > abs(worst):
            best, worst = label, diff
    if not best or abs(worst) < threshold:
        return ("good" if best else ""), (round(worst, 1) if best else None)
    # the same words as compare's cues (a larger angle than the reference's: bend more)
    return cue_sentence(best.replace(" ", "_"), worst), round(worst, 1)
