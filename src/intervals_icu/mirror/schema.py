"""The mirror's tables (SQLAlchemy Core): the same definitions serve SQLite and PostgreSQL.

Every data table keeps the full record as the API returned it (``record``, JSON) beside typed
columns for the fields people query, a ``fingerprint`` of the record (how changes are
detected), and ``deleted_at``: a sync never deletes a row, it marks it. docs/schema.md
documents every column. Changing a table means a new alembic revision in
``mirror/migrations/versions`` (the initial one creates exactly what is below).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB

__all__ = [
    "ALL_TABLES",
    "DATA_TABLES",
    "activities",
    "activity_curves",
    "activity_files",
    "athlete_access",
    "athletes",
    "changes",
    "events",
    "gear",
    "intervals",
    "metadata",
    "sport_settings",
    "streams",
    "sync_runs",
    "sync_state",
    "wellness",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

Json = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL (indexable, ``->>`` works on both)."""
Stamp = DateTime(timezone=True)
"""A UTC instant (server timestamps, the mirror's own bookkeeping)."""


def _bookkeeping() -> list[Column]:  # type: ignore[type-arg]
    """Columns every mirrored record has: the raw record, its fingerprint and the history."""
    return [
        Column("record", Json, nullable=False),
        Column("fingerprint", String(64), nullable=False),
        Column("first_seen_at", Stamp, nullable=False),
        Column("changed_at", Stamp, nullable=False),
        Column("checked_at", Stamp, nullable=False),
        Column("deleted_at", Stamp),
        Column("run_id", Integer),
    ]


athletes = Table(
    "athletes",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("name", Text),
    Column("email", Text),
    Column("timezone", String(64)),
    Column("sex", String(8)),
    Column("weight", Float),
    Column("icu_resting_hr", Integer),
    Column("is_self", Boolean, nullable=False, default=False),
    Column("permission", String(16)),
    Column("tags", Json),
    *_bookkeeping(),
)

activities = Table(
    "activities",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("start_date_local", DateTime),
    Column("local_date", Date, index=True),
    Column("start_date", Stamp),
    Column("type", String(64)),
    Column("name", Text),
    Column("source", String(32)),
    Column("is_strava_stub", Boolean, nullable=False, default=False),
    Column("external_id", Text),
    Column("distance", Float),
    Column("moving_time", Integer),
    Column("elapsed_time", Integer),
    Column("total_elevation_gain", Float),
    Column("icu_training_load", Integer),
    Column("icu_intensity", Float),
    Column("average_heartrate", Integer),
    Column("max_heartrate", Integer),
    Column("icu_average_watts", Integer),
    Column("icu_weighted_avg_watts", Integer),
    Column("average_speed", Float),
    Column("calories", Integer),
    Column("trainer", Boolean),
    Column("commute", Boolean),
    Column("race", Boolean),
    Column("gear_id", String(64)),
    Column("paired_event_id", BigInteger),
    Column("created", Stamp),
    Column("analyzed", Stamp),
    Column("icu_sync_date", Stamp),
    *_bookkeeping(),
    Column("detail_fingerprint", String(64), nullable=False),
    Column("intervals_fingerprint", String(64),
           comment="Detail fingerprint the stored intervals belong to (NULL: not fetched yet)."),
    Column("streams_fingerprint", String(64)),
    Column("files_fingerprint", String(64)),
)
Index("ix_activities_athlete_date", activities.c.athlete_id, activities.c.start_date_local)

intervals = Table(
    "intervals",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("kind", String(8), primary_key=True,
           comment="``interval`` or ``group`` (interval groups: repeated efforts summarised)."),
    Column("interval_id", String(32), primary_key=True),
    Column("type", String(16)),
    Column("label", Text),
    Column("group_id", String(32)),
    Column("start_index", Integer),
    Column("end_index", Integer),
    Column("start_time", Integer),
    Column("end_time", Integer),
    Column("count", Integer),
    Column("moving_time", Integer),
    Column("elapsed_time", Integer),
    Column("distance", Float),
    Column("average_watts", Integer),
    Column("weighted_average_watts", Integer),
    Column("intensity", Integer),
    Column("training_load", Float),
    Column("average_heartrate", Integer),
    Column("max_heartrate", Integer),
    Column("average_cadence", Float),
    Column("average_speed", Float),
    Column("zone", Integer),
    *_bookkeeping(),
)

streams = Table(
    "streams",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("stream_type", String(64), primary_key=True),
    Column("name", Text),
    Column("length", Integer, nullable=False),
    Column("encoding", String(16), nullable=False,
           comment="How data/data2 are packed: json+zlib (zlib-compressed JSON arrays)."),
    Column("data", LargeBinary, nullable=False),
    Column("data2", LargeBinary),
    Column("fingerprint", String(64), nullable=False),
    Column("meta", Json, nullable=False,
           comment="The stream's other keys (valueType, anomalies, custom, allNull...)."),
    Column("first_seen_at", Stamp, nullable=False),
    Column("changed_at", Stamp, nullable=False),
    Column("checked_at", Stamp, nullable=False),
    Column("deleted_at", Stamp),
    Column("run_id", Integer),
)

