"""Calibrated cameras of a multi-camera recording: read, write, project, undistort.

Two file formats are read:

- **TOML** in the layout of Pose2Sim and Anipose (``Calib.toml``): one ``[cam_N]`` table
  per camera with ``name``, ``size`` (width, height), ``matrix`` (3×3 intrinsics),
  ``distortions`` (OpenCV ``k1 k2 p1 p2 [k3]``), ``rotation`` (Rodrigues vector, world →
  camera) and ``translation`` (metres). This is also the format written.
- **Qualisys** ``.qca.txt`` (XML), as the Pose2Sim demo ships: intrinsics in sub-pixel
  units (1/64 px) relative to the sensor window, and each camera's *pose* (position in mm,
  camera → world rotation with the camera looking along −z). Converted on reading to the
  OpenCV convention used everywhere here: ``X_cam = R X + t`` with x right, y down, z
  forward, in metres.

Distortion follows OpenCV's Brown-Conrady model (radial ``k1 k2 k3``, tangential ``p1 p2``).

Example
-------
>>> import numpy as np, tempfile
>>> from pathlib import Path
>>> from posecoach.align.cameras import Camera, rotation_matrix
>>> cam = CalibratedCamera("front", Camera.look_at(distance=3.0, focal=1000.0,
...     principal_point=(540, 960), image_size=(1080, 1920)), np.array([-0.05, 0.1, 0, 0, 0]))
>>> path = save_calibration([cam], Path(tempfile.mkdtemp()) / "calib.toml")
>>> back = load_calibration(path)[0]
>>> back.name, bool(np.allclose(back.project([0.1, 0.2, 0.3]), cam.project([0.1, 0.2, 0.3])))
('front', True)
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tomllib

from posecoach.align.cameras import Camera, rotation_matrix
from posecoach.errors import InputError

__all__ = [
    "CalibratedCamera",
    "load_calibration",
    "save_calibration",
    "rodrigues",
    "rotation_vector",
]

#: Calibration files are small; anything larger is refused before parsing.
MAX_CALIBRATION_BYTES = 5_000_000
#: Qualisys stores intrinsics in 1/64 pixel.
_QCA_SUBPIXEL = 64.0
#: Qualisys cameras look along −z with y up; OpenCV's look along +z with y down.
_QCA_TO_OPENCV = np.diag([1.0, -1.0, -1.0])


def rodrigues(vector: Sequence[float] | np.ndarray) -> np.ndarray:
    """Rotation matrix of a Rodrigues (axis × angle in radians) vector.

    Example
    -------
    >>> rodrigues([0, 0, np.pi / 2]).round(6).tolist()
    [[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    v = np.asarray(vector, dtype=np.float64).reshape(3)
    angle = float(np.linalg.norm(v))
    return np.eye(3) if angle < 1e-12 else rotation_matrix(v, math.degrees(angle))


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    """Rodrigues vector of a proper rotation matrix (inverse of :func:`rodrigues`).

    Example
    -------
    >>> v = np.array([0.3, -1.2, 2.0])
    >>> bool(np.allclose(rotation_vector(rodrigues(v)), v))
    True
    """
    r = np.asarray(rotation, dtype=np.float64)
    # unit quaternion by Shepperd's method (the largest component first: stable at 180°)
    diag = np.array([np.trace(r), r[0, 0], r[1, 1], r[2, 2]])
    i = int(np.argmax(diag))
    if i == 0:
        w = math.sqrt(max(1.0 + diag[0], 0.0)) / 2.0
        v = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]]) / (4.0 * w)
    else:
        a = i - 1
        b, c = (a + 1) % 3, (a + 2) % 3
        v = np.zeros(3)
        v[a] = math.sqrt(max(1.0 + 2.0 * r[a, a] - np.trace(r), 0.0)) / 2.0
        v[b] = (r[b, a] + r[a, b]) / (4.0 * v[a])
        v[c] = (r[c, a] + r[a, c]) / (4.0 * v[a])
        w = (r[c, b] - r[b, c]) / (4.0 * v[a])
        if w < 0:
            v, w = -v, -w
    sin_half = float(np.linalg.norm(v))
    if sin_half < 1e-15:
        return np.zeros(3)
    return 2.0 * math.atan2(sin_half, w) * v / sin_half


