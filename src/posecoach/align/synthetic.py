"""Ground truth for alignment from 3D poses: views through cameras and planted errors.

``project_view`` turns a 3D pose sequence (motion capture, y up) into what a pose
estimator would give for one camera: 2D pixels plus MediaPipe-like ``world`` landmarks
(metres, hip-centred, in the camera's axes). ``plant_error`` bends the trunk, lifts an
arm or bends a knee in 3D by a given angle — real-looking form errors whose size is
known, to check that alignment keeps them.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.align.cameras import Camera
>>> xyz = np.zeros((1, 17, 3)); xyz[0, :, 1] = np.linspace(0, 170, 17)
>>> seq = PoseSequence(xyz, skeleton="coco_17", space="world")
>>> view = project_view(seq, Camera.look_at(distance=400, focal=1000, up=(0, 1, 0)))
>>> view.dims, view.world.shape, view.space
(2, (1, 17, 3), 'pixel')
"""

from __future__ import annotations

import numpy as np

from posecoach.align.cameras import Camera
from posecoach.errors import InputError
from posecoach.geometry import hip_center
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton

__all__ = ["project_view", "plant_error", "ERROR_KINDS", "rotate_about"]

#: Kinds of planted error and the joints they move.
ERROR_KINDS = ("trunk", "arm", "knee")

_LEG_WORDS = ("hip", "knee", "ankle", "heel", "foot", "toe", "buttock", "pelvis", "spine_base")
_ARM_WORDS = ("elbow", "wrist", "hand", "thumb", "index", "pinky", "middle", "ring")
_SHIN_WORDS = ("ankle", "heel", "foot", "toe")


def project_view(
    seq: PoseSequence, camera: Camera, *, world_scale: float = 0.01, image_size=None
) -> PoseSequence:
    """What a camera sees of a 3D sequence: 2D pixels and camera-axis world landmarks.

    Parameters
    ----------
    seq
        3D positions (``dims == 3``), in the units the camera's distance uses.
    camera
        The camera.
    world_scale
        Factor from the sequence's units to the world landmarks' metres (0.01 for cm).
    """
    if seq.dims != 3:
        raise InputError(f"expected a 3D sequence to project, got D={seq.dims}")
    xyz = seq.positions
    hips = hip_center(xyz, seq.skeleton)[:, None]
    world = (xyz - hips) @ camera.rotation.T * world_scale
    return seq.replace(
        positions=camera.project(xyz),
        space="pixel",
        world=world,
        image_size=image_size,
    )


def rotate_about(
    points: np.ndarray, pivot: np.ndarray, axis: np.ndarray, degrees: float | np.ndarray
) -> np.ndarray:
    """Rotate ``(T, N, 3)`` points about per-frame ``pivot`` ``(T, 3)`` and ``axis``.

    Example
    -------
    >>> import numpy as np
    >>> p = np.array([[[1.0, 0.0, 0.0]]])
    >>> rotate_about(p, np.zeros((1, 3)), np.array([[0.0, 0.0, 1.0]]), 90).round(6).tolist()
    [[[0.0, 1.0, 0.0]]]
    """
    k = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    th = np.radians(np.broadcast_to(np.asarray(degrees, dtype=float), (points.shape[0],)))
    v = points - pivot[:, None]
    kk = k[:, None]
    cos, sin = np.cos(th)[:, None, None], np.sin(th)[:, None, None]
    dot = (v * kk).sum(-1, keepdims=True)
    rot = v * cos + np.cross(kk, v) * sin + kk * dot * (1 - cos)
    return rot + pivot[:, None]


def _select(sk: Skeleton, words: tuple[str, ...], side: str | None = None) -> list[int]:
    out = []
    for i, n in enumerate(sk.names):
        if side is not None and not n.startswith(side + "_"):
            continue
        if any(w in n for w in words):
            out.append(i)
    return out


