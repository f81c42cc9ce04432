"""posecoach: pose-based movement feedback.

Extract a person's pose from video, align it to a reference so that body size, position,
camera angle and speed no longer matter, and show what is left: which joints are wrong,
by how much, when, and what to change.

The public API is re-exported here; heavy parts (MediaPipe, PyTorch, the web app) load
only when first used.

Example
-------
>>> import numpy as np, posecoach
>>> seq = posecoach.PoseSequence(np.zeros((2, 17, 2)), skeleton="coco_17")
>>> seq.n_frames
2
"""

from __future__ import annotations

import importlib
from typing import Any

from posecoach.errors import InputError, MissingDependencyError, PoseCoachError
from posecoach.pose import PoseSequence, PoseValidationError
from posecoach.skeletons import Skeleton

__version__ = "0.1.0"

# public name -> "module:attribute"; each loads on first access.
_LAZY: dict[str, str] = {
    "load": "posecoach.io:load",
    "save": "posecoach.io:save",
    "extract": "posecoach.extract:extract",
    "align": "posecoach.align:align",
    "compare": "posecoach.compare:compare",
    "compare_files": "posecoach.app.compare:compare_files",
}

__all__ = [
    "PoseSequence",
    "PoseValidationError",
    "Skeleton",
    "PoseCoachError",
    "InputError",
    "MissingDependencyError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'posecoach' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
