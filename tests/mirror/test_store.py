"""The store's write paths on both databases: idempotent, atomic with the saved position,
never deleting, and logging each change once."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from intervals_icu.mirror import Store, schema
from intervals_icu.mirror.fingerprint import fingerprint
from intervals_icu.mirror.records import wellness_row
from intervals_icu.mirror.store import RecordWrite, StateUpdate


def w(day: str, **fields: object) -> RecordWrite:
    record = {"id": day, **fields}
    return RecordWrite(date.fromisoformat(day), record, wellness_row(record),
                       fingerprint(record))


def log(store: Store) -> list[tuple[str, str]]:
    t = schema.changes
    with store.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(
            sa.select(t.c.record_id, t.c.change).order_by(t.c.change_id))]


def test_applying_twice_changes_nothing(store: Store) -> None:
    first = store.apply_records("wellness", "i1", [w("2025-01-01", hrv=50.0)])
    again = store.apply_records("wellness", "i1", [w("2025-01-01", hrv=50.0)])
    assert (first.created, again.created, again.updated, again.unchanged) == (1, 0, 0, 1)
    assert log(store) == [("2025-01-01", "created")]


def test_update_delete_restore_are_logged_and_rows_kept(store: Store) -> None:
    store.apply_records("wellness", "i1", [w("2025-01-01", hrv=50.0)])
    store.apply_records("wellness", "i1", [w("2025-01-01", hrv=55.0)])
    store.apply_records("wellness", "i1", [], tombstones=[date(2025, 1, 1)])
    assert store.live_keys("wellness", "i1") == set()
    rows = list(store.rows("wellness", "i1", include_deleted=True))
    assert len(rows) == 1
    assert rows[0]["hrv"] == 55.0
    store.apply_records("wellness", "i1", [w("2025-01-01", hrv=55.0)])
    assert log(store) == [("2025-01-01", c) for c in ("created", "updated", "deleted",
                                                      "restored")]


def test_rows_and_position_commit_together(store: Store) -> None:
    bad = w("2025-01-02", hrv=1.0)
    bad.fingerprint = None  # type: ignore[assignment]  # NOT NULL: the database refuses
    with pytest.raises(sa.exc.SQLAlchemyError):
        store.apply_records("wellness", "i1", [w("2025-01-01", hrv=2.0), bad],
                            state=StateUpdate("wellness", covered_from=date(2025, 1, 1),
                                              covered_to=date(2025, 1, 2)))
    assert store.live_keys("wellness", "i1") == set()
    assert store.position("i1", "wellness").covered_to is None
    store.apply_records("wellness", "i1", [w("2025-01-01", hrv=2.0)],
                        state=StateUpdate("wellness", covered_from=date(2025, 1, 1),
                                          covered_to=date(2025, 1, 2)))
    assert store.position("i1", "wellness").covered_to == date(2025, 1, 2)


def test_opening_again_does_not_migrate_twice(store: Store) -> None:
    store.apply_records("wellness", "i1", [w("2025-01-01", hrv=2.0)])
    store.migrate()
    assert store.live_keys("wellness", "i1") == {date(2025, 1, 1)}


def test_migrations_create_exactly_the_schema(store: Store) -> None:
    """A schema change without its alembic revision fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as conn:
        if store.schema:  # reflection looks at the search path, not the translate map
            conn.execute(sa.text(f'SET search_path TO "{store.schema}"'))
        context = MigrationContext.configure(conn, opts={
            "version_table": "mirror_alembic_version",
            "version_table_schema": store.schema,
        })
        diffs = [d for d in compare_metadata(context, schema.metadata)
                 if not (isinstance(d, tuple) and d[0] == "remove_table")]
    assert diffs == []


def test_purging_runs_forgets_old_runs_and_keeps_records_and_recent_runs(
        store: Store) -> None:
    from datetime import UTC, datetime, timedelta

    old = store.begin_run({"why": "old"})
    store.finish_run(old, status="ok", requests=3, summary={})
    killed = store.begin_run({"why": "killed long ago"})
    recent = store.begin_run({"why": "recent"})
    store.finish_run(recent, status="ok", requests=1, summary={})
    store.apply_records("wellness", "i1", [w("2025-03-01", weight=70.0)], run_id=old)
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with store.engine.begin() as conn:
        conn.execute(schema.sync_runs.update().where(schema.sync_runs.c.run_id.in_(
            [old, killed])).values(started_at=long_ago))
        conn.execute(schema.sync_runs.update().where(schema.sync_runs.c.run_id == old)
                     .values(finished_at=long_ago))
    assert store.purge_runs(datetime.now(UTC) - timedelta(days=7)) == 2
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(schema.sync_runs.c.run_id)).scalars().all() == [recent]
        kept = conn.execute(sa.select(schema.wellness.c.run_id)).scalars().all()
    assert kept == [old]  # the record still names the run that wrote it
    # The newest run stays however old (SQLite would hand its id to the next run).
    with store.engine.begin() as conn:
        conn.execute(schema.sync_runs.update().values(started_at=long_ago,
                                                      finished_at=long_ago))
    assert store.purge_runs(datetime.now(UTC)) == 0
    assert store.begin_run({"why": "next"}) > recent
    with pytest.raises(ValueError, match="time-zone-aware"):
        store.purge_runs(datetime.now())
