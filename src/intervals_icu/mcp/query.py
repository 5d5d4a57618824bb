"""The read-only query tool: one SQL statement over the mirror, seeing only the athletes who
share with the caller, on a read-only connection, with a row limit and a time limit.

SQLite: the database is opened read-only (``mode=ro``) with ``query_only``; every mirror
table is shadowed by a temporary view holding the caller's athletes only, and an authorizer
lets a statement read nothing but those views (so ``main.activities``, ``ATTACH``,
``PRAGMA``, writes and schema changes are refused before they run); a progress handler cuts
a statement off at the time limit. PostgreSQL: a read-only transaction with
``statement_timeout``, temporary views first on the search path, and the mirror's own schema
name refused in the statement.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from intervals_icu.mcp.outputs import QueryAnswer

__all__ = ["QUERY_TABLES", "run_query"]

QUERY_TABLES = ("athletes", "activities", "intervals", "streams", "activity_files", "wellness",
                "events", "gear", "sport_settings", "changes", "sync_state")
"""What a query can read (each limited to the caller's athletes): docs/schema.md."""

_ALLOWED_SQLITE = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                   getattr(sqlite3, "SQLITE_RECURSIVE", 33)}
_REFUSED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
_CODES = {v: k for k, v in vars(sqlite3).items()
          if k.startswith("SQLITE_") and isinstance(v, int) and k not in {
              "SQLITE_OK", "SQLITE_DENY", "SQLITE_IGNORE"}}


class _Refused(Exception):
    pass


def _cell(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, dict)):
        return value
    return str(value)


