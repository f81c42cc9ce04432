"""MPII human pose annotations as converted to JSON by mmpose (format ``mpii_json``).

The file is a list of ``{"image", "joints": 16 x [x, y], "joints_vis": 16 x 0/1,
"center": [x, y], "scale": s}``; each entry is one annotated person and becomes a
single-frame ``mpii_16`` sequence in pixels. A joint with ``joints_vis`` 0 (written as
``[-1, -1]``) is NaN with confidence 0. Metadata keeps ``image``, ``center``, ``scale`` and
``bbox`` = the square box ``[cx - 100 s, cy - 100 s, 200 s, 200 s]`` that MPII's ``scale``
stands for (person height / 200 px); the head box needed for PCKh is not in these files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from posecoach.io._common import file_errors, load_json, sniff_json
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import MPII_16

__all__ = ["read_mpii_json"]


def read_mpii_json(path: str | Path, *, image: str | None = None) -> list[PoseSequence]:
    """Read an mmpose-style MPII JSON file, one single-frame sequence per person.

    Parameters
    ----------
    path
        The JSON file.
    image
        Keep only the people annotated on this image file name.

    Example
    -------
    >>> import tempfile, os, json
    >>> ann = {"image": "a.jpg", "center": [50, 60], "scale": 0.5,
    ...        "joints": [[10, 20]] + [[-1, -1]] * 15, "joints_vis": [1] + [0] * 15}
    >>> p = os.path.join(tempfile.mkdtemp(), "mpii.json")
    >>> _ = open(p, "w").write(json.dumps([ann]))
    >>> seq = read_mpii_json(p)[0]
    >>> seq.joint("right_ankle")[0].tolist(), bool(np.isnan(seq.joint("pelvis")).all())
    ([10.0, 20.0], True)
    >>> seq.metadata["bbox"]
    [0.0, 10.0, 100.0, 100.0]
    """
    p = Path(path)
    data = load_json(p, "MPII JSON")
    people = []
    with file_errors(p, "MPII JSON"):
        if not isinstance(data, list):
            raise ValueError(f"expected a list of annotations, got {type(data).__name__}")
        for n, ann in enumerate(data):
            if image is not None and ann.get("image") != image:
                continue
            joints = np.array(ann["joints"], dtype=float)
            vis = np.array(ann["joints_vis"], dtype=float).reshape(-1)
            if joints.shape != (16, 2) or vis.shape != (16,):
                raise ValueError(
                    f"entry {n}: expected 16 joints [x, y] and 16 joints_vis, got "
                    f"{joints.shape} and {vis.shape}"
                )
            if not np.isfinite(joints).all():
                raise ValueError(f"entry {n}: expected finite joint coordinates")
            joints[vis <= 0] = np.nan
            meta: dict[str, Any] = {"source": str(p), "format": "mpii_json"}
            for key in ("image", "center", "scale"):
                if key in ann:
                    meta[key] = ann[key]
            if "center" in ann and "scale" in ann:
                (cx, cy), s = ann["center"], float(ann["scale"])
                meta["bbox"] = [float(cx) - 100 * s, float(cy) - 100 * s, 200 * s, 200 * s]
            people.append(
                PoseSequence(joints[None], skeleton=MPII_16, space="pixel", metadata=meta)
            )
    if not people:
        raise FormatError(f"{p}: expected at least one MPII annotation, got 0")
    return people


def _sniff(path: Path) -> bool:
    data = sniff_json(path)
    return (
        isinstance(data, list)
        and bool(data)
        and isinstance(data[0], dict)
        and "joints" in data[0]
        and "joints_vis" in data[0]
    )


register_format(
    Format(
        name="mpii_json",
        description="MPII annotations as mmpose JSON (joints + joints_vis, center, scale)",
        sniff=_sniff,
        read=read_mpii_json,
    )
)
