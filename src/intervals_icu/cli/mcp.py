"""``icu mcp``: the MCP server for AI assistants, on stdio (desktop assistants) or
streamable HTTP (``--http``, a hosted server: every request brings its own OAuth token).
See docs/mcp.md."""

from __future__ import annotations

from typing import Annotated

import typer

from intervals_icu.cli.sync import DbOpt


def mcp(
    http: Annotated[bool, typer.Option(
        "--http", help="Serve streamable HTTP instead of stdio; each request must carry "
                       "`Authorization: Bearer <Intervals.icu OAuth token>`.")] = False,
    host: Annotated[str, typer.Option("--host", help="With --http: the address to listen on.")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="With --http: the port.")] = 8000,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", metavar="URL",
        help="With --http: the URL clients reach the server at (default "
             "http://HOST:PORT/mcp).")] = None,
    db: DbOpt = None,
    schema: Annotated[str | None, typer.Option(
        "--schema", help="PostgreSQL schema of the mirror's tables.")] = None,
    max_age: Annotated[float | None, typer.Option(
        "--max-age", metavar="SECONDS",
        help="Sync an athlete before answering when their mirror is older than this "
             "(default 300, or ICU_MCP_MAX_AGE).")] = None,
    query_time_limit: Annotated[float | None, typer.Option(
        "--query-time-limit", metavar="SECONDS", help="Cut a query tool statement off after "
                                                      "this long (default 5).")] = None,
    query_row_limit: Annotated[int | None, typer.Option(
        "--query-row-limit", metavar="ROWS", help="At most this many rows per query "
                                                  "(default 500).")] = None,
) -> None:
    """Serve your Intervals.icu data to an AI assistant (Model Context Protocol).

    Reads answer from the mirror (`icu sync`'s database), synced first when older than
    --max-age; writes are previews that apply only when confirmed, journaled (`icu journal`,
    `icu undo`). Credentials as for every command (`icu auth login`, INTERVALS_API_KEY);
    with --http each request brings its own token.
    """
    from intervals_icu.cli import config
    from intervals_icu.cli.session import root_option
    from intervals_icu.cli.sync import database_url
    from intervals_icu.mcp import ApiAccess, McpSettings, build_server, build_service

    settings = McpSettings.from_env(
        database_url=database_url(db), schema=schema, max_age_seconds=max_age,
        journal_path=root_option("journal"), query_time_limit=query_time_limit,
        query_row_limit=query_row_limit)
    resolved = config.resolve(base_url=root_option("base_url"))
    access = ApiAccess(base_url=resolved.base_url)
    if http:
        from intervals_icu.mcp.http import DEFAULT_ISSUER, serve_http

        service = build_service(settings, access=access, http=True)
        issuer = (resolved.base_url or DEFAULT_ISSUER).rstrip("/")
        typer.echo(f"icu mcp: streamable HTTP on http://{host}:{port}/mcp (mirror "
                   f"{service.store!r})", err=True)
        serve_http(service, host=host, port=port, public_url=public_url, issuer_url=issuer)
        return
    # No credentials is not fatal here: every tool then says how to provide them.
    service = build_service(settings, credentials=resolved.credentials, access=access,
                            athlete_id=resolved.athlete_id)
    build_server(service).run("stdio")
