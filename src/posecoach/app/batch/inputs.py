"""What a batch runs on: files, folders (recursively) and globs turned into inputs.

Every argument of ``posecoach batch`` is expanded here:

- a video, an image or a pose file is one input;
- a folder that holds images is one input (an image sequence);
- any other folder is searched recursively: every video, pose file and image folder
  inside is an input (hidden entries, posecoach's own files and the output folder are
  left out);
- an argument that does not exist but holds ``*``, ``?`` or ``[`` is a glob (``**``
  searches recursively), each match expanded as above.

Each input gets a place below the output folder that mirrors the input tree: its path
relative to the deepest folder common to all arguments (the folder itself for a folder
argument, the parent for a file).

Example
-------
>>> import tempfile
>>> root = Path(tempfile.mkdtemp())
>>> for rel in ("alice/set1.mp4", "alice/set2.mov", "bob/squat.pose.npz", "notes.txt"):
...     (root / rel).parent.mkdir(parents=True, exist_ok=True)
...     _ = (root / rel).write_bytes(b"x")
>>> [(i.rel, i.kind) for i in find_inputs([root])]
[('alice/set1.mp4', 'video'), ('alice/set2.mov', 'video'), ('bob/squat.pose.npz', 'pose')]
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import InputError
from posecoach.video import IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_media

__all__ = ["BatchInput", "find_inputs", "output_stems"]

_GLOB_CHARS = frozenset("*?[")
#: Files a batch never takes as inputs: its own results and summaries.
_OWN_OUTPUTS = (".result.json", ".reps.json", ".classify.json", "summary.json", "summary.csv")


@dataclass(frozen=True)
class BatchInput:
    """One input of a batch: where it is, where its results go, what it is.

    ``rel`` is the input's path below the common root (POSIX separators); ``kind`` is
    ``"video"``, ``"image"``, ``"images"`` (a folder of images) or ``"pose"``.
    """

    path: Path
    rel: str
    kind: str


def _kind(path: Path) -> str | None:
    """The input kind of one file or folder, or None if it is no input."""
    if path.is_dir():
        return "images" if is_media(path) else None
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "pose" if _is_pose_file(path) else None


def _is_pose_file(path: Path) -> bool:
    from posecoach.app.compare import is_execution_file

    name = path.name.lower()
    return is_execution_file(path) and not name.endswith(_OWN_OUTPUTS)


def _skip(entry: Path, exclude: Sequence[Path]) -> bool:
    return entry.name.startswith(".") or any(entry == ex or ex in entry.parents for ex in exclude)


def _walk(folder: Path, exclude: Sequence[Path]) -> Iterable[tuple[Path, str]]:
    """Inputs inside a folder that is not itself an image sequence, sorted by path."""
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if _skip(entry, exclude):
            continue
        kind = _kind(entry)
        if kind is not None:
            yield entry, kind
        elif entry.is_dir():
            yield from _walk(entry, exclude)


def _expand(argument: str | os.PathLike[str]) -> list[Path]:
    text = os.fspath(argument)
    path = Path(text)
    if path.exists() or not (_GLOB_CHARS & set(text)):
        if not path.exists():
            raise InputError(f"input {text}: no such file or folder")
        return [path]
    matches = sorted(glob.glob(text, recursive=True))
    if not matches:
        raise InputError(f"input {text}: the pattern matches no file or folder")
    return [Path(m) for m in matches]


def find_inputs(
    arguments: Sequence[str | os.PathLike[str]], *, exclude: Iterable[str | Path] = ()
) -> list[BatchInput]:
    """Every input the arguments name, in order, each once, with its mirrored place.

    Parameters
    ----------
    arguments
        Files, folders and globs (see the module docstring).
    exclude
        Folders never searched (the batch's output folder).

    Raises
    ------
    InputError
        An argument that does not exist, a pattern that matches nothing, a file that is
        no video, image or pose file, or no input at all.
    """
    excluded = [Path(p).absolute() for p in exclude]
    found: list[tuple[Path, str, Path]] = []  # (path, kind, the folder it mirrors below)
    for argument in arguments:
        for path in (p.absolute() for p in _expand(argument)):
            kind = _kind(path)
            if kind is not None:
                found.append((path, kind, path.parent))
            elif path.is_dir():
                found.extend((p, k, path) for p, k in _walk(path, excluded))
            else:
                raise InputError(
                    f"input {path}: expected a video, an image, a folder or a pose file"
                )
    if not found:
        raise InputError(f"expected videos, images or pose files in {list(map(str, arguments))}")
    root = Path(os.path.commonpath([str(base) for _, _, base in found]))
    seen: set[Path] = set()
    inputs = []
    for path, kind, _ in found:
        if path in seen:
            continue
        seen.add(path)
        inputs.append(BatchInput(path, path.relative_to(root).as_posix(), kind))
    return inputs


def _base_name(name: str) -> str:
    from posecoach.io import formats

    lower = name.lower()
    suffixes = [s for f in formats().values() for s in f.suffixes if lower.endswith(s)]
    if suffixes:
        return name[: len(name) - max(map(len, suffixes))]
    return (
        Path(name).stem if Path(name).suffix.lower() in (*VIDEO_SUFFIXES, *IMAGE_SUFFIXES) else name
    )


def output_stems(inputs: Sequence[BatchInput]) -> list[str]:
    """Where each input's results go, below the output folder, without the endings.

    The input's relative path without its ending (``alice/set1.mp4`` -> ``alice/set1``),
    or with it when two inputs of one folder would share a stem.

    Example
    -------
    >>> ins = [BatchInput(Path(p), p, "video") for p in ("a/x.mp4", "a/x.mov", "b/x.mp4")]
    >>> output_stems(ins + [BatchInput(Path("y.pose.npz"), "y.pose.npz", "pose")])
    ['a/x.mp4', 'a/x.mov', 'b/x', 'y']
    """
    stems = []
    for item in inputs:
        rel = Path(item.rel)
        stems.append((rel.parent / _base_name(rel.name)).as_posix())
    out = []
    for item, stem in zip(inputs, stems, strict=True):
        out.append(item.rel if stems.count(stem) > 1 else stem)
    return out
