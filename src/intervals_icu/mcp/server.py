"""The MCP server: read tools on the mirror, the read-only query tool, two-step writes,
resources and prompts (docs/mcp.md).

    from intervals_icu.mcp import McpSettings, build_server

    server = build_server(McpSettings(database_url="sqlite:///icu.db"))   # INTERVALS_API_KEY
    server.run()                                                          # stdio
"""

from __future__ import annotations

import json
from importlib import resources as package_files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from intervals_icu._version import __version__
from intervals_icu.mcp.access import ApiAccess
from intervals_icu.mcp.outputs import QueryAnswer
from intervals_icu.mcp.read_tools import register_read_tools
from intervals_icu.mcp.service import Service
from intervals_icu.mcp.settings import McpSettings
from intervals_icu.mcp.write_tools import register_write_tools
from intervals_icu.mcp.writes import Pending

if TYPE_CHECKING:
    from intervals_icu.auth import Credentials
    from intervals_icu.mirror import Store

__all__ = ["build_server", "build_service", "schema_text"]

INSTRUCTIONS = """\
Intervals.icu training data of the user and of the athletes who share with them, answered
from a local mirror (each answer says how fresh it is and how many API requests it cost).
Read tools never change anything. Writes take two steps: a write tool (set_wellness,
update_activities, create_event, update_event, delete_events, undo_batch) only returns a
preview and a token; show the preview to the user and call confirm_write with the token
only after they approve it. Every confirmed write is one journal batch that undo_batch can
reverse. For questions no tool answers, use query (read-only SQL; the schema is the
icu://schema resource)."""


def schema_text() -> str:
    """docs/schema.md: packaged next to this module in a wheel, read from the source tree
    in a development install."""
    packaged = package_files.files("intervals_icu.mcp").joinpath("schema.md")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    source = Path(__file__).resolve().parents[3] / "docs" / "schema.md"
    if source.is_file():
        return source.read_text(encoding="utf-8")
    return "The mirror's schema: see docs/schema.md of intervals-icu."


def build_service(settings: McpSettings, *, credentials: Credentials | None = None,
                  access: ApiAccess | None = None, store: Store | None = None,
                  athlete_id: str | None = None, http: bool = False) -> Service:
    """The server's state. ``credentials``: the stdio server's (None in HTTP mode, where
    every request brings its bearer token)."""
    from intervals_icu.mirror import Store as MirrorStore

    opened = store if store is not None else MirrorStore(settings.database_url,
                                                         schema=settings.schema)
    service = Service(settings=settings, store=opened, access=access or ApiAccess(),
                      credentials=credentials, self_id=athlete_id, http=http)
    service.pending = Pending(settings.preview_ttl_seconds)
    return service


def build_server(service: Service, **server_options: Any) -> MCPServer:
    """An MCPServer with every tool, resource and prompt of ``service``."""
    # The SDK configures the root logger at INFO by default: every HTTP request would be
    # logged to stderr.
    server_options.setdefault("log_level", "WARNING")
    server: MCPServer = MCPServer("intervals-icu", version=__version__,
                                  instructions=INSTRUCTIONS, **server_options)
    register_read_tools(server, service)
    register_write_tools(server, service)
    _register_query(server, service)
    _register_resources(server, service)
    _register_prompts(server)
    return server


