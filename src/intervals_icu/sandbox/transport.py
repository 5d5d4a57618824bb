"""In-process transports: the sandbox app without a socket, for fast tests.

``httpx.ASGITransport`` is async-only; :class:`SyncSandboxTransport` runs the app on a
private event loop thread so the sync ``Client`` can use it too.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx

from intervals_icu.sandbox.wire import DroppedConnection

__all__ = ["AsyncSandboxTransport", "SyncSandboxTransport"]

CLIENT_ADDRESS = ("127.0.0.1", 50000)


class AsyncSandboxTransport(httpx.ASGITransport):
    def __init__(self, app: Any) -> None:
        super().__init__(app=app, client=CLIENT_ADDRESS)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from None


class SyncSandboxTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._inner = AsyncSandboxTransport(app)
        # A private event loop on a daemon thread: it never keeps the interpreter alive.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever,
                                        name="icu-sandbox-transport", daemon=True)
        self._thread.start()
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.ConnectError("the sandbox transport is closed", request=request)
        body = request.read()

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            inner = httpx.Request(request.method, request.url, headers=request.headers,
                                  content=body, extensions=request.extensions)
            response = await self._inner.handle_async_request(inner)
            # Raw bytes: the outer response decodes them (gzip) exactly once.
            content = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, response.headers.raw, content

        future = asyncio.run_coroutine_threadsafe(call(), self._loop)
        status, headers, content = future.result()
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content),
                              request=request)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()
