"""Shared fixtures: every test talks HTTP to the sandbox (DESIGN: the sandbox is the test
double). In-process transports by default; ``live_sandbox`` runs a real server on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from intervals_icu import AsyncClient, Client, RetryPolicy
from intervals_icu.sandbox import Sandbox
from tests import clock
from tests.browser import launched_browser

FAST_RETRY = RetryPolicy(max_attempts=4, backoff_base=0.001, backoff_max=0.01)


def pytest_configure(config: pytest.Config) -> None:
    """Every test runs on the pinned "today" (tests/clock.py), set before any test module is
    imported so that nothing reads the real date first."""
    clock.pin()
    # A run started in the background by a script (`cmd &` without job control) inherits
    # SIGINT ignored, and so would every `icu` the tests stop with SIGINT (Ctrl-C).
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_unconfigure(config: pytest.Config) -> None:
    clock.unpin()


def pytest_report_header(config: pytest.Config) -> str:
    return f"pinned today: {clock.pinned_moment().isoformat()} (set {clock.ENV} to move it)"


@pytest.fixture(autouse=True)
def _real_clock_when_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests marked ``real_clock`` run on the machine's clock (today's handling stays
    covered); the pinned clock resumes where it was after them."""
    if request.node.get_closest_marker("real_clock") is None:
        yield
        return
    clock.unpin()
    try:
        yield
    finally:
        clock.resume()


@pytest.fixture(scope="session")
def seeded_sandbox() -> Iterator[Sandbox]:
    """A sandbox shared by read-only tests (do not write to it)."""
    sb = Sandbox(seed=7, athletes=2, years=0.5)
    yield sb
    sb.stop()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh, small sandbox per test: safe to write to."""
    sb = Sandbox(seed=11, athletes=2, years=0.25)
    yield sb
    sb.stop()


@pytest.fixture
def live_sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox served on a real socket (webhooks, faults, pacing)."""
    with Sandbox(seed=13, athletes=2, years=0.25) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Client]:
    with sandbox.client(retry=FAST_RETRY) as c:
        yield c


@pytest.fixture
async def async_client(sandbox: Sandbox) -> AsyncIterator[AsyncClient]:
    async with sandbox.async_client(retry=FAST_RETRY) as c:
        yield c


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL for tests that need it; skipped (with the reason) when not set.

    CI sets ICU_TEST_POSTGRES_URL and fails if any PostgreSQL test was skipped.
    """
    required = os.environ.get("ICU_REQUIRE_POSTGRES") == "1"
    url = os.environ.get("ICU_TEST_POSTGRES_URL")
    reason = ("PostgreSQL tests need ICU_TEST_POSTGRES_URL "
              "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    if url:
        try:
            import sqlalchemy

            engine = sqlalchemy.create_engine(url)
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text("select 1"))
            engine.dispose()
        except Exception as exc:
            reason = f"PostgreSQL at ICU_TEST_POSTGRES_URL is not reachable: {exc}"
            url = None
    if not url:
        if required:
            pytest.fail(f"ICU_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return url



@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (tests/browser.py). Module scope, not session: playwright's sync API
    runs an event loop in this thread while it is open, and every asyncio test after it
    would fail to start its own."""
    yield from launched_browser()
