"""Writes in two steps. A write tool sends nothing: it reads the records as they are now and
returns the preview (the diff ``--dry-run`` prints) and a token. Only ``confirm_write`` with
that token sends the writes, through the journal (one batch, the same journal as
``icu journal`` / ``icu undo``), and returns the batch id; ``undo_batch`` previews putting a
batch back the same way. A token is single-use, belongs to the caller who asked, expires,
and is refused when the records changed after the preview (ask for a new one)."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from intervals_icu import errors
from intervals_icu.mcp.changes import Change
from intervals_icu.mcp.errors import from_api_error

if TYPE_CHECKING:
    from intervals_icu import Client
    from intervals_icu.mcp.access import Caller
    from intervals_icu.mcp.service import Service

__all__ = ["Pending", "PendingWrite", "WritePreview", "WriteResult", "confirm", "preview"]


class WritePreview(BaseModel):
    athlete_id: str
    description: str
    changes: list[Change]
    skipped: list[str]
    token: str | None
    """Give it to confirm_write to apply exactly these changes (None: nothing to change)."""
    expires_at: datetime | None
    dry_run: bool = True
    """Nothing has been sent yet."""
    next_step: str


class WriteResult(BaseModel):
    athlete_id: str
    batch: int | None
    """The journal batch holding these writes (undo_batch, or `icu undo <batch>`)."""
    changed: int
    description: str
    next_step: str


@dataclass
class PendingWrite:
    caller_key: str
    athlete_id: str
    description: str
    changes: list[Change]
    apply: Callable[[Client], None]
    """Sends the writes (with the caller's journaled client for the athlete)."""
    observe: Callable[[Client], Any]
    """Reads what the preview was computed from; confirm refuses when it moved."""
    seen: Any
    expires_at: float
    undoes: int | None = None


class Pending:
    """Previews awaiting confirmation, and the tokens already used (to say so)."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self._open: dict[str, PendingWrite] = {}
        self._used: dict[str, int | None] = {}
        self._lock = threading.Lock()

    def add(self, write: PendingWrite) -> str:
        token = secrets.token_urlsafe(18)
        with self._lock:
            now = time.monotonic()
            for key in [k for k, w in self._open.items() if w.expires_at < now]:
                del self._open[key]
            self._open[token] = write
        return token

    def take(self, token: str, caller_key: str) -> PendingWrite:
        with self._lock:
            write = self._open.get(token)
            if write is None:
                if token in self._used:
                    batch = self._used[token]
                    raise ToolError(
                        "this token was already used" +
                        (f" (journal batch {batch})" if batch else "") +
                        ": a token applies its preview once; ask for a new preview")
                raise ToolError("unknown or expired token: ask the write tool for a new "
                                "preview")
            if write.caller_key != caller_key:
                raise ToolError("this token belongs to another caller: ask the write tool "
                                "for your own preview")
            del self._open[token]
            self._used[token] = None
        if write.expires_at < time.monotonic():
            raise ToolError("this preview expired: ask the write tool for a new one")
        return write

    def used(self, token: str, batch: int | None) -> None:
        with self._lock:
            self._used[token] = batch


async def preview(service: Service, caller: Caller, athlete_id: str, description: str,
                  plan: Callable[[Client], tuple[list[Change], list[str], Callable[[Client],
                                                                                  None]]],
                  observe: Callable[[Client], Any], *, undoes: int | None = None
                  ) -> WritePreview:
    """Read what is there now (in a worker thread), build the preview and keep its token."""
    client = caller.client.for_athlete(athlete_id)

    def build() -> tuple[list[Change], list[str], Callable[[Client], None], Any]:
        changes, skipped, apply = plan(client)
        return changes, skipped, apply, observe(client)

    try:
        changes, skipped, apply, seen = await anyio.to_thread.run_sync(build)
    except errors.InvalidRequestError as exc:
        raise ToolError(str(exc).replace("Nothing was sent.", "Nothing was changed.")
                        ) from None
    except errors.IntervalsError as exc:
        raise from_api_error(exc, athlete_id=athlete_id) from None
    if not changes:
        return WritePreview(athlete_id=athlete_id, description=description, changes=[],
                            skipped=skipped, token=None, expires_at=None,
                            next_step="nothing to change: every record already holds these "
                                      "values" + ("" if not skipped else " (see skipped)"))
    ttl = service.settings.preview_ttl_seconds
    token = service.pending.add(PendingWrite(
        caller_key=caller.key, athlete_id=athlete_id, description=description,
        changes=changes, apply=apply, observe=observe, seen=seen,
        expires_at=time.monotonic() + ttl, undoes=undoes))
    return WritePreview(
        athlete_id=athlete_id, description=description, changes=changes, skipped=skipped,
        token=token, expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
        next_step="show these changes to the user; only if they approve, call confirm_write "
                  "with this token")


async def confirm(service: Service, caller: Caller, token: str) -> WriteResult:
    write = service.pending.take(token.strip(), caller.key)
    client = caller.client.for_athlete(write.athlete_id)
    journal = service.journal()
    opened: list[int] = []

    def apply() -> int | None:
        with service.journal_lock:
            if write.observe(client) != write.seen:
                raise ToolError("the records changed after the preview (someone or something "
                                "edited them): nothing was sent; ask for a new preview")
            journal.base_url = client.base_url
            client.journal = journal
            with journal.batch(write.description, command=f"icu mcp ({caller.key})",
                               athlete_id=write.athlete_id, undoes=write.undoes) as batch_id:
                opened.append(batch_id)
                write.apply(client)
            return batch_id

    try:
        batch = await anyio.to_thread.run_sync(apply)
    except errors.IntervalsError as exc:
        caller.mark_changed(write.athlete_id)
        error = from_api_error(exc, athlete_id=write.athlete_id)
        kept = opened and journal.get_batch(opened[0]) is not None
        if not kept:
            raise ToolError(f"{error} Nothing was written; ask for a new preview") from None
        raise ToolError(f"{error} Some writes were applied: journal batch {opened[0]} holds "
                        f"them (undo_batch with batch={opened[0]} reverses them)") from None
    finally:
        client.journal = None
    service.pending.used(token.strip(), batch)
    caller.mark_changed(write.athlete_id)
    return WriteResult(
        athlete_id=write.athlete_id, batch=batch, changed=len(write.changes),
        description=write.description,
        next_step=(f"done: journal batch {batch}; undo_batch with batch={batch} (or "
                   f"`icu undo {batch}`) puts it back") if batch else "nothing was written")


def days_between(oldest: date, newest: date) -> list[str]:
    return [(oldest + timedelta(days=i)).isoformat() for i in range((newest - oldest).days + 1)]
