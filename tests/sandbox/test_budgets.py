"""Request budgets (API-NOTES §6.1, UNCERTAIN; sandbox/budgets.py): OAuth apps per user per
day, the app's total and its 15-minute window; personal keys per day and window; reset at
midnight UTC on the sandbox clock; 429 in the 10/s limit's shape; the control API's numbers;
and many OAuth users seeded cheaply."""

from __future__ import annotations

import math
import pickle
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intervals_icu.oauth import OAuthToken
from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.budgets import Budgets, app_limits
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.state import Principal

NOON = datetime(2026, 3, 4, 12, 3, 0, tzinfo=UTC)
"""A moment away from any window boundary (the windows start at :00, :15, :30, :45)."""
BUDGET_KEYS = {"key", "kind", "daily_used", "daily_limit", "window_used", "window_limit",
               "resets_at"}


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    sandbox.configure(budget_enabled=True, rate_limit_enabled=False)
    sandbox.clock.freeze()
    sandbox.clock.set(NOON)
    return sandbox


@pytest.fixture
def personal(sb: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.api_key)) as http:
        yield http


def bearer(sb: Sandbox, token: OAuthToken) -> httpx.Client:
    return httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                        headers={"Authorization": f"Bearer {token.access_token.reveal()}"})


def token_of(sb: Sandbox, athlete_id: str) -> OAuthToken:
    return sb.oauth_token(athlete_id, "ACTIVITY:READ,SETTINGS:READ")


def statuses(http: httpx.Client, count: int, path: str = "/api/v1/athlete/0") -> list[int]:
    return [http.get(path).status_code for _ in range(count)]


def budget(sb: Sandbox, key: str) -> dict[str, Any]:
    return next(b for b in sb.budgets()["budgets"] if b["key"] == key)


# -- personal API keys ------------------------------------------------------------------------


def test_personal_key_daily_budget_answers_429_in_the_rate_limit_shape(
        sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_personal_daily=5)
    assert statuses(personal, 5) == [200] * 5
    refused = personal.get("/api/v1/athlete/0")
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == {"status", "error"}, "the same body shape as the 10/s limit"
    assert body["status"] == 429
    midnight = datetime(2026, 3, 5, tzinfo=UTC)
    assert body["error"].startswith("Too many requests")
    assert "daily budget of 5 requests" in body["error"]
    assert "2026-03-05T00:00:00.000+00:00 (midnight UTC)" in body["error"]
    headers = refused.headers
    assert int(headers["retry-after"]) == math.ceil((midnight - NOON).total_seconds())
    assert int(headers["x-ratelimit-reset"]) == int(midnight.timestamp())
    assert headers["x-ratelimit-limit"] == "5"
    assert headers["x-ratelimit-remaining"] == "0"
    assert headers["x-ratelimit-budget"] == "personal-daily"
    # Another athlete's key has its own budget.
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.coach_api_key)) as coach:
        assert coach.get("/api/v1/athlete/0").status_code == 200


def test_personal_window_is_fixed_to_quarter_hours_by_default(
        sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_personal_window=3)
    assert statuses(personal, 3) == [200] * 3
    refused = personal.get("/api/v1/athlete/0")
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-budget"] == "personal-window"
    assert "budget of 3 requests per 15 minutes" in refused.json()["error"]
    assert "2026-03-04T12:15:00.000+00:00" in refused.json()["error"]
    assert int(refused.headers["retry-after"]) == 12 * 60
    sb.advance(12 * 60 - 1)
    assert statuses(personal, 1) == [429], "a second before the window ends"
    sb.advance(1)
    assert statuses(personal, 3) == [200] * 3, "a new window at 12:15"
    use = budget(sb, f"personal:{sb.athlete_id}")
    assert (use["daily_used"], use["window_used"]) == (6, 3)
    assert use["rejected"] == 2


