"""The fleet's tables, next to the mirror's and the webhook inbox's in one database.

``<prefix>athletes``
    one row per athlete of the OAuth app: the token (the table the OAuth callback fills;
    NULL when the app's own lookup gives the credentials), the grant (``status``: active,
    revoked, lost), where their sync stands (``history_done``, ``catch_up``,
    ``last_synced_at``, ``next_check_at``, ``budget_until``, ``activity``) and the lease of
    the worker holding them (``lease_holder``, ``lease_until``).
``<prefix>budget``
    request counters: one row per (``scope``, ``key``, ``period_start``), e.g. the app's day,
    the app's 15-minute window, one athlete's day. ``used`` counts requests reserved before
    they are sent; ``held``, those of them that units of work still running hold (given
    back or spent when they end); ``refused`` counts reservations turned down; ``closed``:
    the platform said this budget is spent (a budget 429), whatever the count says.
``<prefix>jobs``
    what each worker did for each athlete, when, with how many requests (the figures of
    ``icu fleet status`` and of ``benchmarks/fleet.py``).
``<prefix>workers``
    the workers that ran: host, pid, last heartbeat, CPU seconds, jobs and requests.
``<prefix>schema``
    the layout's version.

Times: ``*_at`` columns of scheduling and budgets are on the platform's clock (the fleet's
``clock``, injectable so a test can follow the sandbox's); leases, heartbeats and the job log
are on this machine's clock. Stored naive in UTC, as the inbox does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from intervals_icu.database import aware_time, stored_time

__all__ = ["SCHEMA_VERSION", "FleetTables", "aware", "stored"]

SCHEMA_VERSION = 1


stored = stored_time
aware = aware_time


@dataclass(frozen=True)
class FleetTables:
    metadata: MetaData
    athletes: Table
    budget: Table
    jobs: Table
    workers: Table
    schema_version: Table

    @classmethod
    def build(cls, prefix: str) -> FleetTables:
        metadata = MetaData()
        big_id = BigInteger().with_variant(Integer(), "sqlite")
        athletes = Table(
            f"{prefix}athletes", metadata,
            Column("athlete_id", String(64), primary_key=True),
            Column("token", Text(), nullable=True),
            Column("scope", Text(), nullable=False, default=""),
            Column("status", String(16), nullable=False, default="active"),
            Column("status_reason", Text(), nullable=True),
            Column("added_at", DateTime(), nullable=False),
            Column("authorized_at", DateTime(), nullable=True),
            Column("revoked_at", DateTime(), nullable=True),
            Column("history_done", Boolean(), nullable=False, default=False),
            Column("catch_up", Boolean(), nullable=False, default=False),
            Column("last_synced_at", DateTime(), nullable=True),
            Column("next_check_at", DateTime(), nullable=False),
            Column("budget_until", DateTime(), nullable=True),
            Column("activity", Float(), nullable=False, default=0.0),
            Column("activity_at", DateTime(), nullable=True),
            Column("last_error", Text(), nullable=True),
            Column("requests", BigInteger(), nullable=False, default=0),
            Column("lease_holder", String(128), nullable=True),
            Column("lease_until", DateTime(), nullable=True),
        )
        # What a claim walks: active athletes, catch-ups first, then by next check.
        Index(f"{prefix}athletes_due", athletes.c.status, athletes.c.catch_up.desc(),
              athletes.c.next_check_at)
        budget = Table(
            f"{prefix}budget", metadata,
            Column("scope", String(16), primary_key=True),
            Column("key", String(64), primary_key=True),
            Column("period_start", DateTime(), primary_key=True),
            Column("used", Integer(), nullable=False, default=0),
            Column("held", Integer(), nullable=False, default=0),
            Column("limit", Integer(), nullable=False),
            Column("refused", Integer(), nullable=False, default=0),
            Column("closed", Boolean(), nullable=False, default=False),
        )
        jobs = Table(
            f"{prefix}jobs", metadata,
            Column("id", big_id, primary_key=True, autoincrement=True),
            Column("athlete_id", String(64), nullable=False),
            Column("worker_id", String(128), nullable=False),
            Column("kind", String(16), nullable=False),
            Column("started_at", DateTime(), nullable=False),
            Column("finished_at", DateTime(), nullable=True),
            Column("requests", Integer(), nullable=False, default=0),
            Column("changes", Integer(), nullable=False, default=0),
            Column("outcome", String(16), nullable=True),
            Column("error", Text(), nullable=True),
            Index(f"{prefix}jobs_athlete", "athlete_id", "started_at"),
            Index(f"{prefix}jobs_started", "started_at"),
        )
        workers = Table(
            f"{prefix}workers", metadata,
            Column("worker_id", String(128), primary_key=True),
            Column("host", String(255), nullable=False),
            Column("pid", Integer(), nullable=False),
            Column("started_at", DateTime(), nullable=False),
            Column("seen_at", DateTime(), nullable=False),
            Column("stopped_at", DateTime(), nullable=True),
            Column("cpu_seconds", Float(), nullable=False, default=0.0),
            Column("jobs", Integer(), nullable=False, default=0),
            Column("requests", BigInteger(), nullable=False, default=0),
        )
        schema_version = Table(
            f"{prefix}schema", metadata,
            Column("name", String(32), primary_key=True),
            Column("version", Integer(), nullable=False),
            Column("upgraded_at", DateTime(), nullable=False),
        )
        return cls(metadata, athletes, budget, jobs, workers, schema_version)
