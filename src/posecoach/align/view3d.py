"""``view3d``: turn the attempt's 3D pose into the reference camera's view, then project.

Needs 3D for both poses: ``world`` (MediaPipe world landmarks: metres, hip-centred, axes
of the camera) or 3D ``positions`` (motion capture).

1. The reference camera, from the reference's own 2D and 3D: a weak-perspective
   (scaled orthographic) camera ``p ≈ s · R[:2] · X + t`` per frame, fitted by weighted
   orthographic Procrustes (alternating depth completion and Umeyama). Its residual is
   the *noise floor*: how far the estimator's 2D and 3D disagree, which no aligner can
   beat. It uses only the reference, so it cannot absorb the attempt's errors.
2. The attempt's 3D is rotated (and scaled to the reference's body size) onto the
   reference's 3D by a weighted, robust 3D similarity (reflection forbidden), per frame
   or — with a fixed camera — one rotation for the whole sequence, which keeps real
   pose differences that a per-frame fit would partly explain away.
3. The rotated attempt is projected with the reference camera.

When the reference has 3D positions (no image), step 3 is skipped and the result is 3D.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.align.cameras import Camera
>>> rng = np.random.default_rng(0)
>>> body = rng.normal(scale=0.4, size=(1, 17, 3))
>>> def view(az):
...     cam = Camera.look_at(azimuth_deg=az, distance=50.0, focal=5000.0, orthographic=True)
...     world = body @ cam.rotation.T  # camera-aligned, like MediaPipe world landmarks
...     return PoseSequence(cam.project(body), skeleton="coco_17", world=world)
>>> from posecoach.align import align
>>> res = align(view(70), view(0), "view3d")
>>> round(res.quality.mean_residual, 6)
0.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from posecoach.align import estimators as est
from posecoach.align.base import AlignmentError, Pair, Transform, register_aligner

if TYPE_CHECKING:
    from posecoach.pose import PoseSequence

__all__ = ["View3DAligner", "fit_weak_perspective", "on_own_image", "shift", "world_of"]


def world_of(seq_world: np.ndarray | None, positions: np.ndarray, who: str) -> np.ndarray:
    """The 3D of a pose: its ``world`` or its 3D positions; clear error otherwise.

    Example
    -------
    >>> import numpy as np
    >>> world_of(None, np.zeros((1, 2, 3)), "attempt").shape
    (1, 2, 3)
    """
    if seq_world is not None:
        return seq_world
    if positions.shape[-1] == 3:
        return positions
    raise AlignmentError(
        f"view3d needs 3D for both poses (world landmarks or 3D positions), got none for "
        f"the {who}; use 'similarity' or 'learned' for 2D-only poses"
    )


def fit_weak_perspective(
    world: np.ndarray, image: np.ndarray, weights: np.ndarray, iterations: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted scaled-orthographic camera per batch item: ``image ≈ s R[:2] world + t``.

    Parameters
    ----------
    world, image
        ``(B, N, 3)`` and ``(B, N, 2)``; rows with weight 0 are ignored.
    weights
        ``(B, N)``.

    Returns
    -------
    tuple
        ``scale (B,)``, ``rotation (B, 3, 3)`` (proper), ``translation (B, 2)`` and
        ``residual (B, N)`` distances in image units.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach.align.cameras import rotation_matrix
    >>> x = np.random.default_rng(0).normal(size=(1, 10, 3))
    >>> r = rotation_matrix([1, 1, 0], 40)
    >>> img = 3 * (x @ r.T)[..., :2] + 7
    >>> s, rot, t, res = fit_weak_perspective(x, img, np.ones((1, 10)))
    >>> round(float(s[0]), 6), bool(np.allclose(rot[0], r)), float(res.max()) < 1e-6
    (3.0, True, True)
    """
    w = np.where(np.isfinite(world).all(-1) & np.isfinite(image).all(-1), weights, 0.0)
    x = np.nan_to_num(world)
    p = np.nan_to_num(image)
    wn = w / np.maximum(w.sum(-1, keepdims=True), 1e-12)
    mx = np.einsum("bn,bnd->bd", wn, x)
    mp = np.einsum("bn,bnd->bd", wn, p)
    xc, pc = x - mx[:, None], p - mp[:, None]
    # start: least-squares 2x3 map, projected onto scaled orthonormal rows
    sxx = np.einsum("bn,bni,bnj->bij", wn, xc, xc) + 1e-12 * np.eye(3)
    sxp = np.einsum("bn,bni,bnj->bij", wn, xc, pc)
    a = np.linalg.solve(sxx, sxp).transpose(0, 2, 1)  # (B, 2, 3)
    u, sv, vt = np.linalg.svd(a, full_matrices=False)
    r2 = u @ vt  # (B, 2, 3) orthonormal rows
    scale = sv.mean(-1)
    for _ in range(iterations):
        r3 = np.concatenate([r2, np.cross(r2[:, 0], r2[:, 1])[:, None]], axis=1)
        depth = scale[:, None] * np.einsum("bj,bnj->bn", r3[:, 2], xc)
        target = np.concatenate([pc, depth[..., None]], axis=-1)
        m = est.similarity(xc, target, w)
        lin = m[:, :3, :3]
        scale = np.cbrt(np.linalg.det(lin))
        r2 = lin[:, :2] / scale[:, None, None]
    rot = np.concatenate([r2, np.cross(r2[:, 0], r2[:, 1])[:, None]], axis=1)
    trans = mp - scale[:, None] * np.einsum("bij,bj->bi", r2, mx)
    proj = scale[:, None, None] * np.einsum("bij,bnj->bni", r2, x) + trans[:, None]
    resid = np.where(w > 0, np.linalg.norm(proj - p, axis=-1), np.nan)
    return scale, rot, trans, resid


