"""The HTML report of a comparison: one self-contained page that opens from disk.

:func:`write_report` turns a ``result.json`` dictionary into ``report.html``: the overall
score (colour-coded), a per-repetition table, the cues with clickable timestamps that seek
the overlay video, the plots embedded as ``data:`` URIs, the side-by-side video, a per-joint
table and the provenance. Videos are referenced by relative file name; nothing is loaded
from the network. Every string taken from the result is HTML-escaped (cue texts and names
may come from users).

The web app shows the same content: :func:`report_body` returns the page body, and
:data:`REPORT_CSS` / :data:`REPORT_JS` its style and script; ``media_url`` maps a video file
name to the URL the browser should load.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from posecoach.atomic import atomic_path
from posecoach.errors import InputError
from posecoach.render.palette import BAND_HEX, DEFAULT_ERROR_BANDS, NO_DATA_HEX

__all__ = [
    "REPORT_CSS",
    "REPORT_JS",
    "format_time",
    "report_body",
    "report_html",
    "rebuild_report",
    "write_report",
]

_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
_PLOT_TITLES = {
    "score": "Score over time",
    "score_over_time": "Score over time",
    "heatmap": "Joint error heat map",
    "error_heatmap": "Joint error heat map",
    "angles": "Joint angles of the worst joints",
    "angle_curves": "Joint angles of the worst joints",
    "skeletons": "Reference vs attempt",
}

REPORT_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
background:#f4f5f7;color:#1d2330}
main{max-width:1100px;margin:0 auto;padding:24px}
header.pc-head{display:flex;align-items:center;gap:24px;flex-wrap:wrap}
.pc-score{font-size:64px;font-weight:700;border-radius:16px;padding:8px 24px;color:#fff}
.pc-good{background:@GOOD}.pc-mid{background:@MID}.pc-bad{background:@BAD}
.pc-none{background:@NONE}
.pc-cell-good{color:@GOOD;font-weight:600}.pc-cell-mid{color:@MID;font-weight:600}
.pc-cell-bad{color:@BAD;font-weight:600}
section{background:#fff;border-radius:12px;padding:16px 20px;margin:16px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{margin:0 0 4px 0;font-size:26px}h2{margin:0 0 12px 0;font-size:19px}
.pc-sub{color:#5b6270}
.pc-videos{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.pc-videos>div{flex:1 1 320px}
.pc-videos video,#pc-videos video{max-height:640px;max-width:100%;background:#000;border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #e5e7eb}
th{background:#f0f1f4}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
ol.pc-cues{padding-left:22px}ol.pc-cues li{margin:6px 0}
button.pc-seek{font:inherit;font-variant-numeric:tabular-nums;border:1px solid #9aa4b5;
background:#eef2fa;border-radius:6px;padding:1px 8px;cursor:pointer;margin-right:8px}
button.pc-seek:hover{background:#dce5f7}
span.pc-time{font-variant-numeric:tabular-nums;margin-right:8px;color:#5b6270}
.pc-sev{font-size:12px;border-radius:8px;padding:1px 7px;margin-right:6px;color:#fff;
background:#8a8f98}
.pc-sev-high{background:@BAD}.pc-sev-medium{background:@MID}.pc-sev-low{background:@GOOD}
figure{margin:0 0 16px 0}figure img{max-width:100%;border:1px solid #e5e7eb;border-radius:6px}
figcaption{color:#5b6270;font-size:14px;margin-bottom:4px}
footer{color:#5b6270;font-size:13px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;padding:10px;border-radius:6px}
"""
# the colours of scores and severities are the one palette's error bands
for _mark, _hex in zip(("@GOOD", "@MID", "@BAD", "@NONE"), (*BAND_HEX, NO_DATA_HEX), strict=True):
    REPORT_CSS = REPORT_CSS.replace(_mark, _hex)

