"""Activity details, fetched for the activities whose detail fingerprint moved: intervals
(``get_many(intervals=True)``, ``details_batch`` per request), streams (the 1 Hz data, one
request each) and original files (one download each), many in flight at once
(``concurrency``; the client's pacing sets the rate). Each activity's details are stored with
the mark that says they are current, in one transaction."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from intervals_icu import errors
from intervals_icu.mirror.context import RunContext, count, describe
from intervals_icu.mirror.records import to_record
from intervals_icu.mirror.report import KindReport
from intervals_icu.mirror.store import DetailWrite

if TYPE_CHECKING:
    from intervals_icu import AsyncClient

__all__ = ["DetailFailure", "fetch_files", "fetch_intervals", "fetch_streams"]

Pending = tuple[str, str, list[str]]
"""``(activity_id, detail fingerprint, stream types)`` of an activity needing a detail."""


class DetailFailure(errors.IntervalsError):
    """Some activities' details could not be read; they are retried on the next run."""

    def __init__(self, failures: list[str], total: int) -> None:
        super().__init__(
            f"{len(failures)} of {total} detail requests failed (retried next run); first: "
            f"{failures[0]}"
        )


async def _run_all(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    async with asyncio.TaskGroup() as group:
        for job in jobs:
            group.create_task(job)


async def fetch_intervals(ctx: RunContext, client: AsyncClient, athlete_id: str,
                          report: KindReport) -> None:
    pending = await ctx.db.run(ctx.store.activities_needing, athlete_id,
                               "intervals_fingerprint")
    size = ctx.settings.details_batch
    failures: list[str] = []

    async def one(batch: list[Pending]) -> None:
        async with ctx.detail_slots:
            try:
                found: list[BaseModel] = list(await client.activities.get_many(
                    [b[0] for b in batch], intervals=True))
            except (errors.APIError, errors.TransportError) as exc:
                failures.append(describe(exc))
                return
        by_id = {str(r["id"]): r for r in map(to_record, found) if r.get("id")}
        for activity_id, planned, _types in batch:
            raw = by_id.get(activity_id)
            if raw is None:
                continue
            counts = await ctx.db.run(ctx.store.apply_details, DetailWrite(
                athlete_id, activity_id, marks={"intervals_fingerprint": planned},
                intervals=list(raw.get("icu_intervals") or []),
                groups=list(raw.get("icu_groups") or [])), run_id=ctx.run_id)
            report.read += 1
            count(report, counts)
        gone = [activity_id for activity_id, _fp, _t in batch if activity_id not in by_id]
        if gone:
            await ctx.db.run(ctx.store.apply_activity_tombstones, athlete_id, gone,
                             run_id=ctx.run_id)
        ctx.progress(athlete_id, report, total=len(pending))

    await _run_all(one(pending[i:i + size]) for i in range(0, len(pending), size))
    if failures:
        raise DetailFailure(failures, len(pending))


async def fetch_streams(ctx: RunContext, client: AsyncClient, athlete_id: str,
                        report: KindReport) -> None:
    pending = await ctx.db.run(ctx.store.activities_needing, athlete_id, "streams_fingerprint")
    failures: list[str] = []

    async def one(activity_id: str, planned: str, types: list[str]) -> None:
        async with ctx.detail_slots:
            try:
                data = await client.activities.streams(activity_id, types=types or None)
            except errors.NotFound:
                await ctx.db.run(ctx.store.apply_activity_tombstones, athlete_id,
                                 [activity_id], run_id=ctx.run_id)
                return
            except (errors.APIError, errors.TransportError) as exc:
                failures.append(describe(exc))
                return
        counts = await ctx.db.run(ctx.store.apply_details, DetailWrite(
            athlete_id, activity_id, marks={"streams_fingerprint": planned},
            streams=[to_record(s) for s in data]), run_id=ctx.run_id)
        report.read += 1
        count(report, counts)
        ctx.progress(athlete_id, report, total=len(pending))

    await _run_all(one(*p) for p in pending)
    await fill_curves(ctx, athlete_id)
    if failures:
        raise DetailFailure(failures, len(pending))


CURVES_BATCH = 50
"""Activities whose best efforts are filled per transaction (the writer thread stays free
for other work between batches)."""


async def fill_curves(ctx: RunContext, athlete_id: str) -> int:
    """Best efforts for stored streams that have none current (a mirror synced before
    ``activity_curves`` existed, or by an older computation): computed once, here, so that
    no report has to decode the streams."""
    stale = await ctx.db.run(ctx.store.curves_to_fill, athlete_id)
    for start in range(0, len(stale), CURVES_BATCH):
        await ctx.db.run(ctx.store.fill_curves, athlete_id, stale[start:start + CURVES_BATCH],
                         run_id=ctx.run_id)
    return len(stale)


async def fetch_files(ctx: RunContext, client: AsyncClient, athlete_id: str,
                      report: KindReport) -> None:
    files_dir = ctx.options.files_dir
    assert files_dir is not None
    folder = files_dir / athlete_id
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    pending = await ctx.db.run(ctx.store.activities_needing, athlete_id, "files_fingerprint")
    failures: list[str] = []

    async def one(activity_id: str, planned: str, _types: list[str]) -> None:
        target = folder / f"{activity_id}.original"
        async with ctx.detail_slots:
            try:
                download = await client.activities.download_file(activity_id, target)
            except errors.NotFound:
                # no original file (manual activity): nothing to keep, but done
                await ctx.db.run(ctx.store.apply_details, DetailWrite(
                    athlete_id, activity_id, marks={"files_fingerprint": planned}),
                    run_id=ctx.run_id)
                return
            except (errors.APIError, errors.TransportError) as exc:
                failures.append(describe(exc))
                return
        path = Path(download.path or target)
        digest, size = await asyncio.to_thread(_sha256, path)
        await ctx.db.run(ctx.store.apply_details, DetailWrite(
            athlete_id, activity_id, marks={"files_fingerprint": planned},
            file={"kind": "original", "path": str(path), "size": size,
                  "sha256": digest, "fingerprint": planned}), run_id=ctx.run_id)
        report.read += 1
        report.created += 1
        ctx.progress(athlete_id, report, total=len(pending))

    await _run_all(one(*p) for p in pending)
    if failures:
        raise DetailFailure(failures, len(pending))


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size
