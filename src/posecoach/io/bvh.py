"""BVH motion capture: hierarchy + channels → 3D joint positions by forward kinematics.

A BVH file has a ``HIERARCHY`` (joints with an ``OFFSET`` from their parent and a list of
``CHANNELS``) and a ``MOTION`` block (one line of channel values per frame). Each joint's
local rotation is the product of its rotation channels in the order listed (``Zrotation
Xrotation Yrotation`` → ``Rz @ Rx @ Ry``), its global rotation the parent's times the
local one, and its position the parent's position plus the parent's global rotation
applied to the offset (plus the translation channels for the root).

The result is a :class:`~posecoach.PoseSequence` in ``space="world"`` with 3D positions
in the file's units (CMU: ~centimetres, y up; ``metadata["up"]`` says which way is up).
CMU motion capture joints get canonical names (``lShldr`` → ``left_shoulder``,
``lForeArm`` → ``left_elbow``, ``rThigh`` → ``right_hip``, …) and the registered
skeleton :data:`CMU_BVH_45`, so it converts to COCO or BlazePose by joint name. Other
BVH skeletons get an ad-hoc skeleton of their own (snake-cased joint names).

Example
-------
>>> import tempfile, os
>>> text = '''HIERARCHY
... ROOT root
... {
...   OFFSET 0 0 0
...   CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
...   JOINT child
...   {
...     OFFSET 0 10 0
...     CHANNELS 3 Zrotation Xrotation Yrotation
...     End Site
...     {
...       OFFSET 0 5 0
...     }
...   }
... }
... MOTION
... Frames: 1
... Frame Time: 0.1
... 1 2 3 90 0 0 0 0 0
... '''
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.bvh")
>>> _ = open(path, "w").write(text)
>>> seq = read_bvh(path)
>>> seq.skeleton.names, seq.positions[0].round(6).tolist()
(('root', 'child', 'child_end'), [[1.0, 2.0, 3.0], [-9.0, 2.0, 3.0], [-14.0, 2.0, 3.0]])
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, available, get, register

__all__ = ["read_bvh", "BvhJoint", "parse_bvh", "forward_kinematics", "CMU_BVH_45", "CMU_NAMES"]

#: CMU (lawrennd/mocap, 43 joints + 2 toe end sites) joint names → canonical names.
CMU_NAMES: dict[str, str] = {
    "hip": "pelvis",
    "abdomen": "abdomen",
    "chest": "chest",
    "neck": "neck",
    "head": "head",
    "leftEye": "left_eye",
    "rightEye": "right_eye",
    **{
        f"{s}{src}": f"{side}_{dst}"
        for s, side in (("l", "left"), ("r", "right"))
        for src, dst in (
            ("Collar", "collar"),
            ("Shldr", "shoulder"),
            ("ForeArm", "elbow"),
            ("Hand", "wrist"),
            ("Thumb1", "thumb_1"),
            ("Thumb2", "thumb"),
            ("Index1", "index_1"),
            ("Index2", "index"),
            ("Mid1", "middle_1"),
            ("Mid2", "middle"),
            ("Ring1", "ring_1"),
            ("Ring2", "ring"),
            ("Pinky1", "pinky_1"),
            ("Pinky2", "pinky"),
            ("Buttock", "buttock"),
            ("Thigh", "hip"),
            ("Shin", "knee"),
            ("Foot", "ankle"),
            ("Foot_end", "foot_index"),
        )
    },
}

_CMU_ORDER = [
    "hip",
    "abdomen",
    "chest",
    "neck",
    "head",
    "leftEye",
    "rightEye",
    "rCollar",
    "rShldr",
    "rForeArm",
    "rHand",
    "rThumb1",
    "rThumb2",
    "rIndex1",
    "rIndex2",
    "rMid1",
    "rMid2",
    "rRing1",
    "rRing2",
    "rPinky1",
    "rPinky2",
    "lCollar",
    "lShldr",
    "lForeArm",
    "lHand",
    "lThumb1",
    "lThumb2",
    "lIndex1",
    "lIndex2",
    "lMid1",
    "lMid2",
    "lRing1",
    "lRing2",
    "lPinky1",
    "lPinky2",
    "rButtock",
    "rThigh",
    "rShin",
    "rFoot",
    "rFoot_end",
    "lButtock",
    "lThigh",
    "lShin",
    "lFoot",
    "lFoot_end",
]
_CMU_PARENTS = {
    "abdomen": "hip",
    "chest": "abdomen",
    "neck": "chest",
    "head": "neck",
    "leftEye": "head",
    "rightEye": "head",
    **{
        f"{s}{child}": (f"{s}{parent}" if parent not in ("chest", "hip") else parent)
        for s in ("l", "r")
        for child, parent in (
            ("Collar", "chest"),
            ("Shldr", "Collar"),
            ("ForeArm", "Shldr"),
            ("Hand", "ForeArm"),
            ("Thumb1", "Hand"),
            ("Thumb2", "Thumb1"),
            ("Index1", "Hand"),
            ("Index2", "Index1"),
            ("Mid1", "Hand"),
            ("Mid2", "Mid1"),
            ("Ring1", "Hand"),
            ("Ring2", "Ring1"),
            ("Pinky1", "Hand"),
            ("Pinky2", "Pinky1"),
            ("Buttock", "hip"),
            ("Thigh", "Buttock"),
            ("Shin", "Thigh"),
            ("Foot", "Shin"),
            ("Foot_end", "Foot"),
        )
    },
}
_CMU_CANON = tuple(CMU_NAMES[n] for n in _CMU_ORDER)
_idx = {n: i for i, n in enumerate(_CMU_ORDER)}

#: The CMU motion-capture skeleton (``lawrennd/mocap`` BVH files) with canonical names.
CMU_BVH_45 = register(
    Skeleton(
        "cmu_bvh_45",
        _CMU_CANON,
        tuple((_idx[p], _idx[c]) for c, p in _CMU_PARENTS.items()),
    )
)


@dataclass(frozen=True)
class BvhJoint:
    """One joint of a BVH hierarchy (end sites have no channels)."""

    name: str
    parent: int  # -1 for the root
    offset: tuple[float, float, float]
    channels: tuple[str, ...]


@dataclass(frozen=True)
class BvhData:
    """A parsed BVH file: joints in file order, ``(T, C)`` channel values, frame time."""

    joints: tuple[BvhJoint, ...]
    motion: np.ndarray
    frame_time: float


_VALID_CHANNELS = {"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"}


def parse_bvh(path: str | Path) -> BvhData:
    """Parse a BVH file's hierarchy and motion.

    Raises
    ------
    FormatError
        For anything that is not a well-formed BVH file; the message names the file and
        the line.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "one.bvh")
    >>> _ = open(path, "w").write("HIERARCHY\\nROOT hip\\n{\\n OFFSET 0 0 0\\n"
    ...     " CHANNELS 1 Yrotation\\n}\\nMOTION\\nFrames: 1\\nFrame Time: 0.1\\n90\\n")
    >>> data = parse_bvh(path)
    >>> data.joints[0].channels, data.motion.tolist()
    (('Yrotation',), [[90.0]])
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise FormatError(f"{p}: cannot read BVH file ({exc})") from exc
    lines = text.splitlines()
    joints: list[BvhJoint] = []
    stack: list[int] = []
    pending: dict | None = None  # joint being declared, waiting for OFFSET/CHANNELS
    i = 0

    def err(msg: str) -> FormatError:
        return FormatError(f"{p}: line {i + 1}: {msg}")

    if not lines or lines[0].strip() != "HIERARCHY":
        raise FormatError(
            f"{p}: expected a BVH file starting with HIERARCHY, got "
            f"{(lines[0][:40] if lines else 'an empty file')!r}"
        )
    i = 1
    while i < len(lines):
        tok = lines[i].split()
        i += 1
        if not tok:
            continue
        key = tok[0]
        if key in ("ROOT", "JOINT"):
            if (key == "ROOT") != (not stack and not joints):
                raise err(f"unexpected {key}")
            name = " ".join(tok[1:]) or f"joint{len(joints)}"
            pending = {"name": name, "parent": stack[-1] if stack else -1, "channels": ()}
        elif key == "End" and len(tok) > 1 and tok[1] == "Site":
            if not stack:
                raise err("End Site outside a joint")
            parent = stack[-1]
            pending = {"name": f"{joints[parent].name}_end", "parent": parent, "channels": ()}
        elif key == "{":
            if pending is None:
                raise err("'{' without a joint")
            if "offset" not in pending:
                # OFFSET comes on the next lines; add the joint when it arrives
                pass
            stack.append(-1)  # placeholder until OFFSET is read
        elif key == "OFFSET":
            if pending is None or not stack or stack[-1] != -1:
                raise err("OFFSET outside a joint")
            try:
                off = tuple(float(v) for v in tok[1:4])
            except ValueError:
                raise err(f"expected 3 numbers after OFFSET, got {tok[1:]}") from None
            if len(off) != 3:
                raise err(f"expected 3 numbers after OFFSET, got {tok[1:]}")
            pending["offset"] = off
            joints.append(
                BvhJoint(pending["name"], pending["parent"], off, ())  # type: ignore[arg-type]
            )
            stack[-1] = len(joints) - 1
        elif key == "CHANNELS":
            if not stack or stack[-1] < 0 or pending is None:
                raise err("CHANNELS outside a joint")
            try:
                n = int(tok[1])
            except (IndexError, ValueError):
                raise err(f"expected a channel count, got {tok[1:]}") from None
            chans = tuple(tok[2:])
            if len(chans) != n or not set(chans) <= _VALID_CHANNELS:
                raise err(f"expected {n} channels among {sorted(_VALID_CHANNELS)}, got {chans}")
            j = stack[-1]
            joints[j] = BvhJoint(joints[j].name, joints[j].parent, joints[j].offset, chans)
            pending = None
        elif key == "}":
            if not stack:
                raise err("unbalanced '}'")
            stack.pop()
            pending = None
        elif key == "MOTION":
            break
        else:
            raise err(f"unexpected {key!r} in HIERARCHY")
    else:
        raise FormatError(f"{p}: expected a MOTION section, found none")
    if stack:
        raise FormatError(f"{p}: unbalanced braces in HIERARCHY")
    if not joints:
        raise FormatError(f"{p}: expected at least one joint in HIERARCHY, got none")

    def header(prefix: str) -> str:
        nonlocal i
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or not lines[i].strip().startswith(prefix):
            raise err(f"expected '{prefix}'")
        value = lines[i].split(":", 1)[1].strip()
        i += 1
        return value

    try:
        n_frames = int(header("Frames"))
        frame_time = float(header("Frame Time"))
    except ValueError as exc:
        raise FormatError(f"{p}: bad MOTION header ({exc})") from None
    if n_frames < 1 or not frame_time > 0:
        raise FormatError(
            f"{p}: expected Frames >= 1 and Frame Time > 0, got {n_frames} and {frame_time}"
        )
    n_ch = sum(len(j.channels) for j in joints)
    rows = [ln for ln in lines[i:] if ln.strip()]
    if len(rows) < n_frames:
        raise FormatError(
            f"{p}: expected {n_frames} frames of motion, got {len(rows)} (truncated file?)"
        )
    widths = sorted({len(r.split()) for r in rows[:n_frames]})
    if widths != [n_ch]:
        raise FormatError(f"{p}: expected {n_ch} channel values per frame, got {widths}")
    try:
        motion = np.array([r.split() for r in rows[:n_frames]], dtype=np.float64)
    except ValueError as exc:
        raise FormatError(f"{p}: expected numbers in MOTION, got {exc}") from None
    return BvhData(tuple(joints), motion, frame_time)


