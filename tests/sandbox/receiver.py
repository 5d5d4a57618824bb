"""A webhook endpoint on 127.0.0.1 that records every POST and answers what a test scripts
(status, delay): retries, timeouts and the dashboard's retried delivery are real HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Received", "Receiver"]


@dataclass
class Received:
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    at: float

    @property
    def types(self) -> list[str]:
        return [e["type"] for e in self.body["events"]]


class Receiver:
    """A webhook endpoint that records requests and answers from a script (default 200)."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.script: deque[tuple[int, float]] = deque()
        self.cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.cond:
                    receiver.requests.append(Received(
                        {k.lower(): v for k, v in self.headers.items()}, json.loads(raw), raw,
                        time.monotonic()))
                    status, delay = (receiver.script.popleft() if receiver.script
                                     else (200, 0.0))
                    receiver.cond.notify_all()
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the sandbox gave up waiting (timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/intervals"

    def answer(self, *answers: int | tuple[int, float]) -> None:
        """Answer the next requests with these statuses (or (status, delay seconds))."""
        for item in answers:
            self.script.append(item if isinstance(item, tuple) else (item, 0.0))

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self.cond:
            self.cond.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            assert len(self.requests) >= count, (
                f"expected {count} webhook POSTs, got {len(self.requests)}")
            return list(self.requests)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
