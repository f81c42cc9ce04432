"""Perspective (pinhole) camera of a view from its own 2D and metric 3D pose.

MediaPipe's world landmarks are metric and hip-centred; with the 2D landmarks of the same
frame they determine the camera's pose (PnP, OpenCV ``solvePnP``: EPnP start, then
Levenberg-Marquardt). The focal length is unknown for arbitrary videos: one focal length
per sequence is picked from a grid (multiples of the image's long side) by the smallest
weighted reprojection error over all frames, the principal point is the image centre.
Against a scaled orthographic camera this removes the perspective of a close camera (on
the Pose2Sim demo the reference's own 3D-to-image residual drops from about 0.066 to 0.053
torso lengths).

Example
-------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> world = rng.normal(scale=0.4, size=(2, 12, 3))
>>> move = np.tile([0.1, 0, 3.0], (2, 1))  # 3 m in front of the camera
>>> cam = PinholeCamera.from_focal(0.9 * 1920, (1080, 1920), np.zeros((2, 3)), move)
>>> image = cam.project(world)
>>> fit = fit_pinhole(world, image, np.ones((2, 12)), (1080, 1920))
>>> round(float(fit.focal), 0), float(np.nanmax(fit.residual)) < 1e-3
(1728.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FOCAL_GRID", "PinholeCamera", "fit_pinhole"]

#: Focal lengths tried, as multiples of the image's long side (phones: about 0.7-1.2).
FOCAL_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 5.0)


@dataclass(frozen=True)
class PinholeCamera:
    """Per-frame pinhole cameras sharing intrinsics.

    ``intrinsics`` (3, 3); ``rvec``/``tvec`` (T, 3) Rodrigues rotation and translation
    (world → camera); ``residual`` (T,) weighted mean reprojection error in pixels
    (NaN where the frame could not be fitted); ``focal`` in pixels.
    """

    intrinsics: np.ndarray
    rvec: np.ndarray
    tvec: np.ndarray
    residual: np.ndarray

    @property
    def focal(self) -> float:
        """Focal length in pixels."""
        return float(self.intrinsics[0, 0])

    @classmethod
    def from_focal(
        cls, focal: float, image_size: tuple[int, int], rvec: np.ndarray, tvec: np.ndarray
    ) -> PinholeCamera:
        """Cameras with a given focal length and the image centre as principal point.

        Example
        -------
        >>> import numpy as np
        >>> PinholeCamera.from_focal(1000.0, (640, 480), np.zeros((1, 3)), np.ones((1, 3))).focal
        1000.0
        """
        w, h = image_size
        k = np.array([[focal, 0.0, w / 2.0], [0.0, focal, h / 2.0], [0.0, 0.0, 1.0]])
        rv = np.asarray(rvec, float)
        return cls(k, rv, np.asarray(tvec, float), np.full(len(rv), np.nan))

    def rotations(self) -> np.ndarray:
        """``(T, 3, 3)`` rotation matrices."""
        import cv2

        return np.stack([cv2.Rodrigues(r.reshape(3, 1))[0] for r in self.rvec])

    def project(self, points: np.ndarray) -> np.ndarray:
        """``(T, K, 3)`` world points of frame t → ``(T, K, 2)`` pixels through camera t."""
        cam = np.einsum("tij,tkj->tki", self.rotations(), points) + self.tvec[:, None]
        uvw = cam @ self.intrinsics.T
        with np.errstate(invalid="ignore", divide="ignore"):
            return uvw[..., :2] / uvw[..., 2:3]


def _solve(
    world: np.ndarray, image: np.ndarray, weights: np.ndarray, k: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import cv2

    no_distortion = np.zeros(4)
    t = world.shape[0]
    rv, tv, res = np.zeros((t, 3)), np.zeros((t, 3)), np.full(t, np.nan)
    ok_all = (weights > 0) & np.isfinite(world).all(-1) & np.isfinite(image).all(-1)
    for i in range(t):
        m = ok_all[i]
        if m.sum() < 6:
            continue
        x3 = np.ascontiguousarray(world[i, m], dtype=np.float64)
        x2 = np.ascontiguousarray(image[i, m, :2], dtype=np.float64)
        try:
            good, r, tt = cv2.solvePnP(x3, x2, k, no_distortion, flags=cv2.SOLVEPNP_EPNP)
            if not good or tt[2, 0] <= 0:
                continue
            good, r, tt = cv2.solvePnP(
                x3,
                x2,
                k,
                no_distortion,
                r,
                tt,
                useExtrinsicGuess=True,
                flags=cv2.SOLVEPNP_ITERATIVE,
            )
        except cv2.error:
            continue
        if not good or tt[2, 0] <= 0:
            continue
        rv[i], tv[i] = r[:, 0], tt[:, 0]
        proj, _ = cv2.projectPoints(x3, r, tt, k, no_distortion)
        d = np.linalg.norm(proj[:, 0] - x2, axis=-1)
        res[i] = float((weights[i, m] * d).sum() / weights[i, m].sum())
    return rv, tv, res


def fit_pinhole(
    world: np.ndarray,
    image: np.ndarray,
    weights: np.ndarray,
    image_size: tuple[int, int],
    focal_grid: tuple[float, ...] = FOCAL_GRID,
    search_frames: int = 16,
) -> PinholeCamera:
    """Fit per-frame pinhole cameras with one focal length (chosen from a grid).

    Parameters
    ----------
    world, image
        ``(T, N, 3)`` metric 3D and ``(T, N, 2)`` pixel positions of the same joints.
    weights
        ``(T, N)`` joint weights (0 = unused); frames need 6 weighted joints.
    image_size
        ``(width, height)``; the principal point is its centre.
    focal_grid
        Focal lengths tried, as multiples of the long side.
    search_frames
        Evenly spaced frames the focal length is chosen on (all frames are then fitted).

    Returns
    -------
    PinholeCamera
        Frames that could not be fitted have NaN ``residual`` (and project to NaN).

    Example
    -------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).normal(size=(1, 8, 3)) * 0.3
    >>> at4m = np.array([[0, 0, 4.0]])
    >>> true = PinholeCamera.from_focal(960.0, (640, 960), np.zeros((1, 3)), at4m)
    >>> fit = fit_pinhole(x, true.project(x), np.ones((1, 8)), (640, 960))
    >>> fit.focal, bool(np.allclose(fit.tvec, [[0, 0, 4]], atol=1e-3))
    (960.0, True)
    """
    world = np.asarray(world, float)
    image = np.asarray(image, float)
    long_side = float(max(image_size))
    # the focal length is chosen on at most `search_frames` evenly spaced frames
    sub = np.unique(np.linspace(0, len(world) - 1, min(len(world), search_frames)).astype(int))
    zeros = np.zeros((1, 3))
    best: tuple[float, float] | None = None
    for rel in focal_grid:
        k = PinholeCamera.from_focal(rel * long_side, image_size, zeros, zeros).intrinsics
        _, _, res = _solve(world[sub], image[sub], weights[sub], k)
        score = float(np.nanmean(res)) if np.isfinite(res).any() else np.inf
        if best is None or score < best[0]:
            best = (score, rel * long_side)
    assert best is not None
    k = PinholeCamera.from_focal(best[1], image_size, zeros, zeros).intrinsics
    rv, tv, res = _solve(world, image, weights, k)
    return PinholeCamera(k, rv, tv, res)
