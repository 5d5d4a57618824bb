"""Request budgets, as the platform's "Rate limits" page reportedly describes them
(API-NOTES §6.1, a secondary source, UNCERTAIN): on top of the 10/s per address
(``ratelimit.py``), every OAuth app and every personal API key has a daily budget and a
15-minute window.

* **OAuth app**: ``budget_user_daily`` (100) requests per user per day; the app's daily
  total is users x that, clamped to [``budget_app_daily_min``, ``budget_app_daily_max``]
  (8,000..50,000); its window allows 1/``budget_window_divisor`` (1/8) of the total, at
  least ``budget_window_min`` (2,500). Users are the athletes holding a live (not revoked)
  token of the app: the page speaks of "up to 500 users" of an app, and a token is what
  makes an athlete one. ``budget_user_cap`` decides whether one user stops at 100.
* **Personal API key**: ``budget_personal_daily`` (5,000) a day and
  ``budget_personal_window`` (2,500) a window, per athlete (whoever holds the key; a coach's
  requests for their athletes count against the coach's key).

Days end at midnight UTC and windows are 15 minutes, on the SANDBOX clock (tests advance a
simulated day). ``budget_window_mode="fixed"`` (default) starts windows at :00, :15, :30,
:45 UTC; ``"sliding"`` counts the requests of the last 15 minutes. What counts: every
authenticated ``/api/v1`` request, whatever it answers (a 403 or 404 was served); not the
401s, the 10/s 429s, OAuth pages, the token exchange, the spec or the control API. A
request over a budget is answered 429 and not counted.

Use is counted even when ``budget_enabled`` is off (then nothing is refused), so
``GET /_sandbox/budgets`` shows what a run would have spent.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from intervals_icu.sandbox.clock import stamp
from intervals_icu.sandbox.errors import ApiError, error_body
from intervals_icu.sandbox.options import SandboxOptions
from intervals_icu.sandbox.state import Principal

__all__ = ["BudgetName", "Budgets", "Exhausted", "app_limits"]

BudgetName = Literal["user-daily", "app-daily", "app-window", "personal-daily",
                     "personal-window"]


def _next_midnight(now: datetime) -> datetime:
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), datetime.min.time(),
                            tzinfo=UTC)


def _window_seconds(opts: SandboxOptions) -> float:
    return max(1.0, opts.budget_window_seconds)


def app_limits(opts: SandboxOptions, users: int) -> tuple[int, int]:
    """An app's (daily total, window) for ``users`` users."""
    daily = max(opts.budget_app_daily_min,
                min(opts.budget_app_daily_max, users * opts.budget_user_daily))
    window = max(daily // max(1, opts.budget_window_divisor), opts.budget_window_min)
    return daily, window


@dataclass
class _Daily:
    day: date | None = None
    used: int = 0

    def count(self, today: date) -> int:
        return self.used if self.day == today else 0

    def add(self, today: date) -> None:
        if self.day != today:
            self.day, self.used = today, 0
        self.used += 1


@dataclass
class _Window:
    """Both ways of counting a window, kept together so the mode can switch at run time."""

    index: int | None = None
    """The fixed window being counted (windows since the epoch)."""
    used: int = 0
    recent: deque[float] = field(default_factory=deque)
    """Times (epoch seconds) of the requests of the last window, oldest first."""

    def _trim(self, now: float, length: float) -> None:
        while self.recent and self.recent[0] <= now - length:
            self.recent.popleft()

    def count(self, now: float, opts: SandboxOptions) -> int:
        length = _window_seconds(opts)
        if opts.budget_window_mode == "sliding":
            self._trim(now, length)
            return len(self.recent)
        return self.used if self.index == math.floor(now / length) else 0

    def add(self, now: float, opts: SandboxOptions) -> None:
        length = _window_seconds(opts)
        index = math.floor(now / length)
        if self.index != index:
            self.index, self.used = index, 0
        self.used += 1
        self._trim(now, length)
        self.recent.append(now)

    def resets_at(self, now: float, opts: SandboxOptions, limit: int) -> float | None:
        """When the window has room again (sliding: when enough old requests leave; None
        when it holds none)."""
        length = _window_seconds(opts)
        if opts.budget_window_mode == "fixed":
            return (math.floor(now / length) + 1) * length
        self._trim(now, length)
        if not self.recent:
            return None
        index = max(0, min(len(self.recent) - limit, len(self.recent) - 1))
        return self.recent[index] + length


@dataclass
class _Use:
    daily: _Daily = field(default_factory=_Daily)
    window: _Window = field(default_factory=_Window)
    rejected: int = 0


@dataclass(frozen=True)
class Exhausted:
    """A budget that refused a request: which, its size, and when it refills."""

    budget: BudgetName
    limit: int
    resets_at: datetime
    retry_after: float
    message: str

    def error(self, headers: bool) -> ApiError:
        """The 429 in the 10/s limit's body shape; headers only with ``budget_headers``."""
        sent: dict[str, str] = {}
        if headers:
            sent = {
                "Retry-After": str(max(1, math.ceil(self.retry_after))),
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(self.resets_at.timestamp())),
                "X-RateLimit-Budget": self.budget,
            }
        return ApiError(429, self.message, headers=sent,
                        body=error_body(429, self.message))


