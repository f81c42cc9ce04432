"""Keep history: ``retired_at`` on references and people; no foreign key cascades a delete.

Revision 0001 deleted every result (and job) of a reference or an attempt with it
(``ON DELETE CASCADE``) and cut results loose from a deleted person (``SET NULL``). From
here on every foreign key is ``ON DELETE RESTRICT``: the database refuses to delete a row
that another row still names, and the store deletes dependent rows only explicitly, after
the user confirmed the list. The constraints get stable names
(``fk_<table>_<column>_<referred table>``, the models' naming convention).

SQLite cannot alter a constraint, so its tables are rebuilt (Alembic's batch mode: copy,
drop, rename) with the data; :func:`posecoach.store.migrate` runs this with SQLite's foreign
key enforcement off, so dropping the old tables fires none of the old cascades.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}

# table -> [(column, referred table, ON DELETE in 0001)]; children before parents
FOREIGN_KEYS: dict[str, list[tuple[str, str, str]]] = {
    "results": [
        ("job_id", "jobs", "CASCADE"),
        ("reference_id", "reference_videos", "CASCADE"),
        ("attempt_id", "attempts", "CASCADE"),
        ("person_id", "people", "SET NULL"),
    ],
    "jobs": [
        ("reference_id", "reference_videos", "CASCADE"),
        ("attempt_id", "attempts", "CASCADE"),
        ("person_id", "people", "SET NULL"),
    ],
    "attempts": [("person_id", "people", "SET NULL")],
}


def _name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def _current_names(table: str) -> dict[str, str]:
    """Column -> name of its foreign key as the database has it (unnamed on SQLite: the
    naming convention's name, which batch mode gives the reflected constraint)."""
    names = {}
    for fk in sa.inspect(op.get_bind()).get_foreign_keys(table):
        column = fk["constrained_columns"][0]
        names[column] = fk["name"] or _name(table, column, fk["referred_table"])
    return names


def _set_ondelete(table: str, downgrade: bool = False) -> None:
    current = _current_names(table)
    with op.batch_alter_table(table, naming_convention=NAMING) as batch:
        for column, referred, before in FOREIGN_KEYS[table]:
            if column in current:
                batch.drop_constraint(current[column], type_="foreignkey")
            batch.create_foreign_key(
                _name(table, column, referred),
                referred,
                [column],
                ["id"],
                ondelete=before if downgrade else "RESTRICT",
            )


def upgrade() -> None:
    op.add_column("reference_videos", sa.Column("retired_at", TS, nullable=True))
    op.add_column("people", sa.Column("retired_at", TS, nullable=True))
    for table in FOREIGN_KEYS:
        _set_ondelete(table)


def downgrade() -> None:
    for table in FOREIGN_KEYS:
        _set_ondelete(table, downgrade=True)
    with op.batch_alter_table("people") as batch:
        batch.drop_column("retired_at")
    with op.batch_alter_table("reference_videos") as batch:
        batch.drop_column("retired_at")
