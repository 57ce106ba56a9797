"""A fault run (issue 17): what is tried against the store, and that the counts afterwards are exact.

    .venv/bin/python benchmarks/fault_run.py [--db sqlite|postgresql] [--trials 6000] [--kills 5]
    .venv/bin/python benchmarks/fault_run.py --db sqlite|postgresql --scenario index [--trials 1200] [--rounds 1]

1. concurrent imports: three imports at once, of overlapping records in an older and a newer version;
2. imports killed at random points (SIGKILL), each followed by the next, then one run to the end;
3. a sync killed mid-page against a local ClinicalTrials.gov API v2 of our own (tests/ctgov_server.py), then
   resumed;
4. the web app serving searches and trial pages while an import runs.

5. (``--scenario index``, issue 37) two servers, each with its own search index, searched every 0.2 s while
   two imports at once store updates of every trial (new statuses and conditions, random NCT order, batches
   of 10) and new trials, for ``--rounds`` rounds; then every trial's status and conditions in the database
   are compared with each server's index (the cards a status filter finds). It prints each server's memory
   after each round and, last, ``index: missed M of N changes, stale after S s``: M trials some server's
   index shows otherwise than the database, of N changes stored; S seconds from the last commit until both
   indexes matched the database everywhere.

After each of 1-4: the number of trials equals the number of distinct NCT IDs given (nothing lost, nothing
doubled), every trial holds the newest version, runs left running by killed imports are marked
interrupted, and the web app answered every request without a server error. Prints a table and exits 1
if any count is off.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ctgov_server import FakeCtGov  # noqa: E402  (the local API of the sync tests)
from tests.factories import study  # noqa: E402
from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.store.schema import import_runs, trial_feed, trials  # noqa: E402
from trialscope.store.sync_state import SyncQuery  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

POSTGRES = os.environ.get("TRIALSCOPE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def corpus(path: Path, count: int, last_update: str, title: str, start: int = 0) -> Path:
    with path.open("w") as out:
        for n in range(start, start + count):
            out.write(json.dumps(study(f"NCT{n:08d}", last_update=last_update, title=title)) + "\n")
    return path


def ingest(db: str, path: Path, batch_size: int = 50) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db}
    command = [
        sys.executable,
        "-m",
        "trialscope",
        "ingest",
        str(path),
        "--batch-size",
        str(batch_size),
        "--json",
        "--no-criteria",
    ]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def titles(db: str) -> dict[str, int]:
    with TrialStore.open(db) as store, store.engine.connect() as conn:
        rows = conn.execute(select(trials.c.brief_title, func.count()).group_by(trials.c.brief_title)).all()
    return {str(t): int(n) for t, n in rows}


def fresh_db(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / f'{uuid.uuid4().hex[:8]}.db'}"
    schema = f"ts_fault_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def drop_db(db: str) -> None:
    """A PostgreSQL schema made for a scenario goes with it (an SQLite file goes with the temporary folder)."""
    if "search_path" in db:
        schema = db.rsplit("%3D", 1)[1]
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def concurrent_imports(db: str, folder: Path, count: int) -> tuple[str, bool]:
    older = corpus(folder / "older.jsonl", count, "2025-01-10", "older")
    newer = corpus(folder / "newer.jsonl", count, "2025-06-10", "newer")
    procs = [ingest(db, p) for p in (older, newer, older)]
    codes = [p.wait(timeout=900) for p in procs]
    seen = titles(db)
    ok = codes == [0, 0, 0] and seen == {"newer": count}
    return f"3 imports at once (older, newer, older) of {count:,} trials: exit {codes}; stored {seen}", ok


def killed_imports(db: str, folder: Path, count: int, kills: int) -> tuple[str, bool]:
    path = corpus(folder / "killed.jsonl", count, "2025-03-10", "killed", start=10_000_000)
    stopped_at = []
    for _ in range(kills):
        target = random.randint(1, count - 1)  # kill once this many trials are stored: a random point
        proc = ingest(db, path)
        deadline = time.monotonic() + 300
        while proc.poll() is None and titles(db).get("killed", 0) < target and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stopped_at.append(titles(db).get("killed", 0))
    final = ingest(db, path).wait(timeout=900)
    with TrialStore.open(db) as store, store.engine.connect() as conn:
        statuses = dict(conn.execute(select(import_runs.c.status, func.count()).group_by(import_runs.c.status)).all())
    stored = titles(db).get("killed", 0)
    ok = final == 0 and stored == count and statuses.get("running", 0) == 0
    return (
        f"{kills} imports of {count:,} trials killed at random (stored {stopped_at} when killed), then one to "
        f"the end: exit {final}; stored {stored:,}; runs {statuses}",
        ok,
    )


def killed_sync(db: str) -> tuple[str, bool]:
    server = FakeCtGov().start()
    try:
        with TrialStore.open(db) as store:
            state = store.sync_state
            for query in state.queries():
                state.remove_query(query.name)
            state.add_query(SyncQuery("all", {}))
        env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db}
        command = [
            sys.executable,
            "-m",
            "trialscope",
            "sync",
            "--api-url",
            server.url,
            "--page-size",
            "4",
            "--requests-per-second",
            "20",
        ]
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while server.pages_served < 4 and proc.poll() is None:
            server.page_served.wait(timeout=30)
            server.page_served.clear()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with TrialStore.open(db) as store:
            before = store.count()
        resumed = subprocess.run(command, env=env, capture_output=True, timeout=600).returncode
        with TrialStore.open(db) as store:
            stored = {t.nct_id for t in store.iter_trials()}
        ok = resumed == 0 and stored == set(server.studies)
        return (
            f"a sync killed after {server.pages_served} pages ({before} trials stored), then resumed: exit "
            f"{resumed}; stored {len(stored)} of the {len(server.studies)} the API serves, each once",
            ok,
        )
    finally:
        server.stop()


def serving_while_importing(db: str, folder: Path, count: int) -> tuple[str, bool]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db}
    server = subprocess.Popen(
        [sys.executable, "-m", "trialscope", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    answers: dict[int, int] = {}
    stop = threading.Event()

    def browse() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                for url in ("/api/search?q=trial", "/search?q=trial", "/trials/NCT20000000", "/"):
                    status = client.get(url).status_code
                    answers[status] = answers.get(status, 0) + 1

    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                httpx.get(base + "/faq", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.5)
        browser = threading.Thread(target=browse, daemon=True)
        browser.start()
        path = corpus(folder / "while.jsonl", count, "2025-08-10", "while", start=20_000_000)
        code = ingest(db, path).wait(timeout=900)
        time.sleep(5)  # the index catches up beside the requests
        found = httpx.get(base + "/api/search", params={"q": "while"}, timeout=30).json().get("total", 0)
        stop.set()
        browser.join(timeout=60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    errors = sum(n for status, n in answers.items() if status >= 500)
    ok = code == 0 and errors == 0 and titles(db).get("while", 0) == count
    return (
        f"the web app answered {sum(answers.values()):,} requests ({answers}) while {count:,} trials were "
        f"imported (exit {code}); server errors {errors}; search finds {found:,} of them afterwards",
        ok,
    )


STATUSES = ("RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "SUSPENDED", "ACTIVE_NOT_RECRUITING", "TERMINATED")
CONDITIONS = ("Acute Myeloid Leukemia", "Multiple Myeloma", "B-cell Lymphoma", "Myelodysplastic Syndromes", "Glioma")


def updates(path: Path, ids: list[int], day: str, chance: random.Random) -> Path:
    """Records of these trials in this order, each with a status and conditions drawn at random."""
    with path.open("w") as out:
        for n in ids:
            record = study(f"NCT{n:08d}", status=chance.choice(STATUSES), last_update=day, title="indexed")
            record["protocolSection"]["conditionsModule"] = {"conditions": chance.sample(CONDITIONS, 2)}
            out.write(json.dumps(record) + "\n")
    return path


def start_server(db: str, index: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db, "TRIALSCOPE_SEARCH_INDEX": str(index)}
    command = [sys.executable, "-m", "trialscope", "serve", "--port", str(port)]
    log = index.with_suffix(".log")
    with log.open("wb") as errors:  # a file, not a pipe nobody reads (which would stop the server when full)
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            httpx.get(base + "/faq", timeout=2)
            return server, base
        except httpx.HTTPError:
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped: {log.read_text()[-2000:]}") from None
            time.sleep(0.3)
    raise RuntimeError("the server did not start")


def rss_mb(pid: int) -> float:
    """A process's resident memory, with its children's (a server's workers), in MB."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        total += rss_mb(int(child))
    return total


Shown = dict[str, tuple[str, tuple[str, ...]]]
CLOSING: list[str] = []  # what the run prints last


def in_database(db: str) -> Shown:
    with TrialStore.open(db) as store, store.engine.connect() as conn:
        rows = conn.execute(select(trials.c.nct_id, trials.c.overall_status, trials.c.record)).all()
    return {
        str(n): (str(s), tuple(json.loads(r)["protocolSection"].get("conditionsModule", {}).get("conditions", [])))
        for n, s, r in rows
    }


def in_index(client: httpx.Client) -> Shown:
    """Every trial as one server's index shows it: the trials each status filter finds, with their cards."""
    shown: Shown = {}
    for status in STATUSES:
        page = 1
        while True:
            params: dict[str, str | int] = {"status": status, "sort": "updated", "per_page": 100, "page": page}
            answer = client.get("/api/search", params=params).json()
            for hit in answer["hits"]:
                card_status = hit["status"] if hit["status"] == status else f"{status}?{hit['status']}"
                shown[hit["nct_id"]] = (card_status, tuple(hit["conditions"]))
            if page * 100 >= answer["total"]:
                break
            page += 1
    return shown


def last_changed(db: str, count: int = 5) -> list[str]:
    """The trials of the feed's last changes (``count`` distinct ones, the newest last)."""
    with TrialStore.open(db) as store, store.engine.connect() as conn:
        rows = conn.execute(select(trial_feed.c.nct_id).order_by(trial_feed.c.seq.desc()).limit(50)).scalars().all()
    return list(dict.fromkeys(rows))[:count]


def shows_last_changes(client: httpx.Client, expected: Shown, nct_ids: list[str]) -> bool:
    """Whether the index shows the feed's last changes as stored (one request). The feed is applied in order
    and each catch-up commits at once, so an index showing the last changes shows every one before them."""
    query = " OR ".join(f"id:{n}" for n in nct_ids)
    hits = client.get("/api/search", params={"q": query, "per_page": 100}).json()["hits"]
    shown = {hit["nct_id"]: (hit["status"], tuple(hit["conditions"])) for hit in hits}
    return all(shown.get(n) == expected[n] for n in nct_ids)


def differences(expected: Shown, shown: Shown) -> set[str]:
    return {n for n in expected.keys() | shown.keys() if expected.get(n) != shown.get(n)}


def last_commit(db: str) -> float:
    """When the last change was stored (the feed's newest time), as a Unix time."""
    with TrialStore.open(db) as store, store.engine.connect() as conn:
        stored = conn.execute(select(func.max(trial_feed.c.stored_at))).scalar_one()
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=dt.UTC)
    return float(stored.timestamp())


