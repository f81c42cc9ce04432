"""Pose extraction: backends, subject selection, caching, batches.

``posecoach.extract.extract(source, ...)`` (also ``posecoach.extract(...)``) returns a
:class:`~posecoach.PoseSequence`; :class:`StreamExtractor` handles live frames;
:func:`backend_status` says which backends can run here.

Example
-------
>>> from posecoach.extract import backend_status
>>> backend_status()["mediapipe"][0]
True
"""

from __future__ import annotations

import sys
import types
from typing import Any

from posecoach.extract import mediapipe_backend as _mediapipe_backend  # noqa: F401  (registers)
from posecoach.extract.base import (
    BackendError,
    Box,
    Detection,
    PoseBackend,
    PoseSession,
    backend_names,
    backend_status,
    get_backend,
    register_backend,
)
from posecoach.extract.pipeline import NoPersonWarning, StreamExtractor, extract
from posecoach.extract.subject import SubjectTracker, choose_subject, parse_subject

__all__ = [
    "BackendError",
    "Box",
    "Detection",
    "NoPersonWarning",
    "PoseBackend",
    "PoseSession",
    "StreamExtractor",
    "SubjectTracker",
    "backend_names",
    "backend_status",
    "choose_subject",
    "extract",
    "get_backend",
    "parse_subject",
    "register_backend",
]


class _CallableModule(types.ModuleType):
    """Lets ``posecoach.extract(...)`` work even when the package itself is imported."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return extract(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
