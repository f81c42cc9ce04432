"""The one palette of every drawing: skeleton colours, error-band colours, line styles.

Colour-blind-safe Okabe–Ito hues (Okabe & Ito, "Color Universal Design", 2008): the
reference is blue, the attempt vermillion, the corrected pose bluish green (dashed);
joint errors are bluish green / orange / vermillion for small / medium / large. Each
colour exists as an RGB tuple (OpenCV annotators draw on RGB frames) and as a hex
string (matplotlib).

The error bands' thresholds belong to scoring (``posecoach.compare.score.ERROR_BANDS``,
recorded in result.json); :data:`DEFAULT_ERROR_BANDS` is only the default of the drawing
functions, which take the thresholds as a parameter (render never imports compare).

Example
-------
>>> REFERENCE_RGB, REFERENCE_HEX
((0, 114, 178), '#0072B2')
>>> rgb("#009E73") == BAND_RGB[0]
True
"""

from __future__ import annotations

__all__ = [
    "Color",
    "rgb",
    "REFERENCE_HEX",
    "ATTEMPT_HEX",
    "CORRECTED_HEX",
    "REFERENCE_RGB",
    "ATTEMPT_RGB",
    "CORRECTED_RGB",
    "BAND_HEX",
    "BAND_RGB",
    "NO_DATA_HEX",
    "NO_DATA_RGB",
    "LINE_STYLES",
    "DEFAULT_ERROR_BANDS",
]

Color = tuple[int, int, int]


def rgb(hex_color: str) -> Color:
    """``"#RRGGBB"`` → ``(r, g, b)``.

    Example
    -------
    >>> rgb("#D55E00")
    (213, 94, 0)
    """
    h = hex_color.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"expected a colour '#RRGGBB', got {hex_color!r}")
    return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))


#: Okabe–Ito blue: the reference pose.
REFERENCE_HEX = "#0072B2"
#: Okabe–Ito vermillion: the attempt pose.
ATTEMPT_HEX = "#D55E00"
#: Okabe–Ito bluish green: the corrected pose (drawn dashed).
CORRECTED_HEX = "#009E73"
REFERENCE_RGB: Color = rgb(REFERENCE_HEX)
ATTEMPT_RGB: Color = rgb(ATTEMPT_HEX)
CORRECTED_RGB: Color = rgb(CORRECTED_HEX)

#: Small / medium / large error (and good / middling / poor score): Okabe–Ito bluish
#: green, orange, vermillion. They differ in lightness as well as hue, so they stay
#: apart under protanopia, deuteranopia and tritanopia (tests/test_render_palette.py).
BAND_HEX: tuple[str, str, str] = ("#009E73", "#E69F00", "#D55E00")
BAND_RGB: tuple[Color, Color, Color] = (rgb(BAND_HEX[0]), rgb(BAND_HEX[1]), rgb(BAND_HEX[2]))
#: No value (NaN score or error).
NO_DATA_HEX = "#C8C8C8"
NO_DATA_RGB: Color = rgb(NO_DATA_HEX)

#: Matplotlib line style of each skeleton; OpenCV annotators draw ``"--"`` as dashes.
LINE_STYLES: dict[str, str] = {"reference": "-", "attempt": "-", "corrected": "--"}

#: Default error bands of the drawing functions, in torso lengths: below the first is
#: good, above the second is bad. Scoring owns the values
#: (``posecoach.compare.score.ERROR_BANDS``, cross-tested); callers pass them from the
#: result.
DEFAULT_ERROR_BANDS: tuple[float, float] = (0.10, 0.25)
