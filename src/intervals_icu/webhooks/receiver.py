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

import logging
import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intervals_icu import AsyncClient, Client
from intervals_icu.credentials_lookup import CredentialsFor
from intervals_icu.errors import ConfigurationError
from intervals_icu.secret import Secret
from intervals_icu.webhooks.apply import MirrorTarget
from intervals_icu.webhooks.clients import AthleteClients, ClientOptions
from intervals_icu.webhooks.database import SQLiteSynchronous
from intervals_icu.webhooks.errors import (
    DeliveryRejected,
    PayloadTooLarge,
    UnsupportedContentType,
    WebhookPayloadError,
)
from intervals_icu.webhooks.handlers import Handler, HandlerRegistration, HandlerRegistry
from intervals_icu.webhooks.inbox import Inbox, StoreResult
from intervals_icu.webhooks.payloads import EventType
from intervals_icu.webhooks.verify import (
    WebhookSecrets,
    check_authorization,
    parse_secrets,
    verify,
)
from intervals_icu.webhooks.worker import RetrySchedule, Worker, WorkerOptions
from intervals_icu.webhooks.writer import GroupCommitWriter

__all__ = ["DEFAULT_MAX_BODY_BYTES", "ENV_AUTHORIZATION", "ENV_SECRETS", "Handler",
           "HandlerRegistration", "Receipt", "WebhookReceiver"]

logger = logging.getLogger("intervals_icu.webhooks")

ENV_SECRETS = "INTERVALS_WEBHOOK_SECRET"
ENV_AUTHORIZATION = "INTERVALS_WEBHOOK_AUTHORIZATION"

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
"""Large enough for a batch of full activities or a 60-point FITNESS_UPDATED; small enough
that a hostile client cannot make the receiver buffer much."""

class ReceiverOptions(TypedDict, total=False):
    """``WebhookReceiver`` keywords (for :meth:`WebhookReceiver.from_env`)."""

    mirror: MirrorTarget | None
    authorization: str | Secret | None
    credentials_for: CredentialsFor | None
    client: Client | AsyncClient | None
    base_url: str | None
    client_options: ClientOptions | None
    handlers: HandlerRegistry | None
    max_body_bytes: int
    retry: RetrySchedule | None
    table_prefix: str
    sqlite_synchronous: SQLiteSynchronous
    tokens: CredentialsFor | None


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
        mirror: MirrorTarget | None = None,
        authorization: str | Secret | None = None,
        credentials_for: CredentialsFor | None = None,
        client: Client | AsyncClient | None = None,
        base_url: str | None = None,
        client_options: ClientOptions | None = None,
        handlers: HandlerRegistry | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        retry: RetrySchedule | None = None,
        table_prefix: str = "icu_webhook_",
        sqlite_synchronous: SQLiteSynchronous = "FULL",
        tokens: CredentialsFor | None = None,
    ) -> None:
        if tokens is not None:
            warnings.warn("WebhookReceiver(tokens=) is now credentials_for= (the same lookup "
                          "Mirror takes)", DeprecationWarning, stacklevel=2)
            if credentials_for is not None:
                raise ConfigurationError("pass credentials_for= only (tokens= is its old name)")
            credentials_for = tokens
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
        self.clients = AthleteClients(credentials_for=credentials_for, client=client,
                                      base_url=base_url, client_options=client_options)
        if max_body_bytes < 1024:
            raise ConfigurationError("max_body_bytes must be at least 1024")
        self.max_body_bytes = max_body_bytes
        self.retry = retry
        self.writer = GroupCommitWriter(self.inbox)
        self.registry = handlers if handlers is not None else HandlerRegistry()
        """The handlers, shared with the workers this receiver builds."""

    @classmethod
    def from_env(cls, inbox: Inbox | str | Engine, *, env: Mapping[str, str] | None = None,
                 **options: Unpack[ReceiverOptions]) -> WebhookReceiver:
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
                f"handlers={[h.name for h in self.registry]!r})")

    # -- handlers ---------------------------------------------------------------------------

    def on(self, *types: str | EventType,
           name: str | None = None) -> Callable[[Handler], Handler]:
        """Register a handler for these event types (none given: every type).

        Handlers run in workers, after the mirror was updated, once per distinct event;
        a handler that raises is retried with backoff, and only the handlers that failed
        run again."""
        return self.registry.on(*types, name=name)

    def add_handler(self, func: Handler, *types: str | EventType,
                    name: str | None = None) -> HandlerRegistration:
        return self.registry.add(func, *types, name=name)

    @property
    def handlers(self) -> list[HandlerRegistration]:
        return list(self.registry)

    def handlers_for(self, event_type: str) -> list[HandlerRegistration]:
        return self.registry.for_type(event_type)

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

    def worker(self, **options: Unpack[WorkerOptions]) -> Worker:
        """A :class:`~intervals_icu.webhooks.worker.Worker` on this receiver's inbox, running
        its handlers and mirror updates (options: see Worker)."""
        options.setdefault("retry", self.retry)
        return Worker(self.inbox, handlers=self.registry, mirror=self.mirror,
                      clients=self.clients, commits=self.writer, **options)

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

