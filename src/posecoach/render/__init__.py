"""Drawing: annotators on frames, overlay and side-by-side videos, plots, the HTML report.

Drawing lives only here. Every function returns new frames or writes new files
atomically; inputs are never modified.

- :mod:`posecoach.render.annotators`: skeleton, reference ghost, corrected pose, joint
  error colouring, text panel.
- :mod:`posecoach.render.video`: ``render_overlay``, ``render_side_by_side`` and
  ``draw_overlay`` (one overlay frame, for stills and live feedback).
- :mod:`posecoach.render.plots`: score over time, error heat map, angle curves, skeletons.
- :mod:`posecoach.render.report`: ``write_report`` (self-contained ``report.html``).

Example
-------
>>> from posecoach.render import SkeletonAnnotator, write_report
>>> SkeletonAnnotator().min_confidence
0.3
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
from posecoach.render.plots import (
    plot_angle_curves,
    plot_error_heatmap,
    plot_score_over_time,
    plot_skeletons,
)
from posecoach.render.report import report_body, report_html, write_report
from posecoach.render.video import draw_overlay, render_overlay, render_side_by_side, write_png

__all__ = [
    "SkeletonAnnotator",
    "GhostAnnotator",
    "CorrectedPoseAnnotator",
    "JointErrorAnnotator",
    "TextAnnotator",
    "draw_error_legend",
    "error_color",
    "draw_overlay",
    "render_overlay",
    "render_side_by_side",
    "write_png",
    "plot_score_over_time",
    "plot_error_heatmap",
    "plot_angle_curves",
    "plot_skeletons",
    "write_report",
    "report_html",
    "report_body",
]