def index_scenario(
    db: str, folder: Path, count: int, rounds: int, new: int | None = None, settle: float = 60.0
) -> tuple[str, bool]:
    new = count // 20 if new is None else new  # new trials in each import (0: the catalogue's size stays put)
    chance = random.Random(37)
    with TrialStore.open(db) as store:
        ingest_paths(store, [updates(folder / "initial.jsonl", list(range(count)), "2025-01-01", chance)])
        first_change = store.last_change()
    servers = [start_server(db, folder / f"index-{name}") for name in ("a", "b")]
    stop = threading.Event()
    answers: dict[int, int] = {}

    def searching(base: str) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                for params in ({"status": "COMPLETED"}, {"q": "myeloma", "status": "RECRUITING"}, {"q": "indexed"}):
                    status = client.get("/api/search", params=params).status_code
                    answers[status] = answers.get(status, 0) + 1
                stop.wait(0.2)

    searchers = [threading.Thread(target=searching, args=(base,), daemon=True) for _, base in servers]
    for searcher in searchers:
        searcher.start()
    memory: list[list[float]] = []
    codes: list[int] = []
    new_trial = 5_000_000
    missed: list[int] = []
    round_stale = float("inf")
    stales: list[float] = []  # per round: seconds from the last commit until both indexes matched (inf: never)
    try:
        for n in range(rounds):
            day = (dt.date(2025, 2, 1) + dt.timedelta(days=n)).isoformat()
            files = []
            for side in ("a", "b"):
                ids = list(range(count)) + list(range(new_trial, new_trial + new))  # and new trials
                new_trial += new
                chance.shuffle(ids)
                files.append(updates(folder / f"round{n}-{side}.jsonl", ids, day, chance))
            procs = [ingest(db, path, batch_size=10) for path in files]
            codes += [p.wait(timeout=1800) for p in procs]
            expected = in_database(db)
            committed = last_commit(db)
            deadline = time.monotonic() + settle
            newest = last_changed(db)
            behind: list[set[str]] = [set(expected)] * len(servers)
            with ExitStack() as stack:
                clients = [stack.enter_context(httpx.Client(base_url=base, timeout=30)) for _, base in servers]
                while time.monotonic() < deadline:
                    if not all(shows_last_changes(client, expected, newest) for client in clients):
                        time.sleep(0.02)
                        continue
                    caught_up = time.time()  # both show the last changes: compare every trial
                    behind = [differences(expected, in_index(client)) for client in clients]
                    if not any(behind):
                        round_stale = caught_up - committed
                        break
                    time.sleep(0.1)
            missed.append(len(set().union(*behind)))
            round_stale = round_stale if not any(behind) else float("inf")  # never caught up this round
            stales.append(round_stale)
            memory.append([rss_mb(server.pid) for server, _ in servers])
            sizes = ", ".join(f"{m:.0f} MB" for m in memory[-1])
            print(
                f"round {n + 1}: servers' memory {sizes}; trials shown otherwise than stored: {missed[-1]}; "
                f"caught up {round_stale:.1f} s after the last commit",
                flush=True,
            )
    finally:
        stop.set()
        for searcher in searchers:
            searcher.join(timeout=30)
        for server, _ in servers:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    with TrialStore.open(db) as store:
        changes = store.last_change() - first_change
    stale = max(stales, default=float("inf"))
    missed_any = max(missed, default=0)
    errors = sum(n for status, n in answers.items() if status >= 500)
    ok = codes == [0] * len(codes) and errors == 0 and missed_any == 0 and stale <= 2.0
    what = (
        f"two servers searched {sum(answers.values()):,} times ({answers}) while {rounds} round(s) of two imports "
        f"at once stored {changes:,} changes (exit {codes}); memory a/b per round "
        f"{[[round(m) for m in pair] for pair in memory]} MB"
    )
    CLOSING.append(f"index: missed {missed_any} of {changes} changes, stale after {stale:.1f} s")
    return what, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--trials", type=int, default=6000)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--scenario", choices=["store", "index"], default="store", help="store: 1-4; index: 5")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of updates (--scenario index)")
    parser.add_argument("--new-trials", type=int, help="new trials per import (--scenario index; default trials/20)")
    args = parser.parse_args()
    random.seed(7)
    rows: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scenarios: tuple[tuple[str, Callable[[str], tuple[str, bool]]], ...] = (
            ("concurrent imports", lambda db: concurrent_imports(db, folder, args.trials)),
            ("killed imports", lambda db: killed_imports(db, folder, args.trials, args.kills)),
            ("killed sync", killed_sync),
            ("serving while importing", lambda db: serving_while_importing(db, folder, args.trials)),
        )
        if args.scenario == "index":
            scenarios = (("index", lambda db: index_scenario(db, folder, args.trials, args.rounds, args.new_trials)),)
        for name, run in scenarios:
            db = fresh_db(args.db, folder)
            started = time.perf_counter()
            try:
                what, ok = run(db)
            finally:
                drop_db(db)
            rows.append((name, f"{what} [{time.perf_counter() - started:.0f} s]", ok))
            print(f"{'exact' if ok else 'OFF':>5}  {name}: {rows[-1][1]}", flush=True)
    print(f"\n{args.db}: {sum(ok for *_, ok in rows)} of {len(rows)} scenarios exact")
    for line in CLOSING:
        print(line)
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
