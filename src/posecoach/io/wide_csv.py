"""Wide CSV: one row per frame, ``<joint>_x``, ``<joint>_y`` [, ``_z``] [, ``_confidence``]
columns named by canonical joint names, optional ``frame`` / ``time``, ``label`` and
``group`` columns.

The skeleton is inferred from the joint names: the registered skeleton with exactly
those names, else the smallest registered skeleton that has all of them (its other
joints are NaN with confidence 0). Names no registered skeleton knows are an error that
lists them and the known skeletons; pass ``skeleton=`` to choose yourself (required for
positional columns ``x0, y0, x1, y1, ...``).

Per-frame ``label`` and ``group`` columns are kept in ``metadata["labels"]`` and
``metadata["groups"]`` (lists of strings, one per frame) and written back from there;
:func:`read_wide_csv_table` returns them as arrays for dataset code. Missing values are
empty cells (``nan`` is also read as missing); ``inf`` is an error. Times are seconds; a
``frame`` column alone gives ``time = frame / fps``. Everything else a
:class:`~posecoach.PoseSequence` holds (world, image size, metadata) is not stored: use
the native ``.pose.npz`` for lossless files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.io._common import (
    file_errors,
    joint_cells,
    sniff_csv_header,
    timing_from_columns,
)
from posecoach.io._csvtable import JointTable, parse_header, read_table
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import Skeleton, available, get

__all__ = ["read_wide_csv", "read_wide_csv_table", "write_wide_csv", "infer_skeleton"]


def infer_skeleton(joints: list[str], path: Path | str = "") -> Skeleton:
    """The registered skeleton that the joint names belong to.

    Raises
    ------
    FormatError
        For names no registered skeleton has (listed, with the known skeletons), or
        when two skeletons fit equally well.

    Example
    -------
    >>> infer_skeleton(["nose", "left_eye", "right_eye"]).name
    'coco_17'
    """
    where = f"{path}: " if path else ""
    names = set(joints)
    skeletons = [get(n) for n in available()]
    exact = [s for s in skeletons if set(s.names) == names]
    if exact:
        return exact[0]
    supersets = sorted((s for s in skeletons if names <= set(s.names)), key=lambda s: s.n_joints)
    if supersets:
        if len(supersets) > 1 and supersets[0].n_joints == supersets[1].n_joints:
            tied = [s.name for s in supersets if s.n_joints == supersets[0].n_joints]
            raise FormatError(f"{where}joint names fit several skeletons {tied}; pass skeleton=")
        return supersets[0]
    known = set().union(*(s.names for s in skeletons))
    unknown = [j for j in joints if j not in known]
    if unknown:
        raise FormatError(
            f"{where}unknown joint names {unknown}; expected the joint names of one of the "
            f"known skeletons {available()} or pass skeleton="
        )
    best = max(skeletons, key=lambda s: len(names & set(s.names)))
    raise FormatError(
        f"{where}no known skeleton has all of these joints; closest {best.name!r} lacks "
        f"{sorted(names - set(best.names))}; pass skeleton="
    )


def _index_map(table: JointTable, sk: Skeleton, path: Path) -> dict[str, int]:
    if table.positional:
        out = {}
        for j in table.joints:
            if int(j) >= sk.n_joints:
                raise FormatError(
                    f"{path}: column index {j} out of range for skeleton {sk.name!r} "
                    f"({sk.n_joints} joints)"
                )
            out[j] = int(j)
        return out
    unknown = [j for j in table.joints if not sk.has(j)]
    if unknown:
        raise FormatError(
            f"{path}: unknown joint names {unknown} for skeleton {sk.name!r}; it has "
            f"{list(sk.names)}"
        )
    return {j: sk.index(j) for j in table.joints}


def read_wide_csv(
    path: str | Path,
    *,
    skeleton: str | Skeleton | None = None,
    fps: float | None = None,
    space: str = "pixel",
    image_size: tuple[int, int] | None = None,
) -> PoseSequence:
    """Read a wide CSV into a :class:`PoseSequence` (see the module doc for the columns).

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "w.csv")
    >>> _ = open(p, "w").write("time,left_hip_x,left_hip_y,right_hip_x,right_hip_y\\n"
    ...                        "0.0,1,2,3,4\\n0.5,5,6,,\\n")
    >>> seq = read_wide_csv(p)
    >>> seq.skeleton.name, seq.fps, seq.joint("right_hip")[1].tolist()
    ('mpii_16', 2.0, [nan, nan])
    """
    p = Path(path)
    data = read_table(p, "wide CSV")
    table = data.table
    if table.positional and skeleton is None:
        raise FormatError(f"{p}: positional columns (x0, y0, ...) need skeleton=")
    sk = get(skeleton) if skeleton is not None else infer_skeleton(table.joints, p)
    index = _index_map(table, sk, p)
    t = data.values.shape[0]
    d = 3 if "z" in table.axes else 2
    pos = np.full((t, sk.n_joints, d), np.nan)
    conf = np.zeros((t, sk.n_joints))
    for joint, cols in table.columns.items():
        j = index[joint]
        if "x" not in cols or "y" not in cols:
            raise FormatError(f"{p}: joint {joint!r} lacks its _x or _y column")
        for a, axis in enumerate("xyz"[:d]):
            if axis in cols:
                pos[:, j, a] = data.values[:, cols[axis]]
        c = cols.get("c", cols.get("v"))
        conf[:, j] = 1.0 if c is None else np.nan_to_num(data.values[:, c], nan=0.0)
    rate, timestamps = timing_from_columns(data.frames, data.times, fps)
    meta = data.metadata(p, "wide_csv")
    with file_errors(p, "wide CSV"):
        return PoseSequence(
            pos,
            conf,
            skeleton=sk,
            fps=rate,
            timestamps=timestamps,
            space=space,  # type: ignore[arg-type]
            image_size=image_size,
            metadata=meta,
        )


def read_wide_csv_table(
    path: str | Path, skeleton: str | Skeleton | None = None, **options: Any
) -> tuple[PoseSequence, np.ndarray | None, np.ndarray | None]:
    """Read a wide CSV for dataset use: ``(sequence, labels, groups)``.

    ``labels`` and ``groups`` are ``(T,)`` string arrays, or ``None`` when the file has
    no such column.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "w.csv")
    >>> _ = open(p, "w").write("label,group,nose_x,nose_y\\nup,a,1,2\\ndown,b,3,4\\n")
    >>> seq, labels, groups = read_wide_csv_table(p, skeleton="coco_17")
    >>> labels.tolist(), groups.tolist()
    (['up', 'down'], ['a', 'b'])
    """
    seq = read_wide_csv(path, skeleton=skeleton, **options)
    labels = seq.metadata.get("labels")
    groups = seq.metadata.get("groups")
    return (
        seq,
        None if labels is None else np.array(labels, dtype=str),
        None if groups is None else np.array(groups, dtype=str),
    )


def write_wide_csv(seq: PoseSequence, path: str | Path) -> None:
    """Write ``frame, time, [label, group,] <joint>_x, _y, [_z,] _confidence`` columns.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.arange(34.0).reshape(1, 17, 2), skeleton="coco_17")
    >>> p = os.path.join(tempfile.mkdtemp(), "w.csv")
    >>> write_wide_csv(seq, p)
    >>> open(p).readline().split(",")[:5]
    ['frame', 'time', 'nose_x', 'nose_y', 'nose_confidence']
    """
    meta = seq.metadata
    extra = [
        (col, meta[key])
        for col, key in (("label", "labels"), ("group", "groups"))
        if isinstance(meta.get(key), list) and len(meta[key]) == seq.n_frames
    ]
    header = ["frame", "time"] + [c for c, _ in extra]
    axes = "xyz"[: seq.dims]
    for name in get(seq.skeleton).names:
        header += [f"{name}_{a}" for a in axes] + [f"{name}_confidence"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    frames = meta.get("frame_indices")
    if not (isinstance(frames, list) and len(frames) == seq.n_frames):
        frames = list(range(seq.n_frames))
    cells = joint_cells(seq.positions, np.asarray(seq.confidence))
    for i in range(seq.n_frames):
        row = [str(frames[i]), repr(float(np.asarray(seq.timestamps)[i]))]
        row += [str(values[i]) for _, values in extra]
        writer.writerow(row + cells[i])
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")


def _sniff(path: Path) -> bool:
    header = sniff_csv_header(path)
    if header is None:
        return False
    table = parse_header(header)
    # bare numbered columns are MediaPipe's 33 landmarks (format mediapipe_csv)
    return table.has_xy and "v" not in table.axes and not table.bare_numbers


register_format(
    Format(
        name="wide_csv",
        description="wide CSV: one row per frame, <joint>_x/_y[/_z][/_confidence] columns",
        sniff=_sniff,
        read=read_wide_csv,
        write=write_wide_csv,
        suffixes=(".csv",),
    )
)
