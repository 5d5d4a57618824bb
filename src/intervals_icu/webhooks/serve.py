"""Run a receiver and its workers: ``serve()`` in the foreground (what ``icu webhooks serve``
calls), :class:`ReceiverServer` in a background thread (tests, notebooks, demos).

One process serves HTTP and runs ``workers`` worker tasks next to it; the workers wake up as
soon as the receiver commits new events, and poll for events stored by other processes.
On PostgreSQL start as many processes, on as many machines, as you like; on SQLite run one
process with one worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
import time
from typing import Any, Unpack

from intervals_icu.errors import ConfigurationError
from intervals_icu.webhooks.inbox import Inbox
from intervals_icu.webhooks.receiver import WebhookReceiver
from intervals_icu.webhooks.worker import Worker, WorkerOptions

__all__ = ["ReceiverServer", "check_workers", "listening_socket", "serve", "serve_async"]

logger = logging.getLogger("intervals_icu.webhooks")


def check_workers(inbox: Inbox, count: int) -> None:
    """Refuse a worker count the inbox's database cannot serve (before listening)."""
    if count < 0:
        raise ConfigurationError("workers must be 0 or more")
    if count > 1 and inbox.dialect == "sqlite":
        raise ConfigurationError(
            "SQLite supports one worker (workers=1); use PostgreSQL for several workers"
        )


def _workers(receiver: WebhookReceiver, count: int, worker_options: WorkerOptions
             ) -> list[Worker]:
    check_workers(receiver.inbox, count)
    return [receiver.worker(**worker_options) for _ in range(count)]


def listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket. Created with ``IPPROTO_TCP`` on purpose: asyncio enables
    TCP_NODELAY only on such sockets, and without it each answer waits ~40 ms for the
    client's delayed ACK (Nagle), capping a keep-alive connection at ~25 deliveries/s."""
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                  proto=socket.IPPROTO_TCP)[0]
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.listen(1024)
    return sock


def _uvicorn_server(receiver: WebhookReceiver, *, path: str, log_level: str,
                    **config: Any) -> Any:
    import uvicorn

    app = receiver.asgi_app(path)
    return uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level=log_level,
                                         access_log=False, **config))


async def serve_async(
    receiver: WebhookReceiver,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    path: str = "/",
    workers: int = 1,
    log_level: str = "warning",
    sock: socket.socket | None = None,
    stop: asyncio.Event | None = None,
    **worker_options: Unpack[WorkerOptions],
) -> None:
    """Serve deliveries and run ``workers`` workers until the server exits (Ctrl-C) or
    ``stop`` is set. ``worker_options`` go to each :class:`Worker` (``reconcile_every``,
    ``retry``, ``batch_size``...)."""
    pool = _workers(receiver, workers, worker_options)
    owned = sock is None
    sock = sock if sock is not None else listening_socket(host, port)
    server = _uvicorn_server(receiver, path=path, log_level=log_level)
    stop = stop or asyncio.Event()
    tasks = [asyncio.create_task(w.run_forever(stop=stop), name=f"icu-webhook-{w.worker_id}")
             for w in pool]

    async def watch_stop() -> None:
        await stop.wait()
        server.should_exit = True

    watcher = asyncio.create_task(watch_stop())
    try:
        await server.serve(sockets=[sock])
    finally:
        if owned:
            sock.close()
        stop.set()
        watcher.cancel()
        # Workers finish the batch in hand; deliveries already stored wait in the inbox.
        await asyncio.gather(*tasks, return_exceptions=True)
        receiver.writer.close()
        await receiver.clients.aclose()


def serve(receiver: WebhookReceiver, *, host: str = "127.0.0.1", port: int = 8080,
          path: str = "/", workers: int = 1, log_level: str = "info",
          sock: socket.socket | None = None, **worker_options: Unpack[WorkerOptions]) -> None:
    """Serve deliveries on ``http://host:port/path`` (or on ``sock``, a socket from
    :func:`listening_socket`, e.g. to learn the port given for ``port=0``) and run the
    workers (blocking)."""
    asyncio.run(serve_async(receiver, host=host, port=port, path=path, workers=workers,
                            log_level=log_level, sock=sock, **worker_options))


class ReceiverServer:
    """A receiver (and, unless ``workers=0``, its workers) served on 127.0.0.1 from a
    background thread::

        with ReceiverServer(receiver) as server:
            sandbox.register_app(webhook_url=server.url, ...)
    """

    def __init__(self, receiver: WebhookReceiver, *, host: str = "127.0.0.1", port: int = 0,
                 path: str = "/", workers: int = 1,
                 **worker_options: Unpack[WorkerOptions]) -> None:
        self.receiver = receiver
        self.host = host
        self.port = port
        self.path = path
        self.workers = workers
        self.worker_options = worker_options
        _workers(receiver, workers, {})  # refuse a bad configuration now, not in the thread
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    def start(self) -> ReceiverServer:
        if self._thread is not None:
            return self
        # Listening now: connections wait in the backlog until the server accepts them.
        sock = listening_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, args=(sock,), daemon=True,
                                        name=f"icu-webhook-receiver-{self.port}")
        self._thread.start()
        if not self._ready.wait(10) or self._error is not None:
            raise RuntimeError(f"the webhook receiver did not start: {self._error!r}")
        return self

    def _run(self, sock: socket.socket) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._loop.call_soon(self._ready.set)
            await serve_async(self.receiver, sock=sock, path=self.path, workers=self.workers,
                              stop=self._stop, **self.worker_options)

        try:
            asyncio.run(main())
        except BaseException as exc:  # reported by start()/stop()
            self._error = exc
            self._ready.set()
        finally:
            sock.close()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop serving and the workers (the batch in hand is finished first)."""
        thread, loop, stop = self._thread, self._loop, self._stop
        if thread is None:
            return
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        deadline = time.monotonic() + timeout
        thread.join(max(0.0, deadline - time.monotonic()))
        self._thread = None
        if thread.is_alive():
            logger.error("the webhook receiver thread did not stop within %ss", timeout)

    def __enter__(self) -> ReceiverServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
