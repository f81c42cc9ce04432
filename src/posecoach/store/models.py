"""ORM tables of the posecoach store (SQLAlchemy 2 declarative).

The schema itself is created and upgraded by the Alembic migrations in
``posecoach/store_migrations``; these classes mirror it for queries.

History is never deleted as a side effect: every foreign key is ``ON DELETE RESTRICT``, so
the database itself refuses to delete a reference, attempt, person or job that a result (or
another row) still names. References and people are *retired* instead (``retired_at``);
real deletion goes through :meth:`posecoach.store.Store.delete_reference` /
:meth:`~posecoach.store.Store.delete_person`, which delete the dependent rows explicitly.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Attempt", "Base", "Job", "Person", "Reference", "Result", "utcnow"]

JOB_STATUSES = ("queued", "running", "done", "failed")


def _fk(target: str) -> Any:
    """A foreign key to ``table.id`` that refuses to delete a row still referred to.

    Its name, ``fk_<table>_<column>_<referred table>``, comes from :class:`Base`'s naming
    convention, the one migration 0002 names the constraints with.

    Example
    -------
    >>> _fk("people.id").ondelete
    'RESTRICT'
    """
    return ForeignKey(target, ondelete="RESTRICT")


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware.

    Example
    -------
    >>> utcnow().tzinfo is not None
    True
    """
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a ``to_dict`` used by the web API."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        }
    )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for column in self.__table__.columns:
            value = getattr(self, column.key)
            if isinstance(value, datetime):
                if value.tzinfo is None:  # SQLite drops the zone; values are stored in UTC
                    value = value.replace(tzinfo=timezone.utc)
                value = value.isoformat()
            out[column.key] = value
        return out


class Person(Base):
    """Someone whose attempts are recorded (a patient, an athlete)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # set when retired: hidden from the people list, history kept
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Reference(Base):
    """A reference video (a demonstration) with its extracted skeleton."""

    __tablename__ = "reference_videos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    exercise: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    video_file: Mapped[str] = mapped_column(String(300))  # relative to the data dir
    pose_file: Mapped[str | None] = mapped_column(String(300), nullable=True)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    n_frames: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # set when retired: not offered for new compares, its results and files kept
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Attempt(Base):
    """An uploaded attempt video, optionally belonging to a person."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(_fk("people.id"), nullable=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    video_file: Mapped[str] = mapped_column(String(300))
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    fps: Mapped[float] = mapped_column(Float, default=0.0)
    n_frames: Mapped[int] = mapped_column(Integer, default=0)
    duration: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """A unit of background work; persisted so a restart never loses it."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reference_id: Mapped[int | None] = mapped_column(_fk("reference_videos.id"), nullable=True)
    attempt_id: Mapped[int | None] = mapped_column(_fk("attempts.id"), nullable=True)
    person_id: Mapped[int | None] = mapped_column(_fk("people.id"), nullable=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Result(Base):
    """The outcome of a compare job: score, the full result.json and its output folder."""

    __tablename__ = "results"
    __table_args__ = (Index("ix_results_person", "person_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(_fk("jobs.id"), unique=True)
    reference_id: Mapped[int] = mapped_column(_fk("reference_videos.id"))
    attempt_id: Mapped[int] = mapped_column(_fk("attempts.id"))
    person_id: Mapped[int | None] = mapped_column(_fk("people.id"), nullable=True)
    exercise: Mapped[str] = mapped_column(String(100), default="")
    score: Mapped[float] = mapped_column(Float)
    outdir: Mapped[str] = mapped_column(String(300))  # relative to the data dir
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # result.json content
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
