"""The Compare stage: an attempt against a reference, as poses in and results out.

- :mod:`~posecoach.compare.temporal`: matching in time (DTW, repetitions found by
  subsequence DTW);
- :mod:`~posecoach.compare.score`: per-frame errors and the 0-100 score;
- :mod:`~posecoach.compare.cues`: plain-language cues;
- :mod:`~posecoach.compare.corrected`: the attempt's body in the reference's form;
- :mod:`~posecoach.compare.reps`: repetition counting;
- :mod:`~posecoach.compare.core`: :func:`compare`, the whole chain on two
  :class:`~posecoach.pose.PoseSequence` objects.

Reading files and videos and writing result folders belong to the application layer
(:func:`posecoach.app.compare.compare_files`); this package never touches a file.

Example
-------
>>> import numpy as np
>>> from posecoach import PoseSequence
>>> from posecoach.compare import compare
>>> seq = PoseSequence(np.zeros((3, 17, 2)), skeleton="coco_17")
>>> compare.__module__
'posecoach.compare.core'
"""

import sys
import types
from typing import Any

from posecoach.compare.core import SCHEMA_VERSION, SCORE_JOINTS, CompareResult, compare

__all__ = ["SCHEMA_VERSION", "SCORE_JOINTS", "CompareResult", "compare"]


class _CallableModule(types.ModuleType):
    """Lets ``posecoach.compare(...)`` work even when this package was imported first."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return compare(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
