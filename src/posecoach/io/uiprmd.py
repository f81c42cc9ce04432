"""UI-PRMD Kinect files (format ``uiprmd``): relative positions + Euler angles → 3D joints.

UI-PRMD (University of Idaho Physical Rehabilitation Movement Data; Vakanski, Jun, Paul
and Baker, *Data* 3(1):2, 2018) ships, per repetition, two gzip text files of one frame
per line and 66 comma-separated values (22 joints x 3)::

    {correct,incorrect}/positions/mMM_sSS_eEE_positions[_inc].txt.gz
    {correct,incorrect}/angles/mMM_sSS_eEE_angles[_inc].txt.gz

Conventions (checked on the data, see ``tests/test_io_uiprmd.py``):

- Joint order (the data set's list): waist, spine, chest, neck, head, head tip, left
  collar, left upper arm, left forearm, left hand, right collar, right upper arm, right
  forearm, right hand, left upper leg, left lower leg, left foot, left toes, right upper
  leg, right lower leg, right foot, right toes. The hierarchy is a chain waist → spine →
  chest → neck → head → head tip, both collars hang from the chest and both upper legs
  from the waist, each limb a chain (:data:`UIPRMD_PARENTS`).
- The positions file holds the waist's absolute position (centimetres) and, for every
  other joint, its offset from its parent in the parent's frame. The offsets are those
  of a T-pose with y up, x towards the subject's left and z towards the subject's front
  (the arms lie along ±x, the legs along -y, the toes along +z), like BVH offsets.
- The angles file holds each joint's local rotation as Euler angles in degrees, columns
  (x, y, z); the local rotation matrix is ``Rz @ Rx @ Ry`` (a BVH ``Zrotation Xrotation
  Yrotation`` joint: about y first, then x, then z in the parent's fixed axes). A joint's
  global rotation is its parent's times its local one (the waist's is global) and its
  position is ``parent position + parent global rotation @ offset`` — the forward
  kinematics of the authors' visualisation code (as ported to Python in
  ``tejas1904/UI-PRMD-Visualize-python-port``), whose joint list and hierarchy these
  are. Of the 72 combinations of column-to-axis assignment, product order and
  transposition tried, this one keeps the feet still during arm-only movements and deep
  squats (0.1-0.2 cm vs 0.2-1.3 cm and 2.4 cm vs 11-22 cm for the runners-up) and
  raises the hands above the head in shoulder abduction.

The result is in ``space="world"``: the camera's frame turned to y up (the waist about
2.4 m away along -z, the subject facing +z), converted to metres, 30 fps (Kinect v2), with
``metadata["y_up"] = True``. Left and right are the subject's. The movement (``m01`` …
``m10`` with its name), subject, episode and correct/incorrect label come from the file
name.
"""

from __future__ import annotations

import gzip
import re
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, register

__all__ = [
    "read_uiprmd",
    "uiprmd_index",
    "uiprmd_forward_kinematics",
    "UiprmdEntry",
    "UIPRMD_KINECT_22",
    "UIPRMD_JOINTS",
    "UIPRMD_PARENTS",
    "UIPRMD_MOVEMENTS",
]

#: The data set's own joint names, in file order.
UIPRMD_JOINTS: tuple[str, ...] = (
    "Waist",
    "Spine",
    "Chest",
    "Neck",
    "Head",
    "Head tip",
    "Left collar",
    "Left upper arm",
    "Left forearm",
    "Left hand",
    "Right collar",
    "Right upper arm",
    "Right forearm",
    "Right hand",
    "Left upper leg",
    "Left lower leg",
    "Left foot",
    "Left toes",
    "Right upper leg",
    "Right lower leg",
    "Right foot",
    "Right toes",
)

#: Parent of each joint (index into :data:`UIPRMD_JOINTS`; -1 for the waist).
UIPRMD_PARENTS: tuple[int, ...] = (
    -1, 0, 1, 2, 3, 4,  # waist, spine, chest, neck, head, head tip
    2, 6, 7, 8,  # left collar, upper arm, forearm, hand
    2, 10, 11, 12,  # right collar, upper arm, forearm, hand
    0, 14, 15, 16,  # left upper leg, lower leg, foot, toes
    0, 18, 19, 20,  # right upper leg, lower leg, foot, toes
)  # fmt: skip

