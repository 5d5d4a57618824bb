"""activity_curves: each activity's best efforts, stored with its streams

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _schema() -> str | None:
    return op.get_context().version_table_schema


def upgrade() -> None:
    # Rows are filled by the next sync with streams (from the streams already stored).
    op.create_table(
        'activity_curves',
        sa.Column('athlete_id', sa.String(length=32), nullable=False),
        sa.Column('activity_id', sa.String(length=32), nullable=False),
        sa.Column('streams_key', sa.String(length=64), nullable=False,
                  comment="SHA-256 of the computation's version and the fingerprints of the "
                          "streams the curves come from (time, watts, heartrate, distance): "
                          "valid while it matches the live streams'."),
        sa.Column('curves', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                  nullable=False,
                  comment='Best efforts: {"power": {"60": W}, "hr": {"60": bpm}, "pace": '
                          '{"5000.0": seconds}} (keys: seconds, metres).'),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('run_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('athlete_id', 'activity_id', name=op.f('pk_activity_curves')),
        schema=_schema(),
    )


def downgrade() -> None:
    op.drop_table('activity_curves', schema=_schema())