def plant_error(
    seq: PoseSequence,
    kind: str,
    degrees: float,
    *,
    side: str = "left",
    frames: np.ndarray | slice | None = None,
) -> PoseSequence:
    """Plant a form error in a 3D sequence (``positions`` or, for 2D, ``world``).

    - ``"trunk"``: the upper body leans forward about the hip centre by ``degrees``;
    - ``"arm"``: the ``side`` arm is raised sideways about the shoulder by ``degrees``;
    - ``"knee"``: the ``side`` knee bends by ``degrees`` (the shin turns about the knee).

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> p = np.zeros((1, 17, 3)); p[0, 11:13, 0] = [10, -10]; p[0, 13:15, 1] = -40
    >>> p[0, 13:15, 0] = [10, -10]; p[0, 15:17, 1] = -80; p[0, 15:17, 0] = [10, -10]
    >>> p[0, 5:7, 1] = 50; p[0, 5:7, 0] = [15, -15]
    >>> seq = PoseSequence(p, skeleton="coco_17", space="world")
    >>> bent = plant_error(seq, "knee", 25)
    >>> from posecoach.geometry import joint_angle
    >>> round(float(joint_angle(bent.positions, bent.skeleton, "left_hip", "left_knee",
    ...                         "left_ankle")[0]), 3)
    155.0
    """
    if kind not in ERROR_KINDS:
        raise InputError(f"unknown error kind {kind!r}; expected one of {list(ERROR_KINDS)}")
    use_world = seq.dims != 3
    if use_world and seq.world is None:
        raise InputError("expected 3D positions or world landmarks to plant an error in")
    xyz = (seq.world if use_world else seq.positions).copy()  # type: ignore[union-attr]
    sk = seq.skeleton
    t = xyz.shape[0]
    idx = np.arange(t)[frames] if frames is not None else np.arange(t)
    p = xyz[idx]
    lhip, rhip = p[:, sk.index("left_hip")], p[:, sk.index("right_hip")]
    mid_hip = (lhip + rhip) / 2
    mid_sh = (p[:, sk.index("left_shoulder")] + p[:, sk.index("right_shoulder")]) / 2
    hip_axis = rhip - lhip
    spine = mid_sh - mid_hip
    forward = np.cross(hip_axis, spine)
    if kind == "trunk":
        moved = [i for i in range(sk.n_joints) if not any(w in sk.names[i] for w in _LEG_WORDS)]
        cands = [rotate_about(p[:, moved], mid_hip, hip_axis, s * degrees) for s in (1, -1)]
        # "forward": the shoulders move along the body's front direction
        sh = moved.index(sk.index("left_shoulder"))
        gain = [((c[:, sh] - p[:, sk.index("left_shoulder")]) * forward).sum() for c in cands]
        p[:, moved] = cands[int(np.argmax(gain))]
    elif kind == "arm":
        moved = _select(sk, _ARM_WORDS, side)
        shoulder = p[:, sk.index(f"{side}_shoulder")]
        elbow = sk.index(f"{side}_elbow")
        cands = [rotate_about(p[:, moved], shoulder, forward, s * degrees) for s in (1, -1)]
        e = moved.index(elbow)
        # raised: the elbow moves away from the hips
        far = [np.linalg.norm(c[:, e] - mid_hip, axis=-1).sum() for c in cands]
        p[:, moved] = cands[int(np.argmax(far))]
    else:
        moved = _select(sk, _SHIN_WORDS, side)
        knee = p[:, sk.index(f"{side}_knee")]
        cands = [rotate_about(p[:, moved], knee, hip_axis, s * degrees) for s in (1, -1)]
        # bent: the shin swings backwards (against the body's front)
        a = moved.index(sk.index(f"{side}_ankle"))
        back = [-((c[:, a] - p[:, sk.index(f"{side}_ankle")]) * forward).sum() for c in cands]
        p[:, moved] = cands[int(np.argmax(back))]
    xyz[idx] = p
    out = seq.replace(world=xyz) if use_world else seq.replace(positions=xyz)
    return out.with_provenance("plant_error", kind=kind, degrees=degrees, side=side)
