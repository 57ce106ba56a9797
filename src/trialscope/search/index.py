"""The search index: a tantivy index (BM25 full text, exact-value fields for filters and facet counts) kept
beside the store and brought up to date from it.

Where it lives: next to an SQLite file (``trials.db`` -> ``trials.db.search/``); for PostgreSQL in the
user's data folder, one per database URL; or where ``TRIALSCOPE_SEARCH_INDEX`` says. It is derived data:
deleting it only costs a rebuild. It follows the store's trial feed (``TrialStore.feed_after``): every change
to a trial is numbered in commit order, and the index records the last number it applied
(``IndexMeta.applied``), so no change is ever skipped. A server follows the feed in a thread of its own
(``follow``), a request never waits for it; the command line catches up before it searches.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import tantivy
from tantivy import Query

from trialscope.caches import LruCache
from trialscope.geo import load_gazetteer
from trialscope.model.study import parse_study
from trialscope.search.documents import COMPOSITE_FACETS, TEXT_FIELDS, trial_document
from trialscope.search.synonyms import synonyms
from trialscope.store.database import default_database_path, sqlite_file, url_without_password
from trialscope.store.trial_store import FeedEntry, TrialStore

ENV_SEARCH_INDEX = "TRIALSCOPE_SEARCH_INDEX"
# Bump when the schema or what documents hold changes: an older index is rebuilt (so is one built with another
# synonym list, whose words it holds).
INDEX_VERSION = "2026.12.08-age"  # ages admitted by the age rule (model/age.py); Chinese text as CJK bigrams
KEYWORD_FIELDS = (
    "status",
    "open",
    "phase",
    "study_type",
    "intervention_type",
    "target",
    "disease",
    "sex",
    "age_group",
    "healthy",
    "country",
    "state",
    "city",
    "open_country",
    "sponsor_class",
    "results",
    *COMPOSITE_FACETS,
)
REFRESH_EVERY_S = 2.0  # outside a server, a search checks the store for changes at most this often
FOLLOW_EVERY_S = 0.25  # a server's follower thread looks at the feed this often (a cheap query; none on SQLite)
FEED_PAGE = 1000  # changes read from the feed at once
# A rebuild's memory, whatever the catalogue's size: the writer's arena (split between its two threads) and
# a commit every so many documents, after which the arena's pages go back to the system. One arena of 256 MB
# and one commit at the end held ~2 kB a trial until then (1.27 GB at 600,000: benchmarks/README.md).
REBUILD_HEAP = 128_000_000
REBUILD_COMMIT_EVERY = 20_000
log = logging.getLogger("trialscope.search")


class SearchIndexError(RuntimeError):
    """The index cannot be opened or written (another process holds it, or it is damaged)."""


class FeedGap(RuntimeError):
    """The feed no longer holds every change after the last one this index applied: only a rebuild helps."""


def index_path(url: str) -> Path:
    """Where the index of the store at ``url`` lives (see the module docstring)."""
    configured = os.environ.get(ENV_SEARCH_INDEX)
    if configured:
        return Path(configured).expanduser()
    database = sqlite_file(url)
    if database is not None:
        return database.with_name(database.name + ".search")
    key = hashlib.sha256(url_without_password(url).encode()).hexdigest()[:16]
    return default_database_path().parent / "search" / key


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("nct_id", stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("nct", stored=False, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name="en_stem")
    for name in KEYWORD_FIELDS:
        builder.add_text_field(name, stored=False, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("geo", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_text_field("age_year", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_float_field("min_age", indexed=True, fast=True)
    builder.add_float_field("max_age", indexed=True, fast=True)
    builder.add_integer_field("start", indexed=True, fast=True)
    builder.add_integer_field("updated", indexed=True, fast=True)
    builder.add_integer_field("start_order", indexed=False, fast=True)
    builder.add_integer_field("updated_order", indexed=False, fast=True)
    builder.add_text_field("card", stored=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def document_fields(record: str) -> dict[str, Any]:
    """A stored record (JSON text) -> the fields of its index document. Runs in worker processes."""
    doc = trial_document(parse_study(orjson.loads(record)))
    fields = doc.as_fields()
    fields["card"] = orjson.dumps(doc.card).decode()
    return fields


def _tantivy_document(fields: dict[str, Any]) -> tantivy.Document:
    document = tantivy.Document()
    for name, value in fields.items():
        if name in ("nct", "start", "updated", "start_order", "updated_order"):
            document.add_integer(name, int(value))
        elif name in ("min_age", "max_age"):
            document.add_float(name, float(value))
        elif isinstance(value, list):
            for item in value:
                document.add_text(name, item)
        else:
            document.add_text(name, value)
    return document


@dataclass(slots=True)
class IndexMeta:
    version: str
    applied: int  # the number of the last change of the store's feed applied (0: none)
    trials: int

    @classmethod
    def read(cls, path: Path) -> IndexMeta | None:
        """The index's meta, None when missing, damaged, or written before the feed (which then rebuilds)."""
        try:
            data = json.loads((path / "trialscope-index.json").read_text())
            return cls(data["version"], int(data["applied"]), int(data["trials"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write(self, path: Path) -> None:
        target = path / "trialscope-index.json"
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"version": self.version, "applied": self.applied, "trials": self.trials}))
        temporary.replace(target)


