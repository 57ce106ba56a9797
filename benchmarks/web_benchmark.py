#!/usr/bin/env python3
"""Web benchmark (issue 7): trial pages and search pages under 20 concurrent clients.

Serves the search benchmark's synthetic catalogue (built by search_benchmark.py; 600,000 trials by default)
with ``trialscope serve --workers 2`` on 127.0.0.1, then 20 concurrent clients (httpx, async) request
trial pages (5,000 random trials, their criteria already parsed and stored) and search pages (the search
benchmark's realistic queries, each asked once) for a fixed number of requests. Reports, per page kind,
p50 / p95 / p99 of: server time (inside the app, from its Server-Timing header), the time the request
waited at the server's gate before that (``--concurrency`` requests per worker are worked on at once; see
src/trialscope/web/capacity.py), and the latency clients saw (which adds the wait and the network);
throughput; and the CPU each request cost the server and the load tool (they share the cores), with the
least mean latency that cost allows 20 clients that ask again as soon as they are answered. Target:
server time p95 < 150 ms (issue 7); server CPU per request <= 10 ms for a search page and <= 6 ms for a
trial page (issue 18: ``--only search`` / ``--only trial`` report one kind's CPU).

    python benchmarks/web_benchmark.py --trials 600000 --requests 2000
    python benchmarks/web_benchmark.py --trials 600000 --requests 1000 --only trial [--pool 200] [--warm 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.search_benchmark import OUT, build, queries  # noqa: E402


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _search_urls(count: int, seed: int = 5) -> list[str]:
    urls = []
    for q in queries(count, seed=seed):
        params: list[tuple[str, str]] = [("q", q.text)]
        params += [("status", s) for s in q.status] + [("phase", p) for p in q.phase]
        params += [("target", t) for t in q.target] + [("country", c) for c in q.country]
        if q.age is not None:
            params.append(("age", f"{q.age:g}"))
        if q.sex:
            params.append(("sex", q.sex))
        if q.near:
            params += [("near", str(q.near)), ("within", f"{q.within_km or 500:g}")]
        urls.append("/search?" + urlencode(params))
    return urls


def _server_timing(header: str) -> tuple[float, float]:
    """(ms inside the app, ms waiting at the server's gate) from 'queue;dur=3.0, app;dur=12.5'."""
    durations = dict(part.strip().split(";dur=") for part in header.split(","))
    return float(durations["app"]), float(durations.get("queue", 0.0))


Timings = dict[str, list[tuple[float, float, float, str]]]  # page kind -> (app ms, queue ms, client ms, url)


async def _load(base: str, urls: list[tuple[str, str]], clients: int) -> Timings:
    timings: Timings = {"trial": [], "search": []}
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in urls:
        queue.put_nowait(item)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            while not queue.empty():
                kind, url = queue.get_nowait()
                started = time.perf_counter()
                response = await http.get(url)
                seen = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{url}: HTTP {response.status_code}")
                timings[kind].append((*_server_timing(response.headers["server-timing"]), seen, url))

    await asyncio.gather(*(client() for _ in range(clients)))
    return timings


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of process ``root`` and all its descendants so far, from /proc (Linux)."""
    parent: dict[int, int] = {}
    spent: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        pid = int(stat.parent.name)
        parent[pid] = int(fields[1])
        spent[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    total = 0.0
    for pid in spent:
        ancestor = pid
        while ancestor not in (root, 0, 1) and ancestor in parent:
            ancestor = parent[ancestor]
        if ancestor == root:
            total += spent[pid]
    return total


def _cuts(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"{q[49]:7.1f} {q[94]:7.1f} {q[98]:7.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=600_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="Server worker processes (one per core).")
    parser.add_argument("--concurrency", type=int, default=4, help="Requests each worker works on at once.")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    parser.add_argument("--slowest", type=int, default=0, help="Also list the N slowest requests (server time).")
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        help="Draw the pages from this many trials and this many distinct searches, so pages are asked again "
        "and answered from the server's caches (default: 5,000 trials, every search distinct).",
    )
    parser.add_argument(
        "--only",
        choices=["trial", "search"],
        help="Ask only this kind of page (the CPU per request is then that page's; by default half and half).",
    )
    parser.add_argument(
        "--seed", type=int, default=9, help="Which trials are drawn (the same seed, the same pages: default 9)."
    )
    parser.add_argument(
        "--warm",
        type=int,
        default=0,
        help="Before timing, also show this many trial pages of other trials (none of those timed), as a server "
        "that has run a while has: what is remembered across trials (related trials' groups) is then remembered.",
    )
    args = parser.parse_args()
    url = build(args.shared, args.trials)
    db = url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:  # the same trials for the same --seed: runs of two versions compare
        every = [row[0] for row in conn.execute("SELECT nct_id FROM trials ORDER BY nct_id")]
    ids = random.Random(args.seed).sample(every, min(len(every), args.pool or 5000))
    # the sampled trials' criteria are parsed and stored first, as on a server that has shown them before
    # (a trial's first view ever also parses its criteria: add ~5-20 ms once; a row stored before its
    # segmentation was gets it on its first view, as here)
    from trialscope.store.trial_store import TrialStore

    with TrialStore.open(url) as store:
        criteria = store.criteria
        for nct_id in ids:
            trial = store.get(nct_id)
            if trial is not None:
                criteria.get(trial)
    rng = random.Random(args.seed)
    trial_pages = {None: args.requests // 2, "trial": args.requests, "search": 0}[args.only]
    searches = args.requests - trial_pages
    work = [("trial", f"/trials/{rng.choice(ids)}") for _ in range(trial_pages)]
    # distinct searches (a repeat would be answered from the server's results cache, which is not what is timed)
    distinct = list(dict.fromkeys(_search_urls(searches * 2)))
    if args.pool:
        distinct = [rng.choice(distinct[: args.pool]) for _ in range(searches)]
    work += [("search", u) for u in distinct][:searches]
    rng.shuffle(work)
    warm = [("trial", f"/trials/{rng.choice(ids)}") for _ in range(50)]
    timed = set(ids)
    others = [n for n in random.Random(args.seed + 1).sample(every, min(len(every), 2 * args.warm)) if n not in timed]
    warm += [("trial", f"/trials/{nct_id}") for nct_id in others[: args.warm]]
    warm += [("search", u) for u in _search_urls(50, seed=77)]
    port = _free_port()
    env = {**os.environ, "TRIALSCOPE_SEARCH_INDEX": str(OUT / f"search-{args.trials}.index")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trialscope",
            "serve",
            *("--port", str(port), "--db", url),
            *("--workers", str(args.workers), "--concurrency", str(args.concurrency)),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # the index is brought up to date before the server listens
            try:
                if httpx.get(f"{base}/about", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        asyncio.run(_load(base, warm, args.clients))  # warm up on other pages: first reads of index files
        server_cpu, client_cpu = _cpu_seconds(server.pid), time.process_time()
        started = time.perf_counter()
        timings = asyncio.run(_load(base, work, args.clients))
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = _cpu_seconds(server.pid) - server_cpu, time.process_time() - client_cpu
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(
        f"{args.trials:,} trials, {args.workers} workers x {args.concurrency} requests at once, "
        f"{args.clients} concurrent clients, "
        f"{len(work):,} requests in {elapsed:.0f} s ({len(work) / elapsed:.0f} requests/s)"
    )
    print(
        f"{'page':<7} {'server ms p50':>13} {'p95':>7} {'p99':>7}   {'queued ms p50':>13} {'p95':>7} {'p99':>7}"
        f"   {'client ms p50':>13} {'p95':>7} {'p99':>7}"
    )
    for kind, values in timings.items():
        if not values:
            continue
        server, queued, client = (_cuts([v[i] for v in values]) for i in range(3))
        print(f"{kind:<7} {server:>29}   {queued:>29}   {client:>29}")
    # the interactive response-time law: n clients that ask again as soon as they are answered see a mean
    # latency of n / throughput, and throughput is at most (cores / CPU per request)
    per_request = (server_cpu + client_cpu) / len(work) * 1000
    cores = os.cpu_count() or 1
    print(
        f"CPU per request: server {server_cpu / len(work) * 1000:.1f} ms, load tool {client_cpu / len(work) * 1000:.1f}"
        f" ms; on {cores} cores {args.clients} clients cannot see a mean latency under {args.clients} x "
        f"{per_request:.1f} / {cores} = {args.clients * per_request / cores:.0f} ms"
    )
    slowest = sorted((v for values in timings.values() for v in values), reverse=True)[: args.slowest]
    for app_ms, queued_ms, client_ms, slow_url in slowest:
        print(f"  {app_ms:7.1f} ms in the app, {queued_ms:6.1f} waiting, {client_ms:7.1f} at the client: {slow_url}")


if __name__ == "__main__":
    main()
