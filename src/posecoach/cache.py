"""Where posecoach keeps downloaded samples and cached extraction results.

The root is ``$POSECOACH_CACHE_DIR`` when set, else ``~/.cache/posecoach``; it is always
outside the repository.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """The cache root folder (not created here).

    Returns
    -------
    Path
        ``$POSECOACH_CACHE_DIR`` if set and non-empty, else ``~/.cache/posecoach``.

    Example
    -------
    >>> import os
    >>> saved = os.environ.get("POSECOACH_CACHE_DIR")
    >>> os.environ["POSECOACH_CACHE_DIR"] = "/tmp/pc-cache-example"
    >>> str(cache_root())
    '/tmp/pc-cache-example'
    >>> if saved is not None:
    ...     os.environ["POSECOACH_CACHE_DIR"] = saved
    ... else:
    ...     del os.environ["POSECOACH_CACHE_DIR"]
    """
    env = os.environ.get("POSECOACH_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "posecoach"