@dataclass(frozen=True)
class CalibratedCamera:
    """One calibrated camera: a name, a pinhole :class:`~posecoach.align.cameras.Camera`
    (world → camera in metres, intrinsics in pixels, ``image_size``) and OpenCV distortion
    ``(k1, k2, p1, p2, k3)``.
    """

    name: str
    camera: Camera
    distortion: np.ndarray

    def __post_init__(self) -> None:
        d = np.zeros(5)
        given = np.asarray(self.distortion, dtype=np.float64).reshape(-1)
        if given.size not in (0, 4, 5) or not np.isfinite(given).all():
            raise InputError(
                f"camera {self.name!r}: expected 4 or 5 finite distortion coefficients "
                f"(k1 k2 p1 p2 [k3]), got {given.tolist()}"
            )
        d[: given.size] = given
        d.setflags(write=False)
        object.__setattr__(self, "distortion", d)
        if self.camera.orthographic:
            raise InputError(f"camera {self.name!r}: expected a perspective camera")

    @property
    def image_size(self) -> tuple[int, int] | None:
        """``(width, height)`` the camera was calibrated at."""
        return self.camera.image_size

    def _distort(self, xy: np.ndarray) -> np.ndarray:
        k1, k2, p1, p2, k3 = self.distortion
        x, y = xy[..., 0], xy[..., 1]
        r2 = x * x + y * y
        radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
        dx = 2.0 * p1 * x * y + p2 * (r2 + 2.0 * x * x)
        dy = p1 * (r2 + 2.0 * y * y) + 2.0 * p2 * x * y
        return np.stack([x * radial + dx, y * radial + dy], axis=-1)

    def project(self, points3d: np.ndarray | Sequence[float]) -> np.ndarray:
        """World points ``(..., 3)`` in metres → distorted pixels ``(..., 2)``; points
        behind the camera give NaN.
        """
        cam = self.camera.to_camera(points3d)
        z = cam[..., 2:3]
        with np.errstate(divide="ignore", invalid="ignore"):
            xy = np.where(z > 1e-9, cam[..., :2] / z, np.nan)
        return self._distort(xy) * self.camera.focal + self.camera.principal_point

    def normalized_rays(self, pixels: np.ndarray, iterations: int = 20) -> np.ndarray:
        """Pixels ``(..., 2)`` → undistorted normalised image coordinates ``(..., 2)``
        (``x/z, y/z`` in the camera frame), inverting the distortion by fixed-point
        iteration as OpenCV's ``undistortPoints`` does.

        Example
        -------
        >>> cam = CalibratedCamera("c", Camera(np.eye(3), [0, 0, 2.0], focal=800.0,
        ...     principal_point=(320, 240)), np.array([-0.2, 0.05, 0.001, -0.002, 0.0]))
        >>> px = cam.project([[0.3, -0.2, 0.0]])
        >>> cam.normalized_rays(px).round(6).tolist()
        [[0.15, -0.1]]
        """
        p = np.asarray(pixels, dtype=np.float64)
        distorted = (p - self.camera.principal_point) / self.camera.focal
        xy = distorted.copy()
        if not self.distortion.any():
            return xy
        k1, k2, _, _, k3 = self.distortion
        for _ in range(iterations):
            r2 = (xy**2).sum(-1)
            radial = 1.0 + r2 * (k1 + r2 * (k2 + r2 * k3))
            tangential = self._distort(xy) - xy * radial[..., None]
            xy = (distorted - tangential) / radial[..., None]
        return xy

    def projection_matrix(self) -> np.ndarray:
        """``(3, 4)`` ``[R | t]``: world → camera, for normalised image coordinates."""
        return np.hstack([self.camera.rotation, self.camera.translation[:, None]])


# ---------------------------------------------------------------------------- reading
def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"calibration file {path} does not exist or is not a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"calibration file {path} is empty")
    if size > MAX_CALIBRATION_BYTES:
        raise InputError(
            f"calibration file {path} is {size} bytes; expected at most {MAX_CALIBRATION_BYTES}"
        )
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"calibration file {path} is not text ({exc})") from exc


def _floats(values: object, n: int | tuple[int, ...], what: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"expected {what} as numbers, got {values!r}") from None
    sizes = (n,) if isinstance(n, int) else n
    if arr.size not in sizes or not np.isfinite(arr).all():
        raise InputError(f"expected {what} as {' or '.join(map(str, sizes))} finite numbers")
    return arr


def _from_toml(text: str, path: Path) -> list[CalibratedCamera]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"calibration file {path} is not valid TOML ({exc})") from exc
    cams: list[CalibratedCamera] = []
    for key, table in doc.items():
        if key == "metadata" or not isinstance(table, dict):
            continue
        name = str(table.get("name", key))
        where = f"{path}, camera {name!r}"
        missing = [k for k in ("matrix", "rotation", "translation") if k not in table]
        if missing:
            raise InputError(f"{where}: missing {', '.join(missing)}")
        if table.get("fisheye", False):
            raise InputError(f"{where}: fisheye cameras are not supported")
        size = _floats(table.get("size", [0, 0]), 2, f"{where} size")
        known = bool((size > 0).all())
        k = _floats(table["matrix"], 9, f"{where} matrix").reshape(3, 3)
        rot = rodrigues(_floats(table["rotation"], 3, f"{where} rotation"))
        camera = Camera(
            rot,
            _floats(table["translation"], 3, f"{where} translation"),
            focal=(k[0, 0], k[1, 1]),
            principal_point=(k[0, 2], k[1, 2]),
            image_size=(round(float(size[0])), round(float(size[1]))) if known else None,
        )
        dist = _floats(table.get("distortions", []), (0, 4, 5), f"{where} distortions")
        cams.append(CalibratedCamera(name, camera, dist))
    return cams


