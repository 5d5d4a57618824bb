"""The sandbox's dashboard (``/sandbox/``) in a real headless Chromium: every panel draws with
data, the numbers it shows equal the sandbox's, it requests nothing outside the sandbox, it
never shows a secret, and a webhook delivery retried after a 500 appears with both attempts.
A screenshot is kept (docs/sandbox.md names where). The control endpoints the page reads are
tested here too, without a browser."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.oauth import fingerprint
from intervals_icu.sandbox.traffic import WINDOW, TrafficMeter
from intervals_icu.sandbox.transport import SyncSandboxTransport
from tests.browser import SCREENSHOTS
from tests.conftest import FAST_RETRY
from tests.sandbox.receiver import Receiver

SCREENSHOT = SCREENSHOTS / "sandbox-dashboard.png"


class Dashboard:
    """The page in its own browser context; every request it makes is recorded, and any
    request outside the sandbox is refused and remembered."""

    def __init__(self, browser: Any, sb: Sandbox) -> None:
        self.origin = sb.base_url
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(sb.dashboard_url)
        self.page.evaluate("window.icuDashboard.ready")

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def settle(self, polls: int = 2) -> None:
        """Wait until ``polls`` more polls have been drawn (the first of them may have
        started before the caller's last change; the second has not)."""
        done = self.page.evaluate("window.icuDashboard.polls")
        self.page.wait_for_function("(n) => window.icuDashboard.polls >= n", arg=done + polls,
                                    timeout=15_000)

    def metric(self, panel: str, name: str) -> str:
        return str(self.page.locator(f"#{panel} [data-metric='{name}']").first.inner_text())

    def rows(self, selector: str) -> list[list[str]]:
        return list(self.page.evaluate(
            "(s) => Array.from(document.querySelectorAll(s), tr => "
            "Array.from(tr.cells, td => td.innerText.trim()))", selector))

    def close(self) -> None:
        self.context.close()


def control(sb: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=f"{sb.base_url}/_sandbox", timeout=30)


def as_athlete(sb: Sandbox, athlete_id: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, timeout=30,
                        auth=("API_KEY", sb.api_key_for(athlete_id or sb.athlete_id)))


# -- a busy sandbox, watched by one page --------------------------------------------------------


class Busy:
    """What was done to the sandbox, to compare with what the page shows."""

    requests = 0
    rate_limited = 0
    server_errors = 0


@pytest.fixture(scope="module")
def busy() -> Iterator[tuple[Sandbox, Busy]]:
    """A live sandbox with traffic, 429s, faults (one retired, one armed), OAuth tokens (one
    revoked), and a webhook delivery retried after a 500."""
    receiver = Receiver()
    with Sandbox(seed=23, athletes=2, years=0.2) as sb, control(sb) as ctl:
        done = Busy()
        sb.clock.freeze()
        ctl.patch("/options", json={"webhook_retry_schedule": [30, 60],
                                    "rate_limit_per_second": 0.01, "rate_limit_burst": 12})
        app = sb.register_app("Dashboard test app", ["http://localhost/cb"],
                              webhook_url=receiver.url, webhook_types=["WELLNESS_UPDATED"])
        sb.oauth_token(sb.athlete_id, "WELLNESS:READ", client_id=app.client_id)
        leaving = sb.oauth_token(sb.athlete_ids[1], "WELLNESS:READ", client_id=app.client_id)
        receiver.answer(500)
        day = sb.state.local_today(sb.athlete_id).isoformat()
        ctl.post("/device-wellness", json={"day": day, "weight": 70.4})
        ctl.post("/webhooks/flush")
        ctl.post("/clock/advance", json={"seconds": 30})
        ctl.post("/webhooks/flush")
        receiver.wait_for(2)

        with httpx.Client(base_url=sb.base_url) as http:
            gone = http.delete("/api/v1/disconnect-app",
                               headers={"Authorization": f"Bearer {leaving.access_token.reveal()}"})
            assert gone.status_code == 200
            done.requests += 1
        ctl.post("/faults", json={"route": "GET /api/v1/athlete/*/wellness*", "error_rate": 1,
                                  "error_status": 503, "count": 2})
        ctl.post("/faults", json={"route": "GET /api/v1/athlete/*/events*", "latency_ms": 5})
        with as_athlete(sb) as http:
            answers = [http.get("/api/v1/athlete/0/wellness", params={"oldest": day}).status_code
                       for _ in range(3)]
            answers += [http.get("/api/v1/athlete/0/events").status_code for _ in range(2)]
            answers += [http.get("/api/v1/athlete/0").status_code for _ in range(10)]
        done.requests += len(answers)
        done.rate_limited = answers.count(429)
        done.server_errors = answers.count(503)
        assert done.server_errors == 2, answers
        assert done.rate_limited >= 3, answers
        yield sb, done
    receiver.close()


@pytest.fixture(scope="module")
def watched(busy: tuple[Sandbox, Busy], browser: Any) -> Iterator[Dashboard]:
    sb, _ = busy
    dashboard = Dashboard(browser, sb)
    dashboard.settle()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    dashboard.page.screenshot(path=str(SCREENSHOT), full_page=True)
    yield dashboard
    dashboard.close()


PANELS = ["traffic", "ratelimit", "faults", "oauth", "webhooks", "budgets", "data"]


def test_every_panel_draws_with_data(watched: Dashboard) -> None:
    page = watched.page
    for panel in PANELS:
        assert page.get_attribute(f"#{panel}", "data-state") == "rendered", panel
        text = page.inner_text(f"#{panel} .body")
        assert text.strip(), panel
        assert "loading" not in text, panel
    for panel in ("faults", "oauth", "webhooks", "data"):
        assert page.locator(f"#{panel} tbody tr").count() >= 2, panel
    assert page.locator("#traffic svg.bars rect").count() >= 1
    assert page.locator("#ratelimit tbody tr").count() >= 1
    assert page.locator("#data .records-table tbody tr").count() >= 5
    assert watched.errors == []
    assert SCREENSHOT.stat().st_size > 10_000


def test_numbers_shown_equal_the_sandboxs(busy: tuple[Sandbox, Busy],
                                          watched: Dashboard) -> None:
    sb, done = busy
    watched.settle()
    traffic = sb.traffic.describe()
    # What was sent, what the sandbox counted and what the page shows agree; the page's own
    # polling is not counted (it has polled at least twice since).
    assert traffic["totals"]["requests"] == done.requests
    assert int(watched.metric("traffic", "requests")) == done.requests
    assert int(watched.metric("traffic", "rate-limited")) == sb.info()["rate_limited"]
    assert sb.info()["rate_limited"] == done.rate_limited
    assert int(watched.metric("traffic", "errors")) == done.server_errors
    assert int(watched.metric("traffic", "peak")) == traffic["peak_per_second"]

    limit = sb.rate_limiter.describe()
    [bucket] = limit["buckets"]
    shown = float(watched.page.inner_text(
        f"#ratelimit tr[data-address='{bucket['address']}'] [data-metric='tokens']"))
    assert abs(shown - bucket["tokens"]) <= 0.15  # it refills 0.01 token/s meanwhile
    assert int(watched.metric("ratelimit", "burst")) == limit["burst"] == 12

    history = sb.state.faults.history()
    assert int(watched.metric("faults", "injected-errors")) == history["injected"]["errors"] == 2
    rows = {r[0]: r for r in watched.rows("#faults table.request-faults tbody tr")}
    for rule in history["rules"]:
        row = rows[str(rule["id"])]
        assert (row[1], int(row[5])) == (rule["route"], rule["fired"])
        assert row[6] == ("armed" if rule["active"] else "retired")
    assert sorted(int(r[5]) for r in rows.values()) == [2, 2]

    tokens = list(sb.state.tokens.values())
    shown_tokens = {r[0]: r[5] for r in watched.rows("#oauth table.tokens tbody tr")}
    assert shown_tokens == {fingerprint(t.token): "revoked" if t.revoked else "live"
                            for t in tokens}
    assert int(watched.metric("oauth", "apps")) == len(sb.state.apps)

    summary = sb.state.webhooks.summary()
    assert int(watched.metric("webhooks", "emitted")) == summary["emitted"]
    assert int(watched.metric("webhooks", "delivered")) == summary["attempts"]["delivered"]

    for athlete_id, store in sb.state.stores.items():
        row = f"#data tr[data-athlete='{athlete_id}']"
        for kind in ("activities", "wellness", "events"):
            shown_count = int(watched.page.inner_text(f"{row} [data-metric='{kind}']"))
            assert shown_count == len(getattr(store, kind)), (athlete_id, kind)


def test_the_data_browser_lists_the_newest_records_first(busy: tuple[Sandbox, Busy],
                                                         watched: Dashboard) -> None:
    sb, _ = busy
    page = watched.page
    store = sb.state.stores[sb.athlete_id]
    assert page.get_attribute(f"#data tr[data-athlete='{sb.athlete_id}']", "class") == "selected"
    newest = {
        "activities": max(store.activities.values(),
                          key=lambda a: (a["start_date_local"], a["id"]))["id"],
        "wellness": max(store.wellness),
        "events": str(max(store.events.values(),
                          key=lambda e: (e["start_date_local"], e["id"]))["id"]),
    }
    for kind in ("wellness", "events", "activities"):
        page.click(f"#data .tabs button[data-kind='{kind}']")
        page.wait_for_selector(f"#data table.records-table[data-kind='{kind}'] tbody tr")
        first = page.get_attribute("#data table.records-table tbody tr", "data-record")
        assert first == newest[kind], kind
        shown = page.locator("#data table.records-table tbody tr").count()
        assert shown == min(30, len(getattr(store, kind)))
        curl = page.inner_text("#data pre.curl")
        assert curl.startswith(f"curl -u API_KEY:$INTERVALS_API_KEY '{sb.base_url}/api/v1/")
    assert watched.errors == []


def test_json_links_answer_what_the_api_answers(busy: tuple[Sandbox, Busy],
                                               watched: Dashboard) -> None:
    sb, _ = busy
    page = watched.page
    sb.configure(rate_limit_enabled=False)  # the keyed requests below would meet 429s
    before = sb.traffic.describe()["totals"]["requests"]
    links: list[str] = []
    for kind in ("activities", "wellness", "events"):
        page.click(f"#data .tabs button[data-kind='{kind}']")
        page.wait_for_selector(f"#data table.records-table[data-kind='{kind}'] tbody tr")
        links.append(str(page.get_attribute("#data table.records-table tbody tr a.json", "href")))
        links.append(str(page.get_attribute("#data p.muted a.json", "href")))  # the whole list
    links.append(str(page.get_attribute(f"#data tr[data-athlete='{sb.athlete_id}'] a.json",
                                        "href")))
    with httpx.Client(base_url=sb.base_url) as anonymous, as_athlete(sb) as keyed:
        for link in links:
            assert link.startswith(f"/_sandbox/view/{sb.athlete_id}/api/v1/"), link
            viewed = anonymous.get(link)
            real = keyed.get(link.removeprefix(f"/_sandbox/view/{sb.athlete_id}"))
            assert viewed.status_code == real.status_code == 200, link
            assert viewed.content == real.content, link
    # the view is not API traffic; the keyed requests are
    assert sb.traffic.describe()["totals"]["requests"] == before + len(links)
    # a link opens in the browser too
    opened = watched.context.new_page()
    opened.goto(sb.base_url + links[0])
    assert json.loads(opened.inner_text("body"))["id"]
    opened.close()


def test_the_page_requests_nothing_outside_the_sandbox(watched: Dashboard) -> None:
    watched.settle()
    assert watched.outside == []
    assert all(u.startswith(watched.origin + "/") or u.startswith("data:")
               for u in watched.requests), watched.requests
    html = watched.page.content()
    assert not re.search(r"""(src|href|action)\s*=\s*["']?(https?:)?//""", html)
    policy = httpx.get(watched.page.url).headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "connect-src 'self'" in policy


def test_no_secret_reaches_the_page(busy: tuple[Sandbox, Busy], watched: Dashboard) -> None:
    sb, _ = busy
    credentials = sb.credentials()
    secrets = [a["api_key"] for a in credentials["athletes"]]
    secrets += [a["client_secret"] for a in credentials["apps"]]
    secrets += [a["webhook_secret"] for a in credentials["apps"]]
    secrets += list(sb.state.tokens)
    assert len(secrets) >= 9
    shown = watched.page.content()
    read = sorted({u for u in watched.requests if "/_sandbox/" in u})
    assert any(u.endswith("/_sandbox/tokens") for u in read)
    with httpx.Client() as http:
        bodies = [http.get(u).text for u in read]
    for secret in secrets:
        assert secret not in shown
        assert all(secret not in body for body in bodies)


def test_names_are_shown_as_text(browser: Any) -> None:
    with Sandbox(seed=29, athletes=1, years=0.05) as sb:
        name = '<img src="/x" onerror="window.pwned = 1">'
        sb.register_app(name, ["http://localhost/cb"])
        dashboard = Dashboard(browser, sb)
        try:
            dashboard.settle()
            assert name in dashboard.page.inner_text("#oauth table.apps")
            assert dashboard.page.locator("#oauth img").count() == 0
            assert dashboard.page.evaluate("window.pwned") is None
            assert not any(u.endswith("/x") for u in dashboard.requests)
        finally:
            dashboard.close()


# -- a delivery retried after a 500 -------------------------------------------------------------


def test_a_delivery_retried_after_a_500_shows_both_attempts(browser: Any) -> None:
    receiver = Receiver()
    receiver.answer(500)  # the first POST fails, then the default: 200
    with Sandbox(seed=31, athletes=1, years=0.05) as sb, control(sb) as ctl:
        dashboard = Dashboard(browser, sb)
        try:
            ctl.post("/clock/freeze")
            ctl.patch("/options", json={"webhook_retry_schedule": [30, 60]})
            app = ctl.post("/apps", json={
                "name": "Retry watcher", "redirect_uris": ["http://localhost/cb"],
                "webhook_url": receiver.url, "webhook_types": ["WELLNESS_UPDATED"]}).json()
            code = ctl.post("/authorize", json={"client_id": app["client_id"],
                                                "scopes": "WELLNESS:READ"}).json()["code"]
            exchanged = httpx.post(f"{sb.base_url}/api/oauth/token", data={
                "client_id": app["client_id"], "client_secret": app["client_secret"],
                "code": code})
            assert exchanged.status_code == 200
            day = sb.state.local_today(sb.athlete_id).isoformat()
            ctl.post("/device-wellness", json={"day": day, "weight": 68.2})
            ctl.post("/webhooks/flush")

            card = "#webhooks article.delivery"
            dashboard.page.wait_for_selector(f"{card}[data-attempts='1']", timeout=15_000)
            [first] = sb.webhook_deliveries(app["client_id"])
            assert (first["status"], first["outcome"]) == (500, "will_retry")
            rows = dashboard.rows(f"{card} tbody tr")
            [row] = rows
            assert [row[i] for i in (0, 1, 2, 3, 5, 6)] == [
                "1", first["timestamp"][11:19], "500", "will retry", "30 s",
                first["next_attempt_at"][11:19]]
            assert row[4].endswith(" ms")
            assert dashboard.page.get_attribute(card, "data-outcome") == "will_retry"

            ctl.post("/clock/advance", json={"seconds": 30})
            ctl.post("/webhooks/flush")
            dashboard.page.wait_for_selector(f"{card}[data-attempts='2']", timeout=15_000)
            log = sb.webhook_deliveries(app["client_id"])
            assert [(e["attempt"], e["status"], e["outcome"]) for e in log] == [
                (1, 500, "will_retry"), (2, 200, "delivered")]
            rows = dashboard.rows(f"{card} tbody tr")
            assert [(r[0], r[2], r[3], r[5]) for r in rows] == [
                ("1", "500", "will retry", "30 s"), ("2", "200", "delivered", "")]
            assert dashboard.page.get_attribute(card, "data-delivery") == log[0]["delivery_id"]
            assert dashboard.page.get_attribute(card, "data-outcome") == "delivered"
            assert len(receiver.requests) == 2
            assert dashboard.outside == []
            assert dashboard.errors == []
        finally:
            dashboard.close()
    receiver.close()


# -- budgets: drawn when the sandbox enforces them ----------------------------------------------


def test_budgets_panel_follows_the_sandbox(busy: tuple[Sandbox, Busy],
                                          watched: Dashboard) -> None:
    sb, _ = busy
    answer = httpx.get(f"{sb.base_url}/_sandbox/budgets")
    watched.settle()
    text = watched.page.inner_text("#budgets .body")
    if answer.status_code == 404 or not answer.json().get("enabled"):
        assert text == "budgets not enforced"
    else:  # once the sandbox enforces budgets: a row per budget, numbers as the sandbox says
        shown = {r[0]: r for r in watched.rows("#budgets tbody tr")}
        for budget in answer.json()["budgets"]:
            row = shown[budget["key"]]
            assert row[2] == f"{budget['daily_used']} / {budget['daily_limit']}"


SHAPE = {"enabled": True, "budgets": [
    {"key": "app:1000", "kind": "app", "daily_used": 1234, "daily_limit": 20000,
     "window_used": 7, "window_limit": 100, "resets_at": "2026-06-11T00:00:00.000+00:00"},
    {"key": "key:i104202", "kind": "personal", "daily_used": 3, "daily_limit": 5000,
     "window_used": 0, "window_limit": 50, "resets_at": "2026-06-11T00:00:00.000+00:00"},
]}


@pytest.mark.parametrize("body", [SHAPE, {"enabled": False, "budgets": []}])
def test_budgets_panel_draws_the_shape_the_budgets_endpoint_answers(
    busy: tuple[Sandbox, Busy], browser: Any, body: dict[str, Any]
) -> None:
    """The contract with GET /_sandbox/budgets (being added separately): until it exists in
    this sandbox, the page is served the documented shape by the browser itself."""
    sb, _ = busy
    dashboard = Dashboard(browser, sb)
    try:
        dashboard.page.route("**/_sandbox/budgets", lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(body)))
        dashboard.settle()
        if not body["enabled"]:
            assert dashboard.page.inner_text("#budgets .body") == "budgets not enforced"
            return
        rows = dashboard.rows("#budgets tbody tr")
        assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
            (b["key"], b["kind"], f"{b['daily_used']} / {b['daily_limit']}",
             f"{b['window_used']} / {b['window_limit']}") for b in SHAPE["budgets"]]
        assert rows[0][6] == "2026-06-11 00:00:00"
    finally:
        dashboard.close()