def test_sliding_window_frees_a_slot_when_the_oldest_request_leaves(
        sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_personal_window=3, budget_window_mode="sliding")
    for step in range(3):  # requests at 12:03, 12:08, 12:13
        sb.clock.set(NOON + timedelta(seconds=300 * step))
        assert statuses(personal, 1) == [200]
    refused = personal.get("/api/v1/athlete/0")  # still 12:13: all three are in the window
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-budget"] == "personal-window"
    assert int(refused.headers["retry-after"]) == 300, "until the 12:03 request leaves"
    sb.clock.set(NOON + timedelta(seconds=899))
    assert statuses(personal, 1) == [429]
    sb.clock.set(NOON + timedelta(seconds=900))  # 12:18: the 12:03 request has left
    assert statuses(personal, 1) == [200]
    assert statuses(personal, 1) == [429], "the 12:08 one still counts"
    assert budget(sb, f"personal:{sb.athlete_id}")["window_used"] == 3


def test_the_day_ends_at_midnight_utc_on_the_sandbox_clock(
        sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_personal_daily=2)
    zone = sb.state.accounts[sb.athlete_id].timezone
    assert datetime(2026, 3, 4, 23, tzinfo=UTC).astimezone(zone).utcoffset() != timedelta(0), \
        "the athlete lives off UTC, so local midnight is another moment"
    sb.clock.set(datetime(2026, 3, 4, 23, 50, tzinfo=UTC))
    assert statuses(personal, 3) == [200, 200, 429]
    sb.clock.set(datetime(2026, 3, 4, 23, 59, 59, 500_000, tzinfo=UTC))
    assert statuses(personal, 1) == [429]
    sb.clock.set(datetime(2026, 3, 5, 0, 0, 0, tzinfo=UTC))
    assert statuses(personal, 3) == [200, 200, 429]
    use = budget(sb, f"personal:{sb.athlete_id}")
    assert use["daily_used"] == 2
    assert use["resets_at"] == "2026-03-06T00:00:00.000+00:00"


def test_what_counts(sb: Sandbox, personal: httpx.Client) -> None:
    """Every authenticated /api/v1 request, whatever it answers; not 401s, unknown routes,
    the spec or the control API."""
    assert personal.get("/api/v1/athlete/0").status_code == 200
    assert personal.get(f"/api/v1/athlete/{sb.stranger_id}").status_code == 403
    assert personal.get("/api/v1/activity/i1").status_code == 404
    assert personal.get("/api/v1/no-such-route").status_code == 404
    assert personal.get("/api/v1/docs").status_code == 200
    assert personal.get("/_sandbox/budgets").status_code == 200
    assert httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                        auth=("API_KEY", "wrong")).get("/api/v1/athlete/0").status_code == 401
    assert budget(sb, f"personal:{sb.athlete_id}")["daily_used"] == 3


def test_switched_off_nothing_is_refused_but_use_is_still_counted(
        sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_enabled=False, budget_personal_daily=2)
    assert statuses(personal, 4) == [200] * 4
    state = sb.budgets()
    assert state["enabled"] is False
    assert budget(sb, f"personal:{sb.athlete_id}")["daily_used"] == 4
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as control:
        patched = control.patch("/_sandbox/options", json={"budget_enabled": True})
        assert patched.json()["budget_enabled"] is True
    assert statuses(personal, 1) == [429], "over the limit as soon as it is switched on"


def test_headers_can_be_switched_off(sb: Sandbox, personal: httpx.Client) -> None:
    sb.configure(budget_personal_daily=1, budget_headers=False)
    personal.get("/api/v1/athlete/0")
    refused = personal.get("/api/v1/athlete/0")
    assert refused.status_code == 429
    assert not {h for h in refused.headers if h.startswith(("retry-after", "x-ratelimit"))}
    assert "midnight UTC" in refused.json()["error"], "the body still says when"


def test_on_by_default_with_the_reported_numbers() -> None:
    options = SandboxOptions()
    assert options.budget_enabled
    assert (options.budget_user_daily, options.budget_app_daily_min,
            options.budget_app_daily_max) == (100, 8000, 50_000)
    assert (options.budget_window_divisor, options.budget_window_min,
            options.budget_window_seconds) == (8, 2500, 900.0)
    assert (options.budget_personal_daily, options.budget_personal_window) == (5000, 2500)


