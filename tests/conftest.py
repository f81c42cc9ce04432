"""Shared fixtures: the real data in ../shared/data and the package-shipped sample videos.

Tests that read ``../shared/data`` skip with a reason when it is absent (a user's fresh
clone) and fail instead when ``POSECOACH_REQUIRE_SHARED_DATA=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECOACH_SHARED_DATA", ROOT.parent / "shared" / "data"))


def require_shared(relative: str = "") -> Path:
    """Path under the shared data folder, or skip/fail the test when it is missing."""
    path = SHARED / relative
    if not path.exists():
        message = f"shared data not found at {path}"
        if os.environ.get("POSECOACH_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(message + " (POSECOACH_REQUIRE_SHARED_DATA=1)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Root of ``../shared/data``."""
    return require_shared()


@pytest.fixture(scope="session")
def sample_videos() -> dict[str, Path]:
    """The Pose2Sim demo videos (fetched once into the user cache by posecoach.sample_data)."""
    from posecoach.sample_data import fetch

    try:
        return fetch()
    except Exception as exc:  # no network to the package index
        if os.environ.get("POSECOACH_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"sample videos unavailable: {exc}")
        pytest.skip(f"sample videos unavailable: {exc}")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator."""
    return np.random.default_rng(0)
