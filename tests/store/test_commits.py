"""The catalogue's version (``TrialStore.newest_update``) is remembered between commits and asked again after
any: by this store, by another connection, or by another process (both backends; PostgreSQL asks each time)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import update

from tests.factories import study, write_json
from trialscope.ingest import ingest_paths
from trialscope.store.commits import CommitCounter
from trialscope.store.schema import trials
from trialscope.store.trial_store import TrialStore


def test_the_newest_update_follows_every_commit(store: TrialStore, tmp_path: Path) -> None:
    assert store.newest_update() is None
    ingest_paths(store, [write_json(tmp_path / "a.json", study(last_update="2025-01-10"))])
    first = store.newest_update()
    assert first is not None and store.newest_update() == first

    later = first.replace(year=first.year + 1)
    with store.engine.begin() as conn:  # a commit of another connection of the pool
        conn.execute(update(trials).values(updated_at=later))
    assert store.newest_update() == later

    if store.engine.url.get_backend_name() == "sqlite":  # another process writes the same file
        newest = later.replace(year=later.year + 1)
        script = f"""
            import sqlite3
            with sqlite3.connect({store.engine.url.database!r}) as conn:
                conn.execute("UPDATE trials SET updated_at = ?", ({newest.isoformat(sep=" ")!r},))
        """
        subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True)
        assert store.newest_update() == newest


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