def _register_query(server: MCPServer, service: Service) -> None:
    from intervals_icu.mcp.query import run_query

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, destructive_hint=False,
                                             idempotent_hint=True, open_world_hint=False))
    async def query(
        sql: Annotated[str, Field(description="One SELECT (or WITH ... SELECT) over the "
                                              "mirror's tables (icu://schema).")],
        row_limit: Annotated[int | None, Field(ge=1, description="At most this many rows "
                                                                 "(capped by the server).")
                             ] = None,
    ) -> QueryAnswer:
        """Read-only SQL over the mirror, for questions no other tool answers. Every table
        holds only your athletes' rows; writes, ATTACH and PRAGMA are refused; a slow
        statement is cut off. Dates are local (local_date, day); live rows have deleted_at
        IS NULL; any API field is in record (SQLite: json_extract(record, '$.icu_rpe'))."""
        caller = service.caller()
        roster = await caller.roster()
        limit = min(row_limit or service.settings.query_row_limit,
                    service.settings.query_row_limit)
        return await anyio.to_thread.run_sync(lambda: run_query(
            service.store.engine, sql, sorted(roster), row_limit=limit,
            time_limit=service.settings.query_time_limit, schema=service.store.schema))


def _register_resources(server: MCPServer, service: Service) -> None:
    @server.resource("icu://schema", name="schema", mime_type="text/markdown",
                     description="The mirror's tables and columns (for the query tool).")
    def schema() -> str:
        return schema_text()

    @server.resource("icu://athlete/profile", name="athlete-profile",
                     mime_type="application/json",
                     description="Your profile and thresholds per sport, from the mirror.")
    async def profile() -> str:
        return await _tool_json(server, "get_athlete", {})

    @server.resource("icu://activities/recent", name="recent-activities",
                     mime_type="application/json",
                     description="Your activities of the last 14 days, from the mirror.")
    async def recent() -> str:
        return await _tool_json(server, "list_activities", {"oldest": "14d", "limit": 100})


async def _tool_json(server: MCPServer, name: str, arguments: dict[str, Any]) -> str:
    try:
        result = await server.call_tool(name, arguments)
    except ToolError as exc:
        raise ResourceError(str(exc)) from None
    structured = getattr(result, "structured_content", None)
    if getattr(result, "is_error", False) or structured is None:
        text = " ".join(getattr(c, "text", "") for c in getattr(result, "content", []))
        raise ResourceError(text or f"{name} failed")
    return json.dumps(structured, default=str)


def _register_prompts(server: MCPServer) -> None:
    @server.prompt()
    def weekly_review(athlete: str | None = None) -> str:
        """Review the last week: training against the plan, load, fitness and recovery."""
        who = f" for athlete {athlete}" if athlete else ""
        return (
            f"Review my last 7 days of training{who}. Use get_totals (by week, last 4 weeks) "
            "for the trend, get_compliance (oldest 7d) for planned vs done, get_fitness "
            "(oldest 28d) for fitness, fatigue and form, and get_wellness (oldest 7d) for "
            "sleep, HRV and resting HR. Say what went well, what was missed and why it "
            "matters, and whether recovery markers suggest backing off. Quote the numbers "
            "and the period each tool covered.")

    @server.prompt()
    def plan_next_week(goal: str | None = None) -> str:
        """Plan the next 7 days from the calendar, recent load and form."""
        aim = f" My goal: {goal}." if goal else ""
        return (
            f"Plan my next 7 days.{aim} Read get_calendar (today to 7 days ahead) for what "
            "is already planned, get_fitness (oldest 42d) for form and ramp, get_totals (by "
            "week, last 8 weeks) for the usual volume, and get_compliance (oldest 28d) for "
            "what I actually do. Propose the week day by day with load targets. Then, only "
            "if I agree, prepare the changes with create_event / update_event and show me "
            "the previews; confirm_write only what I approve.")

    @server.prompt()
    def compare_periods(first: str, second: str, sport: str | None = None) -> str:
        """Compare two periods (e.g. 2025-01-01..2025-03-31 and 2026-01-01..2026-03-31)."""
        which = f" for {sport}" if sport else ""
        return (
            f"Compare my training{which} in {first} with {second}. For each period use "
            "get_totals (by month), get_fitness (every week), and get_curves with "
            f"periods=[{first!r}, {second!r}] for best efforts. Present a side-by-side "
            "table (volume, load, fitness, best 5 min / 20 min power or best 5 km pace) "
            "and explain the differences.")
