"""What every part of one sync run shares: the client, the writer thread, the settings, the
report, the options, progress; and how requests and writes are counted per kind."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from intervals_icu import errors
from intervals_icu.credentials_lookup import CredentialsFor, lookup_credentials
from intervals_icu.errors import RequestInfo
from intervals_icu.mirror.planner import MirrorSettings
from intervals_icu.mirror.report import KindReport, Progress, ProgressCallback, SyncReport
from intervals_icu.mirror.store import Store, WriteCounts
from intervals_icu.mirror.store_thread import StoreThread

if TYPE_CHECKING:
    from intervals_icu import AsyncClient

__all__ = ["RunContext", "RunOptions", "athlete_client", "count", "counting", "current_kind",
           "describe", "refused"]

current_kind: contextvars.ContextVar[KindReport | None] = contextvars.ContextVar(
    "icu_mirror_kind", default=None)
"""The kind being read: each HTTP response is counted in its report."""


@dataclass(frozen=True)
class RunOptions:
    """What a run mirrors (the ``sync()`` arguments)."""

    intervals: bool = True
    streams: bool = False
    files: bool = False
    deep: bool = False
    since: date | None = None
    files_dir: Path | None = None


class RunContext:
    """One sync run: shared by the athlete runs, the activity passes, the dated windows and
    the detail fetchers."""

    def __init__(self, client: AsyncClient, db: StoreThread, settings: MirrorSettings,
                 report: SyncReport, options: RunOptions, *,
                 credentials_for: CredentialsFor | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self.report = report
        self.options = options
        self.credentials_for = credentials_for
        self.on_progress = on_progress
        self.detail_slots = asyncio.Semaphore(settings.concurrency)
        self.self_id: str | None = None
        """The credentials' own athlete, when a roster listing said who that is."""

    @property
    def store(self) -> Store:
        return self.db.store

    @property
    def run_id(self) -> int:
        return self.report.run_id

    async def athlete_client(self, athlete_id: str) -> AsyncClient:
        return await athlete_client(self.client, athlete_id, self.credentials_for)

    def progress(self, athlete_id: str, kind: KindReport, *, total: int | None = None,
                 finished: bool = False) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(athlete_id, kind.kind, kind.read, total, kind.changed,
                                      kind.requests, finished))


async def athlete_client(client: AsyncClient, athlete_id: str,
                         credentials_for: CredentialsFor | None) -> AsyncClient:
    """``client`` acting for ``athlete_id``, with that athlete's own credentials when the
    lookup has them (an OAuth app), else the client's (a coach's key)."""
    credentials = await lookup_credentials(credentials_for, athlete_id)
    return client.for_athlete(athlete_id, credentials=credentials)


@contextlib.contextmanager
def counting(client: AsyncClient, report: SyncReport) -> Iterator[None]:
    """Count every HTTP response of the run, and attribute it to the kind being read."""
    def hook(_info: RequestInfo, _status: int, _elapsed: float, attempt: int) -> None:
        report.requests += 1
        if attempt > 1:
            report.retries += 1
        kind = current_kind.get()
        if kind is not None:
            kind.requests += 1

    remove = client.on_response(hook)
    try:
        yield
    finally:
        remove()


def count(report: KindReport, counts: WriteCounts, *, read: int = 0) -> None:
    """Add what a write did to a kind's report."""
    report.read += read
    report.created += counts.created
    report.updated += counts.updated
    report.deleted += counts.deleted
    report.restored += counts.restored
    report.unchanged += counts.unchanged


def describe(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)


def refused(exc: BaseException) -> bool:
    """The credentials cannot read the athlete at all: 401, or 403 that is not about a
    missing OAuth scope (a token may lack one kind and read the others)."""
    if isinstance(exc, errors.AuthenticationError):
        return True
    return isinstance(exc, errors.PermissionDenied) and "OAuth scope" not in str(exc)
