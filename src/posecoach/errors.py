"""Exception types shared by all of posecoach.

Every error a user can cause derives from :class:`PoseCoachError`, so the CLI can print
it as one clear line and exit with code 1.
"""

from __future__ import annotations

__all__ = [
    "DiskFullError",
    "InputError",
    "MissingDependencyError",
    "OutputFolderError",
    "PoseCoachError",
    "require",
]


class PoseCoachError(Exception):
    """Base class of every error posecoach raises on purpose."""


class InputError(PoseCoachError, ValueError):
    """A file, folder or value handed in by the user is unusable; the message says why."""


class OutputFolderError(InputError):
    """An output folder or file that posecoach will not write into (it would touch a user's
    files); the message names it and says what to do."""


class DiskFullError(PoseCoachError, OSError):
    """The disk filled up while writing; nothing partial was left behind."""


class MissingDependencyError(PoseCoachError, ImportError):
    """An optional dependency is not installed; the message gives the install command."""


def require(module: str, extra: str) -> object:
    """Import ``module`` or raise :class:`MissingDependencyError` with an install hint.

    Example
    -------
    >>> require("json", "core").__name__
    'json'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{module} is needed for this; install it with: "
            f"pip install 'posecoach[{extra}]' ({exc})"
        ) from exc
