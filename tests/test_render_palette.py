"""The one palette: Okabe–Ito hues, distinguishable error bands, render never imports compare."""

from __future__ import annotations

import ast
from itertools import combinations
from pathlib import Path

import numpy as np

import posecoach.render as render_pkg
from posecoach.render import palette

# Machado, Oliveira & Fernandes (2009) dichromacy simulation matrices (severity 1.0),
# applied to linear RGB.
_CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def _linear(c: tuple[int, int, int]) -> np.ndarray:
    v = np.asarray(c, float) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def test_okabe_ito_hues_and_hex_rgb_agree() -> None:
    assert palette.REFERENCE_HEX == "#0072B2" and palette.CORRECTED_HEX == "#009E73"
    assert palette.ATTEMPT_HEX in ("#D55E00", "#E69F00")
    assert palette.BAND_HEX == ("#009E73", "#E69F00", "#D55E00")
    assert palette.rgb(palette.ATTEMPT_HEX) == palette.ATTEMPT_RGB
    assert tuple(palette.rgb(h) for h in palette.BAND_HEX) == palette.BAND_RGB
    assert palette.LINE_STYLES == {"reference": "-", "attempt": "-", "corrected": "--"}


def test_band_colours_stay_apart_for_colour_blind_viewers() -> None:
    for name, m in {"normal": np.eye(3).tolist(), **_CVD}.items():
        sim = [np.clip(np.asarray(m) @ _linear(c), 0, 1) for c in palette.BAND_RGB]
        for a, b in combinations(range(3), 2):
            assert np.abs(sim[a] - sim[b]).sum() > 0.15, (name, a, b)
    # Relative luminance: good 0.257, mid 0.416, bad 0.222. Good and bad are close in
    # lightness (they are told apart by hue, which survives all three dichromacies above),
    # so a greyscale print relies on the legend; pin that they are not identical.
    lum = [float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(c)) for c in palette.BAND_RGB]
    assert min(abs(a - b) for a, b in combinations(lum, 2)) > 0.03


def test_render_does_not_import_compare() -> None:
    for path in Path(render_pkg.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            assert not any(m.startswith("posecoach.compare") for m in mods), (path.name, mods)


def test_no_repeated_band_literals_in_render() -> None:
    for path in Path(render_pkg.__file__).parent.glob("*.py"):
        if path.name != "palette.py":
            assert "(0.1, 0.25)" not in path.read_text(encoding="utf-8"), path.name


def test_report_scores_and_severities_use_the_palette_bands() -> None:
    from posecoach.render.palette import BAND_HEX, NO_DATA_HEX
    from posecoach.render.report import REPORT_CSS

    for cls, colour in (("pc-good", 0), ("pc-mid", 1), ("pc-bad", 2), ("pc-sev-low", 0)):
        assert f".{cls}{{background:{BAND_HEX[colour]}}}" in REPORT_CSS
    assert f".pc-none{{background:{NO_DATA_HEX}}}" in REPORT_CSS