@dataclass(frozen=True)
class _Check:
    budget: BudgetName
    used: int
    limit: int
    resets_at: float


class Budgets:
    """The use of every budget; ``spend`` before a request is served."""

    def __init__(self, options: Callable[[], SandboxOptions], now: Callable[[], datetime],
                 users: Callable[[str], int], apps: Callable[[], Iterable[tuple[str, str]]],
                 ) -> None:
        """``users(client_id)``: how many athletes hold a live token of the app; ``apps()``:
        ``(client_id, name)`` of every registered app."""
        self._options = options
        self._now = now
        self._users = users
        self._apps = apps
        self._lock = threading.Lock()
        self._app_use: dict[str, _Use] = {}
        self._user_use: dict[tuple[str, str], _Use] = {}
        self._personal_use: dict[str, _Use] = {}

    def reset(self) -> None:
        with self._lock:
            self._app_use.clear()
            self._user_use.clear()
            self._personal_use.clear()

    # -- spending ---------------------------------------------------------------------------

    def spend(self, principal: Principal) -> Exhausted | None:
        """Count one request of ``principal``; None if served, else the budget that refused
        it (nothing is counted then). Refuses only when ``budget_enabled``."""
        opts = self._options()
        moment = self._now()
        now, today = moment.timestamp(), moment.astimezone(UTC).date()
        midnight = _next_midnight(moment).timestamp()
        with self._lock:
            uses: list[_Use]
            if principal.kind == "bearer" and principal.client_id is not None:
                client = principal.client_id
                app = self._app_use.setdefault(client, _Use())
                user = self._user_use.setdefault((client, principal.athlete_id), _Use())
                uses = [app, user]
                checks = self._app_checks(opts, app, user, client, now, today, midnight) \
                    if opts.budget_enabled else []
            else:
                personal = self._personal_use.setdefault(principal.athlete_id, _Use())
                uses = [personal]
                checks = [
                    _Check("personal-daily", personal.daily.count(today),
                           opts.budget_personal_daily, midnight),
                    _Check("personal-window", personal.window.count(now, opts),
                           opts.budget_personal_window,
                           personal.window.resets_at(now, opts, opts.budget_personal_window)
                           or now),
                ] if opts.budget_enabled else []
            over = [c for c in checks if c.used >= c.limit]
            if over:
                worst = max(over, key=lambda c: c.resets_at)
                owner = {"user-daily": uses[-1], "app-daily": uses[0],
                         "app-window": uses[0]}.get(worst.budget, uses[0])
                owner.rejected += 1
                resets = datetime.fromtimestamp(worst.resets_at, UTC)
                return Exhausted(worst.budget, worst.limit, resets,
                                 max(0.0, worst.resets_at - now),
                                 self._message(worst, principal, resets))
            for use in uses:
                use.daily.add(today)
                use.window.add(now, opts)
            return None

    def _app_checks(self, opts: SandboxOptions, app: _Use, user: _Use, client: str,
                    now: float, today: date, midnight: float) -> list[_Check]:
        daily, window = app_limits(opts, self._users(client))
        checks = [
            _Check("app-daily", app.daily.count(today), daily, midnight),
            _Check("app-window", app.window.count(now, opts), window,
                   app.window.resets_at(now, opts, window) or now),
        ]
        if opts.budget_user_cap:
            checks.append(_Check("user-daily", user.daily.count(today),
                                 opts.budget_user_daily, midnight))
        return checks

    def _message(self, check: _Check, principal: Principal, resets: datetime) -> str:
        names = dict(self._apps())
        client = principal.client_id or ""
        app = f"app {client}" + (f" ({names[client]})" if names.get(client) else "")
        minutes = f"{self._options().budget_window_seconds / 60:g} minutes"
        what = {
            "user-daily": f"athlete {principal.athlete_id} has used their daily budget of "
                          f"{check.limit} requests through {app}",
            "app-daily": f"{app} has used its daily budget of {check.limit} requests",
            "app-window": f"{app} has used its budget of {check.limit} requests per "
                          f"{minutes}",
            "personal-daily": f"the API key of athlete {principal.athlete_id} has used its "
                              f"daily budget of {check.limit} requests",
            "personal-window": f"the API key of athlete {principal.athlete_id} has used its "
                               f"budget of {check.limit} requests per {minutes}",
        }[check.budget]
        midnight = " (midnight UTC)" if check.budget.endswith("daily") else ""
        return f"Too many requests: {what}; it resets at {stamp(resets)}{midnight}"

    # -- what the control API shows ---------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """``{"enabled", "budgets": [...]}``: every registered app, and every personal key
        used in the current day or window."""
        opts = self._options()
        moment = self._now()
        now, today = moment.timestamp(), moment.astimezone(UTC).date()
        resets_at = stamp(_next_midnight(moment))
        budgets: list[dict[str, Any]] = []
        with self._lock:
            for client, name in self._apps():
                use = self._app_use.get(client, _Use())
                users = self._users(client)
                daily, window = app_limits(opts, users)
                users_use = sorted(
                    ((u.daily.count(today), athlete, u.rejected)
                     for (c, athlete), u in self._user_use.items()
                     if c == client and (u.daily.count(today) or u.rejected)),
                    key=lambda e: (-e[0], e[1]))
                per_user = [{"athlete_id": athlete, "daily_used": used,
                             "daily_limit": opts.budget_user_daily, "rejected": rejected}
                            for used, athlete, rejected in users_use]
                budgets.append({
                    "key": f"app:{client}", "kind": "app",
                    "daily_used": use.daily.count(today), "daily_limit": daily,
                    "window_used": use.window.count(now, opts), "window_limit": window,
                    "resets_at": resets_at,
                    "window_resets_at": self._window_stamp(use, now, opts, window),
                    "client_id": client, "name": name, "users": users,
                    "per_user_limit": opts.budget_user_daily,
                    "per_user_enforced": opts.budget_user_cap,
                    "per_user": per_user,
                    "rejected": use.rejected + sum(e[2] for e in users_use),
                })
            for athlete, use in sorted(self._personal_use.items()):
                daily_used, window_used = use.daily.count(today), use.window.count(now, opts)
                if not (daily_used or window_used or use.rejected):
                    continue
                budgets.append({
                    "key": f"personal:{athlete}", "kind": "personal",
                    "daily_used": daily_used, "daily_limit": opts.budget_personal_daily,
                    "window_used": window_used, "window_limit": opts.budget_personal_window,
                    "resets_at": resets_at,
                    "window_resets_at": self._window_stamp(use, now, opts,
                                                           opts.budget_personal_window),
                    "athlete_id": athlete, "rejected": use.rejected,
                })
        return {"enabled": opts.budget_enabled, "budgets": budgets}

    @staticmethod
    def _window_stamp(use: _Use, now: float, opts: SandboxOptions, limit: int) -> str | None:
        moment = use.window.resets_at(now, opts, limit)
        return stamp(datetime.fromtimestamp(moment, UTC)) if moment is not None else None
