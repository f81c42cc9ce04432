"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, and a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
