"""The OAuth app's request budget, counted in the database so that every worker, on every
machine, spends from one account.

The platform's budgets (API-NOTES §6.1, UNCERTAIN in detail; the defaults below follow it):
an app may send ``per_user`` (100) requests per authorized athlete per day, between
``app_day_min`` (8,000) and ``app_day_max`` (50,000) a day in total, and 1/8 of that (at least
2,500) per 15-minute window; each athlete at most ``per_athlete_day`` (100) a day; the day
resets at midnight UTC.

Requests are *reserved before they are sent*: :meth:`Budget.reserve` adds ``n`` to every
counter that applies (the app's day, the app's window, the athlete's day) in one transaction,
each with ``INSERT .. ON CONFLICT DO UPDATE SET used = used + n WHERE used + n <= limit -
floor``: all counters move, or none does. The athlete's day is counted even when the
platform sets no limit per athlete: the runner paces each athlete by it. What a job did
not spend is given back (:meth:`Budget.settle`); a worker killed mid-job never gives back,
which errs on the safe side. So N workers never spend more than one would: they share the
counters, and a counter never passes its limit. ``floor`` keeps part of a budget for more
urgent work (webhooks keep a share that reconciliation may not take; first syncs leave
what the others need).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from intervals_icu.errors import ConfigurationError
from intervals_icu.fleet.schema import FleetTables, aware, stored

__all__ = ["APP_DAY", "ATHLETE_DAY", "UNLIMITED", "WINDOW", "Budget", "BudgetLimits",
           "Counter", "Floors", "Refusal", "Reservation", "Usage"]

APP_DAY = "app-day"
WINDOW = "window"
ATHLETE_DAY = "athlete-day"

DAY = timedelta(days=1)

CONTENTION_RETRY = timedelta(minutes=1)
"""How soon to try again when requests held by running work stood in the way."""

UNLIMITED = 2**31 - 1
"""The athlete's day is always counted (the runner paces each athlete by it); without a
per-athlete limit its limit is this."""


@dataclass(frozen=True)
class BudgetLimits:
    """The platform's limits for the app (see the module docs). ``app_day`` and ``window``
    fix the app's limits; left None they follow the number of authorized athletes as the
    platform's rule says. ``per_athlete_day=None``: no per-athlete limit."""

    per_athlete_day: int | None = 100
    per_user: int = 100
    app_day_min: int = 8_000
    app_day_max: int = 50_000
    app_day: int | None = None
    window_fraction: float = 1 / 8
    window_min: int = 2_500
    window: int | None = None
    window_minutes: int = 15

    def __post_init__(self) -> None:
        if not 1 <= self.window_minutes <= 24 * 60 or (24 * 60) % self.window_minutes:
            raise ConfigurationError(
                "BudgetLimits.window_minutes must divide a day (15, 30, 60...)")
        for name in ("per_athlete_day", "app_day", "window"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigurationError(f"BudgetLimits.{name} must be at least 1 (or None)")

    def day_limit(self, users: int) -> int:
        """The app's requests per day with ``users`` authorized athletes."""
        if self.app_day is not None:
            return self.app_day
        return max(self.app_day_min, min(self.app_day_max, self.per_user * max(0, users)))

    def window_limit(self, users: int) -> int:
        if self.window is not None:
            return self.window
        return max(self.window_min, int(self.day_limit(users) * self.window_fraction))

    @property
    def windows_per_day(self) -> int:
        return (24 * 60) // self.window_minutes

    def day_start(self, now: datetime) -> datetime:
        """Midnight UTC of ``now``'s day (the platform resets then)."""
        return datetime.combine(now.astimezone(UTC).date(), time(0), UTC)

    def window_start(self, now: datetime) -> datetime:
        start = self.day_start(now)
        minutes = int((now - start).total_seconds() // 60)
        return start + timedelta(minutes=minutes - minutes % self.window_minutes)

    def window_end(self, now: datetime) -> datetime:
        return self.window_start(now) + timedelta(minutes=self.window_minutes)

    def day_end(self, now: datetime) -> datetime:
        return self.day_start(now) + DAY


@dataclass(frozen=True)
class Floors:
    """Requests to leave untouched in each budget (for more urgent work)."""

    app_day: int = 0
    window: int = 0
    athlete_day: int = 0
    shrinking: bool = False
    """The app's daily floor shrinks as the day goes on (what is kept for the rest of the
    day): a refusal by it is tried again at the next window, not at midnight."""


@dataclass(frozen=True)
class Counter:
    """One budget counter: its row and limit, and what this reservation leaves free."""

    scope: str
    key: str
    period_start: datetime
    limit: int
    floor: int


@dataclass(frozen=True)
class Reservation:
    """Requests taken from counters (what :meth:`Budget.settle` gives back to)."""

    athlete_id: str
    n: int
    counters: tuple[Counter, ...]


@dataclass(frozen=True)
class Refusal:
    """Why a reservation was refused, and when to try again (the platform's clock)."""

    scope: str
    until: datetime
    used: int
    limit: int
    floor: int
    exhausted: bool
    """The limit itself is in the way (not only the share kept for other work)."""
    by_platform: bool = False
    """The platform refused (a budget 429), not the fleet's own accounting."""

    def describe(self) -> str:
        what = {APP_DAY: "the app's daily budget", WINDOW: "the app's 15-minute window",
                ATHLETE_DAY: "the athlete's daily budget"}.get(self.scope, self.scope)
        kept = "" if self.exhausted else f" (the last {self.floor} are kept for other work)"
        count = "" if self.by_platform else f": {self.used} of {self.limit}{kept}"
        who = " (the platform said so)" if self.by_platform else ""
        return (f"{what} is spent{count}{who}; next try at "
                f"{self.until.isoformat(timespec='minutes')}")


@dataclass
class Usage:
    """What the budgets stand at (``icu fleet status``)."""

    day: date
    app_day_used: int = 0
    app_day_limit: int = 0
    app_day_refused: int = 0
    app_day_closed: bool = False
    """The platform said the day is spent (a budget 429)."""
    window_start: datetime | None = None
    window_used: int = 0
    window_limit: int = 0
    athletes: dict[str, int] = field(default_factory=dict)
    """Requests reserved today per athlete."""


class Budget:
    """The app's budgets in the fleet's ``budget`` table (see the module docs)."""

    def __init__(self, engine: Engine, tables: FleetTables, limits: BudgetLimits) -> None:
        self.engine = engine
        self.table = tables.budget
        self.limits = limits
        insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
        self._insert: Any = insert
        self.platform_refusal: Refusal | None = None
        """The platform's last budget 429 seen in this process: nothing is sent until its
        ``until`` (other processes learn it from the counters, :meth:`exhaust`)."""

    def counters(self, athlete_id: str, *, now: datetime, users: int,
                 floors: Floors = Floors()) -> tuple[Counter, ...]:
        limits = self.limits
        day = limits.day_start(now)
        found = [Counter(APP_DAY, "", day, limits.day_limit(users), floors.app_day),
                 Counter(WINDOW, "", limits.window_start(now), limits.window_limit(users),
                         floors.window)]
        found.append(Counter(ATHLETE_DAY, athlete_id, day,
                             limits.per_athlete_day or UNLIMITED, floors.athlete_day))
        return tuple(found)

    def reserve(self, athlete_id: str, n: int, *, now: datetime, users: int,
                floors: Floors = Floors(), at_least: int = 1,
                spent_here: int = 0) -> Reservation | Refusal:
        """Take up to ``n`` requests (at least ``at_least``) from every budget for
        ``athlete_id``, the same number from each, or none (then the :class:`Refusal` says
        which budget stood in the way and until when). ``spent_here``: requests the caller
        holds from earlier reservations and has sent (not to be given back)."""
        counters = self.counters(athlete_id, now=now, users=users, floors=floors)
        # Never ask for more than a budget could ever give (a first sync bigger than an
        # athlete's day goes on the next day from where it stopped).
        at_least = max(1, min(at_least, *(c.limit - c.floor for c in counters)))
        t = self.table
        for _ in range(3):  # a guard below can lose to a concurrent writer only on SQLite
            with self.engine.begin() as conn:
                # Always in the same order (app day, window, athlete), so two reservations
                # never wait for each other's rows in a circle.
                rooms = []
                for counter in counters:
                    conn.execute(self._insert(t).values(
                        scope=counter.scope, key=counter.key,
                        period_start=stored(counter.period_start), used=0, held=0,
                        limit=counter.limit, refused=0, closed=False,
                    ).on_conflict_do_nothing(index_elements=["scope", "key", "period_start"]))
                    used, held, closed = conn.execute(select(
                        t.c.used, t.c.held, t.c.closed).where(
                        *self._row(counter)).with_for_update()).one()
                    if closed:  # the platform said it is spent
                        used, held = counter.limit, 0
                    rooms.append((counter, int(used), int(held),
                                  counter.limit - counter.floor - int(used)))
                take = min(n, min(room[3] for room in rooms))
                if take < at_least:
                    counter, used, held, _ = min(rooms, key=lambda r: r[3])
                    conn.rollback()
                    return self._refused(counter, used, max(0, held - spent_here),
                                         at_least, now, floors.shrinking)
                moved = True
                for counter, *_ in rooms:
                    moved = moved and conn.execute(update(t).where(
                        *self._row(counter),
                        t.c.used + take <= counter.limit - counter.floor,
                    ).values(used=t.c.used + take, held=t.c.held + take,
                             limit=counter.limit)).rowcount == 1
                if moved:
                    return Reservation(athlete_id, take, counters)
                conn.rollback()
        raise RuntimeError("the budget counters kept changing under this reservation")

    def _row(self, counter: Counter) -> tuple[Any, ...]:
        t = self.table
        return (t.c.scope == counter.scope, t.c.key == counter.key,
                t.c.period_start == stored(counter.period_start))

    def _refused(self, counter: Counter, used: int, held: int, need: int, now: datetime,
                 shrinking: bool) -> Refusal:
        """Count the refusal and say when to look again: soon when what other running work
        holds is in the way (it gives back what it does not send); at the next window when a
        floor that shrinks with the day is; else at the counter's reset."""
        t = self.table
        with self.engine.begin() as conn:
            conn.execute(update(t).where(*self._row(counter))
                         .values(refused=t.c.refused + 1))
        reset = (self.limits.window_end(now) if counter.scope == WINDOW
                 else counter.period_start + DAY)
        settled = used - held
        if settled + need <= counter.limit - counter.floor:
            until = min(reset, now + CONTENTION_RETRY)
        elif shrinking and counter.scope == APP_DAY and settled + need <= counter.limit:
            until = min(reset, self.limits.window_end(now))
        else:
            until = reset
        return Refusal(counter.scope, until, used, counter.limit, counter.floor,
                       exhausted=settled + need > counter.limit)

    def settle(self, reservation: Reservation, unused: int) -> None:
        """A unit of work ended: give back what it reserved and did not send, and stop
        counting the rest as held."""
        unused = min(max(0, unused), reservation.n)
        t = self.table
        floor_at_zero = func.max if self.engine.dialect.name == "sqlite" else func.greatest
        with self.engine.begin() as conn:
            for counter in reservation.counters:
                conn.execute(update(t).where(*self._row(counter)).values(
                    used=floor_at_zero(t.c.used - unused, 0),
                    held=floor_at_zero(t.c.held - reservation.n, 0)))

    def exhaust(self, scopes: Sequence[str], athlete_id: str, *, now: datetime,
                users: int) -> None:
        """The platform refused a request for its budget (429): close those budgets for
        the rest of their period, so no worker sends more until the reset."""
        t = self.table
        with self.engine.begin() as conn:
            for counter in self.counters(athlete_id, now=now, users=users):
                if counter.scope not in scopes:
                    continue
                conn.execute(self._insert(t).values(
                    scope=counter.scope, key=counter.key,
                    period_start=stored(counter.period_start), used=counter.limit, held=0,
                    limit=counter.limit, refused=1, closed=True,
                ).on_conflict_do_update(
                    index_elements=["scope", "key", "period_start"],
                    set_={"closed": True, "refused": t.c.refused + 1}))

    def usage(self, now: datetime, *, users: int) -> Usage:
        """Today's (and this window's) counters."""
        t = self.table
        limits = self.limits
        day = limits.day_start(now)
        window = limits.window_start(now)
        usage = Usage(day=day.date(), app_day_limit=limits.day_limit(users),
                      window_start=window, window_limit=limits.window_limit(users))
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.period_start.in_(
                [stored(day), stored(window)]))).mappings().all()
        for row in rows:
            start = aware(row["period_start"])
            if row["scope"] == APP_DAY and start == day:
                usage.app_day_used = int(row["used"])
                usage.app_day_refused = int(row["refused"])
                usage.app_day_closed = bool(row["closed"])
            elif row["scope"] == WINDOW and start == window:
                usage.window_used = int(row["used"])
            elif row["scope"] == ATHLETE_DAY and start == day:
                usage.athletes[str(row["key"])] = int(row["used"])
        return usage

    def athlete_used(self, athlete_id: str, now: datetime) -> int:
        """Requests reserved today for one athlete."""
        t = self.table
        with self.engine.connect() as conn:
            used = conn.execute(select(t.c.used).where(
                t.c.scope == ATHLETE_DAY, t.c.key == athlete_id,
                t.c.period_start == stored(self.limits.day_start(now)))).scalar()
        return int(used or 0)

    def purge(self, before: datetime) -> int:
        """Forget counters of periods that started before ``before``."""
        t = self.table
        with self.engine.begin() as conn:
            return int(conn.execute(t.delete().where(
                t.c.period_start < stored(before))).rowcount or 0)
