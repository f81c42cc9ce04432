"""Background job runner: workers that claim persisted jobs from the store.

Jobs live in the database, not in memory: a worker claims the oldest queued job with a
conditional UPDATE, the handler reports progress into the job row, and success or the
failure reason is recorded. On start the runner calls :meth:`Store.recover_jobs`, so a job
that was ``running`` when the server died is re-queued (resumed from the start) or, after
``max_tries``, marked failed with the reason -- never silently lost.

With ``processes=True`` (what ``posecoach serve`` uses) each worker thread hands its job to a
child process (one per worker, reused, niced, killed with the server on Linux): the heavy
work then never holds the web server's GIL, so pages and ``/health`` stay responsive, and a
crashing native library fails one job instead of the server.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import PoseCoachError
from posecoach.store import Store
from posecoach.web.files import disk_full, is_disk_full

__all__ = ["JobContext", "JobRunner", "run_job"]


@dataclass
class JobContext:
    """What a handler gets: the job row, the store, the data dir and a progress callback."""

    job: dict[str, Any]
    store: Store
    data_dir: Path
    progress: Callable[[int, int], None]


Handler = Callable[[JobContext], None]
HandlerFactory = Callable[[], dict[str, Handler]]


def _progress(store: Store, job_id: int) -> Callable[[int, int], None]:
    """A throttled ``progress(done, total)`` writing at most ~4 times a second."""
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.25 and done < total:
            return
        last[0] = now
        store.set_progress(job_id, done / total if total else 0.0, f"{done}/{total}")

    return report


def run_job(store: Store, data_dir: Path, handlers: dict[str, Handler], job: dict) -> str | None:
    """Run one claimed job's handler; return None on success or the failure reason.

    Example
    -------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> job = store.add_job("boom")
    >>> def boom(ctx):
    ...     raise ValueError("bad")
    >>> run_job(store, store.data_dir, {"boom": boom}, job).split(" at ")[0]
    'internal error: ValueError: bad'
    """
    handler = handlers.get(job["kind"])
    if handler is None:
        return f"unknown job kind {job['kind']!r}; known: {sorted(handlers)}"
    try:
        handler(JobContext(job, store, Path(data_dir), _progress(store, job["id"])))
    except PoseCoachError as exc:
        return str(exc)
    except Exception as exc:
        if is_disk_full(exc):  # a handler that did not say what it was writing
            return str(disk_full(f"the output of this {job['kind']} job"))
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" at {Path(last[0].filename).name}:{last[0].lineno}" if last else ""
        return f"internal error: {type(exc).__name__}: {exc}{where}"
    return None


# --------------------------------------------------------------------- child processes
_CHILD: dict[str, Any] = {}


def _child_init(url: str, data_dir: str, factory: HandlerFactory) -> None:
    """Per child: die with the parent (Linux), lower priority, open the store once."""
    with contextlib.suppress(Exception):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    with contextlib.suppress(OSError):
        os.nice(5)
    _CHILD.update(
        store=Store(data_dir, url, upgrade=False), data_dir=Path(data_dir), factory=factory
    )


def _child_run(job: dict) -> str | None:
    if "handlers" not in _CHILD:
        _CHILD["handlers"] = _CHILD["factory"]()
    return run_job(_CHILD["store"], _CHILD["data_dir"], _CHILD["handlers"], job)


class JobRunner:
    """Run jobs from ``store`` with the handlers ``factory()`` returns, on ``workers`` workers.

    Example
    -------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> seen = []
    >>> runner = JobRunner(store, store.data_dir, lambda: {"echo": seen.append})
    >>> job = store.add_job("echo", {"x": 1})
    >>> runner.run_pending()
    1
    >>> seen[0].job["params"], store.get_job(job["id"])["status"]
    ({'x': 1}, 'done')
    """

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        factory: HandlerFactory,
        *,
        workers: int = 1,
        max_tries: int = 2,
        processes: bool = False,
        poll_s: float = 0.5,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir)
        self.factory = factory
        self.workers = workers
        self.max_tries = max_tries
        self.processes = processes
        self.poll_s = poll_s
        self._handlers: dict[str, Handler] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pools: list[ProcessPoolExecutor | None] = [None] * workers
        self.recovered: list[dict[str, Any]] = []

    def start(self) -> None:
        """Recover interrupted jobs, then start the workers."""
        self.recovered = self.store.recover_jobs(self.max_tries)
        for i in range(self.workers):
            t = threading.Thread(
                target=self._loop, args=(i,), name=f"posecoach-job-{i}", daemon=True
            )
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop claiming jobs; stop child processes (their jobs are recovered on restart)."""
        self._stop.set()
        self._wake.set()
        for pool in self._pools:
            if pool is not None:
                for proc in list(getattr(pool, "_processes", {}).values()):
                    with contextlib.suppress(Exception):
                        proc.kill()
                pool.shutdown(wait=False, cancel_futures=True)
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def notify(self) -> None:
        """Wake the workers (a job was just queued)."""
        self._wake.set()

    def run_pending(self) -> int:
        """Run queued jobs in the calling thread until none is left; return how many ran."""
        n = 0
        while self._run_one(None):
            n += 1
        return n

    def _loop(self, slot: int) -> None:
        while not self._stop.is_set():
            try:
                ran = self._run_one(slot if self.processes else None)
            except Exception:  # database hiccup: wait and retry, never kill the worker
                ran = False
            if not ran:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def _pool(self, slot: int) -> ProcessPoolExecutor:
        pool = self._pools[slot]
        if pool is None:
            import multiprocessing

            pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_child_init,
                initargs=(self.store.url, str(self.data_dir), self.factory),
            )
            self._pools[slot] = pool
        return pool

    def _run_one(self, slot: int | None) -> bool:
        job = self.store.claim_job()
        if job is None:
            return False
        if slot is None:
            if self._handlers is None:
                self._handlers = self.factory()
            error = run_job(self.store, self.data_dir, self._handlers, job)
        else:
            try:
                error = self._pool(slot).submit(_child_run, job).result()
            except BrokenProcessPool as exc:
                self._pools[slot] = None
                if self._stop.is_set():
                    return True  # shutting down: the job stays running, recovered on restart
                error = f"the worker process died while running this job ({exc})"
        if error is not None:
            self.store.fail_job(job["id"], error)
        elif self.store.get_job(job["id"])["status"] == "running":
            self.store.finish_job(job["id"])
        return True
