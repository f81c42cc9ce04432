"""Helpers shared by the format modules: reading text/JSON/CSV with errors that name the
file, and turning validation errors into one :class:`FormatError` line.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.errors import PoseCoachError
from posecoach.io.registry import FormatError

__all__ = [
    "file_errors",
    "read_text",
    "load_json",
    "sniff_json",
    "read_csv_rows",
    "sniff_csv_header",
    "parse_float",
    "TIME_COLUMNS",
    "FRAME_COLUMNS",
    "timing_from_columns",
    "nan_to_none",
    "joint_cells",
]


@contextlib.contextmanager
def file_errors(path: Path, what: str) -> Iterator[None]:
    """Re-raise any parsing/validation error as one :class:`FormatError` naming ``path``.

    Example
    -------
    >>> from pathlib import Path
    >>> try:
    ...     with file_errors(Path("x.csv"), "wide CSV"):
    ...         raise ValueError("expected 2 columns, got 1")
    ... except FormatError as exc:
    ...     print(exc)
    x.csv: not a valid wide CSV file: expected 2 columns, got 1
    """
    try:
        yield
    except FormatError as exc:
        if str(path) in str(exc):
            raise
        raise FormatError(f"{path}: {exc}") from exc
    except (PoseCoachError, ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) else f"missing key {exc}"
        raise FormatError(f"{path}: not a valid {what} file: {message}") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def read_text(path: Path, what: str) -> str:
    """The whole file as UTF-8 text; an empty file raises naming ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: expected a UTF-8 text {what} file, got binary data") from exc
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not text.strip():
        raise FormatError(f"{path}: expected a {what} file, got an empty file")
    return text


def _reject_constant(name: str) -> float:
    raise ValueError(f"expected finite numbers, got {name}")


def load_json(path: Path, what: str) -> Any:
    """Parse a JSON file, rejecting ``NaN``/``Infinity`` tokens (not JSON; garbage here).

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.json")
    >>> _ = open(p, "w").write('{"x": NaN}')
    >>> try:
    ...     load_json(Path(p), "COCO")
    ... except FormatError as exc:
    ...     print(str(exc).split(": ", 1)[1])
    not a valid COCO file: expected finite numbers, got NaN
    """
    text = read_text(path, what)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"{path}: expected a {what} JSON file, got invalid JSON ({exc.msg} at line "
            f"{exc.lineno})"
        ) from exc
    except ValueError as exc:
        raise FormatError(f"{path}: not a valid {what} file: {exc}") from exc


@lru_cache(maxsize=8)
def _cached_json(path: str, mtime_ns: int, size: int) -> Any:
    with open(path, encoding="utf-8-sig") as fh:
        return json.load(fh)


def sniff_json(path: Path, max_bytes: int = 200_000_000) -> Any:
    """Parsed JSON content for format sniffing (cached per file version), or ``None``."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() != ".json":
        return None
    st = p.stat()
    if st.st_size == 0 or st.st_size > max_bytes:
        return None
    try:
        return _cached_json(str(p), st.st_mtime_ns, st.st_size)
    except (ValueError, OSError, UnicodeDecodeError):
        return None


def read_csv_rows(path: Path, what: str) -> list[list[str]]:
    """All rows of a comma-separated file (blank lines dropped); empty file raises."""
    text = read_text(path, what)
    rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise FormatError(f"{path}: expected a {what} file, got an empty file")
    return rows


def sniff_csv_header(path: Path) -> list[str] | None:
    """The first row of a ``.csv`` file, stripped, or ``None`` if it is not one."""
    p = Path(path)
    if not p.is_file() or p.suffix.lower() != ".csv":
        return None
    with open(p, encoding="utf-8-sig", newline="") as fh:
        line = fh.readline(1_000_000)
    if not line.strip():
        return None
    return [c.strip() for c in next(csv.reader([line]))]


def parse_float(cell: str, *, row: int, column: str) -> float:
    """A CSV cell as float: empty or ``nan`` means missing (NaN); ``inf`` is rejected.

    Example
    -------
    >>> parse_float("1.5", row=1, column="x"), parse_float("", row=1, column="x")
    (1.5, nan)
    """
    text = cell.strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"row {row}, column {column!r}: expected a number, got {text!r}") from None
    if math.isinf(value):
        raise ValueError(f"row {row}, column {column!r}: expected a finite number, got {text}")
    return value


#: Column names recognised as per-frame times; value scales them to seconds.
TIME_COLUMNS: dict[str, float] = {
    "time": 1.0,
    "time_s": 1.0,
    "timestamp": 1.0,
    "timestamp_s": 1.0,
    "time_ms": 1e-3,
    "timestamp_ms": 1e-3,
}
#: Column names recognised as frame indices.
FRAME_COLUMNS: tuple[str, ...] = ("frame", "frame_index", "frame_id", "frame_idx")


def timing_from_columns(
    frames: np.ndarray | None, times: np.ndarray | None, fps: float | None
) -> tuple[float, np.ndarray | None]:
    """``(fps, timestamps)`` from optional frame-index and time columns.

    Times win; else frame indices divided by ``fps``; the fps is inferred from the
    median time step when not given (default 30).

    Example
    -------
    >>> timing_from_columns(np.array([0, 2, 4]), None, 10.0)
    (10.0, array([0. , 0.2, 0.4]))
    """
    if times is not None:
        if fps is None:
            steps = np.diff(times)
            steps = steps[steps > 0]
            fps = round(float(1.0 / np.median(steps)), 6) if steps.size else 30.0
        return float(fps), times
    fps = 30.0 if fps is None else float(fps)
    if frames is not None:
        return fps, frames / fps
    return fps, None


def nan_to_none(values: np.ndarray, ndigits: int | None = None) -> list[Any]:
    """A float array as nested lists with NaN as ``None`` (for JSON).

    Example
    -------
    >>> nan_to_none(np.array([1.0, np.nan]))
    [1.0, None]
    """
    arr = np.asarray(values, dtype=float)
    out = arr.astype(object)
    out[np.isnan(arr)] = None
    if ndigits is not None:
        flat = out.reshape(-1)
        for i, v in enumerate(flat):
            if v is not None:
                flat[i] = round(float(v), ndigits)
    return out.tolist()


def joint_cells(positions: np.ndarray, confidence: np.ndarray) -> list[list[str]]:
    """Per frame, the CSV cells ``x, y, [z,] confidence`` of every joint (exact ``repr``
    of each float; NaN as an empty cell).

    Example
    -------
    >>> joint_cells(np.array([[[1.5, np.nan]]]), np.array([[0.0]]))
    [['1.5', '', '0.0']]
    """
    pos, conf = positions.tolist(), confidence.tolist()
    out = []
    for frame_pos, frame_conf in zip(pos, conf, strict=True):
        cells: list[str] = []
        for xyz, c in zip(frame_pos, frame_conf, strict=True):
            cells += ["" if v != v else repr(v) for v in xyz]  # v != v: NaN
            cells.append(repr(c))
        out.append(cells)
    return out
