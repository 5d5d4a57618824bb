"""Who is asking, and whose data they may see: one :class:`Caller` per set of credentials
(the stdio server has one; the HTTP server one per OAuth bearer token), with the clients it
uses, the athletes who share with it, and the requests each answer cost.

Every read goes through :meth:`Caller.athlete` (refused unless that athlete shares with the
caller) and :meth:`Caller.fresh` (an incremental sync of that athlete first when their mirror
is older than the configured age).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import anyio
import sqlalchemy as sa

from intervals_icu import errors
from intervals_icu.mcp import tables
from intervals_icu.mcp.errors import from_api_error, from_sync_error, not_shared

if TYPE_CHECKING:
    from intervals_icu import AsyncClient, Client
    from intervals_icu.auth import Credentials
    from intervals_icu.mcp.settings import McpSettings
    from intervals_icu.mirror import Mirror, Store

__all__ = ["ApiAccess", "Caller", "Freshness", "Shared", "counting_requests", "credential_key"]

Permission = Literal["SELF", "WRITE", "READ"]
_MIRRORED_STREAMS = ("activities", "wellness", "events")

_requests: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "icu_mcp_requests", default=None)


@contextlib.contextmanager
def counting_requests() -> Iterator[list[int]]:
    """Counts the HTTP requests (retries included) made inside, in this task and those it
    starts: ``with counting_requests() as sent: ...; sent[0]``."""
    box = [0]
    token = _requests.set(box)
    try:
        yield box
    finally:
        _requests.reset(token)


def _count_request(_info: Any, _status: int, _seconds: float, _attempt: int) -> None:
    box = _requests.get()
    if box is not None:
        box[0] += 1


def credential_key(credentials: Credentials) -> str:
    """A stable name for a set of credentials that reveals nothing of them."""
    return hashlib.sha256(credentials.authorization().encode()).hexdigest()[:24]


@dataclass
class ApiAccess:
    """How clients are built for a set of credentials (tests give the sandbox's)."""

    base_url: str | None = None
    make_client: Callable[[Credentials], Client] | None = None
    make_async_client: Callable[[Credentials], AsyncClient] | None = None

    def client(self, credentials: Credentials) -> Client:
        if self.make_client is not None:
            return self.make_client(credentials)
        from intervals_icu import Client

        return Client(credentials, base_url=self.base_url)

    def async_client(self, credentials: Credentials) -> AsyncClient:
        if self.make_async_client is not None:
            return self.make_async_client(credentials)
        from intervals_icu import AsyncClient

        return AsyncClient(credentials, base_url=self.base_url)


@dataclass(frozen=True)
class Shared:
    """An athlete whose data a caller may read (and write, with SELF or WRITE)."""

    athlete_id: str
    name: str | None
    permission: Permission

    @property
    def can_write(self) -> bool:
        return self.permission in ("SELF", "WRITE")


@dataclass(frozen=True)
class Freshness:
    """How fresh the mirror was for one answer."""

    athlete_id: str
    synced_at: datetime | None
    synced_now: bool

    def age_seconds(self) -> float | None:
        if self.synced_at is None:
            return None
        return max(0.0, (datetime.now(UTC) - self.synced_at).total_seconds())


@dataclass
class Caller:
    """One set of credentials talking to the server."""

    key: str
    credentials: Credentials
    access: ApiAccess
    store: Store
    settings: McpSettings
    self_id: str | None = None
    _async_client: AsyncClient | None = None
    _client: Client | None = None
    _mirror: Mirror | None = None
    _roster: dict[str, Shared] = field(default_factory=dict)
    _roster_at: float = 0.0
    _roster_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _sync_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=set)

    # -- clients -------------------------------------------------------------------------

    @property
    def async_client(self) -> AsyncClient:
        if self._async_client is None:
            self._async_client = self.access.async_client(self.credentials)
            self._async_client.on_response(_count_request)
        return self._async_client

    @property
    def client(self) -> Client:
        """The synchronous client the write path uses (in a worker thread)."""
        if self._client is None:
            self._client = self.access.client(self.credentials)
            self._client.on_response(_count_request)
        return self._client

    @property
    def mirror(self) -> Mirror:
        if self._mirror is None:
            from intervals_icu.mirror import Mirror

            self._mirror = Mirror(self.async_client, self.store)
        return self._mirror

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.aclose()
        if self._client is not None:
            self._client.close()

    # -- who shares with whom -------------------------------------------------------------

    async def roster(self) -> dict[str, Shared]:
        """The caller and every athlete sharing with them (asked again after the TTL)."""
        async with self._roster_lock:
            if self._roster and time.monotonic() - self._roster_at < \
                    self.settings.roster_ttl_seconds:
                return self._roster
            try:
                found = await self._read_roster()
            except errors.IntervalsError as exc:
                raise from_api_error(exc) from None
            self._roster, self._roster_at = found, time.monotonic()
            return found

    async def _read_roster(self) -> dict[str, Shared]:
        client = self.async_client
        found: dict[str, Shared] = {}
        try:
            listed = await client.athletes.list()
        except (errors.PermissionDenied, errors.AuthenticationError):
            # An OAuth bearer token may not list athletes: it reaches its own athlete only.
            listed = []
        if self.self_id is None:
            if client.athlete_id != "0":
                self.self_id = client.athlete_id
            else:
                profile = await client.athletes.get()
                self.self_id = str(profile.id)
                found[self.self_id] = Shared(self.self_id, profile.name, "SELF")
        for athlete in listed:
            athlete_id = str(athlete.id)
            if athlete_id == self.self_id:
                found[athlete_id] = Shared(athlete_id, athlete.name, "SELF")
                continue
            permission = str(getattr(athlete, "icu_permission", None) or "READ").upper()
            if permission == "NONE":
                continue
            found[athlete_id] = Shared(athlete_id, athlete.name,
                                       "WRITE" if permission == "WRITE" else "READ")
        if self.self_id not in found:
            found[self.self_id] = Shared(self.self_id, None, "SELF")
        return found

    async def athlete(self, requested: str | None, *, write: bool = False) -> Shared:
        """The athlete a tool acts on (default: the caller), refused unless they share."""
        roster = await self.roster()
        assert self.self_id is not None
        athlete_id = self.self_id if requested in (None, "", "0") else str(requested)
        shared = roster.get(athlete_id)
        if shared is None:
            raise not_shared(athlete_id)
        if write and not shared.can_write:
            from mcp.server.mcpserver.exceptions import ToolError

            raise ToolError(f"athlete {athlete_id} shares with you read-only (READ): nothing "
                            "can be changed for them; ask them for WRITE access")
        return shared

    # -- freshness ------------------------------------------------------------------------

    def mark_changed(self, athlete_id: str) -> None:
        """A write went out: the next read of this athlete syncs first."""
        self._dirty.add(athlete_id)

    def is_stale(self, freshness: Freshness) -> bool:
        return self._stale(freshness.athlete_id, freshness.synced_at)

    async def fresh(self, athlete_id: str, *, only_if_never: bool = False) -> Freshness:
        """Sync ``athlete_id`` first if their mirror is older than the configured age (with
        ``only_if_never``: if it was never synced)."""
        synced_at = await anyio.to_thread.run_sync(self._synced_at, athlete_id)
        if not self._stale(athlete_id, synced_at) or (only_if_never and synced_at is not None):
            return Freshness(athlete_id, synced_at, False)
        lock = self._sync_locks.setdefault(athlete_id, asyncio.Lock())
        async with lock:
            synced_at = await anyio.to_thread.run_sync(self._synced_at, athlete_id)
            if not self._stale(athlete_id, synced_at):  # another call synced meanwhile
                return Freshness(athlete_id, synced_at, False)
            self._dirty.discard(athlete_id)
            try:
                report = await self.mirror.sync_async(athletes=[athlete_id])
            except errors.IntervalsError as exc:
                self._dirty.add(athlete_id)
                raise from_api_error(exc, athlete_id=athlete_id) from None
            for athlete in report.athletes:
                problem = athlete.error or next(
                    (s.error for name, s in sorted(athlete.kinds.items())
                     if s.error and name in _MIRRORED_STREAMS), None)
                if problem:
                    self._dirty.add(athlete_id)
                    raise from_sync_error(problem, athlete_id=athlete_id)
            synced_at = await anyio.to_thread.run_sync(self._synced_at, athlete_id)
            return Freshness(athlete_id, synced_at, True)

    def _stale(self, athlete_id: str, synced_at: datetime | None) -> bool:
        if synced_at is None or athlete_id in self._dirty:
            return True
        return (datetime.now(UTC) - synced_at).total_seconds() >= self.settings.max_age_seconds

    def _synced_at(self, athlete_id: str) -> datetime | None:
        """When every stream a read answers from last finished (the oldest of them)."""
        t = tables.sync_state
        query = sa.select(t.c.kind, t.c.last_success_at).where(
            t.c.athlete_id == athlete_id, t.c.kind.in_(_MIRRORED_STREAMS))
        with self.store.engine.connect() as conn:
            found = {row.kind: row.last_success_at for row in conn.execute(query)}
        if any(found.get(s) is None for s in _MIRRORED_STREAMS):
            return None
        oldest: datetime = min(found.values())
        return oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
