#!/usr/bin/env python3
"""Webhook receiver figures (one run, this machine, loopback).

    /work/venv/bin/python benchmarks/webhooks.py [--seconds 5] [--connections 64]
                                                 [--postgres URL] [--lag-changes 30]

1. Acknowledgements: a load generator (its own process, raw keep-alive sockets) POSTs
   one-event deliveries, each a distinct event, to a receiver served by uvicorn in another
   process, and reports acknowledged deliveries per second and p50/p99 ack latency for:
   a bare Starlette handler that reads the body and stores nothing (the baseline), the
   durable inbox on SQLite (synchronous=FULL, the default, and NORMAL) and on PostgreSQL
   (with --postgres, or ICU_TEST_POSTGRES_URL). "durable / bare" is the cost of durability.
   Each durable run checks afterwards that every acknowledged event is in the inbox.
2. End-to-end lag: a live sandbox delivers to a receiver with a worker updating a mirror
   (SQLite); for each change (a wellness weight written through the API) it measures the
   time from the API call returning to the mirror row holding the new value.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SECRET = "whsec-benchmark"


# -- the servers (each in its own process) -----------------------------------------------------


def _bare_app() -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def endpoint(request: Request) -> JSONResponse:
        await request.body()
        return JSONResponse({"received": 1})

    return Starlette(routes=[Route("/", endpoint, methods=["POST"])])


def serve_process(kind: str, database: str | None, prefix: str, port_queue: Any) -> None:
    import logging

    import uvicorn

    from intervals_icu.webhooks import WebhookReceiver
    from intervals_icu.webhooks.serve import listening_socket

    logging.disable(logging.WARNING)
    sock = listening_socket("127.0.0.1", 0)
    if kind == "bare":
        app = _bare_app()
    else:
        synchronous = "NORMAL" if kind == "sqlite-normal" else "FULL"
        assert database is not None
        receiver = WebhookReceiver(secrets=SECRET, inbox=database, table_prefix=prefix,
                                   sqlite_synchronous=synchronous)  # type: ignore[arg-type]
        app = receiver.asgi_app()
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning",
                                           access_log=False))
    port_queue.put(sock.getsockname()[1])
    server.run(sockets=[sock])


# -- the load generator (its own process) -------------------------------------------------------


_BASE = datetime(2026, 4, 15, 16, tzinfo=UTC)


def _request(n: int, worker: int) -> bytes:
    # Distinct events (one athlete per connection, one millisecond per event), shaped as
    # the platform sends them.
    stamp = (_BASE + timedelta(milliseconds=n)).isoformat(timespec="milliseconds")
    event = {"athlete_id": f"i{1000 + worker}", "type": "ACTIVITY_UPDATED", "timestamp": stamp,
             "activity": {"id": f"i{n}", "name": "Lunch Ride", "distance": 40211.0,
                          "moving_time": 5003, "icu_training_load": 74}}
    body = json.dumps({"secret": SECRET, "events": [event]}).encode()
    head = (f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"User-Agent: Java-http-client/17.0.14\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _connection(port: int, worker: int, deadline: float, latencies: list[float],
                      statuses: dict[int, int]) -> None:
    import socket

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    n = 0
    while time.perf_counter() < deadline:
        request = _request(n, worker)
        started = time.perf_counter()
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        status = int(status_line.split()[1])
        statuses[status] = statuses.get(status, 0) + 1
        n += 1
    writer.close()


def load_process(port: int, seconds: float, connections: int, result_queue: Any) -> None:
    async def main() -> dict[str, Any]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        warm: dict[int, int] = {}
        # Warm up (connections, caches, the writer thread), then measure.
        await asyncio.gather(*(_connection(port, 10_000 + w, time.perf_counter() + 0.5, [],
                                           warm) for w in range(connections)))
        started = time.perf_counter()
        await asyncio.gather(*(_connection(port, w, started + seconds, latencies, statuses)
                               for w in range(connections)))
        return {"elapsed": time.perf_counter() - started, "latencies": latencies,
                "statuses": statuses, "warm_acked": warm.get(200, 0)}

    result_queue.put(asyncio.run(main()))


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class AckFigures:
    label: str
    per_second: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    acked_total: int = 0
    stored: int | None = None
    cpu_ms_per_ack: float | None = None
    """Server CPU per acknowledged delivery: what the machine's load does not distort."""


