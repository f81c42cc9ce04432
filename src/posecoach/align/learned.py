"""``learned``: a small network that maps a 2D attempt into the reference's view.

The deep pose alignment idea (a network trained on correct poses and randomly
distorted views of them) with explicit, interpretable camera parameters, extended:

- a *lifter* MLP sees only the attempt and predicts each joint's depth, so the attempt's
  own limbs (and their errors) travel through the transform — it cannot copy the
  reference's limbs;
- a *camera* MLP sees both poses and predicts a full 3D rotation (reported as azimuth,
  elevation and roll), a scale, a 2D shift and a perspective factor ``k``: the lifted
  attempt ``X`` maps to ``s · X'[:2] / (1 + k X'[2]) + t`` with ``X' = R X``;
- joint confidences enter as masks; training drops joints at random;
- training pairs come from real 3D motion (CMU motion capture, Kinect) projected through
  random cameras (Pr-VIPE ranges), half of them with a planted error in the attempt
  (trunk, arm, knee) whose exact projection into the reference view is the target, so
  the network learns to keep errors instead of explaining them away; the loss weights
  the torso joints (neck-free DPA torso: shoulders and hips) three times.

Inference is plain numpy on weights shipped as ``weights/learned.safetensors`` (checked
against the SHA-256 in ``weights/learned.json``); training is ``scripts/train_aligner.py``.

Example
-------
>>> spec = layer_shapes()
>>> spec["lift.0.weight"], spec["cam.4.weight"]
((256, 36), (10, 256))
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from posecoach.align.base import AlignmentError, Pair, Transform, register_aligner
from posecoach.errors import InputError
from posecoach.geometry import joint_xyz
from posecoach.skeletons import LIMB_JOINTS, Skeleton

__all__ = [
    "JOINTS",
    "TORSO",
    "LearnedAligner",
    "WeightsError",
    "layer_shapes",
    "load_weights",
    "normalize_2d",
    "forward",
    "lift_depth",
    "rotation_from_6d",
    "WEIGHTS_PATH",
]

#: The joints the network reads, in order (every common skeleton has them).
JOINTS: tuple[str, ...] = LIMB_JOINTS
#: Indices into :data:`JOINTS` of the torso (weighted 3× in the loss).
TORSO: tuple[int, ...] = (0, 1, 6, 7)
HIDDEN = 256
N_CAM = 10  # 6D rotation, log scale, shift x, shift y, perspective
WEIGHTS_PATH = Path(__file__).parent / "weights" / "learned.safetensors"


class WeightsError(InputError):
    """A weights file is missing, tampered with or of the wrong shape."""


def layer_shapes() -> dict[str, tuple[int, ...]]:
    """Every tensor the model needs and its shape (the strict loading contract).

    Example
    -------
    >>> len(layer_shapes())
    12
    """
    k = len(JOINTS)
    shapes: dict[str, tuple[int, ...]] = {}
    for prefix, n_in, n_out in (("lift", 3 * k, k), ("cam", 6 * k, N_CAM)):
        dims = [n_in, HIDDEN, HIDDEN, n_out]
        for layer, (a, b) in enumerate(itertools.pairwise(dims)):
            shapes[f"{prefix}.{2 * layer}.weight"] = (b, a)
            shapes[f"{prefix}.{2 * layer}.bias"] = (b,)
    return shapes


def normalize_2d(points: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Centre on the hip centre and divide by the torso length (per pose).

    Parameters
    ----------
    points
        ``(B, 12, 2)`` in :data:`JOINTS` order (NaN allowed where ``mask`` is 0).
    mask
        ``(B, 12)`` 1 for usable joints.

    Returns
    -------
    tuple
        ``normalized (B, 12, 2)`` (0 where masked), ``centre (B, 2)``, ``scale (B,)``.

    Example
    -------
    >>> import numpy as np
    >>> p = np.zeros((1, 12, 2)); p[0, :2, 1] = -2; p[0, 6:8, 1] = 0; p[0, :, 0] += 5
    >>> n, c, s = normalize_2d(p, np.ones((1, 12)))
    >>> c.tolist(), s.tolist()
    ([[5.0, 0.0]], [2.0])
    """
    m = (mask > 0) & np.isfinite(points).all(-1)
    p = np.where(m[..., None], points, 0.0)
    cnt = np.maximum(m.sum(-1, keepdims=True), 1)
    centroid = p.sum(1) / cnt
    hips_ok = m[:, 6] & m[:, 7]
    sh_ok = m[:, 0] & m[:, 1]
    hip = (p[:, 6] + p[:, 7]) / 2
    sh = (p[:, 0] + p[:, 1]) / 2
    centre = np.where(hips_ok[:, None], hip, centroid)
    rms = np.sqrt((((p - centroid[:, None]) ** 2).sum(-1) * m).sum(-1) / cnt[:, 0])
    torso = np.linalg.norm(sh - hip, axis=-1)
    scale = np.where(hips_ok & sh_ok & (torso > 1e-9), torso, 1.1 * rms)
    scale = np.where(scale > 1e-9, scale, 1.0)
    out = (p - centre[:, None]) / scale[:, None, None]
    return np.where(m[..., None], out, 0.0), centre, scale


