"""Fixtures for reports: a mirror filled from the sandbox (a coach, two athletes, one with
streams), built once per test session. The browser (``browser``, headless Chromium driven by
playwright) is shared with the sandbox's dashboard tests: tests/browser.py and
tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from intervals_icu.mirror import Mirror
from intervals_icu.sandbox import Sandbox


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
