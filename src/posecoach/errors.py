"""Exception types shared by all of posecoach.

Every error a user can cause derives from :class:`PoseCoachError`, so the CLI can print
it as one clear line and exit with code 1.
"""

from __future__ import annotations

__all__ = ["PoseCoachError", "InputError", "MissingDependencyError", "require"]


class PoseCoachError(Exception):
    """Base class of every error posecoach raises on purpose."""


class InputError(PoseCoachError, ValueError):
    """A file, folder or value handed in by the user is unusable; the message says why."""


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
