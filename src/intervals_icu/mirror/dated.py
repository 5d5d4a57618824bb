"""Dated kinds, wellness and calendar events: read in windows of local days.

A window is read completely (one request), so what the mirror has in it and the API did not
list was deleted, or (an event) moved: events are asked for by id before being marked
deleted. :func:`read_window` is what a run and the ``refresh_*`` calls share; :class:`DatedPass`
is one kind's passes of a run (recent, backfill, deep) from its saved position.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from intervals_icu import errors
from intervals_icu.dates import date_windows
from intervals_icu.mirror.context import RunContext, count
from intervals_icu.mirror.planner import EPOCH, Pass, merge_coverage, plan_passes
from intervals_icu.mirror.records import to_record
from intervals_icu.mirror.report import KindReport
from intervals_icu.mirror.ripple import earliest
from intervals_icu.mirror.store import RecordWrite, StateUpdate, WriteCounts
from intervals_icu.mirror.store_thread import StoreThread
from intervals_icu.mirror.writes import event_write, wellness_write

if TYPE_CHECKING:
    from intervals_icu import AsyncClient

__all__ = ["DatedKind", "DatedPass", "read_window"]

DatedKind = Literal["wellness", "events"]


async def read_window(db: StoreThread, client: AsyncClient, kind: DatedKind, athlete_id: str,
                      oldest: date, newest: date, report: KindReport,
                      state: StateUpdate | None = None, run_id: int | None = None
                      ) -> WriteCounts:
    """Read ``oldest..newest`` of one dated kind completely and apply it (with ``state``, the
    saved position, in the same transaction)."""
    tombstones: list[date] | list[int]
    if kind == "wellness":
        writes = [w for w in (wellness_write(to_record(r))
                              for r in await client.wellness.list(oldest, newest))
                  if w is not None]
        tombstones = sorted(await _vanished(db, kind, athlete_id, oldest, newest, writes))
    else:
        records = [to_record(e) for e in await client.events.list(oldest, newest)]
        writes = [event_write(r) for r in records if r.get("id") is not None]
        gone: list[int] = []
        for event_id in sorted(int(k) for k in await _vanished(db, kind, athlete_id, oldest,
                                                                newest, writes)):
            try:  # deleted, or moved out of the range? ask by id
                writes.append(event_write(to_record(await client.events.get(event_id))))
            except errors.NotFound:
                gone.append(event_id)
        tombstones = gone
    report.read += len(writes)
    counts = await db.run(db.store.apply_records, kind, athlete_id, writes,
                          tombstones=tombstones, state=state, run_id=run_id)
    count(report, counts)
    return counts


async def _vanished(db: StoreThread, kind: DatedKind, athlete_id: str, oldest: date,
                    newest: date, writes: list[RecordWrite]) -> set[Any]:
    """Live keys of the range the API did not list."""
    column = "day" if kind == "wellness" else "local_date"
    live = await db.run(db.store.live_keys, kind, athlete_id, date_column=column,
                        oldest=oldest, newest=newest)
    return live - {w.key for w in writes}


class DatedPass:
    """One dated kind of one athlete in a run: the passes its saved position calls for, one
    window (``window_days``) per request, newest first."""

    def __init__(self, ctx: RunContext, client: AsyncClient, athlete_id: str, kind: DatedKind,
                 report: KindReport, *, ripple: date | None) -> None:
        self.ctx = ctx
        self.client = client
        self.athlete_id = athlete_id
        self.kind = kind
        self.report = report
        self.ripple = ripple
        """Wellness: the oldest day whose fitness this run's activities moved."""

    async def run(self, today: date, floor: date, top: date) -> None:
        ctx, kind = self.ctx, self.kind
        settings, deep, since = ctx.settings, ctx.options.deep, ctx.options.since
        position = await ctx.db.run(ctx.store.position, self.athlete_id, kind)
        passes = plan_passes(covered_from=position.covered_from,
                             covered_to=position.covered_to, floor=floor, top=top, today=today,
                             lookback_days=settings.lookback_days, deep=deep,
                             also_from=earliest(self.ripple, position.reread_from)
                             if kind == "wellness" else None)
        coverage = (position.covered_from, position.covered_to)
        step = timedelta(days=settings.window_days)
        cf0 = position.covered_from
        if (not deep and since is None and cf0 is not None and cf0 <= floor
                and not position.history_complete and cf0 > EPOCH):
            # the floor was reached but not the empty window below it (a run was stopped)
            passes.append(Pass(max(EPOCH, cf0 - step), cf0 - timedelta(days=1), "backfill"))
        for read_pass in passes:
            windows = (list(date_windows(read_pass.oldest, read_pass.newest,
                                         days=settings.window_days, newest_first=True))
                       if read_pass.newest >= read_pass.oldest else [])
            # Records may predate the first activity (wellness often does): below the floor
            # the history goes on until a window comes back empty, unless ``since`` set it.
            reaching_floor = (since is None and read_pass.role in ("backfill", "deep")
                              and read_pass.oldest <= floor)
            index = 0
            while index < len(windows):
                lo, hi = windows[index]
                last = index == len(windows) - 1
                state: StateUpdate | None = None
                if read_pass.role in ("backfill", "deep"):
                    coverage = merge_coverage(*coverage, lo, read_pass.newest, today)
                    state = StateUpdate(kind, covered_from=coverage[0], covered_to=coverage[1])
                elif last:
                    coverage = merge_coverage(*coverage, read_pass.oldest, read_pass.newest,
                                              today)
                    state = StateUpdate(kind, covered_from=coverage[0], covered_to=coverage[1])
                before = self.report.read
                await read_window(ctx.db, self.client, kind, self.athlete_id, lo, hi,
                                  self.report, state, ctx.run_id)
                ctx.progress(self.athlete_id, self.report)
                if last and reaching_floor and lo > EPOCH:
                    if self.report.read > before:
                        windows.append((max(EPOCH, lo - step), lo - timedelta(days=1)))
                    else:
                        await ctx.db.run(ctx.store.save_state, self.athlete_id, StateUpdate(
                            kind, history_complete=True), ctx.run_id)
                index += 1
        await ctx.db.run(ctx.store.save_state, self.athlete_id, StateUpdate(
            kind, success=True, deep_checked=deep, clear_reread=True), ctx.run_id)
