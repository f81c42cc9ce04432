"""Content-addressed cache of extraction results under ``<cache root>/poses/``.

The key is the SHA-256 of the input's bytes (for a folder of images: their names and
bytes, in order) together with the backend, its options and the posecoach version, so a
renamed copy hits the cache and any change of content, settings or version misses it.
Entries are native ``.pose.npz`` files (plain arrays + JSON, read with
``allow_pickle=False``); an unreadable entry is deleted and recomputed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from posecoach.cache import cache_root
from posecoach.pose import PoseSequence

__all__ = ["cache_key", "content_digest", "entry_path", "load_entry", "store_entry"]


def content_digest(source: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes, or of a folder's image names and bytes.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "a.bin")
    >>> _ = open(path, "wb").write(b"abc")
    >>> content_digest(path)[:12]
    'ba7816bf8f01'
    """
    p = Path(source)
    digest = hashlib.sha256()
    if p.is_dir():
        from posecoach.video import list_images

        files = list_images(p)
    else:
        files = [p]
    for f in files:
        if p.is_dir():
            digest.update(f.name.encode() + b"\0")
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def code_digest(model_files: tuple[str, ...] = ()) -> str:
    """SHA-256 of the extraction code (every module of ``posecoach.extract`` and
    ``posecoach.video``) and of the backend's model files: part of every cache key, so a
    change of the code, a local edit or another model never returns old results.

    Example
    -------
    >>> len(code_digest()), code_digest() == code_digest()
    (64, True)
    """
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for f in [*sorted(here.glob("*.py")), here.parent / "video.py", *map(Path, model_files)]:
        digest.update(f.name.encode() + b"\0")
        with contextlib.suppress(OSError), f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def cache_key(digest: str, backend: str, options: dict[str, Any]) -> str:
    """Key of one extraction: content digest + backend + options + posecoach version +
    the digest of the extraction code and models (pass it as ``options["code"]``).

    Example
    -------
    >>> a = cache_key("00", "mediapipe", {"subject": "largest"})
    >>> a == cache_key("00", "mediapipe", {"subject": "central"}), len(a)
    (False, 64)
    """
    from posecoach import __version__

    blob = json.dumps(
        {"content": digest, "backend": backend, "options": options, "posecoach": __version__},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def entry_path(key: str) -> Path:
    """Where the entry for ``key`` lives.

    Example
    -------
    >>> entry_path("ab" * 32).name.endswith(".pose.npz")
    True
    """
    return cache_root() / "poses" / f"{key}.pose.npz"


def load_entry(key: str) -> PoseSequence | None:
    """The cached sequence, or None (missing, or unreadable and then removed).

    Example
    -------
    >>> load_entry("0" * 64) is None
    True
    """
    from posecoach.io.native import read_npz

    path = entry_path(key)
    if not path.is_file():
        return None
    try:
        return read_npz(path)
    except Exception:  # a damaged entry is just recomputed
        with contextlib.suppress(OSError):
            path.unlink()  # a damaged entry of posecoach's own cache
        return None


def store_entry(key: str, seq: PoseSequence) -> Path:
    """Write ``seq`` as the entry for ``key`` (atomically) and return its path."""
    from posecoach.io.native import write_npz

    path = entry_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_npz(seq, path)
    return path
