"""The query tool: read-only SQL over the mirror, limited to the caller's athletes, with row
and time limits; every kind of write or escape is refused before it runs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client as McpClient

from intervals_icu import ApiKey
from intervals_icu.mcp import McpSettings, build_server, build_service
from intervals_icu.mcp.service import Service
from intervals_icu.mirror import Mirror, Store
from intervals_icu.sandbox import Sandbox
from tests.mcp.conftest import call, fails, sandbox_access

REFUSED = [
    "INSERT INTO activities (athlete_id, activity_id) VALUES ('x', 'y')",
    "UPDATE wellness SET weight = 1",
    "DELETE FROM events",
    "DROP TABLE gear",
    "CREATE TABLE t (x)",
    "ATTACH DATABASE '/tmp/other.db' AS other",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA table_info(activities)",
    "SELECT * FROM main.activities",
    "SELECT * FROM sync_runs",
    "SELECT load_extension('x')",
]


async def _mirror_everyone(sb: Sandbox, store: Store) -> None:
    """The caller, the athlete they follow, and a stranger, all in one database."""
    for key in (sb.api_key, sb.api_key_for(sb.athlete_ids[1]), sb.api_key_for(sb.stranger_id)):
        async with sb.async_client(key) as client:
            report = await Mirror(client, store).sync_async()
            assert report.ok, report.summary()


def _service(sb: Sandbox, store: Store, folder: Path, **settings: Any) -> Service:
    return build_service(McpSettings(journal_path=str(folder / "j.sqlite3"), **settings),
                         credentials=ApiKey(sb.api_key), access=sandbox_access(sb),
                         store=store)


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'mirror.db'}")


async def _check_query_tool(sb: Sandbox, store: Store, folder: Path) -> None:
    await _mirror_everyone(sb, store)
    service = _service(sb, store, folder, query_row_limit=5, query_time_limit=0.5)
    async with McpClient(build_server(service)) as client:
        seen = await call(client, "query", sql="SELECT DISTINCT athlete_id FROM activities "
                                               "ORDER BY athlete_id")
        visible = {row[0] for row in seen["rows"]}
        assert visible == set(seen["athletes"]) == {sb.athlete_id, sb.athlete_ids[1]}
        assert sb.stranger_id not in visible
        for table in ("wellness", "events", "athletes", "changes"):
            rows = await call(client, "query", sql=f"SELECT DISTINCT athlete_id FROM {table}")
            assert sb.stranger_id not in {r[0] for r in rows["rows"]}, table
        limited = await call(client, "query", sql="SELECT activity_id FROM activities")
        assert len(limited["rows"]) == 5
        assert limited["truncated"] is True
        counted = await call(client, "query", sql="SELECT count(*) AS n FROM activities "
                                                  "WHERE deleted_at IS NULL")
        assert counted["columns"] == ["n"]
        assert counted["truncated"] is False
        with store.engine.connect() as conn:
            import sqlalchemy as sa

            total = conn.execute(sa.text(
                f"SELECT count(*) FROM {_name(store, 'activities')} WHERE deleted_at IS NULL "
                "AND athlete_id IN (:a, :b)"), {"a": sb.athlete_id, "b": sb.athlete_ids[1]}
            ).scalar()
        assert counted["rows"][0][0] == total
        before = _fingerprint(store)
        for sql in REFUSED:
            message = await fails(client, "query", sql=sql)
            assert "refused" in message or "failed" in message, sql
        assert _fingerprint(store) == before  # nothing was written
        slow = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                "SELECT count(*) FROM n")
        message = await fails(client, "query", sql=slow)
        assert "cut off" in message
    await service.aclose()


def _fingerprint(store: Store) -> list[Any]:
    import sqlalchemy as sa

    with store.engine.connect() as conn:
        return [conn.execute(sa.text(f"SELECT count(*) FROM {_name(store, t)}")).scalar()
                for t in ("activities", "wellness", "events", "gear", "athletes")]


def _name(store: Store, table: str) -> str:
    return f'"{store.schema}".{table}' if store.schema else table


async def test_query_tool_on_sqlite(sandbox: Sandbox, sqlite_store: Store,
                                    tmp_path: Path) -> None:
    await _check_query_tool(sandbox, sqlite_store, tmp_path)


@pytest.mark.postgres
async def test_query_tool_on_postgres(sandbox: Sandbox, postgres_url: str,
                                      tmp_path: Path) -> None:
    store = Store(postgres_url, schema=f"icu_mcp_{uuid.uuid4().hex[:8]}")
    try:
        await _check_query_tool(sandbox, store, tmp_path)
        service = _service(sandbox, store, tmp_path)
        async with McpClient(build_server(service)) as client:
            message = await fails(client, "query",
                                  sql=f'SELECT * FROM "{store.schema}".activities')
            assert "refused" in message
            answer = await call(client, "get_totals", by="month", oldest="365d")
            assert answer["rows"]
    finally:
        store.drop_schema()
        store.close()


async def test_schema_resource_documents_the_tables(
        sandbox: Sandbox, service_for: Callable[..., Service]) -> None:
    service = service_for(sandbox)
    async with McpClient(build_server(service)) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"icu://schema", "icu://athlete/profile", "icu://activities/recent"} <= listed
        schema = (await client.read_resource("icu://schema")).contents[0]
        text = getattr(schema, "text", "")
        assert "## activities" in text
        assert "local_date" in text
        profile = (await client.read_resource("icu://athlete/profile")).contents[0]
        assert sandbox.athlete_id in getattr(profile, "text", "")
        recent = (await client.read_resource("icu://activities/recent")).contents[0]
        assert '"activities"' in getattr(recent, "text", "")
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"weekly_review", "plan_next_week", "compare_periods"}
        compare = await client.get_prompt("compare_periods", {
            "first": "2025-01-01..2025-03-31", "second": "2026-01-01..2026-03-31"})
        assert "get_curves" in getattr(compare.messages[0].content, "text", "")
    await service.aclose()