def _axis_rotation(axis: str, deg: np.ndarray) -> np.ndarray:
    th = np.radians(deg)
    c, s = np.cos(th), np.sin(th)
    one, zero = np.ones_like(th), np.zeros_like(th)
    if axis == "X":
        m = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
    elif axis == "Y":
        m = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
    else:
        m = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
    return np.moveaxis(np.array(m), (0, 1), (-2, -1))


def forward_kinematics(data: BvhData) -> np.ndarray:
    """Global joint positions ``(T, J, 3)`` from parsed BVH data.

    Example
    -------
    >>> j = (BvhJoint("a", -1, (0, 0, 0), ("Yrotation",)), BvhJoint("b", 0, (1, 0, 0), ()))
    >>> forward_kinematics(BvhData(j, np.array([[90.0]]), 0.1)).round(6)[0].tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.0, -1.0]]
    """
    t = data.motion.shape[0]
    n = len(data.joints)
    pos = np.zeros((t, n, 3))
    rot = np.zeros((t, n, 3, 3))
    col = 0
    for j, joint in enumerate(data.joints):
        local = np.broadcast_to(np.eye(3), (t, 3, 3)).copy()
        trans = np.zeros((t, 3))
        for ch in joint.channels:
            values = data.motion[:, col]
            col += 1
            if ch.endswith("rotation"):
                local = local @ _axis_rotation(ch[0], values)
            else:
                trans[:, "XYZ".index(ch[0])] = values
        offset = np.asarray(joint.offset)
        if joint.parent < 0:
            rot[:, j] = local
            pos[:, j] = offset + trans
        else:
            prot = rot[:, joint.parent]
            rot[:, j] = prot @ local
            pos[:, j] = pos[:, joint.parent] + np.einsum("tij,tj->ti", prot, offset + trans)
    return pos


