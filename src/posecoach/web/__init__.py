"""posecoach web app: reference library, compare, people & history, live coaching.

``create_app(Settings(...))`` builds the FastAPI app; ``posecoach serve`` runs it with
uvicorn. FastAPI and friends load only when the app is built.

Example
-------
>>> from posecoach.web import Settings
>>> Settings().host
'127.0.0.1'
"""

from __future__ import annotations

from typing import Any

from posecoach.web.config import Settings

__all__ = ["Settings", "create_app"]


def create_app(settings: Settings) -> Any:
    """Build the FastAPI app (see :func:`posecoach.web.app.create_app`)."""
    from posecoach.web.app import create_app as _create

    return _create(settings)
