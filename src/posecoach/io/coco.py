"""COCO keypoints JSON: ground-truth files and results (detection) files.

Ground truth: ``{"images": [...], "annotations": [{"keypoints": [x, y, v] * K, "bbox",
"area", "image_id", "id", ...}], "categories": [{"keypoints": [names], "skeleton": ...}]}``
with ``v`` 0 = not labelled (becomes NaN, confidence 0), 1 = labelled but occluded,
2 = visible (both confidence 1; the flags are kept in ``metadata["visibility"]``).
Results: a list of ``{"image_id", "category_id", "keypoints": [x, y, score] * K,
"score"}``; the per-keypoint score becomes the confidence (clipped to [0, 1]) and
``(0, 0, 0)`` is NaN.

Every annotation (or result entry) is one single-frame :class:`PoseSequence`; its
metadata keeps ``image_id``, ``annotation_id``, ``bbox`` ``[x, y, w, h]``, ``area``,
``iscrowd``, ``num_keypoints``, ``file_name`` and ``score`` where the file has them, and
``image_size`` comes from the image record. The skeleton is ``coco_17`` for 17
keypoints; other keypoint sets (CrowdPose, AIC, ...) use the category's keypoint names,
as a registered skeleton with those names when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.io._common import file_errors, load_json, sniff_json
from posecoach.io.registry import Format, FormatError, register_format
from posecoach.pose import PoseSequence
from posecoach.skeletons import COCO_17, Skeleton, available, get

__all__ = ["read_coco", "write_coco"]


def _as_set(value: int | Iterable[int] | None) -> set[int] | None:
    if value is None:
        return None
    if isinstance(value, int | np.integer):
        return {int(value)}
    return {int(v) for v in value}


def _skeleton_for(category: dict[str, Any] | None, n: int) -> Skeleton:
    if n == COCO_17.n_joints:
        return COCO_17
    names = (category or {}).get("keypoints")
    if not isinstance(names, list) or len(names) != n:
        raise ValueError(f"expected 17 keypoints (COCO) or category keypoint names, got {n}")
    names = tuple(str(x).strip().lower().replace(" ", "_") for x in names)
    for name in available():
        if get(name).names == names:
            return get(name)
    edges = tuple(
        (int(a) - 1, int(b) - 1)
        for a, b in (category or {}).get("skeleton", [])
        if 1 <= int(a) <= n and 1 <= int(b) <= n
    )
    return Skeleton(f"coco_{category.get('name', 'custom')}_{n}", names, edges)  # type: ignore[union-attr]


def _keypoints(values: list[Any], k: int, gt: bool) -> tuple[np.ndarray, np.ndarray, list[int]]:
    arr = np.array(values, dtype=float)
    if arr.size != 3 * k:
        raise ValueError(f"expected {3 * k} keypoint values ({k} x 3), got {arr.size}")
    arr = arr.reshape(k, 3)
    if not np.isfinite(arr).all():
        raise ValueError("expected finite keypoint values, got null")
    flags = arr[:, 2]
    if gt:
        missing = flags <= 0
        conf = np.where(missing, 0.0, 1.0)
    else:
        missing = (arr == 0).all(axis=1)
        if (flags < 0).any():
            raise ValueError(f"expected keypoint scores >= 0, got {flags.min()}")
        conf = np.clip(flags, 0.0, 1.0)
    pos = arr[:, :2].copy()
    pos[missing] = np.nan
    conf[missing] = 0.0
    return pos, conf, [int(v) for v in flags] if gt else []


def read_coco(
    path: str | Path,
    *,
    image_id: int | Iterable[int] | None = None,
    annotation_id: int | Iterable[int] | None = None,
    min_keypoints: int = 0,
    include_crowd: bool = True,
) -> list[PoseSequence]:
    """Read a COCO keypoints file, one single-frame sequence per annotation.

    Parameters
    ----------
    path
        Ground-truth or results JSON.
    image_id, annotation_id
        Keep only these images / annotations (an id or several).
    min_keypoints
        Skip annotations with fewer labelled keypoints (``num_keypoints`` or the count
        of ``v > 0``).
    include_crowd
        Keep ``iscrowd`` annotations.

    Example
    -------
    >>> import tempfile, os, json
    >>> kp = [0] * 51; kp[15:18] = [30, 40, 2]
    >>> gt = {"images": [{"id": 7, "width": 64, "height": 48}], "categories": [],
    ...       "annotations": [{"id": 1, "image_id": 7, "keypoints": kp, "bbox": [1, 2, 3, 4]}]}
    >>> p = os.path.join(tempfile.mkdtemp(), "gt.json")
    >>> _ = open(p, "w").write(json.dumps(gt))
    >>> seq = read_coco(p)[0]
    >>> seq.joint("left_shoulder").tolist(), seq.metadata["bbox"], seq.image_size
    ([[30.0, 40.0]], [1, 2, 3, 4], (64, 48))
    """
    p = Path(path)
    data = load_json(p, "COCO keypoints")
    images = _as_set(image_id)
    anns = _as_set(annotation_id)
    with file_errors(p, "COCO keypoints"):
        gt = isinstance(data, dict)
        if gt:
            if not isinstance(data.get("annotations"), list):
                raise ValueError("expected an 'annotations' list")
            entries = data["annotations"]
            image_info = {int(im["id"]): im for im in data.get("images", [])}
            categories = {int(c["id"]): c for c in data.get("categories", []) if "id" in c}
        elif isinstance(data, list):
            entries, image_info, categories = data, {}, {}
        else:
            raise ValueError(f"expected a JSON object or list, got {type(data).__name__}")
        people: list[PoseSequence] = []
        for n, ann in enumerate(entries):
            if "keypoints" not in ann:
                continue
            img = int(ann["image_id"]) if "image_id" in ann else None
            if images is not None and img not in images:
                continue
            if anns is not None and ann.get("id") not in anns:
                continue
            if not include_crowd and ann.get("iscrowd"):
                continue
            k = len(ann["keypoints"]) // 3
            skeleton = _skeleton_for(categories.get(int(ann.get("category_id", 1))), k)
            try:
                pos, conf, flags = _keypoints(ann["keypoints"], skeleton.n_joints, gt)
            except ValueError as exc:
                raise ValueError(f"annotation {ann.get('id', n)}: {exc}") from None
            n_labelled = int(ann.get("num_keypoints", int(np.isfinite(pos[:, 0]).sum())))
            if n_labelled < min_keypoints:
                continue
            info = image_info.get(img, {}) if img is not None else {}
            size = None
            if "width" in info and "height" in info:
                size = (int(info["width"]), int(info["height"]))
            meta: dict[str, Any] = {"source": str(p), "format": "coco", "image_id": img}
            if "id" in ann:
                meta["annotation_id"] = ann["id"]
            for key in ("bbox", "area", "iscrowd", "num_keypoints", "score", "category_id"):
                if key in ann:
                    meta[key] = ann[key]
            if "file_name" in info:
                meta["file_name"] = info["file_name"]
            if gt:
                meta["visibility"] = flags
            people.append(
                PoseSequence(
                    pos[None],
                    conf[None],
                    skeleton=skeleton,
                    space="pixel",
                    image_size=size,
                    metadata=meta,
                )
            )
    if not people:
        raise FormatError(f"{p}: expected at least one keypoint annotation, got 0")
    return people


def _flat_keypoints(pos: np.ndarray, third: np.ndarray) -> list[float]:
    vals = np.column_stack([pos[:, :2], third]).astype(float)
    vals[~np.isfinite(pos[:, :2]).all(axis=1)] = 0.0
    return [float(v) if not float(v).is_integer() else int(v) for v in vals.reshape(-1)]


def _bbox(pos: np.ndarray) -> list[float]:
    ok = np.isfinite(pos).all(axis=1)
    if not ok.any():
        return [0.0, 0.0, 0.0, 0.0]
    lo, hi = pos[ok].min(axis=0), pos[ok].max(axis=0)
    return [float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])]


def write_coco(seq: PoseSequence, path: str | Path, *, style: str = "results") -> None:
    """Write a sequence as a COCO keypoints file, one entry per frame.

    ``style="results"`` writes a results list (``keypoints`` third value = confidence,
    ``score`` = metadata score or the mean confidence); ``style="gt"`` writes ``images``
    + ``annotations`` + ``categories`` with ``v`` = 2 for present joints (or the stored
    ``metadata["visibility"]`` flags) and 0 for missing ones. Image ids come from
    ``metadata["image_id"]`` (one frame) or ``metadata["image_ids"]``, else the frame
    number. A non-COCO skeleton is converted to ``coco_17`` by joint name.

    Example
    -------
    >>> import tempfile, os
    >>> seq = PoseSequence(np.full((2, 17, 2), 3.0), skeleton="coco_17")
    >>> p = os.path.join(tempfile.mkdtemp(), "r.coco.json")
    >>> write_coco(seq, p)
    >>> [s.metadata["image_id"] for s in read_coco(p)]
    [0, 1]
    """
    if style not in ("results", "gt"):
        raise FormatError(f"expected style 'results' or 'gt', got {style!r}")
    if seq.skeleton != COCO_17:
        seq = seq.convert(COCO_17)
    meta = seq.metadata
    t = seq.n_frames
    if isinstance(meta.get("image_ids"), list) and len(meta["image_ids"]) == t:
        ids = [int(i) for i in meta["image_ids"]]
    elif t == 1 and meta.get("image_id") is not None:
        ids = [int(meta["image_id"])]
    else:
        ids = list(range(t))
    records: list[dict[str, Any]] = []
    for i in range(t):
        pos, conf = seq.positions[i], np.asarray(seq.confidence)[i]
        present = np.isfinite(pos).all(axis=1)
        if style == "results":
            score = meta.get("score") if t == 1 and "score" in meta else None
            if score is None:
                score = float(conf[present].mean()) if present.any() else 0.0
            records.append(
                {
                    "image_id": ids[i],
                    "category_id": 1,
                    "keypoints": _flat_keypoints(pos, conf),
                    "score": score,
                }
            )
        else:
            flags = np.where(present, 2, 0)
            vis = meta.get("visibility")
            if t == 1 and isinstance(vis, list) and len(vis) == 17:
                flags = np.where(present, np.maximum(np.array(vis), 1), 0)
            ann = {
                "id": meta.get("annotation_id", i + 1) if t == 1 else i + 1,
                "image_id": ids[i],
                "category_id": 1,
                "keypoints": _flat_keypoints(pos, flags),
                "num_keypoints": int(present.sum()),
                "bbox": meta.get("bbox") if t == 1 and "bbox" in meta else _bbox(pos),
                "iscrowd": int(meta.get("iscrowd", 0)) if t == 1 else 0,
            }
            if t == 1 and "area" in meta:
                ann["area"] = meta["area"]
            records.append(ann)
    if style == "results":
        doc: Any = records
    else:
        image = {}
        if seq.image_size:
            image = {"width": seq.image_size[0], "height": seq.image_size[1]}
        doc = {
            "images": [{"id": i, **image} for i in dict.fromkeys(ids)],
            "annotations": records,
            "categories": [
                {
                    "id": 1,
                    "name": "person",
                    "supercategory": "person",
                    "keypoints": list(COCO_17.names),
                    "skeleton": [[a + 1, b + 1] for a, b in COCO_17.edges],
                }
            ],
        }
    text = json.dumps(doc, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _sniff(path: Path) -> bool:
    data = sniff_json(path)
    if isinstance(data, dict):
        anns = data.get("annotations")
        return (
            isinstance(anns, list)
            and "images" in data
            and any(isinstance(a, dict) and "keypoints" in a for a in anns[:50])
        )
    if isinstance(data, list) and data:
        first = data[0]
        return isinstance(first, dict) and "image_id" in first and "keypoints" in first
    return False


register_format(
    Format(
        name="coco",
        description="COCO keypoints JSON (ground truth or results)",
        sniff=_sniff,
        read=read_coco,
        write=write_coco,
        suffixes=(".coco.json",),
    )
)
