"""The sandbox's state, kept apart from the thin route handlers (moto's habit).

Records are stored as plain JSON-shaped dicts, exactly as the API returns them, so handlers
stay thin and every response can be validated against the official spec. All mutation
happens under ``state.lock`` (handlers run one at a time, like a single-writer database).
"""

from __future__ import annotations

import pickle
import secrets
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from intervals_icu.sandbox.clock import Clock, stamp
from intervals_icu.sandbox.errors import ApiError, access_denied
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.scopes import Scope

__all__ = [
    "Account",
    "ActivityDetail",
    "AthleteStore",
    "CodeRecord",
    "OAuthAppRecord",
    "PendingHistory",
    "Principal",
    "SandboxState",
    "TokenRecord",
]

Permission = Literal["READ", "WRITE"]


@dataclass
class Account:
    """An Intervals.icu account (every user is an athlete; a coach is an athlete too)."""

    id: str
    api_key: str
    profile: dict[str, Any]
    """The ``Athlete`` fields: name, email, timezone, sex, weight, icu_resting_hr, ..."""
    coached_by: set[str] = field(default_factory=set)
    """Ids of coaches of this athlete (they may read and write)."""
    followers: dict[str, Permission] = field(default_factory=dict)
    """Ids of athletes who follow this one, with the permission granted."""
    tags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.profile.get("name") or self.id)

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(str(self.profile.get("timezone") or "UTC"))


@dataclass
class OAuthAppRecord:
    client_id: str
    client_secret: str = field(repr=False)
    name: str
    redirect_uris: list[str]
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_authorization: str | None = field(default=None, repr=False)
    webhook_types: set[str] = field(default_factory=set)
    owner_id: str | None = None

    def public(self) -> dict[str, Any]:
        """What the control API shows (the secret is returned once, at creation)."""
        return {
            "client_id": self.client_id,
            "name": self.name,
            "redirect_uris": self.redirect_uris,
            "webhook_url": self.webhook_url,
            "webhook_types": sorted(self.webhook_types),
        }


@dataclass
class TokenRecord:
    token: str = field(repr=False)
    athlete_id: str
    client_id: str
    scopes: frozenset[Scope]
    created: datetime
    revoked: bool = False


@dataclass
class CodeRecord:
    code: str = field(repr=False)
    client_id: str
    athlete_id: str
    scopes: frozenset[Scope]
    redirect_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who is calling: an athlete, through a personal key or an OAuth app's token."""

    athlete_id: str
    kind: Literal["api_key", "bearer"]
    client_id: str | None = None
    scopes: frozenset[Scope] = frozenset()

    @property
    def app_key(self) -> str:
        """Key that scopes ``external_id`` upserts: the OAuth app, or the key holder."""
        return f"app:{self.client_id}" if self.client_id else f"key:{self.athlete_id}"


@dataclass
class ActivityDetail:
    """What an activity has beyond its summary: streams, intervals, files, comments."""

    streams: dict[str, Any] | None = None
    """Stored streams by type (lists or arrays); None means "synthesize from ``recipe``"."""
    recipe: Any = None
    """The generator's recipe to re-create the 1 Hz streams deterministically on demand."""
    intervals: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    original_file: bytes | None = None
    original_filename: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    load_edited: bool = False
    """The athlete set ``icu_training_load`` by hand (activities.csv's
    ``icu_training_load_edited``; the Activity schema has no such field)."""


@dataclass
class AthleteStore:
    """Everything one athlete has on the platform."""

    activities: dict[str, dict[str, Any]] = field(default_factory=dict)
    details: dict[str, ActivityDetail] = field(default_factory=dict)
    tombstones: dict[str, dict[str, Any]] = field(default_factory=dict)
    upload_hashes: dict[str, list[str]] = field(default_factory=dict)
    activity_owner_app: dict[str, str] = field(default_factory=dict)
    wellness: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    event_owner_app: dict[int, str] = field(default_factory=dict)
    folders: dict[int, dict[str, Any]] = field(default_factory=dict)
    workouts: dict[int, dict[str, Any]] = field(default_factory=dict)
    gear: dict[str, dict[str, Any]] = field(default_factory=dict)
    sport_settings: dict[int, dict[str, Any]] = field(default_factory=dict)
    custom_items: dict[int, dict[str, Any]] = field(default_factory=dict)
    routes: dict[int, dict[str, Any]] = field(default_factory=dict)
    weather_config: dict[str, Any] = field(default_factory=dict)
    training_plan: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """Room for areas that need more state (chats, device settings...)."""


