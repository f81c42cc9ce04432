"""The corrected pose: "your body, in the correct form".

The reference's joint angles (its bone directions, after spatial alignment onto the
attempt) are applied to the attempt's own bone lengths, starting from the attempt's own
hip position, along the skeleton's kinematic tree rooted at the hips. The result shows
the person where each limb should have been, with their own proportions.
"""

from __future__ import annotations

import warnings
from collections import deque

import numpy as np

from posecoach.errors import InputError
from posecoach.geometry import hip_center
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton

__all__ = ["kinematic_tree", "corrected_pose"]

_ROOT = -1  # the virtual root: the mid-point of the hips


def kinematic_tree(
    skeleton: Skeleton, positions: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Bones ``(parent, child)`` in breadth-first order from the hips.

    The hips hang from a virtual root (index ``-1``, their mid-point); every other joint
    is reached through the skeleton's edges (a spanning tree when edges form loops). A
    group of joints no edge connects to the hips (COCO's face) hangs from the reached
    joint nearest to it in ``positions`` (``(T, K, D)``, median over frames), or from
    the root when no positions are given.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> tree = kinematic_tree(COCO_17)
    >>> tree[:2], (13, 15) in tree
    ([(-1, 11), (-1, 12)], True)
    """
    names = skeleton.names
    hips = [i for i, n in enumerate(names) if n in ("left_hip", "right_hip")]
    if not hips:
        hips = [i for i, n in enumerate(names) if n in ("mid_hip", "pelvis", "spine_base")]
    if not hips:
        raise InputError(
            f"expected a skeleton with hips for the corrected pose, got {skeleton.name!r}"
        )
    adjacent: dict[int, list[int]] = {i: [] for i in range(len(names))}
    for a, b in skeleton.edges:
        adjacent[a].append(b)
        adjacent[b].append(a)
    bones = [(_ROOT, h) for h in hips]
    seen = set(hips)

    def grow(queue: deque[int]) -> None:
        while queue:
            parent = queue.popleft()
            for child in adjacent[parent]:
                if child not in seen:
                    seen.add(child)
                    bones.append((parent, child))
                    queue.append(child)

    grow(deque(hips))
    typical = None
    if positions is not None:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            typical = np.nanmedian(
                np.asarray(positions).reshape(-1, len(names), positions.shape[-1]), axis=0
            )
    for j in range(len(names)):
        if j in seen:
            continue
        parent = _ROOT
        if typical is not None and np.isfinite(typical[j]).all():
            reached = [i for i in seen if np.isfinite(typical[i]).all()]
            if reached:
                dist = [np.linalg.norm(typical[i] - typical[j]) for i in reached]
                parent = reached[int(np.argmin(dist))]
        bones.append((parent, j))
        seen.add(j)
        grow(deque([j]))
    return bones


def corrected_pose(attempt: PoseSequence, reference: PoseSequence) -> PoseSequence:
    """The reference's bone directions applied to the attempt's bone lengths and hips.

    Parameters
    ----------
    attempt
        The attempt, ``T`` frames.
    reference
        The reference matched frame by frame and spatially aligned onto the attempt,
        same skeleton and ``T``.

    Returns
    -------
    A new sequence like ``attempt`` (same skeleton, timestamps, space) whose bones have
    the attempt's lengths (the per-frame length, or the median over frames where the
    attempt's bone is missing in that frame) and the reference's directions, rooted at
    the attempt's hip centre. Joints missing in the reference stay missing.

    Example
    -------
    >>> from posecoach.skeletons import COCO_17
    >>> att = np.zeros((1, 17, 2)); ref = np.zeros((1, 17, 2))
    >>> att[0, [11, 12]] = [[-1, 0], [1, 0]]; att[0, 13] = [-1, 4]   # thigh 4 long, down
    >>> ref[0, [11, 12]] = [[-1, 0], [1, 0]]; ref[0, 13] = [1, 0]    # thigh sideways
    >>> out = corrected_pose(PoseSequence(att, skeleton="coco_17"),
    ...                      PoseSequence(ref, skeleton="coco_17"))
    >>> out.positions[0, 13].tolist()
    [3.0, 0.0]
    """
    if attempt.n_frames != reference.n_frames or attempt.skeleton != reference.skeleton:
        raise InputError(
            f"expected frame-matched sequences of one skeleton, got {attempt.n_frames} "
            f"{attempt.skeleton.name!r} and {reference.n_frames} {reference.skeleton.name!r}"
        )
    if attempt.dims != reference.dims:
        raise InputError(f"expected equal dimensions, got {attempt.dims} and {reference.dims}")
    sk = attempt.skeleton
    pa, pr = attempt.positions, reference.positions
    root_a = hip_center(pa, sk)
    root_r = hip_center(pr, sk)
    out = np.full_like(pa, np.nan)
    for parent, child in kinematic_tree(sk, pa):
        start_a = root_a if parent == _ROOT else pa[:, parent]
        start_r = root_r if parent == _ROOT else pr[:, parent]
        start_out = root_a if parent == _ROOT else out[:, parent]
        length = np.linalg.norm(pa[:, child] - start_a, axis=-1)
        if np.isfinite(length).any():
            length = np.where(np.isfinite(length), length, np.nanmedian(length))
        direction = pr[:, child] - start_r
        norm = np.linalg.norm(direction, axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = np.where(norm > 0, direction / norm, 0.0)
        out[:, child] = start_out + unit * length[:, None]
    conf = np.where(np.isfinite(out).all(axis=-1), reference.confidence, 0.0)
    return attempt.replace(positions=out, confidence=conf, world=None).with_provenance(
        "corrected_pose", reference=str(reference.metadata.get("source", ""))
    )
