"""Fixtures: an inbox in SQLite and (when ICU_TEST_POSTGRES_URL is set) PostgreSQL, each
test with its own tables (a unique prefix) that are dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intervals_icu.webhooks import Inbox
from tests.cli.conftest import home, icu, live  # noqa: F401  (the CLI's fixtures)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'icu.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def table_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}_"


@pytest.fixture
def inbox(database_url: str, table_prefix: str) -> Iterator[Inbox]:
    box = Inbox(database_url, table_prefix=table_prefix)
    yield box
    box.drop_tables()
    box.close()
