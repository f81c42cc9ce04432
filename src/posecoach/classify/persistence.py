"""Saving and loading classifiers as one safetensors file — never pickle.

The file is a standard safetensors file: the model's arrays (``model.<name>``) and, in
the safetensors metadata under ``posecoach``, a JSON header with the format name and
version, task, level, label set, skeleton (name and joint names), feature settings,
model name and configuration, training info, package versions and a ``sha256`` over the
header (without that field) and every array's name, dtype, shape and bytes. A file that
is not safetensors, lacks the header, or whose arrays or header were changed after
writing is refused with one clear :class:`ModelFileError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import json
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.atomic import atomic_path
from posecoach.classify.classifier import Classifier
from posecoach.classify.features import FeatureSettings
from posecoach.classify.models import MODELS
from posecoach.errors import InputError
from posecoach.skeletons import Skeleton, available, get

__all__ = ["ModelFileError", "save_classifier", "load_classifier", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "posecoach-classifier"
FORMAT_VERSION = 1


class ModelFileError(InputError):
    """A model file is not a posecoach classifier, is damaged or was tampered with."""


def _versions() -> dict[str, str]:
    from posecoach import __version__

    out = {"posecoach": __version__}
    for dist in ("numpy", "scikit-learn", "torch", "dtaidistance", "safetensors"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[dist] = md.version(dist)
    return out


def _digest(header: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    body = {k: v for k, v in header.items() if k != "sha256"}
    h.update(json.dumps(body, sort_keys=True).encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def save_classifier(clf: Classifier, path: str | Path) -> Path:
    """Write ``clf`` to one safetensors file (atomically).

    Example
    -------
    >>> import numpy as np, tempfile, os
    >>> from posecoach.classify.train import fit_classifier
    >>> from posecoach.classify.datasets import PoseDataset
    >>> rng = np.random.default_rng(0)
    >>> pos = rng.normal(size=(17, 2)) + 0.05 * rng.normal(size=(20, 17, 2))
    >>> pos[10:, 9, 1] += 1
    >>> ds = PoseDataset(pos, np.ones((20, 17)), np.array(["a"] * 10 + ["b"] * 10),
    ...                  np.arange(20).astype(str), get("coco_17"))
    >>> clf = fit_classifier(ds, model="knn")
    >>> p = save_classifier(clf, os.path.join(tempfile.mkdtemp(), "m.safetensors"))
    >>> load_classifier(p).classes
    ['a', 'b']
    """
    from safetensors.numpy import save_file

    arrays, config = clf.model.state()
    tensors = {f"model.{k}": np.ascontiguousarray(v) for k, v in arrays.items()}
    upper = None
    if clf.upper is not None and clf.upper_features is not None:
        up_arrays, up_config = clf.upper.state()
        tensors.update({f"upper.{k}": np.ascontiguousarray(v) for k, v in up_arrays.items()})
        upper = {
            "name": clf.upper.name,
            "config": up_config,
            "features": clf.upper_features.to_dict(),
        }
    header: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "task": clf.task,
        "level": clf.level,
        "classes": list(clf.classes),
        "skeleton": {"name": clf.skeleton.name, "joints": list(clf.skeleton.names)},
        "features": clf.features.to_dict(),
        "model": {"name": clf.model.name, "config": config},
        "upper": upper,
        "info": clf.info,
        "versions": _versions(),
    }
    header["sha256"] = _digest(header, tensors)
    out = Path(path)
    with atomic_path(out) as tmp:
        save_file(tensors, str(tmp), metadata={"posecoach": json.dumps(header)})
    return out


def _skeleton_from(spec: dict[str, Any]) -> Skeleton:
    name, joints = str(spec["name"]), tuple(spec["joints"])
    if name in available() and get(name).names == joints:
        return get(name)
    return Skeleton(name, joints)


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a model file (not yet integrity-checked)."""
    p = Path(path)
    if not p.is_file():
        raise ModelFileError(f"{p}: no such model file")
    try:
        from safetensors import safe_open

        with safe_open(str(p), framework="numpy") as fh:
            meta = fh.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types for foreign files
        raise ModelFileError(
            f"{p}: not a posecoach model file (expected a safetensors file written by "
            f"'posecoach train', got unreadable content: {exc})"
        ) from exc
    if "posecoach" not in meta:
        raise ModelFileError(
            f"{p}: not a posecoach model file (a safetensors file without a posecoach header)"
        )
    try:
        header = json.loads(meta["posecoach"])
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{p}: damaged posecoach header ({exc})") from exc
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{p}: expected format {FORMAT_NAME!r}, got {header.get('format')!r}")
    if int(header.get("format_version", 0)) > FORMAT_VERSION:
        raise ModelFileError(
            f"{p}: model format version {header.get('format_version')} is newer than this "
            f"posecoach reads ({FORMAT_VERSION}); upgrade posecoach"
        )
    return header


def load_classifier(path: str | Path) -> Classifier:
    """Read a classifier written by :func:`save_classifier`, checking its integrity."""
    from safetensors.numpy import load_file

    p = Path(path)
    header = read_header(p)
    try:
        tensors = load_file(str(p))
    except Exception as exc:
        raise ModelFileError(f"{p}: damaged model file ({exc})") from exc
    if header.get("sha256") != _digest(header, tensors):
        raise ModelFileError(
            f"{p}: integrity check failed (sha256 mismatch): the file was modified after "
            "posecoach wrote it; retrain or restore the original"
        )
    try:
        model_cls = MODELS.get(header["model"]["name"])
        arrays = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
        model = model_cls.from_state(arrays, dict(header["model"]["config"]))
        upper, upper_features = None, None
        if header.get("upper"):
            spec = header["upper"]
            up_arrays = {
                k[len("upper.") :]: v for k, v in tensors.items() if k.startswith("upper.")
            }
            upper = MODELS.get(spec["name"]).from_state(up_arrays, dict(spec["config"]))
            upper_features = FeatureSettings.from_dict(spec["features"])
        return Classifier(
            model=model,
            classes=[str(c) for c in header["classes"]],
            skeleton=_skeleton_from(header["skeleton"]),
            features=FeatureSettings.from_dict(header["features"]),
            task=str(header["task"]),
            level=str(header["level"]),
            info=dict(header.get("info", {})),
            upper=upper,
            upper_features=upper_features,
        )
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{p}: inconsistent posecoach model file ({exc!r})") from exc