def rotation_from_6d(x: np.ndarray) -> np.ndarray:
    """Proper rotation matrices ``(B, 3, 3)`` from the 6D representation (Gram-Schmidt).

    Example
    -------
    >>> import numpy as np
    >>> rotation_from_6d(np.array([[1.0, 0, 0, 0, 1.0, 0]])).tolist()
    [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]]
    """
    a, b = x[:, :3], x[:, 3:6]
    e1 = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-9)
    b = b - (e1 * b).sum(-1, keepdims=True) * e1
    e2 = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-9)
    e3 = np.cross(e1, e2)
    return np.stack([e1, e2, e3], axis=1)


def _mlp(x: np.ndarray, w: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    for layer in range(3):
        x = x @ w[f"{prefix}.{2 * layer}.weight"].T + w[f"{prefix}.{2 * layer}.bias"]
        if layer < 2:
            x = np.maximum(x, 0.0)
    return x


def forward(
    weights: dict[str, np.ndarray],
    att: np.ndarray,
    att_mask: np.ndarray,
    ref: np.ndarray,
    ref_mask: np.ndarray,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run both networks on normalised poses (numpy; mirrors the training model).

    Returns the predicted depths ``(B, 12)`` and the camera: ``rotation (B, 3, 3)``,
    ``scale (B,)``, ``shift (B, 2)``, ``k (B,)``.

    Example
    -------
    >>> import numpy as np
    >>> z = np.zeros((1, 12, 2)); m = np.ones((1, 12))
    >>> depth, cam = forward(load_weights(), z, m, z, m)
    >>> depth.shape, cam["rotation"].shape
    ((1, 12), (1, 3, 3))
    """
    b = att.shape[0]
    a_in = np.concatenate([att.reshape(b, -1), att_mask], axis=1)
    r_in = np.concatenate([ref.reshape(b, -1), ref_mask], axis=1)
    depth = _mlp(a_in, weights, "lift")
    cam = _mlp(np.concatenate([a_in, r_in], axis=1), weights, "cam")
    rot = rotation_from_6d(cam[:, :6] + np.array([1.0, 0, 0, 0, 1.0, 0]))
    return depth, {
        "rotation": rot,
        "scale": np.exp(cam[:, 6]),
        "shift": cam[:, 7:9],
        "k": 0.3 * np.tanh(cam[:, 9]),
    }


def project_lifted(xyz: np.ndarray, cam: dict[str, np.ndarray]) -> np.ndarray:
    """Apply the predicted camera to lifted points ``(B, N, 3)`` → ``(B, N, 2)``.

    Example
    -------
    >>> import numpy as np
    >>> cam = {"rotation": np.eye(3)[None], "scale": np.array([2.0]),
    ...        "shift": np.zeros((1, 2)), "k": np.zeros(1)}
    >>> project_lifted(np.array([[[1.0, 2.0, 5.0]]]), cam).tolist()
    [[[2.0, 4.0]]]
    """
    turned = np.einsum("bij,bnj->bni", cam["rotation"], xyz)
    denom = np.maximum(1.0 + cam["k"][:, None] * turned[..., 2], 0.2)
    return cam["scale"][:, None, None] * turned[..., :2] / denom[..., None] + cam["shift"][:, None]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_weights(path: str | Path | None = None, *, check_hash: bool = True) -> dict:
    """Load and check the network weights (safetensors, no pickle).

    Every tensor of :func:`layer_shapes` must be present with exactly that shape and
    finite values, and nothing else; when a ``.json`` sidecar with a ``sha256`` exists
    (the shipped weights have one) the file must match it.

    Raises
    ------
    WeightsError
        Naming the file and what is wrong.

    Example
    -------
    >>> w = load_weights()
    >>> w["lift.0.weight"].shape
    (256, 36)
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    p = Path(path) if path is not None else WEIGHTS_PATH
    if not p.is_file():
        raise WeightsError(f"{p}: weights file not found")
    sidecar = p.with_suffix(".json")
    if check_hash and sidecar.is_file():
        try:
            meta = json.loads(sidecar.read_text())
        except (OSError, ValueError) as exc:
            raise WeightsError(f"{sidecar}: unreadable metadata ({exc})") from exc
        expected = meta.get("sha256")
        if expected and _sha256(p) != expected:
            raise WeightsError(
                f"{p}: SHA-256 does not match {sidecar.name} (tampered or corrupted file); "
                f"expected {expected}"
            )
    try:
        tensors = load_file(str(p))
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{p}: not a valid safetensors file ({exc})") from exc
    spec = layer_shapes()
    missing = sorted(set(spec) - set(tensors))
    extra = sorted(set(tensors) - set(spec))
    if missing or extra:
        raise WeightsError(
            f"{p}: expected tensors {sorted(spec)}, missing {missing}, extra {extra}"
        )
    out = {}
    for name, shape in spec.items():
        arr = tensors[name]
        if tuple(arr.shape) != shape:
            raise WeightsError(f"{p}: expected {name} of shape {shape}, got {tuple(arr.shape)}")
        if not np.issubdtype(arr.dtype, np.floating) or not np.isfinite(arr).all():
            raise WeightsError(f"{p}: expected finite floating-point {name}, got {arr.dtype}")
        out[name] = arr.astype(np.float64)
    return out


@lru_cache(maxsize=4)
def _cached_weights(path: str) -> dict:
    return load_weights(path)


def _canonical(seq_positions: np.ndarray, conf: np.ndarray, skeleton, thr: float) -> tuple:
    pts = np.stack([joint_xyz(seq_positions, skeleton, j)[..., :2] for j in JOINTS], axis=1)
    cj = []
    for j in JOINTS:
        c = joint_xyz(conf[..., None], skeleton, j)[..., 0]
        cj.append(c)
    cm = np.stack(cj, axis=1)
    mask = (np.isfinite(pts).all(-1) & (np.nan_to_num(cm) >= thr)).astype(float)
    return pts, mask


def _depth_of_all(
    points: np.ndarray, known: np.ndarray, mask: np.ndarray, depth: np.ndarray
) -> np.ndarray:
    """``(B, K)`` depth of every joint: that of the nearest joint the lifter saw."""
    d2 = np.linalg.norm(
        points[:, :, None] - np.where(mask[:, None, :, None] > 0, known[:, None], np.inf), axis=-1
    )
    nearest = np.argmin(np.nan_to_num(d2, nan=np.inf), axis=-1)
    return np.take_along_axis(depth, nearest, axis=1)


def lift_depth(
    positions: np.ndarray,
    confidence: np.ndarray,
    skeleton: Skeleton,
    *,
    min_confidence: float = 0.3,
    weights: str | None = None,
) -> np.ndarray:
    """``(N, K)`` depth of 2D poses by the lifter alone, in units of the pose's own scale.

    The depth is relative to the hip centre and measured in the same units as the
    positions (torso lengths of the input are torso lengths out), positive away from the
    camera; joints the lifter does not read take the depth of the nearest joint it reads.
    Poses with fewer than 4 usable joints get NaN.

    Example
    -------
    >>> from posecoach.classify.synthetic import stick_figure
    >>> from posecoach.skeletons import COCO_17
    >>> p = stick_figure(np.zeros(2))
    >>> z = lift_depth(p, np.ones(p.shape[:2]), COCO_17)
    >>> z.shape, bool(np.isfinite(z).all())
    ((2, 17), True)
    """
    w = _cached_weights(str(weights or WEIGHTS_PATH))
    pos = np.asarray(positions, dtype=np.float64)[..., :2]
    pts, mask = _canonical(pos, np.asarray(confidence, dtype=np.float64), skeleton, min_confidence)
    norm, centre, scale = normalize_2d(pts, mask)
    b = len(pos)
    depth = _mlp(np.concatenate([norm.reshape(b, -1), mask], axis=1), w, "lift")
    allp = (pos - centre[:, None]) / scale[:, None, None]
    z = _depth_of_all(allp, norm, mask, depth) * scale[:, None]
    z[mask.sum(-1) < 4] = np.nan
    return z


def _mean_rotation(r: np.ndarray) -> np.ndarray:
    u, _, vt = np.linalg.svd(r.mean(0))
    d = np.sign(np.linalg.det(u @ vt))
    return u @ np.diag([1.0, 1.0, d]) @ vt


def angles_from_rotation(r: np.ndarray) -> np.ndarray:
    """``(B, 3)`` azimuth (about y), elevation (about x), roll (about z) in degrees for
    ``R = Rz(roll) Rx(elevation) Ry(azimuth)``: the interpretable camera change.

    Example
    -------
    >>> import numpy as np
    >>> (angles_from_rotation(np.eye(3)[None]).round(6) + 0.0).tolist()
    [[0.0, 0.0, 0.0]]
    """
    el = np.degrees(np.arcsin(np.clip(-r[:, 1, 2], -1, 1)))
    az = np.degrees(np.arctan2(r[:, 0, 2], r[:, 2, 2]))
    roll = np.degrees(np.arctan2(r[:, 1, 0], r[:, 1, 1]))
    return np.stack([az, el, roll], axis=1)


@dataclass(frozen=True)
class LearnedAligner:
    """The trained network (see module doc); ``weights`` is a path or the shipped file.

    Example
    -------
    >>> LearnedAligner().min_joints
    6
    """

    name: str = "learned"
    min_joints: int = 6
    description: str = "learned lifting + explicit camera (trained on projected mocap)"
    #: Dimensions of the poses it aligns (2D only; see :func:`posecoach.align.base.aligner_dims`).
    dims: tuple[int, ...] = (2,)
    weights: str | None = None
    min_confidence: float = 0.3

    def fit_apply(self, pair: Pair, per_frame: bool) -> tuple[np.ndarray, Transform, np.ndarray]:
        att, ref = pair.attempt, pair.reference
        if att.dims != 2 or ref.dims != 2:
            raise AlignmentError(
                f"learned aligns 2D poses, got D={att.dims} and D={ref.dims}; use 'view3d' "
                "or 'similarity' for 3D"
            )
        w = _cached_weights(str(self.weights or WEIGHTS_PATH))
        a_pts, a_mask = _canonical(att.positions, att.confidence, att.skeleton, self.min_confidence)
        r_pts, r_mask = _canonical(ref.positions, ref.confidence, ref.skeleton, self.min_confidence)
        if (a_mask.sum(-1) < 4).all() or (r_mask.sum(-1) < 4).all():
            raise AlignmentError(
                f"learned needs at least 4 of {list(JOINTS)} in both poses, got "
                f"{int(a_mask.sum(-1).max())} and {int(r_mask.sum(-1).max())}"
            )
        a_n, a_c, a_s = normalize_2d(a_pts, a_mask)
        r_n, r_c, r_s = normalize_2d(r_pts, r_mask)
        depth, cam = forward(w, a_n, a_mask, r_n, r_mask)
        if not per_frame:
            t = depth.shape[0]
            cam = {
                "rotation": np.broadcast_to(_mean_rotation(cam["rotation"]), (t, 3, 3)),
                "scale": np.full(t, np.exp(np.mean(np.log(cam["scale"])))),
                "shift": np.broadcast_to(cam["shift"].mean(0), (t, 2)),
                "k": np.full(t, cam["k"].mean()),
            }
        allp = (att.positions[..., :2] - a_c[:, None]) / a_s[:, None, None]
        z = _depth_of_all(allp, a_n, a_mask, depth)
        xyz = np.concatenate([allp, z[..., None]], axis=-1)
        out = project_lifted(xyz, cam) * r_s[:, None, None] + r_c[:, None]
        angles = angles_from_rotation(cam["rotation"])
        params = {
            "azimuth_deg": angles[:, 0],
            "elevation_deg": angles[:, 1],
            "roll_deg": angles[:, 2],
            "scale": cam["scale"] * r_s / a_s,
            "shift": cam["shift"] * r_s[:, None],
            "perspective_k": cam["k"],
        }
        if not per_frame:
            params = {k: v[:1] for k, v in params.items()}
        return out, Transform(self.name, per_frame, None, params), (pair.weights > 0).astype(float)


register_aligner("learned", LearnedAligner)
