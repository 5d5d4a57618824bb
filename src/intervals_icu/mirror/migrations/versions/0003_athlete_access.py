"""athlete_access: an athlete the mirror can no longer read is marked, not deleted

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    op.create_table(
        'athlete_access',
        sa.Column('athlete_id', sa.String(length=32), nullable=False),
        sa.Column('lost_at', sa.DateTime(timezone=True), nullable=True,
                  comment="Since when the mirror's credentials cannot read this athlete (NULL: "
                          "they can). Their rows stay live; syncs only check whether access "
                          "came back."),
        sa.Column('reason', sa.Text(), nullable=True,
                  comment="Why access was lost: the deauthorization, or the API's 401/403 "
                          "answer."),
        sa.Column('regained_at', sa.DateTime(timezone=True), nullable=True,
                  comment="When access last came back (a catch-up sync ran from there)."),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('athlete_id', name=op.f('pk_athlete_access')),
        schema=_schema(),
    )


def downgrade() -> None:
    op.drop_table('athlete_access', schema=_schema())
