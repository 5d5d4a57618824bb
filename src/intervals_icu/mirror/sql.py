"""Row writes that read the same on SQLite and PostgreSQL: upserts (one statement per set of
columns), replacing an activity's children (intervals, streams) with what the API holds now,
and the rows of the change log."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from intervals_icu.mirror.fingerprint import canonical_json

__all__ = ["Child", "ChildCounts", "aware", "change_row", "chunks", "primary_key",
           "replace_children", "upsert", "upsert_many"]

CHUNK = 400  # ids per IN (...) list: well under SQLite's variable limit


Child = tuple[tuple[Any, ...], dict[str, Any], str]
"""One child row of an activity: its key within the activity, its columns, its fingerprint."""


class ChildCounts(NamedTuple):
    created: int
    updated: int
    unchanged: int
    deleted: int


def replace_children(conn: Connection, t: sa.Table, key_names: tuple[str, ...],
                     athlete_id: str, activity_id: str, children: Sequence[Child],
                     run_id: int | None, now: datetime) -> ChildCounts:
    """Make ``t``'s rows of one activity (its intervals, its streams) equal ``children``:
    upsert the new and changed ones, leave the unchanged alone, mark the vanished deleted.
    A key given twice counts once (the first)."""
    created = updated = unchanged = 0
    base = (t.c.athlete_id == athlete_id, t.c.activity_id == activity_id)
    width = len(key_names)
    stored = {
        tuple(row[:width]): (row[width], row[width + 1])
        for row in conn.execute(sa.select(
            *(t.c[name] for name in key_names), t.c.fingerprint, t.c.deleted_at).where(*base))
    }
    seen: set[tuple[Any, ...]] = set()
    rows: list[dict[str, Any]] = []
    for key, columns, fp in children:
        if key in seen:
            continue
        seen.add(key)
        old = stored.get(key)
        if old is not None and old[0] == fp and old[1] is None:
            unchanged += 1
            continue
        rows.append({"athlete_id": athlete_id, "activity_id": activity_id,
                     **dict(zip(key_names, key, strict=True)), **columns, "fingerprint": fp,
                     "changed_at": now, "checked_at": now, "deleted_at": None,
                     "run_id": run_id, "first_seen_at": now})
        if old is None:
            created += 1
        else:
            updated += 1
    upsert_many(conn, t, rows, primary_key(t), keep=("first_seen_at",))
    gone = [k for k, (_fp, deleted) in stored.items() if k not in seen and deleted is None]
    for key in gone:
        conn.execute(sa.update(t).where(
            *base, *(t.c[name] == value for name, value in zip(key_names, key, strict=True))
        ).values(deleted_at=now, run_id=run_id))
    return ChildCounts(created, updated, unchanged, len(gone))


def primary_key(t: sa.Table) -> list[str]:
    return [c.name for c in t.primary_key.columns]


def upsert_many(conn: Connection, t: sa.Table, rows: Sequence[Mapping[str, Any]],
                 keys: list[str], *, keep: Sequence[str] = ()) -> None:
    """Upsert many rows with one statement per set of columns (executemany): on conflict
    every column but the keys and ``keep`` (e.g. ``first_seen_at``) takes the new value."""
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    name = conn.dialect.name
    for columns, batch in groups.items():
        if name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(t)
        elif name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(t)
        else:  # pragma: no cover - other databases: plain inserts
            conn.execute(sa.insert(t), list(batch))
            continue
        changes = {c: stmt.excluded[c] for c in columns if c not in keys and c not in keep}
        conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes),
                     list(batch))


def upsert(conn: Connection, t: sa.Table, row: Mapping[str, Any], keys: list[str],
            update: Mapping[str, Any]) -> None:
    """INSERT, or UPDATE when the key exists (a concurrent writer may have inserted it)."""
    name = conn.dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(t).values(**row)
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(t).values(**row)  # type: ignore[assignment]
    else:  # pragma: no cover - other databases: plain insert
        conn.execute(sa.insert(t).values(**row))
        return
    changes = {k: v for k, v in update.items() if k not in keys}
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=changes))


def change_row(run_id: int | None, athlete_id: str, table_name: str, key: Any, change: str,
            now: datetime, *, fields: list[str] | None = None, before: Any = None,
            after: Any = None) -> dict[str, Any]:
    return {"run_id": run_id, "athlete_id": athlete_id, "table_name": table_name,
            "record_id": str(key), "change": change, "fields": fields,
            "before": json.loads(canonical_json(before)) if before is not None else None,
            "after": json.loads(canonical_json(after)) if after is not None else None,
            "detected_at": now}


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns stamps without their zone; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
