"""Plots write valid PNGs of the expected size, reject mismatched input, leak no figures."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.render.plots import (
    plot_angle_curves,
    plot_error_heatmap,
    plot_score_over_time,
    plot_skeletons,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_score_over_time_png_and_reps(tmp_path: Path) -> None:
    t = np.arange(90) / 30
    s = np.full(90, 80.0)
    plain = plot_score_over_time(t, s, tmp_path / "plain.png")
    reps = [{"index": 0, "start_s": 0.5, "end_s": 1.5, "score": 70.0}]
    shaded = plot_score_over_time(t, s, tmp_path / "score.png", reps=reps)
    assert shaded == tmp_path / "score.png"
    assert _png_size(shaded) == (880, 352)  # 8 x 3.2 inches at 110 dpi
    # the rep shading changes a band of pixels relative to the plain plot
    diff = np.abs(_rgb(shaded).astype(int) - _rgb(plain).astype(int)).sum(axis=2) > 30
    assert diff.sum() > 5000
    assert list(tmp_path.glob(".*")) == []  # no temporary files left


def test_score_mismatch_raises_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected 3 scores"):
        plot_score_over_time([0, 1, 2], [1, 2], tmp_path / "s.png")
    with pytest.raises(InputError, match="at least one time"):
        plot_score_over_time([], [], tmp_path / "s.png")
    assert list(tmp_path.iterdir()) == []


def test_error_heatmap_shows_planted_error(tmp_path: Path) -> None:
    t = np.arange(60) / 30
    names = ["left_knee", "right_knee", "left_hip"]
    zero = np.zeros((60, 3))
    planted = zero.copy()
    planted[20:40, 1] = 1.0
    a = _rgb(plot_error_heatmap(t, names, zero, tmp_path / "zero.png"))
    b = _rgb(plot_error_heatmap(t, names, planted, tmp_path / "heat.png"))
    assert a.shape == b.shape
    dark_a = (a.sum(axis=2) < 150).sum()
    dark_b = (b.sum(axis=2) < 150).sum()
    assert dark_b > dark_a + 2000  # the planted block is drawn dark (large error)
    with pytest.raises(InputError, match=r"expected errors of shape \(T, K\) = \(60, 3\)"):
        plot_error_heatmap(t, names, np.zeros((60, 4)), tmp_path / "bad.png")
    nan_only = plot_error_heatmap(t, names, np.full((60, 3), np.nan), tmp_path / "nan.png")
    assert _png_size(nan_only)[0] == 880


def test_angle_curves(tmp_path: Path) -> None:
    t = np.linspace(0, 2, 40)
    curves = {
        "left_knee": (90 + 30 * np.sin(t), 90 + 40 * np.sin(t)),
        "right_elbow": (np.full(40, 120.0), np.full(40, 150.0)),
        "trunk_lean": (np.full(40, 10.0), np.full(40, 5.0)),
    }
    out = plot_angle_curves(t, curves, tmp_path / "angles.png")
    w, h = _png_size(out)
    assert w == 880 and h > 500  # two rows of panels
    with pytest.raises(InputError, match="expected 40 reference angles for 'knee'"):
        plot_angle_curves(t, {"knee": (t, t[:5])}, tmp_path / "x.png")
    with pytest.raises(InputError, match="at least one angle curve"):
        plot_angle_curves(t, {}, tmp_path / "x.png")


def test_skeletons_y_down(tmp_path: Path) -> None:
    pts = np.full((17, 2), np.nan)
    pts[11] = [10, 10]  # left hip, top-left in image coordinates
    pts[13] = [90, 190]  # left knee, bottom-right
    seq = PoseSequence(pts[None], skeleton="coco_17")

    def slope_sign(y_down: bool) -> float:
        out = plot_skeletons([(seq, "attempt", (255, 0, 0))], tmp_path / "k.png", y_down=y_down)
        img = _rgb(out)
        red = np.argwhere((img[..., 0] > 200) & (img[..., 1] < 60) & (img[..., 2] < 60))
        assert len(red) > 200  # the bone is drawn
        return float(np.corrcoef(red[:, 0], red[:, 1])[0, 1])

    assert slope_sign(True) > 0.8  # row grows with column: y points down
    assert slope_sign(False) < -0.8
    with pytest.raises(InputError, match="expected frame in"):
        plot_skeletons([(seq, "a", "red")], tmp_path / "k2.png", frame=3)
    with pytest.raises(InputError, match="at least one pose"):
        plot_skeletons([], tmp_path / "k3.png")


def test_no_pyplot_figures_leak(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_score_over_time([0, 1], [1, 2], tmp_path / "a.png")
    assert plt.get_fignums() == before
