"""Trends for terminal tables: a run of days drawn as a sparkline (``report.sparkline``).

* ``icu athletes``: each athlete's form (fitness − fatigue) over the last 28 days to their
  own today, a ``spark`` column of the roster;
* ``icu wellness``: HRV and form over the 28 days to the last day shown (or the whole range
  when it is longer), a small table under the records with the numbers the picture is
  scaled between. A per-day table gets one trend, not one per row: fourteen sparklines each
  shifted by a day, each scaled to itself, would draw the same value as different blocks.

A series is kept as JSON-ready data (``{"first", "last", "values"}``, one value per day,
null where the day has none) so ``--json`` carries the numbers a sparkline draws.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from intervals_icu.cli.tables import ESSENTIAL, Column

__all__ = [
    "TREND_COLUMNS",
    "TREND_DAYS",
    "daily",
    "form",
    "form_trends",
    "series",
    "spark",
    "trend_rows",
    "trend_title",
    "trend_window",
]

TREND_DAYS = 28
"""Days a trend covers (four weeks: a training block)."""
SPARK_WIDTH = TREND_DAYS
"""Cells a sparkline takes; a longer range is squeezed (each cell the mean of its days)."""
WORKERS = 4
"""Athletes whose wellness is read at once (the client's pacing still holds for all)."""


def form(record: Mapping[str, Any]) -> float | None:
    """Form (fitness − fatigue) of a wellness record, as the platform rounds it."""
    ctl, atl = record.get("ctl"), record.get("atl")
    if ctl is None or atl is None:
        return None
    return round(float(ctl) - float(atl), 2)


def hrv(record: Mapping[str, Any]) -> float | None:
    value = record.get("hrv")
    return None if value is None else float(value)


def daily(records: Iterable[Mapping[str, Any]], first: date, last: date,
          value: Callable[[Mapping[str, Any]], float | None]) -> list[float | None]:
    """One value per day from ``first`` to ``last`` (wellness records by their ``id``, the
    day), None for a day without a record or without the value."""
    by_day = {str(r.get("id"))[:10]: r for r in records if r.get("id")}
    out: list[float | None] = []
    day = first
    while day <= last:
        record = by_day.get(day.isoformat())
        out.append(None if record is None else value(record))
        day += timedelta(days=1)
    return out


def series(first: date, last: date, values: Sequence[float | None]) -> dict[str, Any]:
    return {"first": first.isoformat(), "last": last.isoformat(), "values": list(values)}


def spark(value: Any) -> str:
    """A series (see :func:`series`) as block characters; "" for none, or no value at all."""
    if not isinstance(value, Mapping):
        return ""
    values = value.get("values") or []
    if all(v is None for v in values):
        return ""
    from intervals_icu.report.sparkline import sparkline

    return sparkline(values, width=SPARK_WIDTH)


def trend_window(first: date, last: date) -> tuple[date, date]:
    """The days a trend ending at ``last`` covers: the range, or TREND_DAYS if it is shorter."""
    return min(first, last - timedelta(days=TREND_DAYS - 1)), last


# ---------------------------------------------------------------------------------------------
# icu athletes


def form_trends(client: Any, athletes: Sequence[tuple[str, date]]
                ) -> dict[str, dict[str, Any] | None]:
    """Each athlete's form over the TREND_DAYS days to their ``today``: ``(id, today)`` ->
    a series, or None when their wellness cannot be read (an athlete who only shares their
    summary: 403)."""
    from intervals_icu import errors

    def one(item: tuple[str, date]) -> tuple[str, dict[str, Any] | None]:
        athlete_id, today = item
        first = today - timedelta(days=TREND_DAYS - 1)
        try:
            records = client.for_athlete(athlete_id).wellness.list(
                first, today, fields=["id", "ctl", "atl"])
        except (errors.PermissionDenied, errors.NotFound):
            return athlete_id, None
        rows = [r.model_dump(mode="json", exclude_none=True) for r in records]
        return athlete_id, series(first, today, daily(rows, first, today, form))

    if len(athletes) <= 1:
        return dict(one(a) for a in athletes)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return dict(pool.map(one, athletes))


# ---------------------------------------------------------------------------------------------
# icu wellness


METRICS: tuple[tuple[str, Callable[[Mapping[str, Any]], float | None]], ...] = (
    ("hrv", hrv), ("form", form))


TREND_COLUMNS = [
    Column("metric", kind="id", priority=ESSENTIAL),
    Column("trend", kind="spark", priority=1, shown=spark),
    Column("last", kind="number", priority=ESSENTIAL),
    Column("mean", kind="number", priority=2),
    Column("low", kind="number", priority=ESSENTIAL),
    Column("high", kind="number", priority=ESSENTIAL),
]
"""The wellness trend table: the sparkline, then the numbers it is drawn between."""


def trend_title(first: date, last: date) -> str:
    days = (last - first).days + 1
    if days <= SPARK_WIDTH:
        return f"trend {first} .. {last}, a block a day (▁ low, █ high)"
    return f"trend {first} .. {last}, {days} days in {SPARK_WIDTH} blocks"


def trend_rows(records: Iterable[Mapping[str, Any]], first: date, last: date
               ) -> list[dict[str, Any]]:
    """HRV and form from ``first`` to ``last``: the series, the last value, the mean and the
    lowest and highest (the sparkline's ▁ and █). A metric with no value is left out."""
    kept = list(records)
    rows: list[dict[str, Any]] = []
    for name, value in METRICS:
        values = daily(kept, first, last, value)
        present = [v for v in values if v is not None]
        if not present:
            continue
        rows.append({"metric": name, "trend": series(first, last, values),
                     "last": present[-1], "mean": round(sum(present) / len(present), 2),
                     "low": min(present), "high": max(present)})
    return rows