def test_options_are_validated_and_given_at_construction() -> None:
    options = SandboxOptions(budget_enabled=False, budget_user_daily=7)
    sb = Sandbox(seed=11, athletes=2, years=0.25, options=options)
    try:
        assert sb.budgets()["enabled"] is False
        assert budget(sb, f"app:{sb.seeded.app_client_id}")["per_user_limit"] == 7
        with pytest.raises(ValueError, match="budget_window_mode must be one of"):
            sb.configure(budget_window_mode="rolling")
        with pytest.raises(ValueError, match="whole number"):
            sb.configure(budget_user_daily=2.5)
    finally:
        sb.stop()


# -- OAuth apps -------------------------------------------------------------------------------


def test_with_the_per_user_cap_each_user_has_a_daily_budget(sb: Sandbox) -> None:
    sb.configure(budget_user_daily=3, budget_user_cap=True)
    first, second = (token_of(sb, a) for a in sb.athlete_ids[:2])
    with bearer(sb, first) as one, bearer(sb, second) as two:
        assert statuses(one, 4) == [200, 200, 200, 429]
        refused = one.get("/api/v1/athlete/0")
        assert refused.headers["x-ratelimit-budget"] == "user-daily"
        error = refused.json()["error"]
        assert f"athlete {first.athlete_id}" in error
        assert f"app {sb.seeded.app_client_id} (Sandbox App)" in error
        assert statuses(two, 3) == [200] * 3, "the other user's budget is their own"
    app = budget(sb, f"app:{sb.seeded.app_client_id}")
    assert app["daily_used"] == 6
    assert app["users"] == 2
    assert {u["athlete_id"]: u["daily_used"] for u in app["per_user"]} == {
        first.athlete_id: 3, second.athlete_id: 3}
    assert app["rejected"] == 2


def test_without_the_per_user_cap_only_the_app_total_counts(sb: Sandbox) -> None:
    assert not SandboxOptions().budget_user_cap, "off by default"
    sb.configure(budget_user_daily=3, budget_app_daily_min=0, budget_window_divisor=1)
    first, second = (token_of(sb, a) for a in sb.athlete_ids[:2])
    # Two users: the app's total is 2 x 3 = 6, whoever spends it.
    with bearer(sb, first) as one, bearer(sb, second) as two:
        assert statuses(one, 5) == [200] * 5
        assert statuses(two, 2) == [200, 429]
        assert two.get("/api/v1/athlete/0").headers["x-ratelimit-budget"] == "app-daily"


def test_the_app_total_is_users_times_the_per_user_budget_clamped(sb: Sandbox) -> None:
    """30 users x 2 a day would be 60, but the app's maximum is 50: the 51st request is
    refused, from a user who has spent nothing."""
    sb.configure(budget_user_daily=2, budget_app_daily_min=10, budget_app_daily_max=50,
                 budget_window_min=0, budget_window_divisor=1)
    tokens = sb.seed_oauth_users(30, days=1)
    app = budget(sb, f"app:{sb.seeded.app_client_id}")
    assert (app["users"], app["daily_limit"], app["window_limit"]) == (30, 50, 50)
    for token in tokens[:25]:
        with bearer(sb, token) as http:
            assert statuses(http, 2) == [200, 200]
    with bearer(sb, tokens[25]) as fresh:
        refused = fresh.get("/api/v1/athlete/0")
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-budget"] == "app-daily"
    assert "daily budget of 50 requests" in refused.json()["error"]
    assert budget(sb, f"app:{sb.seeded.app_client_id}")["daily_used"] == 50


