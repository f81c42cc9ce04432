"""Scores: per-joint position errors, joint-angle differences and a calibrated 0-100 score.

All functions take an attempt and a reference that are already matched frame by frame
(same ``T``, same skeleton; the reference spatially aligned onto the attempt). Position
errors are in torso lengths (mid-shoulders to mid-hips of the attempt), angles in degrees.

The frame distance is ``d = position_error + angle_difference / ANGLE_DEG_PER_TORSO``
(confidence-weighted means, or root mean squares with ``AGGREGATE = "rms"``, over joints
and angles); the score is
``100 / (1 + (d / D50) ** SHAPE)``: 100 for identical poses, 50 at ``d = D50``.
The constants were fitted by ``bench/calibrate_score.py`` on real labelled data (see
``CALIBRATION``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.errors import InputError
from posecoach.geometry import (
    angle_between,
    hip_center,
    joint_angle,
    shoulder_center,
    torso_length,
)
from posecoach.pose import PoseSequence
from posecoach.skeletons import TORSO_JOINTS, Skeleton

__all__ = [
    "ANGLES",
    "CALIBRATION",
    "ERROR_BANDS",
    "error_bands_dict",
    "FrameScores",
    "joint_angles",
    "trunk_lean",
    "score_frames",
    "distance_to_score",
    "overall_score",
    "angle_curves",
]

#: Named joint angles (a, b, c): the angle at b between b→a and b→c, 180 = straight.
ANGLES: dict[str, tuple[str, str, str]] = {
    "left_elbow": ("left_shoulder", "left_elbow", "left_wrist"),
    "right_elbow": ("right_shoulder", "right_elbow", "right_wrist"),
    "left_shoulder": ("left_hip", "left_shoulder", "left_elbow"),
    "right_shoulder": ("right_hip", "right_shoulder", "right_elbow"),
    "left_hip": ("left_shoulder", "left_hip", "left_knee"),
    "right_hip": ("right_shoulder", "right_hip", "right_knee"),
    "left_knee": ("left_hip", "left_knee", "left_ankle"),
    "right_knee": ("right_hip", "right_knee", "right_ankle"),
}
#: Name of the trunk-lean angle (hips→shoulders against the vertical).
TRUNK = "trunk_lean"

# Fitted by bench/calibrate_score.py (see CALIBRATION for the data and the fit).
#: How joint errors and angle differences are pooled per frame: "mean" or "rms".
AGGREGATE = "rms"
#: Degrees of joint-angle difference that weigh as much as one torso length of error.
ANGLE_DEG_PER_TORSO = 120.0
#: Frame distance that scores 50.
D50 = 0.5089
#: Steepness of the score curve.
SHAPE = 4.8318
#: Bands of a joint's position error, in torso lengths (mid-shoulders to mid-hips of the
#: attempt), shown by every drawing (joint dot colours, legend, report table): below
#: ``ERROR_BANDS[0]`` the joint is *good*, from there to ``ERROR_BANDS[1]`` *middling*,
#: above ``ERROR_BANDS[1]`` *bad*. They classify errors for display only and do not enter
#: the score; result.json records them as ``error_bands`` (:func:`error_bands_dict`).
ERROR_BANDS: tuple[float, float] = (0.10, 0.25)


def error_bands_dict(bands: tuple[float, float] = ERROR_BANDS) -> dict[str, object]:
    """The ``error_bands`` entry of result.json.

    Example
    -------
    >>> error_bands_dict()
    {'good_below': 0.1, 'bad_above': 0.25, 'unit': 'torso lengths'}
    """
    return {"good_below": float(bands[0]), "bad_above": float(bands[1]), "unit": "torso lengths"}


CALIBRATION: dict[str, object] = {
    "script": "bench/calibrate_score.py",
    "date": "2026-11-23",
    "definition": "rms over joints of torso-normalised error + rms angle difference / 120 deg",
    "definition_choice": (
        "best mean ROC AUC over exercise-correction (plank, bicep curl, lunge: correct vs "
        "error windows) and Keraal (same exercise by another 2D estimator vs another "
        "exercise) among 10 candidate definitions"
    ),
    "anchors": {
        "score_85": "median distance of the same movement seen by another camera or "
        "estimator (Keraal BP/OP/AP pairs, Pose2Sim single/cam02-04 vs cam01): 0.355",
        "score_15": "median distance of another exercise (Keraal, same estimator): 0.729",
    },
    "roc_auc": {
        "plank_correct_vs_error": 1.0,
        "bicep_curl_correct_vs_lean_back": 0.858,
        "lunge_correct_vs_knee_over_toe": 0.916,
        "keraal_same_vs_other_exercise": 0.941,
    },
    "checks": {
        "pose2sim_same_take_other_camera_vs_cam01": {"cam02": 23, "cam03": 72, "cam04": 71},
        "pose2sim_second_take_vs_single_cam01": {
            "cam01": 27,
            "cam02": 37,
            "cam03": 37,
            "cam04": 48,
        },
        "keraal_kinect_reference_reps_same_exercise": "98-100",
        "keraal_kinect_reference_reps_other_exercise": "15-29",
    },
    "data": [
        "../shared/data/exercise_correction_mediapipe (NgoQuocBao1010/Exercise-Correction, MIT)",
        "../shared/data/keraal_rehab_sample (Keraal dataset, Nguyen et al. 2024)",
        "Pose2Sim 0.10.49 demo videos (MediaPipe 0.10.21 poses)",
    ],
    "aggregate": AGGREGATE,
    "angle_deg_per_torso": ANGLE_DEG_PER_TORSO,
    "d50": D50,
    "shape": SHAPE,
}


@dataclass(frozen=True)
class FrameScores:
    """Per-frame comparison of an attempt with a frame-matched, aligned reference.

    Attributes
    ----------
    joint_names
        Names of the ``K`` joints.
    joint_errors
        ``(T, K)`` position error in torso lengths (NaN where either side is missing).
    weights
        ``(T, K)`` confidence weights (the smaller of the two confidences).
    angle_names
        Names of the ``A`` angles (:data:`ANGLES` that exist, then ``trunk_lean``).
    attempt_angles, reference_angles
        ``(T, A)`` angles in degrees.
    angle_diffs
        ``(T, A)`` attempt minus reference in degrees.
    distance
        ``(T,)`` combined frame distance (see module docstring).
    scores
        ``(T,)`` frame scores 0-100 (NaN where nothing is visible).
    """

    joint_names: tuple[str, ...]
    joint_errors: np.ndarray
    weights: np.ndarray
    angle_names: tuple[str, ...]
    attempt_angles: np.ndarray
    reference_angles: np.ndarray
    angle_diffs: np.ndarray
    distance: np.ndarray
    scores: np.ndarray

    def joint_summary(self) -> list[dict[str, float | str | None]]:
        """One dict per joint: ``name, mean_error, max_error, mean_angle_diff_deg``."""
        out: list[dict[str, float | str | None]] = []
        for k, name in enumerate(self.joint_names):
            err = self.joint_errors[:, k]
            ok = np.isfinite(err)
            angle = None
            if name in self.angle_names:
                diff = self.angle_diffs[:, self.angle_names.index(name)]
                if np.isfinite(diff).any():
                    angle = float(np.nanmean(np.abs(diff)))
            out.append(
                {
                    "name": name,
                    "mean_error": float(err[ok].mean()) if ok.any() else None,
                    "max_error": float(err[ok].max()) if ok.any() else None,
                    "mean_angle_diff_deg": angle,
                }
            )
        return out


def trunk_lean(positions: np.ndarray, skeleton: Skeleton, *, y_up: bool = False) -> np.ndarray:
    """Angle in degrees between the hips→shoulders line and the vertical (0 = upright).

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[[11, 12]] = [[0, 2], [0, 2]]; p[[5, 6]] = [[-2, 0], [-2, 0]]
    >>> round(float(trunk_lean(p, COCO_17)))
    45
    """
    up = shoulder_center(positions, skeleton) - hip_center(positions, skeleton)
    vertical = np.zeros(up.shape[-1])
    vertical[1] = 1.0 if y_up else -1.0
    return angle_between(up, np.broadcast_to(vertical, up.shape))


def joint_angles(
    positions: np.ndarray, skeleton: Skeleton, *, y_up: bool = False
) -> dict[str, np.ndarray]:
    """All :data:`ANGLES` the skeleton can measure, plus ``trunk_lean``, in degrees.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((17, 2)); p[5] = [0, 0]; p[7] = [1, 0]; p[9] = [1, 1]
    >>> round(float(joint_angles(p, COCO_17)["left_elbow"]))
    90
    """
    out = {}
    for name, (a, b, c) in ANGLES.items():
        if all(skeleton.has(j) for j in (a, b, c)):
            out[name] = joint_angle(positions, skeleton, a, b, c)
    out[TRUNK] = trunk_lean(positions, skeleton, y_up=y_up)
    return out


def distance_to_score(distance: np.ndarray | float) -> np.ndarray:
    """Map a frame distance to 0-100 with the calibrated curve.

    Example
    -------
    >>> distance_to_score(np.array([0.0, D50])).tolist()
    [100.0, 50.0]
    """
    d = np.asarray(distance, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return 100.0 / (1.0 + (np.maximum(d, 0.0) / D50) ** SHAPE)


def _weighted_nanmean(values: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    ok = np.isfinite(values) & (weights > 0)
    w = np.where(ok, weights, 0.0)
    v = np.where(ok, values, 0.0)
    total = w.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (w * v).sum(axis=axis) / total, np.nan)


def _angle_weight(name: str, sk: Skeleton, weights: np.ndarray) -> np.ndarray:
    if name in ANGLES:
        return weights[:, sk.indices(ANGLES[name])].min(axis=1)
    torso = [j for j in TORSO_JOINTS if sk.has(j)]
    return weights[:, sk.indices(torso)].min(axis=1) if torso else np.ones(len(weights))


def score_frames(
    attempt: PoseSequence,
    reference: PoseSequence,
    *,
    angle_weight: float | None = None,
) -> FrameScores:
    """Compare an attempt with a reference matched frame by frame.

    Parameters
    ----------
    attempt
        The attempt, ``T`` frames.
    reference
        The reference, already matched in time (frame ``i`` goes with attempt frame
        ``i``) and spatially aligned onto the attempt, same skeleton.
    angle_weight
        Degrees of angle difference that count as one torso length of position error
        (default the calibrated :data:`ANGLE_DEG_PER_TORSO`).

    Raises
    ------
    InputError
        When the two differ in length or skeleton.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((1, 17, 2)); p[0, [5, 6], 1] = 0; p[0, [11, 12], 1] = 2
    >>> p[0, [5, 11], 0] = -1; p[0, [6, 12], 0] = 1
    >>> a = PoseSequence(p, skeleton="coco_17")
    >>> fs = score_frames(a, a)
    >>> float(fs.scores[0]), float(np.nanmax(fs.joint_errors))
    (100.0, 0.0)
    """
    if attempt.n_frames != reference.n_frames:
        raise InputError(
            f"expected frame-matched sequences, got {attempt.n_frames} attempt frames and "
            f"{reference.n_frames} reference frames"
        )
    if attempt.skeleton != reference.skeleton or attempt.dims != reference.dims:
        raise InputError(
            f"expected one skeleton and dimension, got {attempt.skeleton.name!r} D="
            f"{attempt.dims} and {reference.skeleton.name!r} D={reference.dims}"
        )
    sk = attempt.skeleton
    pa, pr = attempt.positions, reference.positions
    torso = torso_length(pa, sk)
    unit = float(np.nanmedian(torso)) if np.isfinite(torso).any() else np.nan
    if not np.isfinite(unit) or unit <= 0:
        torso_r = torso_length(pr, sk)
        unit = float(np.nanmedian(torso_r)) if np.isfinite(torso_r).any() else np.nan
    if not np.isfinite(unit) or unit <= 0:
        raise InputError("expected hips and shoulders visible in some frame, got none")
    errors = np.linalg.norm(pa - pr, axis=-1) / unit
    weights = np.minimum(attempt.confidence, reference.confidence)
    y_up = attempt.space == "world" and attempt.metadata.get("y_up", False) is True
    ang_a = joint_angles(pa, sk, y_up=y_up)
    ang_r = joint_angles(pr, sk, y_up=y_up)
    names = tuple(ang_a)
    aa = np.stack([ang_a[n] for n in names], axis=1)
    ar = np.stack([ang_r[n] for n in names], axis=1)
    diffs = aa - ar
    ang_w = np.stack([_angle_weight(n, sk, weights) for n in names], axis=1)
    if AGGREGATE == "rms":
        pos_d = np.sqrt(_weighted_nanmean(errors**2, weights, axis=1))
        ang_d = np.sqrt(_weighted_nanmean(diffs**2, ang_w, axis=1))
    else:
        pos_d = _weighted_nanmean(errors, weights, axis=1)
        ang_d = _weighted_nanmean(np.abs(diffs), ang_w, axis=1)
    per_deg = ANGLE_DEG_PER_TORSO if angle_weight is None else angle_weight
    distance = np.where(np.isfinite(ang_d), pos_d + np.nan_to_num(ang_d) / per_deg, pos_d)
    return FrameScores(
        joint_names=tuple(sk.names),
        joint_errors=errors,
        weights=weights,
        angle_names=names,
        attempt_angles=aa,
        reference_angles=ar,
        angle_diffs=diffs,
        distance=distance,
        scores=distance_to_score(distance),
    )


def overall_score(
    frame_distances: np.ndarray,
    weights: np.ndarray | None = None,
) -> float:
    """Score 0-100 of the weighted mean frame distance, ignoring NaN (NaN when no frame
    counts).

    The calibration anchors (see :data:`CALIBRATION`) are mean distances over a clip, so
    this is the number they give meaning to: 85 is how far the same movement seen by
    another camera or estimator typically is, 15 another exercise.

    Example
    -------
    >>> overall_score(np.array([0.0, 2 * D50, np.nan]))
    50.0
    """
    d = np.asarray(frame_distances, dtype=np.float64)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    ok = np.isfinite(d) & (w > 0)
    if not ok.any():
        return float("nan")
    return float(distance_to_score(np.sum(d[ok] * w[ok]) / np.sum(w[ok])))


def angle_curves(fs: FrameScores) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{angle: (attempt_deg, reference_deg)}`` for the angles in ``fs`` (for plots).

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> p = np.zeros((1, 17, 2)); p[0, [11, 12], 1] = 2
    >>> a = PoseSequence(p, skeleton="coco_17")
    >>> "trunk_lean" in angle_curves(score_frames(a, a))
    True
    """
    return {
        n: (fs.attempt_angles[:, i], fs.reference_angles[:, i])
        for i, n in enumerate(fs.angle_names)
    }
