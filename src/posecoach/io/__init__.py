"""Reading and writing pose files: ``load(path, format="auto")`` and ``save(seq, path)``.

Foreign formats are converted to :class:`~posecoach.PoseSequence` at this edge (COCO
v=0 and OpenPose (0, 0, 0) become NaN with confidence 0). Each format lives in its own
module and registers itself in :mod:`posecoach.io.registry`:

- ``native`` / ``native_json`` (:mod:`~posecoach.io.native`): ``.pose.npz`` / ``.pose.json``,
  lossless;
- ``openpose`` (:mod:`~posecoach.io.openpose`): folders of ``*_keypoints.json``;
- ``coco`` (:mod:`~posecoach.io.coco`): COCO keypoints ground truth / results;
- ``mediapipe_csv`` / ``mediapipe_json`` / ``mlkit_samples``
  (:mod:`~posecoach.io.mediapipe_landmarks`);
- ``wide_csv`` (:mod:`~posecoach.io.wide_csv`): one row per frame, ``<joint>_x`` columns;
- ``keraal`` (:mod:`~posecoach.io.keraal`), ``mpii_json`` (:mod:`~posecoach.io.mpii`),
  ``bvh`` (:mod:`~posecoach.io.bvh`): read-only dataset formats.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from posecoach.io.registry import Format, FormatError, detect, formats, get_format
from posecoach.pose import PoseSequence

__all__ = ["Format", "FormatError", "load", "load_all", "save", "formats", "get_format"]

# Modules under posecoach.io that register formats when imported.
BUILTIN_FORMAT_MODULES: tuple[str, ...] = (
    "native",
    "openpose",
    "coco",
    "mediapipe_landmarks",
    "wide_csv",
    "keraal",
    "mpii",
    "bvh",
    "uiprmd",
)

_loaded = False


def _load_builtin_formats() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in BUILTIN_FORMAT_MODULES:
        importlib.import_module(f"posecoach.io.{name}")


def _resolve(path: str | Path, format: str) -> tuple[Path, Format]:
    p = Path(path)
    if not p.exists():
        raise FormatError(f"{p}: no such file or folder")
    if p.is_file() and p.stat().st_size == 0:
        raise FormatError(f"{p}: expected a pose file, got an empty file")
    fmt = detect(p) if format == "auto" else get_format(format)
    return p, fmt


def _check_options(fmt: Format, func: Any, options: dict[str, Any], skip: int = 1) -> None:
    """Raise one clear error for options the format's reader/writer does not take."""
    params = list(inspect.signature(func).parameters.values())[skip:]
    if not options or any(p.kind is p.VAR_KEYWORD for p in params):
        return
    allowed = [p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        expected = f"expected one of {allowed}" if allowed else "it takes none"
        raise FormatError(f"format {fmt.name!r} has no option {', '.join(unknown)}; {expected}")


def load_all(path: str | Path, format: str = "auto", **options: Any) -> list[PoseSequence]:
    """Read every person in a pose file, one sequence each.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> seq = PoseSequence(np.ones((2, 17, 2)), skeleton="coco_17")
    >>> path = os.path.join(tempfile.mkdtemp(), "a.pose.npz")
    >>> save(seq, path)
    >>> len(load_all(path))
    1
    """
    p, fmt = _resolve(path, format)
    _check_options(fmt, fmt.read, options)
    result = fmt.read(p, **options)
    people = result if isinstance(result, list) else [result]
    if not people:
        raise FormatError(f"{p}: no pose found in this {fmt.name} file")
    return people


def load(path: str | Path, format: str = "auto", **options: Any) -> PoseSequence:
    """Read a pose file into a :class:`PoseSequence` (the first or only person).

    Parameters
    ----------
    path
        A file, or a folder for per-frame formats (OpenPose).
    format
        A registered format name, or ``"auto"`` to detect it.
    options
        Passed to the format's reader (e.g. ``person=1``, ``skeleton="coco_17"``).

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> seq = PoseSequence(np.ones((2, 17, 2)), skeleton="coco_17")
    >>> path = os.path.join(tempfile.mkdtemp(), "a.pose.npz")
    >>> save(seq, path)
    >>> load(path).equals(seq)
    True
    """
    return load_all(path, format, **options)[0]


def save(seq: PoseSequence, path: str | Path, format: str = "auto", **options: Any) -> None:
    """Write a sequence; the format follows the file name unless given.

    The file is written to a temporary name next to ``path`` and renamed at the end, so
    a failure never leaves a partial file.
    """
    p = Path(path)
    if format == "auto":
        name = p.name.lower()
        candidates = [
            f for f in formats().values() if f.write and any(name.endswith(s) for s in f.suffixes)
        ]
        if not candidates:
            writable = {f.name: f.suffixes for f in formats().values() if f.write}
            raise FormatError(f"{p}: cannot tell the format from the name; expected {writable}")
        fmt = max(candidates, key=lambda f: max(len(s) for s in f.suffixes if name.endswith(s)))
    else:
        fmt = get_format(format)
    if fmt.write is None:
        raise FormatError(f"format {fmt.name!r} is read-only")
    _check_options(fmt, fmt.write, options, skip=2)
    fmt.write(seq, p, **options)
