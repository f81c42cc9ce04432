"""The :class:`Store`: typed operations over the posecoach tables, one transaction per write.

Nothing a user has is deleted as a side effect. References and people are *retired*
(hidden from the lists and from new work, every result that used them kept); deleting one
for real is refused with :class:`InUseError`, which lists what would go, unless the caller
confirms (``confirm=True``) after seeing that list.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.store.engine import create_engine, database_url, migrate
from posecoach.store.models import Attempt, Job, Person, Reference, Result, utcnow

__all__ = ["InUseError", "NotFoundError", "RetiredError", "Store"]

_MODELS = {"person": Person, "reference": Reference, "attempt": Attempt, "job": Job}
_OWN_JOB = "extract_reference"  # a reference's own job: it goes with the reference


class NotFoundError(InputError, LookupError):
    """An id that names no stored row."""


class InUseError(InputError):
    """A delete refused because other rows still use the row; ``impact`` lists what would go.

    ``impact`` is the JSON the web API answers with (HTTP 409), see :meth:`Store.delete_reference`.
    """

    def __init__(self, message: str, impact: dict[str, Any]) -> None:
        super().__init__(message)
        self.impact = impact


class RetiredError(InputError):
    """A retired reference or person named for new work (restore it first)."""


@dataclass
class _Plan:
    """The rows a delete removes (and the ones it affects but keeps), by id."""

    kind: str
    row: dict[str, Any]
    results: list[int] = field(default_factory=list)
    jobs: list[int] = field(default_factory=list)  # all jobs that go, its own ones included
    blocking_jobs: list[int] = field(default_factory=list)  # jobs other than its own
    attempts: list[int] = field(default_factory=list)
    running: list[int] = field(default_factory=list)
    affected_attempts: list[int] = field(default_factory=list)
    affected_people: list[dict[str, Any]] = field(default_factory=list)
    affected_references: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def in_use(self) -> bool:
        return bool(self.results or self.blocking_jobs or self.attempts)

    @property
    def token(self) -> str:
        """A short digest of what goes: a confirmation names the list it was given."""
        ids = {"results": self.results, "jobs": self.jobs, "attempts": self.attempts}
        return hashlib.sha256(json.dumps(ids, sort_keys=True).encode()).hexdigest()[:16]

    def impact(self) -> dict[str, Any]:
        """The JSON description of the plan."""

        def ids(values: list[int]) -> dict[str, Any]:
            return {"count": len(values), "ids": values}

        def named(rows: list[dict[str, Any]]) -> dict[str, Any]:
            return {**ids([r["id"] for r in rows]), "names": [r["name"] for r in rows]}

        affected: dict[str, Any] = {"people": named(self.affected_people)}
        if self.kind == "reference":
            affected["attempts"] = ids(self.affected_attempts)
        else:
            affected["references"] = named(self.affected_references)
        return {
            self.kind: {"id": self.row["id"], "name": self.row["name"]},
            "would_delete": {
                "results": ids(self.results),
                "jobs": ids(self.jobs),
                "attempts": ids(self.attempts),
                "files": self.files,
            },
            "affected": affected,
            "running_jobs": self.running,
            "token": self.token,
        }


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

    def list_people(self, include_retired: bool = False) -> list[dict[str, Any]]:
        """Every person, by name; retired people only with ``include_retired``."""
        from sqlalchemy import select

        query = select(Person).order_by(Person.name, Person.id)
        if not include_retired:
            query = query.where(Person.retired_at.is_(None))
        with self._tx() as s:
            return [p.to_dict() for p in s.scalars(query)]

    def get_person(self, person_id: int) -> dict[str, Any]:
        """One person (retired or not) or :class:`NotFoundError`."""
        with self._tx() as s:
            return self._get(s, "person", person_id).to_dict()

    def retire_person(self, person_id: int) -> dict[str, Any]:
        """Hide a person from the people list and from new work; their history is kept.

        Example
        -------
        >>> import tempfile
        >>> store = Store(tempfile.mkdtemp())
        >>> bob = store.add_person("Bob")
        >>> store.retire_person(bob["id"])["retired_at"] is not None, store.list_people()
        (True, [])
        >>> store.restore_person(bob["id"])["retired_at"] is None
        True
        >>> store.close()
        """
        return self._set_retired("person", person_id, True)

    def restore_person(self, person_id: int) -> dict[str, Any]:
        """Undo :meth:`retire_person`."""
        return self._set_retired("person", person_id, False)

    def delete_person(
        self, person_id: int, *, confirm: bool = False, token: str | None = None
    ) -> dict[str, Any]:
        """Delete a person; with their attempts, jobs and results only when confirmed.

        Works like :meth:`delete_reference`: a person whom attempts, jobs or results name
        is deleted only with ``confirm=True`` (they go too; the references they used stay).
        """
        return self._delete("person", person_id, confirm, token)

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

    def list_references(self, include_retired: bool = False) -> list[dict[str, Any]]:
        """Every reference, newest first; retired ones only with ``include_retired``."""
        from sqlalchemy import select

        query = select(Reference).order_by(Reference.id.desc())
        if not include_retired:
            query = query.where(Reference.retired_at.is_(None))
        with self._tx() as s:
            return [r.to_dict() for r in s.scalars(query)]

    def get_reference(self, reference_id: int) -> dict[str, Any]:
        """One reference (retired or not) or :class:`NotFoundError`."""
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

    def retire_reference(self, reference_id: int) -> dict[str, Any]:
        """Take a reference out of the library's choices; every result that used it stays.

        Retiring twice keeps the first time; :meth:`restore_reference` undoes it.

        Example
        -------
        >>> import tempfile
        >>> store = Store(tempfile.mkdtemp())
        >>> ref = store.add_reference("Squat", "videos/references/a.mp4")
        >>> _ = store.retire_reference(ref["id"])
        >>> store.list_references(), len(store.list_references(include_retired=True))
        ([], 1)
        >>> store.close()
        """
        return self._set_retired("reference", reference_id, True)

    def restore_reference(self, reference_id: int) -> dict[str, Any]:
        """Undo :meth:`retire_reference`."""
        return self._set_retired("reference", reference_id, False)

    def delete_reference(
        self, reference_id: int, *, confirm: bool = False, token: str | None = None
    ) -> dict[str, Any]:
        """Delete a reference; with the results and jobs that used it only when confirmed.

        A reference that no result and no job (other than its own skeleton extraction)
        names is deleted at once. Otherwise :class:`InUseError` is raised, whose ``impact``
        lists what would go (results, jobs, files) and whom it affects (people, attempts:
        they are kept); ``confirm=True`` deletes them too. ``token`` (the ``impact``'s)
        makes the confirmation stand for exactly the list the caller saw: if anything was
        added since, the delete is refused again with the new list. A reference with a
        running job is never deleted.

        Returns ``{"deleted": id, "results": [...], "jobs": [...], "attempts": [...],
        "files": [...]}``: the rows deleted, and the stored files (relative to the data
        dir) that no remaining row names, for the caller to remove after this commit.

        Example
        -------
        >>> import tempfile
        >>> store = Store(tempfile.mkdtemp())
        >>> ref = store.add_reference("Squat", "videos/references/a.mp4")
        >>> att = store.add_attempt("videos/attempts/b.mp4")
        >>> job = store.add_job("compare", reference_id=ref["id"], attempt_id=att["id"])
        >>> _ = store.add_result(job["id"], 80.0, "results/job_1", {"score": 80.0})
        >>> try:
        ...     store.delete_reference(ref["id"])
        ... except InUseError as exc:
        ...     exc.impact["would_delete"]["results"]
        {'count': 1, 'ids': [1]}
        >>> store.delete_reference(ref["id"], confirm=True)["files"]
        ['results/job_1', 'videos/references/a.mp4']
        >>> store.close()
        """
        return self._delete("reference", reference_id, confirm, token)

    def check_active(self, kind: str, ident: int) -> dict[str, Any]:
        """The ``"reference"`` or ``"person"`` row; :class:`RetiredError` if it is retired."""
        with self._tx() as s:
            row = self._get(s, kind, ident)
            _require_active(row, kind)
            return row.to_dict()

    def _set_retired(self, kind: str, ident: int, retired: bool) -> dict[str, Any]:
        with self._tx() as s:
            row = self._get(s, kind, ident)
            if not retired:
                row.retired_at = None
            elif row.retired_at is None:
                row.retired_at = utcnow()
            return row.to_dict()

    def _delete(self, kind: str, ident: int, confirm: bool, token: str | None) -> dict[str, Any]:
        with self._tx() as s:
            row = self._get(s, kind, ident)
            plan = self._plan(s, kind, row)
            _check_deletable(plan, confirm, token)
            self._remove_rows(s, plan)
            s.delete(row)
            s.flush()
            return {
                "deleted": ident,
                "kind": kind,
                "results": plan.results,
                "jobs": plan.jobs,
                "attempts": plan.attempts,
                "files": plan.files,
            }

    def _plan(self, s: Any, kind: str, row: Any) -> _Plan:
        from sqlalchemy import or_, select

        plan = _Plan(kind, row.to_dict())
        if kind == "reference":
            result_filter = Result.reference_id == row.id
            job_filter = Job.reference_id == row.id
            candidates = [row.video_file, row.pose_file]
        else:
            plan.attempts = list(
                s.scalars(
                    select(Attempt.id).where(Attempt.person_id == row.id).order_by(Attempt.id)
                )
            )
            result_filter = or_(Result.person_id == row.id, Result.attempt_id.in_(plan.attempts))
            job_filter = or_(Job.person_id == row.id, Job.attempt_id.in_(plan.attempts))
            candidates = list(
                s.scalars(select(Attempt.video_file).where(Attempt.id.in_(plan.attempts)))
            )
        results = s.execute(
            select(Result.id, Result.job_id, Result.attempt_id, Result.person_id,
                   Result.reference_id, Result.outdir)
            .where(result_filter).order_by(Result.id)
        ).all()  # fmt: skip
        jobs = {j.id: j for j in s.execute(select(Job.id, Job.kind, Job.status).where(job_filter))}
        result_jobs = {r.job_id for r in results}
        for job in s.execute(select(Job.id, Job.kind, Job.status).where(Job.id.in_(result_jobs))):
            jobs[job.id] = job
        plan.results = [r.id for r in results]
        plan.jobs = sorted(jobs)
        plan.blocking_jobs = sorted(
            i for i, j in jobs.items() if not (kind == "reference" and j.kind == _OWN_JOB)
        )
        plan.running = sorted(i for i, j in jobs.items() if j.status == "running")
        plan.affected_attempts = sorted({r.attempt_id for r in results} - set(plan.attempts))
        people = {r.person_id for r in results if r.person_id is not None}
        if kind == "person":
            people.discard(row.id)
        plan.affected_people = self._names(s, Person, people)
        plan.affected_references = self._names(s, Reference, {r.reference_id for r in results})
        candidates += [r.outdir for r in results]
        plan.files = self._unused_files(s, plan, [c for c in candidates if c])
        return plan

    def _names(self, s: Any, model: Any, ids: set[Any]) -> list[dict[str, Any]]:
        from sqlalchemy import select

        rows = s.execute(select(model.id, model.name).where(model.id.in_(ids)).order_by(model.id))
        return [{"id": i, "name": n} for i, n in rows]

    def _unused_files(self, s: Any, plan: _Plan, candidates: list[str]) -> list[str]:
        """The candidate files that no row outside ``plan`` names (never a shared file)."""
        from sqlalchemy import select

        refs = [plan.row["id"]] if plan.kind == "reference" else []
        in_use: set[str] = set()
        for column, id_column, gone in (
            (Reference.video_file, Reference.id, refs),
            (Reference.pose_file, Reference.id, refs),
            (Attempt.video_file, Attempt.id, plan.attempts),
            (Result.outdir, Result.id, plan.results),
        ):
            in_use.update(
                s.scalars(select(column).where(column.in_(candidates), id_column.not_in(gone)))
            )
        return sorted(set(candidates) - in_use)

    def _remove_rows(self, s: Any, plan: _Plan) -> None:
        """Delete the plan's rows, children first (every foreign key is RESTRICT)."""
        from sqlalchemy import delete

        s.execute(delete(Result).where(Result.id.in_(plan.results)))
        s.execute(delete(Job).where(Job.id.in_(plan.jobs)))
        s.execute(delete(Attempt).where(Attempt.id.in_(plan.attempts)))

    # attempts ----------------------------------------------------------------------------
    def add_attempt(
        self, video_file: str, person_id: int | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Store an uploaded attempt video, optionally for a person."""
        with self._tx() as s:
            if person_id is not None:
                _require_active(self._get(s, "person", person_id), "person")
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
        """Queue a job; the ids it names must exist and not be retired."""
        with self._tx() as s:
            if reference_id is not None:
                _require_active(self._get(s, "reference", reference_id), "reference")
            if attempt_id is not None:
                self._get(s, "attempt", attempt_id)
            if person_id is not None:
                _require_active(self._get(s, "person", person_id), "person")
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

    def add_batch_session(
        self,
        key: str,
        *,
        person: str,
        reference: str,
        attempt: str,
        score: float,
        outdir: str,
        data: dict[str, Any],
        exercise: str = "",
        label: str = "",
    ) -> tuple[dict[str, Any], bool]:
        """Store one input of ``posecoach batch`` as a session; return (result, new).

        In one transaction: the person named ``person`` (the active one of that name,
        created if none), a reference row for the file ``reference`` (created retired, so
        the web library never offers a file outside its data dir for new work), an
        attempt for the file ``attempt``, a finished ``batch`` job carrying ``key`` and the
        result. A key stored before returns that result (``new`` False): a re-run of the
        batch adds no duplicate. The paths are the user's own files, outside the data dir:
        deleting the rows never removes them (see :func:`posecoach.web.files.owned_path`).

        Example
        -------
        >>> import tempfile
        >>> store = Store(tempfile.mkdtemp())
        >>> args = dict(person="Ann", reference="/r/ref.mp4", attempt="/v/a.mp4", score=80.0,
        ...             outdir="/out/a", data={"score": 80.0})
        >>> first, new = store.add_batch_session("k1", **args)
        >>> again, new_again = store.add_batch_session("k1", **args)
        >>> new, new_again, first["id"] == again["id"], len(store.list_references())
        (True, False, True, 0)
        >>> store.history(first["person_id"])["(no exercise)"][0]["score"]
        80.0
        >>> store.close()
        """
        from sqlalchemy import select

        person = _clean(person, "person name")
        marker = f"batch {key}"
        with self._tx() as s:
            job_id = s.scalar(select(Job.id).where(Job.kind == "batch", Job.message == marker))
            if job_id is not None:
                done = s.scalar(select(Result).where(Result.job_id == job_id))
                if done is not None:
                    return done.to_dict(), False
            who = s.scalar(
                select(Person)
                .where(Person.name == person, Person.retired_at.is_(None))
                .order_by(Person.id)
                .limit(1)
            )
            if who is None:
                who = Person(name=person, notes="", created_at=utcnow())
                s.add(who)
                s.flush()
            ref = s.scalar(
                select(Reference)
                .where(Reference.video_file == reference, Reference.exercise == exercise)
                .order_by(Reference.id)
                .limit(1)
            )
            if ref is None:
                now = utcnow()
                ref = Reference(
                    name=_clean(f"batch: {Path(reference).name}", "reference name")[:200],
                    exercise=exercise,
                    video_file=reference,
                    created_at=now,
                    retired_at=now,
                )
                s.add(ref)
            att = Attempt(
                video_file=attempt, person_id=who.id, label=label[:200], created_at=utcnow()
            )
            s.add(att)
            s.flush()
            now = utcnow()
            job = Job(
                kind="batch",
                status="done",
                progress=1.0,
                message=marker,
                params={"batch_key": key, "input": attempt, "outdir": outdir},
                reference_id=ref.id,
                attempt_id=att.id,
                person_id=who.id,
                tries=1,
                created_at=now,
                started_at=now,
                finished_at=now,
            )
            s.add(job)
            s.flush()
            result = Result(
                job_id=job.id,
                reference_id=ref.id,
                attempt_id=att.id,
                person_id=who.id,
                exercise=exercise,
                score=float(score),
                outdir=outdir,
                data=data,
                created_at=now,
            )
            s.add(result)
            s.flush()
            return result.to_dict(), True

    def get_result(self, result_id: int) -> dict[str, Any]:
        """One result (with its reference's name and whether it is retired) or NotFoundError."""
        with self._tx() as s:
            row = s.get(Result, result_id)
            if row is None:
                raise NotFoundError(f"no result with id {result_id}")
            ref = s.get(Reference, row.reference_id)
            out = row.to_dict()
            out["reference_name"] = ref.name
            out["reference_retired"] = ref.retired_at is not None
            return out

    def list_results(self, person_id: int | None = None) -> list[dict[str, Any]]:
        """Results (sessions) oldest first, without the bulky ``data``; one person's if given."""
        from sqlalchemy import select

        query = (
            select(Result, Reference.name, Reference.retired_at)
            .join(Reference, Reference.id == Result.reference_id)
            .order_by(Result.created_at, Result.id)
        )
        if person_id is not None:
            query = query.where(Result.person_id == person_id)
        out = []
        with self._tx() as s:
            for result, ref_name, ref_retired in s.execute(query):
                row = result.to_dict()
                row.pop("data")
                row["reference_name"] = ref_name
                row["reference_retired"] = ref_retired is not None
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


def _require_active(row: Any, kind: str) -> None:
    """Refuse new work for a retired reference or person (:class:`RetiredError`)."""
    if row.retired_at is not None:
        raise RetiredError(
            f"expected an active {kind}, got {kind} {row.id} ({row.name!r}), which is "
            f"retired; restore it to use it again"
        )


def _check_deletable(plan: _Plan, confirm: bool, token: str | None) -> None:
    """Raise :class:`InUseError` unless ``plan`` may go ahead."""
    what = f"{plan.kind} {plan.row['id']} ({plan.row['name']!r})"
    if plan.running:
        raise InUseError(
            f"expected no running job using {what}, got job(s) "
            f"{', '.join(map(str, plan.running))} running; wait for them to finish",
            plan.impact(),
        )
    if token is not None and token != plan.token:
        raise InUseError(
            f"expected the deletion list you confirmed ({token}), got a changed one "
            f"({plan.token}); check the new list and confirm again",
            plan.impact(),
        )
    if plan.in_use and not confirm:
        used = ", ".join(
            f"{len(ids)} {name}"
            for name, ids in (
                ("result(s)", plan.results),
                ("other job(s)", plan.blocking_jobs),
                ("attempt(s)", plan.attempts),
            )
            if ids
        )
        raise InUseError(
            f"expected nothing to use {what} before deleting it, got {used}; retire it to "
            f"keep them, or delete with confirm=true to delete them too",
            plan.impact(),
        )


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
