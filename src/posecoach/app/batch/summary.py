"""The batch summary: one row per input, written as ``summary.csv`` and ``summary.json``.

Example
-------
>>> row = Row("a.mp4", "a", "ok", frames=100, subject_share=0.98, score=87.5, seconds=3.2)
>>> csv_text([row]).splitlines()[1]
'a.mp4,a,ok,,100,0.98,87.5,,,3.2,'
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["COLUMNS", "Row", "csv_text", "json_text", "write_summary"]


@dataclass
class Row:
    """One input's line: ``status`` is ``ok``, ``failed`` or ``skipped`` (done before)."""

    input: str
    output: str
    status: str
    reason: str = ""
    frames: int | None = None
    subject_share: float | None = None
    score: float | None = None
    reps: int | None = None
    label: str | None = None
    seconds: float | None = None
    worker: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Row:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


COLUMNS = [f.name for f in fields(Row)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def csv_text(rows: Sequence[Row]) -> str:
    """The rows as CSV with a header (empty cells for what does not apply)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        data = row.to_dict()
        writer.writerow([_cell(data[c]) for c in COLUMNS])
    return buffer.getvalue()


def json_text(rows: Sequence[Row], info: dict[str, Any]) -> str:
    """The rows with counts and ``info`` (engine, options) as JSON."""
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "failed", "skipped")}
    data = {**info, "counts": counts, "inputs": [r.to_dict() for r in rows]}
    return json.dumps(data, indent=1, allow_nan=False)


def write_summary(staging: Path, rows: Sequence[Row], info: dict[str, Any]) -> None:
    """Write both files into a staging folder (committed by the caller)."""
    from posecoach.atomic import atomic_path

    for name, text in (("summary.csv", csv_text(rows)), ("summary.json", json_text(rows, info))):
        with atomic_path(staging / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
