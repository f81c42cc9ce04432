"""Synthetic stick-figure exercises with known labels and repetition counts.

A side-view COCO-17 figure (pixels, y down) whose squat depth or curl angle follows a
smooth profile: rest, go down, come back up, rest, ``n_reps`` times. Every frame is
labelled ``"down"`` when the movement is past half way and ``"up"`` otherwise, so the
true repetition count and the per-frame states are known exactly. Used by tests,
benchmarks and examples — never as a stand-in for real data in reported accuracy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from posecoach.pose import PoseSequence
from posecoach.skeletons import COCO_17

if TYPE_CHECKING:
    from posecoach.classify.datasets import PoseDataset

__all__ = ["stick_figure", "exercise_sequence", "planted_dataset", "EXERCISES"]

EXERCISES = ("squat", "curl", "raise")


def _unit(deg: np.ndarray) -> np.ndarray:
    r = np.radians(deg)
    return np.stack([np.sin(r), -np.cos(r)], axis=-1)  # 0° = up (y down image)


def stick_figure(
    depth: np.ndarray | float, exercise: str = "squat", *, scale: float = 200.0
) -> np.ndarray:
    """``(T, 17, 2)`` COCO-17 pixel poses for movement amounts ``depth`` in [0, 1].

    ``squat``: knees and hips bend; ``curl``: elbows bend; ``raise``: straight arms lift
    forward to shoulder height.

    Example
    -------
    >>> p = stick_figure(np.array([0.0, 1.0]))
    >>> bool(p[1, 11, 1] > p[0, 11, 1])  # the hip is lower (larger y) at the bottom
    True
    """
    d = np.atleast_1d(np.asarray(depth, dtype=np.float64))
    t = len(d)
    zero = np.zeros(t)
    sq = d if exercise == "squat" else zero
    curl = d if exercise == "curl" else zero
    lift = d if exercise == "raise" else zero
    ankle = np.zeros((t, 2))
    knee = ankle + 0.45 * _unit(35 * sq)
    hip = knee + 0.45 * _unit(-85 * sq)
    shoulder = hip + 0.55 * _unit(35 * sq)
    head = shoulder + 0.22 * _unit(35 * sq)
    upper_arm_deg = 180 - 90 * lift + 0 * sq
    elbow = shoulder + 0.3 * _unit(upper_arm_deg)
    wrist = elbow + 0.28 * _unit(upper_arm_deg - 150 * curl)
    pos = np.zeros((t, 17, 2))
    side = {"left": np.array([0.02, 0.0]), "right": np.array([-0.02, 0.0])}
    pos[:, 0] = head
    for s, off in side.items():
        pos[:, COCO_17.index(f"{s}_eye")] = head + off + [0.04, -0.03]
        pos[:, COCO_17.index(f"{s}_ear")] = head + off - [0.02, 0.0]
        for name, arr in (
            ("shoulder", shoulder),
            ("elbow", elbow),
            ("wrist", wrist),
            ("hip", hip),
            ("knee", knee),
            ("ankle", ankle),
        ):
            pos[:, COCO_17.index(f"{s}_{name}")] = arr + off
    return pos * scale + np.array([500.0, 700.0])


def exercise_sequence(
    n_reps: int,
    exercise: str = "squat",
    *,
    fps: float = 30.0,
    rep_s: float = 2.0,
    rest_s: float = 0.8,
    noise_px: float = 2.0,
    rng: np.random.Generator | None = None,
) -> tuple[PoseSequence, list[str]]:
    """A sequence of ``n_reps`` repetitions with rests, and its per-frame up/down labels.

    Example
    -------
    >>> seq, labels = exercise_sequence(3, rng=np.random.default_rng(0))
    >>> seq.n_frames, labels.count("down") > 0
    (266, True)
    """
    rng = rng or np.random.default_rng(0)
    rest = np.zeros(max(round(rest_s * fps), 1))
    parts = [rest]
    for _ in range(n_reps):
        n = max(round(rep_s * fps * rng.uniform(0.85, 1.15)), 4)
        parts.append((1 - np.cos(np.linspace(0, 2 * np.pi, n))) / 2)
        parts.append(rest)
    depth = np.concatenate(parts)
    pos = stick_figure(depth, exercise)
    pos = pos + rng.normal(scale=noise_px, size=pos.shape)
    labels = ["down" if x > 0.5 else "up" for x in depth]
    seq = PoseSequence(
        pos,
        skeleton="coco_17",
        fps=fps,
        space="pixel",
        image_size=(1000, 1000),
        metadata={"source": f"synthetic {exercise} x{n_reps}"},
    )
    return seq, labels


def planted_dataset(
    n_per_class: int = 20,
    *,
    n_groups: int = 8,
    noise: float = 0.005,
    rng: np.random.Generator | None = None,
) -> PoseDataset:
    """A linearly separable frame dataset: class ``"raised"`` lifts the left wrist.

    Every pose is the standing stick figure plus Gaussian noise (``noise`` torso-ish
    units, in pixels × 200); in class ``"raised"`` the left wrist is one upper-arm
    length higher. Groups cycle through ``n_groups`` names, each holding both classes.

    Example
    -------
    >>> ds = planted_dataset(5)
    >>> ds.n_samples, ds.classes
    (10, ['lowered', 'raised'])
    """
    from posecoach.classify.datasets import PoseDataset
    from posecoach.skeletons import get

    rng = rng or np.random.default_rng(0)
    base = stick_figure(0.0)[0]
    n = 2 * n_per_class
    pos = base + rng.normal(scale=noise * 200, size=(n, 17, 2))
    pos[n_per_class:, COCO_17.index("left_wrist"), 1] -= 80.0
    labels = np.array(["lowered"] * n_per_class + ["raised"] * n_per_class)
    groups = np.array([f"g{i % n_groups}" for i in range(n)])
    return PoseDataset(pos, np.ones((n, 17)), labels, groups, get("coco_17"), source="planted")
