"""Webhooks that never lose an event and never apply one twice.

    from intervals_icu.webhooks import WebhookReceiver, serve

    receiver = WebhookReceiver(secrets=["whsec-current", "whsec-previous"],
                               inbox="sqlite:///icu.db", mirror=mirror)

    @receiver.on("ACTIVITY_UPLOADED")          # handlers live in receiver.registry, which
    def new_ride(event, ctx):                   # the workers take too
        print(event.activity_id, ctx.client.activities.get(event.activity_id).name)

    app = receiver.asgi_app()          # mount in any ASGI server, or:
    serve(receiver, port=8080)         # receiver + worker in one process

The receiver verifies the secret, stores each event in a durable inbox under a
de-duplication key and answers 200; workers re-read from the API what each event names
(a delivery is a hint, the API is the truth), update the mirror and run the handlers.
See docs/webhooks.md.
"""

from intervals_icu.webhooks.apply import MirrorTarget, apply_to_mirror
from intervals_icu.webhooks.clients import AthleteClients, TokenLookup
from intervals_icu.webhooks.errors import (
    DeliveryRejected,
    EntryDeferred,
    InboxEntryNotFound,
    PayloadTooLarge,
    UnsupportedContentType,
    WebhookError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from intervals_icu.webhooks.handlers import (
    Handler,
    HandlerContext,
    HandlerRegistration,
    HandlerRegistry,
)
from intervals_icu.webhooks.inbox import AthleteAccess, EntryStatus, Inbox, InboxEntry, StoreResult
from intervals_icu.webhooks.payloads import (
    ActivityAchievementsEvent,
    ActivityDeletedEvent,
    ActivityEvent,
    AppScopeChangedEvent,
    CalendarUpdatedEvent,
    ChatUpdateEvent,
    ConnectedServiceEvent,
    EventType,
    FitnessUpdatedEvent,
    SportSettingsUpdatedEvent,
    WebhookEnvelope,
    WebhookEvent,
    WellnessUpdatedEvent,
    dedup_key,
    parse_event,
)
from intervals_icu.webhooks.receiver import Receipt, WebhookReceiver
from intervals_icu.webhooks.serve import (
    ReceiverServer,
    check_workers,
    listening_socket,
    serve,
    serve_async,
)
from intervals_icu.webhooks.verify import WebhookSecrets, parse_secrets, verify
from intervals_icu.webhooks.worker import RetrySchedule, Worker, WorkerOptions, WorkReport

__all__ = [
    "ActivityAchievementsEvent",
    "ActivityDeletedEvent",
    "ActivityEvent",
    "AppScopeChangedEvent",
    "AthleteAccess",
    "AthleteClients",
    "CalendarUpdatedEvent",
    "ChatUpdateEvent",
    "ConnectedServiceEvent",
    "DeliveryRejected",
    "EntryDeferred",
    "EntryStatus",
    "EventType",
    "FitnessUpdatedEvent",
    "Handler",
    "HandlerContext",
    "HandlerRegistration",
    "HandlerRegistry",
    "Inbox",
    "InboxEntry",
    "InboxEntryNotFound",
    "MirrorTarget",
    "PayloadTooLarge",
    "Receipt",
    "ReceiverServer",
    "RetrySchedule",
    "SportSettingsUpdatedEvent",
    "StoreResult",
    "TokenLookup",
    "UnsupportedContentType",
    "WebhookEnvelope",
    "WebhookError",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookReceiver",
    "WebhookSecrets",
    "WebhookVerificationError",
    "WellnessUpdatedEvent",
    "WorkReport",
    "Worker",
    "WorkerOptions",
    "apply_to_mirror",
    "check_workers",
    "dedup_key",
    "listening_socket",
    "parse_event",
    "parse_secrets",
    "serve",
    "serve_async",
    "verify",
]