# -- the control endpoints the page reads (no browser) ------------------------------------------


def test_dashboard_files_are_served_with_a_policy(sandbox: Sandbox) -> None:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        assert http.get("/sandbox").headers["location"] == "/sandbox/"
        page = http.get("/sandbox/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "'self'" in page.headers["content-security-policy"]
        for name in ("dashboard.js", "dashboard.css"):
            assert name in page.text
            assert http.get(f"/sandbox/{name}").status_code == 200
        assert http.get("/sandbox/nope.js").status_code == 404
        assert http.post("/sandbox/").status_code == 405
    assert sandbox.info()["dashboard"] == f"{sandbox.base_url}/sandbox/"
    assert sandbox.traffic.describe()["totals"]["requests"] == 0


def test_view_answers_the_api_json_without_a_key(sandbox: Sandbox) -> None:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        path = "/api/v1/athlete/0/wellness"
        viewed = http.get(f"/_sandbox/view/{sandbox.athlete_id}{path}",
                          params={"oldest": "2000-01-01"})
        real = http.get(path, params={"oldest": "2000-01-01"},
                        auth=("API_KEY", sandbox.api_key))
        assert viewed.status_code == 200
        assert viewed.content == real.content
        # the view acts as that athlete: the stranger may not read the athlete
        denied = http.get(f"/_sandbox/view/{sandbox.stranger_id}/api/v1/athlete/"
                          f"{sandbox.athlete_id}")
        assert (denied.status_code, denied.json()["error"]) == (403, "Access denied")
        assert http.get(f"/_sandbox/view/nobody{path}").status_code == 404
        assert http.get(f"/_sandbox/view/{sandbox.athlete_id}/oauth/token").status_code == 404
        assert http.post(f"/_sandbox/view/{sandbox.athlete_id}{path}").status_code == 405
        paths = [e["path"] for e in http.get("/_sandbox/endpoints").json()]
        assert "/_sandbox/view/{athlete_id}/api/v1/{path}" in paths


def test_tokens_are_listed_by_fingerprint_only(sandbox: Sandbox) -> None:
    token = sandbox.oauth_token(sandbox.athlete_id, "ACTIVITY:READ")
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        answer = http.get("/_sandbox/tokens")
    [listed] = answer.json()
    assert token.access_token.reveal() not in answer.text
    assert re.fullmatch(r"sha256:[0-9a-f]{8}", listed["fingerprint"])
    assert listed["fingerprint"] == fingerprint(token.access_token.reveal())
    assert (listed["athlete_id"], listed["scopes"], listed["revoked"]) == (
        sandbox.athlete_id, "ACTIVITY:READ", False)


def test_fault_history_counts_what_each_rule_fired(sandbox: Sandbox) -> None:
    sandbox.faults(route="GET /api/v1/athlete/*", error_rate=1.0, error_status=502, count=1)
    sandbox.faults(route="GET /api/v1/athlete/*", latency_ms=1)
    sandbox.faults(route="PUT *", latency_ms=1)
    sandbox.webhook_fault("drop", count=2)
    with sandbox.client(retry=FAST_RETRY) as client:
        client.athletes.get()  # a 502 first, retried by the client
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        history = http.get("/_sandbox/faults/history").json()
        active = http.get("/_sandbox/faults").json()
    rules = {r["id"]: r for r in history["requests"]["rules"]}
    assert [(r["active"], r["matched"], r["fired"]) for r in rules.values()] == [
        (False, 1, 1), (True, 2, 2), (True, 0, 0)]
    assert [r["id"] for r in active] == [2, 3]
    assert history["requests"]["injected"]["errors"] == 1
    [drop] = history["webhooks"]
    assert (drop["kind"], drop["active"], drop["fired"]) == ("drop", True, 0)


def test_traffic_and_buckets_through_the_control_api(sandbox: Sandbox) -> None:
    sandbox.configure(rate_limit_burst=3, rate_limit_per_second=0.001)
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url,
                      auth=("API_KEY", sandbox.api_key)) as http:
        statuses = [http.get("/api/v1/athlete/0").status_code for _ in range(5)]
        statuses.append(http.get("/api/v1/nothing-here").status_code)
        traffic = http.get("/_sandbox/traffic").json()
        again = http.get("/_sandbox/traffic").json()
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert traffic["totals"] == {"requests": 6, "rate_limited": 3, "client_errors": 0,
                                 "server_errors": 0, "dropped": 0}
    assert sum(s["requests"] for s in traffic["per_second"]) == 6
    assert len(traffic["per_second"]) == WINDOW
    limit = traffic["rate_limit"]
    assert (limit["burst"], limit["rejected"], limit["forced_pending"]) == (3, 3, 0)
    [bucket] = limit["buckets"]
    assert bucket["tokens"] < 0.1
    # reading the bucket does not spend or refill it
    assert again["rate_limit"]["buckets"][0]["tokens"] == pytest.approx(bucket["tokens"],
                                                                       abs=0.01)


