"""Opening databases: one way for the mirror and the webhook inbox. Files hold health data
(created 0600, WAL and SHM too); a URL that cannot work is one clear ConfigurationError."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from intervals_icu.database import open_engine
from intervals_icu.errors import ConfigurationError
from intervals_icu.mirror import Store
from intervals_icu.webhooks import Inbox


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The common default: files readable by everyone unless the code says otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_the_mirror_and_the_inbox_create_their_files_0600(tmp_path: Path) -> None:
    path = tmp_path / "new" / "icu.db"
    store = Store(f"sqlite:///{path}")
    inbox = Inbox(f"sqlite:///{path}")
    try:
        inbox.store([{"athlete_id": "i1", "type": "WELLNESS_UPDATED",
                      "timestamp": "2026-12-04T10:00:00Z", "records": []}])
        files = sorted(p.name for p in path.parent.iterdir())
        assert files == ["icu.db", "icu.db-shm", "icu.db-wal"]
        assert {p.name: _mode(p) for p in path.parent.iterdir()} == {
            name: 0o600 for name in files}
    finally:
        inbox.close()
        store.close()


@pytest.mark.usefixtures("open_umask")
def test_an_existing_file_keeps_the_mode_its_owner_chose(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    engine = open_engine(f"sqlite:///{path}")
    engine.dispose()
    assert _mode(path) == 0o640


@pytest.mark.parametrize(("url", "says"), [
    ("not a url", "is not a database URL: use sqlite:///"),
    ("mysql://me@localhost/icu", "supports SQLite and PostgreSQL, not 'mysql'"),
    ("foo://me@localhost/icu", "unknown database scheme 'foo'"),
    ("sqlite://", "in-memory SQLite database is not durable"),
    ("postgresql+psycopg://me:hunter2@127.0.0.1:1/icu", "is the server running?"),
])
def test_a_url_that_cannot_work_says_what_to_fix(url: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        open_engine(url)
    message = str(raised.value)
    assert says in message
    assert "hunter2" not in message
    assert "\n" not in message


def test_an_unknown_role_or_database_on_a_real_server(postgres_url: str) -> None:
    url = sa.engine.make_url(postgres_url)
    with pytest.raises(ConfigurationError, match="check the user name and password"):
        open_engine(url.set(username="nobody_here", password="hunter2").render_as_string(
            hide_password=False))
    with pytest.raises(ConfigurationError, match="createdb"):
        open_engine(url.set(database="no_such_db_here").render_as_string(hide_password=False))


def test_durability_and_transactions_as_asked(tmp_path: Path) -> None:
    full = open_engine(f"sqlite:///{tmp_path / 'a.db'}", durability="full", immediate=True)
    normal = open_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        with full.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with normal.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        full.dispose()
        normal.dispose()
    with pytest.raises(ConfigurationError, match="durability"):
        open_engine(f"sqlite:///{tmp_path / 'c.db'}", durability="fast")  # type: ignore[arg-type]
