"""Local dates and windows; client options (strict, with_options, for_athlete, http_client)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from intervals_icu import (
    ApiKey,
    Client,
    InvalidRequestError,
    ResponseValidationError,
    date_windows,
)
from intervals_icu.dates import to_local_date, to_local_datetime
from intervals_icu.sandbox import Sandbox


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
       st.integers(min_value=0, max_value=2000), st.integers(min_value=1, max_value=400),
       st.booleans())
def test_windows_cover_the_range_exactly_once(start: date, span: int, days: int,
                                              newest_first: bool) -> None:
    end = start + timedelta(days=span)
    windows = list(date_windows(start, end, days=days, newest_first=newest_first))
    if newest_first:
        windows.reverse()
    assert windows[0][0] == start
    assert windows[-1][1] == end
    for (_a_start, a_end), (b_start, _) in itertools.pairwise(windows):
        assert b_start == a_end + timedelta(days=1)
    assert all(0 <= (e - s).days < days for s, e in windows)


def test_bad_dates_are_refused_with_the_fix() -> None:
    with pytest.raises(InvalidRequestError, match="2025-03-01"):
        to_local_date("March 1st")
    with pytest.raises(InvalidRequestError, match="local"):
        to_local_date(datetime(2025, 3, 1, tzinfo=UTC))
    with pytest.raises(InvalidRequestError, match="offset"):
        to_local_datetime("2025-03-01T07:00:00Z")
    assert to_local_datetime(datetime(2025, 3, 1, 7, 30, 5, 123)) == "2025-03-01T07:30:05"
    with pytest.raises(InvalidRequestError, match="after newest"):
        list(date_windows("2025-02-01", "2025-01-01"))


def test_today_is_the_athletes_local_date_not_utc(sandbox: Sandbox, client: Client) -> None:
    tz = ZoneInfo(str(sandbox.state.accounts[sandbox.athlete_id].profile["timezone"]))
    # 23:30 UTC is already "tomorrow" east of UTC and still "today" west of it.
    sandbox.clock.freeze()
    instant = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    sandbox.clock.advance((instant - sandbox.clock.now()).total_seconds())
    expected = instant.astimezone(tz).date()
    assert client.timezone() == tz
    # client.today() uses the real clock; the sandbox's notion must match the same rule.
    assert sandbox.state.local_today(sandbox.athlete_id) == expected
    assert client.today() == datetime.now(tz).date()


def test_for_athlete_shares_connections_and_pacing(sandbox: Sandbox) -> None:
    coach = sandbox.client(sandbox.coach_api_key)
    athlete = coach.for_athlete(sandbox.athlete_id)
    assert athlete._http.client is coach._http.client
    assert athlete._http.config.bucket is coach._http.config.bucket
    faster = coach.with_options(timeout=5)
    assert faster._http.config.bucket is coach._http.config.bucket
    assert faster._http.config.timeout.read == 5
    assert coach._http.config.timeout.read == 60


def test_strict_mode_reports_what_the_spec_lacks(sandbox: Sandbox) -> None:
    sandbox.state.store(sandbox.athlete_id).wellness["2025-01-01"] = {
        "id": "2025-01-01", "weight": 70.0, "brandNewMetric": 3, "menstrualPhase": "MOON",
    }
    tolerant = sandbox.client()
    record = tolerant.wellness.get("2025-01-01")
    assert record.model_extra == {"brandNewMetric": 3}
    assert record.menstrualPhase == "MOON"
    strict = tolerant.with_options(strict=True)
    with pytest.raises(ResponseValidationError) as info:
        strict.wellness.get("2025-01-01")
    assert any("brandNewMetric" in p for p in info.value.problems)
    assert any("MOON" in p for p in info.value.problems)


def test_a_user_configured_http_client_is_used_as_is(sandbox: Sandbox) -> None:
    seen: list[str] = []
    http = httpx.Client(transport=sandbox.transport(), headers={"X-Trace": "abc"},
                        event_hooks={"request": [lambda r: seen.append(r.headers["x-trace"])]})
    with Client(ApiKey(sandbox.api_key), base_url=sandbox.base_url, http_client=http) as client:
        client.athletes.get()
    assert seen == ["abc"]
    assert not http.is_closed  # we did not create it, so we do not close it
    http.close()


def test_base_url_must_be_http() -> None:
    from intervals_icu import ConfigurationError

    with pytest.raises(ConfigurationError, match="http"):
        Client(ApiKey("k"), base_url="intervals.icu")


async def test_a_sync_client_has_an_async_twin_sharing_the_pacing(sandbox: Sandbox) -> None:
    from intervals_icu import AsyncClient

    sync = sandbox.client(sandbox.coach_api_key).for_athlete(sandbox.athlete_id)
    seen: list[tuple[str, int]] = []
    remove = sync.on_response(
        lambda info, status, seconds, attempt: seen.append((info.path, status)))
    twin = AsyncClient.from_client(
        sync, http_client=httpx.AsyncClient(transport=sandbox.async_transport()))
    assert twin.athlete_id == sandbox.athlete_id
    assert twin._http.config.bucket is sync._http.config.bucket
    assert (await twin.athletes.get()).id == sandbox.athlete_id
    sync.athletes.get()
    assert seen == [(f"/api/v1/athlete/{sandbox.athlete_id}", 200)] * 2
    remove()
    sync.athletes.get()
    assert len(seen) == 2
    back = Client.from_client(twin, http_client=httpx.Client(transport=sandbox.transport()))
    assert back.athletes.get().id == sandbox.athlete_id
    await twin.aclose()


def test_tests_run_on_the_pinned_today(sandbox: Sandbox, client: Client) -> None:
    from tests import clock

    pinned = clock.pinned_moment()
    assert clock.pinned()
    assert abs(datetime.now(UTC) - pinned) < timedelta(hours=2)  # a whole session fits
    tz = client.timezone()
    assert client.today() == datetime.now(UTC).astimezone(tz).date()
    assert sandbox.state.local_today(sandbox.athlete_id) == client.today()


@pytest.mark.real_clock
def test_today_on_the_real_clock(sandbox: Sandbox, client: Client, tmp_path: Path) -> None:
    """One test on the machine's clock, so "today" handling is covered on the real date."""
    from tests import clock

    assert not clock.pinned()
    stamp = tmp_path / "now"
    stamp.touch()  # the kernel stamps the file: a clock no library can move
    real = datetime.fromtimestamp(stamp.stat().st_mtime, UTC)
    assert abs(datetime.now(UTC) - real) < timedelta(seconds=5)
    tz = client.timezone()
    assert client.today() == real.astimezone(tz).date()
    assert sandbox.state.local_today(sandbox.athlete_id) == client.today()
