"""Several writers at once, on SQLite and PostgreSQL (issue 17): two imports of the same records both finish
and store each trial once; an older and a newer version imported at the same time leave the newest; a
killed import's run is marked interrupted by the next one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from tests.factories import study
from trialscope.store.schema import import_runs, trials
from trialscope.store.trial_store import TrialStore


def _corpus(path: Path, count: int, last_update: str, title: str) -> Path:
    with path.open("w") as out:
        for n in range(count):
            out.write(json.dumps(study(f"NCT{n:08d}", last_update=last_update, title=title)) + "\n")
    return path


def _ingest_at_once(db_url: str, *corpora: Path) -> list[subprocess.CompletedProcess[str]]:
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "trialscope", "ingest", str(c), "--batch-size", "25", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in corpora
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return results


def test_two_imports_of_the_same_records_at_once(db_url: str, tmp_path: Path) -> None:
    with TrialStore.open(db_url):
        pass  # the schema, before two processes race to create it
    corpus = _corpus(tmp_path / "a.jsonl", 400, "2025-01-10", "same")
    results = _ingest_at_once(db_url, corpus, corpus)
    for result in results:
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Traceback" not in result.stderr
    with TrialStore.open(db_url) as store:
        assert store.count() == 400
    added = sum(json.loads(r.stdout)["added"] for r in results)
    unchanged = sum(json.loads(r.stdout)["unchanged"] for r in results)
    assert added == 400 and unchanged == 400  # each trial stored once; the other run found it unchanged


def test_the_newest_version_wins_whatever_the_order(db_url: str, tmp_path: Path) -> None:
    with TrialStore.open(db_url):
        pass
    older = _corpus(tmp_path / "older.jsonl", 300, "2025-01-10", "older")
    newer = _corpus(tmp_path / "newer.jsonl", 300, "2025-06-10", "newer")
    for round_ in range(2):
        for result in _ingest_at_once(db_url, *((older, newer) if round_ == 0 else (newer, older))):
            assert result.returncode == 0, result.stderr[-2000:]
    with TrialStore.open(db_url) as store, store.engine.connect() as conn:
        titles = conn.execute(select(trials.c.brief_title)).scalars().all()
    assert len(titles) == 300 and set(titles) == {"newer"}


def test_a_killed_imports_run_is_marked_interrupted(store: TrialStore) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    run_id = store.start_run("ingest", ["x.jsonl"])
    with store.engine.begin() as conn:
        conn.execute(
            import_runs.update().where(import_runs.c.id == run_id).values(owner=f"{os.uname().nodename}:{dead_pid}")
        )
    alive = store.start_run("ingest", ["y.jsonl"])
    with store.engine.connect() as conn:
        statuses = dict(conn.execute(select(import_runs.c.id, import_runs.c.status)).all())
    assert statuses[run_id] == "interrupted" and statuses[alive] == "running"


def test_processes_opening_a_new_database_at_once_all_open_it(db_url: str) -> None:
    """Four processes open a database none has created yet (a server's workers, an import beside them): one
    creates the schema while the others wait for its lock; none fails on a table another just made."""
    code = "import sys\nfrom trialscope.store.trial_store import TrialStore\nTrialStore.open(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
    with TrialStore.open(db_url) as store:
        assert store.count() == 0
