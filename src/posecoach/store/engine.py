"""Database engines and programmatic Alembic migrations.

SQLite (the default, one file in the data dir) runs in WAL mode with foreign keys on and a
busy timeout, so the web server's threads and a job worker can share it. Any other
SQLAlchemy URL (``postgresql+psycopg://...``) runs the same migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from posecoach.errors import InputError, require

__all__ = ["create_engine", "database_url", "migrate", "HEAD_REVISION"]

HEAD_REVISION = "0002"
MIGRATIONS = Path(__file__).resolve().parents[1] / "store_migrations"


def database_url(data_dir: str | Path, url: str | None = None) -> str:
    """The database URL: ``url`` if given, else the SQLite file ``posecoach.db`` in the data dir.

    Example
    -------
    >>> database_url("/tmp/pc")
    'sqlite:////tmp/pc/posecoach.db'
    >>> database_url("/tmp/pc", "postgresql+psycopg://u@127.0.0.1/db")
    'postgresql+psycopg://u@127.0.0.1/db'
    """
    if url:
        if url.startswith("postgresql://"):  # use psycopg 3, the driver the web extra installs
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{Path(data_dir).resolve() / 'posecoach.db'}"


def create_engine(url: str) -> Any:
    """A SQLAlchemy engine; SQLite connections get WAL, foreign keys and a busy timeout.

    Example
    -------
    >>> engine = create_engine("sqlite://")
    >>> with engine.connect() as c:
    ...     c.exec_driver_sql("PRAGMA foreign_keys").scalar()
    1
    """
    sa: Any = require("sqlalchemy", "web")
    from sqlalchemy import event

    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except Exception as exc:  # bad URL or missing driver
        raise InputError(f"cannot use database URL {_redact(url)!r}: {exc}") from exc


def _redact(url: str) -> str:
    """Hide a password in a URL for messages.

    Example
    -------
    >>> _redact("postgresql://bob:secret@host/db")
    'postgresql://bob:***@host/db'
    """
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        return f"{scheme}://{creds}@{host}"
    return url


def migrate(engine: Any, revision: str = "head") -> str:
    """Upgrade the schema to ``revision`` with Alembic, in one transaction; return the revision.

    On SQLite the whole upgrade, DDL included, is one real transaction (a failure leaves
    the previous schema and data as they were), and foreign key enforcement is off while
    it runs: migrations that rebuild a table (SQLite's only way to change a constraint)
    would otherwise fire the old ``ON DELETE`` actions when the old table is dropped. The
    foreign keys are checked before the commit.

    Example
    -------
    >>> migrate(create_engine("sqlite://"))
    '0002'
    """
    require("alembic", "web")
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection, _migration_transaction(connection):
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        current = MigrationContext.configure(connection).get_current_revision()
    return str(current)


@contextmanager
def _migration_transaction(connection: Any) -> Iterator[None]:
    """One transaction on ``connection``; on SQLite a real one, DDL included, with foreign
    keys checked at the end instead of enforced (and their actions fired) on the way."""
    if connection.dialect.name != "sqlite":
        with connection.begin():
            yield
        return
    raw = connection.connection.driver_connection
    saved = raw.isolation_level
    # The driver then neither begins nor commits on its own, so the BEGIN below covers the
    # DDL too (by default it commits CREATE/DROP outside any transaction).
    raw.isolation_level = None
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction
    connection.commit()
    try:
        with connection.begin():
            connection.exec_driver_sql("BEGIN")
            yield
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                tables = sorted({str(row[0]) for row in broken})
                raise InputError(
                    f"expected the migrated database to keep every reference between its "
                    f"rows, got {len(broken)} broken in {', '.join(tables)}; nothing was changed"
                )
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
        raw.isolation_level = saved
