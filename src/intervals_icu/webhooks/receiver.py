"""The webhook receiver: verify, store durably, answer 200. Nothing else happens in the
request (handlers run later, in workers), so the platform never times out on us and never
retries a delivery we already hold.

    receiver = WebhookReceiver(secrets=["whsec-current", "whsec-previous"],
                               inbox="sqlite:///icu.db", mirror=mirror)

    @receiver.on("ACTIVITY_UPLOADED")
    def new_ride(event, ctx): ...

    app = receiver.asgi_app()        # any ASGI server; or app.add_route(path, receiver.endpoint)

What a delivery gets: 405 for a method other than POST, 403 for a wrong Authorization header
(when one is configured), 415 when it is not ``application/json``, 413 above
``max_body_bytes``, 400 for a body that is not JSON, 403 when the ``secret`` matches none of
``secrets``, 400 for an authenticated body that is not an envelope, 503 when the database
failed (the platform retries), else 200 ``{"received": n, "new": k, "duplicates": d}`` once
every event is committed. Nothing is stored for any answer but 200.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intervals_icu import AsyncClient, Client
from intervals_icu.errors import ConfigurationError
from intervals_icu.secret import Secret
from intervals_icu.webhooks.clients import AthleteClients, TokenLookup
from intervals_icu.webhooks.database import SQLiteSynchronous
from intervals_icu.webhooks.errors import (
    DeliveryRejected,
    PayloadTooLarge,
    UnsupportedContentType,
    WebhookPayloadError,
)
from intervals_icu.webhooks.inbox import Inbox, StoreResult
from intervals_icu.webhooks.payloads import EventType, WebhookEvent
from intervals_icu.webhooks.verify import (
    WebhookSecrets,
    check_authorization,
    parse_secrets,
    verify,
)
from intervals_icu.webhooks.writer import GroupCommitWriter

if TYPE_CHECKING:
    from intervals_icu.webhooks.worker import HandlerContext, RetrySchedule, Worker

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ENV_AUTHORIZATION", "ENV_SECRETS", "Handler",
           "HandlerRegistration", "Receipt", "WebhookReceiver"]

logger = logging.getLogger("intervals_icu.webhooks")

ENV_SECRETS = "INTERVALS_WEBHOOK_SECRET"
ENV_AUTHORIZATION = "INTERVALS_WEBHOOK_AUTHORIZATION"

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
"""Large enough for a batch of full activities or a 60-point FITNESS_UPDATED; small enough
that a hostile client cannot make the receiver buffer much."""

Handler = Callable[[WebhookEvent, "HandlerContext"], Any]
"""``def handler(event, ctx)`` or ``async def handler(event, ctx)``."""


@dataclass(frozen=True)
class HandlerRegistration:
    name: str
    """Unique: the inbox records each handler that succeeded under this name."""
    types: frozenset[str] | None
    """Event types it runs for; None means every type."""
    func: Handler

    @property
    def is_async(self) -> bool:
        func: Any = self.func
        while isinstance(func, functools.partial):
            func = func.func
        return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None))  # noqa: B004  (an object with async __call__)

    def wants(self, event_type: str) -> bool:
        return self.types is None or event_type in self.types


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers a delivery (framework-neutral)."""

    status: int
    body: dict[str, Any]
    stored: StoreResult | None = None


