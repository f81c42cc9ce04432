"""Resuming a batch: which inputs a folder already holds the results of.

Each finished input leaves a record, ``.posecoach-batch/<stem>.json``, committed in the same
step as its files (so it exists exactly when they do). It holds the input's key: the SHA-256
of the input's content (:func:`posecoach.extract.cache.content_digest`) and of everything
that shapes its results (extraction options, the references' content, whether reps are
counted, the classifier's bytes, posecoach's version). A re-run skips an input whose record
has the same key and whose files are still what posecoach wrote (their SHA-256 in the
folder's manifest); anything else is done again.

Example
-------
>>> a = input_key("00", {"reps": True})
>>> a == input_key("00", {"reps": False}), a == input_key("11", {"reps": True}), len(a)
(False, False, 64)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from posecoach.app.outputs import Manifest, sha256_file

__all__ = ["RECORDS", "finished_record", "input_key", "record_name"]

#: The folder, inside the output folder, of the per-input records.
RECORDS = ".posecoach-batch"


def input_key(content: str, fingerprint: dict[str, Any]) -> str:
    """The key of one input's results: its content digest and the batch's fingerprint."""
    from posecoach import __version__

    blob = json.dumps(
        {"content": content, "job": fingerprint, "posecoach": __version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def record_name(stem: str) -> str:
    """The record of the input whose results are ``<stem>.*`` (relative to the folder).

    Example
    -------
    >>> record_name("alice/set1")
    '.posecoach-batch/alice/set1.json'
    """
    return f"{RECORDS}/{stem}.json"


def finished_record(
    folder: Path, manifest: Manifest | None, stem: str, key: str
) -> dict[str, Any] | None:
    """The record of a finished input with this key whose files are intact, else None.

    Example
    -------
    >>> import tempfile
    >>> finished_record(Path(tempfile.mkdtemp()), None, "x", "k") is None
    True
    """
    if manifest is None:
        return None
    name = record_name(stem)
    if name not in manifest.files:
        return None
    try:
        record = json.loads((folder / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    files = record.get("files")
    if not isinstance(files, list):
        return None
    for rel in [*files, name]:
        digest = manifest.files.get(str(rel))
        path = folder / str(rel)
        if digest is None or not path.is_file() or sha256_file(path) != digest:
            return None
    return record
