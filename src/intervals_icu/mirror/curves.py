"""Each activity's best efforts (``intervals_icu.efforts``), stored in ``activity_curves``
beside its streams, so a report never decodes years of streams to draw a curve.

A row is written in the transaction that stores the activity's streams, computed from the
streams in hand; ``streams_key`` says which streams (their fingerprints) and which version of
the computation it holds. A mirror whose streams were stored before the table existed, or by
an older version, is filled from its stored streams by the next sync with streams
(:func:`stale_curves`, :func:`fill_curves`, a batch at a time). Readers compare the key with
the live streams' and ignore a row that does not match.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from intervals_icu.mirror import schema
from intervals_icu.mirror.sql import chunks, primary_key, upsert_many

__all__ = ["fill_curves", "stale_curves", "store_curves"]

def store_curves(conn: Connection, athlete_id: str, activity_id: str,
                 streams: Sequence[Mapping[str, Any]], fingerprints: Mapping[str, str],
                 run_id: int | None, now: datetime) -> bool:
    """Store the efforts of the streams just stored (``fingerprints``: stream type -> the
    fingerprint stored with it). False when the stored row is already for these streams, or
    the activity has none of the streams efforts come from."""
    from intervals_icu.efforts import STREAM_TYPES, activity_curves, streams_key

    used = {kind: fp for kind, fp in fingerprints.items() if kind in STREAM_TYPES}
    if not used:
        return False
    key = streams_key(used.items())
    if _stored_keys(conn, athlete_id, [activity_id]).get(activity_id) == key:
        return False
    data: dict[str, Any] = {}
    for stream in streams:
        kind = str(stream.get("type") or "")
        if kind in used and kind not in data:
            data[kind] = stream.get("data")
    _write(conn, athlete_id, [(activity_id, key, activity_curves(data))], run_id, now)
    return True


def stale_curves(conn: Connection, athlete_id: str) -> list[str]:
    """Activities whose live streams have no efforts stored for them (none yet, an older
    version, or streams changed since)."""
    from intervals_icu.efforts import STREAM_TYPES, streams_key

    t = schema.streams
    prints: dict[str, list[tuple[str, str]]] = {}
    for activity_id, kind, fp in conn.execute(
            sa.select(t.c.activity_id, t.c.stream_type, t.c.fingerprint).where(
                t.c.athlete_id == athlete_id, t.c.deleted_at.is_(None),
                t.c.stream_type.in_(STREAM_TYPES))):
        prints.setdefault(activity_id, []).append((kind, fp))
    stored = _stored_keys(conn, athlete_id, list(prints))
    return sorted(aid for aid, p in prints.items() if stored.get(aid) != streams_key(p))


def fill_curves(conn: Connection, athlete_id: str, activity_ids: Sequence[str],
                run_id: int | None, now: datetime) -> int:
    """Compute and store the efforts of these activities from their stored streams."""
    from intervals_icu.efforts import STREAM_TYPES, activity_curves, streams_key

    t = schema.streams
    found: dict[str, dict[str, tuple[str, Any]]] = {}
    for chunk in chunks(list(activity_ids)):
        for activity_id, kind, fp, blob in conn.execute(
                sa.select(t.c.activity_id, t.c.stream_type, t.c.fingerprint, t.c.data).where(
                    t.c.athlete_id == athlete_id, t.c.activity_id.in_(chunk),
                    t.c.deleted_at.is_(None), t.c.stream_type.in_(STREAM_TYPES))):
            values = json.loads(zlib.decompress(blob))
            found.setdefault(activity_id, {})[kind] = (
                fp, values if isinstance(values, list) else [])
    rows = [(aid, streams_key((k, fp) for k, (fp, _) in streams.items()),
             activity_curves({k: values for k, (_, values) in streams.items()}))
            for aid, streams in found.items()]
    _write(conn, athlete_id, rows, run_id, now)
    return len(rows)


def _stored_keys(conn: Connection, athlete_id: str, activity_ids: list[str]) -> dict[str, str]:
    t = schema.activity_curves
    keys: dict[str, str] = {}
    for chunk in chunks(activity_ids):
        keys.update((aid, key) for aid, key in conn.execute(
            sa.select(t.c.activity_id, t.c.streams_key).where(
                t.c.athlete_id == athlete_id, t.c.activity_id.in_(chunk))))
    return keys


def _write(conn: Connection, athlete_id: str, rows: Sequence[tuple[str, str, Any]],
           run_id: int | None, now: datetime) -> None:
    t = schema.activity_curves
    upsert_many(conn, t, [{"athlete_id": athlete_id, "activity_id": aid, "streams_key": key,
                           "curves": curves, "computed_at": now, "run_id": run_id}
                          for aid, key, curves in rows], primary_key(t))
