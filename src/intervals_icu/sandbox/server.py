"""``Sandbox``: a faithful local Intervals.icu, in-process or on a real socket."""

from __future__ import annotations

import socket
import threading
import time
from datetime import date, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from intervals_icu.auth import ApiKey, OAuthApp
from intervals_icu.sandbox.clock import Clock
from intervals_icu.sandbox.faults import FaultInjector, FaultRule
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.ratelimit import RateLimiter
from intervals_icu.sandbox.seed import SeedResult, seed_world
from intervals_icu.sandbox.state import SandboxState
from intervals_icu.sandbox.webhooks import WebhookDispatcher
from intervals_icu.secret import Secret

__all__ = ["Sandbox"]

IN_PROCESS_BASE_URL = "http://sandbox.invalid"


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
        from intervals_icu.sandbox.app import build_app

        self.app = build_app(self)

    def _build_state(self) -> None:
        self.state = SandboxState(self._options, self.clock, seed=self.seed)
        self.rate_limiter = RateLimiter(lambda: self.state.options, time.monotonic)
        self.state.faults = FaultInjector(seed=self.seed)
        self.state.webhooks = WebhookDispatcher(self.state)
        self.seeded: SeedResult = seed_world(self.state, seed=self.seed, **self._seed_args)

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
        return self.seeded.athlete_keys[athlete_id]

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

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                access_log=False)
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
        in-process unless the server is running."""
        from intervals_icu import Client

        credentials = kwargs.pop("credentials", None) or ApiKey(api_key or self.api_key)
        if self._server is None and "http_client" not in kwargs:
            kwargs["http_client"] = httpx.Client(transport=self.transport())
        return Client(credentials, base_url=self.base_url, **kwargs)

    def async_client(self, api_key: str | None = None, **kwargs: Any) -> Any:
        from intervals_icu import AsyncClient

        credentials = kwargs.pop("credentials", None) or ApiKey(api_key or self.api_key)
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
    ) -> FaultRule:
        """Inject faults into requests matching ``route`` (e.g. ``"GET /api/v1/activity/*"``)."""
        rule = FaultRule(route=route, latency_ms=latency_ms, error_rate=error_rate,
                         error_status=error_status, drop_rate=drop_rate, remaining=count)
        self.state.faults.add(rule)
        return rule

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def rate_limit_burst(self, count: int) -> None:
        """Answer the next ``count`` API requests with 429."""
        self.rate_limiter.force(count)

    def advance(self, seconds: float) -> datetime:
        """Move the sandbox clock forward (it is frozen first if it was running)."""
        self.clock.freeze()
        return self.clock.advance(seconds)

    def reset(self) -> None:
        """Back to the freshly seeded state (same seed, same data, faults cleared)."""
        self.state.webhooks.stop()
        self._build_state()
        if self._server is not None:
            self.state.webhooks.start()

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
            "options": self.state.options.as_dict(),
            "faults": self.state.faults.describe(),
            "rate_limited": self.rate_limiter.rejected,
        }

    def spec_bytes(self) -> bytes:
        from importlib import resources

        return resources.files("intervals_icu.spec").joinpath(
            "intervals-icu-openapi.json").read_bytes()

    async def control(self, request: Request) -> Response:
        from intervals_icu.sandbox.control import handle_control

        return await handle_control(self, request)

    async def oauth(self, request: Request) -> Response:
        from intervals_icu.sandbox.oauth import handle_oauth

        return await handle_oauth(self, request)
