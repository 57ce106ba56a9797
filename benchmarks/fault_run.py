"""A fault run (issue 17): what is tried against the store, and that the counts afterwards are exact.

    .venv/bin/python benchmarks/fault_run.py [--db sqlite|postgresql] [--trials 6000] [--kills 5]

1. concurrent imports: three imports at once, of overlapping records in an older and a newer version;
2. imports killed at random points (SIGKILL), each followed by the next, then one run to the end;
3. a sync killed mid-page against a local ClinicalTrials.gov API v2 of our own (tests/ctgov_server.py), then
   resumed;
4. the web app serving searches and trial pages while an import runs.

After each: the number of trials equals the number of distinct NCT IDs given (nothing lost, nothing
doubled), every trial holds the newest version, runs left running by killed imports are marked
interrupted, and the web app answered every request without a server error. Prints a table and exits 1
if any count is off.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ctgov_server import FakeCtGov  # noqa: E402  (the local API of the sync tests)
from tests.factories import study  # noqa: E402
from trialscope.store.schema import import_runs, trials  # noqa: E402
from trialscope.store.sync_state import SyncQuery, SyncState  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

POSTGRES = os.environ.get("TRIALSCOPE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def corpus(path: Path, count: int, last_update: str, title: str, start: int = 0) -> Path:
    with path.open("w") as out:
        for n in range(start, start + count):
            out.write(json.dumps(study(f"NCT{n:08d}", last_update=last_update, title=title)) + "\n")
    return path


def ingest(db: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db}
    command = [sys.executable, "-m", "trialscope", "ingest", str(path), "--batch-size", "50", "--json"]
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
            state = SyncState(store.engine)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--trials", type=int, default=6000)
    parser.add_argument("--kills", type=int, default=5)
    args = parser.parse_args()
    random.seed(7)
    rows: list[tuple[str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, run in (
            ("concurrent imports", lambda db: concurrent_imports(db, folder, args.trials)),
            ("killed imports", lambda db: killed_imports(db, folder, args.trials, args.kills)),
            ("killed sync", killed_sync),
            ("serving while importing", lambda db: serving_while_importing(db, folder, args.trials)),
        ):
            db = fresh_db(args.db, folder)
            started = time.perf_counter()
            what, ok = run(db)
            rows.append((name, f"{what} [{time.perf_counter() - started:.0f} s]", ok))
            print(f"{'exact' if ok else 'OFF':>5}  {name}: {rows[-1][1]}", flush=True)
    print(f"\n{args.db}: {sum(ok for *_, ok in rows)} of {len(rows)} scenarios exact")
    return 0 if all(ok for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
