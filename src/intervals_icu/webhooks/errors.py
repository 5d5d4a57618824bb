"""Errors of the webhook receiver, inbox and worker (part of the package's one error tree).

Each rejection error carries the HTTP status the receiver answers with, so the ASGI endpoint
and :func:`~intervals_icu.webhooks.verify` agree on what a bad delivery gets.
"""

from __future__ import annotations

from datetime import datetime

from intervals_icu.errors import IntervalsError

__all__ = [
    "DeliveryRejected",
    "EntryDeferred",
    "InboxEntryNotFound",
    "PayloadTooLarge",
    "UnsupportedContentType",
    "WebhookError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]


class WebhookError(IntervalsError):
    """Base of every webhook error."""


class EntryDeferred(WebhookError):
    """Raised by a step (the mirror update or a handler) that cannot run *yet* for a reason
    that is not a failure, e.g. a fleet's request budget is spent until ``until``: the worker
    puts the entry back to pending until then, keeps the steps that succeeded, and does not
    count an attempt (an entry is never declared dead for waiting)."""

    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class DeliveryRejected(WebhookError):
    """A delivery the receiver refuses; nothing from it was stored."""

    status: int = 400


class WebhookPayloadError(DeliveryRejected):
    """400: the body is not JSON, or not a ``{"secret", "events": [...]}`` envelope."""

    status = 400


class WebhookVerificationError(DeliveryRejected):
    """403: the ``secret`` in the body (or the Authorization header) matches no configured
    value. The message never contains what was sent or what was expected."""

    status = 403


class PayloadTooLarge(DeliveryRejected):
    """413: the body is larger than ``max_body_bytes``."""

    status = 413


class UnsupportedContentType(DeliveryRejected):
    """415: the platform posts ``application/json``; anything else is not a delivery."""

    status = 415


class InboxEntryNotFound(WebhookError, LookupError):
    """No inbox entry has this id: ``Inbox.list()`` (or ``icu webhooks inspect``) shows them."""
