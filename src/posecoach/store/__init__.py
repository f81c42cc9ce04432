"""Persistence of people, references, attempts, jobs and results (SQLAlchemy 2 + Alembic).

:class:`Store` is the only way the web app touches the database. Every write runs in one
transaction (``with self._tx() as s``); reads return plain dicts ready for JSON. The default
database is ``posecoach.db`` (SQLite, WAL) in the data dir; ``POSECOACH_DATABASE_URL`` (or
``url=``) selects another, e.g. PostgreSQL, with the same schema and migrations.
"""

from __future__ import annotations

from posecoach.store.engine import HEAD_REVISION, create_engine, database_url, migrate
from posecoach.store.repository import InUseError, NotFoundError, RetiredError, Store

__all__ = [
    "HEAD_REVISION",
    "InUseError",
    "NotFoundError",
    "RetiredError",
    "Store",
    "create_engine",
    "database_url",
    "migrate",
]
