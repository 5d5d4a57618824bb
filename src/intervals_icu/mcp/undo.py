"""Previewing the undo of a journal batch: the journal's own planner (``plan_undo``) on the
records as they are now, refused for batches that touch athletes the caller may not write."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver.exceptions import ToolError

from intervals_icu.mcp.access import Shared
from intervals_icu.mcp.changes import undo_change
from intervals_icu.mcp.writes import WritePreview, preview

if TYPE_CHECKING:
    from intervals_icu import Client
    from intervals_icu.mcp.access import Caller
    from intervals_icu.mcp.service import Service

__all__ = ["plan_batch_undo"]


async def plan_batch_undo(service: Service, caller: Caller, roster: dict[str, Shared],
                          batch_id: int, *, force: bool) -> WritePreview:
    from intervals_icu.journal import (
        apply_plan,
        numeric_field,
        plan_undo,
        read_current,
        read_made,
        step_is_noop,
    )

    journal = service.journal()
    info = journal.get_batch(batch_id)
    if info is None:
        raise ToolError(f"there is no journal batch {batch_id}")
    mine = info.command == f"icu mcp ({caller.key})"
    entries = journal.entries(batch_id)
    athletes = set()
    for entry in entries:
        athlete = entry.athlete_id
        if athlete == "0":
            if not mine:
                raise ToolError(f"batch {batch_id} was written by another login: undo it "
                                f"where it was made (`icu undo {batch_id}`)")
            athlete = caller.self_id or athlete
        shared = roster.get(athlete)
        if shared is None or not shared.can_write:
            raise ToolError(f"batch {batch_id} changed data of an athlete you may not write: "
                            "nothing to preview")
        athletes.add(athlete)
    if info.undone_by and not force:
        raise ToolError(f"batch {batch_id} was already undone by batch {info.undone_by} "
                        f"(undo batch {info.undone_by} to redo it; force=true to undo again)")
    here = caller.client.base_url
    if info.base_url and info.base_url.rstrip("/") != here.rstrip("/"):
        raise ToolError(f"batch {batch_id} was written to another server ({info.base_url})")
    athlete_id = next(iter(athletes)) if len(athletes) == 1 else (caller.self_id or "0")
    targets = {e.target for e in entries if e.target is not None}

    def plan(client: Client) -> Any:
        current = read_current(caller.client, targets)
        undo = plan_undo(entries, current, made=read_made(caller.client, entries))
        steps = [s for s in undo.changes if not step_is_noop(s)]
        conflicted = [s for s in steps if s.conflicts]
        if conflicted and not force:
            what = "; ".join(f"{s.target}: {', '.join(s.conflicts)}" for s in conflicted)
            raise ToolError(f"changed after batch {batch_id}: {what}. Nothing was changed; "
                            "ask again with force=true to restore them anyway")
        changes = [undo_change(s, numeric_field) for s in steps]
        skipped = [f"{s.target}: cannot be restored: {s.reason}" for s in undo.impossible]

        def apply(_c: Client) -> None:
            apply_plan(_c, undo)

        return changes, skipped, apply

    def observe(_client: Client) -> Any:
        current = read_current(caller.client, targets)
        return sorted((str(t), repr(sorted((v or {}).items()))) for t, v in current.items())

    return await preview(service, caller, athlete_id,
                         f"undo batch {batch_id}: {info.description}", plan, observe,
                         undoes=batch_id)
