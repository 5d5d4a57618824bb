"""Every request a fleet worker sends is paid for from the shared budget *before* it leaves.

The meter sits in the HTTP transport the fleet's client is built on (``AsyncClient(
http_client=httpx.AsyncClient(transport=MeteredTransport(...)))``: the client's documented
way to bring your own connections), so the client core knows nothing of fleets and every
request is counted, retries included, whichever part of the mirror sends it. A hook called
after the answer (``client.on_response``) could count, but not stop, the request that would
pass a limit; a reservation must come first.

Each unit of work (an athlete's webhook entries, a reconciliation, a first sync) runs with a
:class:`Spend` in a context variable; the transport takes one request from it, and the spend
reserves more from the database a block at a time (:meth:`Budget.reserve`). When the budget
refuses, the request is not sent: :class:`BudgetRefused` (a transport error that never
left this machine) stops that kind of work where it stands, as a lost network would, and
the mirror keeps every page it had committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx

from intervals_icu import errors
from intervals_icu.error_mapping import parse_retry_after
from intervals_icu.fleet.budget import (
    APP_DAY,
    ATHLETE_DAY,
    WINDOW,
    Budget,
    Floors,
    Refusal,
    Reservation,
)

__all__ = ["PLATFORM_BUDGETS", "BudgetRefused", "MeteredTransport", "Spend", "current_spend",
           "platform_refusal", "spending"]

PLATFORM_BUDGETS = {"app-daily": APP_DAY, "app-window": WINDOW, "user-daily": ATHLETE_DAY}
"""The platform's budget names (``X-RateLimit-Budget``, as the sandbox sends them) -> ours."""

LONG_WAIT = 120.0
"""A 429 asking to wait longer than this is a spent budget, not a burst (the client's
``RetryPolicy.max_retry_after`` default draws the same line)."""

current_spend: contextvars.ContextVar[Spend | None] = contextvars.ContextVar(
    "icu_fleet_spend", default=None)


class BudgetRefused(errors.TransportError):
    """The app's request budget has no room for this request: it was not sent. ``until``
    is when to try again (the platform's clock), ``refusal`` says which budget. (The
    platform's own refusal, a budget 429, is :class:`intervals_icu.BudgetExhausted`; after
    one, the rest of the unit of work is refused here without asking again.)"""

    def __init__(self, message: str, *, refusal: Refusal) -> None:
        super().__init__(message, sent=False)
        self.refusal = refusal
        self.until: datetime = refusal.until


class Spend:
    """One unit of work's account: requests reserved, sent, and what is given back.

    ``first`` requests are reserved at the first request, then ``block`` at a time.
    ``needs``: the work does not start unless that many are free (a sync that cannot
    finish would spend its budget on the same first pages every time it is tried).
    ``now`` and ``users`` come from the fleet (the platform's clock; authorized athletes)."""

    def __init__(self, budget: Budget, athlete_id: str, *, floors: Floors, first: int,
                 block: int, now: Callable[[], datetime], users: Callable[[], int],
                 needs: int = 1) -> None:
        self.budget = budget
        self.athlete_id = athlete_id
        self.floors = floors
        self.first = max(1, first)
        self.block = max(1, block)
        self.needs = min(max(1, needs), self.first)
        self.now = now
        self.users = users
        self.sent = 0
        """Requests that went out (every attempt)."""
        self.refusal: Refusal | None = None
        self._credits = 0
        self._reservations: list[Reservation] = []
        self._lock = asyncio.Lock()

    def observe(self, response: httpx.Response) -> None:
        """Note the platform's refusal (a budget 429): nothing more is sent from this
        process until its reset, and the worker marks the budget spent for every worker."""
        refusal = platform_refusal(response, self.now())
        if refusal is None:
            return
        if self.refusal is None:
            self.refusal = refusal
        stop = self.budget.platform_refusal
        if stop is None or stop.until < refusal.until:
            self.budget.platform_refusal = refusal

    async def take(self) -> None:
        """Pay for one request, reserving more if needed; BudgetRefused if refused."""
        async with self._lock:
            stop = self.budget.platform_refusal
            if stop is not None and self.now() < stop.until:
                if self.refusal is None:
                    self.refusal = stop
                raise self._error(stop)
            if self._credits == 0:
                await self._reserve()
            self._credits -= 1
            self.sent += 1

    async def _reserve(self) -> None:
        if self.refusal is not None:  # refused once: not asked again in this unit of work
            raise self._error(self.refusal)
        starting = not self._reservations
        wanted = self.first if starting else self.block
        # As many as wanted, or what is left if less: a tight budget is used to its end.
        answer = await asyncio.to_thread(self.budget.reserve, self.athlete_id, wanted,
                                         now=self.now(), users=self.users(),
                                         floors=self.floors,
                                         at_least=self.needs if starting else 1,
                                         spent_here=sum(r.n for r in self._reservations))
        if isinstance(answer, Reservation):
            self._reservations.append(answer)
            self._credits += answer.n
            return
        self.refusal = answer
        raise self._error(answer)

    def _error(self, refusal: Refusal) -> BudgetRefused:
        return BudgetRefused(f"not sent: {refusal.describe()}", refusal=refusal)

    async def settle(self) -> None:
        """The unit of work ended: give back what was reserved and not sent (from the
        latest reservation first)."""
        unused = self._credits
        self._credits = 0
        reservations, self._reservations = self._reservations, []
        for reservation in reversed(reservations):
            back = min(unused, reservation.n)
            await asyncio.to_thread(self.budget.settle, reservation, back)
            unused -= back


@contextlib.contextmanager
def spending(spend: Spend) -> Iterator[Spend]:
    """Run the requests of the enclosed code (and of the tasks it starts) on ``spend``."""
    token = current_spend.set(spend)
    try:
        yield spend
    finally:
        current_spend.reset(token)


class MeteredTransport(httpx.AsyncBaseTransport):
    """An httpx transport that pays for each request from the current :class:`Spend`
    before handing it to ``inner`` (the network, or a sandbox). A request made outside any
    unit of work is refused: a fleet worker's every request is accounted for."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        spend = current_spend.get()
        if spend is None:
            raise errors.ConfigurationError(
                "a fleet request was made outside a unit of work, so no budget pays for it; "
                "run it inside `with spending(spend):`")
        await spend.take()
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429:
            spend.observe(response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def platform_refusal(response: httpx.Response, now: datetime) -> Refusal | None:
    """The budget a 429 says is spent, and until when (None: an ordinary 429, a burst over
    the per-second limit, which the client waits out itself)."""
    if response.status_code != 429:
        return None
    headers = response.headers
    name = headers.get("x-ratelimit-budget")
    retry_after = parse_retry_after(headers.get("retry-after"))
    if name is None and (retry_after is None or retry_after <= LONG_WAIT):
        return None
    until = now + timedelta(seconds=retry_after or LONG_WAIT)
    reset = headers.get("x-ratelimit-reset")
    with contextlib.suppress(ValueError, OverflowError):
        if reset:
            value = float(reset)
            until = (datetime.fromtimestamp(value, UTC) if value > 1e9
                     else now + timedelta(seconds=value))
    limit = 0
    with contextlib.suppress(ValueError):
        limit = int(headers.get("x-ratelimit-limit") or 0)
    return Refusal(PLATFORM_BUDGETS.get(name or "", APP_DAY), until, limit, limit, 0,
                   exhausted=True, by_platform=True)