REPORT_JS = """
document.addEventListener('click', function (ev) {
  var b = ev.target.closest ? ev.target.closest('button.pc-seek') : null;
  if (!b) return;
  var v = document.getElementById(b.getAttribute('data-video') || 'pc-overlay');
  if (!v) return;
  var t = parseFloat(b.getAttribute('data-start'));
  if (!isFinite(t)) return;
  v.currentTime = t;
  var p = v.play(); if (p && p.catch) p.catch(function () {});
  v.scrollIntoView({behavior: 'smooth', block: 'center'});
});
"""


def format_time(seconds: Any) -> str:
    """``m:ss.s`` for a time in seconds; ``–`` when missing.

    Example
    -------
    >>> format_time(4.25), format_time(75), format_time(None)
    ('0:04.2', '1:15.0', '–')
    """
    value = _num(seconds)
    if value is None:
        return "–"
    sign = "-" if value < 0 else ""
    value = round(abs(value), 1)
    minutes = int(value // 60)
    return f"{sign}{minutes}:{value - 60 * minutes:04.1f}"


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _fmt(value: Any, digits: int = 1) -> str:
    v = _num(value)
    return "–" if v is None else f"{v:.{digits}f}"


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _score_class(score: Any, prefix: str = "pc-") -> str:
    v = _num(score)
    if v is None:
        return f"{prefix}none"
    return f"{prefix}good" if v >= 75 else f"{prefix}mid" if v >= 50 else f"{prefix}bad"


def _error_class(error: Any, thresholds: tuple[float, float]) -> str:
    v = _num(error)
    if v is None:
        return ""
    return (
        "pc-cell-good"
        if v < thresholds[0]
        else "pc-cell-mid"
        if v < thresholds[1]
        else ("pc-cell-bad")
    )


def _resolve(value: Any, outdir: Path) -> Path | None:
    """A file named in the result: absolute, or relative to ``outdir``; None if absent."""
    if not value or not isinstance(value, (str, os.PathLike)):
        return None
    p = Path(value)
    candidate = p if p.is_absolute() else outdir / p
    return candidate if candidate.is_file() else None


def _relative_url(path: Path, outdir: Path) -> str:
    try:
        rel = os.path.relpath(path, outdir)
    except ValueError:  # another drive on Windows
        rel = path.name
    return quote(Path(rel).as_posix())


def _data_uri(path: Path) -> str | None:
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        return None
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _video(element_id: str, url: str, label: str) -> str:
    return (
        f"<figure><figcaption>{_esc(label)}</figcaption>"
        f'<video id="{element_id}" src="{_esc(url)}" controls muted playsinline preload="metadata">'
        f"Your browser cannot play this video; open {_esc(url)} directly.</video></figure>"
    )


def _header(result: Mapping[str, Any]) -> str:
    score = result.get("score")
    v = _num(score)
    score_text = "–" if v is None else f"{v:.0f}"
    names = []
    for key in ("reference", "attempt"):
        val = result.get(key)
        if isinstance(val, Mapping):
            val = val.get("name") or val.get("source") or val.get("path")
        if val:
            shown = "/".join(Path(str(val)).parts[-2:])
            names.append(f"{key}: <strong>{_esc(shown)}</strong>")
    sub = " · ".join(names) or "reference vs attempt"
    n_reps = len(result.get("reps") or [])
    n_cues = len(result.get("cues") or [])
    extra = f"{n_reps} repetition{'s' * (n_reps != 1)} · " if n_reps else ""
    return (
        '<header class="pc-head">'
        f'<div class="pc-score {_score_class(score)}" id="pc-score" title="overall score 0-100">'
        f"{score_text}</div>"
        f'<div><h1>posecoach report</h1><div class="pc-sub">{sub}</div>'
        f'<div class="pc-sub">{extra}{n_cues} cue{"s" * (n_cues != 1)}'
        " · score 0-100 (100 = matches the reference)</div></div></header>"
    )


def _form(result: Mapping[str, Any]) -> str:
    """What the score was measured against, which side, and what was not scored."""
    form = result.get("form")
    coverage = result.get("coverage")
    lines = []
    if isinstance(form, Mapping) and form:
        n = form.get("n_references")
        against = (
            f"{int(n)} correct executions (what varies between them is forgiven)"
            if isinstance(n, int | float) and n > 1
            else "one reference (allowing the camera noise measured on real video)"
        )
        lines.append(f"Measured against {against}, in {'3D' if form.get('in_3d') else '2D'}.")
        if form.get("mirrored"):
            lines.append(
                "You used the other side than the reference: left and right in the cues are "
                "your own."
            )
        worst = [q for q in form.get("quantities") or [] if (_num(q.get("excess")) or 0) > 0]
        if worst:
            q = worst[0]
            lines.append(
                f"Furthest from correct: {_esc(str(q.get('name', '')).replace('_', ' '))} "
                f"(differs {float(q.get('mean_abs_diff_deg') or 0):.0f}° on average, "
                f"{float(q.get('allowed_deg') or 0):.0f}° allowed)."
            )
    lines += _subject_lines(result)
    if isinstance(coverage, Mapping) and coverage.get("not_scored"):
        rows = "".join(
            f"<li>{format_time(g.get('start_s', 0))}–"
            f"{format_time(g.get('end_s', 0))}: {_esc(str(g.get('reason', '')))}"
            "</li>"
            for g in coverage["not_scored"]
            if isinstance(g, Mapping)
        )
        share = _num(coverage.get("scored_share"))
        missing = f"{100 * (1 - share):.0f}% of the attempt" if share is not None else "Parts"
        lines.append(f"{missing} could not be scored (grey in the plots):<ul>{rows}</ul>")
    if not lines:
        return ""
    body = "".join(f"<p>{line}</p>" for line in lines)
    return f'<section id="pc-form"><h2>How this was scored</h2>{body}</section>'


def _subject_lines(result: Mapping[str, Any]) -> list[str]:
    """Who was followed in each video (the attempt always, the reference when there was
    more than one person or frames were dropped).

    Example
    -------
    >>> _subject_lines({"attempt": {"subject": {"line": "the only person (longest)",
    ...                 "people_found": 1, "dropped": {}}}})
    ['Followed in the attempt: the only person (longest).']
    """
    lines = []
    for side in ("attempt", "reference"):
        info = result.get(side)
        who = info.get("subject") if isinstance(info, Mapping) else None
        if not isinstance(who, Mapping) or not who.get("line"):
            continue
        crowded = (_num(who.get("people_found")) or 0) > 1 or bool(who.get("dropped"))
        if side == "attempt" or crowded:
            lines.append(f"Followed in the {side}: {_esc(who['line'])}.")
    return lines


def _cues(cues: Sequence[Mapping[str, Any]], has_overlay: bool) -> str:
    if not cues:
        return '<div id="pc-cues"><h2>Cues</h2><p>No corrections: well done.</p></div>'
    items = []
    for cue in cues:
        start, end = cue.get("start_s"), cue.get("end_s")
        span = f"{format_time(start)}–{format_time(end)}"
        start_v = _num(start)
        if has_overlay and start_v is not None:
            stamp = (
                f'<button type="button" class="pc-seek" data-start="{start_v:.3f}" '
                f'title="play the overlay from here">{_esc(span)}</button>'
            )
        else:
            stamp = f'<span class="pc-time">{_esc(span)}</span>'
        sev = cue.get("severity")
        sev_html = ""
        if sev is not None and str(sev):
            sev_cls = str(sev).lower() if str(sev).lower() in ("high", "medium", "low") else ""
            if not sev_cls and _num(sev) is not None:
                s = float(sev)
                sev_cls = "high" if s >= 0.66 else "medium" if s >= 0.33 else "low"
            sev_text = str(sev) if _num(sev) is None else f"{float(sev):.2f}"
            sev_html = f'<span class="pc-sev pc-sev-{sev_cls}">{_esc(sev_text)}</span>'
        joint = cue.get("joint")
        joint_html = (
            f' <span class="pc-sub">({_esc(str(joint).replace("_", " "))})</span>'
            if (joint)
            else ""
        )
        conf = _num(cue.get("confidence"))
        conf_html = (
            f' <span class="pc-sub" title="how sure this is more than camera noise">'
            f"{100 * conf:.0f}% sure</span>"
            if conf is not None
            else ""
        )
        items.append(
            f"<li>{stamp}{sev_html}{_esc(cue.get('text', ''))}{joint_html}{conf_html}</li>"
        )
    hint = " Click a time to play the overlay from there." if has_overlay else ""
    return (
        f'<div id="pc-cues"><h2>Cues</h2><p class="pc-sub">Most important first.{hint}</p>'
        f'<ol class="pc-cues">{"".join(items)}</ol></div>'
    )


def _reps(reps: Sequence[Mapping[str, Any]], has_overlay: bool) -> str:
    if not reps:
        return ""
    rows = []
    for i, rep in enumerate(reps):
        idx = rep.get("index", i)
        idx_v = _num(idx)
        label = str(int(idx_v) + 1) if idx_v is not None else _esc(idx)
        start = _num(rep.get("start_s"))
        span = f"{format_time(rep.get('start_s'))}–{format_time(rep.get('end_s'))}"
        cell = (
            f'<button type="button" class="pc-seek" data-start="{start:.3f}">{_esc(span)}</button>'
            if has_overlay and start is not None
            else _esc(span)
        )
        score = rep.get("score")
        rows.append(
            f"<tr><td>{label}</td><td>{cell}</td>"
            f'<td class="num {_score_class(score, "pc-cell-")}">{_fmt(score, 0)}</td></tr>'
        )
    return (
        '<section id="pc-reps"><h2>Repetitions</h2><table><thead><tr><th>rep</th><th>time</th>'
        f'<th class="num">score</th></tr></thead><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _plots(plots: Any, outdir: Path) -> str:
    if not isinstance(plots, Mapping) or not plots:
        return ""
    figures = []
    for name, value in plots.items():
        path = _resolve(value, outdir)
        if path is None:
            continue
        uri = _data_uri(path)
        if uri is None:
            continue
        title = _PLOT_TITLES.get(str(name), str(name).replace("_", " ").capitalize())
        figures.append(
            f"<figure><figcaption>{_esc(title)}</figcaption>"
            f'<img src="{uri}" alt="{_esc(title)}"></figure>'
        )
    if not figures:
        return ""
    return f'<section id="pc-plots"><h2>Plots</h2>{"".join(figures)}</section>'


def _joints(joints: Sequence[Mapping[str, Any]], thresholds: tuple[float, float]) -> str:
    if not joints:
        return ""
    order = sorted(joints, key=lambda j: -(_num(j.get("mean_error")) or 0.0))
    rows = []
    for j in order:
        mean, peak = j.get("mean_error"), j.get("max_error")
        rows.append(
            f"<tr><td>{_esc(str(j.get('name', '')).replace('_', ' '))}</td>"
            f'<td class="num {_error_class(mean, thresholds)}">{_fmt(mean, 3)}</td>'
            f'<td class="num {_error_class(peak, thresholds)}">{_fmt(peak, 3)}</td>'
            f'<td class="num">{_fmt(j.get("mean_angle_diff_deg"), 1)}</td></tr>'
        )
    return (
        '<section id="pc-joints"><h2>Per joint</h2><p class="pc-sub">Position error in torso '
        f"lengths (green &lt; {thresholds[0]:g}, amber &lt; {thresholds[1]:g}, red above); "
        "angle difference in degrees. Worst first.</p>"
        '<table><thead><tr><th>joint</th><th class="num">mean error</th>'
        '<th class="num">max error</th><th class="num">mean angle diff (°)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _angles(angles: Sequence[Mapping[str, Any]]) -> str:
    if not angles:
        return ""
    rows = []
    for a in angles:
        if not isinstance(a, Mapping):
            continue
        rows.append(
            f"<tr><td>{_esc(str(a.get('name', '')).replace('_', ' '))}</td>"
            f'<td class="num">{_fmt(a.get("mean_abs_diff_deg"), 1)}</td>'
            f'<td class="num">{_fmt(a.get("max_abs_diff_deg"), 1)}</td></tr>'
        )
    return (
        '<section id="pc-angles"><h2>Joint angles</h2><p class="pc-sub">Difference from the '
        "reference in degrees.</p><table><thead><tr><th>angle</th>"
        '<th class="num">mean |diff| (°)</th><th class="num">max |diff| (°)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _footer(result: Mapping[str, Any]) -> str:
    prov = result.get("provenance")
    bits = []
    if result.get("schema_version") is not None:
        bits.append(f"schema {_esc(result.get('schema_version'))}")
    if isinstance(prov, Mapping):
        versions = prov.get("versions")
        if isinstance(versions, Mapping) and versions.get("posecoach") is not None:
            bits.append(f"posecoach {_esc(versions.get('posecoach'))}")
        for key in ("posecoach", "aligner", "method", "created_utc", "created"):
            if prov.get(key) is not None and not isinstance(prov.get(key), (Mapping, list)):
                bits.append(f"{_esc(key)}: {_esc(prov.get(key))}")
    summary = " · ".join(bits) or "provenance"
    body = ""
    if prov is not None:
        text = json.dumps(prov, indent=2, sort_keys=True, default=str, allow_nan=True)
        body = f"<details><summary>Provenance</summary><pre>{_esc(text)}</pre></details>"
    return f'<footer id="pc-provenance"><p>{summary}</p>{body}</footer>'


def _error_bands(result: Mapping[str, Any]) -> tuple[float, float]:
    """The result's ``error_bands`` (``good_below``, ``bad_above``), else the default."""
    bands = result.get("error_bands")
    if isinstance(bands, Mapping):
        try:
            return (float(bands["good_below"]), float(bands["bad_above"]))
        except (KeyError, TypeError, ValueError):
            pass
    return DEFAULT_ERROR_BANDS


def report_body(
    result: Mapping[str, Any],
    outdir: str | Path,
    *,
    media_url: Callable[[Path], str] | None = None,
    thresholds: tuple[float, float] | None = None,
) -> str:
    """The report's ``<main>`` element (HTML string) for embedding in another page.

    Parameters
    ----------
    result
        The ``result.json`` dictionary (see :func:`write_report`).
    outdir
        Folder relative to which the files in ``result["files"]`` are found.
    media_url
        Maps an existing video file to the URL the page uses (default: its path relative
        to ``outdir``).
    thresholds
        Error bands for the per-joint table colours (torso lengths); default the
        result's ``error_bands``, else :data:`~posecoach.render.palette.DEFAULT_ERROR_BANDS`.

    Example
    -------
    >>> body = report_body({"score": 88, "cues": [{"start_s": 1, "end_s": 2,
    ...                     "text": "<b>knee</b>"}]}, ".")
    >>> "&lt;b&gt;knee&lt;/b&gt;" in body, "<b>" in body
    (True, False)
    """
    if not isinstance(result, Mapping):
        raise InputError(f"expected the result as a dict, got {type(result).__name__}")
    if thresholds is None:
        thresholds = _error_bands(result)
    out = Path(outdir)
    files = result.get("files") or {}
    if not isinstance(files, Mapping):
        files = {}

    def url(path: Path) -> str:
        return media_url(path) if media_url is not None else _relative_url(path, out)

    overlay = _resolve(files.get("overlay"), out)
    sbs = _resolve(files.get("side_by_side"), out)
    cues_html = _cues(list(result.get("cues") or []), overlay is not None)
    overlay_html = (
        _video("pc-overlay", url(overlay), "Overlay: you, with the reference as a blue ghost")
        if overlay is not None
        else ""
    )
    sbs_html = (
        '<section id="pc-videos"><h2>Side by side</h2>'
        + _video("pc-side-by-side", url(sbs), "Reference and attempt, synchronised by DTW")
        + "</section>"
        if sbs is not None
        else ""
    )
    reps = list(result.get("reps") or [])
    show_reps = len(reps) > 1 or result.get("mode") == "repetitions"
    parts = [
        _header(result),
        _form(result),
        f'<section class="pc-top"><div class="pc-videos">{overlay_html}{cues_html}</div></section>',
        _reps(reps, overlay is not None) if show_reps else "",
        sbs_html,
        _plots(files.get("plots"), out),
        _angles(list(result.get("angles") or [])),
        _joints(list(result.get("joints") or []), thresholds),
        _footer(result),
    ]
    return f'<main class="posecoach-report">{"".join(p for p in parts if p)}</main>'


def report_html(
    result: Mapping[str, Any],
    outdir: str | Path,
    *,
    media_url: Callable[[Path], str] | None = None,
    title: str = "posecoach report",
) -> str:
    """The complete self-contained report page as a string (see :func:`write_report`).

    Example
    -------
    >>> page = report_html({"score": 42.0}, ".")
    >>> page.startswith("<!DOCTYPE html>"), "42" in page, "http" in page
    (True, True, False)
    """
    body = report_body(result, outdir, media_url=media_url)
    score = _num(result.get("score"))
    full_title = title if score is None else f"{title}: {score:.0f}/100"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(full_title)}</title><style>{REPORT_CSS}</style></head>"
        f"<body>{body}<script>{REPORT_JS}</script></body></html>\n"
    )


def write_report(
    result: Mapping[str, Any], outdir: str | Path, into: str | Path | None = None
) -> Path:
    """Write ``outdir/report.html``, one self-contained page for a comparison result.

    Parameters
    ----------
    result
        The ``result.json`` dictionary: ``score``, optional ``reps`` (``index``,
        ``start_s``, ``end_s``, ``score``), ``cues`` (``start_s``, ``end_s``, ``joint``,
        ``text``, ``severity``), ``joints`` (``name``, ``mean_error``, ``max_error``,
        ``mean_angle_diff_deg``), ``files`` (``overlay``, ``side_by_side``, ``plots``:
        ``{name: path}``), ``provenance``, ``schema_version``. Paths are absolute or
        relative to ``outdir``; parts that are missing (or whose files do not exist yet)
        are left out, so write the report after the videos and plots.
    outdir
        Output folder (created if needed).
    into
        Folder to write ``report.html`` into when it is not ``outdir`` (a staging folder
        that is committed into ``outdir`` afterwards); links stay relative to ``outdir``.

    Returns
    -------
    Path
        The written ``report.html`` (atomically: complete or absent).

    Example
    -------
    >>> import tempfile
    >>> out = write_report({"score": 91.5, "cues": []}, tempfile.mkdtemp())
    >>> out.name, ">92<" in out.read_text()  # shown rounded
    ('report.html', True)
    """
    out = Path(outdir)
    page = report_html(result, out)
    target = Path(into if into is not None else out) / "report.html"
    with atomic_path(target, suffix=".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target


def rebuild_report(outdir: str | Path, into: str | Path | None = None) -> Path:
    """Rewrite ``outdir/report.html`` from the ``result.json`` of a compare output folder.

    ``into``: write the page there instead (see :func:`write_report`).

    Raises
    ------
    InputError
        ``outdir`` has no ``result.json`` or it is not a JSON object.

    Example
    -------
    >>> import json, pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "result.json").write_text(json.dumps({"score": 64}))
    >>> ">64<" in rebuild_report(d).read_text()
    True
    """
    out = Path(outdir)
    path = out / "result.json"
    if not path.is_file():
        raise InputError(f"{path}: expected the result.json of a compare output folder, got none")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: expected JSON, got unreadable data ({exc})") from None
    if not isinstance(result, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(result).__name__}")
    return write_report(result, out, into)
