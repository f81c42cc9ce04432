"""MPII annotations (mmpose JSON): the real test file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import require_shared
from posecoach.io import FormatError, load, load_all

MPII = "mmpose_testdata/tests/data/mpii/test_mpii.json"


def test_real_mpii_file() -> None:
    path = require_shared(MPII)
    raw = json.loads(path.read_text())
    people = load_all(path)
    assert len(people) == 5 and all(p.skeleton.name == "mpii_16" for p in people)
    first = people[0]
    assert first.joint("right_ankle")[0].tolist() == [804.0, 711.0]  # joints[0] in the file
    assert first.metadata["image"] == "005808361.jpg" and first.metadata["scale"] == 4.718488
    # entry 2 has joints_vis 0 for the right ankle and left ankle: NaN, confidence 0
    third = people[2]
    assert raw[2]["joints_vis"][0] == 0 and raw[2]["joints"][0] == [-1.0, -1.0]
    assert np.isnan(third.joint("right_ankle")).all() and third.confidence[0, 0] == 0
    assert np.isnan(third.joint("left_ankle")).all()
    assert third.joint("right_knee")[0].tolist() == [1033.0, 649.0]
    cx, cy = raw[2]["center"]
    s = raw[2]["scale"]
    assert third.metadata["bbox"] == pytest.approx([cx - 100 * s, cy - 100 * s, 200 * s, 200 * s])
    assert len(load_all(path, image="060754485.jpg")) == 1


def test_bad_mpii_entry(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps([{"joints": [[1, 2]] * 15, "joints_vis": [1] * 16}]))
    with pytest.raises(FormatError, match=r"m\.json.*entry 0: expected 16 joints"):
        load(path)
