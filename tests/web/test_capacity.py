"""The admission gate and Server-Timing (web/capacity.py): at most ``limit`` requests inside the app at
once, the rest waiting in arrival order, and the wait reported beside the time inside the app."""

from __future__ import annotations

import asyncio

import httpx
from starlette.types import Receive, Scope, Send

from trialscope.web.capacity import RequestGate, ServerTiming


def _slow_app(inside: list[int], most: list[int]) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        inside.append(1)
        most.append(len(inside))
        await asyncio.sleep(0.05)
        inside.pop()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


async def _five_at_once(limit: int) -> tuple[int, list[str]]:
    inside: list[int] = []
    most: list[int] = []
    gated = RequestGate(ServerTiming(_slow_app(inside, most)), limit=limit)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gated), base_url="http://test") as client:
        responses = await asyncio.gather(*(client.get("/") for _ in range(5)))
    return max(most), [r.headers["server-timing"] for r in responses]


def test_the_gate_lets_in_only_its_limit_and_reports_the_wait() -> None:
    most, timings = asyncio.run(_five_at_once(limit=2))
    assert most == 2
    waits = sorted(float(t.split("queue;dur=")[1].split(",")[0]) for t in timings)
    assert waits[0] < 10 and waits[-1] >= 90  # the fifth waited for two rounds of 50 ms
    assert all(float(t.split("app;dur=")[1]) >= 45 for t in timings)  # inside: its own 50 ms only


def test_a_page_says_how_long_it_took(client) -> None:  # type: ignore[no-untyped-def]
    timing = client.get("/about").headers["server-timing"]
    assert timing.startswith("queue;dur=") and ", app;dur=" in timing
