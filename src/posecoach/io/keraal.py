"""Keraal low-back-pain rehabilitation dataset files (format ``keraal``).

Joint orders and units follow the dataset's ``doc/readme_files_format.txt``:

- Kinect ``*.txt`` (also the reference repetitions ``SkeletonSequence*.txt``): one row
  per frame of 25 joints x 7 values (x, y, z in metres, then an orientation quaternion
  x, y, z, w) -> skeleton ``kinect_v2_25``, space ``"world"``, 30 fps (Kinect v2).
- Vicon ``*.txt``: one row per frame of 17 rigid-body targets x 7 values (position in
  millimetres + quaternion) -> skeleton ``keraal_vicon_17``, space ``"world"``, converted
  to metres unless ``unit="mm"``. The frame rate is not documented; the default 60 fps is
  inferred from the sample trials, which have about twice as many Vicon rows as Kinect
  rows (e.g. 390 vs 197) for the same recording; pass ``fps=`` if you know better.
- OpenPose / BlazePose / AlphaPose ``*.json``: ``{"positions": {frame: {joint: [x, y,
  (z)]}}}`` with x, y normalised to the 960 x 544 video -> ``openpose_coco_18``
  (joint names ``Nose``, ``Neck``, ``rShoulder``...), ``blazepose_33`` (``Left_eye_inner``...,
  with z) or ``coco_17`` (AlphaPose, joints numbered 0-16), space ``"normalized"``,
  ``image_size`` (960, 544). Frames are numbered as in the file (AlphaPose from 0, the
  others from 1); frames missing from the file and joints missing from a frame are NaN.

Quaternions are not part of a :class:`~posecoach.PoseSequence`; read them with
:func:`read_keraal_orientations`. The trial's exercise (``CTK``, ``ELK``, ``RTK``),
modality, participant/trial and label (e.g. ``C`` correct) are parsed from the file name
(``G3-Kinect-CTK-P1T1-Unknown-C-0.txt``) into ``metadata["keraal"]`` when it follows the
dataset's naming.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.io._common import file_errors, load_json, read_text, sniff_json
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import COCO_17, KERAAL_VICON_17, KINECT_V2_25, Skeleton

__all__ = ["read_keraal", "read_keraal_orientations", "KERAAL_IMAGE_SIZE"]

#: Size of the Keraal videos the 2D detector coordinates are normalised to.
KERAAL_IMAGE_SIZE = (960, 544)
_TXT_SKELETONS: dict[int, Skeleton] = {25 * 7: KINECT_V2_25, 17 * 7: KERAAL_VICON_17}
_NAME_RE = re.compile(
    r"^G(?P<group>[0-9A-Za-z]+)[-_](?P<modality>[A-Za-z]+)[-_](?P<exercise>[A-Z]{3})[-_]"
    r"(?P<participant_trial>[^-_]+)[-_](?P<annotator>[^-_]+)[-_](?P<label>[^-_]+)[-_]"
    r"(?P<recording>\d+)$"
)


def _name_fields(path: Path) -> dict[str, Any]:
    m = _NAME_RE.match(path.stem)
    return {"keraal": m.groupdict()} if m else {}


def _read_rows(path: Path) -> np.ndarray:
    text = read_text(path, "Keraal skeleton .txt")
    rows = [line.split() for line in text.splitlines() if line.strip()]
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        n = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise FormatError(
            f"{path}: row {n + 1}: expected {len(rows[0])} values like row 1, got {len(rows[n])}"
        )
    width = widths.pop()
    if width not in _TXT_SKELETONS:
        raise FormatError(
            f"{path}: expected 175 (Kinect 25 x 7) or 119 (Vicon 17 x 7) values per row, "
            f"got {width}"
        )
    with file_errors(path, "Keraal skeleton .txt"):
        arr = np.array(rows, dtype=float)
    if not np.isfinite(arr).all():
        r = int(np.argmax(~np.isfinite(arr).all(axis=1)))
        raise FormatError(f"{path}: row {r + 1}: expected finite numbers, got NaN/inf")
    return arr


def read_keraal_orientations(path: str | Path) -> np.ndarray:
    """``(T, J, 4)`` orientation quaternions (x, y, z, w) of a Kinect or Vicon ``.txt``.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "k.txt")
    >>> _ = open(p, "w").write(" ".join(["0 0 1 0 0 0 1"] * 25) + "\\n")
    >>> read_keraal_orientations(p)[0, 0].tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    arr = _read_rows(Path(path))
    return arr.reshape(len(arr), -1, 7)[:, :, 3:]


def _read_txt(path: Path, fps: float | None, unit: str) -> PoseSequence:
    arr = _read_rows(path)
    sk = _TXT_SKELETONS[arr.shape[1]]
    pos = arr.reshape(len(arr), sk.n_joints, 7)[:, :, :3].copy()
    pos[(pos == 0).all(axis=2)] = np.nan  # an untracked joint is written as zeros
    vicon = sk is KERAAL_VICON_17
    meta: dict[str, Any] = {
        "source": str(path),
        "format": "keraal",
        "modality": "vicon" if vicon else "kinect",
    }
    if vicon:
        if unit not in ("m", "mm"):
            raise FormatError(f"expected unit 'm' or 'mm', got {unit!r}")
        if unit == "m":
            pos = pos / 1000.0
    meta["unit"] = unit if vicon else "m"
    meta.update(_name_fields(path))
    with file_errors(path, "Keraal skeleton .txt"):
        return PoseSequence(
            pos,
            skeleton=sk,
            fps=fps if fps is not None else (60.0 if vicon else 30.0),
            space="world",
            metadata=meta,
        )


