"""initial mirror schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 14:09:31.591034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activities',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('activity_id', sa.String(length=32), nullable=False),
    sa.Column('start_date_local', sa.DateTime(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('start_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('type', sa.String(length=64), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=True),
    sa.Column('is_strava_stub', sa.Boolean(), nullable=False),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('moving_time', sa.Integer(), nullable=True),
    sa.Column('elapsed_time', sa.Integer(), nullable=True),
    sa.Column('total_elevation_gain', sa.Float(), nullable=True),
    sa.Column('icu_training_load', sa.Integer(), nullable=True),
    sa.Column('icu_intensity', sa.Float(), nullable=True),
    sa.Column('average_heartrate', sa.Integer(), nullable=True),
    sa.Column('max_heartrate', sa.Integer(), nullable=True),
    sa.Column('icu_average_watts', sa.Integer(), nullable=True),
    sa.Column('icu_weighted_avg_watts', sa.Integer(), nullable=True),
    sa.Column('average_speed', sa.Float(), nullable=True),
    sa.Column('calories', sa.Integer(), nullable=True),
    sa.Column('trainer', sa.Boolean(), nullable=True),
    sa.Column('commute', sa.Boolean(), nullable=True),
    sa.Column('race', sa.Boolean(), nullable=True),
    sa.Column('gear_id', sa.String(length=64), nullable=True),
    sa.Column('paired_event_id', sa.BigInteger(), nullable=True),
    sa.Column('created', sa.DateTime(timezone=True), nullable=True),
    sa.Column('analyzed', sa.DateTime(timezone=True), nullable=True),
    sa.Column('icu_sync_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('detail_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('intervals_fingerprint', sa.String(length=64), nullable=True, comment='The detail fingerprint the stored intervals belong to (NULL: not fetched yet).'),
    sa.Column('streams_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('files_fingerprint', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'activity_id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index('ix_activities_athlete_date', ['athlete_id', 'start_date_local'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_local_date'), ['local_date'], unique=False)

    op.create_table('activity_files',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('activity_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False, comment='``original`` (the uploaded file) for now.'),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'activity_id', 'kind', name=op.f('pk_activity_files'))
    )
    op.create_table('athletes',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('sex', sa.String(length=8), nullable=True),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('icu_resting_hr', sa.Integer(), nullable=True),
    sa.Column('is_self', sa.Boolean(), nullable=False),
    sa.Column('permission', sa.String(length=16), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', name=op.f('pk_athletes'))
    )
    op.create_table('changes',
    sa.Column('change_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('table_name', sa.String(length=32), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False, comment='``created``, ``updated``, ``deleted`` or ``restored``.'),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True, comment='Names of the top-level fields that changed (updates).'),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('after', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_changes'))
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_detected_at'), ['detected_at'], unique=False)
        batch_op.create_index('ix_changes_record', ['table_name', 'record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_changes_run_id'), ['run_id'], unique=False)

    op.create_table('events',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('type', sa.String(length=64), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('start_date_local', sa.DateTime(), nullable=True),
    sa.Column('local_date', sa.Date(), nullable=True),
    sa.Column('end_date_local', sa.DateTime(), nullable=True),
    sa.Column('uid', sa.Text(), nullable=True),
    sa.Column('external_id', sa.Text(), nullable=True),
    sa.Column('moving_time', sa.Integer(), nullable=True),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('icu_training_load', sa.Integer(), nullable=True),
    sa.Column('icu_intensity', sa.Float(), nullable=True),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'event_id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_local_date'), ['local_date'], unique=False)

    op.create_table('gear',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('gear_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=True),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('time', sa.Float(), nullable=True),
    sa.Column('activities', sa.Integer(), nullable=True),
    sa.Column('retired', sa.String(length=32), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'gear_id', name=op.f('pk_gear'))
    )
    op.create_table('intervals',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('activity_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False, comment='``interval`` or ``group`` (interval groups: repeated efforts summarised).'),
    sa.Column('interval_id', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=True),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('group_id', sa.String(length=32), nullable=True),
    sa.Column('start_index', sa.Integer(), nullable=True),
    sa.Column('end_index', sa.Integer(), nullable=True),
    sa.Column('start_time', sa.Integer(), nullable=True),
    sa.Column('end_time', sa.Integer(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('moving_time', sa.Integer(), nullable=True),
    sa.Column('elapsed_time', sa.Integer(), nullable=True),
    sa.Column('distance', sa.Float(), nullable=True),
    sa.Column('average_watts', sa.Integer(), nullable=True),
    sa.Column('weighted_average_watts', sa.Integer(), nullable=True),
    sa.Column('intensity', sa.Integer(), nullable=True),
    sa.Column('training_load', sa.Float(), nullable=True),
    sa.Column('average_heartrate', sa.Integer(), nullable=True),
    sa.Column('max_heartrate', sa.Integer(), nullable=True),
    sa.Column('average_cadence', sa.Float(), nullable=True),
    sa.Column('average_speed', sa.Float(), nullable=True),
    sa.Column('zone', sa.Integer(), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'activity_id', 'kind', 'interval_id', name=op.f('pk_intervals'))
    )
    op.create_table('sport_settings',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('settings_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('types', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('ftp', sa.Integer(), nullable=True),
    sa.Column('indoor_ftp', sa.Integer(), nullable=True),
    sa.Column('lthr', sa.Integer(), nullable=True),
    sa.Column('max_hr', sa.Integer(), nullable=True),
    sa.Column('threshold_pace', sa.Float(), nullable=True),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'settings_id', name=op.f('pk_sport_settings'))
    )
    op.create_table('streams',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('activity_id', sa.String(length=32), nullable=False),
    sa.Column('stream_type', sa.String(length=64), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False, comment='How ``data``/``data2`` are packed: ``json+zlib`` (zlib-compressed JSON arrays).'),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('data2', sa.LargeBinary(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False, comment="The stream's other keys (valueType, anomalies, custom, allNull...)."),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'activity_id', 'stream_type', name=op.f('pk_streams'))
    )
    op.create_table('sync_runs',
    sa.Column('run_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False, comment='``running``, ``ok``, ``partial`` (some athlete or stream failed) or ``failed``.'),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('requests', sa.Integer(), nullable=True),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_sync_runs'))
    )
    op.create_table('sync_state',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('stream', sa.String(length=32), nullable=False, comment='``activities``, ``wellness``, ``events``, ``gear``, ``sport_settings``.'),
    sa.Column('covered_from', sa.Date(), nullable=True, comment='Every day from here to ``covered_to`` was read completely (NULL: nothing yet).'),
    sa.Column('covered_to', sa.Date(), nullable=True, comment="The athlete's 'today' when the newest range was last read completely."),
    sa.Column('history_complete', sa.Boolean(), nullable=False, comment="True once the backfill reached the start of the athlete's history."),
    sa.Column('deep_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'stream', name=op.f('pk_sync_state'))
    )
    op.create_table('wellness',
    sa.Column('athlete_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=True),
    sa.Column('resting_hr', sa.Integer(), nullable=True),
    sa.Column('hrv', sa.Float(), nullable=True),
    sa.Column('hrv_sdnn', sa.Float(), nullable=True),
    sa.Column('sleep_secs', sa.Integer(), nullable=True),
    sa.Column('sleep_score', sa.Float(), nullable=True),
    sa.Column('sleep_quality', sa.Integer(), nullable=True),
    sa.Column('soreness', sa.Integer(), nullable=True),
    sa.Column('fatigue', sa.Integer(), nullable=True),
    sa.Column('stress', sa.Integer(), nullable=True),
    sa.Column('mood', sa.Integer(), nullable=True),
    sa.Column('motivation', sa.Integer(), nullable=True),
    sa.Column('readiness', sa.Float(), nullable=True),
    sa.Column('body_fat', sa.Float(), nullable=True),
    sa.Column('vo2max', sa.Float(), nullable=True),
    sa.Column('steps', sa.Integer(), nullable=True),
    sa.Column('ctl', sa.Float(), nullable=True),
    sa.Column('atl', sa.Float(), nullable=True),
    sa.Column('ramp_rate', sa.Float(), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=True),
    sa.Column('updated', sa.DateTime(timezone=True), nullable=True),
    sa.Column('record', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('athlete_id', 'day', name=op.f('pk_wellness'))
    )


def downgrade() -> None:
    op.drop_table('wellness')
    op.drop_table('sync_state')
    op.drop_table('sync_runs')
    op.drop_table('streams')
    op.drop_table('sport_settings')
    op.drop_table('intervals')
    op.drop_table('gear')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_local_date'))

    op.drop_table('events')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_run_id'))
        batch_op.drop_index('ix_changes_record')
        batch_op.drop_index(batch_op.f('ix_changes_detected_at'))

    op.drop_table('changes')
    op.drop_table('athletes')
    op.drop_table('activity_files')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activities_local_date'))
        batch_op.drop_index('ix_activities_athlete_date')

    op.drop_table('activities')
