"""The :class:`Store`: typed operations over the posecoach tables, one transaction per write."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.store.engine import create_engine, database_url, migrate
from posecoach.store.models import Attempt, Job, Person, Reference, Result, utcnow

__all__ = ["NotFoundError", "Store"]

_MODELS = {"person": Person, "reference": Reference, "attempt": Attempt, "job": Job}


class NotFoundError(InputError, LookupError):
    """An id that names no stored row."""


class Store:
    """Database access for the web app and its job runner.

    Parameters
    ----------
    data_dir
        Folder of the SQLite file (and of the files the web app stores).
    url
        SQLAlchemy URL; default ``POSECOACH_DATABASE_URL`` or SQLite in ``data_dir``.

    Example
    -------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> alice = store.add_person("Alice")
    >>> [p["name"] for p in store.list_people()]
    ['Alice']
    >>> store.close()
    """

    def __init__(self, data_dir: str | Path, url: str | None = None, *, upgrade: bool = True):
        from sqlalchemy.orm import sessionmaker

        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.url = database_url(self.data_dir, url or os.environ.get("POSECOACH_DATABASE_URL"))
        self.engine = create_engine(self.url)
        self.revision = migrate(self.engine) if upgrade else None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return str(self.engine.dialect.name)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        """One session in one transaction: committed on success, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def _get(self, session: Any, kind: str, ident: int) -> Any:
        row = session.get(_MODELS[kind], ident)
        if row is None:
            raise NotFoundError(f"no {kind} with id {ident}")
        return row

    # people ------------------------------------------------------------------------------
    def add_person(self, name: str, notes: str = "") -> dict[str, Any]:
        """Store a person; the name must not be empty."""
        name = _clean(name, "person name")
        with self._tx() as s:
            person = Person(name=name, notes=notes or "", created_at=utcnow())
            s.add(person)
            s.flush()
            return person.to_dict()

    def list_people(self) -> list[dict[str, Any]]:
        """Every person, by name."""
        from sqlalchemy import select

        with self._tx() as s:
            return [p.to_dict() for p in s.scalars(select(Person).order_by(Person.name))]

    def get_person(self, person_id: int) -> dict[str, Any]:
        """One person or :class:`NotFoundError`."""
        with self._tx() as s:
            return self._get(s, "person", person_id).to_dict()

    # references --------------------------------------------------------------------------
    def add_reference(
        self, name: str, video_file: str, *, queue_job: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Store a reference whose video is ``video_file`` (relative to the data dir).

        With ``queue_job`` (a job kind), that job is queued for it in the same transaction
        and returned under ``"job"``.
        """
        name = _clean(name, "reference name")
        with self._tx() as s:
            ref = Reference(name=name, video_file=video_file, created_at=utcnow(), **fields)
            s.add(ref)
            s.flush()
            out = ref.to_dict()
            if queue_job:
                job = Job(
                    kind=queue_job, status="queued", params={}, reference_id=ref.id,
                    created_at=utcnow(),
                )  # fmt: skip
                s.add(job)
                s.flush()
                out["job"] = job.to_dict()
            return out

    def list_references(self) -> list[dict[str, Any]]:
        """Every reference, newest first."""
        from sqlalchemy import select

        with self._tx() as s:
            rows = s.scalars(select(Reference).order_by(Reference.id.desc()))
            return [r.to_dict() for r in rows]

    def get_reference(self, reference_id: int) -> dict[str, Any]:
        """One reference or :class:`NotFoundError`."""
        with self._tx() as s:
            return self._get(s, "reference", reference_id).to_dict()

    def update_reference(self, reference_id: int, **fields: Any) -> dict[str, Any]:
        """Change name / exercise / notes / pose_file of a reference."""
        allowed = {"name", "exercise", "notes", "pose_file"}
        unknown = set(fields) - allowed
        if unknown:
            raise InputError(f"expected fields among {sorted(allowed)}, got {sorted(unknown)}")
        if "name" in fields:
            fields["name"] = _clean(fields["name"], "reference name")
        with self._tx() as s:
            ref = self._get(s, "reference", reference_id)
            for key, value in fields.items():
                setattr(ref, key, value)
            return ref.to_dict()

    def delete_reference(self, reference_id: int) -> dict[str, Any]:
        """Delete a reference with its jobs and results; return the deleted row."""
        from sqlalchemy import delete

        with self._tx() as s:
            ref = self._get(s, "reference", reference_id)
            out = ref.to_dict()
            s.execute(delete(Result).where(Result.reference_id == reference_id))
            s.execute(delete(Job).where(Job.reference_id == reference_id))
            s.delete(ref)
            return out

    # attempts ----------------------------------------------------------------------------
    def add_attempt(
        self, video_file: str, person_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Store an uploaded attempt video, optionally for a person."""
        with self._tx() as s:
            if person_id is not None:
                self._get(s, "person", person_id)
            att = Attempt(video_file=video_file, person_id=person_id, created_at=utcnow(), **fields)
            s.add(att)
            s.flush()
            return att.to_dict()

    def list_attempts(self, person_id: int | None = None) -> list[dict[str, Any]]:
        """Attempts, newest first (of one person when given)."""
        from sqlalchemy import select

        query = select(Attempt).order_by(Attempt.id.desc())
        if person_id is not None:
            query = query.where(Attempt.person_id == person_id)
        with self._tx() as s:
            return [a.to_dict() for a in s.scalars(query)]

    def get_attempt(self, attempt_id: int) -> dict[str, Any]:
        """One attempt or :class:`NotFoundError`."""
        with self._tx() as s:
            return self._get(s, "attempt", attempt_id).to_dict()

    # jobs --------------------------------------------------------------------------------
    def add_job(
        self,
        kind: str,
        params: dict[str, Any] | None = None,
        *,
        reference_id: int | None = None,
        attempt_id: int | None = None,
        person_id: int | None = None,
    ) -> dict[str, Any]:
        """Queue a job; the ids it names must exist."""
        with self._tx() as s:
            if reference_id is not None:
                self._get(s, "reference", reference_id)
            if attempt_id is not None:
                self._get(s, "attempt", attempt_id)
            if person_id is not None:
                self._get(s, "person", person_id)
            job = Job(
                kind=kind,
                status="queued",
                params=params or {},
                reference_id=reference_id,
                attempt_id=attempt_id,
                person_id=person_id,
                created_at=utcnow(),
            )
            s.add(job)
            s.flush()
            return job.to_dict()

    def get_job(self, job_id: int) -> dict[str, Any]:
        """One job with, when done, the id of its result."""
        from sqlalchemy import select

        with self._tx() as s:
            out = self._get(s, "job", job_id).to_dict()
            out["result_id"] = s.scalar(select(Result.id).where(Result.job_id == job_id))
            return out

    def list_jobs(self, status: str | None = None) -> list[dict[str, Any]]:
        """Jobs, oldest first (with one status when given)."""
        from sqlalchemy import select

        query = select(Job).order_by(Job.id)
        if status is not None:
            query = query.where(Job.status == status)
        with self._tx() as s:
            return [j.to_dict() for j in s.scalars(query)]

    def claim_job(self) -> dict[str, Any] | None:
        """Atomically move the oldest queued job to ``running`` and return it (None if none).

        The conditional UPDATE makes two workers (threads or processes) never claim the same
        job, on SQLite and PostgreSQL alike.
        """
        from sqlalchemy import select, update

        for _ in range(5):
            with self._tx() as s:
                job_id = s.scalar(
                    select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1)
                )
                if job_id is None:
                    return None
                claimed = s.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.status == "queued")
                    .values(
                        status="running",
                        started_at=utcnow(),
                        tries=Job.tries + 1,
                        progress=0.0,
                        message="started",
                    )
                ).rowcount
                if claimed:
                    return self._get(s, "job", job_id).to_dict()
        return None

    def set_progress(self, job_id: int, progress: float, message: str = "") -> None:
        """Record a running job's progress in [0, 1]."""
        from sqlalchemy import update

        with self._tx() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running")
                .values(progress=float(min(max(progress, 0.0), 1.0)), message=message)
            )

    def finish_job(self, job_id: int, message: str = "done") -> dict[str, Any]:
        """Mark a job done."""
        with self._tx() as s:
            job = self._get(s, "job", job_id)
            job.status, job.progress, job.message = "done", 1.0, message
            job.finished_at = utcnow()
            return job.to_dict()

    def fail_job(self, job_id: int, error: str) -> dict[str, Any]:
        """Mark a job failed with a reason."""
        with self._tx() as s:
            job = self._get(s, "job", job_id)
            job.status, job.error, job.message = "failed", error, "failed"
            job.finished_at = utcnow()
            return job.to_dict()

    def recover_jobs(self, max_tries: int = 2) -> list[dict[str, Any]]:
        """After a restart: re-queue each job left ``running`` or fail it with a reason.

        A job that has been started fewer than ``max_tries`` times goes back to the queue
        (its work is redone from the start); otherwise it is marked failed, so no job is
        ever silently lost. Returns the jobs touched.
        """
        from sqlalchemy import select

        touched = []
        with self._tx() as s:
            for job in s.scalars(select(Job).where(Job.status == "running")):
                if job.tries < max_tries:
                    job.status, job.progress = "queued", 0.0
                    job.message = f"resumed after a server restart (try {job.tries + 1})"
                else:
                    job.status = "failed"
                    job.error = (
                        f"interrupted by a server restart while running, {job.tries} "
                        f"time(s); not retried again"
                    )
                    job.finished_at = utcnow()
                touched.append(job.to_dict())
        return touched

    # results -----------------------------------------------------------------------------
    def add_result(self, job_id: int, score: float, outdir: str, data: dict[str, Any]) -> dict:
        """Store a compare job's result and mark the job done, in one transaction."""
        with self._tx() as s:
            job = self._get(s, "job", job_id)
            ref = self._get(s, "reference", job.reference_id)
            result = Result(
                job_id=job.id,
                reference_id=job.reference_id,
                attempt_id=job.attempt_id,
                person_id=job.person_id,
                exercise=ref.exercise,
                score=float(score),
                outdir=outdir,
                data=data,
                created_at=utcnow(),
            )
            s.add(result)
            job.status, job.progress, job.message = "done", 1.0, "done"
            job.finished_at = utcnow()
            s.flush()
            return result.to_dict()

    def get_result(self, result_id: int) -> dict[str, Any]:
        """One result or :class:`NotFoundError`."""
        with self._tx() as s:
            row = s.get(Result, result_id)
            if row is None:
                raise NotFoundError(f"no result with id {result_id}")
            return row.to_dict()

    def list_results(self, person_id: int | None = None) -> list[dict[str, Any]]:
        """Results (sessions) oldest first, without the bulky ``data``; one person's if given."""
        from sqlalchemy import select

        query = (
            select(Result, Reference.name)
            .join(Reference, Reference.id == Result.reference_id)
            .order_by(Result.created_at, Result.id)
        )
        if person_id is not None:
            query = query.where(Result.person_id == person_id)
        out = []
        with self._tx() as s:
            for result, ref_name in s.execute(query):
                row = result.to_dict()
                row.pop("data")
                row["reference_name"] = ref_name
                out.append(row)
        return out

    def history(self, person_id: int) -> dict[str, list[dict[str, Any]]]:
        """A person's scores over time grouped by exercise: ``{exercise: [{time, score}]}``."""
        self.get_person(person_id)
        series: dict[str, list[dict[str, Any]]] = {}
        for row in self.list_results(person_id):
            key = row["exercise"] or "(no exercise)"
            series.setdefault(key, []).append(
                {"time": row["created_at"], "score": row["score"], "result_id": row["id"]}
            )
        return series


def _clean(value: str, what: str) -> str:
    """Strip a user-given name; reject empty or over-long ones.

    Example
    -------
    >>> _clean("  Squat ", "name")
    'Squat'
    """
    value = (value or "").strip()
    if not value:
        raise InputError(f"expected a non-empty {what}, got {value!r}")
    if len(value) > 200:
        raise InputError(f"expected a {what} of at most 200 characters, got {len(value)}")
    return value
