"""Fixtures for the mirror: a database on SQLite (a temporary file) or on PostgreSQL (a schema
of its own per test, dropped afterwards, so parallel runs never collide)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intervals_icu.mirror import Store
from tests.cli.conftest import home, icu, live  # noqa: F401  (the CLI's fixtures)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'mirror.db'}"


def _pg_schema() -> str:
    return f"icu_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    store = Store(postgres_url, schema=_pg_schema())
    try:
        yield store
    finally:
        store.drop_schema()
        store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same test on both databases."""
    if request.param == "sqlite":
        created = Store(f"sqlite:///{tmp_path / 'mirror.db'}")
        yield created
        created.close()
    else:
        yield request.getfixturevalue("pg_store")
