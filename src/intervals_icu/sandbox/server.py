"""``Sandbox``: a faithful local Intervals.icu, in-process or on a real socket."""

from __future__ import annotations

import copy
import secrets
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from intervals_icu.auth import ApiKey, OAuthApp, OAuthToken
from intervals_icu.sandbox.app import build_app
from intervals_icu.sandbox.budgets import Budgets
from intervals_icu.sandbox.clock import Clock, parse_local
from intervals_icu.sandbox.control import handle_control
from intervals_icu.sandbox.errors import ApiError
from intervals_icu.sandbox.faults import (
    FaultInjector,
    FaultRule,
    drop_connections,
    dropped_connection_handler,
)
from intervals_icu.sandbox.generate.world import SeedResult, seed_world
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.platform.activities import create_activity
from intervals_icu.sandbox.platform.fitness import announce_fitness
from intervals_icu.sandbox.platform.records import validate_patch
from intervals_icu.sandbox.platform.routes import add_route
from intervals_icu.sandbox.platform.shared_events import add_shared_event
from intervals_icu.sandbox.platform.wellness import write_wellness
from intervals_icu.sandbox.ratelimit import RateLimiter
from intervals_icu.sandbox.state import OAuthAppRecord, SandboxState
from intervals_icu.sandbox.webhooks import (
    EVENT_TYPES,
    DeliveryFault,
    FaultKind,
    WebhookDispatcher,
    check_event_types,
)
from intervals_icu.sandbox.wire import DroppedConnection
from intervals_icu.scopes import Scope, parse_scopes
from intervals_icu.secret import Secret

__all__ = ["Sandbox"]

IN_PROCESS_BASE_URL = "http://sandbox.invalid"
FLEET_SCOPES = ("ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,LIBRARY:READ,SETTINGS:READ,"
                "CHATS:READ")
"""What ``seed_oauth_users`` grants by default: everything a mirror reads, and writes."""

# Seeding a year of 1 Hz history takes seconds; the same seed, size and moment always give the
# same data, so each process seeds once and every further Sandbox starts from a copy.
_SEED_CACHE: OrderedDict[tuple[Any, ...], tuple[bytes, SeedResult]] = OrderedDict()
_SEED_CACHE_SIZE = 8
_SEED_CACHE_LOCK = threading.Lock()


def _seeded_snapshot(seed: int, seed_args: dict[str, Any], clock: Clock) -> (
    tuple[bytes, SeedResult]
):
    moment = clock.now()
    # Local "today" differs per athlete time zone; within one quarter hour it cannot change
    # differently for two sandboxes (the seeded zones are whole or half hours from UTC).
    bucket = moment.replace(minute=moment.minute - moment.minute % 15, second=0,
                            microsecond=0)
    key = (seed, tuple(sorted(seed_args.items())), bucket)
    with _SEED_CACHE_LOCK:
        cached = _SEED_CACHE.get(key)
        if cached is not None:
            _SEED_CACHE.move_to_end(key)
            return cached[0], copy.deepcopy(cached[1])
        template = SandboxState(SandboxOptions(), Clock(start=moment, frozen=True), seed=seed)
        seeded = seed_world(template, seed=seed, **seed_args)
        _SEED_CACHE[key] = (template.snapshot(), seeded)
        while len(_SEED_CACHE) > _SEED_CACHE_SIZE:
            _SEED_CACHE.popitem(last=False)
        return _SEED_CACHE[key][0], copy.deepcopy(seeded)


