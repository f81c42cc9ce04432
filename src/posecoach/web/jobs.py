"""Background job runner: worker threads that claim persisted jobs from the store.

Jobs live in the database, not in memory: the runner claims the oldest queued job with a
conditional UPDATE, reports progress into the job row, and records success or the failure
reason. On start it calls :meth:`Store.recover_jobs`, so a job that was ``running`` when the
server died is re-queued (resumed from the start) or, after ``max_tries``, marked failed with
the reason -- never silently lost.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import PoseCoachError
from posecoach.store import Store

__all__ = ["JobContext", "JobRunner"]


@dataclass
class JobContext:
    """What a handler gets: the job row, the store, the data dir and a progress callback."""

    job: dict[str, Any]
    store: Store
    data_dir: Path
    progress: Callable[[int, int], None]


Handler = Callable[[JobContext], None]


class JobRunner:
    """Run jobs from ``store`` with ``handlers[kind]`` on ``workers`` threads.

    Example
    -------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> seen = []
    >>> handlers = {"echo": lambda ctx: seen.append(ctx.job["params"])}
    >>> runner = JobRunner(store, store.data_dir, handlers)
    >>> job = store.add_job("echo", {"x": 1})
    >>> runner.run_pending()
    1
    >>> seen, store.get_job(job["id"])["status"]
    ([{'x': 1}], 'done')
    """

    def __init__(
        self,
        store: Store,
        data_dir: Path,
        handlers: dict[str, Handler],
        *,
        workers: int = 1,
        max_tries: int = 2,
        poll_s: float = 0.5,
    ) -> None:
        self.store = store
        self.data_dir = Path(data_dir)
        self.handlers = handlers
        self.workers = workers
        self.max_tries = max_tries
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self.recovered: list[dict[str, Any]] = []

    def start(self) -> None:
        """Recover interrupted jobs, then start the worker threads."""
        self.recovered = self.store.recover_jobs(self.max_tries)
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"posecoach-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask workers to stop after their current job and wait a little for them."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def notify(self) -> None:
        """Wake the workers (a job was just queued)."""
        self._wake.set()

    def run_pending(self) -> int:
        """Run queued jobs in the calling thread until none is left; return how many ran."""
        n = 0
        while self._run_one():
            n += 1
        return n

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self._run_one()
            except Exception:  # database hiccup: wait and retry, never kill the worker
                ran = False
            if not ran:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def _run_one(self) -> bool:
        job = self.store.claim_job()
        if job is None:
            return False
        handler = self.handlers.get(job["kind"])
        if handler is None:
            self.store.fail_job(
                job["id"], f"unknown job kind {job['kind']!r}; known: {sorted(self.handlers)}"
            )
            return True
        ctx = JobContext(job, self.store, self.data_dir, self._progress(job["id"]))
        try:
            handler(ctx)
        except PoseCoachError as exc:
            self.store.fail_job(job["id"], str(exc))
        except Exception as exc:
            last = traceback.extract_tb(exc.__traceback__)[-1:]
            where = f" at {last[0].filename}:{last[0].lineno}" if last else ""
            self.store.fail_job(job["id"], f"internal error: {type(exc).__name__}: {exc}{where}")
        else:
            if self.store.get_job(job["id"])["status"] == "running":
                self.store.finish_job(job["id"])
        return True

    def _progress(self, job_id: int) -> Callable[[int, int], None]:
        """A throttled ``progress(done, total)`` writing at most ~4 times a second."""
        last = [0.0]

        def report(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] < 0.25 and done < total:
                return
            last[0] = now
            self.store.set_progress(job_id, done / total if total else 0.0, f"{done}/{total}")

        return report
