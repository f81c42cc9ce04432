"""Alembic environment: runs on the connection that posecoach.store hands over."""

from __future__ import annotations

from alembic import context

from posecoach.store.models import Base


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # only reachable from the alembic command line
        raise RuntimeError("run migrations through posecoach.store.migrate(engine)")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # absent when merely imported (e.g. doctest collection)
    _run()