def test_data_listing_errors_say_what_to_do(sandbox: Sandbox) -> None:
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        unknown = http.get("/_sandbox/data/nobody/activities")
        kind = http.get(f"/_sandbox/data/{sandbox.athlete_id}/gear")
        limit = http.get(f"/_sandbox/data/{sandbox.athlete_id}/events", params={"limit": 0})
        fine = http.get(f"/_sandbox/data/{sandbox.athlete_id}/events", params={"limit": 2})
    assert unknown.status_code == 404
    assert sandbox.athlete_id in unknown.json()["error"]
    assert kind.status_code == 422
    assert "activities, wellness, events" in kind.json()["error"]
    assert limit.status_code == 422
    assert "1 to 500" in limit.json()["error"]
    assert len(fine.json()["records"]) == 2
    assert fine.json()["total"] == len(sandbox.state.stores[sandbox.athlete_id].events)


def test_delivery_log_limit_keeps_the_newest_attempts(sandbox: Sandbox) -> None:
    async def hook(request: Request) -> Response:
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    apps = [sandbox.register_app(f"app {n}", ["http://localhost/cb"],
                                 webhook_url="http://receiver.invalid/hook",
                                 webhook_types=["WELLNESS_UPDATED"],
                                 webhook_transport=SyncSandboxTransport(receiver))
            for n in range(2)]
    for app in apps:
        sandbox.oauth_token(sandbox.athlete_id, "WELLNESS:READ", client_id=app.client_id)
    day = sandbox.state.local_today(sandbox.athlete_id)
    for weight in (70.1, 70.2, 70.3):
        sandbox.device_wellness(sandbox.athlete_id, day, weight=weight)
        sandbox.deliver_webhooks()
    log = sandbox.webhook_deliveries()
    assert len(log) == 6
    first = apps[0].client_id
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.base_url) as http:
        def read(**params: Any) -> httpx.Response:
            return http.get("/_sandbox/webhooks/deliveries", params=params)

        assert read(limit=2).json() == log[-2:]
        assert read(limit=2, client_id=first).json() == [
            e for e in log if e["client_id"] == first][-2:]
        assert read(limit=0).json() == []
        assert read(limit=99).json() == log
        assert read(limit="two").status_code == 422


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=200, allow_nan=False),
                          st.sampled_from([200, 404, 429, 500, 503, None])), max_size=60))
def test_traffic_meter_counts_every_answer_and_keeps_the_last_minute(
    answers: list[tuple[float, int | None]]
) -> None:
    clock = [0.0]
    meter = TrafficMeter(lambda: clock[0])
    for moment, status in sorted(answers, key=lambda a: a[0]):
        clock[0] = moment
        meter.record(status)
    seen = meter.describe()
    assert seen["totals"]["requests"] == len(answers)
    assert seen["totals"]["rate_limited"] == sum(1 for _, s in answers if s == 429)
    assert seen["totals"]["dropped"] == sum(1 for _, s in answers if s is None)
    now = int(clock[0])
    recent = [a for a in answers if now - int(a[0]) < WINDOW]
    assert sum(s["requests"] for s in seen["per_second"]) == len(recent)
