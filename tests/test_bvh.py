"""BVH reader: forward kinematics against hand-computed positions and real CMU takes."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require_shared
from posecoach import io
from posecoach.io.bvh import read_bvh
from posecoach.io.registry import FormatError
from posecoach.skeletons import convert

TINY = """HIERARCHY
ROOT hip
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT arm
  {
    OFFSET 10 0 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT hand
    {
      OFFSET 5 0 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      End Site
      {
        OFFSET 1 0 0
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.5
0 0 0 0 0 0 0 0 0 0 0 0
1 2 3 0 0 0 90 0 0 0 0 0
0 0 0 0 0 90 0 0 0 0 0 90
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.bvh"
    path.write_text(TINY)
    return path


def test_forward_kinematics_by_hand(tiny):
    seq = read_bvh(tiny)
    assert seq.skeleton.names == ("pelvis", "arm", "hand", "hand_end")  # CMU root name
    assert seq.fps == 2.0 and seq.timestamps.tolist() == [0.0, 0.5, 1.0]
    p = seq.positions.round(9)
    # rest pose: offsets add up along x
    assert p[0].tolist() == [[0, 0, 0], [10, 0, 0], [15, 0, 0], [16, 0, 0]]
    # root moved by (1, 2, 3); arm turned 90° about z: x → y
    assert p[1].tolist() == [[1, 2, 3], [11, 2, 3], [11, 7, 3], [11, 8, 3]]
    # root turned 90° about y (x → -z), then the hand another 90° about y (x → -x)
    assert p[2].tolist() == [[0, 0, 0], [0, 0, -10], [0, 0, -15], [-1, 0, -15]]


def test_registered_format_and_detection(tiny):
    assert "bvh" in io.formats()
    assert io.load(tiny).equals(read_bvh(tiny).replace(metadata=io.load(tiny).metadata))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a BVH file starting with HIERARCHY"),
        ("HIERARCHY\nROOT a\n{\n  OFFSET 0 0\n}\nMOTION\n", "expected 3 numbers after OFFSET"),
        (TINY.replace("Frames: 3", "Frames: 5"), "expected 5 frames of motion, got 3"),
        (TINY.replace("0 0 0 0 0 90 0 0 0 0 0 90", "0 0 0"), "expected 12 channel values"),
        (TINY.split("MOTION")[0], "expected a MOTION section"),
    ],
)
def test_bad_files(tmp_path, text, message):
    path = tmp_path / "bad.bvh"
    path.write_text(text)
    with pytest.raises(FormatError, match=message) as err:
        read_bvh(path)
    assert "bad.bvh" in str(err.value)


def test_real_cmu_take_bones_are_rigid_and_names_canonical():
    path = require_shared("cmu_mocap_bvh/10_01.bvh")
    seq = io.load(path)
    assert seq.skeleton.name == "cmu_bvh_45" and seq.n_frames == 802 and seq.fps == 120
    p = seq.positions
    lengths = np.stack([np.linalg.norm(p[:, a] - p[:, b], axis=-1) for a, b in seq.skeleton.edges])
    assert np.ptp(lengths, axis=1).max() < 1e-6  # bone lengths constant over 802 frames
    # frame 0 is a T-pose (y up, facing +z): left wrist far out on +x at shoulder height
    sh, wr = seq.joint("left_shoulder")[0], seq.joint("left_wrist")[0]
    rsh = seq.joint("right_shoulder")[0]
    assert wr[0] - sh[0] > 40 and abs(wr[1] - sh[1]) < 5 and sh[0] > rsh[0]
    head, ankle = seq.joint("head")[0], seq.joint("left_ankle")[0]
    assert 130 < head[1] - ankle[1] < 160  # ~1.4 m from ankle to head joint, in cm
    # the root channels put the pelvis where the first motion line says
    first = path.read_text().split("Frame Time:")[1].splitlines()[1].split()
    assert seq.joint("pelvis")[0] == pytest.approx([float(v) for v in first[:3]])
    coco = convert(seq, "coco_17")
    assert set(coco.missing) == {"nose", "left_ear", "right_ear"}
    assert np.allclose(coco.sequence.joint("left_knee"), seq.joint("left_knee"))