def _centre(points: np.ndarray, w: np.ndarray, hip: np.ndarray | None) -> np.ndarray:
    wn = w / np.maximum(w.sum(-1, keepdims=True), 1e-12)
    mu = np.einsum("tn,tnd->td", wn, np.nan_to_num(points))
    if hip is not None:
        mu = np.where(np.isfinite(hip), hip, mu)
    return mu


@dataclass(frozen=True)
class View3DAligner:
    """Rotate the attempt's 3D into the reference's view, then project (see module doc).

    Example
    -------
    >>> View3DAligner().name
    'view3d'
    """

    name: str = "view3d"
    min_joints: int = 4
    description: str = "3D rotation into the reference camera's view, then projection"
    robust: bool = True
    #: ``"auto"`` (pinhole when the reference has an image size and OpenCV is present,
    #: else weak perspective), ``"pinhole"`` or ``"weak"``.
    camera: str = "auto"
    #: Put the attempt's 3D exactly on its own 2D (its camera's image-plane coordinates
    #: from the 2D landmarks, depth from the 3D) before turning it.
    image_consistent: bool = True
    #: Per sequence: one robust 2D fit after projecting, ``"shift"`` (offset),
    #: ``"scale"`` (+ size), ``"similarity"`` (+ roll) or ``""`` (none): a fixed
    #: camera's leftover; one for the whole take, so it cannot absorb per-frame errors.
    refine_2d: str = ""

    def usable_weights(self, pair: Pair) -> np.ndarray:
        """The pair's weights, zero where either pose lacks 3D for the joint."""
        att, ref = pair.attempt, pair.reference
        wa = world_of(att.world, att.positions, "attempt")[:, pair.att_idx]
        wr = world_of(ref.world, ref.positions, "reference")[:, pair.ref_idx]
        ok = np.isfinite(wa).all(-1) & np.isfinite(wr).all(-1)
        return np.where(ok, pair.weights, 0.0)

    def fit_apply(self, pair: Pair, per_frame: bool) -> tuple[np.ndarray, Transform, np.ndarray]:
        from posecoach.geometry import hip_center

        att, ref = pair.attempt, pair.reference
        wa_all = world_of(att.world, att.positions, "attempt")  # (T, K, 3)
        wr_all = world_of(ref.world, ref.positions, "reference")
        if self.image_consistent and att.world is not None and self._use_pinhole(att):
            wa_all = on_own_image(att, self._use_pinhole(att))
        wa = wa_all[:, pair.att_idx]
        wr = wr_all[:, pair.ref_idx]
        w = np.where(np.isfinite(wa).all(-1) & np.isfinite(wr).all(-1), pair.weights, 0.0)
        t = pair.n_frames
        conf_a = np.where(att.confidence[..., None] > 0, wa_all, np.nan)
        conf_r = np.where(ref.confidence[..., None] > 0, wr_all, np.nan)
        hip_a = hip_center(conf_a, att.skeleton)
        hip_r = hip_center(conf_r, ref.skeleton)
        ca = _centre(wa, w, hip_a)
        cr = _centre(wr, w, hip_r)
        src = wa - ca[:, None]
        dst = wr - cr[:, None]
        if per_frame:
            s_src, s_dst, s_w = src, dst, w
        else:
            s_src, s_dst, s_w = src.reshape(1, -1, 3), dst.reshape(1, -1, 3), w.reshape(1, -1)
        fit = est.robust_fit if self.robust else None
        if fit is not None:
            m, rw = fit(est.similarity, s_src, s_dst, s_w)
        else:
            m, rw = est.similarity(s_src, s_dst, s_w), (s_w > 0).astype(float)
        lin = m[:, :3, :3]  # rotation × body-size ratio (translation is zero by centring)
        lin_t = np.broadcast_to(lin, (t, 3, 3))
        turned = np.einsum("tij,tkj->tki", lin_t, wa_all - ca[:, None]) + cr[:, None]
        scale3 = np.cbrt(np.linalg.det(lin))
        params: dict[str, np.ndarray] = {
            "rotation": lin / scale3[:, None, None],
            "body_scale": scale3,
        }
        if ref.positions.shape[-1] == 3 and ref.world is None:
            out = turned  # 3D reference: no camera to project through
        elif self._use_pinhole(ref):
            from posecoach.align.pinhole import fit_pinhole

            assert ref.image_size is not None
            cam = fit_pinhole(wr, pair.ref_points(), w, ref.image_size)
            out = cam.project(turned)
            if not np.isfinite(cam.residual).all():  # frames PnP could not fit
                bad = ~np.isfinite(cam.residual)
                cam_s, cam_r, cam_t, _ = fit_weak_perspective(
                    wr[bad], pair.ref_points()[bad], w[bad]
                )
                weak = cam_s[:, None, None] * np.einsum("tij,tkj->tki", cam_r[:, :2], turned[bad])
                out[bad] = weak + cam_t[:, None]
            params.update(
                camera_focal=np.array(cam.focal), camera_rvec=cam.rvec, camera_tvec=cam.tvec
            )
        else:
            cam_s, cam_r, cam_t, _ = fit_weak_perspective(wr, pair.ref_points(), w)
            out = cam_s[:, None, None] * np.einsum("tij,tkj->tki", cam_r[:, :2], turned)
            out = out + cam_t[:, None]
            params.update(camera_scale=cam_s, camera_rotation=cam_r, camera_translation=cam_t)
        if self.refine_2d and not per_frame and out.shape[-1] == 2:
            a2 = out[:, pair.att_idx].reshape(1, -1, 2)
            r2 = pair.ref_points().reshape(1, -1, 2)
            ok = np.isfinite(a2).all(-1) & np.isfinite(r2).all(-1)
            m2, _ = est.robust_fit(
                _REFINERS[self.refine_2d],
                np.nan_to_num(a2),
                np.nan_to_num(r2),
                np.where(ok, w.reshape(1, -1), 0.0),
            )
            out = est.apply_matrix(m2, out.reshape(1, -1, 2)).reshape(out.shape)
            params["refine_2d"] = m2[0]
        return out, Transform(self.name, per_frame, None, params), rw.reshape(w.shape)

    def _use_pinhole(self, seq: PoseSequence) -> bool:
        if self.camera == "weak" or seq.image_size is None or seq.space != "pixel":
            return False
        if self.camera == "pinhole":
            return True
        try:
            import cv2  # noqa: F401
        except ImportError:  # pragma: no cover - OpenCV comes with mediapipe
            return False
        return True