class PendingHistory(Protocol):
    """An athlete's history that is generated when first needed (many seeded OAuth users):
    ``materialize`` fills ``state.stores[athlete_id]`` and ``state.activity_index`` exactly
    as generating it at seeding time would have."""

    def materialize(self, state: SandboxState, athlete_id: str) -> None: ...

    def owns_activity(self, activity_id: str) -> bool: ...


class SandboxState:
    def __init__(self, options: SandboxOptions | None = None, clock: Clock | None = None,
                 seed: int = 42) -> None:
        self.lock = threading.RLock()
        self.options = options or SandboxOptions()
        self.clock = clock or Clock()
        self.seed = seed
        self.accounts: dict[str, Account] = {}
        self.api_keys: dict[str, str] = {}
        self.apps: dict[str, OAuthAppRecord] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.codes: dict[str, CodeRecord] = {}
        self.stores: dict[str, AthleteStore] = {}
        self.activity_index: dict[str, str] = {}
        """activity id -> athlete id, for routes that address an activity alone (see
        ``activity_owner``)."""
        self.pending: dict[str, PendingHistory] = {}
        """Athletes whose store is still an empty placeholder: ``store()`` generates it. The
        generator makes no folders or shared events, so scans for those may skip them."""
        self._counters: dict[str, int] = {}
        self.webhooks: Any = None
        """The webhook dispatcher (set by the Sandbox); ``emit`` no-ops without one."""
        self.faults: Any = None
        """The fault injector (set by the Sandbox)."""

    # -- snapshots (the seed cache) ----------------------------------------------------------

    _RUNTIME = frozenset({"lock", "clock", "options", "webhooks", "faults"})

    def snapshot(self) -> bytes:
        """The data of this state (not its lock, clock, options or hooks) as bytes."""
        data = {k: v for k, v in self.__dict__.items() if k not in self._RUNTIME}
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_snapshot(cls, snapshot: bytes, *, options: SandboxOptions, clock: Clock) -> (
        SandboxState
    ):
        """A new, independent state holding a copy of ``snapshot``'s data."""
        state = cls.__new__(cls)
        state.__dict__.update(pickle.loads(snapshot))  # noqa: S301 (our own bytes, in memory)
        state.lock = threading.RLock()
        state.options = options
        state.clock = clock
        state.webhooks = None
        state.faults = None
        return state

    # -- ids and time ---------------------------------------------------------------------------

    def next_id(self, kind: str, start: int = 1000) -> int:
        value = self._counters.get(kind, start)
        self._counters[kind] = value + 1
        return value

    def new_id(self, kind: str, taken: Iterable[int] | Mapping[int, Any] = ()) -> int:
        """The next integer id of ``kind`` (from 10000) that ``taken`` does not hold."""
        used = taken if isinstance(taken, Mapping) else set(taken)
        while True:
            candidate = self.next_id(kind, start=10_000)
            if candidate not in used:
                return candidate

    def now(self) -> datetime:
        return self.clock.now()

    def now_stamp(self) -> str:
        return stamp(self.clock.now())

    def local_today(self, athlete_id: str) -> date:
        return self.clock.now().astimezone(self.accounts[athlete_id].timezone).date()

    def local_now(self, athlete_id: str) -> datetime:
        return self.clock.now().astimezone(self.accounts[athlete_id].timezone).replace(tzinfo=None)

    # -- accounts -------------------------------------------------------------------------------

    def add_account(self, athlete_id: str, profile: dict[str, Any],
                    api_key: str | None = None) -> Account:
        key = api_key or secrets.token_hex(16)
        account = Account(id=athlete_id, api_key=key, profile={"id": athlete_id, **profile})
        with self.lock:
            self.accounts[athlete_id] = account
            self.api_keys[key] = athlete_id
            self.stores[athlete_id] = AthleteStore()
        return account

    def store(self, athlete_id: str) -> AthleteStore:
        if self.pending and athlete_id in self.pending:
            self.materialize(athlete_id)
        return self.stores[athlete_id]

    def materialize(self, athlete_id: str) -> None:
        """Generate a pending athlete's history now (a no-op for everyone else)."""
        with self.lock:
            pending = self.pending.pop(athlete_id, None)
            if pending is not None:
                pending.materialize(self, athlete_id)

    def coach(self, coach_id: str, athlete_id: str) -> None:
        with self.lock:
            self.accounts[athlete_id].coached_by.add(coach_id)

    def follow(self, follower_id: str, athlete_id: str, permission: Permission = "READ") -> None:
        with self.lock:
            self.accounts[athlete_id].followers[follower_id] = permission

    def can_access(self, principal: Principal, athlete_id: str, *, write: bool) -> bool:
        if athlete_id == principal.athlete_id:
            return True
        if principal.kind == "bearer":
            return False  # a token acts for the athlete who authorized it, nobody else
        account = self.accounts.get(athlete_id)
        if account is None:
            return False
        if principal.athlete_id in account.coached_by:
            return True
        granted = account.followers.get(principal.athlete_id)
        return granted == "WRITE" or (granted == "READ" and not write)

    def visible_athletes(self, principal: Principal) -> list[str]:
        """The caller plus everyone they coach or follow, in a stable order."""
        ids = [principal.athlete_id]
        if principal.kind == "api_key":
            for account in self.accounts.values():
                if account.id != principal.athlete_id and self.can_access(
                    principal, account.id, write=False
                ):
                    ids.append(account.id)
        return ids

    def resolve_athlete(self, principal: Principal, path_id: str, *, write: bool) -> str:
        """The athlete a path addresses (``0`` = the caller), or 403/404."""
        athlete_id = principal.athlete_id if path_id == "0" else path_id
        if athlete_id not in self.accounts:
            # The platform answers 403 rather than revealing whether an athlete exists.
            raise access_denied()
        if not self.can_access(principal, athlete_id, write=write):
            raise access_denied()
        return athlete_id

    # -- activities addressed by id alone ------------------------------------------------------

    def locate_activity(self, principal: Principal, activity_id: str, *, write: bool) -> (
        tuple[str, dict[str, Any]]
    ):
        athlete_id = self.activity_owner(activity_id)
        if athlete_id is None or activity_id not in self.store(athlete_id).activities:
            raise ApiError(404, f"Activity not found: {activity_id}")
        if not self.can_access(principal, athlete_id, write=write):
            raise access_denied()
        return athlete_id, self.stores[athlete_id].activities[activity_id]

    def activity_owner(self, activity_id: str) -> str | None:
        """Whose activity (or tombstone) ``activity_id`` is; a pending history that would
        hold it is generated first."""
        owner = self.activity_index.get(activity_id)
        if owner is None and self.pending:
            for athlete_id, pending in list(self.pending.items()):
                if pending.owns_activity(activity_id):
                    self.materialize(athlete_id)
                    return self.activity_index.get(activity_id)
        return owner

    def index_activity(self, athlete_id: str, activity_id: str) -> None:
        self.activity_index[activity_id] = athlete_id

    # -- webhooks -------------------------------------------------------------------------------

    def emit(self, athlete_id: str, event_type: str, **data: Any) -> None:
        """Queue a webhook event for every app the athlete authorized that wants it.

        The payload is captured now (as the platform does), so a later delete does not change
        an update already queued: the stale-update-after-delete race happens for real.
        """
        if self.webhooks is not None:
            self.webhooks.emit(athlete_id, event_type, data)
