"""sync_state.stream is now sync_state.kind ("stream" is the 1 Hz data, not a sync unit)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    with op.batch_alter_table('sync_state', schema=_schema()) as batch_op:
        batch_op.alter_column('stream', new_column_name='kind')


def downgrade() -> None:
    with op.batch_alter_table('sync_state', schema=_schema()) as batch_op:
        batch_op.alter_column('kind', new_column_name='stream')
