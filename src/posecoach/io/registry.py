"""Registry of pose file formats: each format module registers a :class:`Format`.

A format has a name, a ``sniff(path) -> bool`` that recognises its files cheaply, a
``read(path, **options) -> PoseSequence | list[PoseSequence]`` and, when writable, a
``write(seq, path, **options)``. Auto-detection asks every format's ``sniff``; exactly one
must answer yes, otherwise the error names the candidates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.registry import Registry

__all__ = ["Format", "FormatError", "register_format", "get_format", "formats", "detect"]


class FormatError(InputError):
    """A pose file cannot be read or written in the requested format."""


@dataclass(frozen=True)
class Format:
    """One pose file format.

    Parameters
    ----------
    name
        Registry name, e.g. ``"openpose"``.
    description
        One line for ``--help`` and error messages.
    sniff
        Cheap check whether a path looks like this format.
    read
        Reader returning one sequence (or a list, one per person).
    write
        Writer, or ``None`` for read-only formats.
    suffixes
        File name endings this format writes (used by :func:`posecoach.io.save`).
    """

    name: str
    description: str
    sniff: Callable[[Path], bool]
    read: Callable[..., Any]
    write: Callable[..., None] | None = None
    suffixes: tuple[str, ...] = ()


_FORMATS: Registry[Format] = Registry("format", FormatError)


def register_format(fmt: Format) -> Format:
    """Add (or replace) a format in the registry."""
    return _FORMATS.register(fmt.name, fmt)


def formats() -> dict[str, Format]:
    """All registered formats by name."""
    from posecoach.io import _load_builtin_formats

    _load_builtin_formats()
    return _FORMATS.items()


def get_format(name: str) -> Format:
    """Look up a format by name; unknown names raise listing the valid ones."""
    formats()
    return _FORMATS.get(name)


def detect(path: Path) -> Format:
    """The one format whose ``sniff`` accepts ``path``.

    Raises
    ------
    FormatError
        When no format or more than one format matches; the message names them.
    """
    matches = []
    for fmt in formats().values():
        try:
            if fmt.sniff(path):
                matches.append(fmt)
        except (OSError, ValueError, UnicodeDecodeError):
            continue
    if not matches:
        raise FormatError(
            f"{path}: not a pose file of any known format; expected one of {sorted(formats())}"
        )
    if len(matches) > 1:
        names = sorted(f.name for f in matches)
        raise FormatError(f"{path}: ambiguous format, it could be any of {names}; pass format=")
    return matches[0]
