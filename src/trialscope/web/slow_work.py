"""Slow work a request must wait for, kept off the event loop: argon2id hashing of operator passwords and
note passcodes (about 0.3 s of CPU each). Done inline in an ``async`` route, each hash stopped every other
request of the worker for its whole length, so a stream of wrong passwords starved the static files.

Here such work runs in a small pool of threads of its own (argon2 releases the GIL), at most ``threads`` at
once; while a request waits for it, its place at the admission gate goes to others
(``capacity.outside_the_gate``). At most ``max_waiting`` requests wait for the pool: the next ones get 503,
so a flood of guesses queues neither without end nor in front of anyone else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request

from trialscope.translation import _
from trialscope.web.capacity import outside_the_gate

T = TypeVar("T")
DEFAULT_THREADS = max(1, (os.cpu_count() or 2) // 2)
DEFAULT_MAX_WAITING = 32


class SlowWork:
    """A bounded pool for slow work (hashing): ``threads`` at once, ``max_waiting`` in line."""

    def __init__(self, threads: int = DEFAULT_THREADS, max_waiting: int = DEFAULT_MAX_WAITING) -> None:
        self.threads = threads
        self.max_waiting = max_waiting
        self._limiter: anyio.CapacityLimiter | None = None  # made in the server's event loop, on first use
        self._waiting = 0

    async def run(self, request: Request, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` in the pool; 503 when too many requests already wait for it."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.threads)
        if self._waiting >= self.max_waiting:
            raise HTTPException(503, _("The server is busy. Try again in a minute."))
        self._waiting += 1
        try:
            async with outside_the_gate(request.scope):
                return await anyio.to_thread.run_sync(partial(work, *args), limiter=self._limiter)
        finally:
            self._waiting -= 1
