"""posecoach's own pose files: ``.pose.npz`` (binary) and ``.pose.json`` (text).

Both keep everything a :class:`~posecoach.PoseSequence` holds, losslessly: positions,
confidence, the skeleton (also custom or subset skeletons: name, joint names, edges,
left/right pairs), fps, timestamps, space, image size, world coordinates and metadata.

``.pose.npz`` is a numpy zip archive of plain arrays (no pickled objects; it is read with
``allow_pickle=False``) with a ``format`` key ``"posecoach.pose"`` and a ``version``.
``.pose.json`` holds the same fields in one JSON object (NaN written as ``null``).
A file that is not ours, truncated or tampered with raises one :class:`FormatError`.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.io._common import file_errors, load_json, nan_to_none, sniff_json
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, available, get

__all__ = ["FORMAT_TAG", "FORMAT_VERSION", "read_npz", "write_npz", "read_json", "write_json"]

FORMAT_TAG = "posecoach.pose"
FORMAT_VERSION = 1


def skeleton_to_dict(sk: Skeleton) -> dict[str, Any]:
    """A skeleton as plain JSON data.

    Example
    -------
    >>> skeleton_to_dict(Skeleton("t", ("a", "b"), ((0, 1),)))["edges"]
    [[0, 1]]
    """
    return {
        "name": sk.name,
        "names": list(sk.names),
        "edges": [list(e) for e in sk.edges],
        "symmetric_pairs": [list(p) for p in sk.symmetric_pairs],
    }


def skeleton_from_dict(data: dict[str, Any]) -> Skeleton:
    """The registered skeleton when identical, else a new (unregistered) one.

    Example
    -------
    >>> skeleton_from_dict(skeleton_to_dict(get("coco_17"))) is get("coco_17")
    True
    """
    sk = Skeleton(
        str(data["name"]),
        tuple(str(n) for n in data["names"]),
        tuple((int(a), int(b)) for a, b in data["edges"]),
        tuple((int(a), int(b)) for a, b in data.get("symmetric_pairs", [])),
    )
    if sk.name in available() and get(sk.name) == sk:
        return get(sk.name)
    return sk


def _header(seq: PoseSequence) -> dict[str, Any]:
    return {
        "format": FORMAT_TAG,
        "version": FORMAT_VERSION,
        "skeleton": skeleton_to_dict(get(seq.skeleton)),
        "fps": seq.fps,
        "space": seq.space,
        "image_size": list(seq.image_size) if seq.image_size else None,
        "metadata": seq.metadata,
    }


def _check_header(path: Path, header: Any) -> None:
    if not isinstance(header, dict) or header.get("format") != FORMAT_TAG:
        raise FormatError(f"{path}: expected a posecoach pose file, got another kind of file")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise FormatError(
            f"{path}: expected posecoach pose file version <= {FORMAT_VERSION}, got {version!r}"
        )


def _build(header: dict[str, Any], arrays: dict[str, Any]) -> PoseSequence:
    size = header.get("image_size")
    return PoseSequence(
        positions=arrays["positions"],
        confidence=arrays["confidence"],
        skeleton=skeleton_from_dict(header["skeleton"]),
        fps=header["fps"],
        timestamps=arrays["timestamps"],
        space=header["space"],
        image_size=None if size is None else (int(size[0]), int(size[1])),
        world=arrays.get("world"),
        metadata=header.get("metadata") or {},
    )


# ----------------------------------------------------------------------------- npz
def write_npz(seq: PoseSequence, path: str | Path) -> None:
    """Write ``seq`` to a compressed ``.pose.npz`` file (atomically).

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.full((2, 17, 2), 5.0), skeleton="coco_17", fps=10)
    >>> p = os.path.join(tempfile.mkdtemp(), "a.pose.npz")
    >>> write_npz(seq, p)
    >>> read_npz(p).equals(seq)
    True
    """
    arrays: dict[str, np.ndarray] = {
        "header": np.array(json.dumps(_header(seq), allow_nan=True)),
        "positions": seq.positions,
        "confidence": np.asarray(seq.confidence),
        "timestamps": np.asarray(seq.timestamps),
    }
    if seq.world is not None:
        arrays["world"] = seq.world
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **arrays)


def read_npz(path: str | Path) -> PoseSequence:
    """Read a ``.pose.npz`` file written by :func:`write_npz` (no pickle allowed).

    Raises
    ------
    FormatError
        For a file that is not a posecoach pose file, is truncated or inconsistent.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.pose.npz")
    >>> _ = open(p, "wb").write(b"PK\x03\x04 cut short")
    >>> try:
    ...     read_npz(p)
    ... except FormatError as exc:
    ...     print("corrupt or truncated" in str(exc))
    True
    """
    p = Path(path)
    if p.is_file() and p.stat().st_size == 0:
        raise FormatError(f"{p}: expected a posecoach .pose.npz file, got an empty file")
    try:
        with np.load(p, allow_pickle=False) as npz:
            if "header" not in npz.files:
                raise FormatError(f"{p}: expected a posecoach pose file, got an npz without header")
            header = json.loads(str(npz["header"][()]))
            _check_header(p, header)
            arrays = {k: npz[k] for k in npz.files if k != "header"}
    except FormatError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as exc:
        raise FormatError(
            f"{p}: expected a posecoach .pose.npz file, got a corrupt or truncated file ({exc})"
        ) from exc
    for key in ("positions", "confidence", "timestamps"):
        if key not in arrays:
            raise FormatError(f"{p}: posecoach pose file lacks the {key!r} array")
    with file_errors(p, "posecoach pose"):
        return _build(header, arrays)


def _sniff_npz(path: Path) -> bool:
    if not path.is_file() or not path.name.lower().endswith(".npz"):
        return False
    if path.name.lower().endswith(".pose.npz"):
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            return "header.npy" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


# ----------------------------------------------------------------------------- json
def write_json(seq: PoseSequence, path: str | Path) -> None:
    """Write ``seq`` to a ``.pose.json`` file (NaN as ``null``; floats exact).

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.array([[[1.5, np.nan]]]), skeleton=Skeleton("one", ("a",)))
    >>> p = os.path.join(tempfile.mkdtemp(), "a.pose.json")
    >>> write_json(seq, p)
    >>> read_json(p).equals(seq)
    True
    """
    data = _header(seq)
    data["positions"] = nan_to_none(seq.positions)
    data["confidence"] = np.asarray(seq.confidence).tolist()
    data["timestamps"] = np.asarray(seq.timestamps).tolist()
    data["world"] = None if seq.world is None else nan_to_none(seq.world)
    try:
        text = json.dumps(data, allow_nan=False)
    except ValueError:
        raise FormatError(
            f"{path}: metadata holds NaN or infinite numbers, which JSON cannot store; "
            "use .pose.npz"
        ) from None
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_json(path: str | Path) -> PoseSequence:
    """Read a ``.pose.json`` file written by :func:`write_json`.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.pose.json")
    >>> write_json(PoseSequence(np.ones((1, 17, 2)), skeleton="coco_17"), p)
    >>> read_json(p).skeleton.name
    'coco_17'
    """
    p = Path(path)
    data = load_json(p, "posecoach .pose.json")
    _check_header(p, data)
    with file_errors(p, "posecoach .pose.json"):
        arrays: dict[str, Any] = {}
        for key in ("positions", "confidence", "timestamps", "world"):
            value = data.get(key)
            if value is None:
                if key != "world":
                    raise ValueError(f"expected a {key!r} array, got none")
                continue
            arr = np.array(value, dtype=object)
            arr[arr == None] = np.nan  # noqa: E711 (element-wise on an object array)
            arrays[key] = arr.astype(float)
        return _build(data, arrays)


def _sniff_json(path: Path) -> bool:
    if path.name.lower().endswith(".pose.json"):
        return path.is_file()
    data = sniff_json(path)
    return isinstance(data, dict) and data.get("format") == FORMAT_TAG


register_format(
    Format(
        name="native",
        description="posecoach .pose.npz (lossless, binary)",
        sniff=_sniff_npz,
        read=read_npz,
        write=write_npz,
        suffixes=(".pose.npz",),
    )
)
register_format(
    Format(
        name="native_json",
        description="posecoach .pose.json (lossless, text)",
        sniff=_sniff_json,
        read=read_json,
        write=write_json,
        suffixes=(".pose.json",),
    )
)