def _snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower() or "joint"


def _skeleton_for(joints: tuple[BvhJoint, ...]) -> tuple[Skeleton, list[int]]:
    """The registered CMU skeleton when the file has its joints, else an ad-hoc one."""
    index = {j.name: i for i, j in enumerate(joints)}
    if all(n in index for n in _CMU_ORDER):
        return CMU_BVH_45, [index[n] for n in _CMU_ORDER]
    # ad-hoc: every joint and end site, in file order
    keep = list(range(len(joints)))
    names: list[str] = []
    for i in keep:
        n = CMU_NAMES.get(joints[i].name, _snake(joints[i].name))
        while n in names:
            n += "_2"
        names.append(n)
    pos_of = {orig: k for k, orig in enumerate(keep)}
    edges = tuple(
        (pos_of[joints[i].parent], pos_of[i])
        for i in keep
        if joints[i].parent >= 0 and joints[i].parent in pos_of
    )
    digest = hashlib.sha1(" ".join(names).encode()).hexdigest()[:8]
    name = f"bvh_{len(names)}_{digest}"
    sk = Skeleton(name, tuple(names), edges)
    if name in available():
        return get(name), keep
    return register(sk), keep


def read_bvh(path: str | Path) -> PoseSequence:
    """Read a BVH file into a 3D :class:`~posecoach.PoseSequence` (``space="world"``).

    Positions are in the file's units (CMU: centimetres-ish, y up); ``metadata`` records
    ``units``, ``up`` and the source file. Timestamps come from ``Frame Time``.

    Raises
    ------
    FormatError
        For malformed or truncated files; the message names the file.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "one.bvh")
    >>> _ = open(path, "w").write("HIERARCHY\\nROOT hip\\n{\\n OFFSET 0 0 0\\n"
    ...     " CHANNELS 3 Xposition Yposition Zposition\\n}\\nMOTION\\nFrames: 2\\n"
    ...     "Frame Time: 0.5\\n1 2 3\\n4 5 6\\n")
    >>> seq = read_bvh(path)
    >>> seq.fps, seq.positions[:, 0].tolist()
    (2.0, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    """
    p = Path(path)
    data = parse_bvh(p)
    xyz = forward_kinematics(data)
    skeleton, order = _skeleton_for(data.joints)
    fps = 1.0 / data.frame_time
    if abs(fps - round(fps)) < 1e-3 * fps:  # "0.00833333" means 120 fps
        fps = float(round(fps))
    seq = PoseSequence(
        xyz[:, order],
        skeleton=skeleton,
        fps=fps,
        timestamps=np.arange(xyz.shape[0]) * data.frame_time,
        space="world",
        metadata={"source": str(p), "format": "bvh", "up": [0.0, 1.0, 0.0], "units": "file"},
    )
    return seq.with_provenance("read_bvh", path=str(p), frames=int(xyz.shape[0]))


def _sniff(path: Path) -> bool:
    if not path.is_file():
        return False
    if path.suffix.lower() == ".bvh":
        return True
    with open(path, "rb") as fh:
        return fh.read(16).lstrip().startswith(b"HIERARCHY")


register_format(
    Format(
        name="bvh",
        description="BVH motion capture (hierarchy + channels, forward kinematics; read-only)",
        sniff=_sniff,
        read=read_bvh,
        write=None,
        suffixes=(".bvh",),
    )
)