class WebhookReceiver:
    """Receives the platform's webhook deliveries into a durable inbox and holds the
    handlers workers run. See the module docstring and docs/webhooks.md."""

    def __init__(
        self,
        secrets: str | Secret | Iterable[str | Secret],
        inbox: Inbox | str | Engine,
        *,
        mirror: Any = None,
        authorization: str | Secret | None = None,
        tokens: TokenLookup | None = None,
        client: Client | AsyncClient | None = None,
        base_url: str | None = None,
        client_options: Mapping[str, Any] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        retry: RetrySchedule | None = None,
        table_prefix: str = "icu_webhook_",
        sqlite_synchronous: SQLiteSynchronous = "FULL",
    ) -> None:
        self.secrets = WebhookSecrets(secrets)
        self._authorization = None if authorization is None else Secret(authorization)
        if self._authorization is not None and not self._authorization.reveal():
            self._authorization = None  # the platform's setting may be blank: no check
        if isinstance(inbox, Inbox):
            self.inbox = inbox
        else:
            self.inbox = Inbox(inbox, table_prefix=table_prefix,
                               sqlite_synchronous=sqlite_synchronous)
        self.mirror = mirror
        self.clients = AthleteClients(tokens=tokens, client=client, base_url=base_url,
                                      client_options=client_options)
        if max_body_bytes < 1024:
            raise ConfigurationError("max_body_bytes must be at least 1024")
        self.max_body_bytes = max_body_bytes
        self.retry = retry
        self.writer = GroupCommitWriter(self.inbox)
        self._handlers: list[HandlerRegistration] = []

    @classmethod
    def from_env(cls, inbox: Inbox | str | Engine, *, env: Mapping[str, str] | None = None,
                 **options: Any) -> WebhookReceiver:
        """A receiver configured from the environment (what ``icu webhooks serve`` uses):
        ``INTERVALS_WEBHOOK_SECRET`` (the current secret first, then any still accepted during
        a rotation, separated by commas and/or spaces: ``new,old``) and, optionally,
        ``INTERVALS_WEBHOOK_AUTHORIZATION`` (the app's Authorization header value)."""
        source = os.environ if env is None else env
        secrets = parse_secrets(source.get(ENV_SECRETS, ""))
        if not secrets:
            raise ConfigurationError(
                f"set {ENV_SECRETS} to the app's webhook secret (intervals.icu /settings -> "
                "Manage App -> Webhook secret); during a rotation: new,old"
            )
        authorization = source.get(ENV_AUTHORIZATION) or None
        options.setdefault("authorization", authorization)
        return cls(secrets, inbox, **options)

    def __repr__(self) -> str:
        return (f"WebhookReceiver(secrets={self.secrets!r}, inbox={self.inbox!r}, "
                f"handlers={[h.name for h in self._handlers]!r})")

    # -- handlers ---------------------------------------------------------------------------

    def on(self, *types: str | EventType, name: str | None = None) -> Callable[[Handler],
                                                                               Handler]:
        """Register a handler for these event types (none given: every type).

        Handlers run in workers, after the mirror was updated, once per distinct event;
        a handler that raises is retried with backoff, and only the handlers that failed
        run again."""
        def register(func: Handler) -> Handler:
            self.add_handler(func, *types, name=name)
            return func

        return register

    def add_handler(self, func: Handler, *types: str | EventType,
                    name: str | None = None) -> HandlerRegistration:
        if not callable(func):
            raise ConfigurationError("a handler must be callable: def handler(event, ctx)")
        for kind in types:
            if not isinstance(kind, str) or not kind.strip():
                raise ConfigurationError(f"not an event type: {kind!r}")
        label = name or f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', func)}"
        if label in {"mirror", "access"} or any(h.name == label for h in self._handlers):
            raise ConfigurationError(
                f"a handler named {label!r} is already registered: pass name='...' to tell "
                "them apart (the inbox records which handlers succeeded by name)"
            )
        registration = HandlerRegistration(
            name=label, types=frozenset(str(t) for t in types) if types else None, func=func)
        self._handlers.append(registration)
        return registration

    @property
    def handlers(self) -> list[HandlerRegistration]:
        return list(self._handlers)

    def handlers_for(self, event_type: str) -> list[HandlerRegistration]:
        return [h for h in self._handlers if h.wants(event_type)]

    # -- receiving --------------------------------------------------------------------------

    async def receive(self, body: bytes, *, content_type: str | None,
                      authorization: str | None = None) -> Receipt:
        """Verify and store one delivery; the answer to give (framework-neutral core of
        :meth:`endpoint`)."""
        try:
            _check_content_type(content_type)
            if len(body) > self.max_body_bytes:
                raise PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
            envelope = verify(body, self.secrets, authorization=authorization,
                              expected_authorization=self._authorization)
        except DeliveryRejected as exc:
            return _rejected(exc)
        try:
            stored = await self.writer.store(envelope.raw_events)
        except Exception as exc:
            logger.error("webhook delivery not stored (answered 503, the platform will "
                         "retry): %s", type(exc).__name__)
            return Receipt(503, {"error": "the inbox is unavailable; retry later"})
        logger.debug("webhook delivery stored: %d new, %d duplicate", stored.new,
                     stored.duplicates)
        return Receipt(200, {"received": stored.received, "new": stored.new,
                             "duplicates": stored.duplicates}, stored)

    async def endpoint(self, request: Request) -> Response:
        """The Starlette endpoint: ``app.add_route("/webhooks", receiver.endpoint,
        methods=["POST"])``."""
        if request.method != "POST":
            return JSONResponse({"error": "deliveries are POSTed"}, status_code=405,
                                headers={"Allow": "POST"})
        try:
            # Cheap checks first: refuse before reading a body we will not accept.
            check_authorization(request.headers.get("authorization"), self._authorization)
            _check_content_type(request.headers.get("content-type"))
            body = await self._read_body(request)
        except DeliveryRejected as exc:
            receipt = _rejected(exc)
        except ClientDisconnect:
            return Response(status_code=400)
        else:
            receipt = await self.receive(body, content_type=request.headers.get("content-type"),
                                         authorization=request.headers.get("authorization"))
        return JSONResponse(receipt.body, status_code=receipt.status)

    async def _read_body(self, request: Request) -> bytes:
        declared = request.headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise WebhookPayloadError("Content-Length is not a number")
            if int(declared) > self.max_body_bytes:
                raise PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise PayloadTooLarge(f"the body is larger than {self.max_body_bytes} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def asgi_app(self, path: str = "/") -> Starlette:
        """An ASGI app answering deliveries POSTed to ``path``."""
        return Starlette(routes=[Route(path, self.endpoint, methods=["POST"])])

    # -- workers ----------------------------------------------------------------------------

    def worker(self, **options: Any) -> Worker:
        """A :class:`~intervals_icu.webhooks.worker.Worker` running this receiver's handlers
        and mirror updates (options: see Worker)."""
        from intervals_icu.webhooks.worker import Worker

        return Worker(self, **options)

    async def aclose(self) -> None:
        """Stop the writer thread and close clients (the inbox's engine too, if the
        receiver opened it)."""
        self.writer.close()
        await self.clients.aclose()
        self.inbox.close()


def _check_content_type(value: str | None) -> None:
    media = (value or "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/")
                                            and media.endswith("+json")):
        shown = f"is {media[:60]!r}" if media else "has no Content-Type"
        raise UnsupportedContentType(f"deliveries are application/json; this request {shown}")


def _rejected(exc: DeliveryRejected) -> Receipt:
    # The reason is safe to log and to answer: it never contains a secret or the body.
    logger.warning("webhook delivery rejected (%d): %s", exc.status, exc.message)
    return Receipt(exc.status, {"error": exc.message})

