"""The fleet's athletes in the database: their tokens and grants, where each one's sync
stands, and which worker holds them (a lease).

Workers share athletes with PostgreSQL's row locks: :meth:`FleetStore.claim` selects due
athletes ``FOR UPDATE SKIP LOCKED`` and sets a lease (``lease_until``) in the same
transaction; the holder renews it (a heartbeat) while it works, and every write of the
outcome is conditional on still holding it. A worker that dies stops renewing: its athletes
are claimable again once the lease runs out. SQLite has no row locks: one worker.
"""

from __future__ import annotations

import builtins
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    and_,
    case,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from intervals_icu.errors import ConfigurationError
from intervals_icu.fleet.schema import SCHEMA_VERSION, FleetTables, aware, stored

__all__ = ["AthleteRow", "Claim", "FleetStore", "Grant", "JobRow", "WorkerRow"]

MAX_ERROR_CHARS = 2000


class Grant(StrEnum):
    """Whether the app may read the athlete."""

    ACTIVE = "active"
    REVOKED = "revoked"
    """The athlete revoked the app (APP_SCOPE_CHANGED ``deauthorized``, or the token got a
    401): not synced; their rows are kept; a new token resumes them with a catch-up."""
    LOST = "lost"
    """The token is refused for this athlete (403): not synced until a new token comes."""


def _real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AthleteRow:
    """One athlete of the fleet as stored (the token itself is never part of it)."""

    athlete_id: str
    has_token: bool
    scope: str
    grant: Grant
    status_reason: str | None
    added_at: datetime
    authorized_at: datetime | None
    revoked_at: datetime | None
    history_done: bool
    catch_up: bool
    last_synced_at: datetime | None
    next_check_at: datetime
    budget_until: datetime | None
    activity: float
    activity_at: datetime | None
    last_error: str | None
    requests: int
    lease_holder: str | None
    lease_until: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> AthleteRow:
        added = aware(row["added_at"])
        next_check = aware(row["next_check_at"])
        assert added is not None
        assert next_check is not None
        return cls(
            athlete_id=str(row["athlete_id"]), has_token=row["token"] is not None,
            scope=str(row["scope"] or ""), grant=Grant(row["status"]),
            status_reason=row["status_reason"], added_at=added,
            authorized_at=aware(row["authorized_at"]), revoked_at=aware(row["revoked_at"]),
            history_done=bool(row["history_done"]), catch_up=bool(row["catch_up"]),
            last_synced_at=aware(row["last_synced_at"]), next_check_at=next_check,
            budget_until=aware(row["budget_until"]), activity=float(row["activity"] or 0.0),
            activity_at=aware(row["activity_at"]), last_error=row["last_error"],
            requests=int(row["requests"] or 0), lease_holder=row["lease_holder"],
            lease_until=aware(row["lease_until"]))

    def __repr__(self) -> str:
        return f"AthleteRow({self.athlete_id!r}, {self.grant.value})"


@dataclass(frozen=True)
class Claim:
    """An athlete a worker now holds, and whether webhook entries wait for them."""

    athlete: AthleteRow
    webhooks: bool


@dataclass(frozen=True)
class JobRow:
    id: int
    athlete_id: str
    worker_id: str
    kind: str
    started_at: datetime
    finished_at: datetime | None
    requests: int
    changes: int
    outcome: str | None
    error: str | None


@dataclass(frozen=True)
class WorkerRow:
    worker_id: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    stopped_at: datetime | None
    cpu_seconds: float
    jobs: int
    requests: int