def run_ack(kind: str, label: str, seconds: float, connections: int,
            database: str | None = None) -> AckFigures:
    ctx = multiprocessing.get_context("spawn")
    ports, results = ctx.Queue(), ctx.Queue()
    prefix = f"bench_{uuid.uuid4().hex[:8]}_"
    server = ctx.Process(target=serve_process, args=(kind, database, prefix, ports),
                         daemon=True)
    server.start()
    try:
        port = ports.get(timeout=60)
        time.sleep(0.3)
        cpu_before = process_cpu_seconds(server.pid or 0)
        load = ctx.Process(target=load_process, args=(port, seconds, connections, results))
        load.start()
        result = results.get(timeout=seconds + 120)
        cpu_after = process_cpu_seconds(server.pid or 0)
        load.join(30)
    finally:
        server.terminate()
        server.join(30)
    latencies = sorted(result["latencies"])
    ok = result["statuses"].get(200, 0)
    figures = AckFigures(label, ok / result["elapsed"], 1000 * statistics.median(latencies),
                         1000 * latencies[int(len(latencies) * 0.99) - 1], result["statuses"],
                         acked_total=ok + result["warm_acked"])
    if cpu_before is not None and cpu_after is not None and figures.acked_total:
        figures.cpu_ms_per_ack = 1000 * (cpu_after - cpu_before) / figures.acked_total
    if database is not None:
        from intervals_icu.webhooks import Inbox

        inbox = Inbox(database, table_prefix=prefix)
        figures.stored = sum(inbox.stats().values())
        if inbox.dialect == "postgresql":
            inbox.drop_tables()
        inbox.close()
    return figures


# -- end-to-end lag ---------------------------------------------------------------------------


def run_lag(changes: int) -> list[float]:
    from intervals_icu.mirror import Mirror
    from intervals_icu.sandbox import Sandbox
    from intervals_icu.webhooks import ReceiverServer, WebhookReceiver

    lags: list[float] = []
    with tempfile.TemporaryDirectory() as tmp, Sandbox(seed=5, athletes=1, years=0.05) as sb:
        sb.configure(rate_limit_enabled=False)
        database = f"sqlite:///{Path(tmp) / 'icu.db'}"
        athlete = sb.athlete_id
        mirror = Mirror(sb.client(sb.coach_api_key), database)
        mirror.sync(athletes=[athlete], intervals=False)
        receiver = WebhookReceiver(secrets=SECRET, inbox=database, mirror=mirror)
        with ReceiverServer(receiver, poll_interval=1.0) as server:
            app = sb.register_app("lag", ["http://localhost/cb"], webhook_url=server.url,
                                  webhook_secret=SECRET, webhook_types=["WELLNESS_UPDATED"])
            token = sb.oauth_token(athlete, "WELLNESS:WRITE", client_id=app.client_id)
            with sb.client(credentials=token.credentials()) as client:
                day = (datetime.now(UTC) - timedelta(days=1)).date()
                for n in range(changes):
                    weight = 60.0 + n / 10
                    client.wellness.update(day, weight=weight)
                    written = time.perf_counter()
                    while True:
                        rows = [r for r in mirror.store.rows("wellness", athlete)
                                if r["day"] == day]
                        if rows and rows[0]["weight"] == weight:
                            break
                        if time.perf_counter() - written > 30:
                            raise RuntimeError("the mirror did not catch up within 30 s")
                        time.sleep(0.002)
                    lags.append(time.perf_counter() - written)
        mirror.close()
    return lags


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--postgres", default=os.environ.get("ICU_TEST_POSTGRES_URL"))
    parser.add_argument("--lag-changes", type=int, default=30)
    args = parser.parse_args()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"webhook acks: {args.connections} keep-alive connections, {args.seconds:g} s each, "
          f"one event per delivery, {os.cpu_count()} CPUs (load average {load}), "
          f"Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("bare", "bare Starlette (stores nothing)", None),
                ("sqlite", "durable, SQLite synchronous=FULL",
                 f"sqlite:///{Path(tmp) / 'full.db'}"),
                ("sqlite-normal", "durable, SQLite synchronous=NORMAL",
                 f"sqlite:///{Path(tmp) / 'normal.db'}")]
        if args.postgres:
            runs.append(("postgres", "durable, PostgreSQL", args.postgres))
        results = [run_ack(kind, label, args.seconds, args.connections, database)
                   for kind, label, database in runs]
    bare = results[0].per_second
    print(f"{'receiver':<36} {'acks/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8} "
          f"{'cpu ms':>7}  check")
    for figures in results:
        acked = figures.acked_total
        other = {k: v for k, v in figures.statuses.items() if k != 200}
        check = "" if figures.stored is None else (
            f"all {acked} acked events stored" if figures.stored == acked
            else f"MISMATCH: {figures.stored} stored, {acked} acked")
        if other:
            check += f" non-200: {other}"
        cpu = "" if figures.cpu_ms_per_ack is None else f"{figures.cpu_ms_per_ack:.2f}"
        print(f"{figures.label:<36} {figures.per_second:8.0f} {figures.p50_ms:8.2f} "
              f"{figures.p99_ms:8.2f} {figures.per_second / bare:8.2f} {cpu:>7}  {check}")
    print("cpu ms: server CPU time per acknowledged delivery (user + system, all threads)")
    if not args.postgres:
        print("(PostgreSQL skipped: pass --postgres URL or set ICU_TEST_POSTGRES_URL)")

    lags = sorted(run_lag(args.lag_changes))
    print(f"end-to-end lag, sandbox change -> mirror row ({len(lags)} changes, SQLite): "
          f"p50 {1000 * statistics.median(lags):.0f} ms, "
          f"p99 {1000 * lags[max(0, int(len(lags) * 0.99) - 1)]:.0f} ms, "
          f"max {1000 * lags[-1]:.0f} ms")


if __name__ == "__main__":
    main()
