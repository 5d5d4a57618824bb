"""The server's state behind the tools: the mirror's store, the callers (one per set of
credentials), the write journal and the pending write previews; and :meth:`Service.reading`,
the frame of every read tool (who, whose data, how fresh, what it cost)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
from mcp.server.mcpserver.exceptions import ToolError

from intervals_icu import errors
from intervals_icu.mcp import reads
from intervals_icu.mcp.access import ApiAccess, Caller, Freshness, Shared, credential_key
from intervals_icu.mcp.errors import from_api_error
from intervals_icu.mcp.outputs import Coverage
from intervals_icu.mcp.periods import athlete_today
from intervals_icu.mcp.settings import McpSettings

if TYPE_CHECKING:
    from intervals_icu.auth import Credentials
    from intervals_icu.journal import SqliteJournal
    from intervals_icu.mirror import Store

__all__ = ["AnswerCache", "Reading", "Service"]

T = TypeVar("T")


@dataclass
class Reading:
    """One read tool call: the athlete it is about and what it cost so far."""

    caller: Caller
    shared: Shared
    freshness: Freshness
    today: date
    sent: list[int]
    service: Service

    @property
    def athlete_id(self) -> str:
        return self.shared.athlete_id

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(connection, *args)`` on the mirror in a worker thread."""
        return await self.service.db(fn, *args, **kwargs)

    def coverage(self, oldest: date | None = None, newest: date | None = None) -> Coverage:
        age = self.freshness.age_seconds()
        return Coverage(athlete_id=self.athlete_id, oldest=oldest, newest=newest,
                        mirror_synced_at=self.freshness.synced_at,
                        mirror_age_seconds=round(age, 1) if age is not None else None,
                        synced_now=self.freshness.synced_now, requests=self.sent[0])


class AnswerCache:
    """Answers the API gave (curves over periods, an activity's streams), kept for the
    mirror's max age: the same question within it costs no request."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._found: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, max_age: float) -> Any:
        found = self._found.get(key)
        if found is None or time.monotonic() - found[0] >= max_age:
            return None
        return found[1]

    def put(self, key: Any, value: Any) -> None:
        if len(self._found) >= self.size:
            self._found.pop(next(iter(self._found)))
        self._found[key] = (time.monotonic(), value)


@dataclass
class Service:
    settings: McpSettings
    store: Store
    access: ApiAccess = field(default_factory=ApiAccess)
    credentials: Credentials | None = None
    """The stdio server's credentials (each HTTP request brings its own token instead)."""
    http: bool = False
    self_id: str | None = None
    _callers: dict[str, Caller] = field(default_factory=dict)
    _journal: SqliteJournal | None = None
    _journal_lock: threading.Lock = field(default_factory=threading.Lock)
    answers: AnswerCache = field(default_factory=lambda: AnswerCache())
    pending: Any = None
    """The write previews awaiting confirmation (:class:`~intervals_icu.mcp.writes.Pending`)."""

    # -- callers --------------------------------------------------------------------------

    def caller(self) -> Caller:
        """The caller of the current request: the stdio credentials, or the bearer token the
        HTTP transport verified for this request."""
        credentials = self.credentials
        self_id = self.self_id
        if self.http:
            from mcp.server.auth.middleware.auth_context import get_access_token

            from intervals_icu.auth import BearerToken

            token = get_access_token()
            if token is None:
                raise ToolError("this request carries no Intervals.icu token: send "
                                "`Authorization: Bearer <token>` (an Intervals.icu OAuth "
                                "access token)")
            credentials = BearerToken(token.token)
            self_id = token.subject
        if credentials is None:
            raise from_api_error(errors.MissingCredentials("no credentials"))
        key = credential_key(credentials)
        caller = self._callers.get(key)
        if caller is None:
            caller = Caller(key=key, credentials=credentials, access=self.access,
                            store=self.store, settings=self.settings, self_id=self_id)
            self._callers[key] = caller
        return caller

    async def aclose(self) -> None:
        for caller in self._callers.values():
            await caller.aclose()
        self._callers.clear()
        if self._journal is not None:
            self._journal.close()
        self.store.close()

    # -- the mirror -----------------------------------------------------------------------

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        def run() -> T:
            with self.store.engine.connect() as conn:
                return fn(conn, *args, **kwargs)

        return await anyio.to_thread.run_sync(run)

    @contextlib.asynccontextmanager
    async def reading(self, athlete: str | None, *, sync: bool = True
                      ) -> AsyncIterator[Reading]:
        """Who asks, about whom (refused unless shared), the mirror synced if too old
        (``sync=False``: only if it never was, for answers the API gives directly)."""
        from intervals_icu.mcp.access import counting_requests

        with counting_requests() as sent:
            caller = self.caller()
            shared = await caller.athlete(athlete)
            freshness = await caller.fresh(shared.athlete_id, only_if_never=not sync)
            timezone = await self.db(reads.timezone_of, shared.athlete_id)
            yield Reading(caller, shared, freshness, athlete_today(timezone), sent, self)

    # -- the journal ----------------------------------------------------------------------

    def journal(self) -> SqliteJournal:
        if self._journal is None:
            from intervals_icu.journal import SqliteJournal

            self._journal = SqliteJournal(self.settings.journal_path)
        return self._journal

    @property
    def journal_lock(self) -> threading.Lock:
        """One batch at a time: the journal has one open batch."""
        return self._journal_lock

