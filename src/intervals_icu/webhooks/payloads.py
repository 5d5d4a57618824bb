"""Typed webhook payloads: the batched envelope and one model per event type (API-NOTES §5).

Reading is tolerant, as everywhere in this package: unknown fields are kept (``model_extra``),
an unknown event type parses as :class:`WebhookEvent` with ``type.is_known == False``, and
nothing here fails on a field the platform adds tomorrow.

    event = parse_event({"athlete_id": "i1", "type": "ACTIVITY_UPLOADED",
                         "timestamp": "2026-04-15T16:29:56.819+00:00",
                         "activity": {"id": "i140254351", "name": "Lunch Ride"}})
    assert isinstance(event, ActivityEvent) and event.activity_id == "i140254351"
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from intervals_icu.models import Activity, Event, IcuDateTime, SportSettings, Wellness
from intervals_icu.models._base import TolerantStrEnum
from intervals_icu.scopes import Scope

__all__ = [
    "MAX_NAME_CHARS",
    "ActivityAchievementsEvent",
    "ActivityDeletedEvent",
    "ActivityEvent",
    "AppScopeChangedEvent",
    "CalendarUpdatedEvent",
    "ChatUpdateEvent",
    "ConnectedServiceEvent",
    "EventType",
    "FitnessUpdatedEvent",
    "SportSettingsUpdatedEvent",
    "WebhookEnvelope",
    "WebhookEvent",
    "WellnessUpdatedEvent",
    "canonical_json",
    "dedup_key",
    "event_time",
    "keyed_json",
    "parse_event",
]


MAX_NAME_CHARS = 64
"""Longest athlete id / event type the inbox stores (real ones are ~10-25 characters)."""


class EventType(TolerantStrEnum):
    """The event types of the app settings form (API-NOTES §5.2); others parse too."""

    APP_SCOPE_CHANGED = "APP_SCOPE_CHANGED"
    CALENDAR_UPDATED = "CALENDAR_UPDATED"
    CALENDAR_EVENT_UPDATED = "CALENDAR_EVENT_UPDATED"
    """Deprecated by the platform in favour of CALENDAR_UPDATED."""
    CALENDAR_EVENT_DELETED = "CALENDAR_EVENT_DELETED"
    """Deprecated by the platform in favour of CALENDAR_UPDATED."""
    ACTIVITY_UPLOADED = "ACTIVITY_UPLOADED"
    ACTIVITY_ANALYZED = "ACTIVITY_ANALYZED"
    ACTIVITY_UPDATED = "ACTIVITY_UPDATED"
    ACTIVITY_DELETED = "ACTIVITY_DELETED"
    ACTIVITY_ACHIEVEMENTS = "ACTIVITY_ACHIEVEMENTS"
    WELLNESS_UPDATED = "WELLNESS_UPDATED"
    FITNESS_UPDATED = "FITNESS_UPDATED"
    SPORT_SETTINGS_UPDATED = "SPORT_SETTINGS_UPDATED"
    CONNECTED_SERVICE = "CONNECTED_SERVICE"
    CHAT_UPDATE = "CHAT_UPDATE"


def _athlete_id_text(value: Any) -> Any:
    # Athlete ids are strings ("i317960"); tolerate a bare number rather than fail the event.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class WebhookEvent(BaseModel):
    """One element of the envelope's ``events`` list. Every type has these three fields;
    everything else the platform sent is kept in ``model_extra``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, protected_namespaces=())

    athlete_id: Annotated[str, BeforeValidator(_athlete_id_text)]
    type: EventType
    timestamp: IcuDateTime | None = None
    """When the platform queued the event (its payload was captured then, see docs)."""

    def to_payload(self) -> dict[str, Any]:
        """The event as the platform sent it (wire names, unknown fields included)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class ActivityEvent(WebhookEvent):
    """ACTIVITY_UPLOADED / ACTIVITY_UPDATED / ACTIVITY_ANALYZED: the full activity as it was
    when the event was queued (not a diff; possibly stale by the time it arrives)."""

    activity: Activity

    @property
    def activity_id(self) -> str | None:
        return None if self.activity.id is None else str(self.activity.id)


class ActivityAchievementsEvent(ActivityEvent):
    """ACTIVITY_ACHIEVEMENTS: the activity enriched with ``icu_achievements`` (new FTP, PRs)."""

    @property
    def achievements(self) -> list[Any]:
        return list(self.activity.icu_achievements or [])


class ActivityDeletedEvent(WebhookEvent):
    """ACTIVITY_DELETED: ``activity`` is a stub (id, athlete, source; no name/type/date)."""

    activity: Activity

    @property
    def activity_id(self) -> str | None:
        return None if self.activity.id is None else str(self.activity.id)


class WellnessUpdatedEvent(WebhookEvent):
    """WELLNESS_UPDATED: the changed wellness records (``id`` is the local date)."""

    records: list[Wellness] = Field(default_factory=list)

    @property
    def days(self) -> list[str]:
        return [str(r.id) for r in self.records if r.id]


class FitnessUpdatedEvent(WellnessUpdatedEvent):
    """FITNESS_UPDATED: recomputed fitness points (partial wellness records, some in the
    future: the projection up to the next A race)."""


class SportSettingsUpdatedEvent(WebhookEvent):
    """SPORT_SETTINGS_UPDATED: every sport's full settings (no diff)."""

    sport_settings: list[SportSettings] = Field(default_factory=list, alias="sportSettings")


