"""``posecoach convert`` and ``posecoach formats`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from posecoach import PoseSequence
from posecoach.cli.app import app
from posecoach.io import load, save

runner = CliRunner()


def _coco(tmp_path: Path) -> Path:
    pos = np.arange(17 * 2, dtype=float).reshape(1, 17, 2)
    pos[0, 0] = np.nan  # no nose
    path = tmp_path / "in.pose.npz"
    save(PoseSequence(pos, skeleton="coco_17"), path)
    return path


def test_convert_with_skeleton_reports_missing_joints(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["convert", str(src), "-o", str(out), "--to-skeleton", "openpose_body_25"]
    )
    assert result.exit_code == 0, result.output
    assert "derived joints: neck, mid_hip" in result.output
    assert "missing joints (NaN): left_big_toe" in result.output
    seq = load(out)
    assert seq.skeleton.name == "openpose_body_25"
    # neck = mean of the shoulders (coco 5 = (10, 11), 6 = (12, 13))
    assert seq.joint("neck")[0].tolist() == [11.0, 12.0]
    assert np.isnan(seq.joint("nose")).all()


def test_convert_to_openpose_folder_and_back(tmp_path: Path) -> None:
    src = _coco(tmp_path)
    result = runner.invoke(
        app, ["convert", str(src), "-o", str(tmp_path / "op"), "--format", "openpose"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["convert", str(tmp_path / "op"), "-o", str(tmp_path / "b.csv")])
    assert result.exit_code == 0, result.output
    assert load(tmp_path / "b.csv").joint("left_wrist")[0].tolist() == [18.0, 19.0]


def test_convert_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("nose_x,nose_y,wing_x,wing_y\n1,2,3,4\n")
    out = tmp_path / "out.pose.npz"
    result = runner.invoke(app, ["convert", str(bad), "-o", str(out)])
    assert result.exit_code == 1
    assert "unknown joint names ['wing']" in result.output
    assert not out.exists()
    result = runner.invoke(app, ["convert", str(_coco(tmp_path)), "-o", str(tmp_path / "x.xyz")])
    assert result.exit_code == 1 and "cannot tell the format" in result.output
    result = runner.invoke(app, ["convert", str(bad)])
    assert result.exit_code == 2  # usage: -o is required


def test_formats_lists_readers_and_writers() -> None:
    result = runner.invoke(app, ["formats"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "read/write" in lines["wide_csv"] and "read/write" not in lines["keraal"]
