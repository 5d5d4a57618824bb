"""Headless Chromium for the pages this project makes (the report, the sandbox's dashboard),
driven by playwright: the ``browser`` fixture in tests/conftest.py and where screenshots go.

The browser is Debian's chromium (``apt-get install chromium``), found at ``ICU_CHROMIUM``,
on the PATH or at /usr/bin/chromium. Without it the browser tests skip locally and fail in
CI (``ICU_REQUIRE_BROWSER=1``, set by .ci/run), like the PostgreSQL tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = Path(os.environ.get("ICU_REPORT_SCREENSHOTS",
                                  ROOT / "build" / "report-screenshots"))
"""Where the browser tests keep a screenshot of each page (a CI artifact named by
docs/report.md and docs/sandbox.md)."""

# Flags for a closed network: nothing in the background reaches out.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ICU_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def launched_browser() -> Iterator[Any]:
    """A running Chromium, closed at the end; skips (or fails with ICU_REQUIRE_BROWSER=1)
    when there is none."""
    required = os.environ.get("ICU_REQUIRE_BROWSER") == "1"
    executable = chromium_path()
    problem = None
    if executable is None:
        problem = ("headless Chromium is not installed (apt-get install chromium; or set "
                   "ICU_CHROMIUM to its path)")
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if required:
            pytest.fail(f"ICU_REQUIRE_BROWSER=1 but {problem}", pytrace=False)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=executable,
                                                  args=CHROMIUM_ARGS)
        except Exception as exc:
            if required:
                pytest.fail(f"Chromium at {executable} did not start: {exc}", pytrace=False)
            pytest.skip(f"Chromium at {executable} did not start: {exc}")
        yield launched
        launched.close()
