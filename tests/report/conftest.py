"""Fixtures for reports: a mirror filled from the sandbox (a coach, two athletes, one with
streams), built once per test session, and headless Chromium driven by playwright.

The browser is Debian's chromium (``apt-get install chromium``), found at ``ICU_CHROMIUM``,
on the PATH or at /usr/bin/chromium. Without it the browser tests skip locally and fail in
CI (``ICU_REQUIRE_BROWSER=1``, set by .ci/run), like the PostgreSQL tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("ICU_REPORT_SCREENSHOTS",
                                  ROOT / "build" / "report-screenshots"))
"""Where the browser tests keep a screenshot of each page (a CI artifact, docs/report.md)."""


@dataclass(frozen=True)
class Mirrored:
    url: str
    path: Path
    athletes: list[str]
    """Every athlete mirrored (the coach first)."""
    with_streams: str
    """The athlete whose streams are mirrored too."""


@pytest.fixture(scope="session")
def mirrored(tmp_path_factory: pytest.TempPathFactory) -> Mirrored:
    path = tmp_path_factory.mktemp("report") / "mirror.db"
    url = f"sqlite:///{path}"
    with Sandbox(seed=31, athletes=2, years=0.2) as sb:
        coached = sb.athlete_ids[0]

        # a live sandbox and Mirror.sync(): no event loop of this process is touched
        mirror = Mirror(sb.client(sb.coach_api_key), url)
        report = mirror.sync(roster=True)
        mirror.sync(athletes=[coached], streams=True)
        mirror.close()
        ids = [a.athlete_id for a in report.athletes]
    return Mirrored(url, path, ids, coached)


# ---------------------------------------------------------------------------------------------
# The browser


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ICU_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# Flags for a closed network: nothing in the background reaches out.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Module scope, not session: playwright's sync API runs an event loop in this thread
    # while it is open, and every asyncio test after it would fail to start its own.
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
