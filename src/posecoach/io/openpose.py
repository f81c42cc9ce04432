"""OpenPose JSON: a folder of per-frame ``*_keypoints.json`` files (or one such file).

Each file holds ``{"people": [{"person_id": [-1], "pose_keypoints_2d": [x, y, c, ...]}]}``.
The skeleton is told by the array length: 75 values = BODY_25, 54 = COCO-18; a folder
mixing the two is an error naming one file of each. OpenPose writes ``(0, 0, 0)`` for a
joint it did not find: that becomes NaN with confidence 0. Confidences slightly above 1
(some OpenPose versions) are clipped to 1; negative ones are an error.

Several people: :func:`read_openpose` returns one sequence per person, tracked across
frames by ``person_id`` when the files carry one (``-1`` means none) and otherwise by the
nearest pose in the previous frames (Hungarian assignment on the mean joint distance,
a new person when the nearest is more than half a body size away). People are ordered by
id, or by first appearance. Frames where a person is absent are NaN. The frame index is
the number before ``_keypoints.json`` in the file name; timestamps are ``index / fps``.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.io._common import file_errors, load_json, sniff_json
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import get

__all__ = ["read_openpose", "write_openpose", "SKELETON_BY_LENGTH"]

#: Length of ``pose_keypoints_2d`` -> skeleton name.
SKELETON_BY_LENGTH: dict[int, str] = {75: "openpose_body_25", 54: "openpose_coco_18"}
_WRITABLE = ("openpose_body_25", "openpose_coco_18")
_INDEX_RE = re.compile(r"(\d+)(?=_keypoints\.json$)|(\d+)(?=\D*$)")


def _frame_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(path.glob("*_keypoints.json"))
    if not files:
        raise FormatError(f"{path}: expected OpenPose *_keypoints.json files, found none")
    return files


def _frame_index(file: Path) -> int | None:
    m = _INDEX_RE.search(file.name)
    if m is None:
        return None
    return int(m.group(1) or m.group(2))


def _person_id(person: dict[str, Any]) -> int:
    pid = person.get("person_id", -1)
    if isinstance(pid, list):
        pid = pid[0] if pid else -1
    try:
        return int(pid)
    except (TypeError, ValueError):
        return -1


def _parse_file(file: Path) -> list[tuple[int, np.ndarray]]:
    """``[(person_id, (K, 3) array)]`` for one per-frame file."""
    data = load_json(file, "OpenPose")
    with file_errors(file, "OpenPose"):
        if not isinstance(data, dict) or not isinstance(data.get("people"), list):
            raise ValueError("expected a JSON object with a 'people' list")
        out = []
        for person in data["people"]:
            values = person.get("pose_keypoints_2d") or []
            if len(values) == 0:
                continue
            if len(values) not in SKELETON_BY_LENGTH:
                raise ValueError(
                    f"expected 75 (BODY_25) or 54 (COCO-18) values in pose_keypoints_2d, "
                    f"got {len(values)}"
                )
            arr = np.array(values, dtype=float).reshape(-1, 3)
            if not np.isfinite(arr).all():
                raise ValueError("expected finite keypoint values, got null")
            if (arr[:, 2] < 0).any():
                raise ValueError(f"expected confidences >= 0, got {arr[:, 2].min()}")
            out.append((_person_id(person), arr))
        return out


def _pose_distance(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    if not both.any():
        return np.inf
    return float(np.linalg.norm(a[both] - b[both], axis=1).mean())


def _pose_size(p: np.ndarray) -> float:
    ok = np.isfinite(p).all(axis=1)
    if ok.sum() < 2:
        return 0.0
    return float(np.linalg.norm(np.ptp(p[ok], axis=0)))


def _track_nearest(frames: list[list[tuple[int, np.ndarray]]]) -> list[list[int]]:
    """Track label per detection per frame by nearest last-known pose."""
    from scipy.optimize import linear_sum_assignment

    last: list[np.ndarray] = []
    labels: list[list[int]] = []
    for dets in frames:
        out = [-1] * len(dets)
        if last and dets:
            cost = np.array([[_pose_distance(d[1][:, :2], t) for t in last] for d in dets])
            finite = np.where(np.isfinite(cost), cost, 1e18)
            rows, cols = linear_sum_assignment(finite)
            for r, c in zip(rows, cols, strict=True):
                gate = 0.5 * max(_pose_size(dets[r][1][:, :2]), _pose_size(last[c]))
                if np.isfinite(cost[r, c]) and cost[r, c] <= gate:
                    out[r] = int(c)
        for i, (_, arr) in enumerate(dets):
            if out[i] < 0:
                out[i] = len(last)
                last.append(arr[:, :2].copy())
            else:
                seen = np.isfinite(arr[:, :2]).all(axis=1)
                last[out[i]][seen] = arr[seen, :2]
        labels.append(out)
    return labels


def read_openpose(
    path: str | Path,
    *,
    person: int | None = None,
    fps: float = 30.0,
    image_size: tuple[int, int] | None = None,
) -> list[PoseSequence]:
    """Read an OpenPose folder (or single ``*_keypoints.json`` file), one sequence per person.

    Parameters
    ----------
    path
        A folder of per-frame files, or one file.
    person
        Return only this person (0-based, in the order described in the module doc).
    fps
        Frame rate of the source video; timestamps are ``frame index / fps``.
    image_size
        ``(width, height)`` of the video, if known (OpenPose files do not store it).

    Example
    -------
    >>> import tempfile, os, json
    >>> d = tempfile.mkdtemp()
    >>> kp = [0.0] * 54; kp[0:3] = [10, 20, 0.9]
    >>> for i in range(2):
    ...     _ = open(os.path.join(d, f"v_{i:012d}_keypoints.json"), "w").write(
    ...         json.dumps({"people": [{"pose_keypoints_2d": kp}]}))
    >>> seq = read_openpose(d)[0]
    >>> seq.skeleton.name, seq.positions[1, 0].tolist(), bool(np.isnan(seq.positions[0, 1, 0]))
    ('openpose_coco_18', [10.0, 20.0], True)
    """
    p = Path(path)
    files = _frame_files(p)
    indices = [_frame_index(f) for f in files]
    if any(i is None for i in indices):
        indices = list(range(len(files)))
    order = np.argsort(np.array(indices), kind="stable")
    files = [files[i] for i in order]
    idx = [int(indices[i]) for i in order]  # type: ignore[arg-type]
    for a, b, fa, fb in zip(idx, idx[1:], files, files[1:], strict=False):
        if a == b:
            raise FormatError(f"{p}: two files for frame {a}: {fa.name} and {fb.name}")
    frames = [_parse_file(f) for f in files]

    first_of: dict[int, Path] = {}
    for f, dets in zip(files, frames, strict=True):
        for _, arr in dets:
            first_of.setdefault(arr.shape[0], f)
    if not first_of:
        raise FormatError(f"{p}: expected at least one person in the OpenPose files, got none")
    if len(first_of) > 1:
        detail = ", ".join(
            f"{SKELETON_BY_LENGTH[3 * k]} in {f.name}" for k, f in sorted(first_of.items())
        )
        raise FormatError(f"{p}: expected one skeleton in all OpenPose files, got mixed: {detail}")
    k = next(iter(first_of))
    skeleton = get(SKELETON_BY_LENGTH[3 * k])

    ids_given = all(pid >= 0 for dets in frames for pid, _ in dets)
    if ids_given:
        ids = sorted({pid for dets in frames for pid, _ in dets})
        labels = [[ids.index(pid) for pid, _ in dets] for dets in frames]
        for f, lab in zip(files, labels, strict=True):
            if len(set(lab)) != len(lab):
                raise FormatError(f"{f}: the same person_id appears twice in one frame")
    else:
        labels = _track_nearest(frames)
        ids = list(range(1 + max((max(lab) for lab in labels if lab), default=-1)))
    n_people, t = len(ids), len(files)
    data = np.full((n_people, t, k, 3), np.nan)
    for fi, (dets, lab) in enumerate(zip(frames, labels, strict=True)):
        for (_, arr), who in zip(dets, lab, strict=True):
            data[who, fi] = arr
    timestamps = np.array(idx, dtype=float) / float(fps)
    people = []
    for who in range(n_people):
        arr = data[who]
        missing = (arr == 0).all(axis=2) | np.isnan(arr).any(axis=2)
        pos = arr[..., :2].copy()
        pos[missing] = np.nan
        conf = np.clip(np.nan_to_num(arr[..., 2]), 0.0, 1.0)
        conf[missing] = 0.0
        meta = {
            "source": str(p),
            "format": "openpose",
            "person_id": int(ids[who]),
            "tracking": "person_id" if ids_given else "nearest",
            "frame_indices": idx,
        }
        with file_errors(p, "OpenPose"):
            people.append(
                PoseSequence(
                    pos,
                    conf,
                    skeleton=skeleton,
                    fps=fps,
                    timestamps=timestamps,
                    space="pixel",
                    image_size=image_size,
                    metadata=meta,
                )
            )
    if person is not None:
        if not 0 <= person < len(people):
            raise FormatError(f"{p}: expected person in [0, {len(people)}), got {person}")
        return [people[person]]
    return people


def _frame_numbers(seq: PoseSequence) -> list[int]:
    given = seq.metadata.get("frame_indices")
    if isinstance(given, list) and len(given) == seq.n_frames:
        return [int(i) for i in given]
    guess = np.rint(np.asarray(seq.timestamps) * seq.fps).astype(int)
    if (guess >= 0).all() and (np.diff(guess) > 0).all():
        return guess.tolist()
    return list(range(seq.n_frames))


def _frame_json(pos: np.ndarray, conf: np.ndarray, person_id: int) -> str:
    values = np.column_stack([pos[:, :2], conf])
    values[~np.isfinite(pos[:, :2]).all(axis=1)] = 0.0
    person = {
        "person_id": [person_id],
        "pose_keypoints_2d": values.reshape(-1).tolist(),
        "face_keypoints_2d": [],
        "hand_left_keypoints_2d": [],
        "hand_right_keypoints_2d": [],
    }
    return json.dumps({"version": 1.3, "people": [person]})


def write_openpose(
    seq: PoseSequence, path: str | Path, *, person_id: int = -1, prefix: str | None = None
) -> None:
    """Write one OpenPose ``*_keypoints.json`` file per frame into the folder ``path``.

    A skeleton other than BODY_25 / COCO-18 is converted to BODY_25 by joint name (absent
    joints written as 0, 0, 0). A path ending in ``_keypoints.json`` writes one file
    (one-frame sequences only). The folder is written under a temporary name and renamed
    at the end; an existing non-empty folder is never overwritten.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.ones((3, 25, 2)), skeleton="openpose_body_25")
    >>> out = os.path.join(tempfile.mkdtemp(), "op")
    >>> write_openpose(seq, out)
    >>> sorted(os.listdir(out))[0]
    'op_000000000000_keypoints.json'
    """
    p = Path(path)
    if get(seq.skeleton).name not in _WRITABLE:
        seq = seq.convert("openpose_body_25")
    frames = _frame_numbers(seq)
    conf = np.asarray(seq.confidence)
    if p.name.endswith("_keypoints.json"):
        if seq.n_frames != 1:
            raise FormatError(
                f"{p}: expected a folder for a {seq.n_frames}-frame sequence, got a file name"
            )
        text = _frame_json(seq.positions[0], conf[0], person_id)
        with atomic_path(p) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return
    if p.exists() and (not p.is_dir() or any(p.iterdir())):
        raise FormatError(f"{p}: expected a new or empty folder for OpenPose output, it exists")
    stem = prefix if prefix is not None else p.name
    with atomic_path(p, suffix=".tmpdir") as tmp:
        tmp.unlink()  # the empty temporary file atomic_path made: a folder replaces it
        tmp.mkdir()
        for i, frame in enumerate(frames):
            text = _frame_json(seq.positions[i], conf[i], person_id)
            (tmp / f"{stem}_{frame:012d}_keypoints.json").write_text(text, encoding="utf-8")
        if p.is_dir():
            os.rmdir(p)  # empty, checked above; os.replace cannot replace a folder


def _sniff(path: Path) -> bool:
    if path.is_dir():
        return next(path.glob("*_keypoints.json"), None) is not None
    data = sniff_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        return False
    return path.name.endswith("_keypoints.json") or "version" in data


register_format(
    Format(
        name="openpose",
        description="OpenPose JSON: a folder of *_keypoints.json files (BODY_25 / COCO-18)",
        sniff=_sniff,
        read=read_openpose,
        write=write_openpose,
        suffixes=("_keypoints.json",),
    )
)