Progress = Callable[[int, int], None]  # (done, total)


class SearchIndex:
    """A store's search index, open for searching and kept current."""

    def __init__(self, store: TrialStore, path: Path | None = None) -> None:
        self.store = store
        self.path = path or index_path(store.url_text())
        self.schema = _schema()
        self._lock = threading.Lock()
        self._checked_at = 0.0
        # In a server, following the feed runs in a thread of its own (``follow``): a request never waits for
        # it and is answered from the index as it stands.
        self._following: threading.Thread | None = None
        self._stop_following = threading.Event()
        self._geo: tuple[list[str], Any, Any] | None = None  # geo terms and their coordinates (numpy)
        self._spellings: dict[str, dict[str, str]] = {}
        self.results_cache = LruCache(512)  # searches answered on this index state (keyed by it too)
        self.related_cache = LruCache(4096)  # related trials' candidates per group (search/similar.py)
        self.version = f"{INDEX_VERSION}+synonyms.{synonyms().digest}"
        meta = IndexMeta.read(self.path)
        if meta is None or meta.version != self.version or not tantivy.Index.exists(str(self.path)):
            self._create()
            meta = IndexMeta(self.version, 0, 0)
            meta.write(self.path)
        self.meta = meta
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except (OSError, ValueError) as exc:
            raise SearchIndexError(f"cannot open the search index at {self.path}: {exc}") from None

    def _create(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        for child in self.path.iterdir():
            if child.is_file():
                child.unlink()
        tantivy.Index(self.schema, path=str(self.path), reuse=False)

    # --- keeping current -----------------------------------------------------------------------------
    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()

    def ensure_current(self, progress: Progress | None = None, *, force_check: bool = False) -> int:
        """Apply the changes of the store's feed since the last one applied (at most every REFRESH_EVERY_S
        unless forced). Returns how many trials were (re)indexed. While a follower thread keeps the index
        current (``follow``), only a forced call does anything: a request never waits."""
        now = time.monotonic()
        if not force_check and (self._following is not None or now - self._checked_at < REFRESH_EVERY_S):
            return 0
        with self._lock:
            self._checked_at = now
            self._adopt_shared_progress()
            if self.store.last_change() <= self.meta.applied:
                return 0
            try:
                return self._apply_feed(progress)
            except FeedGap as gap:
                log.warning("search index rebuilt: %s", gap)
                return self._rebuild(progress, None)
            except SearchIndexError:
                if force_check and self._following is None:
                    raise
                return 0  # another process (a second server worker) is indexing these changes right now

    def follow(self, every: float = FOLLOW_EVERY_S) -> None:
        """Keep the index current in a thread of its own, looking at the feed every ``every`` seconds, until
        ``stop_following`` or the store is closed. What a server does: its requests never wait."""
        if self._following is not None:
            return
        stop = threading.Event()
        self._stop_following = stop

        def run() -> None:
            while not stop.wait(every) and not self.store.closed:
                try:
                    self.ensure_current(force_check=True)
                except Exception as exc:  # the database away for a moment: the thread lives on, the next look retries
                    log.warning("search index catch-up skipped: %s: %s", type(exc).__name__, exc)

        self._following = threading.Thread(target=run, name="index follower", daemon=True)
        self._following.start()

    def stop_following(self) -> None:
        thread, self._following = self._following, None
        self._stop_following.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)

    def _adopt_shared_progress(self) -> None:
        """Another process writing the same index folder (a second worker or server on this machine) may have
        applied changes since this one looked: take its progress (reopen the index at its commit) instead of
        indexing the same trials again."""
        shared = IndexMeta.read(self.path)
        if shared is not None and shared.version == self.version and shared.applied > self.meta.applied:
            self.index.reload()
            self.meta = shared
            self._state_moved()

    def rebuild(self, progress: Progress | None = None, workers: int | None = None) -> int:
        """Index every trial from scratch."""
        with self._lock:
            return self._rebuild(progress, workers)

    def _writer(self, heap: int, threads: int) -> tantivy.IndexWriter:
        try:
            return self.index.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            raise SearchIndexError(f"the search index at {self.path} is being written elsewhere: {exc}") from None

    def _rebuild(self, progress: Progress | None, workers: int | None) -> int:
        self._create()
        self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self.meta = IndexMeta(self.version, 0, 0)
        self.meta.write(self.path)
        # the feed's last number first: every change after it is applied next time, and every trial read
        # below is at least as new as that change
        head = self.store.last_change()
        total = self.store.count()
        workers = workers if workers is not None else (min(4, os.cpu_count() or 1) if total > 2000 else 0)
        if workers > 1:
            load_gazetteer()  # documents name cities through it (canonical_city): read once, shared by the forks
        # the worker processes are forked before tantivy's writer starts its threads
        with ExitStack() as stack:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers)) if workers > 1 else None
            writer = self._writer(REBUILD_HEAP, 2)
            done = uncommitted = 0
            try:
                for rows, fields in self._documents(self._all_records(), pool):
                    for _, doc in zip(rows, fields, strict=True):
                        writer.add_document(_tantivy_document(doc))
                    done += len(rows)
                    uncommitted += len(rows)
                    if uncommitted >= REBUILD_COMMIT_EVERY:  # the meta still says nothing applied: a
                        writer.commit()  # rebuild stopped here is rebuilt, never taken for done
                        release_freed_memory()
                        uncommitted = 0
                    if progress:
                        progress(done, total)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
        self._committed(head)
        return done

    def _apply_feed(self, progress: Progress | None) -> int:
        """Apply the feed's changes after ``meta.applied``, in order, up to its last number (read first)."""
        head = self.store.last_change()
        writer = self._writer(64_000_000, 1)
        try:
            # holding the writer: no other process commits to this folder now; take what one did before
            self._adopt_shared_progress()
            applied, done, total = self.meta.applied, 0, head - self.meta.applied
            while applied < head:
                entries = self.store.feed_after(applied, FEED_PAGE)
                if not entries:
                    break
                expected = range(applied + 1, applied + 1 + len(entries))
                if [e.seq for e in entries] != list(expected):
                    raise FeedGap(f"the feed holds no change {applied + 1} after {applied}")
                latest: dict[str, FeedEntry] = {e.nct_id: e for e in entries}  # a trial changed twice: once
                for entry in latest.values():
                    writer.delete_documents_by_term("nct_id", entry.nct_id)
                    if entry.record is not None:
                        writer.add_document(_tantivy_document(document_fields(entry.record)))
                applied = entries[-1].seq
                done += len(latest)
                if progress:
                    progress(applied - self.meta.applied, max(total, applied - self.meta.applied))
            if applied == self.meta.applied:
                writer.rollback()
                return 0
            writer.commit()
            writer.wait_merging_threads()
        except BaseException:
            writer.rollback()
            raise
        self._committed(applied)
        return done

    def _committed(self, applied: int) -> None:
        """The writer committed through feed number ``applied``: search what it wrote, and say so."""
        self.index.reload()
        self.meta = IndexMeta(self.version, applied, self.index.searcher().num_docs)
        self.meta.write(self.path)
        self._state_moved()
        release_freed_memory()

    def _state_moved(self) -> None:
        """The index holds other changes now: what was read or answered from the state before goes (answers
        are keyed by the state, so none could be asked for again; kept, they only took memory until pushed out)."""
        self._geo = None
        self._spellings = {}
        self.results_cache.clear()
        self.related_cache.clear()

    def _all_records(self, size: int = 1000) -> Iterator[list[str]]:
        last = ""
        while True:
            rows = self.store.records_after(last, size)
            if not rows:
                return
            yield [record for _, record in rows]
            last = rows[-1][0]

    def _documents(
        self, batches: Iterator[list[str]], pool: ProcessPoolExecutor | None
    ) -> Iterator[tuple[list[str], list[dict[str, Any]]]]:
        if pool is None:
            for records in batches:
                yield records, [document_fields(record) for record in records]
            return
        pending: list[tuple[list[str], Any]] = []
        for records in batches:
            pending.append((records, pool.map(document_fields, records, chunksize=50)))
            if len(pending) >= 4:
                done_records, results = pending.pop(0)
                yield done_records, list(results)
        for done_records, results in pending:
            yield done_records, list(results)

    # --- values as indexed ---------------------------------------------------------------------------
    def spellings(self, name: str) -> dict[str, str]:
        """Every value of a keyword field, by its lowercase form (to match what people type)."""
        if name not in self._spellings:
            terms = self.index.searcher().terms_with_prefix(name, "")
            self._spellings[name] = {str(term).lower(): str(term) for term, _ in reversed(terms)}
        return self._spellings[name]

    def geo_terms(self) -> tuple[list[str], Any, Any]:
        """Every distinct open-site coordinate in the index: (terms, latitudes, longitudes) (numpy)."""
        if self._geo is None:
            import numpy as np

            from trialscope.search.documents import geo_point

            terms = [term for term, _ in self.index.searcher().terms_with_prefix("geo", "")]
            points = np.array([geo_point(t) for t in terms], dtype=np.float64).reshape(-1, 2)
            self._geo = (terms, points[:, 0], points[:, 1])
        return self._geo


def count(searcher: tantivy.Searcher, query: Query) -> int:
    """How many trials match (tantivy wants a page of at least one hit to count)."""
    return total_of(searcher.search(query, 1, count=True))


def total_of(result: tantivy.SearchResult) -> int:
    """The number of matches a search counted (missing from tantivy's type stubs)."""
    return int(result.count or 0)  # type: ignore[attr-defined]


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None
    return trim


_MALLOC_TRIM = _malloc_trim()


def release_freed_memory() -> None:
    """Give the memory freed by a catch-up back to the system. Each catch-up's writer (its arena, its
    threads) and documents are freed after the commit, but glibc keeps freed pages in the arenas of the
    threads that used them: without this, a server's resident memory climbed by about 120 MB over the first
    ten rounds of 2,500 updates before it levelled (``benchmarks/README.md``, issue 37)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
