"""Static plots of a comparison, written as PNG files (matplotlib, Agg, no pyplot state).

Every function builds its own :class:`matplotlib.figure.Figure` (never the global pyplot
figure registry, so nothing leaks between calls or threads), writes it atomically with
:func:`posecoach.atomic.atomic_path` and returns the output path.

Example
-------
>>> import numpy as np, tempfile, os
>>> out = plot_score_over_time(np.arange(5) / 30, [90, 80, 70, 85, 95],
...                            os.path.join(tempfile.mkdtemp(), "score.png"))
>>> out.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.errors import InputError
from posecoach.pose import PoseSequence
from posecoach.render.palette import ATTEMPT_HEX, BAND_HEX, LINE_STYLES, REFERENCE_HEX
from posecoach.skeletons import get

__all__ = [
    "plot_score_over_time",
    "plot_error_heatmap",
    "plot_angle_curves",
    "plot_skeletons",
]

_DPI = 110
_ATTEMPT = ATTEMPT_HEX
_REFERENCE = REFERENCE_HEX


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, out_path: str | Path) -> Path:
    target = Path(out_path)
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=_DPI)
    return target


def _times(times: Sequence[float] | np.ndarray, name: str = "times") -> np.ndarray:
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    if t.size == 0:
        raise InputError(f"expected at least one time in {name}, got none")
    return t


def _rep_field(rep: Any, key: str, default: Any = None) -> Any:
    if isinstance(rep, Mapping):
        return rep.get(key, default)
    return getattr(rep, key, default)


def plot_score_over_time(
    times: Sequence[float] | np.ndarray,
    scores: Sequence[float] | np.ndarray,
    out_path: str | Path,
    reps: Sequence[Any] | None = None,
    title: str = "Score over time",
) -> Path:
    """Line plot of the per-frame score (0-100) with repetitions shaded and labelled.

    Parameters
    ----------
    times
        ``(T,)`` seconds.
    scores
        ``(T,)`` per-frame scores 0-100 (NaN: gap in the line).
    out_path
        PNG file to write.
    reps
        Optional repetitions, each a mapping or object with ``start_s``, ``end_s`` and
        optionally ``score`` and ``index`` (as in ``result.json``).
    title
        Figure title.

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import tempfile, os
    >>> reps = [{"index": 0, "start_s": 0.0, "end_s": 1.0, "score": 82.0}]
    >>> p = plot_score_over_time([0, 0.5, 1.0], [80, 70, 90],
    ...                          os.path.join(tempfile.mkdtemp(), "s.png"), reps=reps)
    >>> p.stat().st_size > 1000
    True
    """
    t = _times(times)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if s.shape != t.shape:
        raise InputError(f"expected {t.size} scores (one per time), got {s.size}")
    fig = _figure(8.0, 3.2)
    ax = fig.add_subplot()
    for i, rep in enumerate(reps or []):
        start, end = float(_rep_field(rep, "start_s")), float(_rep_field(rep, "end_s"))
        idx = _rep_field(rep, "index", i)
        ax.axvspan(start, end, color="#8888ff" if i % 2 == 0 else "#bbbbff", alpha=0.25, lw=0)
        label = f"rep {int(idx) + 1}"
        rep_score = _rep_field(rep, "score")
        if rep_score is not None and np.isfinite(float(rep_score)):
            label += f"\n{float(rep_score):.0f}"
        ax.text((start + end) / 2, 101, label, ha="center", va="bottom", fontsize=8)
    for lo, hi, col in ((0, 50, BAND_HEX[2]), (50, 75, BAND_HEX[1]), (75, 100, BAND_HEX[0])):
        ax.axhspan(lo, hi, color=col, alpha=0.06, lw=0)
    marker = "o" if t.size < 3 else None
    ax.plot(t, s, color="#222222", lw=1.6, marker=marker)
    ax.set_ylim(0, 112)
    ax.set_yticks([0, 25, 50, 75, 100])
    span = float(t[-1] - t[0]) if t.size > 1 else 1.0
    ax.set_xlim(float(t[0]) - 0.01 * span, float(t[-1]) + 0.01 * span)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("score")
    ax.set_title(title, loc="left")
    ax.grid(alpha=0.3)
    return _save(fig, out_path)


def plot_error_heatmap(
    times: Sequence[float] | np.ndarray,
    joint_names: Sequence[str],
    errors: np.ndarray,
    out_path: str | Path,
    title: str = "Joint position error (fraction of torso length)",
) -> Path:
    """Heat map of per-joint error over time (time on x, one row per joint).

    Parameters
    ----------
    times
        ``(T,)`` seconds.
    joint_names
        ``K`` joint names (row labels).
    errors
        ``(T, K)`` torso-normalised errors; NaN cells are drawn grey.
    out_path
        PNG file to write.
    title
        Figure title.

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> p = plot_error_heatmap([0, 1], ["knee", "hip"], np.array([[0.1, 0.2], [0.3, np.nan]]),
    ...                        os.path.join(tempfile.mkdtemp(), "h.png"))
    >>> p.suffix
    '.png'
    """
    import matplotlib as mpl

    t = _times(times)
    names = [str(n) for n in joint_names]
    err = np.asarray(errors, dtype=np.float64)
    if err.shape != (t.size, len(names)):
        raise InputError(
            f"expected errors of shape (T, K) = {(t.size, len(names))}, got {err.shape}"
        )
    finite = err[np.isfinite(err)]
    vmax = max(0.3, float(np.percentile(finite, 99))) if finite.size else 1.0
    height = min(14.0, 1.4 + 0.22 * len(names))
    fig = _figure(8.0, height)
    ax = fig.add_subplot()
    cmap = mpl.colormaps["magma_r"].with_extremes(bad="#cccccc")
    dt = float(np.median(np.diff(t))) if t.size > 1 else 1.0
    extent = (float(t[0]) - dt / 2, float(t[-1]) + dt / 2, len(names) - 0.5, -0.5)
    img = ax.imshow(
        np.ma.masked_invalid(err.T),
        aspect="auto",
        interpolation="nearest",
        cmap=cmap,
        vmin=0.0,
        vmax=vmax,
        extent=extent,
    )
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels([n.replace("_", " ") for n in names], fontsize=8)
    ax.set_xlabel("time (s)")
    ax.set_title(title, loc="left")
    cbar = fig.colorbar(img, ax=ax, pad=0.01)
    cbar.set_label("error / torso length")
    return _save(fig, out_path)


def plot_angle_curves(
    times: Sequence[float] | np.ndarray,
    curves: Mapping[str, tuple[Sequence[float] | np.ndarray, Sequence[float] | np.ndarray]],
    out_path: str | Path,
    title: str = "Joint angles: attempt vs reference",
) -> Path:
    """One small panel per joint angle: attempt (solid) and reference (dashed), degrees.

    Parameters
    ----------
    times
        ``(T,)`` seconds.
    curves
        ``{name: (attempt_deg (T,), reference_deg (T,))}``, e.g. the worst joints first.
    out_path
        PNG file to write.
    title
        Figure title.

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> t = np.linspace(0, 2, 20)
    >>> p = plot_angle_curves(t, {"left_knee": (90 + 30 * np.sin(t), 90 + 40 * np.sin(t))},
    ...                       os.path.join(tempfile.mkdtemp(), "a.png"))
    >>> p.exists()
    True
    """
    t = _times(times)
    if not curves:
        raise InputError("expected at least one angle curve, got none")
    items = list(curves.items())
    for name, pair in items:
        if len(pair) != 2:
            raise InputError(f"expected (attempt, reference) for {name!r}, got {len(pair)} items")
        for which, arr in zip(("attempt", "reference"), pair, strict=True):
            if np.asarray(arr).reshape(-1).shape != t.shape:
                raise InputError(
                    f"expected {t.size} {which} angles for {name!r}, got {np.asarray(arr).size}"
                )
    n = len(items)
    ncols = 1 if n == 1 else 2
    nrows = int(np.ceil(n / ncols))
    fig = _figure(8.0, 1.2 + 2.2 * nrows)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    for i, (name, (att, ref)) in enumerate(items):
        ax = axes[i // ncols][i % ncols]
        a = np.asarray(att, dtype=np.float64).reshape(-1)
        r = np.asarray(ref, dtype=np.float64).reshape(-1)
        ax.plot(t, r, color=_REFERENCE, lw=1.5, ls="--", label="reference")
        ax.plot(t, a, color=_ATTEMPT, lw=1.8, label="attempt")
        ax.fill_between(t, a, r, color=BAND_HEX[2], alpha=0.12, lw=0)
        diff = np.abs(a - r)
        mean = float(np.nanmean(diff)) if np.isfinite(diff).any() else float("nan")
        ax.set_title(f"{name.replace('_', ' ')} (mean |Δ| {mean:.0f}°)", fontsize=9, loc="left")
        ax.set_ylabel("degrees", fontsize=8)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=8, loc="best")
    for j in range(n, nrows * ncols):
        axes[j // ncols][j % ncols].set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("time (s)")
    fig.suptitle(title, x=0.01, ha="left")
    return _save(fig, out_path)


def _mpl_color(color: Any) -> Any:
    if (
        isinstance(color, Sequence)
        and not isinstance(color, str)
        and len(color) == 3
        and any(float(c) > 1 for c in color)
    ):
        return tuple(float(c) / 255.0 for c in color)
    return color


def plot_skeletons(
    poses: Sequence[tuple[PoseSequence, str, Any] | tuple[PoseSequence, str, Any, str]],
    out_path: str | Path,
    title: str = "Reference vs attempt",
    frame: int = 0,
    y_down: bool | None = None,
) -> Path:
    """Several single-frame poses overlaid on one set of axes, with a legend.

    Parameters
    ----------
    poses
        ``(sequence, label, color)`` triples, or ``(sequence, label, color, linestyle)``
        (a matplotlib line style, e.g. from :data:`posecoach.render.palette.LINE_STYLES`;
        default solid); the frame ``frame`` of each sequence is drawn (x and y of its
        positions). ``color`` is a matplotlib colour or an RGB 0-255 tuple.
    out_path
        PNG file to write.
    title
        Figure title.
    frame
        Frame index drawn from each sequence.
    y_down
        Whether y grows downward (image convention). Default: True unless the first pose
        is a ``"world"`` pose with ``metadata["y_up"]`` True (motion capture).

    Returns
    -------
    Path
        ``out_path``.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach.pose import PoseSequence
    >>> a = PoseSequence(np.random.default_rng(0).uniform(0, 100, (1, 17, 2)))
    >>> p = plot_skeletons([(a, "attempt", "green")], os.path.join(tempfile.mkdtemp(), "k.png"))
    >>> p.exists()
    True
    """
    if not poses:
        raise InputError("expected at least one pose to plot, got none")
    fig = _figure(5.0, 6.0)
    ax = fig.add_subplot()
    for item in poses:
        seq, label, color = item[0], item[1], item[2]
        style = str(item[3]) if len(item) > 3 else "-"
        if not isinstance(seq, PoseSequence):
            raise InputError(f"expected a PoseSequence for {label!r}, got {type(seq).__name__}")
        if not 0 <= frame < seq.n_frames:
            raise InputError(f"expected frame in [0, {seq.n_frames}) for {label!r}, got {frame}")
        pts = seq.positions[frame, :, :2]
        col = _mpl_color(color)
        for a, b in get(seq.skeleton).edges:
            seg = pts[[a, b]]
            if np.isfinite(seg).all():
                ax.plot(seg[:, 0], seg[:, 1], color=col, lw=2.2, ls=style, solid_capstyle="round")
        ok = np.isfinite(pts).all(axis=1)
        ax.scatter(pts[ok, 0], pts[ok, 1], s=14, color=col, label=str(label), zorder=3)
    ax.set_aspect("equal", adjustable="datalim")
    if y_down is None:
        first = poses[0][0]
        y_down = not (first.space == "world" and first.metadata.get("y_up") is True)
    if y_down:
        ax.invert_yaxis()
    ax.legend(loc="best", fontsize=9)
    ax.grid(alpha=0.25)
    ax.set_title(title, loc="left")
    return _save(fig, out_path)


def plot_confusion(
    confusion: np.ndarray, classes: Sequence[str], path: str | Path, title: str = ""
) -> Path:
    """Write a confusion matrix as a PNG (counts, rows = true class, columns = predicted).

    Example
    -------
    >>> import tempfile, os
    >>> out = plot_confusion(np.array([[3, 1], [0, 4]]), ["up", "down"],
    ...                      os.path.join(tempfile.mkdtemp(), "c.png"), title="accuracy 0.875")
    >>> out.stat().st_size > 0
    True
    """
    matrix = np.asarray(confusion)
    n = len(classes)
    if matrix.shape != (n, n):
        raise InputError(f"expected a {n}x{n} confusion matrix, got shape {matrix.shape}")
    fig = _figure(1.2 + 0.7 * n, 1.0 + 0.7 * n)
    ax = fig.add_subplot()
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(n), list(classes), rotation=45, ha="right")
    ax.set_yticks(range(n), list(classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = matrix.max() if matrix.size else 0
    for i in range(n):
        for j in range(n):
            v = int(matrix[i, j])
            ax.text(
                j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black"
            )
    if title:
        ax.set_title(title, fontsize=9)
    return _save(fig, path)


def plot_alignment(
    reference: PoseSequence,
    attempt: PoseSequence,
    aligned: PoseSequence,
    out: str | Path,
    frame: int = 0,
) -> Path:
    """Two panels: both skeletons as given (before) and after alignment; atomic PNG.

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach import PoseSequence
    >>> p = PoseSequence(np.random.default_rng(0).normal(size=(1, 17, 2)), skeleton="coco_17")
    >>> out = plot_alignment(p, p, p, Path(tempfile.mkdtemp()) / "o.png")
    >>> out.stat().st_size > 1000
    True
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 5))
    panels = (
        ("before", [(reference, "reference", _REFERENCE), (attempt, "attempt", _ATTEMPT)]),
        ("after", [(reference, "reference", _REFERENCE), (aligned, "attempt aligned", _ATTEMPT)]),
    )
    styles = (LINE_STYLES["reference"], LINE_STYLES["attempt"])
    for i, (title, poses) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        for (seq, label, color), ls in zip(poses, styles, strict=True):
            f = min(frame, seq.n_frames - 1)
            pos = seq.positions[f, :, :2]
            for a, b in seq.skeleton.edges:
                if np.isfinite(pos[[a, b]]).all():
                    ax.plot(pos[[a, b], 0], pos[[a, b], 1], color=color, lw=2, ls=ls)
            ax.scatter(pos[:, 0], pos[:, 1], s=8, color=color, label=label)
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="datalim")
        if reference.space != "world":
            ax.invert_yaxis()
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    target = Path(out)
    with atomic_path(target, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    return target
