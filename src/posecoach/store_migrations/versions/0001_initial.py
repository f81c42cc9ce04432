"""Initial schema: people, references, attempts, jobs, results.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "reference_videos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("exercise", sa.String(100), nullable=False, server_default=""),
        sa.Column("notes", sa.Text, nullable=False, server_default=""),
        sa.Column("video_file", sa.String(300), nullable=False),
        sa.Column("pose_file", sa.String(300), nullable=True),
        sa.Column("width", sa.Integer, nullable=False, server_default="0"),
        sa.Column("height", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fps", sa.Float, nullable=False, server_default="0"),
        sa.Column("n_frames", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration", sa.Float, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("label", sa.String(200), nullable=False, server_default=""),
        sa.Column("video_file", sa.String(300), nullable=False),
        sa.Column("width", sa.Integer, nullable=False, server_default="0"),
        sa.Column("height", sa.Integer, nullable=False, server_default="0"),
        sa.Column("fps", sa.Float, nullable=False, server_default="0"),
        sa.Column("n_frames", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration", sa.Float, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="queued"),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column(
            "reference_id",
            sa.Integer,
            sa.ForeignKey("reference_videos.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("tries", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "job_id",
            sa.Integer,
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column(
            "reference_id",
            sa.Integer,
            sa.ForeignKey("reference_videos.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "attempt_id",
            sa.Integer,
            sa.ForeignKey("attempts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("people.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("exercise", sa.String(100), nullable=False, server_default=""),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("outdir", sa.String(300), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_results_person", "results", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_results_person", "results")
    op.drop_table("results")
    op.drop_index("ix_jobs_status", "jobs")
    op.drop_table("jobs")
    op.drop_table("attempts")
    op.drop_table("reference_videos")
    op.drop_table("people")
