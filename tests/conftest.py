"""Shared fixtures: the real data in ../shared/data and the package-shipped sample videos.

Tests that read ``../shared/data`` skip with a reason when it is absent (a user's fresh
clone) and fail instead when ``POSECOACH_REQUIRE_SHARED_DATA=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
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


# ---------------------------------------------------------------- headless Chromium
# Debian's /usr/bin/chromium driven by Playwright (its own browser download does not work here).
CHROMIUM = os.environ.get("POSECOACH_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require_chromium() -> None:
    missing = None
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium; make system-deps)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            missing = "playwright not installed (pip install playwright)"
    if missing:
        if os.environ.get("POSECOACH_REQUIRE_SHARED_DATA") == "1" or os.environ.get("CI"):
            pytest.fail(missing + " -- required in CI")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where screenshots go: POSECOACH_SCREENSHOT_DIR or a pytest temp dir."""
    path = Path(os.environ.get("POSECOACH_SCREENSHOT_DIR") or tmp_path_factory.mktemp("shots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def launch(playwright_instance):
    """``launch(extra_args)``: a headless Chromium with the project's flags."""

    def start(extra_args: list[str] | None = None):
        return playwright_instance.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=[*ARGS, *(extra_args or [])],
        )

    return start
