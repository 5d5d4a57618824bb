"""The write tools: each returns a preview and a token and sends nothing; confirm_write
applies a preview; undo_batch previews putting a journal batch back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from intervals_icu import errors
from intervals_icu.mcp import changes as diff
from intervals_icu.mcp.periods import athlete_today, span
from intervals_icu.mcp.writes import WritePreview, WriteResult, confirm, days_between, preview

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from intervals_icu import Client
    from intervals_icu.mcp.service import Service

__all__ = ["register_write_tools"]

PREVIEW = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                          open_world_hint=False)
APPLY = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False,
                        open_world_hint=True)
MAX_DAYS = 400

Athlete = Annotated[str | None, Field(
    description="Athlete id; leave out for yourself (coached athletes need WRITE access).")]
Fields = Annotated[dict[str, Any], Field(
    description="Field -> value, as the API names them (weight, restingHR, hrv, comments; "
                "name, icu_rpe, gear...). null clears a field: a number is cleared (sent as "
                "-1, like CLEAR in the CLI), a text is emptied.")]


def _numeric(kind: str) -> Any:
    from intervals_icu.journal import numeric_field

    return lambda name: numeric_field(kind, name)


def _fields(kind: str, model: Any, fields: dict[str, Any]) -> tuple[dict[str, Any],
                                                                     dict[str, Any]]:
    """(the fields for the client, with CLEAR; the JSON body they send), validated."""
    from intervals_icu import CLEAR
    from intervals_icu.updates import build_partial_body

    numeric = _numeric(kind)
    given: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None or (value == "" and numeric(name)):
            given[name] = CLEAR if numeric(name) else ""
        else:
            given[name] = value
    if not given:
        raise ToolError("give at least one field to write")
    try:
        return given, build_partial_body(model, given, what=model.__name__)
    except errors.InvalidRequestError as exc:
        raise ToolError(str(exc).replace("Nothing was sent.", "Nothing was changed.")
                        ) from None


def _dump(record: Any) -> dict[str, Any]:
    return dict(record.model_dump(mode="json", by_alias=True, exclude_none=True))


def register_write_tools(server: MCPServer, service: Service) -> None:
    @server.tool(annotations=PREVIEW)
    async def set_wellness(
        fields: Fields,
        oldest: Annotated[str, Field(description="First day (YYYY-MM-DD or today...).")],
        newest: Annotated[str | None, Field(description="Last day; default oldest.")] = None,
        lock: Annotated[bool | None, Field(
            description="true: lock the records after writing; false: unlock them.")] = None,
        unlock_locked: Annotated[bool, Field(
            description="Also change locked days (unlocked, written, locked again).")] = False,
        athlete: Athlete = None,
    ) -> WritePreview:
        """PREVIEW writing wellness fields on every day of a range (creating records that do
        not exist). Sends nothing: returns the changes and a token for confirm_write. Locked
        days are skipped unless unlock_locked."""
        from intervals_icu.models import Wellness

        caller = service.caller()
        shared = await caller.athlete(athlete, write=True)
        if "locked" in fields:
            raise ToolError("use lock=true/false for the lock, not a field")
        today = athlete_today(await service.db(_timezone, shared.athlete_id))
        first, last = span(oldest, newest or oldest, today, default_days=1)
        if (last - first).days >= MAX_DAYS:
            raise ToolError(f"at most {MAX_DAYS} days at once: split the range")
        _given, patch = _fields("wellness", Wellness, fields)
        days = days_between(first, last)
        numeric = _numeric("wellness")

        def records(client: Client) -> dict[str, dict[str, Any]]:
            return {str(r.id)[:10]: _dump(r) for r in client.wellness.list(first, last)
                    if r.id}

        def plan(client: Client) -> Any:
            found = diff.plan_wellness(records(client), days, patch, lock=lock,
                                       edit_locked=unlock_locked, numeric=numeric)

            def apply(c: Client) -> None:
                for batch in (found.writes, found.relocks):
                    for start in range(0, len(batch), 500):
                        chunk: list[Any] = list(batch[start:start + 500])
                        if chunk:
                            c.wellness.update_many(chunk)

            return found.changes, found.skipped, apply

        def observe(client: Client) -> Any:
            keys = [*patch, "locked"]
            return {day: {k: r.get(k) for k in keys} for day, r in records(client).items()}

        what = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return await preview(service, caller, shared.athlete_id,
                             f"wellness set {first}..{last} {what}", plan, observe)

    @server.tool(annotations=PREVIEW)
    async def update_activities(
        activity_ids: Annotated[list[str], Field(min_length=1, max_length=200)],
        fields: Fields,
        athlete: Athlete = None,
    ) -> WritePreview:
        """PREVIEW changing fields of activities (name, description, type, icu_rpe, feel,
        gear, trainer, commute, race...). Sends nothing: returns the changes and a token for
        confirm_write."""
        from intervals_icu.models import Activity

        caller = service.caller()
        shared = await caller.athlete(athlete, write=True)
        given, body = _fields("activity", Activity, fields)
        numeric = _numeric("activity")

        def plan(client: Client) -> Any:
            changes: list[diff.Change] = []
            targets: list[str] = []
            for activity_id in activity_ids:
                current = _dump(client.activities.get(activity_id))
                old, new = diff.field_changes(current, body, numeric)
                if new:
                    label = f"activity {activity_id}" + (
                        f" {current['name']!r}" if current.get("name") else "")
                    changes.append(diff.Change(record=label, before=old, after=new))
                    targets.append(activity_id)

            def apply(c: Client) -> None:
                for activity_id in targets:
                    c.activities.update(activity_id, **given)

            return changes, [], apply

        def observe(client: Client) -> Any:
            return [{k: _dump(client.activities.get(a)).get(k) for k in body}
                    for a in activity_ids]

        what = ", ".join(f"{k}={v!r}" for k, v in fields.items())
        return await preview(service, caller, shared.athlete_id,
                             f"activities update {' '.join(activity_ids)} {what}", plan,
                             observe)

    @server.tool(annotations=PREVIEW)
    async def create_event(
        day: Annotated[str, Field(description="Local day YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS.")],
        name: str,
        category: Annotated[str, Field(description="WORKOUT, NOTE, RACE_A, RACE_B...")
                            ] = "WORKOUT",
        type: Annotated[str | None, Field(description="Ride, Run, Swim...")] = None,
        description: Annotated[str | None, Field(
            description="Text; for workouts the native syntax, e.g. '- 10m 60%'.")] = None,
        fields: Annotated[dict[str, Any] | None, Field(
            description="Any other event field (moving_time, icu_training_load...).")] = None,
        athlete: Athlete = None,
    ) -> WritePreview:
        """PREVIEW adding an event to the calendar. Sends nothing: returns the change and a
        token for confirm_write."""
        from intervals_icu.models._generated import EventEx

        caller = service.caller()
        shared = await caller.athlete(athlete, write=True)
        start = day if "T" in day else f"{day}T00:00:00"
        given = {"start_date_local": start, "category": category, "name": name,
                 **({"type": type} if type else {}),
                 **({"description": description} if description else {}), **(fields or {})}
        _unused, body = _fields("event", EventEx, given)

        def plan(client: Client) -> Any:
            def apply(c: Client) -> None:
                c.events.create(**body)

            return [diff.Change(record=f"event on {start[:10]}", action="create",
                                after=diff.event_summary(body))], [], apply

        return await preview(service, caller, shared.athlete_id,
                             f"events create {start[:10]} {name}", plan, lambda _c: None)

    @server.tool(annotations=PREVIEW)
    async def update_event(
        event_id: int, fields: Fields, athlete: Athlete = None,
    ) -> WritePreview:
        """PREVIEW changing an event: move it (start_date_local), rename it, change its
        description or planned load. Sends nothing: returns the change and a token for
        confirm_write."""
        from intervals_icu.models._generated import EventEx

        caller = service.caller()
        shared = await caller.athlete(athlete, write=True)
        fields = dict(fields)
        start = fields.get("start_date_local")
        if isinstance(start, str) and len(start) == 10:
            fields["start_date_local"] = f"{start}T00:00:00"
        given, body = _fields("event", EventEx, fields)
        numeric = _numeric("event")

        def plan(client: Client) -> Any:
            current = _dump(client.events.get(event_id))
            old, new = diff.field_changes(current, body, numeric)
            changes = [diff.Change(
                record=f"event {event_id}" + (f" {current['name']!r}"
                                              if current.get("name") else ""),
                before=old, after=new)] if new else []

            def apply(c: Client) -> None:
                c.events.update(event_id, **given)

            return changes, [], apply

        def observe(client: Client) -> Any:
            current = _dump(client.events.get(event_id))
            return {k: current.get(k) for k in [*body, "updated"]}

        return await preview(service, caller, shared.athlete_id,
                             f"events update {event_id}", plan, observe)

    @server.tool(annotations=PREVIEW)
    async def delete_events(
        event_ids: Annotated[list[int], Field(min_length=1, max_length=200)],
        athlete: Athlete = None,
    ) -> WritePreview:
        """PREVIEW deleting calendar events (each is journaled with its content, so undo can
        create it again). Sends nothing: returns the changes and a token for
        confirm_write."""
        caller = service.caller()
        shared = await caller.athlete(athlete, write=True)

        def existing(client: Client) -> list[dict[str, Any]]:
            found = []
            for event_id in event_ids:
                try:
                    found.append(_dump(client.events.get(event_id)))
                except errors.NotFound:
                    continue
            return found

        def plan(client: Client) -> Any:
            doomed = existing(client)
            missing = sorted(set(event_ids) - {int(e["id"]) for e in doomed})
            changes = [diff.Change(record=f"event {e.get('id')} {e.get('name') or ''}".strip(),
                                   action="delete", before=diff.event_summary(e))
                       for e in doomed]

            def apply(c: Client) -> None:
                for event in doomed:
                    c.events.delete(int(event["id"]))

            return changes, [f"event {m} does not exist" for m in missing], apply

        def observe(client: Client) -> Any:
            return [(e.get("id"), e.get("updated")) for e in existing(client)]

        return await preview(service, caller, shared.athlete_id,
                             f"events delete {' '.join(map(str, event_ids))}", plan, observe)

    @server.tool(annotations=PREVIEW)
    async def undo_batch(
        batch: Annotated[int, Field(description="A journal batch id (from confirm_write, or "
                                                "`icu journal`).")],
        force: Annotated[bool, Field(
            description="Restore even fields someone changed after the batch.")] = False,
    ) -> WritePreview:
        """PREVIEW putting every record of a journal batch back as it was before it (only the
        fields the batch wrote; locked wellness unlocked and locked again; created events
        deleted, deleted events created again). Sends nothing: returns the changes and a
        token for confirm_write."""
        from intervals_icu.mcp.undo import plan_batch_undo

        caller = service.caller()
        roster = await caller.roster()
        return await plan_batch_undo(service, caller, roster, batch, force=force)

    @server.tool(annotations=APPLY)
    async def confirm_write(
        token: Annotated[str, Field(description="The token of a preview the user approved.")],
    ) -> WriteResult:
        """APPLY a previewed write (only after the user approved the preview). Sends exactly
        the previewed changes, recorded as one journal batch; returns the batch id (undo it
        with undo_batch). Refused when the token was used, expired, or the records changed
        since the preview."""
        return await confirm(service, service.caller(), token)


def _timezone(conn: Any, athlete_id: str) -> str | None:
    from intervals_icu.mcp.reads import timezone_of

    return timezone_of(conn, athlete_id)
