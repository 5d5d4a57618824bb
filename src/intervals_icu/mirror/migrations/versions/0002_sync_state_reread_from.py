"""sync_state.reread_from: a found change that moved later numbers, until re-read

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    # ALTER names its table as a string, which schema_translate_map does not reach: give the
    # Store's schema (the one the version table lives in) explicitly.
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('sync_state', schema=_schema()) as batch_op:
        batch_op.add_column(sa.Column(
            'reread_from', sa.Date(), nullable=True,
            comment="A change found on this day moved later numbers (fitness): the next run "
                    "re-reads the stream in full from here (NULL once done)."))


def downgrade() -> None:
    with op.batch_alter_table('sync_state', schema=_schema()) as batch_op:
        batch_op.drop_column('reread_from')
