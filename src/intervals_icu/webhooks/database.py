"""The inbox's database: :func:`intervals_icu.database.open_engine` with what a durable
queue needs (kept here for code that imported it from this module).

SQLite: ``synchronous=FULL`` by default (an acknowledged delivery survives a power cut; the
receiver commits in groups so the fsync is shared), and ``BEGIN IMMEDIATE`` for every
transaction so two writers queue on the lock instead of failing with "database is locked".
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy import Engine

from intervals_icu.database import is_sqlite
from intervals_icu.database import open_engine as _open
from intervals_icu.errors import ConfigurationError

__all__ = ["SQLiteSynchronous", "is_sqlite", "open_engine"]

SQLiteSynchronous = Literal["FULL", "NORMAL"]


def open_engine(url: str, *, sqlite_synchronous: SQLiteSynchronous = "FULL",
                pool_size: int = 5) -> Engine:
    """An engine for the inbox at ``url`` (``sqlite:///path.db`` or
    ``postgresql+psycopg://...``)."""
    if sqlite_synchronous not in ("FULL", "NORMAL"):
        raise ConfigurationError("sqlite_synchronous must be 'FULL' or 'NORMAL'")
    return _open(url, durability="full" if sqlite_synchronous == "FULL" else "normal",
                 immediate=True, pool_size=pool_size)
