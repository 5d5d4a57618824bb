"""kill -9 at any point: a sync killed mid-run and run again converges to the sandbox, with no
duplicate rows and no change logged twice. The sync runs in a child process against a live
sandbox (real socket, default pacing); the parent kills it at several points of progress."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from intervals_icu import RateLimit
from intervals_icu.mirror import Mirror, Store, schema
from intervals_icu.sandbox import Sandbox
from tests.clock import child_env
from tests.mirror.oracle import assert_mirror_equals

ROOT = Path(__file__).resolve().parents[2]


def _count(store: Store, table: sa.Table) -> int:
    try:
        with store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
    except sa.exc.OperationalError:  # tables not created yet
        return 0


POINTS: dict[str, Callable[[Store], bool]] = {
    "during the first pages": lambda s: _count(s, schema.activities) > 0,
    # pages of 8: the history is read as windows fetched concurrently and stored in order
    "between history windows": lambda s: _count(s, schema.activities) > 8,
    "during intervals": lambda s: _count(s, schema.intervals) > 0,
    "during streams": lambda s: _count(s, schema.streams) > 20,
}
PAGE_SIZES = {"between history windows": "8"}


@pytest.mark.slow
@pytest.mark.parametrize("point", list(POINTS))
def test_sync_killed_mid_run_converges(point: str, tmp_path: Path) -> None:
    sandbox = Sandbox(seed=21, athletes=1, years=0.15).start()
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    store = Store(url)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.mirror.sync_child", sandbox.base_url, url,
             *([PAGE_SIZES[point]] if point in PAGE_SIZES else [])],
            cwd=ROOT, stdin=subprocess.PIPE, env=child_env(),
        )
        assert child.stdin is not None
        child.stdin.write(f"{sandbox.api_key}\n".encode())
        child.stdin.close()
        deadline = time.monotonic() + 120
        while not POINTS[point](store):
            assert child.poll() is None, "the sync finished before the kill point"
            assert time.monotonic() < deadline, "the kill point was never reached"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL

        sandbox.configure(rate_limit_enabled=False)  # the resumed run need not be paced

        async def resume() -> None:
            async with sandbox.async_client(rate_limit=RateLimit.unlimited()) as client:
                mirror = Mirror(client, store)
                report = await mirror.sync_async(streams=True)
                assert report.ok, report.errors()

        asyncio.run(resume())
        assert_mirror_equals(store, sandbox, sandbox.athlete_id)
        t = schema.changes
        with store.engine.connect() as conn:
            twice = conn.execute(
                sa.select(t.c.table_name, t.c.record_id).where(t.c.change == "created")
                .group_by(t.c.table_name, t.c.record_id).having(sa.func.count() > 1)
            ).all()
            streams_missing = conn.execute(sa.select(sa.func.count()).select_from(
                schema.activities).where(
                schema.activities.c.is_strava_stub.is_(False),
                schema.activities.c.deleted_at.is_(None),
                schema.activities.c.streams_fingerprint.is_(None))).scalar_one()
        assert twice == [], "a record was logged as created twice"
        assert streams_missing == 0, "every activity's streams were fetched in the end"
    finally:
        store.close()
        sandbox.stop()


KILLED_MIGRATION = """
import os, signal, sys
from sqlalchemy import event
from intervals_icu.mirror import Store

store = Store(sys.argv[1], migrate=False)
made = []

@event.listens_for(store.engine, "after_cursor_execute")
def kill_mid_schema(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE"):
        made.append(statement)
        if len(made) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)

store.migrate()
"""


@pytest.mark.parametrize("tables", [1, 3])
def test_a_first_run_killed_while_making_the_schema_leaves_a_database_that_opens(
    tmp_path: Path, tables: int
) -> None:
    """Was: pysqlite ran each CREATE TABLE outside any transaction, so `icu sync` killed in
    its first second left half a schema and every later run failed with "table activities
    already exists" (found by the fault campaign)."""
    url = f"sqlite:///{tmp_path / 'mirror.db'}"
    child = subprocess.run([sys.executable, "-c", KILLED_MIGRATION, url, str(tables)],
                           cwd=ROOT, env=child_env(), capture_output=True, timeout=120,
                           check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    store = Store(url)  # upgrades from wherever the killed run left it
    try:
        with store.engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
        assert {"activities", "wellness", "events", "changes"} <= names
    finally:
        store.close()