# Canonical names: a joint named after the segment that starts there is the joint at its
# start (upper arm → shoulder, forearm → elbow, hand → wrist, upper leg → hip, lower leg →
# knee, foot → ankle), as for the CMU BVH skeleton; the waist is the root between the hips.
_CANONICAL: tuple[str, ...] = (
    "pelvis",
    "spine_mid",
    "chest",
    "neck",
    "head",
    "head_top",
    *[
        f"{side}_{part}"
        for side in ("left", "right")
        for part in ("collar", "shoulder", "elbow", "wrist")
    ],
    *[
        f"{side}_{part}"
        for side in ("left", "right")
        for part in ("hip", "knee", "ankle", "foot_index")
    ],
)

#: The 22-joint UI-PRMD Kinect skeleton with canonical joint names.
UIPRMD_KINECT_22 = register(
    Skeleton(
        "uiprmd_kinect_22",
        _CANONICAL,
        tuple((p, j) for j, p in enumerate(UIPRMD_PARENTS) if p >= 0),
    )
)

#: Movement codes → names, as listed by the data set's authors.
UIPRMD_MOVEMENTS: dict[str, str] = {
    "m01": "deep squat",
    "m02": "hurdle step",
    "m03": "inline lunge",
    "m04": "side lunge",
    "m05": "sit to stand",
    "m06": "standing active straight leg raise",
    "m07": "standing shoulder abduction",
    "m08": "standing shoulder extension",
    "m09": "standing shoulder internal-external rotation",
    "m10": "standing shoulder scaption",
}

_N_VALUES = 66
_CM_PER_M = 100.0
_NAME_RE = re.compile(
    r"^(?P<movement>m\d\d)_(?P<subject>s\d\d)_(?P<episode>e\d\d)_"
    r"(?P<kind>positions|angles)(?P<inc>_inc)?\.txt(?:\.gz)?$"
)


class UiprmdEntry(NamedTuple):
    """One repetition of the data set: its positions file and what its name says."""

    path: Path
    movement: str
    subject: str
    episode: str
    correct: bool


