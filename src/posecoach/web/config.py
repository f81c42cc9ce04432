"""Settings of the web app, from arguments or ``POSECOACH_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import InputError

__all__ = ["Settings", "default_data_dir", "is_loopback"]

DEFAULT_MAX_UPLOAD_MB = 200.0


def default_data_dir() -> Path:
    """``POSECOACH_DATA_DIR`` or ``~/.local/share/posecoach``.

    Example
    -------
    >>> default_data_dir().name in ("posecoach", os.environ.get("POSECOACH_DATA_DIR", "")[-9:])
    True
    """
    env = os.environ.get("POSECOACH_DATA_DIR")
    return Path(env) if env else Path.home() / ".local" / "share" / "posecoach"


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` only accepts connections from this machine.

    Example
    -------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class Settings:
    """Everything :func:`posecoach.web.create_app` needs.

    ``compare_fn`` / ``extract_fn`` / ``person_check`` / ``people_fn`` default to the real
    pipeline (``posecoach.app.compare.compare_files``, ``posecoach.extract.extract``, a
    BlazePose detection on a few frames, ``posecoach.app.people.find_people``); tests pass
    small stand-ins. ``job_processes`` runs jobs in child processes
    (``posecoach serve`` turns it on; stand-ins must then be importable functions).
    ``render=False`` stores scores and cues only (no videos, plots or report).

    Example
    -------
    >>> s = Settings(data_dir=Path("/tmp/x"), host="0.0.0.0", token="secret-t0ken")
    >>> s.max_upload_bytes
    209715200
    >>> Settings(data_dir=Path("/tmp/x"), host="0.0.0.0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    posecoach.errors.InputError: binding 0.0.0.0 (not loopback) requires a token: ...
    """

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    token: str | None = None
    database_url: str | None = None
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB
    workers: int = 1
    max_tries: int = 2
    check_person: bool = True
    render: bool = True
    job_processes: bool = False
    tls: bool = False  # served over HTTPS: the token cookie gets the Secure flag
    compare_fn: Callable[..., Any] | None = None
    extract_fn: Callable[..., Any] | None = None
    person_check: Callable[[Path, int], bool] | None = None
    people_fn: Callable[[Path], Any] | None = None

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.token is not None and len(self.token) < 8:
            raise InputError(f"expected a token of at least 8 characters, got {len(self.token)}")
        if not is_loopback(self.host) and not self.token:
            raise InputError(
                f"binding {self.host} (not loopback) requires a token: "
                "pass --token or set POSECOACH_TOKEN"
            )
        if self.max_upload_mb <= 0:
            raise InputError(f"expected a positive upload limit, got {self.max_upload_mb} MB")
        if self.workers < 1:
            raise InputError(f"expected at least 1 worker, got {self.workers}")

    @property
    def max_upload_bytes(self) -> int:
        """The upload size limit in bytes."""
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from ``POSECOACH_TOKEN``, ``POSECOACH_DATABASE_URL``,
        ``POSECOACH_MAX_UPLOAD_MB``, ``POSECOACH_DATA_DIR``; explicit arguments win."""
        values: dict[str, Any] = {
            "token": os.environ.get("POSECOACH_TOKEN") or None,
            "database_url": os.environ.get("POSECOACH_DATABASE_URL") or None,
        }
        if os.environ.get("POSECOACH_MAX_UPLOAD_MB"):
            values["max_upload_mb"] = float(os.environ["POSECOACH_MAX_UPLOAD_MB"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