def _canonical(joint: str) -> str:
    """``rShoulder`` -> ``right_shoulder``, ``Left_eye_inner`` -> ``left_eye_inner``."""
    j = joint.strip()
    if len(j) > 1 and j[0] in "rlRL" and j[1].isupper():
        side = "right" if j[0] in "rR" else "left"
        return f"{side}_{j[1:].lower()}"
    return j.lower()


def _read_json(path: Path, fps: float) -> PoseSequence:
    from posecoach.io.wide_csv import infer_skeleton

    data = load_json(path, "Keraal positions JSON")
    with file_errors(path, "Keraal positions JSON"):
        if not isinstance(data, dict) or not isinstance(data.get("positions"), dict):
            raise ValueError("expected an object with a 'positions' mapping")
        frames = {int(float(k)): v for k, v in data["positions"].items()}
        if not frames:
            raise ValueError("expected at least one frame, got 0 frames")
        keys = sorted({str(j) for v in frames.values() for j in v})
        if not keys:
            raise ValueError("expected joints in at least one frame, got none")
        if all(k.isdigit() for k in keys):
            if max(int(k) for k in keys) >= COCO_17.n_joints:
                raise ValueError(f"expected AlphaPose joint numbers 0-16, got up to {max(keys)}")
            sk: Skeleton = COCO_17
            index = {k: int(k) for k in keys}
            modality = "alphapose"
        else:
            names = {k: _canonical(k) for k in keys}
            sk = infer_skeleton(sorted(set(names.values())), path)
            index = {k: sk.index(n) for k, n in names.items()}
            modality = {"blazepose_33": "blazepose", "openpose_coco_18": "openpose"}.get(
                sk.name, sk.name
            )
        first, last = min(frames), max(frames)
        dims = {len(xy) for v in frames.values() for xy in v.values()}
        if not dims <= {2, 3}:
            raise ValueError(f"expected [x, y] or [x, y, z] per joint, got lengths {dims}")
        d = max(dims)
        pos = np.full((last - first + 1, sk.n_joints, d), np.nan)
        for f, joints in frames.items():
            for k, xy in joints.items():
                values = [np.nan if v is None else float(v) for v in xy]
                pos[f - first, index[str(k)], : len(values)] = values
        if np.isinf(pos).any():
            raise ValueError("expected finite coordinates, got inf")
        meta = {
            "source": str(path),
            "format": "keraal",
            "modality": modality,
            "first_frame": first,
            **_name_fields(path),
        }
        return PoseSequence(
            pos,
            skeleton=sk,
            fps=fps,
            timestamps=np.arange(first, last + 1) / fps,
            space="normalized",
            image_size=KERAAL_IMAGE_SIZE,
            metadata=meta,
        )


def read_keraal(path: str | Path, *, fps: float | None = None, unit: str = "m") -> PoseSequence:
    """Read a Keraal Kinect / Vicon ``.txt`` or detector ``.json`` file.

    Parameters
    ----------
    path
        The file.
    fps
        Frame rate; default 30 (Kinect, videos) or 60 (Vicon, see the module doc).
    unit
        Vicon only: ``"m"`` (default, converted from mm) or ``"mm"`` as stored.

    Example
    -------
    >>> import tempfile, os, json
    >>> p = os.path.join(tempfile.mkdtemp(), "G3-OP-CTK-P1T1-Unknown-C-0.json")
    >>> _ = open(p, "w").write(json.dumps({"positions": {"1.0": {"Neck": [0.5, 0.25]}}}))
    >>> seq = read_keraal(p)
    >>> seq.skeleton.name, seq.joint("neck")[0].tolist(), seq.metadata["keraal"]["exercise"]
    ('openpose_coco_18', [0.5, 0.25], 'CTK')
    """
    p = Path(path)
    if p.suffix.lower() == ".json":
        return _read_json(p, 30.0 if fps is None else fps)
    return _read_txt(p, fps, unit)


def _sniff(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix.lower() == ".json":
        data = sniff_json(path)
        return (
            isinstance(data, dict)
            and isinstance(data.get("positions"), dict)
            and set(data) <= {"positions", "image_size", "fps"}
        )
    if path.suffix.lower() != ".txt":
        return False
    with open(path, encoding="utf-8", errors="replace") as fh:
        first = fh.readline(100_000).split()
    if len(first) not in _TXT_SKELETONS:
        return False
    try:
        [float(v) for v in first]
    except ValueError:
        return False
    return True


register_format(
    Format(
        name="keraal",
        description="Keraal rehab data: Kinect/Vicon .txt or OpenPose/BlazePose/AlphaPose .json",
        sniff=_sniff,
        read=read_keraal,
    )
)
