"""The report reads the mirror through its documented columns, read-only, on SQLite and
PostgreSQL, and says what to sync when something is missing."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from intervals_icu.mirror import Store
from intervals_icu.report import MirrorUnavailable, NotMirrored, build_report
from intervals_icu.report.source import TABLES, MirrorSource
from tests.report.conftest import Mirrored


def _check_columns(store: Store) -> None:
    with store.engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table in TABLES:
            present = {c["name"] for c in inspector.get_columns(table.name,
                                                                schema=store.schema)}
            assert {c.name for c in table.columns} <= present, table.name


def test_every_column_read_exists_in_a_new_mirror(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    _check_columns(store)
    store.close()


@pytest.mark.postgres
def test_reads_a_postgresql_mirror(postgres_url: str, mirrored: Mirrored) -> None:
    schema = f"icu_report_{uuid.uuid4().hex[:8]}"
    store = Store(postgres_url, schema=schema)
    try:
        _check_columns(store)
        # copy the SQLite mirror's rows the report reads into PostgreSQL
        source = sa.create_engine(mirrored.url)
        names = [t.name for t in TABLES]
        from intervals_icu.mirror import schema as mirror_schema

        with source.connect() as read, store.engine.begin() as write:
            for name in names:
                table = mirror_schema.metadata.tables[name]
                rows = [dict(r._mapping) for r in read.execute(sa.select(table))]
                if rows:
                    write.execute(table.insert(), rows)
        on_sqlite = build_report(mirrored.url, roster=True, curve_cache=False)
        on_postgres = build_report(postgres_url, roster=True, schema=schema,
                                   curve_cache=False)
        assert [s.roster for s in on_postgres.sections] == \
            [s.roster for s in on_sqlite.sections]
        assert [[c.spec for c in s.charts] for s in on_postgres.sections] == \
            [[c.spec for c in s.charts] for s in on_sqlite.sections]
        with pytest.raises(sa.exc.DBAPIError, match="read-only"), \
                MirrorSource(postgres_url, schema=schema).engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM wellness"))
    finally:
        store.drop_schema()
        store.close()


def test_never_writes_to_a_sqlite_mirror(mirrored: Mirrored) -> None:
    before = mirrored.path.read_bytes()
    with MirrorSource(mirrored.url) as source:
        with pytest.raises(sa.exc.OperationalError, match="readonly"), \
                source.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM wellness"))
        assert source.wellness(mirrored.athletes[0])
    assert mirrored.path.read_bytes() == before


def test_missing_mirror_and_unknown_athlete_say_what_to_sync(tmp_path: Path,
                                                            mirrored: Mirrored) -> None:
    with pytest.raises(MirrorUnavailable, match="icu sync"):
        build_report(f"sqlite:///{tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)")
    with pytest.raises(MirrorUnavailable, match="not a mirror"):
        build_report(f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(NotMirrored, match="icu sync --athlete i999"):
        build_report(mirrored.url, athletes=["i999"])
    # neither athletes nor roster: the credentials' own athlete
    (own,) = build_report(mirrored.url, curve_cache=False).sections
    assert own.athlete.is_self
