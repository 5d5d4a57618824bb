"""Activities: the passes one athlete's run reads, from the saved position.

* ``recent`` (incremental runs): one light listing of the whole covered history
  (:data:`~intervals_icu.mirror.fingerprint.SCAN_FIELDS`) instead of full re-reads; only new,
  changed and vanished activities are read in full (or, with ``scan_history=False``, the
  look-back window is re-read in full, page by page).
* ``backfill`` / ``deep``: a history read; the first page in full, then one light listing of
  the rest cuts it into date windows read concurrently and stored in order, newest first.
* the ripple: a load change found before the recent window re-reads that stretch.

Pages are stored with the saved position in the same transaction; the store saves the ripple
day (``reread_from``) with any change that moved fitness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from intervals_icu.mirror.context import RunContext, count
from intervals_icu.mirror.fingerprint import SCAN_FIELDS, scan_projection
from intervals_icu.mirror.planner import EPOCH, Pass, merge_coverage, plan_passes
from intervals_icu.mirror.records import to_record
from intervals_icu.mirror.report import KindReport
from intervals_icu.mirror.ripple import earliest, local_day
from intervals_icu.mirror.store import RecordWrite, StateUpdate
from intervals_icu.mirror.writes import summary_write

if TYPE_CHECKING:
    from intervals_icu import AsyncClient
    from intervals_icu.models import Activity, StravaActivityStub

__all__ = ["ActivityPasses", "cut_windows"]

Coverage = tuple[date | None, date | None]


class ActivityPasses:
    """One athlete's activities in one run. ``ripple`` is, after :meth:`run`, the oldest day
    whose fitness this run found moved (wellness re-reads from there)."""

    def __init__(self, ctx: RunContext, client: AsyncClient, athlete_id: str, today: date,
                 report: KindReport, floor_known: asyncio.Future[date | None] | None) -> None:
        self.ctx = ctx
        self.client = client
        self.athlete_id = athlete_id
        self.today = today
        self.report = report
        self.floor_known = floor_known
        """Set once the oldest activity is known, so wellness and events can start."""
        self.coverage: Coverage = (None, None)
        self.ripple: date | None = None

    @property
    def floor(self) -> date:
        return self.ctx.options.since or EPOCH

    async def run(self) -> None:
        ctx, settings = self.ctx, self.ctx.settings
        position = await ctx.db.run(ctx.store.position, self.athlete_id, "activities")
        top = self.today + timedelta(days=settings.activities_ahead_days)
        passes = plan_passes(covered_from=position.covered_from,
                             covered_to=position.covered_to, floor=self.floor, top=top,
                             today=self.today, lookback_days=settings.lookback_days,
                             deep=ctx.options.deep)
        self.coverage = (position.covered_from, position.covered_to)
        recent = next((p for p in passes if p.role == "recent"), None)
        if recent is not None:
            self.ripple = position.reread_from  # a previous run found it and did not finish
        covered_from = self.coverage[0]
        if recent is not None and settings.scan_history and covered_from is not None:
            # One light listing of the whole covered history (new activities included)
            # instead of a full re-read of the recent window: edits anywhere are found.
            passes = [p for p in passes if p is not recent]
            self.ripple = earliest(self.ripple, await self.scan(covered_from, recent.newest))
            self.coverage = merge_coverage(*self.coverage, covered_from, recent.newest,
                                           self.today)
            await ctx.db.run(ctx.store.save_state, self.athlete_id, StateUpdate(
                "activities", covered_from=self.coverage[0], covered_to=self.coverage[1]),
                ctx.run_id)
            # Nothing was read in full: a load change re-reads from its day to the top.
            recent = Pass(recent.newest + timedelta(days=1), recent.newest, "recent")
        backfill = [p.oldest for p in passes if p.role == "backfill"]
        wellness = await ctx.db.run(ctx.store.position, self.athlete_id, "wellness")
        if backfill and wellness.covered_to is not None:
            # Activities the mirror never read, below days whose wellness it has: one may
            # have changed since that wellness was read (the mirror cannot tell, it never saw
            # it). Re-read wellness over that stretch too.
            await ctx.db.run(ctx.store.mark_reread, self.athlete_id, ("wellness",),
                             min(backfill), ctx.run_id)
        # Without a recent pass or such a re-read no ripple can come: wellness starts at once.
        history_only = recent is None and not (backfill and wellness.covered_to is not None)
        for read_pass in passes:
            if read_pass.role in ("backfill", "deep"):
                early = history_only and read_pass.oldest <= self.floor
                changed_from = await self.history(read_pass, signal=early)
            else:
                changed_from = await self.paged(read_pass)
            if read_pass.role == "recent":
                self.ripple = earliest(self.ripple, changed_from)
        if recent is not None and self.ripple is not None and self.ripple < recent.oldest:
            # An activity changed (or moved) before the recent window: the fitness numbers
            # from that day on have moved too. Re-read that stretch (and wellness, later).
            await self.paged(Pass(self.ripple, min(recent.oldest - timedelta(days=1),
                                                   recent.newest), "recent"))
        await ctx.db.run(ctx.store.save_state, self.athlete_id, StateUpdate(
            "activities", success=True, deep_checked=ctx.options.deep,
            clear_reread=recent is not None or ctx.options.deep), ctx.run_id)

    def signal_floor(self, oldest: date | None) -> None:
        """Let wellness and events start: ``oldest`` is the oldest activity the API listed
        (None: ask the database, once the activities are stored)."""
        if self.floor_known is not None and not self.floor_known.done():
            self.floor_known.set_result(oldest)

    # -- reading pages ------------------------------------------------------------------------

    async def paged(self, read_pass: Pass) -> date | None:
        """Read one pass page by page, newest first; returns the ripple day it found."""
        page_size = self.ctx.settings.page_size
        changed_from: date | None = None
        newest = read_pass.newest
        while newest >= read_pass.oldest:
            page = await self.client.activities.list(read_pass.oldest, end_of(newest),
                                                     limit=page_size)
            writes = [summary_write(a) for a in page]
            next_newest: date | None
            if len(page) < page_size:
                lowest, next_newest = read_pass.oldest, None
            else:
                page_oldest = min((w.columns["local_date"] for w in writes
                                   if w.columns["local_date"]), default=newest)
                if page_oldest >= newest:
                    # a whole page on one day: read that day without a limit
                    day = await self.client.activities.list(newest, end_of(newest))
                    writes = [summary_write(a) for a in day]
                    lowest, next_newest = newest, newest - timedelta(days=1)
                else:
                    lowest, next_newest = page_oldest + timedelta(days=1), page_oldest
            changed_from = earliest(changed_from, await self.store_page(
                writes, lowest, newest, read_pass,
                last=next_newest is None or next_newest < read_pass.oldest))
            if next_newest is None:
                break
            newest = next_newest
        return changed_from

    async def store_page(self, writes: list[RecordWrite], lowest: date, newest: date,
                         read_pass: Pass, *, last: bool) -> date | None:
        """Store one page that lists ``lowest..newest`` completely (what it lacks was deleted
        or moved) and move the saved position in the same transaction; returns the ripple
        day the store found."""
        ctx = self.ctx
        self.report.read += len(writes)
        tombstones, moved = await self.vanished(writes, lowest, newest)
        state: StateUpdate | None = None
        if read_pass.role in ("backfill", "deep"):
            self.coverage = merge_coverage(*self.coverage, lowest, read_pass.newest, self.today)
            covered_from = self.coverage[0]
            state = StateUpdate("activities", covered_from=covered_from,
                                covered_to=self.coverage[1],
                                history_complete=covered_from is not None
                                and covered_from <= EPOCH)
        elif last:
            self.coverage = merge_coverage(*self.coverage, read_pass.oldest, read_pass.newest,
                                           self.today)
            state = StateUpdate("activities", covered_from=self.coverage[0],
                                covered_to=self.coverage[1])
        counts = await ctx.db.run(ctx.store.apply_records, "activities", self.athlete_id,
                                  [*writes, *moved], tombstones=tombstones, state=state,
                                  run_id=ctx.run_id)
        count(self.report, counts)
        ctx.progress(self.athlete_id, self.report)
        return counts.ripple_from

    async def history(self, read_pass: Pass, *, signal: bool) -> date | None:
        """Read a long stretch (a first sync, a deep sync) without one page waiting for the
        other: the first page in full; if there is more, one light listing of the rest (ids
        and dates) cuts it into date windows of under ``page_size`` activities, read
        concurrently and stored in order, newest first, so a stop leaves one contiguous
        saved range. A window that grew past ``page_size`` meanwhile is paged as usual."""
        page_size = self.ctx.settings.page_size
        first = [summary_write(a) for a in await self.client.activities.list(
            read_pass.oldest, end_of(read_pass.newest), limit=page_size)]
        days = [d for w in first if (d := w.columns["local_date"]) is not None]
        if len(first) < page_size:
            if signal:
                self.signal_floor(min(days, default=None))
            return await self.store_page(first, read_pass.oldest, read_pass.newest, read_pass,
                                         last=True)
        page_oldest = min(days, default=read_pass.newest)
        if page_oldest >= read_pass.newest:  # a whole page on one day: page it as usual
            return await self.paged(read_pass)
        changed_from = await self.store_page(first, page_oldest + timedelta(days=1),
                                             read_pass.newest, read_pass, last=False)
        per_day: dict[date, int] = {}
        for record in (await self.light_listing(read_pass.oldest, page_oldest,
                                                ("id", "start_date_local"))).values():
            if (day := local_day(record.get("start_date_local"))) is not None:
                per_day[day] = per_day.get(day, 0) + 1
        if signal:
            self.signal_floor(min(per_day, default=page_oldest))
        windows = cut_windows(per_day, read_pass.oldest, page_oldest,
                              capacity=max(1, page_size * 9 // 10))
        ahead = max(1, self.ctx.settings.concurrency)
        fetches: dict[int, asyncio.Future[list[Activity | StravaActivityStub]]] = {}

        def fetch_up_to(index: int) -> None:
            for i in range(index, min(index + ahead, len(windows))):
                if i not in fetches:
                    lo, hi = windows[i]
                    fetches[i] = asyncio.ensure_future(
                        self.client.activities.list(lo, end_of(hi), limit=page_size))

        try:
            for index, (lo, hi) in enumerate(windows):
                fetch_up_to(index)
                page = await fetches.pop(index)
                if len(page) >= page_size:
                    window_changed = await self.paged(Pass(lo, hi, read_pass.role))
                else:
                    window_changed = await self.store_page(
                        [summary_write(a) for a in page], lo, hi, read_pass,
                        last=index == len(windows) - 1)
                changed_from = earliest(changed_from, window_changed)
        finally:
            for pending in fetches.values():
                pending.cancel()
            await asyncio.gather(*fetches.values(), return_exceptions=True)
        return changed_from

    async def light_listing(self, oldest: date, newest: date,
                            fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Every activity of ``oldest..newest`` with only ``fields`` (and the id), keyed by
        id: a few hundred bytes each, ``scan_page_size`` per request, paged by date."""
        listed: dict[str, dict[str, Any]] = {}
        page_size = self.ctx.settings.scan_page_size
        top = newest
        while top >= oldest:
            page = [to_record(a) for a in await self.client.activities.list(
                oldest, end_of(top), limit=page_size, fields=list(fields))]
            for record in page:
                listed[str(record["id"])] = record
            if len(page) < page_size:
                break
            days = [d for r in listed.values() if (d := local_day(r.get("start_date_local")))]
            page_oldest = min(days, default=top)
            # A page that did not get below its top day: go on one day lower (a day with
            # more than scan_page_size activities is beyond any athlete).
            top = page_oldest - timedelta(days=1) if page_oldest >= top else page_oldest
        return listed

    async def scan(self, oldest: date, newest: date) -> date | None:
        """Re-list ``oldest..newest`` with only :data:`SCAN_FIELDS` and apply what moved:
        new and changed activities are read in full (``get_many``), vanished ones are
        confirmed by id (deleted or moved). Returns the oldest day whose fitness moved (the
        store saved it as ``reread_from`` with each batch, so a run that stops after
        applying cannot forget it)."""
        if newest < oldest:
            return None
        ctx = self.ctx
        stored = await ctx.db.run(ctx.store.scan_projections, self.athlete_id, oldest, newest)
        listed = {key: scan_projection(record) for key, record in
                  (await self.light_listing(oldest, newest, SCAN_FIELDS)).items()}
        self.report.read += len(listed)
        changed = sorted(k for k, projection in listed.items() if stored.get(k) != projection)
        ripple: date | None = None
        batch_size = ctx.settings.details_batch
        for start in range(0, len(changed), batch_size):
            found = await self.client.activities.get_many(changed[start:start + batch_size])
            # stored batch by batch: a long scan that fails part way keeps what it read
            counts = await ctx.db.run(ctx.store.apply_records, "activities", self.athlete_id,
                                      [summary_write(a) for a in found], run_id=ctx.run_id)
            count(self.report, counts)
            ripple = earliest(ripple, counts.ripple_from)
        tombstones, moved = await self.vanished([], oldest, newest, listed=set(listed))
        if not tombstones and not moved:
            return ripple
        counts = await ctx.db.run(ctx.store.apply_records, "activities", self.athlete_id,
                                  moved, tombstones=tombstones, state=None, run_id=ctx.run_id)
        count(self.report, counts)
        return earliest(ripple, counts.ripple_from)

    async def vanished(self, writes: list[RecordWrite], oldest: date, newest: date, *,
                       listed: set[str] | None = None) -> tuple[list[str], list[RecordWrite]]:
        """Activities the mirror has in a range just read completely but the API did not
        list: deleted, or moved to another date. One ``get_many`` tells which."""
        ctx = self.ctx
        live = await ctx.db.run(ctx.store.live_keys, "activities", self.athlete_id,
                                date_column="local_date", oldest=oldest, newest=newest)
        missing = sorted(live - {w.key for w in writes} - (listed or set()))
        if not missing:
            return [], []
        found: list[BaseModel] = list(await self.client.activities.get_many(missing))
        moved = [summary_write(a) for a in found]
        still = {w.key for w in moved}
        return [k for k in missing if k not in still], moved


def cut_windows(counts: dict[date, int], oldest: date, newest: date,
                capacity: int) -> list[tuple[date, date]]:
    """Contiguous windows covering ``oldest..newest``, newest first, each holding at most
    ``capacity`` activities by ``counts`` (a busier single day gets a window of its own)."""
    windows: list[tuple[date, date]] = []
    hi, held = newest, 0
    for day in sorted((d for d in counts if oldest <= d <= newest), reverse=True):
        if held and held + counts[day] > capacity:
            windows.append((day + timedelta(days=1), hi))
            hi, held = day, 0
        held += counts[day]
    windows.append((oldest, hi))
    return windows


def end_of(day: date) -> datetime:
    """The last second of a local day: ``newest`` as a date-time is unambiguous."""
    return datetime.combine(day, dtime(23, 59, 59))
