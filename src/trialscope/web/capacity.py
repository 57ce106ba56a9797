"""How much work a server takes on at once, and how long it took: the admission gate and Server-Timing.

Pages here are CPU-bound (search facets over the catalogue, templates). With twenty requests in a worker
at once they all share the cores and the GIL, and each one takes many times its own cost; a page that
came first may finish last. The gate lets ``limit`` requests into the app at once per worker process; the
others wait their turn, first come first served. It does not make the machine faster (throughput stays
about the same: 58 against 60 requests/s on the 600,000-trial benchmark), it keeps the work of each
admitted request near its own cost and the order fair, and it reports the wait instead of hiding it in
the work: ``Server-Timing: queue;dur=<ms waiting>, app;dur=<ms inside the app>``.

    trialscope serve --workers 2 --concurrency 4
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trialscope.settings import DEFAULT_CONCURRENCY, ENV_CONCURRENCY
from trialscope.web.asgi import HttpMiddleware

_QUEUED = "trialscope.queued_ms"
_PLACE = "trialscope.gate_place"


def concurrency_from_environment() -> int:
    value = os.environ.get(ENV_CONCURRENCY, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_CONCURRENCY


class RequestGate(HttpMiddleware):
    """At most ``limit`` requests inside the app at once; the rest wait in arrival order."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_CONCURRENCY) -> None:
        super().__init__(app)
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None  # made on first use, in the server's event loop

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        arrived = time.perf_counter()
        await self._slots.acquire()
        place = _Place(self._slots)
        scope[_PLACE] = place
        try:
            scope[_QUEUED] = (time.perf_counter() - arrived) * 1000
            await self.app(scope, receive, send)
        finally:
            if place.held:
                self._slots.release()


@dataclass(slots=True)
class _Place:
    """A request's place inside the gate: whether it holds one of the slots now."""

    slots: asyncio.Semaphore
    held: bool = True


@asynccontextmanager
async def outside_the_gate(scope: Scope) -> AsyncIterator[None]:
    """While a request waits for work done elsewhere (a password hash in the hashing pool,
    ``web/slow_work.py``), its slot goes to the next request in line; it takes its turn again afterwards."""
    place: _Place | None = scope.get(_PLACE)
    if place is None or not place.held:
        yield
        return
    place.slots.release()
    place.held = False
    try:
        yield
    finally:
        await place.slots.acquire()
        place.held = True


class ServerTiming(HttpMiddleware):
    """Adds ``Server-Timing`` to every response: the time inside the app, and the time the request waited at
    the gate before it (for load measurements)."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                elapsed = (time.perf_counter() - started) * 1000
                timing = f"queue;dur={scope.get(_QUEUED, 0.0):.1f}, app;dur={elapsed:.1f}"
                message["headers"] = [*message.get("headers", []), (b"server-timing", timing.encode())]
            await send(message)

        await self.app(scope, receive, sending)
