"""Opening a SQLite or PostgreSQL database, one way for every part that keeps data (the
mirror's store, the webhook inbox).

    engine = open_engine("sqlite:///icu.db", durability="normal")

* A bad URL, a missing driver, a server that is not there or refuses the user: one
  :class:`~intervals_icu.errors.ConfigurationError` that says what to fix (the URL is checked
  by connecting once), never a driver traceback.
* SQLite: the file (and its ``-wal``/``-shm`` companions, which SQLite creates with the main
  file's mode) is created 0600, since it holds health data; WAL, so readers never block the
  writer; a 30 s busy timeout. ``durability="full"`` fsyncs every commit (an acknowledged
  webhook survives a power cut); ``"normal"`` survives a killed process, not an OS crash, and
  is faster. ``immediate=True`` starts every transaction with ``BEGIN IMMEDIATE``, so two
  writers queue on the lock instead of failing when a read turns into a write (a queue).
* PostgreSQL: a pool with pre-ping; ``schema`` maps every unqualified table into that schema.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from intervals_icu.errors import ConfigurationError

__all__ = ["Durability", "is_sqlite", "open_engine", "redacted_url"]

Durability = Literal["full", "normal"]

_EXAMPLES = "sqlite:///path/to/icu.db or postgresql+psycopg://user@host/dbname"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def redacted_url(url: str | URL) -> str:
    """A database URL safe to print (no password)."""
    try:
        parsed = url if isinstance(url, URL) else make_url(url)
    except exc.ArgumentError:
        return "<not a database URL>"
    return parsed.render_as_string(hide_password=True)


def open_engine(
    url: str,
    *,
    durability: Durability = "normal",
    immediate: bool = False,
    schema: str | None = None,
    pool_size: int = 5,
    check: bool = True,
) -> Engine:
    """An engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://...``), with
    the settings above. ``check`` connects once, so a URL that cannot work fails here with a
    message saying what to fix."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if durability not in ("full", "normal"):
        raise ConfigurationError("durability must be 'full' or 'normal'")
    if backend == "sqlite":
        engine = _sqlite_engine(parsed, durability, immediate)
    elif backend == "postgresql":
        try:
            engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size,
                                   pool_pre_ping=True)
        except ModuleNotFoundError as missing:
            raise ConfigurationError(
                f"the PostgreSQL driver is not installed ({missing.name}): "
                "pip install 'intervals-icu[postgres]'"
            ) from None
        if schema is not None:
            engine = engine.execution_options(schema_translate_map={None: schema})
    else:
        raise ConfigurationError(
            f"{redacted_url(parsed)}: this package supports SQLite and PostgreSQL, not "
            f"{backend!r}; use {_EXAMPLES}"
        )
    if check:
        try:
            with engine.connect():
                pass
        except exc.DBAPIError as failure:
            engine.dispose()
            raise ConfigurationError(_connect_failure(parsed, failure)) from None
    return engine


def _parse(url: str) -> URL:
    if not isinstance(url, str) or not url.strip():
        raise ConfigurationError(f"no database URL given: use {_EXAMPLES}")
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise ConfigurationError(
            f"{url.split('@')[-1]!r} is not a database URL: use {_EXAMPLES}"
        ) from None
    try:
        parsed.get_dialect()
    except exc.NoSuchModuleError:
        raise ConfigurationError(
            f"{redacted_url(parsed)}: unknown database scheme {parsed.drivername!r}; use "
            f"{_EXAMPLES}"
        ) from None
    except ModuleNotFoundError as missing:
        raise ConfigurationError(
            f"{redacted_url(parsed)}: the driver is not installed ({missing.name}); for "
            "PostgreSQL: pip install 'intervals-icu[postgres]'"
        ) from None
    return parsed


def _sqlite_engine(parsed: URL, durability: Durability, immediate: bool) -> Engine:
    database = parsed.database
    if database in (None, "", ":memory:") or "mode=memory" in str(parsed):
        raise ConfigurationError(
            "an in-memory SQLite database is not durable: give a file, e.g. sqlite:///icu.db"
        )
    assert database is not None
    if not database.startswith("file:"):
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _create_private(path)
        except OSError as problem:
            raise ConfigurationError(
                f"cannot create the database file {path}: {problem.strerror}; choose a "
                "directory you can write to"
            ) from None
    engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
    synchronous = "FULL" if durability == "full" else "NORMAL"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if immediate:
            # Take transaction control from the driver so BEGIN IMMEDIATE can be issued.
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    if immediate:
        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_private(path: Path) -> None:
    """Create the file 0600 if it does not exist yet (an existing file keeps its mode: the
    owner may have chosen it). SQLite gives ``-wal`` and ``-shm`` the main file's mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def _connect_failure(parsed: URL, failure: exc.DBAPIError) -> str:
    where = redacted_url(parsed)
    text = str(failure.orig) if failure.orig is not None else str(failure)
    # The driver's first line, without what the URL already says (host and port).
    reason = next((line.strip() for line in text.splitlines() if line.strip()), text)
    reason = re.sub(r'^(connection failed:\s*)?(connection to server at "[^"]*"'
                    r'(, port \d+)? failed:\s*)?(FATAL:\s*)?', "", reason)
    lowered = text.lower()
    if "password authentication failed" in lowered or (
            "role" in lowered and "does not exist" in lowered):
        hint = "check the user name and password in the URL"
    elif "database" in lowered and "does not exist" in lowered:
        hint = "create the database (createdb) or name an existing one in the URL"
    elif "connection refused" in lowered or "could not connect" in lowered or \
            "timeout" in lowered or "name or service not known" in lowered or \
            "could not translate host name" in lowered:
        hint = "is the server running? check the host and port in the URL"
    elif "unable to open database file" in lowered:
        hint = "check that the file's directory exists and that you can write to it"
    else:
        hint = "check the URL"
    if len(reason) > 200:
        reason = reason[:200] + "..."
    return f"cannot open the database {where}: {reason} ({hint})"


def stored_time(value: datetime) -> datetime:
    """A time as our tables keep it: naive UTC (SQLite keeps no offset; one convention
    serves both databases)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def aware_time(value: datetime | None) -> datetime | None:
    """A stored time read back, in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
