"""Drawing: annotators on frames, overlay and side-by-side videos, plots, the HTML report.

Drawing lives only here. Every function returns new frames or writes new files
atomically; inputs are never modified.

- :mod:`posecoach.render.annotators`: skeleton, reference ghost, corrected pose, joint
  error colouring, text panel.
- :mod:`posecoach.render.video`: ``render_overlay`` and ``render_side_by_side``.
- :mod:`posecoach.render.plots`: score over time, error heat map, angle curves, skeletons.
- :mod:`posecoach.render.report`: ``write_report`` (self-contained ``report.html``).
"""

from __future__ import annotations

from posecoach.render.annotators import (
    CorrectedPoseAnnotator,
    GhostAnnotator,
    JointErrorAnnotator,
    SkeletonAnnotator,
    TextAnnotator,
    draw_error_legend,
    error_color,
)

__all__ = [
    "SkeletonAnnotator",
    "GhostAnnotator",
    "CorrectedPoseAnnotator",
    "JointErrorAnnotator",
    "TextAnnotator",
    "draw_error_legend",
    "error_color",
]
