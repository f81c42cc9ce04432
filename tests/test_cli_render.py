"""``posecoach render OUTDIR`` through the typer runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from posecoach.cli.app import app


def test_render_rebuilds_report(tmp_path: Path) -> None:
    result = {"score": 64.0, "cues": [{"start_s": 1.0, "end_s": 2.0, "text": "bend <more>"}]}
    (tmp_path / "result.json").write_text(json.dumps(result))
    run = CliRunner().invoke(app, ["render", str(tmp_path)])
    assert run.exit_code == 0, run.output
    page = (tmp_path / "report.html").read_text()
    assert ">64<" in page and "bend &lt;more&gt;" in page
    assert str(tmp_path / "report.html") in run.output


def test_render_without_result_json_is_one_clear_error(tmp_path: Path) -> None:
    run = CliRunner().invoke(app, ["render", str(tmp_path)])
    assert run.exit_code == 1
    assert "expected the result.json of a compare output folder" in run.output
    assert not (tmp_path / "report.html").exists()
    (tmp_path / "result.json").write_text("[1, 2]")
    run = CliRunner().invoke(app, ["render", str(tmp_path)])
    assert run.exit_code == 1 and "expected a JSON object, got list" in run.output
