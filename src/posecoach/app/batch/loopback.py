"""A real Dask cluster on 127.0.0.1: a scheduler and workers as separate processes.

What ``dask scheduler`` and ``dask worker`` start on a cluster's machines, started here on
one machine (free ports, loopback only) for tests, benchmarks and trying ``--scheduler``::

    with LoopbackCluster(workers=2) as cluster:
        report = run_batch(["clips"], "out", scheduler=cluster.address)

Workers run without a nanny (``--no-nanny``): a worker killed is gone, not restarted,
as when a machine of a cluster dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["LoopbackCluster", "free_port"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now.

    Example
    -------
    >>> 1024 < free_port() < 65536
    True
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Dask scheduler exited with code {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"the Dask scheduler did not listen on port {port} in {timeout:.0f} s")


class LoopbackCluster:
    """Start ``python -m distributed.cli.dask_scheduler`` and ``workers`` workers.

    Parameters
    ----------
    workers
        Worker processes, one thread each.
    env
        Extra environment of the workers (e.g. ``POSECOACH_CACHE_DIR``).
    log_dir
        Where each process's output goes (default: discarded).
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        env: Mapping[str, str] | None = None,
        log_dir: str | Path | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.n_workers = workers
        self.env = {**os.environ, **(env or {})}
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.timeout = timeout
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.scheduler: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []
        self._logs: list[Any] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        out: Any = subprocess.DEVNULL
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop)
            self._logs.append(out)
        return subprocess.Popen(
            [sys.executable, "-m", *args], env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def start(self) -> LoopbackCluster:
        """Start the scheduler, then the workers; return once every worker has joined."""
        self.scheduler = self._start(
            "scheduler",
            [
                *("distributed.cli.dask_scheduler", "--host", "127.0.0.1"),
                *("--port", str(self.port), "--no-dashboard"),
            ],
        )
        _wait_for_port(self.port, self.scheduler, self.timeout)
        for i in range(self.n_workers):
            self.workers.append(
                self._start(
                    f"worker{i}",
                    [
                        *("distributed.cli.dask_worker", self.address, "--host", "127.0.0.1"),
                        *("--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}"),
                    ],
                )
            )
        from distributed import Client

        with Client(self.address, timeout=self.timeout) as client:
            client.wait_for_workers(self.n_workers, timeout=self.timeout)
        return self

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> process id (of the workers alive now)."""
        from distributed import Client

        with Client(self.address, timeout=self.timeout) as client:
            return {addr: int(pid) for addr, pid in client.run(os.getpid).items()}

    def stop(self) -> None:
        """Stop every process this cluster started (terminate, then kill)."""
        for proc in [*self.workers, *([self.scheduler] if self.scheduler else [])]:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in [*self.workers, *([self.scheduler] if self.scheduler else [])]:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()  # one of this cluster's own processes
                proc.wait()
        for log in self._logs:
            log.close()

    def __enter__(self) -> LoopbackCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
