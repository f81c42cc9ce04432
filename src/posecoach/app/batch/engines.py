"""Where a batch's tasks run: Dask distributed, a local process pool, or this process.

An engine runs :func:`posecoach.app.batch.task.run_task` on each :class:`TaskSpec` and
yields ``(spec, outcome)`` as tasks finish, in any order. It keeps only a window of tasks
in flight (twice the number of worker threads), taking the next spec from the iterator
when one finishes, so inputs sent as bytes are read a few at a time, never all at once.
A worker that dies (killed, out of memory) never stops the batch:

- ``dask`` (the default): a local cluster of worker processes, one thread each (one per
  core unless told), or an existing cluster (``scheduler="tcp://host:port"``). Dask's
  scheduler moves the task of a dead worker to another worker; a task that kills three
  workers (``distributed.scheduler.allowed-failures``) is reported failed. The batch's
  shared part (options, references, classifier bytes) is sent to each worker once.
- ``pool``: :class:`concurrent.futures.ProcessPoolExecutor` (the former method): a dead
  worker breaks the pool, and the tasks still in it are reported failed.
- ``inline``: one task after another in this process (debugging, stand-ins in tests).

Example
-------
>>> engine_names()
['dask', 'inline', 'pool']
>>> get_engine("spark")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
posecoach.errors.InputError: unknown batch engine 'spark'; expected one of ['dask', ...]
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from posecoach.app.batch.task import BatchJob, TaskOutcome, TaskSpec, run_task
from posecoach.errors import InputError
from posecoach.registry import Registry

__all__ = ["DaskEngine", "Engine", "InlineEngine", "PoolEngine", "engine_names", "get_engine"]

Done = Iterator[tuple[TaskSpec, TaskOutcome]]


class Engine(Protocol):
    """Runs tasks; used as a context manager (``with engine: engine.run(...)``)."""

    name: str

    def __enter__(self) -> Engine: ...

    def __exit__(self, *exc: object) -> None: ...

    def describe(self) -> str:
        """One line: what runs the tasks (for the CLI and the summary)."""
        ...

    def run(self, specs: Iterable[TaskSpec], job: BatchJob) -> Done:
        """Yield ``(spec, outcome)`` for every spec, as each finishes."""
        ...


def _failed(spec: TaskSpec, reason: str) -> TaskOutcome:
    return TaskOutcome(spec.index, "failed", reason)


def _default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class InlineEngine:
    """Every task in this process, one after the other."""

    name = "inline"

    def __init__(self, **_: Any) -> None:
        pass

    def __enter__(self) -> InlineEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def describe(self) -> str:
        return "this process, one input at a time"

    def run(self, specs: Iterable[TaskSpec], job: BatchJob) -> Done:
        for spec in specs:
            yield spec, run_task(spec, job)


def _windowed(
    specs: Iterable[TaskSpec],
    window: int,
    submit: Callable[[TaskSpec], Any],
    finished: Callable[[], tuple[Any, TaskOutcome | BaseException]],
    pending: dict[Any, TaskSpec],
) -> Done:
    """Keep ``window`` tasks in flight; yield each as it finishes (shared by the engines)."""
    source = iter(specs)
    for spec in source:
        pending[submit(spec)] = spec
        if len(pending) >= window:
            break
    while pending:
        handle, result = finished()
        spec = pending.pop(handle)
        if isinstance(result, BaseException):
            result = _failed(spec, _died(result))
        nxt = next(source, None)
        if nxt is not None:
            pending[submit(nxt)] = nxt
        yield spec, result


def _died(exc: BaseException) -> str:
    kind = type(exc).__name__
    if kind == "KilledWorker":
        return f"the workers that ran it died each time (out of memory? see --memory-limit): {exc}"
    if kind == "BrokenProcessPool":
        return f"a worker process died and broke the pool: {exc}"
    return f"{kind}: {exc}"


class PoolEngine:
    """A local :class:`~concurrent.futures.ProcessPoolExecutor` of spawned processes."""

    name = "pool"

    def __init__(self, workers: int | None = None, **_: Any) -> None:
        self.workers = workers or _default_workers()
        self._pool: Any = None

    def __enter__(self) -> PoolEngine:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawned, not forked: MediaPipe's threads do not survive fork
        ctx = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self) -> str:
        return f"a local process pool of {self.workers} workers"

    def run(self, specs: Iterable[TaskSpec], job: BatchJob) -> Done:
        from concurrent.futures import FIRST_COMPLETED, Future, wait

        pending: dict[Any, TaskSpec] = {}

        def submit(spec: TaskSpec) -> Future[TaskOutcome]:
            try:
                return self._pool.submit(run_task, spec, job)
            except Exception as exc:  # a broken pool takes no more work: this input fails
                refused: Future[TaskOutcome] = Future()
                refused.set_exception(exc)
                return refused

        def finished() -> tuple[Any, TaskOutcome | BaseException]:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            fut = next(iter(done))
            exc = fut.exception()
            return fut, exc if exc is not None else fut.result()

        yield from _windowed(specs, 2 * self.workers, submit, finished, pending)


class DaskEngine:
    """Dask distributed: a local cluster of processes, or an existing one by address.

    Parameters
    ----------
    workers
        Worker processes of the local cluster (default: one per core). Ignored with
        ``scheduler``.
    scheduler
        ``tcp://host:port`` of a running Dask scheduler whose workers have posecoach
        installed.
    memory_limit
        Per worker of the local cluster (``"4GiB"``, ``"auto"``: the machine's memory
        shared out); a worker past it is restarted and its task run again elsewhere.
    """

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        memory_limit: str | None = "auto",
        **_: Any,
    ) -> None:
        self.workers = workers or _default_workers()
        self.scheduler = scheduler
        self.memory_limit = memory_limit or "auto"
        self.client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> DaskEngine:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise InputError(
                f"the dask engine needs Dask distributed: pip install 'posecoach[batch]' ({exc})"
            ) from None
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="20s")
                self.client.wait_for_workers(1, timeout=60)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    memory_limit=self.memory_limit,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.__exit__()
            where = self.scheduler or "a local cluster"
            raise InputError(f"Dask scheduler {where}: could not connect ({exc})") from None
        return self

    def __exit__(self, *exc: object) -> None:
        for closable in (self.client, self._cluster):
            if closable is not None:
                with contextlib.suppress(Exception):
                    closable.close()
        self.client = self._cluster = None

    def threads(self) -> int:
        """Worker threads the cluster has now."""
        info = self.client.scheduler_info()
        return int(sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())) or 1

    def describe(self) -> str:
        where = (
            f"the Dask cluster at {self.scheduler}" if self.scheduler else "a local Dask cluster"
        )
        return f"{where} ({self.threads()} worker threads)"

    def run(self, specs: Iterable[TaskSpec], job: BatchJob) -> Done:
        from distributed import as_completed

        client = self.client
        shared = client.scatter(job, broadcast=True, hash=False)  # once per worker
        stream = as_completed()
        run_id = uuid.uuid4().hex[:8]
        pending: dict[Any, TaskSpec] = {}

        def submit(spec: TaskSpec) -> Any:
            # (an input's bytes travel with its task, through the scheduler: data scattered
            # to one worker would be lost with it, and its task could not run elsewhere)
            fut = client.submit(
                run_task, spec, shared, key=f"posecoach-batch-{run_id}-{spec.index}", pure=False
            )
            stream.add(fut)
            return fut

        def finished() -> tuple[Any, TaskOutcome | BaseException]:
            fut = next(stream)
            try:
                return fut, fut.result()
            except Exception as exc:  # the task's workers died (KilledWorker), ...
                return fut, exc

        try:
            yield from _windowed(specs, 2 * self.threads(), submit, finished, pending)
        finally:
            for fut in pending:
                fut.cancel()


ENGINES: Registry[type[Any]] = Registry("batch engine")
ENGINES.register("dask", DaskEngine)
ENGINES.register("pool", PoolEngine)
ENGINES.register("inline", InlineEngine)


def engine_names() -> list[str]:
    """The engines a batch can run on."""
    return ENGINES.names()


def get_engine(name: str, **options: Any) -> Engine:
    """A new engine by name; ``options`` (``workers``, ``scheduler``, ``memory_limit``)
    go to its constructor, which ignores the ones it has no use for."""
    engine: Engine = ENGINES.get(name)(**options)
    return engine
