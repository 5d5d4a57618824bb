"""Alembic environment for the mirror's schema.

The mirror runs migrations itself (``Store`` upgrades to ``head`` when it opens a database),
passing its connection in ``config.attributes["connection"]``; the ``alembic`` command line
works too with ``-x url=...`` (see docs/mirror.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from intervals_icu.database import open_engine
from intervals_icu.mirror.schema import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    schema = config.attributes.get("schema")
    if connection is not None:
        _run(connection, schema)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///icu.db upgrade head")
    engine = open_engine(url)  # the alembic command line: opened like the mirror opens it
    with engine.begin() as conn:
        _run(conn, schema)
    engine.dispose()


def _run(connection: Connection, schema: str | None) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table="mirror_alembic_version",
        version_table_schema=schema,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the mirror's migrations run online only (they need a connection)")
run_migrations()
