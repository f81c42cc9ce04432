"""MediaPipe Pose landmarks (33 BlazePose points with visibility) as CSV and JSON, and two
real datasets stored that way.

CSV (format ``mediapipe_csv``): one row per frame; columns either ``x0, y0, z0,
visibility0, ..., x32, ...`` (also ``v0``) or ``<landmark>_x, _y, _z, _v`` (also
``_visibility``) with BlazePose landmark names (``left_shoulder``); optional
``frame``/``time``/``timestamp_ms``, ``label``/``class`` and ``group`` columns. A file may
hold only some landmarks: the others are NaN with confidence 0. Visibility becomes the
confidence; an empty cell (or ``nan``) is a missing value; ``inf`` is an error.

JSON (format ``mediapipe_json``): a list of frames, each either a list of 33
``{"x", "y", "z", "visibility"}`` objects, an empty list / ``null`` (nobody found), or
an object ``{"landmarks": [...], "world_landmarks": [...], "time": s}`` (``keypoints`` /
``pose_landmarks`` and ``world_keypoints`` / ``pose_world_landmarks`` are read too; an
object with none of them is an error, never a frame of nobody).

CSV headers may also be bare numbers ``0 .. 131`` (33 x (x, y, z, visibility)) or
``0 .. 98`` (33 x (x, y, z)), with a ``label`` column, as many notebooks export them.

Coordinates are taken as normalised image coordinates (MediaPipe's own convention)
unless they exceed [-1, 2], then as pixels; pass ``space=`` to decide yourself.

Datasets (plain functions for training code, also readable with ``posecoach.load``):

- :func:`read_exercise_correction_csv`: the exercise-correction CSVs (``label,
  <landmark>_x, _y, _z, _v`` for a subset of landmarks) -> blazepose_33 sequence + labels.
- :func:`read_mlkit_samples`: ML Kit's ``fitness_pose_samples.csv`` (no header:
  ``image_name, class, x1, y1, z1, ..., x33, y33, z33`` in pixels), format
  ``mlkit_samples`` -> one independent pose per frame + labels + image names.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.io._common import (
    file_errors,
    joint_cells,
    load_json,
    read_csv_rows,
    sniff_csv_header,
    sniff_json,
    timing_from_columns,
)
from posecoach.io._csvtable import parse_header, read_table
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import BLAZEPOSE_33

__all__ = [
    "read_mediapipe_csv",
    "write_mediapipe_csv",
    "read_mediapipe_json",
    "write_mediapipe_json",
    "read_exercise_correction_csv",
    "read_mlkit_samples",
]

_NAMES = BLAZEPOSE_33.names
_K = BLAZEPOSE_33.n_joints


def _guess_space(pos: np.ndarray, space: str | None) -> str:
    if space is not None:
        return space
    xy = pos[..., :2]
    xy = xy[np.isfinite(xy)]
    if xy.size and (xy.min() < -1.0 or xy.max() > 2.0):
        return "pixel"
    return "normalized"


def _joint_index(joint: str, positional: bool) -> int | None:
    if positional:
        i = int(joint)
        return i if 0 <= i < _K else None
    return _NAMES.index(joint) if joint in _NAMES else None


# --------------------------------------------------------------------------- CSV
def read_mediapipe_csv(
    path: str | Path,
    *,
    fps: float | None = None,
    space: str | None = None,
    image_size: tuple[int, int] | None = None,
) -> PoseSequence:
    """Read a MediaPipe landmark CSV into a ``blazepose_33`` sequence.

    Per-frame ``label`` / ``group`` columns go to ``metadata["labels"]`` /
    ``metadata["groups"]`` (lists of strings, one per frame).

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "mp.csv")
    >>> _ = open(p, "w").write("label,nose_x,nose_y,nose_z,nose_v\\nup,0.5,0.25,0.1,0.9\\n")
    >>> seq = read_mediapipe_csv(p)
    >>> seq.positions[0, 0].tolist(), float(seq.confidence[0, 0]), seq.metadata["labels"]
    ([0.5, 0.25, 0.1], 0.9, ['up'])
    """
    p = Path(path)
    data = read_table(p, "MediaPipe landmark CSV")
    table = data.table
    unknown = [j for j in table.joints if _joint_index(j, table.positional) is None]
    if unknown:
        raise FormatError(f"{p}: expected BlazePose landmark names or indices 0-32, got {unknown}")
    t = data.values.shape[0]
    d = 3 if "z" in table.axes else 2
    pos = np.full((t, _K, d), np.nan)
    conf = np.zeros((t, _K))
    for joint, cols in table.columns.items():
        j = _joint_index(joint, table.positional)
        assert j is not None
        if "x" not in cols or "y" not in cols:
            raise FormatError(f"{p}: landmark {joint!r} lacks its x or y column")
        pos[:, j, 0] = data.values[:, cols["x"]]
        pos[:, j, 1] = data.values[:, cols["y"]]
        if d == 3 and "z" in cols:
            pos[:, j, 2] = data.values[:, cols["z"]]
        vis_col = cols.get("v", cols.get("c"))
        if vis_col is None:
            conf[:, j] = 1.0
        else:
            conf[:, j] = np.clip(np.nan_to_num(data.values[:, vis_col], nan=0.0), 0.0, 1.0)
    if d == 3:  # a missing z alone does not make the landmark missing
        pos[..., 2] = np.where(np.isfinite(pos[..., :2]).all(-1), pos[..., 2], np.nan)
        no_z = np.isnan(pos[..., 2]) & np.isfinite(pos[..., :2]).all(-1)
        pos[..., 2][no_z] = 0.0
    rate, timestamps = timing_from_columns(data.frames, data.times, fps)
    meta = data.metadata(p, "mediapipe_csv")
    with file_errors(p, "MediaPipe landmark CSV"):
        return PoseSequence(
            pos,
            conf,
            skeleton=BLAZEPOSE_33,
            fps=rate,
            timestamps=timestamps,
            space=_guess_space(pos, space),  # type: ignore[arg-type]
            image_size=image_size,
            metadata=meta,
        )


def write_mediapipe_csv(seq: PoseSequence, path: str | Path) -> None:
    """Write ``frame, time, <landmark>_x, _y, _z, _v`` columns (one row per frame).

    Other skeletons are converted to ``blazepose_33`` by joint name; missing values are
    empty cells; ``metadata["labels"]`` (one per frame) becomes a ``label`` column.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.full((2, 33, 3), 0.5), skeleton="blazepose_33")
    >>> p = os.path.join(tempfile.mkdtemp(), "a.mediapipe.csv")
    >>> write_mediapipe_csv(seq, p)
    >>> read_mediapipe_csv(p).positions.shape
    (2, 33, 3)
    """
    if seq.skeleton != BLAZEPOSE_33:
        seq = seq.convert(BLAZEPOSE_33)
    labels = seq.metadata.get("labels")
    has_labels = isinstance(labels, list) and len(labels) == seq.n_frames
    header = ["frame", "time"] + (["label"] if has_labels else [])
    axes = "xyz"[: seq.dims]
    for name in _NAMES:
        header += [f"{name}_{a}" for a in axes] + [f"{name}_v"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    cells = joint_cells(seq.positions, np.asarray(seq.confidence))
    for i in range(seq.n_frames):
        row = [str(i), repr(float(np.asarray(seq.timestamps)[i]))]
        if has_labels:
            row.append(str(labels[i]))  # type: ignore[index]
        writer.writerow(row + cells[i])
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")


def _sniff_csv(path: Path) -> bool:
    header = sniff_csv_header(path)
    if header is None:
        return False
    table = parse_header(header)
    if not table.has_xy:
        return False
    if table.positional:
        ids = {int(j) for j in table.joints}
        return "v" in table.axes or (ids == set(range(_K)) and "z" in table.axes)
    return "v" in table.axes and all(j in _NAMES for j in table.joints)


# --------------------------------------------------------------------------- JSON
#: Keys a frame object may hold its landmarks under (MediaPipe's own, and what exporters use).
_LANDMARK_KEYS = ("landmarks", "keypoints", "pose_landmarks")
_WORLD_KEYS = ("world_landmarks", "world_keypoints", "pose_world_landmarks")


def _landmarks(items: Any, what: str) -> np.ndarray:
    if items is None or items == []:
        return np.full((_K, 4), np.nan)
    if not isinstance(items, list) or len(items) != _K:
        n = len(items) if isinstance(items, list) else type(items).__name__
        raise ValueError(f"expected {_K} {what}, got {n}")
    out = np.full((_K, 4), np.nan)
    for j, lm in enumerate(items):
        if not isinstance(lm, dict):
            raise ValueError(f"expected landmark objects with x, y, got {type(lm).__name__}")
        vis = lm.get("visibility", lm.get("score", 1.0))
        out[j] = [np.nan if lm.get(k) is None else float(lm[k]) for k in ("x", "y", "z")] + [
            0.0 if vis is None else float(vis)
        ]
    return out


def read_mediapipe_json(
    path: str | Path,
    *,
    fps: float | None = None,
    space: str | None = None,
    image_size: tuple[int, int] | None = None,
) -> PoseSequence:
    """Read a MediaPipe landmark JSON list of frames into a ``blazepose_33`` sequence.

    Example
    -------
    >>> import tempfile, os, json
    >>> frame = [{"x": 0.5, "y": 0.5, "z": 0.0, "visibility": 0.8}] * 33
    >>> p = os.path.join(tempfile.mkdtemp(), "mp.json")
    >>> _ = open(p, "w").write(json.dumps([frame, []]))
    >>> seq = read_mediapipe_json(p)
    >>> float(seq.confidence[0, 0]), bool(np.isnan(seq.positions[1]).all())
    (0.8, True)
    """
    p = Path(path)
    data = load_json(p, "MediaPipe landmark JSON")
    with file_errors(p, "MediaPipe landmark JSON"):
        if isinstance(data, dict) and isinstance(data.get("frames"), list):
            data = data["frames"]
        if not isinstance(data, list):
            raise ValueError(f"expected a list of frames, got {type(data).__name__}")
        if not data:
            raise ValueError("expected at least one frame, got 0 frames")
        lms, worlds, times, frames = [], [], [], []
        any_world = False
        for n, frame in enumerate(data):
            if isinstance(frame, dict):
                key = next((k for k in _LANDMARK_KEYS if k in frame), None)
                if key is None:
                    raise ValueError(
                        f"expected {' or '.join(map(repr, _LANDMARK_KEYS))} in frame {n}, "
                        f"got keys {sorted(frame)[:8]}"
                    )
                lms.append(_landmarks(frame[key], f"{key} in frame {n}"))
                w = next((frame[k] for k in _WORLD_KEYS if k in frame), None)
                any_world = any_world or bool(w)
                worlds.append(_landmarks(w, f"world landmarks in frame {n}")[:, :3])
                t = frame.get("time", frame.get("timestamp"))
                if t is None and frame.get("timestamp_ms") is not None:
                    t = float(frame["timestamp_ms"]) / 1000.0
                times.append(np.nan if t is None else float(t))
                frames.append(frame.get("frame", np.nan))
            else:
                lms.append(_landmarks(frame, f"landmarks in frame {n}"))
                worlds.append(np.full((_K, 3), np.nan))
                times.append(np.nan)
                frames.append(np.nan)
        arr = np.stack(lms)
        time_arr = np.array(times, dtype=float)
        frame_arr = np.array(frames, dtype=float)
        rate, ts = timing_from_columns(
            None if np.isnan(frame_arr).any() else frame_arr,
            None if np.isnan(time_arr).any() else time_arr,
            fps,
        )
        pos = arr[..., :3]
        present = np.isfinite(pos[..., :2]).all(-1)
        conf = np.where(present, np.clip(np.nan_to_num(arr[..., 3]), 0.0, 1.0), 0.0)
        return PoseSequence(
            pos,
            conf,
            skeleton=BLAZEPOSE_33,
            fps=rate,
            timestamps=ts,
            space=_guess_space(pos, space),  # type: ignore[arg-type]
            image_size=image_size,
            world=np.stack(worlds) if any_world else None,
            metadata={"source": str(p), "format": "mediapipe_json"},
        )


def _landmark_dicts(pos: np.ndarray, conf: np.ndarray | None) -> list[dict[str, Any]]:
    out = []
    vis = None if conf is None else conf.tolist()
    for j, xyz in enumerate(pos[:, :3].tolist()):
        x, y, z = (None if v != v else v for v in xyz)  # v != v: NaN
        item: dict[str, Any] = {"x": x, "y": y, "z": z}
        if vis is not None:
            item["visibility"] = vis[j]
        out.append(item)
    return out


def write_mediapipe_json(seq: PoseSequence, path: str | Path) -> None:
    """Write a list of frames ``{"frame", "time", "landmarks": [33 x {x, y, z,
    visibility}], "world_landmarks": [...]}``; missing values are ``null``.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.full((2, 33, 3), 0.5), skeleton="blazepose_33", fps=10,
    ...                    space="normalized")
    >>> p = os.path.join(tempfile.mkdtemp(), "a.mediapipe.json")
    >>> write_mediapipe_json(seq, p)
    >>> back = read_mediapipe_json(p)
    >>> back.equals(seq.replace(metadata=back.metadata))
    True
    """
    if seq.skeleton != BLAZEPOSE_33:
        seq = seq.convert(BLAZEPOSE_33)
    pos = seq.positions
    if seq.dims == 2:
        pos = np.concatenate([pos, np.where(np.isnan(pos[..., :1]), np.nan, 0.0)], axis=-1)
    frames = []
    for i in range(seq.n_frames):
        frame: dict[str, Any] = {
            "frame": i,
            "time": float(np.asarray(seq.timestamps)[i]),
            "landmarks": _landmark_dicts(pos[i], np.asarray(seq.confidence)[i]),
        }
        if seq.world is not None:
            frame["world_landmarks"] = _landmark_dicts(seq.world[i], None)
        frames.append(frame)
    text = json.dumps(frames, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _sniff_json(path: Path) -> bool:
    data = sniff_json(path)
    if isinstance(data, dict):
        data = data.get("frames")
    if not isinstance(data, list) or not data:
        return False
    for frame in data[:20]:
        if isinstance(frame, dict):
            frame = next((frame[k] for k in _LANDMARK_KEYS if k in frame), None)
        if isinstance(frame, list) and frame:
            return len(frame) == _K and isinstance(frame[0], dict) and {"x", "y"} <= set(frame[0])
    return False


# --------------------------------------------------------------------------- datasets
def read_exercise_correction_csv(
    path: str | Path, *, fps: float = 30.0
) -> tuple[PoseSequence, list[str]]:
    """Read one of the exercise-correction CSVs: ``(sequence, per-frame labels)``.

    The files hold ``label, <landmark>_x, _y, _z, _v`` for a subset of BlazePose
    landmarks (normalised image coordinates); absent landmarks are NaN. Rows are frames
    of several videos back to back with no video id: split such data by file, not by row.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "ex.csv")
    >>> _ = open(p, "w").write("label,left_hip_x,left_hip_y,left_hip_z,left_hip_v\\nC,.5,.6,0,1\\n")
    >>> seq, labels = read_exercise_correction_csv(p)
    >>> labels, seq.joint("left_hip")[0, :2].tolist(), bool(np.isnan(seq.joint("nose")).all())
    (['C'], [0.5, 0.6], True)
    """
    seq = read_mediapipe_csv(path, fps=fps, space="normalized")
    labels = seq.metadata.get("labels")
    if labels is None:
        raise FormatError(f"{path}: expected a 'label' column, got none")
    return seq, list(labels)


def read_mlkit_samples(path: str | Path) -> tuple[PoseSequence, list[str], list[str]]:
    """Read ML Kit fitness pose samples: ``(sequence, class labels, image names)``.

    Each row (``image_name, class, x1, y1, z1, ..., x33, y33, z33``, no header, pixel
    coordinates) is an independent pose, one frame each; the sequence's metadata also
    holds ``labels``, ``image_names`` and ``independent_frames: True``.

    Example
    -------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "s.csv")
    >>> _ = open(p, "w").write("a.png,squats_up," + ",".join(["7"] * 99) + "\\n")
    >>> seq, labels, names = read_mlkit_samples(p)
    >>> seq.positions.shape, labels, names
    ((1, 33, 3), ['squats_up'], ['a.png'])
    """
    p = Path(path)
    rows = read_csv_rows(p, "ML Kit pose samples CSV")
    n_values = 2 + 3 * _K
    pos = np.full((len(rows), _K, 3), np.nan)
    labels, names = [], []
    with file_errors(p, "ML Kit pose samples CSV"):
        for n, row in enumerate(rows):
            if len(row) != n_values:
                raise ValueError(
                    f"row {n + 1}: expected {n_values} fields (image, class, 33 x (x, y, z)), "
                    f"got {len(row)}"
                )
            try:
                values = np.array(row[2:], dtype=float)
            except ValueError:
                raise ValueError(f"row {n + 1}: expected numbers after the class") from None
            if not np.isfinite(values).all():
                raise ValueError(f"row {n + 1}: expected finite coordinates, got NaN/inf")
            pos[n] = values.reshape(_K, 3)
            names.append(row[0].strip())
            labels.append(row[1].strip())
        seq = PoseSequence(
            pos,
            skeleton=BLAZEPOSE_33,
            space="pixel",
            metadata={
                "source": str(p),
                "format": "mlkit_samples",
                "labels": labels,
                "image_names": names,
                "independent_frames": True,
            },
        )
    return seq, labels, names


def _read_mlkit_sequence(path: str | Path) -> PoseSequence:
    return read_mlkit_samples(path)[0]


def _sniff_mlkit(path: Path) -> bool:
    header = sniff_csv_header(path)
    if header is None or len(header) != 2 + 3 * _K:
        return False
    try:
        float(header[0])
        return False
    except ValueError:
        pass
    try:
        np.array(header[2:], dtype=float)
    except ValueError:
        return False
    return True


register_format(
    Format(
        name="mediapipe_csv",
        description="MediaPipe 33 landmarks as CSV (x0,y0,z0,visibility0,... or <name>_x/_y/_z/_v)",
        sniff=_sniff_csv,
        read=read_mediapipe_csv,
        write=write_mediapipe_csv,
        suffixes=(".mediapipe.csv",),
    )
)
register_format(
    Format(
        name="mediapipe_json",
        description="MediaPipe 33 landmarks as JSON (list of frames of {x, y, z, visibility})",
        sniff=_sniff_json,
        read=read_mediapipe_json,
        write=write_mediapipe_json,
        suffixes=(".mediapipe.json",),
    )
)
register_format(
    Format(
        name="mlkit_samples",
        description="ML Kit fitness pose samples CSV (image, class, 33 x (x, y, z); no header)",
        sniff=_sniff_mlkit,
        read=_read_mlkit_sequence,
    )
)
