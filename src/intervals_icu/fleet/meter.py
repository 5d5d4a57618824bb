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
refuses, the request is not sent: :class:`BudgetExhausted` (a transport error that never
left this machine) stops that kind of work where it stands, as a lost network would, and
the mirror keeps every page it had committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator
from datetime import datetime

import httpx

from intervals_icu import errors
from intervals_icu.fleet.budget import Budget, Floors, Refusal, Reservation

__all__ = ["BudgetExhausted", "MeteredTransport", "Spend", "current_spend", "spending"]

current_spend: contextvars.ContextVar[Spend | None] = contextvars.ContextVar(
    "icu_fleet_spend", default=None)


class BudgetExhausted(errors.TransportError):
    """The app's request budget has no room for this request: it was not sent. ``until``
    is when to try again (the platform's clock), ``refusal`` says which budget."""

    def __init__(self, message: str, *, refusal: Refusal) -> None:
        super().__init__(message, sent=False)
        self.refusal = refusal
        self.until: datetime = refusal.until


class Spend:
    """One unit of work's account: requests reserved, sent, and what is given back.

    ``first`` requests are reserved at the first request, then ``block`` at a time.
    ``now`` and ``users`` come from the fleet (the platform's clock; authorized athletes)."""

    def __init__(self, budget: Budget, athlete_id: str, *, floors: Floors, first: int,
                 block: int, now: Callable[[], datetime], users: Callable[[], int]) -> None:
        self.budget = budget
        self.athlete_id = athlete_id
        self.floors = floors
        self.first = max(1, first)
        self.block = max(1, block)
        self.now = now
        self.users = users
        self.sent = 0
        """Requests that went out (every attempt)."""
        self.refusal: Refusal | None = None
        self._credits = 0
        self._reservations: list[Reservation] = []
        self._lock = asyncio.Lock()

    @property
    def reserved(self) -> int:
        return sum(r.n for r in self._reservations)

    async def take(self) -> None:
        """Pay for one request, reserving more if needed; BudgetExhausted if refused."""
        async with self._lock:
            if self._credits == 0:
                await self._reserve()
            self._credits -= 1
            self.sent += 1

    async def _reserve(self) -> None:
        if self.refusal is not None:  # refused once: not asked again in this unit of work
            raise self._error(self.refusal)
        wanted = self.first if not self._reservations else self.block
        for n in dict.fromkeys((wanted, 1)):  # what is wanted, else whatever single is left
            answer = await asyncio.to_thread(self.budget.reserve, self.athlete_id, n,
                                             now=self.now(), users=self.users(),
                                             floors=self.floors)
            if isinstance(answer, Reservation):
                self._reservations.append(answer)
                self._credits += n
                return
            self.refusal = answer
        assert self.refusal is not None
        raise self._error(self.refusal)

    def _error(self, refusal: Refusal) -> BudgetExhausted:
        return BudgetExhausted(f"not sent: {refusal.describe()}", refusal=refusal)

    async def settle(self) -> None:
        """Give back what was reserved and not sent (from the latest reservation first)."""
        unused = self._credits
        self._credits = 0
        for reservation in reversed(self._reservations):
            if unused <= 0:
                break
            back = min(unused, reservation.n)
            await asyncio.to_thread(self.budget.refund, reservation, back)
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
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