def _from_qca(text: str, path: Path) -> list[CalibratedCamera]:
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"calibration file {path} is not valid XML ({exc})") from exc
    cams: list[CalibratedCamera] = []
    for node in root.iter("camera"):
        name = node.get("serial") or f"cam{len(cams) + 1:02d}"
        where = f"{path}, camera {name!r}"
        tr, intr, fov = node.find("transform"), node.find("intrinsic"), node.find("fov_video")
        if tr is None or intr is None or fov is None:
            raise InputError(f"{where}: expected transform, intrinsic and fov_video elements")
        try:
            pose_rot = np.array([[float(tr.attrib[f"r{a}{b}"]) for b in "123"] for a in "123"])
            position_mm = np.array([float(tr.attrib[c]) for c in "xyz"])
            left, top = float(fov.attrib["left"]), float(fov.attrib["top"])
            width = int(fov.attrib["right"]) - int(left) + 1
            height = int(fov.attrib["bottom"]) - int(top) + 1
            fu = float(intr.attrib["focalLengthU"]) / _QCA_SUBPIXEL
            fv = float(intr.attrib["focalLengthV"]) / _QCA_SUBPIXEL
            cu = float(intr.attrib["centerPointU"]) / _QCA_SUBPIXEL - left
            cv = float(intr.attrib["centerPointV"]) / _QCA_SUBPIXEL - top
            dist = [
                float(intr.attrib.get(k, 0.0))
                for k in (
                    "radialDistortion1",
                    "radialDistortion2",
                    "tangentalDistortion1",
                    "tangentalDistortion2",
                    "radialDistortion3",
                )
            ]
        except (KeyError, ValueError) as exc:
            raise InputError(f"{where}: missing or non-numeric attribute {exc}") from None
        rot = _QCA_TO_OPENCV @ pose_rot  # world → camera
        camera = Camera(
            rot,
            -rot @ (position_mm / 1000.0),
            focal=(fu, fv),
            principal_point=(cu, cv),
            image_size=(width, height),
        )
        cams.append(CalibratedCamera(name, camera, np.array(dist)))
    return cams


def load_calibration(path: str | Path) -> list[CalibratedCamera]:
    """Cameras of a calibration file (Pose2Sim/Anipose TOML or Qualisys ``.qca.txt``),
    in file order; one clear :class:`~posecoach.errors.InputError` for anything unusable.
    """
    path = Path(path)
    text = _read_text(path)
    looks_xml = text.lstrip().startswith("<")
    cams = _from_qca(text, path) if looks_xml else _from_toml(text, path)
    if not cams:
        raise InputError(f"calibration file {path} defines no camera")
    names = [c.name for c in cams]
    if len(set(names)) != len(names):
        raise InputError(f"calibration file {path} names a camera twice: {names}")
    return cams


def _toml_list(values: np.ndarray) -> str:
    return "[ " + ", ".join(repr(float(v)) for v in np.asarray(values).reshape(-1)) + "]"


def save_calibration(cameras: Sequence[CalibratedCamera], path: str | Path) -> Path:
    """Write cameras as Pose2Sim/Anipose TOML (atomically); returns the path."""
    from posecoach.atomic import atomic_path

    if not cameras:
        raise InputError("expected at least one camera to save, got none")
    lines = []
    for i, cam in enumerate(cameras, 1):
        c = cam.camera
        k = c.intrinsics
        lines += [
            f"[cam_{i:02d}]",
            f"name = {json.dumps(cam.name, ensure_ascii=False)}",  # a valid TOML string
            *([f"size = {_toml_list(np.array(c.image_size, float))}"] if c.image_size else []),
            "matrix = [ " + ", ".join(_toml_list(row) for row in k) + "]",
            f"distortions = {_toml_list(cam.distortion)}",
            f"rotation = {_toml_list(rotation_vector(c.rotation))}",
            f"translation = {_toml_list(c.translation)}",
            "fisheye = false",
            "",
        ]
    lines += ["[metadata]", "adjusted = false", "error = 0.0", ""]
    path = Path(path)
    with atomic_path(path, suffix=".toml") as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return path