def test_the_app_window_is_an_eighth_of_the_total_at_least_the_minimum(sb: Sandbox) -> None:
    options = sb.options
    assert app_limits(options, 0) == (8000, 2500), "no users: the minimum total"
    assert app_limits(options, 100) == (10_000, 2500)
    assert app_limits(options, 500) == (50_000, 6250)
    assert app_limits(options, 5000) == (50_000, 6250), "at most 50,000"
    # One user's 8 a day is under the minimum total of 40: the window is 40 / 8 = 5.
    sb.configure(budget_user_daily=8, budget_window_min=4, budget_window_divisor=8,
                 budget_app_daily_min=40)
    token = token_of(sb, sb.athlete_id)
    with bearer(sb, token) as http:
        assert statuses(http, 6) == [200] * 5 + [429]
        assert http.get("/api/v1/athlete/0").headers["x-ratelimit-budget"] == "app-window"
        sb.clock.set(datetime(2026, 3, 4, 12, 15, tzinfo=UTC))
        assert statuses(http, 1) == [200]


def test_users_are_athletes_with_a_live_token(sb: Sandbox) -> None:
    client_id = sb.seeded.app_client_id
    first = token_of(sb, sb.athlete_ids[0])
    token_of(sb, sb.athlete_ids[0])  # a second token of the same athlete: one user
    token_of(sb, sb.athlete_ids[1])
    assert budget(sb, f"app:{client_id}")["users"] == 2
    with bearer(sb, first) as http:
        assert http.delete("/api/v1/disconnect-app").status_code == 200
    assert budget(sb, f"app:{client_id}")["users"] == 1


def test_the_control_endpoint_shows_exactly_what_was_spent(sb: Sandbox) -> None:
    tokens = [token_of(sb, a) for a in sb.athlete_ids[:2]]
    spent = {tokens[0].athlete_id: 4, tokens[1].athlete_id: 7}
    for token in tokens:
        with bearer(sb, token) as http:
            statuses(http, spent[token.athlete_id])
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.coach_api_key)) as coach:
        statuses(coach, 5, f"/api/v1/athlete/{sb.athlete_id}")  # counts on the coach's key
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as control:
        answer = control.get("/_sandbox/budgets").json()
    assert set(answer) == {"enabled", "budgets"}
    assert answer["enabled"] is True
    for entry in answer["budgets"]:
        assert set(entry) >= BUDGET_KEYS
        assert entry["kind"] in {"app", "personal"}
        assert datetime.fromisoformat(entry["resets_at"]) == datetime(2026, 3, 5, tzinfo=UTC)
    by_key = {e["key"]: e for e in answer["budgets"]}
    app = by_key[f"app:{sb.seeded.app_client_id}"]
    assert (app["daily_used"], app["window_used"]) == (11, 11)
    assert (app["daily_limit"], app["window_limit"]) == (8000, 2500)
    assert [(u["athlete_id"], u["daily_used"]) for u in app["per_user"]] == [
        (tokens[1].athlete_id, 7), (tokens[0].athlete_id, 4)]
    coach_use = by_key[f"personal:{sb.coach_id}"]
    assert (coach_use["daily_used"], coach_use["window_used"]) == (5, 5)
    assert (coach_use["daily_limit"], coach_use["window_limit"]) == (5000, 2500)
    assert f"personal:{sb.athlete_id}" not in by_key, "a key nobody used is not listed"
    assert answer == sb.budgets()
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as control:
        control.post("/_sandbox/budgets/reset")
    assert budget(sb, f"app:{sb.seeded.app_client_id}")["daily_used"] == 0


def test_reset_forgets_use(sb: Sandbox, personal: httpx.Client) -> None:
    statuses(personal, 2)
    sb.reset()
    assert all(b["kind"] == "app" and b["daily_used"] == 0 for b in sb.budgets()["budgets"])


# -- the accounting, for any sequence of requests and clock moves ----------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 4, 23, 20, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


_PRINCIPALS = [Principal("i1", "api_key"), Principal("i2", "api_key"),
               Principal("i1", "bearer", client_id="app"),
               Principal("i2", "bearer", client_id="app"),
               Principal("i3", "bearer", client_id="app")]
