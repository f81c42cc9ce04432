"""Alembic migrations of the posecoach store (run programmatically by posecoach.store)."""