def shift(src: np.ndarray, dst: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted translation only, as a ``(B, 3, 3)`` homogeneous 2D matrix.

    Example
    -------
    >>> import numpy as np
    >>> shift(np.zeros((1, 2, 2)), np.ones((1, 2, 2)), np.ones((1, 2)))[0].tolist()
    [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    """
    wn = w / np.maximum(w.sum(-1, keepdims=True), 1e-12)
    d = np.einsum("bn,bnd->bd", wn, np.nan_to_num(dst) - np.nan_to_num(src))
    m = np.tile(np.eye(3), (len(d), 1, 1))
    m[:, :2, 2] = d
    return m


_REFINERS = {"shift": shift, "scale": est.translation_scale, "similarity": est.similarity}


def on_own_image(seq: PoseSequence, pinhole: bool) -> np.ndarray:
    """The sequence's ``world`` moved onto its own 2D: in its camera's frame, the
    image-plane coordinates come from the 2D landmarks and only the depth from the 3D.

    Example
    -------
    >>> import numpy as np
    >>> from posecoach import PoseSequence
    >>> w = np.random.default_rng(0).normal(size=(1, 17, 3))
    >>> seq = PoseSequence(100 * w[..., :2] + 50, skeleton="coco_17", world=w)
    >>> bool(np.allclose(on_own_image(seq, pinhole=False), w))
    True
    """
    from posecoach.align.base import pair_poses

    if seq.world is None:
        raise AlignmentError("on_own_image needs world landmarks, got a sequence without")
    world: np.ndarray = seq.world
    image = seq.positions[..., :2]
    p = pair_poses(seq, seq)
    wts = np.zeros(world.shape[:2])
    wts[:, p.att_idx] = p.weights
    if pinhole and seq.image_size is not None:
        from posecoach.align.pinhole import fit_pinhole

        cam = fit_pinhole(world, image, wts, seq.image_size)
        rot = cam.rotations()
        c = np.einsum("tij,tkj->tki", rot, world) + cam.tvec[:, None]
        k = cam.intrinsics
        pp = np.array([k[0, 2], k[1, 2]])
        c2 = c.copy()
        c2[..., :2] = (image - pp) * c[..., 2:3] / k[0, 0]
        out = np.einsum("tji,tkj->tki", rot, c2 - cam.tvec[:, None])
        ok = np.isfinite(cam.residual)[:, None, None] & np.isfinite(out)
    else:
        s, r, t, _ = fit_weak_perspective(world, image, wts)
        c = np.einsum("tij,tkj->tki", r, world)
        c2 = c.copy()
        c2[..., :2] = (image - t[:, None]) / s[:, None, None]
        out = np.einsum("tji,tkj->tki", r, c2)
        ok = (np.isfinite(s) & (s > 0))[:, None, None] & np.isfinite(out)
    return np.where(ok, out, world)


register_aligner("view3d", View3DAligner)