class FleetStore:
    """The fleet's tables in ``engine``'s database (created or upgraded on open)."""

    def __init__(self, engine: Engine, *, table_prefix: str = "icu_fleet_",
                 create: bool = True) -> None:
        self.engine = engine
        self.table_prefix = table_prefix
        self.t = FleetTables.build(table_prefix)
        if create:
            self.upgrade()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __repr__(self) -> str:
        url = self.engine.url.render_as_string(hide_password=True)
        return f"FleetStore({url!r}, table_prefix={self.table_prefix!r})"

    def _insert(self, table: Table) -> Any:
        return (sqlite.insert if self.dialect == "sqlite" else postgresql.insert)(table)

    # -- lifecycle ----------------------------------------------------------------------------

    def upgrade(self) -> int:
        """Create the tables, or check an existing layout; returns the version found."""
        with self.engine.begin() as conn:
            version = self._version(conn)
            if version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"the fleet tables in {self!r} have schema version {version}, newer than "
                    f"this intervals-icu knows ({SCHEMA_VERSION}): upgrade the package")
            self.t.metadata.create_all(conn)
            if version == 0:
                conn.execute(self._insert(self.t.schema_version).values(
                    name="fleet", version=SCHEMA_VERSION,
                    upgraded_at=stored(_real_now())).on_conflict_do_nothing(
                    index_elements=["name"]))
        return version

    def _version(self, conn: Connection) -> int:
        if self.t.schema_version.name not in set(inspect(conn).get_table_names()):
            return 0
        found = conn.execute(select(self.t.schema_version.c.version).where(
            self.t.schema_version.c.name == "fleet")).scalar()
        return int(found or 0)

    def drop_tables(self) -> None:
        self.t.metadata.drop_all(self.engine)

    # -- tokens and grants (what the OAuth callback and APP_SCOPE_CHANGED change) -------------

    def add(self, athlete_id: str, *, token: str | None, scope: str = "",
            at: datetime) -> AthleteRow:
        """Store an athlete's token (the OAuth callback's job). A new athlete is due for
        their first sync at once; one who had revoked, or whose token was refused, is
        active again with a catch-up sync due; an active one just gets the new token."""
        a = self.t.athletes
        when = stored(at)
        with self.engine.begin() as conn:
            row = conn.execute(select(a.c.status).where(a.c.athlete_id == athlete_id)
                               .with_for_update()).first()
            if row is None:
                conn.execute(self._insert(a).values(
                    athlete_id=athlete_id, token=token, scope=scope, status=Grant.ACTIVE.value,
                    added_at=when, authorized_at=when, next_check_at=when,
                    history_done=False, catch_up=False, activity=0.0, requests=0,
                ).on_conflict_do_nothing(index_elements=["athlete_id"]))
            else:
                values: dict[str, Any] = {"token": token, "scope": scope,
                                          "authorized_at": when, "status": Grant.ACTIVE.value,
                                          "status_reason": None}
                if Grant(row.status) is not Grant.ACTIVE:
                    values.update(catch_up=True, next_check_at=when, budget_until=None)
                conn.execute(update(a).where(a.c.athlete_id == athlete_id).values(**values))
        found = self.athlete(athlete_id)
        assert found is not None
        return found

    def revoke(self, athlete_id: str, *, at: datetime, reason: str,
               grant: Grant = Grant.REVOKED,
               checked: AthleteRow | None = None) -> bool:
        """The athlete revoked the app (or their token is refused): stop syncing them, keep
        their rows. ``checked``: the row as it was when the token was found refused; if a
        new token was stored since (a re-grant), nothing changes and False is returned."""
        a = self.t.athletes
        where = [a.c.athlete_id == athlete_id]
        if checked is not None:
            seen = checked.authorized_at
            where.append(a.c.authorized_at.is_(None) if seen is None
                         else a.c.authorized_at == stored(seen))
        with self.engine.begin() as conn:
            result = conn.execute(update(a).where(*where).values(
                status=grant.value, status_reason=reason[:MAX_ERROR_CHARS],
                revoked_at=stored(at), catch_up=False))
            return result.rowcount == 1

    def remove(self, athlete_id: str) -> bool:
        """Forget the athlete and their token (their mirrored rows are the mirror's)."""
        a = self.t.athletes
        with self.engine.begin() as conn:
            return conn.execute(a.delete().where(a.c.athlete_id == athlete_id)).rowcount == 1

    def token(self, athlete_id: str) -> str | None:
        """The stored token of an athlete the app may read (None: none, or revoked)."""
        a = self.t.athletes
        with self.engine.connect() as conn:
            row = conn.execute(select(a.c.token, a.c.status).where(
                a.c.athlete_id == athlete_id)).first()
        if row is None or Grant(row.status) is not Grant.ACTIVE:
            return None
        return None if row.token is None else str(row.token)

    # -- reading ------------------------------------------------------------------------------

    def athlete(self, athlete_id: str) -> AthleteRow | None:
        a = self.t.athletes
        with self.engine.connect() as conn:
            row = conn.execute(select(a).where(a.c.athlete_id == athlete_id)).mappings().first()
        return None if row is None else AthleteRow.from_row(row)

    def athletes(self) -> list[AthleteRow]:
        a = self.t.athletes
        with self.engine.connect() as conn:
            return [AthleteRow.from_row(r) for r in
                    conn.execute(select(a).order_by(a.c.athlete_id)).mappings()]

    def counts(self) -> tuple[int, int]:
        """Athletes the app may read, and those of them whose first sync is done."""
        a = self.t.athletes
        with self.engine.connect() as conn:
            row = conn.execute(select(
                func.count(),
                func.coalesce(func.sum(case((a.c.history_done.is_(True), 1), else_=0)), 0),
            ).select_from(a).where(a.c.status == Grant.ACTIVE.value)).one()
        return int(row[0]), int(row[1])

    # -- leases -------------------------------------------------------------------------------

    def strangers(self, inbox: Table) -> set[str]:
        """Athletes with pending entries in ``inbox`` who are not in the fleet (no worker
        takes their entries)."""
        a, i = self.t.athletes, inbox
        with self.engine.connect() as conn:
            return {str(x) for x in conn.execute(
                select(i.c.athlete_id).distinct().where(
                    i.c.status == "pending",
                    i.c.athlete_id.not_in(select(a.c.athlete_id)))).scalars()}

    def claim(self, worker_id: str, *, limit: int, lease: timedelta, now: datetime,
              inbox: Table | None = None, first_syncs: bool = True) -> list[Claim]:
        """Take up to ``limit`` athletes that have work: webhook entries due in ``inbox``
        (first), or a sync due on the platform's clock ``now`` (catch-ups, then the most
        overdue). ``first_syncs=False`` leaves athletes whose first sync is not done to
        others (a worker paces them). Athletes held by a live lease are skipped.

        Two index walks, so that a claim costs the same among 50 athletes or 50,000: the
        inbox's due entries (by status and time), then the athletes by (status, catch-up,
        next check), each stopping at ``limit``."""
        a = self.t.athletes
        real_now = stored(_real_now())
        platform_now = stored(now)
        free = or_(a.c.lease_until.is_(None), a.c.lease_until < real_now)
        wanted = max(1, limit)
        claimed: builtins.list[str] = []
        hooked: set[str] = set()
        with self.engine.begin() as conn:
            if inbox is not None:
                i = inbox
                due = or_(and_(i.c.status == "pending", i.c.next_attempt_at <= real_now),
                          and_(i.c.status == "processing", i.c.locked_until < real_now))
                waiting = select(i.c.athlete_id).where(due).distinct().scalar_subquery()
                query = (select(a.c.athlete_id).where(free, a.c.athlete_id.in_(waiting))
                         .order_by(a.c.athlete_id).limit(wanted)
                         .with_for_update(skip_locked=True, of=a))
                hooked = self._lease(conn, query, worker_id, free, real_now + lease, claimed)
            if len(claimed) < wanted:
                scheduled = [a.c.status == Grant.ACTIVE.value,
                             a.c.next_check_at <= platform_now,
                             or_(a.c.budget_until.is_(None), a.c.budget_until <= platform_now)]
                if not first_syncs:
                    scheduled.append(a.c.history_done.is_(True))
                if claimed:
                    scheduled.append(a.c.athlete_id.not_in(claimed))
                query = (select(a.c.athlete_id).where(free, *scheduled)
                         .order_by(a.c.status, a.c.catch_up.desc(), a.c.next_check_at)
                         .limit(wanted - len(claimed))
                         .with_for_update(skip_locked=True, of=a))
                self._lease(conn, query, worker_id, free, real_now + lease, claimed)
            if not claimed:
                return []
            rows = conn.execute(select(a).where(a.c.athlete_id.in_(claimed))).mappings().all()
        found = {str(row["athlete_id"]): Claim(AthleteRow.from_row(row),
                                               str(row["athlete_id"]) in hooked)
                 for row in rows}
        return [found[athlete_id] for athlete_id in claimed if athlete_id in found]

    def _lease(self, conn: Connection, query: Any, worker_id: str, free: Any,
               until: datetime, claimed: builtins.list[str]) -> set[str]:
        """Lease the athletes ``query`` selects (locked rows: re-checked under the lock);
        appends them to ``claimed`` and returns them."""
        a = self.t.athletes
        taken = set()
        for athlete_id in conn.execute(query).scalars():
            result = conn.execute(update(a).where(a.c.athlete_id == athlete_id, free)
                                  .values(lease_holder=worker_id, lease_until=until))
            if result.rowcount == 1:
                claimed.append(str(athlete_id))
                taken.add(str(athlete_id))
        return taken

    def renew(self, worker_id: str, athlete_ids: Iterable[str], lease: timedelta) -> set[str]:
        """Extend this worker's leases; returns the athletes it still holds (a lease that
        ran out and was taken by another worker is not renewed: stop working on it)."""
        ids = builtins.list(athlete_ids)
        if not ids:
            return set()
        a = self.t.athletes
        with self.engine.begin() as conn:
            rows = conn.execute(update(a).where(
                a.c.athlete_id.in_(ids), a.c.lease_holder == worker_id,
            ).values(lease_until=stored(_real_now() + lease)).returning(a.c.athlete_id))
            return {str(r) for r in rows.scalars()}

    def release(self, worker_id: str, athlete_ids: Iterable[str]) -> None:
        """Give athletes back untouched (a worker stopping)."""
        ids = builtins.list(athlete_ids)
        if not ids:
            return
        a = self.t.athletes
        with self.engine.begin() as conn:
            conn.execute(update(a).where(a.c.athlete_id.in_(ids), a.c.lease_holder == worker_id)
                         .values(lease_holder=None, lease_until=None))

    def update_held(self, athlete_id: str, worker_id: str, *, release: bool = False,
                    add_requests: int = 0, **values: Any) -> bool:
        """Write what a worker found about an athlete it holds (times are stored as the
        tables keep them); ``release`` ends the lease. False when the lease was lost."""
        a = self.t.athletes
        changes = {k: stored(v) if isinstance(v, datetime) else v for k, v in values.items()}
        if "status" in changes and isinstance(changes["status"], Grant):
            changes["status"] = changes["status"].value
        if add_requests:
            changes["requests"] = a.c.requests + add_requests
        if release:
            changes.update(lease_holder=None, lease_until=None)
        if not changes:
            return True
        with self.engine.begin() as conn:
            result = conn.execute(update(a).where(
                a.c.athlete_id == athlete_id, a.c.lease_holder == worker_id).values(**changes))
            return result.rowcount == 1

    # -- the job log --------------------------------------------------------------------------

    def start_job(self, athlete_id: str, worker_id: str, kind: str) -> int:
        j = self.t.jobs
        with self.engine.begin() as conn:
            result = conn.execute(j.insert().values(
                athlete_id=athlete_id, worker_id=worker_id, kind=kind,
                started_at=stored(_real_now()), requests=0, changes=0).returning(j.c.id))
            return int(result.scalar_one())

    def end_job(self, job_id: int, *, requests: int, changes: int, outcome: str,
                error: str | None = None) -> None:
        j = self.t.jobs
        with self.engine.begin() as conn:
            conn.execute(update(j).where(j.c.id == job_id).values(
                finished_at=stored(_real_now()), requests=requests, changes=changes,
                outcome=outcome, error=None if error is None else error[:MAX_ERROR_CHARS]))

    def jobs(self, *, athlete_id: str | None = None, since: datetime | None = None,
             limit: int | None = None) -> list[JobRow]:
        j = self.t.jobs
        query = select(j).order_by(j.c.id)
        if athlete_id is not None:
            query = query.where(j.c.athlete_id == athlete_id)
        if since is not None:
            query = query.where(j.c.started_at >= stored(since))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_job(r) for r in conn.execute(query).mappings()]

    def purge_jobs(self, older_than: timedelta) -> int:
        j = self.t.jobs
        with self.engine.begin() as conn:
            return int(conn.execute(j.delete().where(
                j.c.started_at < stored(_real_now() - older_than))).rowcount or 0)

    # -- workers ------------------------------------------------------------------------------

    def register_worker(self, worker_id: str) -> None:
        w = self.t.workers
        now = stored(_real_now())
        with self.engine.begin() as conn:
            conn.execute(self._insert(w).values(
                worker_id=worker_id, host=socket.gethostname()[:255], pid=os.getpid(),
                started_at=now, seen_at=now, cpu_seconds=0.0, jobs=0, requests=0,
            ).on_conflict_do_nothing(index_elements=["worker_id"]))

    def beat_worker(self, worker_id: str, *, cpu_seconds: float, jobs: int, requests: int,
                    stopped: bool = False) -> None:
        w = self.t.workers
        now = stored(_real_now())
        values: dict[str, Any] = {"seen_at": now, "cpu_seconds": cpu_seconds, "jobs": jobs,
                                  "requests": requests}
        if stopped:
            values["stopped_at"] = now
        with self.engine.begin() as conn:
            conn.execute(update(w).where(w.c.worker_id == worker_id).values(**values))

    def workers(self) -> list[WorkerRow]:
        w = self.t.workers
        with self.engine.connect() as conn:
            rows = conn.execute(select(w).order_by(w.c.started_at)).mappings().all()
        result = []
        for row in rows:
            started, seen = aware(row["started_at"]), aware(row["seen_at"])
            assert started is not None
            assert seen is not None
            result.append(WorkerRow(
                worker_id=row["worker_id"], host=row["host"], pid=int(row["pid"]),
                started_at=started, seen_at=seen, stopped_at=aware(row["stopped_at"]),
                cpu_seconds=float(row["cpu_seconds"]), jobs=int(row["jobs"]),
                requests=int(row["requests"])))
        return result


def _job(row: Any) -> JobRow:
    started = aware(row["started_at"])
    assert started is not None
    return JobRow(id=int(row["id"]), athlete_id=str(row["athlete_id"]),
                  worker_id=str(row["worker_id"]), kind=str(row["kind"]), started_at=started,
                  finished_at=aware(row["finished_at"]), requests=int(row["requests"]),
                  changes=int(row["changes"]), outcome=row["outcome"], error=row["error"])
