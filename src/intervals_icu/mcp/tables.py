"""The mirror's documented tables (docs/schema.md), declared here with only the columns the
MCP server reads, so the mirror's internals can move without touching the server."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["activities", "athletes", "events", "gear", "intervals", "sport_settings",
           "streams", "sync_state", "wellness"]

_Json = sa.JSON().with_variant(JSONB(), "postgresql")
_Stamp = sa.DateTime(timezone=True)


_metadata = sa.MetaData()
"""Tables (not bare table clauses) so a PostgreSQL store's schema_translate_map applies."""


def _table(name: str, *columns: sa.Column[object]) -> sa.Table:
    return sa.Table(name, _metadata, *columns, sa.Column("record", _Json),
                    sa.Column("deleted_at", _Stamp))


athletes = _table(
    "athletes",
    sa.Column("athlete_id", sa.String), sa.Column("name", sa.Text),
    sa.Column("timezone", sa.Text), sa.Column("sex", sa.Text), sa.Column("weight", sa.Float),
    sa.Column("icu_resting_hr", sa.Integer), sa.Column("is_self", sa.Boolean),
    sa.Column("permission", sa.Text),
)

activities = _table(
    "activities",
    sa.Column("athlete_id", sa.String), sa.Column("activity_id", sa.String),
    sa.Column("start_date_local", sa.DateTime), sa.Column("local_date", sa.Date),
    sa.Column("type", sa.Text), sa.Column("name", sa.Text), sa.Column("source", sa.Text),
    sa.Column("is_strava_stub", sa.Boolean), sa.Column("distance", sa.Float),
    sa.Column("moving_time", sa.Integer), sa.Column("elapsed_time", sa.Integer),
    sa.Column("total_elevation_gain", sa.Float), sa.Column("icu_training_load", sa.Integer),
    sa.Column("icu_intensity", sa.Float), sa.Column("average_heartrate", sa.Integer),
    sa.Column("max_heartrate", sa.Integer), sa.Column("icu_average_watts", sa.Integer),
    sa.Column("icu_weighted_avg_watts", sa.Integer), sa.Column("average_speed", sa.Float),
    sa.Column("calories", sa.Integer), sa.Column("trainer", sa.Boolean),
    sa.Column("commute", sa.Boolean), sa.Column("race", sa.Boolean),
    sa.Column("gear_id", sa.Text), sa.Column("paired_event_id", sa.BigInteger),
    sa.Column("fingerprint", sa.Text),
)

intervals = _table(
    "intervals",
    sa.Column("athlete_id", sa.String), sa.Column("activity_id", sa.String),
    sa.Column("kind", sa.Text), sa.Column("interval_id", sa.Text), sa.Column("type", sa.Text),
    sa.Column("label", sa.Text), sa.Column("group_id", sa.Text),
    sa.Column("start_time", sa.Integer), sa.Column("end_time", sa.Integer),
    sa.Column("count", sa.Integer), sa.Column("moving_time", sa.Integer),
    sa.Column("elapsed_time", sa.Integer), sa.Column("distance", sa.Float),
    sa.Column("average_watts", sa.Integer), sa.Column("weighted_average_watts", sa.Integer),
    sa.Column("intensity", sa.Integer), sa.Column("training_load", sa.Float),
    sa.Column("average_heartrate", sa.Integer), sa.Column("max_heartrate", sa.Integer),
    sa.Column("average_cadence", sa.Float), sa.Column("average_speed", sa.Float),
    sa.Column("zone", sa.Integer),
)

streams = sa.Table(
    "streams", _metadata,
    sa.Column("athlete_id", sa.String), sa.Column("activity_id", sa.String),
    sa.Column("stream_type", sa.Text), sa.Column("length", sa.Integer),
    sa.Column("data", sa.LargeBinary), sa.Column("deleted_at", _Stamp),
)

wellness = _table(
    "wellness",
    sa.Column("athlete_id", sa.String), sa.Column("day", sa.Date),
    sa.Column("weight", sa.Float), sa.Column("resting_hr", sa.Integer),
    sa.Column("hrv", sa.Float), sa.Column("sleep_secs", sa.Integer),
    sa.Column("sleep_score", sa.Float), sa.Column("soreness", sa.Integer),
    sa.Column("fatigue", sa.Integer), sa.Column("stress", sa.Integer),
    sa.Column("mood", sa.Integer), sa.Column("motivation", sa.Integer),
    sa.Column("readiness", sa.Float), sa.Column("steps", sa.Integer),
    sa.Column("ctl", sa.Float), sa.Column("atl", sa.Float), sa.Column("ramp_rate", sa.Float),
    sa.Column("locked", sa.Boolean),
)

events = _table(
    "events",
    sa.Column("athlete_id", sa.String), sa.Column("event_id", sa.BigInteger),
    sa.Column("category", sa.Text), sa.Column("type", sa.Text), sa.Column("name", sa.Text),
    sa.Column("start_date_local", sa.DateTime), sa.Column("local_date", sa.Date),
    sa.Column("moving_time", sa.Integer), sa.Column("distance", sa.Float),
    sa.Column("icu_training_load", sa.Integer),
)

gear = _table(
    "gear",
    sa.Column("athlete_id", sa.String), sa.Column("gear_id", sa.Text),
    sa.Column("type", sa.Text), sa.Column("name", sa.Text), sa.Column("distance", sa.Float),
    sa.Column("time", sa.Float), sa.Column("activities", sa.Integer),
    sa.Column("retired", sa.Text),
)

sport_settings = _table(
    "sport_settings",
    sa.Column("athlete_id", sa.String), sa.Column("settings_id", sa.BigInteger),
    sa.Column("types", _Json), sa.Column("ftp", sa.Integer), sa.Column("indoor_ftp", sa.Integer),
    sa.Column("lthr", sa.Integer), sa.Column("max_hr", sa.Integer),
    sa.Column("threshold_pace", sa.Float),
)

sync_state = sa.Table(
    "sync_state", _metadata,
    sa.Column("athlete_id", sa.String), sa.Column("kind", sa.Text),
    sa.Column("last_success_at", _Stamp), sa.Column("last_error", sa.Text),
)