def _check_statement(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise ToolError("the query is empty: send one SELECT statement")
    return text


def run_query(engine: Any, sql: str, athletes: Sequence[str], *, row_limit: int,
              time_limit: float, schema: str | None = None) -> QueryAnswer:
    """Run ``sql`` as described in the module docstring; a refusal or a timeout is a
    ToolError that says why."""
    text = _check_statement(sql)
    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        columns, rows, truncated = _sqlite(engine, text, athletes, row_limit, time_limit)
    elif engine.dialect.name == "postgresql":
        columns, rows, truncated = _postgres(engine, text, athletes, row_limit, time_limit,
                                             schema)
    else:  # pragma: no cover - the mirror supports these two
        raise ToolError(f"the query tool does not support {engine.dialect.name}")
    return QueryAnswer(athletes=sorted(athletes), columns=columns, rows=rows,
                       truncated=truncated,
                       elapsed_ms=round((time.perf_counter() - started) * 1000, 1))


def _placeholders(athletes: Sequence[str]) -> str:
    return ", ".join("'" + a.replace("'", "''") + "'" for a in athletes) or "NULL"


def _sqlite(engine: Any, text: str, athletes: Sequence[str], row_limit: int,
            time_limit: float) -> tuple[list[str], list[list[Any]], bool]:
    path = engine.url.database
    if not path or path == ":memory:":
        raise ToolError("the query tool needs a mirror in a SQLite file")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        present = {row[0] for row in db.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        ids = _placeholders(athletes)
        views = []
        for table in QUERY_TABLES:
            if table in present:
                db.execute(f'CREATE TEMP VIEW "{table}" AS SELECT * FROM main."{table}" '  # noqa: S608
                           f"WHERE athlete_id IN ({ids})")
                views.append(table)
        allowed_views = set(views)
        db.execute("PRAGMA query_only = ON")  # after the views: they live in temp
        refusal: list[str] = []

        def authorize(action: int, arg1: str | None, arg2: str | None, database: str | None,
                      source: str | None) -> int:
            if action not in _ALLOWED_SQLITE:
                refusal.append(_CODES.get(action, str(action)).removeprefix("SQLITE_"))
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in _REFUSED_FUNCTIONS:
                refusal.append(f"function {arg2}")
                return sqlite3.SQLITE_DENY
            if action == sqlite3.SQLITE_READ:
                if database == "temp" and arg1 in allowed_views:
                    return sqlite3.SQLITE_OK
                if database == "main" and source in allowed_views:
                    return sqlite3.SQLITE_OK  # read through one of the views
                if database is None:
                    return sqlite3.SQLITE_OK  # a WITH clause's own rows
                refusal.append(f"table {database}.{arg1}")
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK

        deadline = time.monotonic() + time_limit

        def over_time() -> int:
            return 1 if time.monotonic() > deadline else 0

        db.set_authorizer(authorize)
        db.set_progress_handler(over_time, 2000)
        try:
            cursor = db.execute(text)
            columns = [d[0] for d in cursor.description or []]
            fetched = cursor.fetchmany(row_limit + 1)
        except sqlite3.DatabaseError as exc:
            message = str(exc)
            if "interrupted" in message:
                raise ToolError(f"the query ran past the {time_limit:g} s limit and was cut "
                                "off: narrow it (a date range, fewer joins) or aggregate "
                                "first") from None
            if refusal or "not authorized" in message or "prohibited" in message:
                what = ", ".join(dict.fromkeys(refusal)) or "a write"
                raise ToolError(f"refused: the query tool is read-only and reads only the "
                                f"mirror's tables ({', '.join(views)}); this statement needs "
                                f"{what}") from None
            raise ToolError(f"the query failed: {message}") from None
        if cursor.description is None:
            raise ToolError("refused: only a SELECT (or WITH ... SELECT) returns rows here")
    finally:
        db.close()
    truncated = len(fetched) > row_limit
    return columns, [[_cell(v) for v in row] for row in fetched[:row_limit]], truncated


_PG_FORBIDDEN = re.compile(r"\b(pg_read_file|pg_read_binary_file|pg_ls_dir|lo_import|"
                           r"lo_export|dblink\w*|pg_sleep_for|pg_terminate_backend|"
                           r"pg_cancel_backend|set_config)\s*\(", re.IGNORECASE)


def _postgres(engine: Any, text: str, athletes: Sequence[str], row_limit: int,
              time_limit: float, schema: str | None
              ) -> tuple[list[str], list[list[Any]], bool]:
    real_schema = schema or "public"
    qualified = re.compile(r'(?<![\w$])"?' + re.escape(real_schema) + r'"?\s*\.',
                           re.IGNORECASE)
    if qualified.search(text):
        raise ToolError(f"refused: name the mirror's tables without a schema ({real_schema}."
                        "activities -> activities); the query tool reads only your athletes' "
                        "rows")
    if _PG_FORBIDDEN.search(text):
        raise ToolError("refused: the query tool reads the mirror's tables only")
    raw = engine.raw_connection()
    try:
        db = raw.driver_connection
        db.autocommit = False
        with db.cursor() as cur:
            cur.execute(f"SET LOCAL statement_timeout = {max(1, int(time_limit * 1000))}")
            ids = _placeholders(athletes)
            for table in QUERY_TABLES:
                cur.execute(f'CREATE TEMP VIEW "{table}" AS SELECT * FROM '  # noqa: S608
                            f'"{real_schema}"."{table}" WHERE athlete_id IN ({ids})')
            cur.execute("SET LOCAL search_path = pg_temp")
            cur.execute("SET LOCAL transaction_read_only = on")
            try:
                cur.execute(text)
            except Exception as exc:
                name = type(exc).__name__
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else name
                if name == "QueryCanceled":
                    raise ToolError(f"the query ran past the {time_limit:g} s limit and was "
                                    "cut off: narrow it or aggregate first") from None
                if name in ("ReadOnlySqlTransaction", "InsufficientPrivilege"):
                    raise ToolError(f"refused: the query tool is read-only ({message})"
                                    ) from None
                raise ToolError(f"the query failed: {message}") from None
            if cur.description is None:
                raise ToolError("refused: only a SELECT (or WITH ... SELECT) returns rows here")
            columns = [d[0] for d in cur.description]
            fetched = cur.fetchmany(row_limit + 1)
    finally:
        try:
            raw.driver_connection.rollback()
        finally:
            raw.close()
    truncated = len(fetched) > row_limit
    return columns, [[_cell(v) for v in row] for row in fetched[:row_limit]], truncated