_steps = st.lists(st.one_of(
    st.tuples(st.just("request"), st.integers(0, len(_PRINCIPALS) - 1)),
    st.tuples(st.just("advance"), st.integers(1, 1200)),
), max_size=120)


def _budgets_of(served: list[tuple[float, Principal]], who: Principal, now: float,
                window: float, sliding: bool) -> dict[str, int]:
    """The use of ``who``'s budgets at ``now``, counted from the log of served requests."""
    day = datetime.fromtimestamp(now, UTC).date()

    def in_window(t: float) -> bool:
        return now - window < t <= now if sliding else t // window == now // window

    def same_day(t: float) -> bool:
        return datetime.fromtimestamp(t, UTC).date() == day

    if who.kind == "bearer":
        app = [t for t, p in served if p.kind == "bearer"]
        mine = [t for t, p in served if p == who]
        return {"app-daily": sum(map(same_day, app)), "app-window": sum(map(in_window, app)),
                "user-daily": sum(map(same_day, mine))}
    mine = [t for t, p in served if p == who]
    return {"personal-daily": sum(map(same_day, mine)),
            "personal-window": sum(map(in_window, mine))}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_steps, mode=st.sampled_from(["fixed", "sliding"]), cap=st.booleans())
def test_spent_never_exceeds_a_limit_and_429_exactly_when_one_is_full(
        steps: list[tuple[str, int]], mode: str, cap: bool) -> None:
    options = SandboxOptions(
        budget_enabled=True, budget_user_daily=4, budget_user_cap=cap,
        budget_app_daily_min=6, budget_app_daily_max=9, budget_window_divisor=2,
        budget_window_min=3, budget_personal_daily=7, budget_personal_window=3,
        budget_window_seconds=900.0, budget_window_mode=mode)  # type: ignore[arg-type]
    clock = _Clock()
    budgets = Budgets(lambda: options, clock, lambda client: 2, lambda: [("app", "App")])
    daily, window = app_limits(options, 2)
    limits = {"app-daily": daily, "app-window": window, "user-daily": 4,
              "personal-daily": 7, "personal-window": 3}
    if not cap:
        limits["user-daily"] = 10**9
    served: list[tuple[float, Principal]] = []
    for kind, value in steps:
        if kind == "advance":
            clock.now += timedelta(seconds=value)
            continue
        who = _PRINCIPALS[value]
        now = clock.now.timestamp()
        before = _budgets_of(served, who, now, 900.0, mode == "sliding")
        full = {name for name, used in before.items() if used >= limits[name]}
        refused = budgets.spend(who)
        if refused is None:
            assert not full, f"served although {full} was full"
            served.append((now, who))
            after = _budgets_of(served, who, now, 900.0, mode == "sliding")
            assert all(used <= limits[name] for name, used in after.items())
        else:
            assert refused.budget in full, f"refused for {refused.budget}, full: {full}"
            assert refused.resets_at > clock.now
            assert refused.retry_after == (refused.resets_at - clock.now).total_seconds()
    shown = {b["key"]: b for b in budgets.describe()["budgets"]}
    now = clock.now.timestamp()
    app_use = _budgets_of(served, _PRINCIPALS[2], now, 900.0, mode == "sliding")
    assert shown["app:app"]["daily_used"] == app_use["app-daily"]
    assert shown["app:app"]["window_used"] == app_use["app-window"]


# -- many OAuth users, seeded cheaply ---------------------------------------------------------


