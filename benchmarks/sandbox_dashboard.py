#!/usr/bin/env python3
"""Sandbox dashboard figures (one run, same machine): what one of the page's once-a-second
polls costs the sandbox, and what counting each API answer costs.

    .venv/bin/python benchmarks/sandbox_dashboard.py [attempts]

* One poll round: the reads the page makes each second (info, traffic, fault history, apps,
  tokens, webhooks, the last 300 delivery attempts, budgets, the athletes, an athlete's 30
  newest activities), sequentially over a real socket; median and p95 of 30 rounds, with an
  empty delivery log and with ``attempts`` attempts in it (default 10,000: the log's size).
* ``TrafficMeter.record``: the cost added to every API answer.
"""

from __future__ import annotations

import statistics
import sys
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from intervals_icu.sandbox import Sandbox
from intervals_icu.sandbox.traffic import TrafficMeter
from intervals_icu.sandbox.transport import SyncSandboxTransport

READS = ["info", "traffic", "faults/history", "apps", "tokens", "webhooks",
         "webhooks/deliveries?limit=300", "budgets", "data/athletes"]
APPS = 5


def poll_round(http: httpx.Client, athlete_id: str) -> float:
    started = time.perf_counter()
    for path in [*READS, f"data/{athlete_id}/activities?limit=30"]:
        http.get(f"/_sandbox/{path}")
    return (time.perf_counter() - started) * 1000


def report(label: str, http: httpx.Client, athlete_id: str) -> None:
    rounds = sorted(poll_round(http, athlete_id) for _ in range(30))
    p95 = rounds[int(len(rounds) * 0.95) - 1]
    print(f"  {label:<40} median {statistics.median(rounds):6.1f} ms   p95 {p95:6.1f} ms")


def fill_log(sb: Sandbox, attempts: int) -> None:
    async def hook(request: object) -> Response:
        return Response(status_code=200)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    for n in range(APPS):
        app = sb.register_app(f"bench {n}", ["http://localhost/cb"],
                              webhook_url="http://receiver.invalid/hook",
                              webhook_types=["WELLNESS_UPDATED"],
                              webhook_transport=SyncSandboxTransport(receiver))
        sb.oauth_token(sb.athlete_id, "WELLNESS:READ", client_id=app.client_id)
    day = sb.state.local_today(sb.athlete_id)
    weight = 60.0
    while len(sb.webhook_deliveries()) < attempts:
        weight = 60.0 if weight > 90 else weight + 0.1
        sb.device_wellness(sb.athlete_id, day, weight=round(weight, 1))
        sb.deliver_webhooks()


def main() -> None:
    attempts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print("Dashboard poll round (10 control reads, one socket, sequential):")
    with Sandbox(seed=42, athletes=2, years=0.5) as sb, \
            httpx.Client(base_url=sb.base_url) as http:
        report("empty delivery log", http, sb.athlete_id)
        started = time.perf_counter()
        fill_log(sb, attempts)
        filled = len(sb.webhook_deliveries())
        print(f"  (filled the log with {filled} attempts in "
              f"{time.perf_counter() - started:.1f} s)")
        report(f"{filled} attempts in the delivery log", http, sb.athlete_id)

    meter = TrafficMeter(time.monotonic)
    count = 200_000
    started = time.perf_counter()
    for n in range(count):
        meter.record(200 if n % 10 else 429)
    seconds = time.perf_counter() - started
    print(f"TrafficMeter.record: {seconds / count * 1e6:.2f} µs per API answer "
          f"({count} answers)")


if __name__ == "__main__":
    main()
