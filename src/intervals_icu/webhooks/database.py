"""Open the inbox's database the way a durable queue needs it.

SQLite: WAL (readers never block the writer), a 30 s busy timeout, ``synchronous=FULL`` by
default (an acknowledged delivery survives a power cut; the receiver commits in groups so
the fsync is shared), and ``BEGIN IMMEDIATE`` for every transaction so two writers queue on
the lock instead of failing with "database is locked" when a read turns into a write.
PostgreSQL: a connection pool with pre-ping.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from intervals_icu.errors import ConfigurationError

__all__ = ["SQLiteSynchronous", "is_sqlite", "open_engine"]

SQLiteSynchronous = Literal["FULL", "NORMAL"]


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def open_engine(url: str, *, sqlite_synchronous: SQLiteSynchronous = "FULL",
                pool_size: int = 5) -> Engine:
    """An engine for ``url`` (``sqlite:///path.db`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigurationError(
            "the inbox URL is not a database URL: use sqlite:///path/to/icu.db or "
            "postgresql+psycopg://user@host/dbname"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or "mode=memory" in str(parsed):
            raise ConfigurationError(
                "an in-memory SQLite database is not durable: give the inbox a file, "
                "e.g. sqlite:///icu.db"
            )
        if sqlite_synchronous not in ("FULL", "NORMAL"):
            raise ConfigurationError("sqlite_synchronous must be 'FULL' or 'NORMAL'")
        engine = create_engine(parsed, connect_args={"check_same_thread": False,
                                                     "timeout": 30})
        _configure_sqlite(engine, sqlite_synchronous)
        return engine
    if backend == "postgresql":
        return create_engine(parsed, pool_size=pool_size, max_overflow=pool_size,
                             pool_pre_ping=True)
    raise ConfigurationError(
        f"the inbox supports SQLite and PostgreSQL, not {backend!r}"
    )


def _configure_sqlite(engine: Engine, synchronous: SQLiteSynchronous) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE can be issued below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
