"""The server over its real transports: `icu mcp` on stdio (a child process, as a desktop
assistant runs it) and `icu mcp --http` (streamable HTTP with an OAuth bearer per request:
each athlete sees only their own data)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import uvicorn
from mcp import Client as McpClient
from mcp import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from intervals_icu.mcp import McpSettings, build_service
from intervals_icu.mcp.http import http_app
from intervals_icu.sandbox import Sandbox
from tests.clock import CHILD_ICU, ROOT, child_env
from tests.mcp.conftest import call, fails, sandbox_access

SCOPES = "ACTIVITY:WRITE,WELLNESS:WRITE,CALENDAR:WRITE,SETTINGS:READ"


async def test_icu_mcp_over_stdio(live_sandbox: Sandbox, tmp_path: Path) -> None:
    env = child_env({
        "PATH": "/usr/bin:/bin", "INTERVALS_BASE_URL": live_sandbox.base_url,
        "INTERVALS_API_KEY": live_sandbox.api_key,
        "ICU_JOURNAL": str(tmp_path / "journal.sqlite3"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    params = StdioServerParameters(
        command=sys.executable, cwd=str(ROOT), env=env,
        args=["-c", CHILD_ICU, "mcp", "--db", f"sqlite:///{tmp_path / 'mirror.db'}"])
    async with McpClient(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"get_athlete", "query", "confirm_write"} <= names
        athlete = await call(client, "get_athlete")
        assert athlete["athlete_id"] == live_sandbox.athlete_id
        assert athlete["coverage"]["synced_now"] is True
        again = await call(client, "list_activities", oldest="30d")
        assert again["coverage"]["requests"] == 0  # fresh: answered from the mirror
        message = await fails(client, "get_wellness", athlete=live_sandbox.stranger_id)
        assert "does not share" in message
    assert (tmp_path / "mirror.db").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def hosted(live_sandbox: Sandbox, tmp_path: Path) -> Iterator[str]:
    """`icu mcp --http` for the live sandbox, on 127.0.0.1."""
    port = _free_port()
    service = build_service(McpSettings(database_url=f"sqlite:///{tmp_path / 'hosted.db'}",
                                        journal_path=str(tmp_path / "journal.sqlite3")),
                            access=sandbox_access(live_sandbox), http=True)
    url = f"http://127.0.0.1:{port}/mcp"
    app = http_app(service, public_url=url, issuer_url=live_sandbox.base_url)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def _as(url: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return McpClient(streamable_http_client(url, http_client=httpx2.AsyncClient(
        headers=headers, timeout=30)))


async def test_http_serves_each_athlete_their_own_data(live_sandbox: Sandbox,
                                                       hosted: str) -> None:
    first, second = live_sandbox.athlete_ids[:2]
    token_a = live_sandbox.oauth_token(first, SCOPES).access_token.reveal()
    token_b = live_sandbox.oauth_token(second, SCOPES).access_token.reveal()
    async with _as(hosted, token_a) as client_a, _as(hosted, token_b) as client_b:
        me_a = await call(client_a, "get_athlete")
        me_b = await call(client_b, "get_athlete")
        assert me_a["athlete_id"] == first
        assert me_b["athlete_id"] == second
        # B is mirrored in the same database now, but A's token does not reach B
        assert "does not share" in await fails(client_a, "list_activities", athlete=second)
        rows = await call(client_a, "query", sql="SELECT DISTINCT athlete_id FROM activities")
        assert {r[0] for r in rows["rows"]} == {first}
        preview = await call(client_a, "set_wellness", oldest="today", fields={"weight": 69.9})
        refused = await fails(client_b, "confirm_write", token=preview["token"])
        assert "another caller" in refused
        done = await call(client_a, "confirm_write", token=preview["token"])
        assert done["athlete_id"] == first
        assert "another login" in await fails(client_b, "undo_batch", batch=done["batch"]) or \
            "may not write" in await fails(client_b, "undo_batch", batch=done["batch"])


async def test_http_without_a_valid_token_is_401(hosted: str) -> None:
    async with httpx2.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            answer = await http.post(hosted, headers={**headers, "Accept": (
                "application/json, text/event-stream")}, json={
                "jsonrpc": "2.0", "id": 1, "method": "tools/list"})
            assert answer.status_code == 401
