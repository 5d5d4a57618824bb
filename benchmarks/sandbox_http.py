#!/usr/bin/env python3
"""Sandbox HTTP figures (one run, same machine): request throughput in-process and over a real
socket, and webhook delivery latency from the change to the receiver.

    /work/venv/bin/python benchmarks/sandbox_http.py [requests]

* ``GET /api/v1/athlete/0`` and a wellness ``PUT``, ``requests`` times each (default 500),
  sequentially with one httpx client: in-process transport vs live uvicorn server (rate
  limit off, so this is the sandbox's own cost).
* Webhooks on a live sandbox: a wellness change per iteration, delivered to a local
  ``http.server`` receiver; prints the median and p95 from the API call to the receiver
  having the POST, with the default 50 ms batch window and with no window.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from intervals_icu.sandbox import Sandbox


def rate(label: str, count: int, seconds: float) -> None:
    print(f"  {label:<34} {count / seconds:8.0f} req/s  ({seconds * 1000 / count:.2f} ms each)")


def throughput(sb: Sandbox, http: httpx.Client, count: int, label: str) -> None:
    day = sb.state.local_today(sb.athlete_id)
    started = time.perf_counter()
    for _ in range(count):
        assert http.get("/api/v1/athlete/0").status_code == 200
    rate(f"{label}: GET athlete", count, time.perf_counter() - started)
    started = time.perf_counter()
    for n in range(count):
        path = f"/api/v1/athlete/0/wellness/{day - timedelta(days=n % 30)}"
        assert http.put(path, json={"steps": 1000 + n}).status_code == 200
    rate(f"{label}: PUT wellness", count, time.perf_counter() - started)


class Receiver:
    def __init__(self) -> None:
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                receiver.arrived.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def webhook_latency(sb: Sandbox, http: httpx.Client, window: float, rounds: int) -> None:
    sb.configure(webhook_batch_window=window)
    receiver = Receiver()
    app = sb.register_app(f"bench {window}", ["http://localhost/cb"], webhook_url=receiver.url,
                          webhook_types=["WELLNESS_UPDATED"])
    sb.oauth_token(sb.athlete_id, "WELLNESS:READ", client_id=app.client_id)
    day = sb.state.local_today(sb.athlete_id)
    samples = []
    for n in range(rounds):
        receiver.arrived.clear()
        started = time.perf_counter()
        http.put(f"/api/v1/athlete/0/wellness/{day}", json={"steps": 5000 + n})
        assert receiver.arrived.wait(5), "no delivery within 5 s"
        samples.append((time.perf_counter() - started) * 1000)
    sb.update_app(app.client_id, webhook_url=None)
    receiver.server.shutdown()
    p95 = statistics.quantiles(samples, n=20)[-1]
    print(f"  batch window {window * 1000:>4.0f} ms: change -> receiver median "
          f"{statistics.median(samples):6.1f} ms, p95 {p95:6.1f} ms ({rounds} deliveries)")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    sb = Sandbox(seed=42, years=0.1)
    sb.configure(rate_limit_enabled=False, budget_enabled=False)  # throughput, not limits
    print("sandbox throughput (sequential, one client):")
    with httpx.Client(transport=sb.transport(), base_url=sb.base_url,
                      auth=("API_KEY", sb.api_key)) as http:
        throughput(sb, http, count, "in-process")
    sb.start()
    with httpx.Client(base_url=sb.base_url, auth=("API_KEY", sb.api_key)) as http:
        throughput(sb, http, count, "live socket")
        print("webhook delivery latency (live):")
        webhook_latency(sb, http, 0.05, 50)
        webhook_latency(sb, http, 0.0, 50)
    sb.stop()


if __name__ == "__main__":
    main()
