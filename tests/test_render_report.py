"""report.html: self-contained, escaped, with score, cues, embedded plots and optional parts."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import InputError
from posecoach.render.plots import plot_score_over_time
from posecoach.render.report import format_time, report_body, write_report
from posecoach.video import VideoWriter


def _video(path: Path) -> Path:
    with VideoWriter(path, fps=10, size=(32, 24)) as w:
        for _ in range(3):
            w.write(np.zeros((24, 32, 3), np.uint8))
    return path


def _result(outdir: Path) -> dict:
    plot = plot_score_over_time([0, 1, 2], [90, 60, 80], outdir / "score.png")
    _video(outdir / "overlay.mp4")
    _video(outdir / "side by side.mp4")
    return {
        "schema_version": 1,
        "score": 73.4,
        "reps": [
            {"index": 0, "start_s": 0.0, "end_s": 1.0, "score": 81.0},
            {"index": 1, "start_s": 1.0, "end_s": 2.0, "score": 42.0},
        ],
        "cues": [
            {
                "start_s": 4.25,
                "end_s": 6.0,
                "joint": "left_knee",
                "text": "left knee bends 25° less than the reference",
                "severity": "high",
            },
            {
                "start_s": 65.0,
                "end_s": 70.0,
                "joint": "trunk",
                "text": "<script>alert('x')</script> & lean less",
                "severity": 0.3,
            },
        ],
        "joints": [
            {"name": "left_knee", "mean_error": 0.3, "max_error": 0.6, "mean_angle_diff_deg": 25},
            {"name": "<b>hip</b>", "mean_error": 0.05, "max_error": 0.1, "mean_angle_diff_deg": 2},
        ],
        "files": {
            "overlay": "overlay.mp4",
            "side_by_side": str(outdir / "side by side.mp4"),
            "plots": {"score": str(plot), "missing": "nope.png"},
        },
        "provenance": {"posecoach": "0.1.0", "aligner": "similarity", "note": "</pre><i>x"},
    }


def test_report_contains_everything_and_is_self_contained(tmp_path: Path) -> None:
    result = _result(tmp_path)
    out = write_report(result, tmp_path)
    assert out == tmp_path / "report.html"
    page = out.read_text(encoding="utf-8")
    assert 'id="pc-score"' in page and ">73</div>" in page
    assert "pc-mid" in page.split('id="pc-score"')[0][-60:]  # amber for 73
    # every cue with its timestamp, clickable to seek the overlay
    assert "0:04.2–0:06.0" in page and 'data-start="4.250"' in page
    assert "1:05.0–1:10.0" in page and 'data-start="65.000"' in page
    assert "left knee bends 25° less than the reference" in page
    # escaped user text, no injected markup
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; lean less" in page
    assert "<b>hip</b>" not in page and "&lt;b&gt;hip&lt;/b&gt;" in page
    assert "</pre><i>" not in page
    assert page.count("<script>") == 1  # only the report's own script
    # embedded plot is the real PNG
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert m is not None
    assert base64.b64decode(m.group(1)) == (tmp_path / "score.png").read_bytes()
    # videos by relative, URL-quoted name; nothing from the network
    assert 'src="overlay.mp4"' in page and 'src="side%20by%20side.mp4"' in page
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    # tables
    assert page.count("<tr>") == 1 + 2 + 1 + 2  # reps header + 2 rows, joints header + 2
    assert ">81<" in page and ">42<" in page
    assert list(tmp_path.glob(".report*")) == []


def test_report_without_optional_parts(tmp_path: Path) -> None:
    cues = [{"start_s": 1, "end_s": 2, "text": "ok"}]
    out = write_report({"score": 95.0, "cues": cues}, tmp_path)
    page = out.read_text()
    assert "<video" not in page
    assert "pc-reps" not in page and "pc-plots" not in page and "pc-joints" not in page
    assert "0:01.0–0:02.0" in page and 'class="pc-seek"' not in page  # no buttons
    assert "pc-good" in page
    empty = write_report({}, tmp_path / "sub").read_text()
    assert ">–</div>" in empty and "No corrections" in empty


def test_report_leaves_out_videos_not_yet_written(tmp_path: Path) -> None:
    page = report_body({"score": 10, "files": {"overlay": "overlay.mp4"}}, tmp_path)
    assert "<video" not in page and "pc-bad" in page


def test_report_media_url_for_the_web(tmp_path: Path) -> None:
    _video(tmp_path / "overlay.mp4")
    body = report_body(
        {"score": 50, "files": {"overlay": "overlay.mp4"}},
        tmp_path,
        media_url=lambda p: f"/media/abc/{p.name}",
    )
    assert 'src="/media/abc/overlay.mp4"' in body


def test_bad_result_type(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expected the result as a dict, got list"):
        write_report([], tmp_path)  # type: ignore[arg-type]
    assert not (tmp_path / "report.html").exists()


def test_format_time() -> None:
    assert format_time(0) == "0:00.0"
    assert format_time(59.96) == "1:00.0"
    assert format_time(-1.5) == "-0:01.5"
    assert format_time(float("nan")) == "–"


@pytest.mark.browser
@pytest.mark.slow
def test_clicking_a_cue_seeks_and_plays_the_overlay(tmp_path: Path, launch) -> None:
    with VideoWriter(tmp_path / "overlay.mp4", fps=10, size=(64, 48)) as w:
        for i in range(40):
            w.write(np.full((48, 64, 3), 5 * i, np.uint8))
    cues = [{"start_s": 2.5, "end_s": 3.0, "text": "bend more"}]
    page_path = write_report(
        {"score": 60, "cues": cues, "files": {"overlay": "overlay.mp4"}}, tmp_path
    )
    browser = launch()
    try:
        page = browser.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_function("document.getElementById('pc-overlay').readyState >= 1")
        assert page.evaluate("document.getElementById('pc-overlay').currentTime") == 0
        page.click("button.pc-seek")
        page.wait_for_function("document.getElementById('pc-overlay').currentTime >= 2.5")
        t, error = page.evaluate(
            "[document.getElementById('pc-overlay').currentTime,"
            " document.getElementById('pc-overlay').error]"
        )
    finally:
        browser.close()
    assert 2.5 <= t < 4.0 and error is None  # seeked to the cue, H.264 decodes in the browser
