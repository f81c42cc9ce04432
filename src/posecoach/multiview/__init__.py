"""Several synchronised, calibrated cameras: read calibrations and triangulate 3D poses.

See :mod:`posecoach.multiview.calibration` and :mod:`posecoach.multiview.triangulate`.
"""

from posecoach.multiview.calibration import (
    CalibratedCamera,
    load_calibration,
    save_calibration,
)
from posecoach.multiview.triangulate import (
    Triangulation,
    in_camera,
    triangulate,
    with_camera_world,
)

__all__ = [
    "CalibratedCamera",
    "Triangulation",
    "in_camera",
    "load_calibration",
    "save_calibration",
    "triangulate",
    "with_camera_world",
]
