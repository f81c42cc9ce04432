"""``posecoach align`` through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from posecoach import PoseSequence
from posecoach.cli.app import app
from posecoach.io import load, save

runner = CliRunner()


def _pair(tmp_path: Path) -> tuple[Path, Path, PoseSequence]:
    rng = np.random.default_rng(0)
    ref = PoseSequence(rng.normal(size=(3, 17, 2)) * 50 + 200, skeleton="coco_17")
    t = np.radians(30)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    att = ref.replace(positions=ref.positions @ rot.T * 2 + 40)
    save(ref, tmp_path / "ref.pose.npz")
    save(att, tmp_path / "att.pose.npz")
    return tmp_path / "att.pose.npz", tmp_path / "ref.pose.npz", ref


def test_align_writes_aligned_pose_and_png(tmp_path: Path) -> None:
    att, ref_path, ref = _pair(tmp_path)
    out, png = tmp_path / "out.pose.npz", tmp_path / "o.png"
    args = ["align", str(att), "--to", str(ref_path), "--method", "similarity", "-o", str(out)]
    result = runner.invoke(app, [*args, "--png", str(png), "--per-sequence"])
    assert result.exit_code == 0, result.output
    assert "similarity (per sequence): 3 frames, mean residual 0.000" in result.output
    assert np.allclose(load(out).positions, ref.positions, atol=1e-6)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_align_unknown_method_is_one_clear_error_and_no_output(tmp_path: Path) -> None:
    att, ref_path, _ = _pair(tmp_path)
    out = tmp_path / "out.pose.npz"
    result = runner.invoke(
        app, ["align", str(att), "--to", str(ref_path), "--method", "rigid", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "unknown aligner 'rigid'; expected one of" in result.output
    assert not out.exists()