def _euler_zxy(angles_deg: np.ndarray) -> np.ndarray:
    """``(..., 3)`` Euler angles (x, y, z columns, degrees) → ``Rz @ Rx @ Ry``."""
    x, y, z = np.moveaxis(np.radians(angles_deg), -1, 0)
    cx, sx, cy, sy, cz, sz = np.cos(x), np.sin(x), np.cos(y), np.sin(y), np.cos(z), np.sin(z)
    rows = [
        [cz * cy - sz * sx * sy, -sz * cx, cz * sy + sz * sx * cy],
        [sz * cy + cz * sx * sy, cz * cx, sz * sy - cz * sx * cy],
        [-cx * sy, sx, cx * cy],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def uiprmd_forward_kinematics(positions: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Absolute joint positions from UI-PRMD relative positions and Euler angles.

    Parameters
    ----------
    positions
        ``(T, 22, 3)``: the waist's absolute position, then each joint's offset from its
        parent in the parent's frame (file units).
    angles
        ``(T, 22, 3)`` local Euler angles in degrees, columns (x, y, z), rotation
        ``Rz @ Rx @ Ry``.

    Returns
    -------
    numpy.ndarray
        ``(T, 22, 3)`` absolute positions in the units of ``positions``.

    Example
    -------
    >>> pos = np.zeros((1, 22, 3)); pos[0, 1] = [0, 10, 0]; pos[0, 2] = [0, 5, 0]
    >>> ang = np.zeros((1, 22, 3)); ang[0, 1, 2] = 90  # spine turned 90° about z
    >>> uiprmd_forward_kinematics(pos, ang)[0, :3].round(6).tolist()
    [[0.0, 0.0, 0.0], [0.0, 10.0, 0.0], [-5.0, 10.0, 0.0]]
    """
    rel = np.asarray(positions, dtype=float)
    local = _euler_zxy(np.asarray(angles, dtype=float))
    out = np.empty_like(rel)
    glob = np.empty_like(local)
    out[:, 0] = rel[:, 0]
    glob[:, 0] = local[:, 0]
    for j in range(1, len(UIPRMD_PARENTS)):
        p = UIPRMD_PARENTS[j]
        out[:, j] = out[:, p] + np.einsum("tab,tb->ta", glob[:, p], rel[:, j])
        glob[:, j] = glob[:, p] @ local[:, j]
    return out


def _read_values(path: Path) -> np.ndarray:
    """``(T, 22, 3)`` values of one positions or angles file (gzip or plain text)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not raw:
        raise FormatError(f"{path}: expected a UI-PRMD Kinect file, got an empty file")
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise FormatError(f"{path}: expected a gzip-compressed text file, got {exc}") from exc
    elif path.name.lower().endswith(".gz"):
        raise FormatError(
            f"{path}: expected a gzip-compressed UI-PRMD file, got data without the gzip header"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: expected UI-PRMD text, got binary data") from exc
    rows: list[list[float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.strip().rstrip(",").split(",")
        if len(cells) != _N_VALUES:
            raise FormatError(
                f"{path}: expected {_N_VALUES} comma-separated values per line "
                f"(22 joints × 3), got {len(cells)} on line {number}"
            )
        try:
            values = [float(c) for c in cells]
        except ValueError:
            bad = next(c for c in cells if not _is_float(c))
            raise FormatError(
                f"{path}: line {number}: expected numbers, got {bad.strip()!r}"
            ) from None
        rows.append(values)
    if not rows:
        raise FormatError(f"{path}: expected a UI-PRMD Kinect file, got no data lines")
    arr = np.asarray(rows, dtype=float)
    if not np.isfinite(arr).all():
        bad_row = int(np.argmax(~np.isfinite(arr).all(axis=1))) + 1
        raise FormatError(f"{path}: data line {bad_row}: expected finite numbers, got NaN/inf")
    return arr.reshape(len(arr), 22, 3)


def _is_float(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _partner(path: Path, kind: str) -> Path:
    """The positions/angles file of the same repetition, in the data set's layout."""
    other = "angles" if kind == "positions" else "positions"
    name = path.name.replace(f"_{kind}", f"_{other}", 1)
    folder = path.parent
    if folder.name.lower() == kind:
        folder = folder.parent / (other.capitalize() if folder.name[0].isupper() else other)
    return folder / name


def _name_fields(path: Path) -> dict[str, object]:
    m = _NAME_RE.match(path.name)
    if not m:
        return {}
    movement = m["movement"]
    return {
        "movement": movement,
        "movement_name": UIPRMD_MOVEMENTS.get(movement, "unknown"),
        "subject": m["subject"],
        "episode": m["episode"],
        "correct": m["inc"] is None,
        "label": "correct" if m["inc"] is None else "incorrect",
    }


def read_uiprmd(
    path: str | Path, *, angles: str | Path | None = None, fps: float = 30.0
) -> PoseSequence:
    """Read one UI-PRMD Kinect repetition into a 3D :class:`~posecoach.PoseSequence`.

    Parameters
    ----------
    path
        A ``*_positions[_inc].txt.gz`` file (an ``*_angles*`` file also works: its
        positions partner is then read). Plain, uncompressed ``.txt`` is accepted too.
    angles
        The matching angles file; default: the same name under the sibling ``angles``
        folder (``correct/positions/m01_s01_e01_positions.txt.gz`` →
        ``correct/angles/m01_s01_e01_angles.txt.gz``).
    fps
        Frame rate (Kinect v2: 30).

    Returns
    -------
    PoseSequence
        Skeleton ``uiprmd_kinect_22``, ``space="world"``, metres, y up; metadata
        ``movement`` (``"m01"``), ``movement_name``, ``subject`` (``"s01"``), ``episode``
        (``"e01"``), ``correct`` (bool) and ``label`` when the name follows the data set.

    Raises
    ------
    FormatError
        Empty, non-gzip, wrongly shaped or non-numeric files, or positions and angles
        of different lengths; the message names the file.

    Example
    -------
    >>> import gzip, os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> for kind in ("positions", "angles"):
    ...     os.makedirs(os.path.join(root, "correct", kind))
    ...     values = ["0"] * 66
    ...     if kind == "positions":
    ...         values[:6] = ["0", "100", "-200", "0", "30", "0"]  # waist, spine offset
    ...     name = os.path.join(root, "correct", kind, f"m07_s02_e03_{kind}.txt.gz")
    ...     with gzip.open(name, "wt") as fh:
    ...         _ = fh.write(",".join(values) + "\\n")
    >>> seq = read_uiprmd(os.path.join(root, "correct", "positions",
    ...                                "m07_s02_e03_positions.txt.gz"))
    >>> seq.joint("spine_mid")[0].tolist(), seq.metadata["movement_name"]
    ([0.0, 1.3, -2.0], 'standing shoulder abduction')
    """
    p = Path(path)
    m = _NAME_RE.match(p.name)
    if m and m["kind"] == "angles" and angles is None:
        angles, p = p, _partner(p, "angles")
    a = Path(angles) if angles is not None else _partner(p, "positions")
    if a == p:
        raise FormatError(f"{p}: cannot find its angles file; pass angles=")
    if not a.is_file():
        raise FormatError(
            f"{p}: expected its angles file at {a} (needed for forward kinematics), "
            "got no such file; pass angles="
        )
    rel = _read_values(p)
    ang = _read_values(a)
    if len(rel) != len(ang):
        raise FormatError(
            f"{p}: expected as many frames as its angles file {a}, got {len(rel)} and {len(ang)}"
        )
    xyz = uiprmd_forward_kinematics(rel, ang) / _CM_PER_M
    meta: dict[str, object] = {
        "source": str(p),
        "angles_source": str(a),
        "format": "uiprmd",
        "dataset": "UI-PRMD (Kinect)",
        "units": "m",
        "y_up": True,
        "up": [0.0, 1.0, 0.0],
        **_name_fields(p),
    }
    try:
        seq = PoseSequence(xyz, skeleton=UIPRMD_KINECT_22, fps=fps, space="world", metadata=meta)
    except ValueError as exc:
        raise FormatError(f"{p}: not a valid UI-PRMD file: {exc}") from exc
    return seq.with_provenance("read_uiprmd", path=str(p), angles=str(a), frames=len(xyz))


def uiprmd_index(root: str | Path) -> list[UiprmdEntry]:
    """Every repetition (positions file) under ``root``, sorted by path.

    Parameters
    ----------
    root
        The data set folder (with ``correct/`` and ``incorrect/``) or any folder below.

    Returns
    -------
    list of UiprmdEntry
        ``(path, movement, subject, episode, correct)`` tuples, e.g.
        ``(…/m01_s01_e01_positions.txt.gz, "m01", "s01", "e01", True)``.

    Example
    -------
    >>> import os, tempfile
    >>> root = tempfile.mkdtemp()
    >>> os.makedirs(os.path.join(root, "incorrect", "positions"))
    >>> open(os.path.join(root, "incorrect", "positions",
    ...                   "m02_s08_e10_positions_inc.txt.gz"), "wb").close()
    >>> [e[1:] for e in uiprmd_index(root)]
    [('m02', 's08', 'e10', False)]
    """
    base = Path(root)
    if not base.is_dir():
        raise FormatError(f"{base}: expected the UI-PRMD folder, got no such folder")
    entries = []
    for f in sorted(base.rglob("m*_positions*.txt*")):
        m = _NAME_RE.match(f.name)
        if m and m["kind"] == "positions" and f.is_file():
            entries.append(UiprmdEntry(f, m["movement"], m["subject"], m["episode"], not m["inc"]))
    return entries


def _sniff(path: Path) -> bool:
    return path.is_file() and _NAME_RE.match(path.name) is not None


register_format(
    Format(
        name="uiprmd",
        description="UI-PRMD Kinect repetition (positions + angles .txt.gz; read-only)",
        sniff=_sniff,
        read=read_uiprmd,
    )
)
