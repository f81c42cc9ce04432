"""Spatial alignment: remove position, body size and camera angle between two poses.

``align(attempt, reference, method=None, per_frame=True)`` maps the attempt into the
reference's coordinates with a registered aligner (``normalize``, ``similarity``,
``affine``, ``perspective``, ``view3d``, ``learned``) and returns the aligned pose, the
transform and the fit quality. ``cameras`` holds the pinhole camera model used to
project 3D poses.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.align import align
>>> ref = PoseSequence(np.random.default_rng(0).normal(size=(1, 17, 2)), skeleton="coco_17")
>>> res = align(ref, ref, "similarity")
>>> bool(np.allclose(res.aligned.positions, ref.positions))
True
"""

import sys
import types
from typing import Any

from posecoach.align.api import (
    DEFAULT_METHOD,
    DEFAULT_METHOD_3D,
    align,
    default_method,
    residuals,
)
from posecoach.align.base import (
    AlignmentError,
    AlignmentQuality,
    AlignmentResult,
    AlignmentWarning,
    Transform,
    available_aligners,
    get_aligner,
    pair_poses,
    register_aligner,
)

__all__ = [
    "align",
    "residuals",
    "DEFAULT_METHOD",
    "DEFAULT_METHOD_3D",
    "default_method",
    "AlignmentError",
    "AlignmentQuality",
    "AlignmentResult",
    "AlignmentWarning",
    "Transform",
    "available_aligners",
    "get_aligner",
    "pair_poses",
    "register_aligner",
]


class _CallableModule(types.ModuleType):
    """Lets ``posecoach.align(...)`` work even when this package was imported first (as
    ``posecoach.align.cameras`` does), which makes ``posecoach.align`` the module."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return align(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
