"""The catalogue's version (``TrialStore.last_change``: the trial feed's last number) is remembered between
commits and asked again after any: by this store, by another connection, or by another process (both backends;
PostgreSQL asks each time)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import insert

from tests.factories import study, write_json
from trialscope.ingest import ingest_paths
from trialscope.store.commits import CommitCounter
from trialscope.store.schema import trial_feed
from trialscope.store.trial_store import TrialStore

_NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_the_last_change_follows_every_commit(store: TrialStore, tmp_path: Path) -> None:
    assert store.last_change() == 0
    ingest_paths(store, [write_json(tmp_path / "a.json", study(last_update="2025-01-10"))])
    first = store.last_change()
    assert first == 1 and store.last_change() == first

    with store.engine.begin() as conn:  # a commit of another connection of the pool
        conn.execute(insert(trial_feed).values(seq=2, nct_id="NCT01234567", version=1, stored_at=_NOW))
    assert store.last_change() == 2

    if store.engine.url.get_backend_name() == "sqlite":  # another process writes the same file
        script = f"""
            import sqlite3
            with sqlite3.connect({store.engine.url.database!r}) as conn:
                conn.execute("INSERT INTO trial_feed VALUES (3, 'NCT01234567', 1, '2026-01-01 00:00:00')")
        """
        subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True)
        assert store.last_change() == 3


def test_a_mark_moves_with_commits_of_sqlite_files_only(store: TrialStore, tmp_path: Path) -> None:
    counter = CommitCounter(store.engine)
    try:
        before = counter.mark()
        if store.engine.url.get_backend_name() != "sqlite":
            assert before is None  # no counter: the query is asked each time
            return
        assert before is not None and counter.mark() == before  # nothing committed: the same
        ingest_paths(store, [write_json(tmp_path / "a.json", study())])
        assert counter.mark() != before
    finally:
        counter.close()
    with TrialStore.open("sqlite://") as memory:  # in memory: no other connection could see its commits
        assert CommitCounter(memory.engine).mark() is None