activity_curves = Table(
    "activity_curves",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("streams_key", String(64), nullable=False,
           comment="SHA-256 of the computation's version and the fingerprints of the streams "
                   "the curves come from (time, watts, heartrate, distance): valid while it "
                   "matches the live streams'."),
    Column("curves", Json, nullable=False,
           comment='Best efforts: {"power": {"60": W}, "hr": {"60": bpm}, "pace": '
                   '{"5000.0": seconds}} (keys: seconds, metres).'),
    Column("computed_at", Stamp, nullable=False),
    Column("run_id", Integer),
)

activity_files = Table(
    "activity_files",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("activity_id", String(32), primary_key=True),
    Column("kind", String(16), primary_key=True,
           comment="``original`` (the uploaded file) for now."),
    Column("path", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("first_seen_at", Stamp, nullable=False),
    Column("changed_at", Stamp, nullable=False),
    Column("checked_at", Stamp, nullable=False),
    Column("deleted_at", Stamp),
    Column("run_id", Integer),
)

wellness = Table(
    "wellness",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("weight", Float),
    Column("resting_hr", Integer),
    Column("hrv", Float),
    Column("hrv_sdnn", Float),
    Column("sleep_secs", Integer),
    Column("sleep_score", Float),
    Column("sleep_quality", Integer),
    Column("soreness", Integer),
    Column("fatigue", Integer),
    Column("stress", Integer),
    Column("mood", Integer),
    Column("motivation", Integer),
    Column("readiness", Float),
    Column("body_fat", Float),
    Column("vo2max", Float),
    Column("steps", Integer),
    Column("ctl", Float),
    Column("atl", Float),
    Column("ramp_rate", Float),
    Column("locked", Boolean),
    Column("updated", Stamp),
    *_bookkeeping(),
)

events = Table(
    "events",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("event_id", BigInteger, primary_key=True, autoincrement=False),
    Column("category", String(32)),
    Column("type", String(64)),
    Column("name", Text),
    Column("start_date_local", DateTime),
    Column("local_date", Date, index=True),
    Column("end_date_local", DateTime),
    Column("uid", Text),
    Column("external_id", Text),
    Column("moving_time", Integer),
    Column("distance", Float),
    Column("icu_training_load", Integer),
    Column("icu_intensity", Float),
    Column("updated", Stamp),
    *_bookkeeping(),
)

gear = Table(
    "gear",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("gear_id", String(64), primary_key=True),
    Column("type", String(32)),
    Column("name", Text),
    Column("distance", Float),
    Column("time", Float),
    Column("activities", Integer),
    Column("retired", String(32)),
    *_bookkeeping(),
)

sport_settings = Table(
    "sport_settings",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("settings_id", BigInteger, primary_key=True, autoincrement=False),
    Column("types", Json),
    Column("ftp", Integer),
    Column("indoor_ftp", Integer),
    Column("lthr", Integer),
    Column("max_hr", Integer),
    Column("threshold_pace", Float),
    Column("updated", Stamp),
    *_bookkeeping(),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True,
           comment="``activities``, ``wellness``, ``events``, ``gear``, ``sport_settings``."),
    Column("covered_from", Date,
           comment="Every day from here to covered_to was read completely (NULL: nothing yet)."),
    Column("covered_to", Date,
           comment="The athlete's 'today' when the newest range was last read completely."),
    Column("history_complete", Boolean, nullable=False, default=False,
           comment="True once the backfill reached the start of the athlete's history."),
    Column("deep_checked_at", Stamp),
    Column("last_success_at", Stamp),
    Column("last_error", Text),
    Column("reread_from", Date,
           comment="A change found on this day moved later numbers (fitness): the next run "
                   "re-reads the stream in full from here (NULL once done)."),
    Column("updated_at", Stamp, nullable=False),
    Column("run_id", Integer),
)

athlete_access = Table(
    "athlete_access",
    metadata,
    Column("athlete_id", String(32), primary_key=True),
    Column("lost_at", Stamp,
           comment="Since when the mirror's credentials cannot read this athlete (NULL: they "
                   "can). Their rows stay live; syncs only check whether access came back."),
    Column("reason", Text,
           comment="Why access was lost: the deauthorization, or the API's 401/403 answer."),
    Column("regained_at", Stamp,
           comment="When access last came back (a catch-up sync ran from there)."),
    Column("changed_at", Stamp, nullable=False),
)

changes = Table(
    "changes",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, index=True),
    Column("athlete_id", String(32), nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("change", String(16), nullable=False,
           comment="``created``, ``updated``, ``deleted`` or ``restored``."),
    Column("fields", Json,
           comment="Names of the top-level fields that changed (updates)."),
    Column("before", Json),
    Column("after", Json),
    Column("detected_at", Stamp, nullable=False, index=True),
)
Index("ix_changes_record", changes.c.table_name, changes.c.record_id)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", Stamp, nullable=False),
    Column("finished_at", Stamp),
    Column("status", String(16), nullable=False,
           comment="running, ok, partial (some athlete or stream failed) or failed."),
    Column("options", Json),
    Column("requests", Integer),
    Column("summary", Json),
)

DATA_TABLES = {
    "athletes": athletes,
    "activities": activities,
    "intervals": intervals,
    "streams": streams,
    "activity_files": activity_files,
    "wellness": wellness,
    "events": events,
    "gear": gear,
    "sport_settings": sport_settings,
}
ALL_TABLES = [*DATA_TABLES.values(), activity_curves, sync_state, athlete_access, changes,
              sync_runs]
