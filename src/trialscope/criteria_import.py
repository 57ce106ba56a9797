"""The import's parsing step: the criteria of every trial that has none stored by this engine version (new
trials, changed ones, all of them after an engine change) are parsed and stored, in worker processes.

Without it a trial's criteria are parsed the first time something reads them (a match, a trial page), so
the first patient matched against a new catalogue would pay for parsing all of its candidates.

How it runs: this process pages through the stale trials in NCT ID order and sends each record to a worker
chosen by its criteria text, so every trial with the same text goes to the same worker, which reads the text
once and completes the reading with each trial's record (``criteria/forms.py``: the same forms a fresh parse
gives). Results come back in chunks and are stored in batches (``CriteriaStore.save_parsed``: a trial
changed meanwhile is left stale, for the next run or its first reader). Workers are started with ``spawn``
(nothing of this process's database connections is inherited) and stop with it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import orjson

from trialscope.criteria.forms import CriteriaForms, FormsReader
from trialscope.store.criteria_store import CriteriaStore
from trialscope.store.trial_store import TrialStore

ProgressCallback = Callable[[int], None]  # called with the number of trials just handled

PAGE = 1_000  # stale trials read per query
CHUNK = 50  # trials per message to a worker
SAVE = 500  # trials stored per transaction
IN_PROCESS_BELOW = 400  # fewer stale trials than this are parsed here: starting workers costs ~1 s each


@dataclass(slots=True)
class ParseSummary:
    parsed: int = 0  # trials whose criteria were stored
    texts_read: int = 0  # distinct criteria texts read (the rest reused a reading)
    failed: int = 0  # records that are not valid studies (left to their first reader, which reports them)
    changed: int = 0  # trials stored again while they were parsed (left stale)


_reader: FormsReader | None = None  # a worker's own reader (its remembered texts), made on its first chunk


def _forms_of_records(jobs: list[tuple[str, int, str]]) -> tuple[list[tuple[str, int, CriteriaForms | None]], int]:
    """In a worker: the forms of each (NCT ID, version, record JSON), None for a record that is not a valid
    study; and how many texts were read so far by this worker."""
    global _reader
    if _reader is None:
        _reader = FormsReader()
    return _forms_of(_reader, jobs), _reader.read


def _forms_of(reader: FormsReader, jobs: list[tuple[str, int, str]]) -> list[tuple[str, int, CriteriaForms | None]]:
    """The forms of each (NCT ID, version, record JSON), None for a record that is not a valid study."""
    done: list[tuple[str, int, CriteriaForms | None]] = []
    for nct_id, version, record in jobs:
        try:
            done.append((nct_id, version, reader.forms_of_record(record)))
        except ValueError:
            done.append((nct_id, version, None))
    return done


def _criteria_text(record: str) -> str:
    eligibility = orjson.loads(record).get("protocolSection", {}).get("eligibilityModule", {})
    return str(eligibility.get("eligibilityCriteria") or "")


class _Saver:
    def __init__(self, criteria: CriteriaStore, summary: ParseSummary, on_progress: ProgressCallback | None) -> None:
        self.criteria, self.summary, self.on_progress = criteria, summary, on_progress
        self.pending: list[tuple[str, int, CriteriaForms]] = []

    def add(self, done: list[tuple[str, int, CriteriaForms | None]]) -> None:
        for nct_id, version, forms in done:
            if forms is None:
                self.summary.failed += 1
            else:
                self.pending.append((nct_id, version, forms))
        if self.on_progress is not None:
            self.on_progress(len(done))
        if len(self.pending) >= SAVE:
            self.flush()

    def flush(self) -> None:
        stored = self.criteria.save_parsed(self.pending)
        self.summary.parsed += stored
        self.summary.changed += len(self.pending) - stored
        self.pending = []


def parse_stale_criteria(
    store: TrialStore, *, workers: int | None = None, on_progress: ProgressCallback | None = None
) -> ParseSummary:
    """Parse and store the criteria of every trial without current stored criteria. ``workers``: processes
    to parse in (None: one per CPU; 1: in this process)."""
    criteria = store.criteria
    summary = ParseSummary()
    saver = _Saver(criteria, summary, on_progress)
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    if workers == 1 or criteria.count_stale() < IN_PROCESS_BELOW:
        reader = FormsReader()
        for page in _pages(criteria):
            saver.add(_forms_of(reader, page))
        saver.flush()
        summary.texts_read = reader.read
        return summary
    context = get_context("spawn")
    pools = [ProcessPoolExecutor(1, mp_context=context) for _ in range(workers)]
    read = [0] * workers
    pending: deque[tuple[int, Future[tuple[list[tuple[str, int, CriteriaForms | None]], int]]]] = deque()

    def collect() -> None:
        worker, future = pending.popleft()
        done, read[worker] = future.result()
        saver.add(done)

    try:
        for page in _pages(criteria):
            routed: list[list[tuple[str, int, str]]] = [[] for _ in pools]
            for job in page:
                routed[hash(_criteria_text(job[2])) % workers].append(job)
            for worker, jobs in enumerate(routed):
                for start in range(0, len(jobs), CHUNK):
                    pending.append((worker, pools[worker].submit(_forms_of_records, jobs[start : start + CHUNK])))
            while len(pending) > 8 * workers:  # keep the workers busy without holding the catalogue in memory
                collect()
        while pending:
            collect()
        saver.flush()
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
    summary.texts_read = sum(read)
    return summary


def _pages(criteria: CriteriaStore) -> Iterator[list[tuple[str, int, str]]]:
    """The stale trials page by page (keyset: each page starts after the last NCT ID of the one before, so a
    trial stored meanwhile is not read twice)."""
    after = ""
    while page := criteria.stale_records(after, PAGE):
        yield page
        after = page[-1][0]
