"""Fixtures for the MCP server: a server over a sandbox (in-process transports), driven by
the SDK's own client, with its own mirror database and journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from mcp import Client as McpClient

from intervals_icu import ApiKey
from intervals_icu.mcp import ApiAccess, McpSettings, build_server, build_service
from intervals_icu.mcp.service import Service
from intervals_icu.sandbox import Sandbox
from tests.conftest import FAST_RETRY


def sandbox_access(sb: Sandbox) -> ApiAccess:
    """Clients for the sandbox (in-process, or its socket when it runs), fast retries."""
    return ApiAccess(
        base_url=sb.base_url,
        make_client=lambda c: sb.client(credentials=c, retry=FAST_RETRY),
        make_async_client=lambda c: sb.async_client(credentials=c, retry=FAST_RETRY))


def make_service(sb: Sandbox, folder: Path, *, api_key: str | None = None,
                 **settings: Any) -> Service:
    values: dict[str, Any] = {"database_url": f"sqlite:///{folder / 'mirror.db'}",
                              "journal_path": str(folder / "journal.sqlite3")}
    values.update(settings)
    return build_service(McpSettings(**values), credentials=ApiKey(api_key or sb.api_key),
                         access=sandbox_access(sb))


async def call(client: McpClient, tool: str, /, **arguments: Any) -> dict[str, Any]:
    """The structured answer of a tool that must succeed."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return dict(result.structured_content)


async def fails(client: McpClient, tool: str, /, **arguments: Any) -> str:
    """The message of a tool that must fail (as a tool error, not a crashed server)."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return " ".join(getattr(c, "text", "") for c in result.content)


@pytest.fixture
def service_for(tmp_path: Path) -> Callable[..., Service]:
    made: list[Service] = []

    def factory(sb: Sandbox, **kwargs: Any) -> Service:
        folder = tmp_path / f"server{len(made)}"
        folder.mkdir()
        created = make_service(sb, folder, **kwargs)
        made.append(created)
        return created

    return factory


@pytest.fixture
async def mcp_client(sandbox: Sandbox, service_for: Callable[..., Service]
                     ) -> AsyncIterator[McpClient]:
    """An MCP client on a fresh (writable) sandbox's main athlete."""
    service = service_for(sandbox)
    async with McpClient(build_server(service)) as client:
        yield client
    await service.aclose()
