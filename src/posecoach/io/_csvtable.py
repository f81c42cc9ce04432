"""Parsing of "one row per frame" CSV tables with per-joint coordinate columns.

Shared by :mod:`posecoach.io.wide_csv` and :mod:`posecoach.io.mediapipe_landmarks`.
Columns are either named (``left_shoulder_x``, ``left_shoulder_y``, ``left_shoulder_z``,
``left_shoulder_confidence`` / ``_v`` / ``_visibility``) or positional (``x0``, ``y0``,
``z0``, ``visibility0`` / ``c0``), plus optional ``frame``, ``time``, ``label`` and
``group`` columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.io._common import FRAME_COLUMNS, TIME_COLUMNS, parse_float, read_csv_rows
from posecoach.io.registry import FormatError

__all__ = ["JointTable", "parse_header", "read_table", "TableData"]

#: Column-name suffix -> axis letter ("c" = confidence / visibility).
_SUFFIX_AXIS = {
    "x": "x",
    "y": "y",
    "z": "z",
    "confidence": "c",
    "conf": "c",
    "score": "c",
    "v": "v",
    "vis": "v",
    "visibility": "v",
}
_NAMED_RE = re.compile(
    r"^(?P<joint>.+?)_(?P<axis>x|y|z|confidence|conf|score|visibility|vis|v)$", re.IGNORECASE
)
_POS_RE = re.compile(r"^(?P<axis>x|y|z|confidence|conf|score|visibility|vis|v|c)_?(?P<index>\d+)$")
LABEL_COLUMNS = ("label", "class")
GROUP_COLUMNS = ("group",)


@dataclass
class JointTable:
    """What a header says: joint columns by joint, plus the special columns."""

    joints: list[str] = field(default_factory=list)
    positional: bool = False
    columns: dict[str, dict[str, int]] = field(default_factory=dict)
    frame_col: int | None = None
    time_col: tuple[int, float] | None = None
    label_col: int | None = None
    group_col: int | None = None
    other: list[str] = field(default_factory=list)
    #: Header index of each name in ``other``.
    other_columns: list[int] = field(default_factory=list)
    #: The joint columns were bare numbers ``0 .. n-1`` (MediaPipe's 33 landmarks).
    bare_numbers: bool = False

    @property
    def axes(self) -> set[str]:
        """All axis letters present (``x y z c v``)."""
        return {a for cols in self.columns.values() for a in cols}

    @property
    def has_xy(self) -> bool:
        """Whether at least one joint has both x and y columns."""
        return any({"x", "y"} <= set(c) for c in self.columns.values())


def parse_header(header: list[str]) -> JointTable:
    """Classify the columns of a header row.

    Example
    -------
    >>> t = parse_header(["frame", "nose_x", "nose_y", "nose_v", "label"])
    >>> t.joints, t.columns["nose"], t.frame_col, t.label_col
    (['nose'], {'x': 1, 'y': 2, 'v': 3}, 0, 4)
    """
    table = JointTable()
    named = positional = 0
    for i, raw in enumerate(header):
        col = raw.strip()
        low = col.lower()
        if low in FRAME_COLUMNS and table.frame_col is None:
            table.frame_col = i
            continue
        if low in TIME_COLUMNS and table.time_col is None:
            table.time_col = (i, TIME_COLUMNS[low])
            continue
        if low in LABEL_COLUMNS and table.label_col is None:
            table.label_col = i
            continue
        if low in GROUP_COLUMNS and table.group_col is None:
            table.group_col = i
            continue
        m = _POS_RE.match(low)
        if m:
            joint, axis = m.group("index"), m.group("axis")
            axis = "c" if axis == "c" else _SUFFIX_AXIS[axis]
            positional += 1
        else:
            m = _NAMED_RE.match(col)
            if not m:
                table.other.append(col)
                table.other_columns.append(i)
                continue
            joint, axis = m.group("joint").lower(), _SUFFIX_AXIS[m.group("axis").lower()]
            named += 1
        if joint not in table.columns:
            table.columns[joint] = {}
            table.joints.append(joint)
        table.columns[joint][axis] = i
    if not named and not positional:
        positional = _bare_numbers(table)
    table.positional = positional > 0 and named == 0
    if positional and named:
        table.other.extend(j for j in table.joints if j.isdigit())
        for j in [j for j in table.joints if j.isdigit()]:
            table.joints.remove(j)
            del table.columns[j]
    return table


#: Bare numbered headers ``0 .. n-1`` of MediaPipe's 33 landmarks: columns per landmark.
_BARE_LAYOUTS = {4 * 33: ("x", "y", "z", "v"), 3 * 33: ("x", "y", "z")}


def _bare_numbers(table: JointTable) -> int:
    """Columns named ``0, 1, ..., 131`` (33 x (x, y, z, visibility)) or ``0 .. 98`` (33 x
    (x, y, z)), as exported by many MediaPipe notebooks: taken as positional landmark
    columns in that order. Returns how many columns it took (0 when the header is not so).

    Example
    -------
    >>> t = JointTable(other=["id"] + [str(i) for i in range(132)], other_columns=list(range(133)))
    >>> _bare_numbers(t), t.columns["0"], t.columns["32"]["v"], t.other
    (132, {'x': 1, 'y': 2, 'z': 3, 'v': 4}, 132, ['id'])
    """
    digits = [c for c in table.other if c.isdigit()]
    layout = _BARE_LAYOUTS.get(len(digits))
    if layout is None or sorted(int(c) for c in digits) != list(range(len(digits))):
        return 0
    where = dict(zip(table.other, table.other_columns, strict=True))
    for c in sorted(digits, key=int):
        k, axis = divmod(int(c), len(layout))
        joint = str(k)
        if joint not in table.columns:
            table.columns[joint] = {}
            table.joints.append(joint)
        table.columns[joint][layout[axis]] = where[c]
    kept = [
        (c, i) for c, i in zip(table.other, table.other_columns, strict=True) if not c.isdigit()
    ]
    table.other, table.other_columns = [c for c, _ in kept], [i for _, i in kept]
    table.bare_numbers = True
    return len(digits)


@dataclass
class TableData:
    """Parsed numbers and strings of a joint table."""

    table: JointTable
    values: np.ndarray  # (T, n_columns) float, NaN where missing / not numeric columns
    labels: list[str] | None
    groups: list[str] | None
    frames: np.ndarray | None
    times: np.ndarray | None

    def metadata(self, source: Path, format_name: str) -> dict[str, Any]:
        """Sequence metadata: source, format, and the per-frame label/group/frame columns."""
        meta: dict[str, Any] = {"source": str(source), "format": format_name}
        if self.labels is not None:
            meta["labels"] = self.labels
        if self.groups is not None:
            meta["groups"] = self.groups
        if self.frames is not None:
            meta["frame_indices"] = [int(f) for f in self.frames]
        return meta


def _column(cells: Sequence[str], name: str, first_row: int) -> np.ndarray:
    try:  # fast path; empty cells are missing values
        arr = np.asarray([c if c.strip() else "nan" for c in cells], dtype=float)
    except ValueError:
        arr = np.array(
            [parse_float(c, row=first_row + n, column=name) for n, c in enumerate(cells)]
        )
    if np.isinf(arr).any():
        n = int(np.argmax(np.isinf(arr)))
        raise ValueError(f"row {first_row + n}, column {name!r}: expected a finite number, got inf")
    return arr


def read_table(path: Path, what: str) -> TableData:
    """Read a CSV with a header row into a :class:`TableData` (numbers parsed per column)."""
    rows = read_csv_rows(path, what)
    header, body = rows[0], rows[1:]
    table = parse_header(header)
    if not table.has_xy:
        raise FormatError(
            f"{path}: expected <joint>_x and <joint>_y (or x0, y0) columns, got {header[:8]}"
        )
    if not body:
        raise FormatError(f"{path}: expected at least one frame, got 0 rows after the header")
    for n, r in enumerate(body):
        if len(r) > len(header):
            raise FormatError(f"{path}: row {n + 2}: expected {len(header)} columns, got {len(r)}")
    by_column = list(zip_longest(*body, fillvalue=""))
    by_column += [("",) * len(body)] * (len(header) - len(by_column))
    values = np.full((len(body), len(header)), np.nan)
    for cols in table.columns.values():
        for i in cols.values():
            try:
                values[:, i] = _column(by_column[i], header[i], 2)
            except ValueError as exc:
                raise FormatError(f"{path}: {exc}") from None

    def strings(i: int | None) -> list[str] | None:
        return None if i is None else [c.strip() for c in by_column[i]]

    def numbers(i: int | None) -> np.ndarray | None:
        if i is None:
            return None
        try:
            arr = _column(by_column[i], header[i], 2)
        except ValueError as exc:
            raise FormatError(f"{path}: {exc}") from None
        if np.isnan(arr).any():
            n = int(np.argmax(np.isnan(arr)))
            raise FormatError(f"{path}: row {n + 2}, column {header[i]!r}: expected a number")
        return arr

    times = numbers(table.time_col[0] if table.time_col else None)
    if times is not None and table.time_col is not None:
        times = times * table.time_col[1]
    return TableData(
        table=table,
        values=values,
        labels=strings(table.label_col),
        groups=strings(table.group_col),
        frames=numbers(table.frame_col),
        times=times,
    )