def test_five_hundred_users_authorize_an_app_in_a_moment(sb: Sandbox) -> None:
    started = time.perf_counter()
    tokens = sb.seed_oauth_users(500, days=7)
    elapsed = time.perf_counter() - started
    assert len(tokens) == 500
    assert len({t.athlete_id for t in tokens}) == 500
    assert len({t.access_token.reveal() for t in tokens}) == 500
    assert not {t.athlete_id for t in tokens} & set(sb.seeded.athlete_keys), "new athletes"
    app = budget(sb, f"app:{sb.seeded.app_client_id}")
    assert (app["users"], app["daily_limit"], app["window_limit"]) == (500, 50_000, 6250)
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"  # a sanity bound; the benchmark times it
    # A few users, chosen by property (a Sydney athlete, the last one), use their tokens.
    sydney = next(t for t in tokens
                  if sb.state.accounts[t.athlete_id].profile["city"] == "Sydney")
    for token in (sydney, tokens[-1]):
        with sb.client(credentials=token.credentials()) as client:
            assert client.athletes.get().id == token.athlete_id
            activities = client.activities.list(date(2000, 1, 1), date(2030, 1, 1))
        assert activities, "a short history, not an empty one"
        first_day = min(str(a.start_date_local)[:10] for a in activities)
        today = sb.state.local_today(token.athlete_id)
        assert date.fromisoformat(first_day) >= today - timedelta(days=7)
        with sb.client(api_key=sb.api_key_for(token.athlete_id)) as by_key:
            assert by_key.athletes.get().id == token.athlete_id


def test_seeded_histories_are_the_same_generated_late_or_at_once() -> None:
    """Lazy generation changes nothing: ids, data and stamps are those of generating every
    history at seeding time, whenever (and in whatever order) they are first read."""
    lazy, eager = (Sandbox(seed=11, athletes=2, years=0.25) for _ in range(2))
    try:
        for sb in (lazy, eager):
            sb.clock.freeze()
            sb.clock.set(NOON)
        lazy_tokens = lazy.seed_oauth_users(4, days=10)
        eager_tokens = eager.seed_oauth_users(4, days=10, lazy=False)
        assert [t.athlete_id for t in lazy_tokens] == [t.athlete_id for t in eager_tokens]
        assert [t.access_token.reveal() for t in lazy_tokens] == [
            t.access_token.reveal() for t in eager_tokens], "deterministic credentials"
        assert len(lazy.state.pending) == 4
        assert not eager.state.pending
        lazy.advance(3 * 86400)  # read days later, the last user first
        for token in reversed(lazy_tokens):
            athlete = token.athlete_id
            assert pickle.dumps(lazy.state.store(athlete)) == pickle.dumps(
                eager.state.store(athlete))
        # An activity addressed by id alone before its athlete's history was ever read.
        again = Sandbox(seed=11, athletes=2, years=0.25)
        again.clock.freeze()
        again.clock.set(NOON)
        tokens = again.seed_oauth_users(4, days=10)
        known = next(iter(eager.state.store(eager_tokens[2].athlete_id).activities))
        with again.client(credentials=tokens[2].credentials()) as client:
            assert client.activities.get(known).id == known
        assert tokens[3].athlete_id in again.state.pending, "only that athlete was generated"
        again.stop()
    finally:
        lazy.stop()
        eager.stop()


def test_seeding_through_the_control_api(sb: Sandbox) -> None:
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url) as control:
        answer = control.post("/_sandbox/seed-oauth-users",
                              json={"count": 3, "days": 2, "scopes": "ACTIVITY:READ"})
        assert answer.status_code == 201
        body = answer.json()
        assert body["count"] == 3
        assert body["client_id"] == sb.seeded.app_client_id
        user = body["users"][0]
        assert user["scope"] == "ACTIVITY:READ"
        with httpx.Client(transport=sb.transport(), base_url=sb.base_url, headers={
                "Authorization": f"Bearer {user['access_token']}"}) as http:
            assert http.get("/api/v1/athlete/0/activities?oldest=2000-01-01").status_code == 200
            assert http.get("/api/v1/athlete/0/wellness").status_code == 403, "scope kept"
        bad = control.post("/_sandbox/seed-oauth-users", json={"count": 0})
        assert bad.status_code == 422
        assert "count must be a whole number >= 1" in bad.json()["error"]
        unknown = control.post("/_sandbox/seed-oauth-users", json={"count": 1, "client_id": "x"})
        assert unknown.status_code == 404
        typo = control.post("/_sandbox/seed-oauth-users", json={"count": 1, "dayz": 3})
        assert typo.status_code == 422
