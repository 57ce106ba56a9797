"""The trial feed (issue 37), on SQLite and PostgreSQL: every change to a trial is numbered in the transaction
that makes it, the numbers rise in commit order without a gap, and a number is final when it is seen (no
lower one can commit later). A follower reading the feed in small pages while several writers store updates
in random order at once ends with every trial exactly as stored."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from tests.factories import study
from trialscope.catalogue.records import SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check
from trialscope.store.prepared import PreparedRecord, prepare
from trialscope.store.schema import trial_feed
from trialscope.store.schema import trials as trials_table
from trialscope.store.trial_store import TrialStore, _append_feed, _take_write_turn

STATUSES = ("RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "SUSPENDED", "ACTIVE_NOT_RECRUITING")


def _prepared(record: dict[str, Any]) -> PreparedRecord:
    checked = check(SourceRecord(record, "test", "ctgov-v2", "test"))
    assert isinstance(checked, CheckedRecord), checked
    return prepare(checked)


def _trial(n: int, status: str, day: int) -> PreparedRecord:
    return _prepared(study(f"NCT{n:08d}", status=status, last_update=f"2025-{1 + day // 28:02d}-{1 + day % 28:02d}"))


def _feed(store: TrialStore) -> list[tuple[int, str, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(trial_feed.c.seq, trial_feed.c.nct_id, trial_feed.c.version).order_by("seq"))
        return [(int(s), str(n), int(v)) for s, n, v in rows]


def test_each_change_is_numbered_with_its_write(store: TrialStore) -> None:
    store.write_batch([_trial(1, "RECRUITING", 0), _trial(2, "RECRUITING", 0)])
    assert _feed(store) == [(1, "NCT00000001", 1), (2, "NCT00000002", 1)] and store.last_change() == 2
    store.write_batch([_trial(1, "RECRUITING", 0), _trial(2, "COMPLETED", 5)])  # the first is unchanged
    assert _feed(store)[2:] == [(3, "NCT00000002", 2)] and store.last_change() == 3
    entries = store.feed_after(1, 10)
    assert [(e.seq, e.nct_id) for e in entries] == [(2, "NCT00000002"), (3, "NCT00000002")]
    assert all(
        e.record and orjson.loads(e.record)["protocolSection"]["statusModule"]["overallStatus"] == "COMPLETED"
        for e in entries
    )  # each entry reads the trial as it is now
    assert store.feed_after(3, 10) == [] and len(store.feed_after(0, 2)) == 2


def test_a_batch_that_fails_leaves_no_number(store: TrialStore) -> None:
    store.write_batch([_trial(1, "RECRUITING", 0)])
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        _take_write_turn(conn)
        _append_feed(conn, [("NCT00000009", 1)], dt.datetime.now(dt.UTC))
        raise RuntimeError("the writer fails before its commit")
    store.write_batch([_trial(2, "RECRUITING", 0)])
    assert [seq for seq, *_ in _feed(store)] == [1, 2]  # the failed batch's number is taken by the next: no gap


def test_a_number_is_final_when_seen(store: TrialStore) -> None:
    """A writer holding its transaction open with number 2 keeps a second writer waiting: the second can
    neither commit number 3 before 2 is decided, nor take 2 itself; readers see 1 until the first commits."""
    store.write_batch([_trial(1, "RECRUITING", 0)])
    holding, release = threading.Event(), threading.Event()

    def first() -> None:
        with store.engine.begin() as conn:
            _take_write_turn(conn)
            _append_feed(conn, [("NCT00000001", 2)], dt.datetime.now(dt.UTC))
            holding.set()
            release.wait(30)

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(30)
    second = threading.Thread(target=lambda: store.write_batch([_trial(2, "RECRUITING", 0)]))
    second.start()
    time.sleep(1.0)
    assert second.is_alive()  # waiting for its turn
    assert store.last_change() == 1 and [e.seq for e in store.feed_after(0, 10)] == [1]
    release.set()
    one.join(30)
    second.join(60)
    assert [(seq, n) for seq, n, _ in _feed(store)] == [(1, "NCT00000001"), (2, "NCT00000001"), (3, "NCT00000002")]


def test_two_writers_without_turns_cannot_both_take_a_number(store: TrialStore) -> None:
    """The key refuses a number taken twice: even a writer that skipped its turn cannot commit a number
    below (or equal to) one already seen."""
    store.write_batch([_trial(1, "RECRUITING", 0)])
    now = dt.datetime.now(dt.UTC)
    with pytest.raises(IntegrityError), store.engine.begin() as conn:
        conn.execute(insert(trial_feed).values(seq=1, nct_id="NCT00000005", version=1, stored_at=now))


def test_a_follower_of_the_feed_misses_nothing_under_concurrent_writers(store: TrialStore) -> None:
    trials, writers = 120, 3
    store.write_batch([_trial(n, "RECRUITING", 0) for n in range(trials)])
    followed: dict[str, str] = {}
    applied = 0
    stop = threading.Event()
    gaps: list[str] = []

    def follow() -> None:
        nonlocal applied
        while True:
            finishing = stop.is_set()
            entries = store.feed_after(applied, 7)  # small pages: many reads while writers commit
            if [e.seq for e in entries] != list(range(applied + 1, applied + 1 + len(entries))):
                gaps.append(f"after {applied}: {[e.seq for e in entries]}")
                return
            for entry in entries:
                assert entry.record is not None
                followed[entry.nct_id] = orjson.loads(entry.record)["protocolSection"]["statusModule"]["overallStatus"]
            if entries:
                applied = entries[-1].seq
            elif finishing:
                return

    def write(seed: int) -> None:
        chance = random.Random(seed)
        for day in range(1, 9):
            order = list(range(trials))
            chance.shuffle(order)  # random NCT order, small batches
            for start in range(0, trials, 10):
                store.write_batch(
                    [_trial(n, chance.choice(STATUSES), day * writers + seed) for n in order[start : start + 10]]
                )

    follower = threading.Thread(target=follow)
    follower.start()
    threads = [threading.Thread(target=write, args=(seed,)) for seed in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    stop.set()
    follower.join(60)
    assert not gaps
    feed = _feed(store)
    assert [seq for seq, *_ in feed] == list(range(1, len(feed) + 1)) and applied == len(feed) > trials
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(trials_table.c.nct_id, trials_table.c.overall_status)).all())
    assert len(stored) == trials and followed == stored


def test_a_writer_that_skips_its_turn_cannot_commit_a_number_out_of_order(store: TrialStore) -> None:
    """The turn is what keeps writers from retrying; the numbers hold without it. A writer holds number 2
    uncommitted; a second, skipping its turn, also reads 1 as the last and tries 2: it waits for the first
    (PostgreSQL: the key's row; SQLite: the write lock) and is then refused by the key (or, on SQLite, for a
    read older than the first's commit); the feed ends 1, 2, and only a retry, reading again, could take 3."""
    store.write_batch([_trial(1, "RECRUITING", 0)])
    holding, release = threading.Event(), threading.Event()
    outcome: list[str] = []

    def first() -> None:
        with store.engine.begin() as conn:
            _append_feed(conn, [("NCT00000001", 2)], dt.datetime.now(dt.UTC))
            holding.set()
            release.wait(30)

    def second() -> None:
        try:
            with store.engine.begin() as conn:
                conn.execute(select(trial_feed.c.seq).limit(1)).all()  # its read begins before the first commits
                holding.wait(30)
                _append_feed(conn, [("NCT00000002", 1)], dt.datetime.now(dt.UTC))
            outcome.append("committed")
        except Exception as exc:
            outcome.append(type(exc).__name__)

    one = threading.Thread(target=first)
    one.start()
    assert holding.wait(30)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)
    release.set()
    one.join(30)
    two.join(30)
    feed = [seq for seq, *_ in _feed(store)]
    assert feed == list(range(1, len(feed) + 1)), feed  # never a duplicate, never a gap
    if outcome == ["committed"]:
        assert feed == [1, 2, 3]  # it could only have read 2 as committed, after the first's commit
    else:
        assert feed == [1, 2] and outcome[0] in ("IntegrityError", "UniqueViolation", "OperationalError"), outcome
