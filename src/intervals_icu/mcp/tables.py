"""The mirror's documented tables (docs/schema.md), declared here with only the columns the
MCP server reads, so the mirror's internals can move without touching the server."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

__all__ = ["activities", "athletes", "events", "gear", "intervals", "sport_settings",
           "streams", "sync_state", "wellness"]

_Json = sa.JSON().with_variant(JSONB(), "postgresql")
_Stamp = sa.DateTime(timezone=True)


def _table(name: str, *columns: sa.ColumnClause[object]) -> sa.TableClause:
    return sa.table(name, *columns, sa.column("record", _Json),
                    sa.column("deleted_at", _Stamp))


athletes = _table(
    "athletes",
    sa.column("athlete_id", sa.String), sa.column("name", sa.Text),
    sa.column("timezone", sa.Text), sa.column("sex", sa.Text), sa.column("weight", sa.Float),
    sa.column("icu_resting_hr", sa.Integer), sa.column("is_self", sa.Boolean),
    sa.column("permission", sa.Text),
)

activities = _table(
    "activities",
    sa.column("athlete_id", sa.String), sa.column("activity_id", sa.String),
    sa.column("start_date_local", sa.DateTime), sa.column("local_date", sa.Date),
    sa.column("type", sa.Text), sa.column("name", sa.Text), sa.column("source", sa.Text),
    sa.column("is_strava_stub", sa.Boolean), sa.column("distance", sa.Float),
    sa.column("moving_time", sa.Integer), sa.column("elapsed_time", sa.Integer),
    sa.column("total_elevation_gain", sa.Float), sa.column("icu_training_load", sa.Integer),
    sa.column("icu_intensity", sa.Float), sa.column("average_heartrate", sa.Integer),
    sa.column("max_heartrate", sa.Integer), sa.column("icu_average_watts", sa.Integer),
    sa.column("icu_weighted_avg_watts", sa.Integer), sa.column("average_speed", sa.Float),
    sa.column("calories", sa.Integer), sa.column("trainer", sa.Boolean),
    sa.column("commute", sa.Boolean), sa.column("race", sa.Boolean),
    sa.column("gear_id", sa.Text), sa.column("paired_event_id", sa.BigInteger),
)

intervals = _table(
    "intervals",
    sa.column("athlete_id", sa.String), sa.column("activity_id", sa.String),
    sa.column("kind", sa.Text), sa.column("interval_id", sa.Text), sa.column("type", sa.Text),
    sa.column("label", sa.Text), sa.column("group_id", sa.Text),
    sa.column("start_time", sa.Integer), sa.column("end_time", sa.Integer),
    sa.column("count", sa.Integer), sa.column("moving_time", sa.Integer),
    sa.column("elapsed_time", sa.Integer), sa.column("distance", sa.Float),
    sa.column("average_watts", sa.Integer), sa.column("weighted_average_watts", sa.Integer),
    sa.column("intensity", sa.Integer), sa.column("training_load", sa.Float),
    sa.column("average_heartrate", sa.Integer), sa.column("max_heartrate", sa.Integer),
    sa.column("average_cadence", sa.Float), sa.column("average_speed", sa.Float),
    sa.column("zone", sa.Integer),
)

streams = sa.table(
    "streams",
    sa.column("athlete_id", sa.String), sa.column("activity_id", sa.String),
    sa.column("stream_type", sa.Text), sa.column("length", sa.Integer),
    sa.column("data", sa.LargeBinary), sa.column("deleted_at", _Stamp),
)

wellness = _table(
    "wellness",
    sa.column("athlete_id", sa.String), sa.column("day", sa.Date),
    sa.column("weight", sa.Float), sa.column("resting_hr", sa.Integer),
    sa.column("hrv", sa.Float), sa.column("sleep_secs", sa.Integer),
    sa.column("sleep_score", sa.Float), sa.column("soreness", sa.Integer),
    sa.column("fatigue", sa.Integer), sa.column("stress", sa.Integer),
    sa.column("mood", sa.Integer), sa.column("motivation", sa.Integer),
    sa.column("readiness", sa.Float), sa.column("steps", sa.Integer),
    sa.column("ctl", sa.Float), sa.column("atl", sa.Float), sa.column("ramp_rate", sa.Float),
    sa.column("locked", sa.Boolean),
)

events = _table(
    "events",
    sa.column("athlete_id", sa.String), sa.column("event_id", sa.BigInteger),
    sa.column("category", sa.Text), sa.column("type", sa.Text), sa.column("name", sa.Text),
    sa.column("start_date_local", sa.DateTime), sa.column("local_date", sa.Date),
    sa.column("moving_time", sa.Integer), sa.column("distance", sa.Float),
    sa.column("icu_training_load", sa.Integer),
)

gear = _table(
    "gear",
    sa.column("athlete_id", sa.String), sa.column("gear_id", sa.Text),
    sa.column("type", sa.Text), sa.column("name", sa.Text), sa.column("distance", sa.Float),
    sa.column("time", sa.Float), sa.column("activities", sa.Integer),
    sa.column("retired", sa.Text),
)

sport_settings = _table(
    "sport_settings",
    sa.column("athlete_id", sa.String), sa.column("settings_id", sa.BigInteger),
    sa.column("types", _Json), sa.column("ftp", sa.Integer), sa.column("indoor_ftp", sa.Integer),
    sa.column("lthr", sa.Integer), sa.column("max_hr", sa.Integer),
    sa.column("threshold_pace", sa.Float),
)

sync_state = sa.table(
    "sync_state",
    sa.column("athlete_id", sa.String), sa.column("stream", sa.Text),
    sa.column("last_success_at", _Stamp), sa.column("last_error", sa.Text),
)
