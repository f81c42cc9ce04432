"""Atomic file writing: write to a temporary sibling, then rename over the target.

Every file posecoach writes goes through :func:`atomic_path`: the content is written under a
temporary name in the target's folder, flushed to disk, and renamed onto the target in one
step, so a run killed at any moment (even with SIGKILL) leaves the old file or the new one,
never a partial one.

Temporary names follow one pattern, ``.posecoach-tmp-<host>-<pid>-<random>.<name>``, so that
a later run can recognise the ones a killed run left behind:
:func:`remove_stale_temporaries` removes only names of that pattern, only those created on
this machine by this user, and only when the process that created them is gone.

A full disk raises :class:`~posecoach.errors.DiskFullError` ("disk full: ...") after the
temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posecoach.errors import DiskFullError

__all__ = [
    "TEMP_PREFIX",
    "atomic_path",
    "disk_full_error",
    "fsync_folder",
    "is_temporary",
    "make_temp_folder",
    "remove_stale_temporaries",
]

#: Every temporary file or folder posecoach creates starts with this.
TEMP_PREFIX = ".posecoach-tmp-"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_PATTERN = re.compile(r"^\.posecoach-tmp-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


def _own_prefix() -> str:
    return f"{TEMP_PREFIX}{_HOST}-{os.getpid()}-"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one of posecoach's temporary names.

    Example
    -------
    >>> is_temporary(".posecoach-tmp-0123abcd-42-x1y2.result.json")
    True
    >>> is_temporary("result.json")
    False
    """
    return _PATTERN.match(name) is not None


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs; a zombie (killed, not yet reaped) does not.

    A killed server's job workers die with it but can stay zombies until something reaps
    them; ``kill(pid, 0)`` still succeeds on a zombie, so ``/proc`` is asked where it exists.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (not Linux), or it just ended: kill() said it exists
    state = stat.rsplit(")", 1)[-1].split()[:1]
    return state not in (["Z"], ["X"])


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove temporaries that a killed posecoach run left in ``folder``; return them.

    Only entries named by :data:`TEMP_PREFIX`'s pattern are considered, and of those only
    the ones made on this machine, owned by this user, whose process no longer runs. Nothing
    else in the folder is touched.

    Example
    -------
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / ".posecoach-tmp-00000000-999999999-ab.x.json").write_text("{")
    >>> _ = (d / "mine.json").write_text("{}")
    >>> stale = remove_stale_temporaries(d)  # (host 00000000 is not this one: kept)
    >>> sorted(p.name for p in d.iterdir())
    ['.posecoach-tmp-00000000-999999999-ab.x.json', 'mine.json']
    """
    removed: list[Path] = []
    root = Path(folder)
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    pending = _pending_staging(root)
    for entry in entries:
        m = _PATTERN.match(entry.name)
        if m is None or m["host"] != _HOST or _pid_alive(int(m["pid"])):
            continue
        if entry.name == pending:
            continue  # a killed commit's files: the next run of the folder completes it
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            if entry.is_dir(follow_symlinks=False):
                # A posecoach temporary folder whose process is gone: all of it is ours.
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)  # a posecoach temporary file whose process is gone
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


#: The commit journal of an output folder (:mod:`posecoach.app.outputs`): the staging
#: folder it names is never a stale temporary.
JOURNAL_NAME = ".posecoach-commit.json"


def _pending_staging(root: Path) -> str | None:
    import json

    try:
        return str(json.loads((root / JOURNAL_NAME).read_text(encoding="utf-8"))["staging"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fsync_folder(folder: str | Path) -> None:
    """Flush a folder's entries (a rename inside it) to disk; ignored where unsupported."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_tree(path: Path) -> None:
    paths = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    for p in paths:
        with contextlib.suppress(OSError), open(p, "rb") as fh:
            os.fsync(fh.fileno())


def disk_full_error(target: str | Path, exc: OSError) -> DiskFullError:
    """The one message for a full disk while writing ``target``.

    Example
    -------
    >>> str(disk_full_error("out/result.json", OSError(errno.ENOSPC, "No space")))[:30]
    'disk full: no space left while'
    """
    return DiskFullError(
        f"disk full: no space left while writing {target} ({exc.strerror or exc}); "
        "nothing partial was kept, free some space and run again"
    )


def make_temp_folder(parent: str | Path, label: str = "") -> Path:
    """Create a new temporary folder of posecoach's pattern inside ``parent``.

    Its mode is what ``mkdir`` would give (0777 less the umask), not mkdtemp's 0700.

    Example
    -------
    >>> tmp = make_temp_folder(tempfile.mkdtemp(), "result")
    >>> is_temporary(tmp.name), tmp.is_dir()
    (True, True)
    """
    folder = Path(parent)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    try:
        tmp = Path(
            tempfile.mkdtemp(prefix=_own_prefix(), suffix=f".{label}" if label else "", dir=folder)
        )
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise disk_full_error(folder, exc) from None
        raise
    tmp.chmod(0o777 & ~_current_umask())
    return tmp


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed to ``path``.

    On any exception the temporary file (or folder, if the caller made one there) is
    removed and ``path`` is untouched, so no partial output is ever left behind. The
    content is flushed to disk before the rename.

    Parameters
    ----------
    path
        The file to write.
    suffix
        Ending of the temporary name (default: ``path``'s), for writers that choose the
        format by file ending.

    Raises
    ------
    DiskFullError
        The disk filled up (ENOSPC, EDQUOT); the temporary file is gone.

    Example
    -------
    >>> target = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("hi")
    >>> open(target).read()
    'hi'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f"{_own_prefix()}", suffix=f".{target.name}{suffix}", dir=target.parent
        )
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise disk_full_error(target, exc) from None
        raise
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600; give the file the mode open() would (0666 less the umask).
    os.chmod(tmp, 0o666 & ~_current_umask())
    try:
        yield tmp
        _fsync_tree(tmp)
        os.replace(tmp, target)  # the complete new file onto the name the caller asked for
        fsync_folder(target.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            if tmp.is_dir():
                shutil.rmtree(tmp)  # our own temporary folder (made by the caller in tmp)
            else:
                tmp.unlink()  # our own temporary file
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
            raise disk_full_error(target, exc) from None
        raise
