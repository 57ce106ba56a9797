"""The search index follows the store's trial feed (issue 37), on SQLite and PostgreSQL: catching up while
several writers store updates in random NCT order, it ends with every trial's status and conditions as
stored (the old catch-up by "stored since" missed rows committed behind its page); a feed that no longer
holds what the index lacks rebuilds it; an index written before the feed is rebuilt; a server's follower
thread applies a change within 2 s with no search asking."""

from __future__ import annotations

import json
import random
import threading
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import delete, select
from tantivy import Query

from tests.factories import study
from trialscope.catalogue.records import SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check
from trialscope.search.index import SearchIndex
from trialscope.store.prepared import PreparedRecord, prepare
from trialscope.store.schema import trial_feed, trials
from trialscope.store.trial_store import TrialStore

STATUSES = ("RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "SUSPENDED", "ACTIVE_NOT_RECRUITING")
CONDITIONS = ("Acute Myeloid Leukemia", "Multiple Myeloma", "Lymphoma", "Myelodysplastic Syndromes")


def _trial(n: int, status: str, condition: str, day: int) -> PreparedRecord:
    record: dict[str, Any] = study(
        f"NCT{n:08d}", status=status, last_update=f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}"
    )
    record["protocolSection"]["conditionsModule"] = {"conditions": [condition]}
    checked = check(SourceRecord(record, "test", "ctgov-v2", "test"))
    assert isinstance(checked, CheckedRecord), checked
    return prepare(checked)


def indexed(index: SearchIndex) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every trial in the index: its status and conditions as its document holds them."""
    searcher = index.searcher()
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for _score, address in searcher.search(Query.all_query(), max(1, searcher.num_docs)).hits:
        doc = searcher.doc(address)
        card = json.loads(doc["card"][0])
        found[str(doc["nct_id"][0])] = (card["status"], tuple(card["conditions"]))
    return found


def stored(store: TrialStore) -> dict[str, tuple[str, tuple[str, ...]]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(trials.c.nct_id, trials.c.overall_status, trials.c.record)).all()
    return {
        n: (s, tuple(orjson.loads(r)["protocolSection"].get("conditionsModule", {}).get("conditions", [])))
        for n, s, r in rows
    }


def test_the_index_misses_no_change_written_while_it_catches_up(store: TrialStore, tmp_path: Path) -> None:
    count = 150
    store.write_batch([_trial(n, "RECRUITING", CONDITIONS[0], 0) for n in range(count)])
    index = SearchIndex(store, tmp_path / "index")
    index.ensure_current(force_check=True)
    done = threading.Event()

    def write(seed: int) -> None:
        chance = random.Random(seed)
        for day in range(1, 6):
            order = list(range(count)) + [1000 * (seed + 1) + day * 10 + k for k in range(5)]  # and new trials
            chance.shuffle(order)
            for start in range(0, len(order), 10):
                batch = order[start : start + 10]
                store.write_batch(
                    [_trial(n, chance.choice(STATUSES), chance.choice(CONDITIONS), day * 2 + seed) for n in batch]
                )

    def catch_up() -> None:
        while not done.is_set():
            index.ensure_current(force_check=True)

    follower = threading.Thread(target=catch_up)
    follower.start()
    writers = [threading.Thread(target=write, args=(seed,)) for seed in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(300)
    done.set()
    follower.join(120)
    index.ensure_current(force_check=True)
    assert index.meta.applied == store.last_change() > count
    assert indexed(index) == stored(store)


def test_a_feed_that_lost_what_the_index_lacks_rebuilds_it(store: TrialStore, tmp_path: Path) -> None:
    store.write_batch([_trial(n, "RECRUITING", CONDITIONS[0], 0) for n in range(5)])
    index = SearchIndex(store, tmp_path / "index")
    index.ensure_current(force_check=True)
    store.write_batch([_trial(1, "COMPLETED", CONDITIONS[1], 3)])
    store.write_batch([_trial(2, "COMPLETED", CONDITIONS[1], 3)])
    with store.engine.begin() as conn:  # the oldest changes pruned: the index's next one (6) is gone
        conn.execute(delete(trial_feed).where(trial_feed.c.seq <= 6))
    index.ensure_current(force_check=True)
    assert index.meta.applied == 7 and indexed(index) == stored(store)


def test_an_index_written_before_the_feed_is_rebuilt(store: TrialStore, tmp_path: Path) -> None:
    store.write_batch([_trial(n, "RECRUITING", CONDITIONS[0], 0) for n in range(3)])
    folder = tmp_path / "index"
    SearchIndex(store, folder).ensure_current(force_check=True)
    meta = json.loads((folder / "trialscope-index.json").read_text())
    (folder / "trialscope-index.json").write_text(
        json.dumps({"version": meta["version"], "indexed_through": "2026-01-01T00:00:00+00:00", "trials": 3})
    )
    reopened = SearchIndex(store, folder)
    assert reopened.meta.applied == 0 and reopened.ensure_current(force_check=True) == 3
    assert indexed(reopened) == stored(store)


def test_a_server_s_follower_applies_a_change_within_2_s_without_a_request(store: TrialStore, tmp_path: Path) -> None:
    store.write_batch([_trial(n, "RECRUITING", CONDITIONS[0], 0) for n in range(3)])
    index = SearchIndex(store, tmp_path / "index")
    index.ensure_current(force_check=True)
    index.follow()
    try:
        assert index.ensure_current() == 0  # a request never catches up itself
        store.write_batch([_trial(2, "COMPLETED", CONDITIONS[2], 5)])
        committed = time.monotonic()
        while index.meta.applied < store.last_change() and time.monotonic() - committed < 10:
            time.sleep(0.02)
        assert time.monotonic() - committed < 2.0
        assert indexed(index)["NCT00000002"] == ("COMPLETED", (CONDITIONS[2],))
    finally:
        index.stop_following()


def test_two_workers_sharing_an_index_agree_within_2_s(store: TrialStore, tmp_path: Path) -> None:
    """Two workers of one server (two indexes on one folder): the one holding the writer applies a change,
    the other takes its progress on its next look; both show the change within 2 s."""
    store.write_batch([_trial(n, "RECRUITING", CONDITIONS[0], 0) for n in range(3)])
    workers = [SearchIndex(store, tmp_path / "index") for _ in range(2)]
    workers[0].ensure_current(force_check=True)
    for worker in workers:
        worker.follow()
    try:
        store.write_batch([_trial(1, "SUSPENDED", CONDITIONS[3], 5)])
        committed = time.monotonic()
        while any(w.meta.applied < store.last_change() for w in workers) and time.monotonic() - committed < 10:
            time.sleep(0.02)
        assert time.monotonic() - committed < 2.0
        assert all(indexed(w)["NCT00000001"] == ("SUSPENDED", (CONDITIONS[3],)) for w in workers)
    finally:
        for worker in workers:
            worker.stop_following()
