"""When each athlete is looked at, and how much of the budget each kind of work may use
(pure functions: no I/O, the time is given).

Three kinds of work, most urgent first:

1. **webhooks**: an athlete's inbox entries (what the platform says changed). They may use
   every budget to the end.
2. **reconciliation**: an incremental sync (about 3 requests when nothing changed), which
   finds what no webhook announced. Each athlete's next one is spread over what is left of
   their day: ``interval = time left today * cost / requests left of their daily target``,
   shorter for active athletes, between ``min_interval`` and ``max_interval``. Among those
   due, the most overdue go first. It may not take the share kept for webhooks
   (``webhook_share`` of every budget).
3. **first syncs** (and catch-ups after a re-grant): the whole history. They may use only
   what the others will not need: on top of the webhook share, the daily target of every
   synced athlete for the rest of the day is left alone, and each worker runs at most
   ``first_syncs_per_worker`` at once. A history bigger than what is left stops at its last
   saved page and goes on when budget is back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from intervals_icu.errors import ConfigurationError
from intervals_icu.fleet.budget import UNLIMITED, BudgetLimits, Floors

__all__ = ["AthleteState", "Pacing", "WorkKind", "decayed_activity", "describe_state",
           "floors_for", "next_check", "state_of"]

WorkKind = Literal["webhooks", "reconcile", "first", "catch-up"]


@dataclass(frozen=True)
class Pacing:
    """How the runner spends the budget (the platform's limits are :class:`BudgetLimits`)."""

    target_per_athlete: int = 50
    """Requests the runner plans per athlete per day, webhooks included (the platform
    allows 100 by default: the rest is margin)."""
    min_interval: timedelta = timedelta(minutes=30)
    max_interval: timedelta = timedelta(hours=4)
    """No athlete goes longer without a reconciliation while budget lasts (changes that
    send no webhook are found within this)."""
    webhook_share: float = 0.1
    """Of every budget, the part reconciliation and first syncs leave for webhooks."""
    reconcile_cost: float = 4.0
    """Requests a reconciliation is expected to take (the first estimate; each worker then
    follows what they really take)."""
    first_syncs_per_worker: int = 1
    first_sync_cost: float = 10.0
    """Requests a first sync is expected to take (then what they really take): one starts
    only when that many are free. A bigger history stops at its last saved page and goes
    on later."""
    first_sync_block: int = 10
    """Requests reserved at a time for a first sync or catch-up beyond what it was expected
    to take (unused ones are given back)."""
    webhook_block: int = 2
    """Requests reserved at a time for an athlete's webhook entries."""
    retry_after_error: timedelta = timedelta(minutes=15)
    keep_jobs: timedelta = timedelta(days=7)
    """The job log (``icu fleet status`` and the figures read it) and the mirror's
    ``sync_runs`` are kept this long."""
    activity_half_life: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        if not 0 <= self.webhook_share < 1:
            raise ConfigurationError("Pacing.webhook_share must be in [0, 1)")
        if self.min_interval <= timedelta(0) or self.max_interval < self.min_interval:
            raise ConfigurationError("Pacing needs 0 < min_interval <= max_interval")
        if self.target_per_athlete < 1 or self.reconcile_cost <= 0:
            raise ConfigurationError(
                "Pacing.target_per_athlete must be at least 1 and reconcile_cost above 0")


def floors_for(kind: WorkKind, *, pacing: Pacing, limits: BudgetLimits, users: int,
               synced: int, now: datetime) -> Floors:
    """What ``kind`` must leave unused in each budget (see the module docs). ``users``:
    authorized athletes; ``synced``: those whose first sync is done (the ones the others'
    daily targets are kept for)."""
    if kind == "webhooks":
        return Floors()
    day = limits.day_limit(users)
    window = limits.window_limit(users)
    share = pacing.webhook_share
    athlete_limit = limits.per_athlete_day or UNLIMITED
    athlete_share = math.ceil(limits.per_athlete_day * share) if limits.per_athlete_day else 0
    if kind == "reconcile":
        # Each athlete's reconciliations stop at their daily target (webhooks may go on).
        room = min(athlete_limit - athlete_share, pacing.target_per_athlete)
        return Floors(app_day=math.ceil(day * share), window=math.ceil(window * share),
                      athlete_day=athlete_limit - room)
    # First syncs and catch-ups: leave the others' targets for the rest of the day.
    left = (limits.day_end(now) - now) / timedelta(days=1)
    per_window = synced * pacing.target_per_athlete / limits.windows_per_day
    return Floors(
        app_day=math.ceil(day * share) + math.ceil(synced * pacing.target_per_athlete * left),
        window=math.ceil(window * share) + math.ceil(per_window),
        athlete_day=athlete_share, shrinking=True)


def next_check(now: datetime, *, pacing: Pacing, limits: BudgetLimits, used_today: int,
               cost: float, activity: float, stretch: float = 1.0,
               spread: float = 0.0) -> datetime:
    """When the athlete's next reconciliation is due: what is left of their daily target,
    spread over what is left of the day (see the module docs). ``stretch`` (>= 1) lengthens
    every interval when the app's budget could not pay for them all. When today's target
    cannot pay for one more, the next is early tomorrow, ``spread`` (0..1) of
    ``min_interval`` after midnight (so that the athletes do not all start at once)."""
    left_today = limits.day_end(now) - now
    requests_left = pacing.target_per_athlete - used_today
    cost = max(cost, 0.5)
    if requests_left < cost:
        return limits.day_end(now) + pacing.min_interval * min(max(spread, 0.0), 1.0)
    interval = left_today / (requests_left / cost)
    # Active athletes are looked at more often (up to twice), the budget permitting.
    interval = interval / (1 + min(max(activity, 0.0), 10.0) / 10)
    interval = min(max(interval, pacing.min_interval), pacing.max_interval)
    return now + interval * max(1.0, stretch)


def decayed_activity(activity: float, since: datetime | None, now: datetime, changes: int,
                     half_life: timedelta) -> float:
    """Changes found recently, halving every ``half_life``: how active an athlete is."""
    if since is not None and now > since and half_life > timedelta(0):
        activity *= 0.5 ** ((now - since) / half_life)
    return activity + max(0, changes)


class AthleteState(StrEnum):
    """What ``icu fleet status`` says of an athlete."""

    FRESH = "fresh"
    """Synced, and not due again yet; no webhook waiting."""
    PENDING = "pending"
    """Work waits: their first sync, a catch-up, a due reconciliation or webhook entries."""
    SYNCING = "syncing"
    """A worker holds them right now."""
    BUDGET_LIMITED = "budget-limited"
    """The budget refused their work; tried again at ``until``."""
    REVOKED = "revoked"
    """They revoked the app (or the token is refused with 401): not synced, rows kept."""
    ACCESS_LOST = "access-lost"
    """The token is refused for them (403): not synced, rows kept."""


def state_of(*, grant: str, history_done: bool, catch_up: bool, next_check_at: datetime,
             budget_until: datetime | None, leased: bool, webhooks_waiting: bool,
             now: datetime) -> AthleteState:
    if grant == "revoked":
        return AthleteState.REVOKED
    if grant == "lost":
        return AthleteState.ACCESS_LOST
    if leased:
        return AthleteState.SYNCING
    if budget_until is not None and budget_until > now:
        return AthleteState.BUDGET_LIMITED
    if not history_done or catch_up or webhooks_waiting or next_check_at <= now:
        return AthleteState.PENDING
    return AthleteState.FRESH


def describe_state(state: AthleteState, *, history_done: bool, catch_up: bool,
                   budget_until: datetime | None) -> str:
    """A few words on what waits (the status table's note), e.g. "first sync, until
    2026-06-11T00:00+00:00"."""
    parts = []
    if state in (AthleteState.PENDING, AthleteState.SYNCING, AthleteState.BUDGET_LIMITED):
        if not history_done:
            parts.append("first sync")
        elif catch_up:
            parts.append("catch-up")
    if state is AthleteState.BUDGET_LIMITED and budget_until is not None:
        parts.append(f"until {budget_until.isoformat(timespec='minutes')}")
    return ", ".join(parts)
