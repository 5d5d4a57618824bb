"""`icu sync` and `icu export` at the shell: --since bounds every dated kind in a new
database; a --db URL that cannot work is one line saying what to fix, exit code 2 (the
configuration code), never a traceback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from intervals_icu.mirror import Store
from intervals_icu.sandbox import Sandbox
from tests.cli.conftest import Icu

BAD_URLS = [
    pytest.param("foo://me@localhost/icu", "unknown database scheme 'foo'", id="bad-scheme"),
    pytest.param("postgresql+psycopg://me:hunter2@127.0.0.1:1/icu", "is the server running?",
                 id="no-server"),
]


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert "hunter2" not in stderr
    return " ".join(lines[0].split())


@pytest.mark.parametrize(("url", "says"), BAD_URLS)
@pytest.mark.parametrize("command", [["sync"], ["export", "activities"],
                                     ["webhooks", "inspect"], ["webhooks", "replay", "1"]])
def test_a_bad_db_url_is_one_line_and_exit_2(icu: Icu, live: Sandbox, command: list[str],
                                             url: str, says: str) -> None:
    run = icu(*command, "--db", url)
    assert run.exit_code == 2, run.stderr
    assert says in _one_line(run.stderr)


def test_an_unknown_role_is_one_line_and_exit_2(icu: Icu, live: Sandbox,
                                                postgres_url: str) -> None:
    url = sa.engine.make_url(postgres_url).set(username="nobody_here", password="hunter2")
    for command in (["sync"], ["export", "wellness"], ["webhooks", "inspect"]):
        run = icu(*command, "--db", url.render_as_string(hide_password=False))
        assert run.exit_code == 2, run.stderr
        line = _one_line(run.stderr)
        assert "nobody_here" in line
        assert "check the user name and password" in line


def test_the_database_url_is_checked_before_credentials(icu: Icu, home: Path) -> None:
    """No API key in the environment: the URL is what the user must fix first."""
    run = icu("sync", "--db", "foo://x")
    assert run.exit_code == 2
    assert "unknown database scheme" in _one_line(run.stderr)


def test_sync_since_into_a_new_database_bounds_every_dated_kind(
    icu: Icu, live: Sandbox, tmp_path: Path
) -> None:
    with live.client() as client:
        since = client.today() - timedelta(days=15)
    db = f"sqlite:///{tmp_path / 'new.db'}"
    run = icu("sync", "--db", db, "--since", since.isoformat(), "--json")
    assert run.exit_code == 0, run.stderr
    store = Store(db)
    try:
        for table, column in (("activities", "local_date"), ("wellness", "day"),
                              ("events", "local_date")):
            days = [r[column] for r in store.rows(table) if r[column] is not None]
            assert days, table
            assert min(days) >= since, f"{table}: {min(days)} is before --since {since}"
    finally:
        store.close()
