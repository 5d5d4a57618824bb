"""The fleet runner: an OAuth app's athletes kept mirrored within the platform's request
budgets, by any number of workers sharing one PostgreSQL database.

    from intervals_icu.fleet import Fleet

    fleet = Fleet("postgresql+psycopg://me@db/icu")
    fleet.add_token(token)                  # from your OAuth callback
    asyncio.run(fleet.run(concurrency=8))   # in each worker process: `icu fleet run`

See docs/fleet.md.
"""

from intervals_icu.fleet.budget import Budget, BudgetLimits, Floors, Refusal, Reservation, Usage
from intervals_icu.fleet.meter import BudgetRefused, MeteredTransport, Spend, spending
from intervals_icu.fleet.runner import AthleteStatus, Fleet, FleetStatus
from intervals_icu.fleet.schedule import AthleteState, Pacing
from intervals_icu.fleet.store import AthleteRow, FleetStore, Grant
from intervals_icu.fleet.worker import FleetWorker, WorkerTotals

__all__ = [
    "AthleteRow",
    "AthleteState",
    "AthleteStatus",
    "Budget",
    "BudgetLimits",
    "BudgetRefused",
    "Fleet",
    "FleetStatus",
    "FleetStore",
    "FleetWorker",
    "Floors",
    "Grant",
    "MeteredTransport",
    "Pacing",
    "Refusal",
    "Reservation",
    "Spend",
    "Usage",
    "WorkerTotals",
    "spending",
]