class AppScopeChangedEvent(WebhookEvent):
    """APP_SCOPE_CHANGED: the athlete changed what the app may do; ``deauthorized`` (with an
    empty ``scope``) means they revoked it and deliveries for them stop."""

    scope: str = ""
    deauthorized: bool = False
    client_id: int | str | None = None
    client_name: str | None = None

    @property
    def scopes(self) -> frozenset[Scope]:
        """The granted scopes; a part this package does not know is skipped, not fatal."""
        granted: set[Scope] = set()
        for part in self.scope.split(","):
            if part.strip():
                try:
                    granted.add(Scope.parse(part))
                except ValueError:
                    continue
        return frozenset(granted)


def _event_id(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    if value is None or isinstance(value, bool):
        return None
    return str(value)


class CalendarUpdatedEvent(WebhookEvent):
    """CALENDAR_UPDATED: calendar events changed. Reports conflict on the body (API-NOTES
    §5.3): some deliveries carry only ``records: []`` (refetch the calendar), others an
    ``events`` list (live events, as queued) and ``deleted_events`` (ids). All are optional.
    """

    records: list[Any] = Field(default_factory=list)
    events: list[Event] | None = None
    deleted_events: list[Any] | None = None

    @property
    def event_ids(self) -> list[str]:
        """Ids listed as live (at the time the event was queued: maybe deleted since)."""
        return [str(e.id) for e in self.events or [] if e.id is not None]

    @property
    def deleted_event_ids(self) -> list[str]:
        """Ids listed as deleted (plain ids or ``{"id": ..}`` objects)."""
        return [i for i in (_event_id(v) for v in self.deleted_events or []) if i is not None]

    @property
    def is_notification_only(self) -> bool:
        """No event named: only "something in the calendar changed"."""
        return not self.event_ids and not self.deleted_event_ids


class ConnectedServiceEvent(WebhookEvent):
    """CONNECTED_SERVICE: Garmin/Polar/... connected or disconnected (payload not sampled;
    everything is kept in ``model_extra``)."""


class ChatUpdateEvent(WebhookEvent):
    """CHAT_UPDATE: a chat message was added or changed (payload not sampled)."""


_MODELS: dict[str, type[WebhookEvent]] = {
    EventType.ACTIVITY_UPLOADED: ActivityEvent,
    EventType.ACTIVITY_UPDATED: ActivityEvent,
    EventType.ACTIVITY_ANALYZED: ActivityEvent,
    EventType.ACTIVITY_ACHIEVEMENTS: ActivityAchievementsEvent,
    EventType.ACTIVITY_DELETED: ActivityDeletedEvent,
    EventType.WELLNESS_UPDATED: WellnessUpdatedEvent,
    EventType.FITNESS_UPDATED: FitnessUpdatedEvent,
    EventType.SPORT_SETTINGS_UPDATED: SportSettingsUpdatedEvent,
    EventType.APP_SCOPE_CHANGED: AppScopeChangedEvent,
    EventType.CALENDAR_UPDATED: CalendarUpdatedEvent,
    EventType.CALENDAR_EVENT_UPDATED: CalendarUpdatedEvent,
    EventType.CALENDAR_EVENT_DELETED: CalendarUpdatedEvent,
    EventType.CONNECTED_SERVICE: ConnectedServiceEvent,
    EventType.CHAT_UPDATE: ChatUpdateEvent,
}


def parse_event(data: Mapping[str, Any]) -> WebhookEvent:
    """The typed event for one element of ``events``; unknown types give a plain
    :class:`WebhookEvent`. Raises ``pydantic.ValidationError`` when a known type's payload
    has the wrong shape (e.g. ``activity`` is not an object)."""
    model = _MODELS.get(str(data.get("type")), WebhookEvent)
    return model.model_validate(dict(data))


class WebhookEnvelope:
    """A verified delivery: the events exactly as sent (``raw_events``, what the inbox
    stores) and, parsed on first use, their typed models (``events``). The ``secret`` is
    not kept."""

    def __init__(self, raw_events: list[dict[str, Any]]) -> None:
        self.raw_events = raw_events

    @cached_property
    def events(self) -> list[WebhookEvent]:
        return [parse_event(e) for e in self.raw_events]

    def __len__(self) -> int:
        return len(self.raw_events)

    def __repr__(self) -> str:
        kinds = ", ".join(str(e.get("type")) for e in self.raw_events[:5])
        more = ", ..." if len(self.raw_events) > 5 else ""
        return f"WebhookEnvelope({len(self.raw_events)} events: {kinds}{more})"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same JSON value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def dedup_key(event: Mapping[str, Any]) -> str:
    """The inbox's de-duplication key of one event: the sha256 of its canonical JSON (the
    whole event: athlete, type, timestamp and payload).

    The platform sends no event id. A redelivery (a retry, or the same queued event sent
    again) carries the payload captured when the event was queued, so it has the same
    content and the same key, however it is serialized. Two distinct events differ in
    timestamp (milliseconds) or in content, so they get different keys. Two events identical
    in every byte, to the millisecond, cannot be told apart by anyone and are stored once;
    applying them is idempotent anyway because the worker re-reads the API.
    """
    return keyed_json(event)[0]


def keyed_json(event: Mapping[str, Any]) -> tuple[str, str]:
    """``(dedup_key, canonical JSON)`` of an event, canonicalizing once."""
    text = canonical_json(dict(event))
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text


_TIMESTAMP = TypeAdapter(IcuDateTime)


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """The event's ``timestamp`` as an aware UTC datetime, or None when absent/unreadable."""
    value = event.get("timestamp")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        # Fast path for the shape the platform sends ("2026-04-15T16:29:56.819+00:00").
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = _TIMESTAMP.validate_python(value)
        except (ValueError, TypeError):
            return None
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        return None