class Sandbox:
    """A local Intervals.icu with seeded athletes, for tests, demos and offline development.

    ``with Sandbox(seed=42) as sb:`` starts a real HTTP server on 127.0.0.1 (random free
    port); ``Sandbox(seed=42).transport()`` serves in-process with no socket at all.
    """

    def __init__(
        self,
        seed: int = 42,
        *,
        athletes: int = 2,
        years: float = 1.0,
        end: date | None = None,
        options: SandboxOptions | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        history: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.seed = seed
        self.host = host
        self.port = port
        self._seed_args: dict[str, Any] = {
            "athletes": athletes, "years": years, "end": end, "history": history
        }
        self.clock = clock or Clock()
        self._options = options or SandboxOptions()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._transports: list[Any] = []
        self._build_state()
        self.app = build_app(self)
        self.app.add_exception_handler(DroppedConnection, dropped_connection_handler)

    def _build_state(self) -> None:
        snapshot, self.seeded = _seeded_snapshot(self.seed, self._seed_args, self.clock)
        self.state = SandboxState.from_snapshot(snapshot, options=self._options,
                                                clock=self.clock)
        self.rate_limiter = RateLimiter(lambda: self.state.options, time.monotonic)
        self.request_budgets = Budgets(lambda: self.state.options, self.clock.now,
                                       self._app_users, self._app_names)
        self.state.faults = FaultInjector(seed=self.seed)
        self.state.webhooks = WebhookDispatcher(self.state)

    # -- credentials ----------------------------------------------------------------------------

    @property
    def athlete_id(self) -> str:
        """The main seeded athlete (coached by the coach)."""
        return self.seeded.athlete_ids[0]

    @property
    def athlete_ids(self) -> list[str]:
        return list(self.seeded.athlete_ids)

    @property
    def api_key(self) -> str:
        return self.seeded.athlete_keys[self.athlete_id]

    @property
    def coach_id(self) -> str:
        return self.seeded.coach_id

    @property
    def coach_api_key(self) -> str:
        return self.seeded.athlete_keys[self.coach_id]

    @property
    def stranger_id(self) -> str:
        """An athlete nobody here coaches or follows (for 403 tests)."""
        return self.seeded.stranger_id

    def api_key_for(self, athlete_id: str) -> str:
        """The personal API key of a seeded athlete (or one from ``seed_oauth_users``)."""
        key = self.seeded.athlete_keys.get(athlete_id)
        if key is not None:
            return key
        account = self.state.accounts.get(athlete_id)
        if account is None:
            raise KeyError(f"no athlete {athlete_id} in this sandbox")
        return account.api_key

    @property
    def oauth_app(self) -> OAuthApp:
        record = self.state.apps[self.seeded.app_client_id]
        return OAuthApp(client_id=record.client_id, client_secret=Secret(record.client_secret),
                        redirect_uri=record.redirect_uris[0], base_url=self.base_url)

    @property
    def base_url(self) -> str:
        if self._server is None:
            return IN_PROCESS_BASE_URL
        return f"http://{self.host}:{self.port}"

    # -- serving --------------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            return self
        import uvicorn

        # IPPROTO_TCP on purpose: asyncio sets TCP_NODELAY only on such sockets; without it
        # every answer waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(drop_connections(self.app), log_level="warning",
                                lifespan="off", access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                  name=f"icu-sandbox-{self.port}", daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.005)
        self._server, self._thread, self._socket = server, thread, sock
        self.state.webhooks.start()
        return self

    def stop(self) -> None:
        self.state.webhooks.stop()
        for transport in self._transports:
            transport.close()
        self._transports.clear()
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._socket.close()
            self._server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def transport(self) -> httpx.BaseTransport:
        """An in-process transport for ``httpx.Client`` (no socket)."""
        from intervals_icu.sandbox.transport import SyncSandboxTransport

        transport = SyncSandboxTransport(self.app)
        self._transports.append(transport)
        return transport

    def async_transport(self) -> httpx.AsyncBaseTransport:
        """An in-process transport for ``httpx.AsyncClient`` (no socket)."""
        from intervals_icu.sandbox.transport import AsyncSandboxTransport

        return AsyncSandboxTransport(self.app)

    def client(self, api_key: str | None = None, **kwargs: Any) -> Any:
        """A ``Client`` for this sandbox (the main athlete's key unless another is given);
        in-process unless the server is running. It acts for the owner of its credentials
        (athlete ``0``), whatever ``INTERVALS_ATHLETE_ID`` says, unless ``athlete_id=`` is
        given."""
        from intervals_icu import Client

        credentials = kwargs.pop("credentials", None) or ApiKey(api_key or self.api_key)
        kwargs.setdefault("athlete_id", "0")
        if self._server is None and "http_client" not in kwargs:
            kwargs["http_client"] = httpx.Client(transport=self.transport())
        return Client(credentials, base_url=self.base_url, **kwargs)

    def async_client(self, api_key: str | None = None, **kwargs: Any) -> Any:
        """Like :meth:`client`, an ``AsyncClient``."""
        from intervals_icu import AsyncClient

        credentials = kwargs.pop("credentials", None) or ApiKey(api_key or self.api_key)
        kwargs.setdefault("athlete_id", "0")
        if self._server is None and "http_client" not in kwargs:
            kwargs["http_client"] = httpx.AsyncClient(transport=self.async_transport())
        return AsyncClient(credentials, base_url=self.base_url, **kwargs)

    # -- control (also under /_sandbox) ---------------------------------------------------------

    @property
    def options(self) -> SandboxOptions:
        return self.state.options

    def configure(self, **changes: Any) -> SandboxOptions:
        """Switch behaviours (see SandboxOptions and docs/sandbox.md)."""
        self.state.options = self.state.options.with_changes(**changes)
        return self.state.options

    def faults(
        self,
        *,
        route: str = "*",
        latency_ms: float = 0.0,
        error_rate: float = 0.0,
        error_status: int = 500,
        drop_rate: float = 0.0,
        count: int | None = None,
        lose_answer_rate: float = 0.0,
        lose_answer_status: int | None = None,
    ) -> FaultRule:
        """Inject faults into requests matching ``route`` (e.g. ``"GET /api/v1/activity/*"``).
        ``lose_answer_rate``: apply the request, then drop the connection (or answer
        ``lose_answer_status``, e.g. 502) instead of the real answer."""
        rule = FaultRule(route=route, latency_ms=latency_ms, error_rate=error_rate,
                         error_status=error_status, drop_rate=drop_rate, remaining=count,
                         lose_answer_rate=lose_answer_rate,
                         lose_answer_status=lose_answer_status)
        self.state.faults.add(rule)
        return rule

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def rate_limit_burst(self, count: int) -> None:
        """Answer the next ``count`` API requests with 429."""
        self.rate_limiter.force(count)

    def budgets(self) -> dict[str, Any]:
        """Each request budget's use (``GET /_sandbox/budgets``): ``{"enabled", "budgets":
        [{"key", "kind": "app"|"personal", "daily_used", "daily_limit", "window_used",
        "window_limit", "resets_at", ...}]}`` (see docs/sandbox.md)."""
        return self.request_budgets.describe()

    def reset_budgets(self) -> None:
        """Forget every budget's use (as if a new day and window had begun)."""
        self.request_budgets.reset()

    def _app_users(self, client_id: str) -> int:
        # list(): one C-level copy, safe while a handler thread adds tokens.
        return len({t.athlete_id for t in list(self.state.tokens.values())
                    if t.client_id == client_id and not t.revoked})

    def _app_names(self) -> list[tuple[str, str]]:
        return [(app.client_id, app.name) for app in list(self.state.apps.values())]

    def advance(self, seconds: float) -> datetime:
        """Move the sandbox clock forward (it is frozen first if it was running)."""
        self.clock.freeze()
        return self.clock.advance(seconds)

    def reset(self) -> None:
        """Back to the freshly seeded state (same seed, same data, options as constructed,
        faults, apps registered later, tokens and webhook deliveries all gone)."""
        self.state.webhooks.stop()
        self._build_state()
        if self._server is not None:
            self.state.webhooks.start()

    def reseed(self, seed: int | None = None, *, athletes: int | None = None,
               years: float | None = None) -> None:
        """Start over with another seed and/or world size (then like :meth:`reset`)."""
        if seed is not None:
            self.seed = _whole(seed, "seed", minimum=0)
        if athletes is not None:
            self._seed_args["athletes"] = _whole(athletes, "athletes", minimum=1)
        if years is not None:
            if isinstance(years, bool) or not isinstance(years, (int, float)) or years < 0:
                raise ValueError(f"years must be a number >= 0, not {years!r}")
            self._seed_args["years"] = float(years)
        self.reset()

    def info(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "seed": self.seed,
            "athlete_id": self.athlete_id,
            "athlete_ids": self.athlete_ids,
            "coach_id": self.coach_id,
            "stranger_id": self.stranger_id,
            "oauth_client_id": self.seeded.app_client_id,
            "now": self.state.now_stamp(),
            "clock": self.clock.describe(),
            "options": self.state.options.as_json(),
            "faults": self.state.faults.describe(),
            "rate_limited": self.rate_limiter.rejected,
            "webhooks": self.state.webhooks.summary(),
        }

    def credentials(self) -> dict[str, Any]:
        """Every seeded key and app secret (it is a sandbox; the control API serves this)."""
        roles = {self.coach_id: "coach", self.stranger_id: "stranger"}
        athletes = [
            {"id": account.id, "name": account.name, "api_key": account.api_key,
             "role": roles.get(account.id, "athlete")}
            for account in self.state.accounts.values()
        ]
        apps = [
            {**app.public(), "client_secret": app.client_secret,
             "webhook_secret": app.webhook_secret}
            for app in self.state.apps.values()
        ]
        return {"base_url": self.base_url, "athletes": athletes, "apps": apps}

    # -- OAuth apps -----------------------------------------------------------------------------

    def register_app(
        self,
        name: str,
        redirect_uris: Iterable[str],
        *,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        webhook_types: Iterable[str] | None = None,
        webhook_authorization: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        owner_id: str | None = None,
        webhook_transport: httpx.BaseTransport | None = None,
    ) -> OAuthAppRecord:
        """Register an OAuth app (on the platform: "Request OAuth access", then "Manage App").

        ``webhook_types`` defaults to every type when a ``webhook_url`` is given. Pass
        ``webhook_transport`` (e.g. ``httpx.ASGITransport`` wrapped for sync use) to deliver
        to an in-process receiver instead of a socket. The returned record holds the client
        and webhook secrets (they are not shown again by ``apps()``).
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError("an app needs a name")
        uris = [redirect_uris] if isinstance(redirect_uris, str) else list(redirect_uris)
        if not all(isinstance(u, str) and u.startswith(("http://", "https://")) for u in uris):
            raise ValueError("redirect_uris must be http(s) URLs, e.g. ['http://localhost/callback']")
        _check_url(webhook_url)
        types = check_event_types(
            webhook_types if webhook_types is not None
            else (list(EVENT_TYPES) if webhook_url else []))
        with self.state.lock:
            if client_id is None:
                client_id = str(self.state.next_id("oauth_app", 1000))
                while client_id in self.state.apps:
                    client_id = str(self.state.next_id("oauth_app", 1000))
            elif str(client_id) in self.state.apps:
                raise ValueError(f"an app with client_id {client_id} already exists")
            app = OAuthAppRecord(
                client_id=str(client_id),
                client_secret=client_secret or secrets.token_hex(16),
                name=name.strip(),
                redirect_uris=uris,
                webhook_url=webhook_url,
                webhook_secret=webhook_secret or secrets.token_hex(16),
                webhook_authorization=webhook_authorization,
                webhook_types=types,
                owner_id=owner_id or self.coach_id,
            )
            self.state.apps[app.client_id] = app
        if webhook_transport is not None:
            self.state.webhooks.set_transport(app.client_id, webhook_transport)
        return app

    def update_app(self, client_id: str, *, webhook_transport: httpx.BaseTransport | None = None,
                   **changes: Any) -> OAuthAppRecord:
        """Change an app's settings: ``name``, ``redirect_uris``, ``webhook_url``,
        ``webhook_secret``, ``webhook_types``, ``webhook_authorization``."""
        allowed = {"name", "redirect_uris", "webhook_url", "webhook_secret", "webhook_types",
                   "webhook_authorization"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot change {', '.join(sorted(unknown))}; changeable: "
                             f"{', '.join(sorted(allowed))}")
        app = self._app(client_id)
        if "webhook_url" in changes:
            _check_url(changes["webhook_url"])
        if "webhook_types" in changes:
            changes["webhook_types"] = check_event_types(changes["webhook_types"] or [])
        if "redirect_uris" in changes:
            uris = changes["redirect_uris"]
            changes["redirect_uris"] = [uris] if isinstance(uris, str) else list(uris)
        with self.state.lock:
            for key, value in changes.items():
                setattr(app, key, value)
        if webhook_transport is not None:
            self.state.webhooks.set_transport(app.client_id, webhook_transport)
        return app

    def apps(self) -> list[dict[str, Any]]:
        """Registered apps, without their secrets."""
        return [app.public() for app in self.state.apps.values()]

    def app_record(self, client_id: str | None = None) -> OAuthAppRecord:
        """A registered app's record (the seeded one by default); KeyError if unknown."""
        return self._app(client_id)

    def _app(self, client_id: str | None) -> OAuthAppRecord:
        key = str(client_id) if client_id is not None else self.seeded.app_client_id
        app = self.state.apps.get(key)
        if app is None:
            raise KeyError(f"no OAuth app with client_id {key}; known: "
                           f"{', '.join(self.state.apps)}")
        return app

    def oauth_app_for(self, client_id: str | None = None, *,
                      redirect_uri: str | None = None) -> OAuthApp:
        """The client-side ``OAuthApp`` helper for a registered app (the seeded one by
        default), pointing at this sandbox."""
        record = self._app(client_id)
        return OAuthApp(client_id=record.client_id, client_secret=Secret(record.client_secret),
                        redirect_uri=redirect_uri or record.redirect_uris[0],
                        base_url=self.base_url)

    def authorize(
        self,
        athlete_id: str | None = None,
        scopes: str | Iterable[str | Scope] = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE",
        *,
        state: str | None = None,
        client_id: str | None = None,
        redirect_uri: str | None = None,
    ) -> str:
        """Approve the consent screen as ``athlete_id`` (the main athlete by default) and
        return the code the redirect would carry; exchange it with ``OAuthApp.exchange_code``
        within ``options.oauth_code_ttl`` seconds of the sandbox clock."""
        return self.authorize_redirect(athlete_id, scopes, state=state, client_id=client_id,
                                       redirect_uri=redirect_uri)[0]

    def authorize_redirect(
        self,
        athlete_id: str | None = None,
        scopes: str | Iterable[str | Scope] = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE",
        *,
        state: str | None = None,
        client_id: str | None = None,
        redirect_uri: str | None = None,
    ) -> tuple[str, str]:
        """Like :meth:`authorize`; returns ``(code, redirect URL with code and state)``."""
        from intervals_icu.sandbox.oauth import approve, check_client, redirect_url

        app = self._app(client_id)
        uri = redirect_uri or app.redirect_uris[0]
        check_client(self.state, app.client_id, uri)
        granted = parse_scopes(scopes if isinstance(scopes, str) else [str(s) for s in scopes])
        record = approve(self.state, app, athlete_id or self.athlete_id, granted, uri)
        return record.code, redirect_url(uri, code=record.code, state=state)

    def oauth_token(
        self,
        athlete_id: str | None = None,
        scopes: str | Iterable[str | Scope] = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE",
        *,
        client_id: str | None = None,
    ) -> OAuthToken:
        """Authorize and exchange in one step (no HTTP): a token for tests of bearer calls."""
        from intervals_icu.sandbox.oauth import exchange_code

        app = self._app(client_id)
        code = self.authorize(athlete_id, scopes, client_id=app.client_id)
        body = exchange_code(self.state, app.client_id, app.client_secret, code)
        return OAuthToken.from_response(body)

    def seed_oauth_users(
        self,
        count: int,
        *,
        client_id: str | None = None,
        days: int = 14,
        scopes: str | Iterable[str | Scope] = FLEET_SCOPES,
        lazy: bool = True,
    ) -> list[OAuthToken]:
        """``count`` new athletes who have authorized the app (the seeded one by default),
        each with ``days`` of history (generated on first access unless ``lazy=False``; the
        same either way): their tokens, in order. No webhooks are sent; ``reset()`` removes
        them. ``api_key_for(token.athlete_id)`` gives each one's personal key."""
        from intervals_icu.sandbox.generate.oauth_users import seed_oauth_users

        app = self._app(client_id)
        granted = parse_scopes(scopes if isinstance(scopes, str) else [str(s) for s in scopes])
        users = seed_oauth_users(self.state, app, count, days=days, scopes=granted, lazy=lazy)
        return [OAuthToken.from_response({"access_token": u["access_token"],
                                          "scope": u["scope"],
                                          "athlete": {"id": u["athlete_id"],
                                                      "name": u["name"]}})
                for u in users]

    # -- simulated devices ----------------------------------------------------------------------

    def device_import(
        self,
        athlete_id: str | None = None,
        *,
        sport: str = "Ride",
        when: datetime | None = None,
        source: str = "GARMIN_CONNECT",
    ) -> dict[str, Any]:
        """A new activity arrives from a device (Garmin by default): generated, stored,
        fitness recomputed, then ACTIVITY_UPLOADED, FITNESS_UPDATED and WELLNESS_UPDATED
        are emitted in that order (API-NOTES §5.3). ``when`` is the athlete's local start
        time (default: now). ``source="STRAVA"`` makes a Strava activity (no activity
        webhooks are sent for those)."""
        from intervals_icu.sandbox.generate import generate_activity

        state = self.state
        athlete_id = self._athlete(athlete_id)

        with state.lock:
            local = _local(state, athlete_id, when)
            activity, detail = generate_activity(
                state, athlete_id, rng_seed=state.seed * 1_000_003 + state.next_id("device"),
                when=local, sport=sport, source=source)
            # Stores, indexes, emits ACTIVITY_UPLOADED (not for Strava) and recomputes fitness.
            create_activity(state, athlete_id, activity, detail)
            announce_fitness(state, athlete_id, local.date())
            return dict(activity)

    def device_wellness(self, athlete_id: str | None, day: date | str,
                        **fields: Any) -> dict[str, Any]:
        """A device (scale, watch) writes wellness for ``day``: changes are announced with
        WELLNESS_UPDATED; a locked record is left untouched (API-NOTES §4.9)."""
        athlete_id = self._athlete(athlete_id)
        day_text = day.isoformat() if isinstance(day, date) else date.fromisoformat(
            str(day)[:10]).isoformat()
        try:
            validate_patch("Wellness", fields, allow_extra=False)
        except ApiError as exc:
            raise ValueError(f"device_wellness: {exc.error} (fields of the Wellness schema, "
                             "e.g. weight=70.5, restingHR=48, hrv=62.0)") from None
        with self.state.lock:
            return dict(write_wellness(self.state, athlete_id, day_text, fields,
                                       source="device"))

    # -- things the API cannot create ------------------------------------------------------

    def add_route(self, athlete_id: str | None = None, *, name: str,
                  latlngs: list[list[float]], **fields: Any) -> dict[str, Any]:
        """Add a route to an athlete (the main one by default): ``latlngs`` is the track as
        ``[lat, lng]`` pairs; other fields of ``AthleteRoute`` (``description``,
        ``commute``, ``tags``...) may be given. The API has no operation that creates one."""
        athlete_id = self._athlete(athlete_id)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a route needs a name")
        track = _track(latlngs)
        try:
            validate_patch("AthleteRoute", fields, allow_extra=False)
        except ApiError as exc:
            raise ValueError(f"add_route: {exc.error}") from None
        with self.state.lock:
            return dict(add_route(self.state, athlete_id, name=name.strip(), latlngs=track,
                                  **fields))

    def add_shared_event(self, athlete_id: str | None = None, *, name: str,
                         start_date_local: str, courses: list[dict[str, Any]] | None = None,
                         **fields: Any) -> dict[str, Any]:
        """Publish a shared event (a race anyone can add to their calendar) as
        ``athlete_id`` (the coach by default): ``start_date_local`` like
        ``2030-05-01T08:00:00``, ``courses`` as ``Course`` objects (``name``,
        ``distance``, ``latlngs``...). The API has no operation that creates one."""
        athlete_id = self._athlete(athlete_id or self.coach_id)
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a shared event needs a name")
        try:
            when = parse_local(str(start_date_local), "start_date_local")
            for course in courses or []:
                if not isinstance(course, dict):
                    raise ValueError("each course must be an object, e.g. {'name': 'Long'}")
                validate_patch("Course", course, allow_extra=False)
        except ApiError as exc:
            raise ValueError(f"add_shared_event: {exc.error}") from None
        with self.state.lock:
            return dict(add_shared_event(self.state, athlete_id, name=name.strip(),
                                         start_date_local=when.isoformat(timespec="seconds"),
                                         courses=courses, **fields))

    def _athlete(self, athlete_id: str | None) -> str:
        athlete_id = athlete_id or self.athlete_id
        if athlete_id not in self.state.accounts:
            raise KeyError(f"no athlete {athlete_id} in this sandbox; athletes: "
                           f"{', '.join(self.state.accounts)}")
        return athlete_id

    # -- webhooks -------------------------------------------------------------------------------

    def deliver_webhooks(self) -> list[dict[str, Any]]:
        """Send now, in this thread, every queued webhook event (ignoring the batch window)
        and every retry due on the sandbox clock; returns the attempts made (delivery log
        entries). With a frozen clock, ``advance()`` first to make retries due."""
        result: list[dict[str, Any]] = self.state.webhooks.flush()
        return result

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is queued, held or waiting for a retry (live sandbox)."""
        done: bool = self.state.webhooks.wait_idle(timeout)
        return done

    def webhook_deliveries(self, client_id: str | None = None) -> list[dict[str, Any]]:
        """The delivery log: one entry per attempt (see docs/sandbox.md)."""
        result: list[dict[str, Any]] = self.state.webhooks.deliveries(client_id)
        return result

    def webhook_fault(self, kind: FaultKind, *, count: int = 1, seconds: float = 0.0,
                      client_id: str | None = None) -> DeliveryFault:
        """Disturb the next ``count`` deliveries: ``duplicate``, ``reorder``, ``delay``
        (``seconds``) or ``drop`` (the first ``count`` attempts are not sent)."""
        fault: DeliveryFault = self.state.webhooks.add_fault(
            kind, count=count, seconds=seconds, client_id=client_id)
        return fault

    def clear_webhook_faults(self) -> None:
        self.state.webhooks.clear_faults()

    def spec_bytes(self) -> bytes:
        from importlib import resources

        return resources.files("intervals_icu.spec").joinpath(
            "intervals-icu-openapi.json").read_bytes()

    async def control(self, request: Request) -> Response:
        return await handle_control(self, request)

    async def oauth(self, request: Request) -> Response:
        from intervals_icu.sandbox.oauth import handle_oauth

        return await handle_oauth(self.state, self.athlete_id, request)


def _whole(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    return value


def _check_url(url: Any) -> None:
    if url is not None and (not isinstance(url, str)
                            or not url.startswith(("http://", "https://"))):
        raise ValueError(f"webhook_url must be an http(s) URL, not {url!r}")


def _track(latlngs: Any) -> list[list[float]]:
    """``[[lat, lng], ...]`` checked: at least two points, numbers in range."""
    if not isinstance(latlngs, list) or len(latlngs) < 2:
        raise ValueError("latlngs must be a list of at least two [lat, lng] points")
    track = []
    for point in latlngs:
        if (not isinstance(point, (list, tuple)) or len(point) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in point)
                or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)):
            raise ValueError(f"not a [lat, lng] point: {point!r}")
        track.append([float(point[0]), float(point[1])])
    return track


def _local(state: SandboxState, athlete_id: str, when: datetime | None) -> datetime:
    """The athlete's local wall-clock time (naive), from ``when`` or the sandbox clock."""
    if when is None:
        return state.local_now(athlete_id)
    if when.tzinfo is not None:
        return when.astimezone(state.accounts[athlete_id].timezone).replace(tzinfo=None)
    return when
