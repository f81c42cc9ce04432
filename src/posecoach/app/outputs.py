"""Output folders that never lose a user's file.

The rule, for every command that takes ``-o DIR``: posecoach only ever writes, replaces or
removes files that it created itself.

- A folder that does not exist is created.
- A folder holding an earlier posecoach result is updated: posecoach recognises it by the
  manifest it left there (``.posecoach-manifest.json``, the files it wrote with their
  SHA-256), replaces only those files, and keeps everything else.
- A non-empty folder that is not a posecoach result is refused
  (:class:`~posecoach.errors.OutputFolderError`), unless ``force=True``: then posecoach's
  files are written beside the user's. Even then no file posecoach did not write is replaced
  or removed: a name that clashes with a user's file, or a posecoach file the user changed
  since, is refused by name.

A result is built in a temporary folder inside ``DIR`` and committed under an exclusive lock
on ``DIR``: a journal (``.posecoach-commit.json``) naming every file is written first, then
each file is renamed into place, the files of the previous result that the new one no longer
has are removed, and the new manifest replaces the old one. A run killed during the commit
leaves the journal, and the next posecoach run on the folder (or :func:`recover`) rolls the
commit forward, so the folder holds the old result or the new one, never a mix; a run
killed before the commit leaves the old result and a temporary folder that the next run
removes. Two runs into the same folder commit one after the other: the last one's complete
result is what remains.

Example
-------
>>> import tempfile
>>> out = Path(tempfile.mkdtemp()) / "result"
>>> folder = OutputFolder(out, tool="example")
>>> with folder.transaction() as tmp:
...     _ = (tmp / "result.json").write_text("{}")
>>> sorted(p.name for p in out.iterdir())
['.posecoach-manifest.json', 'result.json']
>>> _ = (out / "notes.txt").write_text("mine")
>>> with OutputFolder(out, tool="example").transaction() as tmp:
...     _ = (tmp / "report.html").write_text("<html>")
>>> sorted(p.name for p in out.iterdir())
['.posecoach-manifest.json', 'notes.txt', 'report.html']
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.atomic import (
    JOURNAL_NAME,
    atomic_path,
    fsync_folder,
    is_temporary,
    make_temp_folder,
    remove_stale_temporaries,
)
from posecoach.errors import OutputFolderError

__all__ = [
    "JOURNAL_NAME",
    "MANIFEST_NAME",
    "Manifest",
    "OutputFolder",
    "check_output_file",
    "read_manifest",
    "recover",
    "sha256_file",
]

MANIFEST_NAME = ".posecoach-manifest.json"
_FORMAT = "posecoach-output-manifest"
_INTERNAL = frozenset({MANIFEST_NAME, JOURNAL_NAME})
_HINT = "choose a new or empty folder, or add --force to write posecoach's files beside yours"


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes (what a manifest records).

    Example
    -------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_sha256 = sha256_file


@dataclass(frozen=True)
class Manifest:
    """What posecoach wrote in an output folder: relative path -> SHA-256.

    Example
    -------
    >>> Manifest("compare", {"result.json": "ab"}).to_dict()["files"]
    {'result.json': 'ab'}
    """

    tool: str
    files: dict[str, str] = field(default_factory=dict)
    updated_utc: str = ""
    #: Which command wrote each file (default: ``tool``): a command replacing "its
    #: result" replaces only files it wrote itself, never another command's (a compare
    #: into a batch folder keeps the batch's pose files).
    owners: dict[str, str] = field(default_factory=dict)

    def owner(self, rel: str) -> str:
        return self.owners.get(rel, self.tool)

    def to_dict(self) -> dict[str, Any]:
        from posecoach import __version__

        return {
            "format": _FORMAT,
            "tool": self.tool,
            "posecoach": __version__,
            "updated_utc": self.updated_utc or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": dict(sorted(self.files.items())),
            "owners": {rel: self.owner(rel) for rel in sorted(self.files)},
        }

    @classmethod
    def from_dict(cls, data: Any) -> Manifest | None:
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        files = data.get("files")
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _safe_relative(k)
            for k, v in files.items()
        ):
            return None
        owners = data.get("owners")
        owners = (
            {str(k): str(v) for k, v in owners.items() if k in files}
            if isinstance(owners, dict)
            else {}
        )
        return cls(str(data.get("tool", "")), dict(files), str(data.get("updated_utc", "")), owners)


def _safe_relative(rel: str) -> bool:
    p = Path(rel)
    return bool(rel) and not p.is_absolute() and ".." not in p.parts


def read_manifest(folder: str | Path) -> Manifest | None:
    """The manifest of a posecoach output folder, or None if it has none (or a bad one).

    Example
    -------
    >>> import tempfile
    >>> read_manifest(tempfile.mkdtemp()) is None
    True
    """
    path = Path(folder) / MANIFEST_NAME
    try:
        return Manifest.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _user_entries(folder: Path, manifest: Manifest | None) -> list[str]:
    """Top-level names in ``folder`` that posecoach did not write there."""
    ours = {Path(rel).parts[0] for rel in (manifest.files if manifest else {})}
    names = []
    for entry in sorted(os.listdir(folder)):
        if entry in _INTERNAL or is_temporary(entry) or entry in ours:
            continue
        names.append(entry)
    return names


def _listing(names: Sequence[str], most: int = 4) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on the folder itself (no lock file is left behind)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def recover(folder: str | Path) -> bool:
    """Finish a commit that a killed run left half done; True if there was one.

    Called by every :class:`OutputFolder` before it reads the folder; call it before
    reading a result folder that a run may have been killed writing.

    Example
    -------
    >>> import tempfile
    >>> recover(tempfile.mkdtemp())
    False
    """
    root = Path(folder)
    if not (root / JOURNAL_NAME).exists():
        return False
    with _locked(root):
        return _roll_forward(root)


def _roll_forward(root: Path) -> bool:
    journal_path = root / JOURNAL_NAME
    try:
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        staging = root / str(journal["staging"])
        manifest = Manifest.from_dict(journal["manifest"])
        remove = {str(k): str(v) for k, v in journal["remove"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not a journal this code wrote: leave it alone
    if manifest is None or not is_temporary(staging.name) or staging.parent != root:
        return False
    # Roll forward only a journal whose every file is still staged or already in place
    # with the journal's content; otherwise (its staging folder was lost) abandon it and
    # keep the folder as it is.
    for rel, digest in manifest.files.items():
        target = root / rel
        if not (staging / rel).is_file() and not (target.is_file() and _sha256(target) == digest):
            journal_path.unlink()  # our journal, which can no longer be completed
            return False
    for rel in manifest.files:
        src = staging / rel
        if src.exists():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, root / rel)  # our staged file onto our (or a new) name
    for rel, digest in remove.items():
        path = root / rel
        # Only a file of the previous result that is still exactly what posecoach wrote.
        if path.is_file() and _sha256(path) == digest:
            path.unlink()  # posecoach's own file of the previous result, unchanged since
            _remove_empty_parents(path.parent, root)
    _write_json(root / MANIFEST_NAME, manifest.to_dict())
    journal_path.unlink()  # the journal is ours and its work is done
    if staging.exists():
        import shutil

        shutil.rmtree(staging)  # our temporary folder, emptied by the renames above
    fsync_folder(root)
    return True


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()  # only succeeds on an empty folder
        except OSError:
            return
        folder = folder.parent


class OutputFolder:
    """An output folder that posecoach writes by the rule in this module's docstring.

    Creating one checks the rule at once (before any long work), so a run that would be
    refused fails in its first second.

    Parameters
    ----------
    path
        The output folder (created if missing).
    force
        Write beside files posecoach did not write (still never replacing one).
    tool
        Name of the command, recorded in the manifest.

    Raises
    ------
    OutputFolderError
        ``path`` is a file, is not writable, or holds files posecoach did not write
        (without ``force``).
    """

    def __init__(
        self, path: str | os.PathLike[str], *, force: bool = False, tool: str = ""
    ) -> None:
        self.path = Path(path).absolute()
        self.force = force
        self.tool = tool or "posecoach"
        self._created = False
        self.check()

    # ------------------------------------------------------------------ checks
    def check(self) -> None:
        """Raise :class:`OutputFolderError` if this run may not write into the folder."""
        path = self.path
        if path.exists() and not path.is_dir():
            raise OutputFolderError(
                f"output folder {path}: expected a folder, got a file; choose another name"
            )
        probe = path
        while not probe.exists():
            probe = probe.parent
        if not probe.is_dir():
            raise OutputFolderError(f"output folder {path}: {probe} is a file, not a folder")
        if not os.access(probe, os.W_OK | os.X_OK):
            raise OutputFolderError(f"output folder {path}: {probe} is not writable")
        if not path.exists():
            return
        recover(path)
        manifest = read_manifest(path)
        if manifest is not None or self.force:
            return
        foreign = _user_entries(path, None)
        if foreign:
            raise OutputFolderError(
                f"output folder {path} already holds files that posecoach did not write "
                f"({_listing(foreign)}); {_HINT}"
            )

    def _check_names(self, names: Iterable[str], manifest: Manifest | None) -> None:
        """Refuse to replace any file posecoach did not write (or that was changed)."""
        known = manifest.files if manifest else {}
        clashes, changed = [], []
        for rel in names:
            target = self.path / rel
            if not target.exists() and not target.is_symlink():
                continue
            if rel not in known or target.is_symlink() or not target.is_file():
                clashes.append(rel)
            elif _sha256(target) != known[rel]:
                changed.append(rel)
        if clashes:
            raise OutputFolderError(
                f"output folder {self.path}: {_listing(clashes)} would replace a file "
                "posecoach did not write; move it away or choose another folder"
            )
        if changed:
            raise OutputFolderError(
                f"output folder {self.path}: {_listing(changed)} changed since posecoach "
                "wrote it; move it away or choose another folder so your version is kept"
            )

    # ------------------------------------------------------------------ writing
    def staging(self) -> Path:
        """A new temporary folder inside the output folder to write a result into."""
        if not self.path.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self._created = True
        remove_stale_temporaries(self.path)
        return make_temp_folder(self.path, self.tool)

    def discard(self, staging: Path) -> None:
        """Remove a staging folder without committing it (a failed run)."""
        if staging.exists() and is_temporary(staging.name) and staging.parent == self.path:
            import shutil

            shutil.rmtree(staging)  # our own temporary folder
        if self._created:
            with contextlib.suppress(OSError):
                self.path.rmdir()  # the folder this run created, if still empty

    def commit(
        self, staging: Path, *, replace_all: bool = True, protect: Iterable[str | Path] = ()
    ) -> Manifest:
        """Move the staged files into the folder as one step; return the new manifest.

        ``replace_all=True``: the staged files are the whole new result (files this same
        command wrote there before that the new result lacks are removed; other
        commands' files stay). ``False``: they are added to what is there. Files in
        ``protect`` (e.g. this run's inputs) are never removed.
        """
        protected = {Path(p).resolve() for p in protect}
        files = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())
        digests = {rel: _sha256(staging / rel) for rel in files}
        with _locked(self.path):
            _roll_forward(self.path)
            old = read_manifest(self.path)
            self._check_names(files, old)
            kept: dict[str, str] = {}
            owners: dict[str, str] = {}
            remove: dict[str, str] = {}
            for rel, digest in (old.files if old else {}).items():
                if rel in digests:
                    continue
                path = self.path / rel
                if not path.is_file():
                    continue
                mine = old is not None and old.owner(rel) == self.tool
                if replace_all and mine and path.resolve() not in protected:
                    if _sha256(path) == digest:
                        remove[rel] = digest
                    continue  # changed by the user since: now theirs, no longer listed
                kept[rel] = digest
                owners[rel] = old.owner(rel) if old is not None else self.tool
            owners.update({rel: self.tool for rel in digests})
            manifest = Manifest(self.tool, {**kept, **digests}, owners=owners)
            journal = {
                "staging": staging.name,
                "manifest": manifest.to_dict(),
                "remove": remove,
            }
            _write_json(self.path / JOURNAL_NAME, journal)
            _roll_forward(self.path)
        return manifest

    @contextlib.contextmanager
    def transaction(
        self, *, replace_all: bool = True, protect: Iterable[str | Path] = ()
    ) -> Iterator[Path]:
        """Yield a staging folder; commit it on success, discard it on any error.

        Example
        -------
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp()) / "o"
        >>> with OutputFolder(out).transaction() as tmp:
        ...     _ = (tmp / "a.txt").write_text("1")
        >>> (out / "a.txt").read_text()
        '1'
        """
        staging = self.staging()
        try:
            yield staging
            self.commit(staging, replace_all=replace_all, protect=protect)
        except BaseException:
            self.discard(staging)
            raise


def check_output_file(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
    force: bool = False,
) -> Path:
    """Check that a command may write the one file ``path``; return it.

    A file that already exists is replaced only with ``force`` (posecoach cannot tell a
    file it wrote from a user's by its name); an input of the same command is never
    replaced, with or without ``force``.

    Raises
    ------
    OutputFolderError
        ``path`` is an input, a folder, or an existing file without ``force``.

    Example
    -------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("x")
    >>> check_output_file(d / "b.csv", inputs=[d / "a.csv"]).name
    'b.csv'
    >>> check_output_file(d / "a.csv", inputs=[d / "a.csv"], force=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.OutputFolderError: output ... is also an input of this command; ...
    """
    out = Path(path)
    resolved = out.resolve()
    for src in inputs:
        s = Path(src)
        if s.exists() and (s.resolve() == resolved or _same_file(s, out)):
            raise OutputFolderError(
                f"output {out} is also an input of this command; choose another output name"
            )
    if out.is_dir():
        raise OutputFolderError(f"output {out}: expected a file name, got a folder")
    if out.exists() and not force:
        raise OutputFolderError(
            f"output {out} already exists; add --force to replace it, or choose another name"
        )
    return out


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
