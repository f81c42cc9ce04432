"""The web app's own files in its data dir: removal after a delete, stale temporaries, full disks.

The data dir holds what posecoach stored (``videos/``, ``poses/``, ``results/``, ``tmp/``
and the SQLite file). Files are removed only when the database rows naming them are gone
(the store commits first and hands back the paths), only inside those folders, each path
checked with :func:`~posecoach.web.uploads.safe_path`. Temporary files and folders follow
posecoach's one pattern (:data:`posecoach.atomic.TEMP_PREFIX`); at start-up the ones a
killed server left behind are removed (:func:`remove_stale_temporaries`), nothing else.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Iterable
from pathlib import Path

from posecoach.atomic import remove_stale_temporaries as _remove_stale
from posecoach.errors import DiskFullError, InputError
from posecoach.web.uploads import safe_path

__all__ = [
    "OWN_FOLDERS",
    "disk_full",
    "is_disk_full",
    "remove_owned_files",
    "remove_stale_temporaries",
]

#: The data-dir folders whose files rows name; nothing outside them is ever removed.
OWN_FOLDERS = ("videos", "poses", "results")
_TEMP_FOLDERS = ("", "tmp", "results", "poses", "videos/references", "videos/attempts")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def owned_path(data_dir: Path, relative: str) -> Path:
    """The absolute path of a stored file, refused unless strictly inside an own folder.

    Example
    -------
    >>> owned_path(Path("/data"), "results/job_3").as_posix()
    '/data/results/job_3'
    >>> owned_path(Path("/data"), "results")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: expected a path inside videos/, ... got 'results'
    """
    path = safe_path(data_dir, relative)
    for folder in OWN_FOLDERS:
        if safe_path(data_dir, folder) in path.parents:
            return path
    raise InputError(
        f"expected a path inside videos/, poses/ or results/ of the data dir, got {relative!r}"
    )


def remove_owned_files(data_dir: Path, relatives: Iterable[str]) -> tuple[list[str], list[str]]:
    """Remove stored files (or result folders) whose rows were deleted; return (removed, kept).

    Call it only after the transaction that deleted the rows committed. A path outside the
    own folders, or one that cannot be removed, is kept and reported, never guessed at.

    Example
    -------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> (d / "results" / "job_1").mkdir(parents=True)
    >>> _ = (d / "results" / "job_1" / "result.json").write_text("{}")
    >>> remove_owned_files(d, ["results/job_1", "../elsewhere.txt"])
    (['results/job_1'], ['../elsewhere.txt'])
    >>> (d / "results").exists(), (d / "results" / "job_1").exists()
    (True, False)
    """
    removed: list[str] = []
    kept: list[str] = []
    for rel in relatives:
        try:
            path = owned_path(data_dir, rel)
            if path.is_dir():
                # a result folder named by a deleted result row: posecoach wrote all of it
                shutil.rmtree(path)
            else:
                # a video or skeleton named by a deleted row (generated name, posecoach's)
                path.unlink(missing_ok=True)
        except (OSError, InputError):
            kept.append(rel)
            continue
        removed.append(rel)
    return removed, kept


def remove_stale_temporaries(data_dir: Path) -> list[Path]:
    """Remove the temporaries a killed server left in the data dir's folders; return them.

    Only names of posecoach's temporary pattern, made on this machine by a process that is
    gone, are removed (see :func:`posecoach.atomic.remove_stale_temporaries`).

    Example
    -------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "notes.txt").write_text("mine")
    >>> remove_stale_temporaries(d), sorted(p.name for p in d.iterdir())
    ([], ['notes.txt'])
    """
    removed: list[Path] = []
    for folder in _TEMP_FOLDERS:
        removed += _remove_stale(Path(data_dir) / folder)
    return removed


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` means the disk (or the database's disk) is full.

    Example
    -------
    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(OSError(errno.EACCES, "Permission denied"))
    False
    """
    if isinstance(exc, DiskFullError):
        return True
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
        return True
    return "database or disk is full" in str(exc)  # SQLite's SQLITE_FULL


def disk_full(what: str) -> DiskFullError:
    """The job error for a full disk while writing ``what``.

    Example
    -------
    >>> print(disk_full("the result"))  # doctest: +ELLIPSIS
    disk full: no space left while writing the result; ... free some space and retry
    """
    return DiskFullError(
        f"disk full: no space left while writing {what}; nothing partial was kept, "
        "free some space and retry"
    )
