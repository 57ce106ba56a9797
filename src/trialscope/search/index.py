"""The search index: a tantivy index (BM25 full text, exact-value fields for filters and facet counts) kept
beside the store and brought up to date from it.

Where it lives: next to an SQLite file (``trials.db`` -> ``trials.db.search/``); for PostgreSQL in the
user's data folder, one per database URL; or where ``TRIALSCOPE_SEARCH_INDEX`` says. It is derived data:
deleting it only costs a rebuild. It records the store's newest ``updated_at`` it has seen, and every
search first indexes the trials changed since (a sync or import shows up at the next search).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
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
from trialscope.store.trial_store import TrialStore

ENV_SEARCH_INDEX = "TRIALSCOPE_SEARCH_INDEX"
# Bump when the schema or what documents hold changes: an older index is rebuilt (so is one built with another
# synonym list, whose words it holds).
INDEX_VERSION = "2026.12.07-zh"  # Chinese text as CJK bigrams (search/chinese.py)
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
REFRESH_EVERY_S = 2.0  # a server checks the store for changes at most this often


class SearchIndexError(RuntimeError):
    """The index cannot be opened or written (another process holds it, or it is damaged)."""


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
    indexed_through: str | None  # the newest trials.updated_at indexed (ISO), None when empty
    trials: int

    @classmethod
    def read(cls, path: Path) -> IndexMeta | None:
        try:
            data = json.loads((path / "trialscope-index.json").read_text())
            return cls(data["version"], data["indexed_through"], int(data["trials"]))
        except (OSError, ValueError, KeyError):
            return None

    def write(self, path: Path) -> None:
        target = path / "trialscope-index.json"
        temporary = target.with_suffix(".tmp")
        temporary.write_text(
            json.dumps({"version": self.version, "indexed_through": self.indexed_through, "trials": self.trials})
        )
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
        # In a server, catching up with the store runs in a thread of its own: a request never waits for it
        # and is answered from the index as it stands (``catch_up_in_background``).
        self.catch_up_in_background = False
        self._catching_up: threading.Thread | None = None
        self._geo: tuple[list[str], Any, Any] | None = None  # geo terms and their coordinates (numpy)
        self._spellings: dict[str, dict[str, str]] = {}
        self.results_cache = LruCache(512)  # searches answered on this index state (keyed by it too)
        self.related_cache = LruCache(4096)  # related trials' candidates per group (search/similar.py)
        self.version = f"{INDEX_VERSION}+synonyms.{synonyms().digest}"
        meta = IndexMeta.read(self.path)
        if meta is None or meta.version != self.version or not tantivy.Index.exists(str(self.path)):
            self._create()
            meta = IndexMeta(self.version, None, 0)
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
        """Index what changed in the store since the last look (at most every REFRESH_EVERY_S unless
        forced). Returns how many trials were (re)indexed."""
        now = time.monotonic()
        if not force_check and now - self._checked_at < REFRESH_EVERY_S:
            return 0
        if self.catch_up_in_background and not force_check:
            if self._catching_up is None or not self._catching_up.is_alive():
                self._checked_at = now
                self._catching_up = threading.Thread(target=self._catch_up, name="index catch-up", daemon=True)
                self._catching_up.start()
            return 0
        with self._lock:
            self._checked_at = now
            self._adopt_shared_progress()
            newest = self.store.newest_update()
            if newest is None or (self.meta.indexed_through and _iso(newest) <= self.meta.indexed_through):
                return 0
            try:
                return self._index_since(self.meta.indexed_through, progress)
            except SearchIndexError:
                if force_check:
                    raise
                return 0  # another process (a second server worker) is indexing these changes right now

    def _adopt_shared_progress(self) -> None:
        """Another process writing the same index folder (a second worker or server on this machine) may have
        indexed changes since this one looked: take its progress (reopen the index at its commit) instead of
        indexing the same trials again."""
        shared = IndexMeta.read(self.path)
        mine = self.meta.indexed_through
        if (
            shared is not None
            and shared.version == self.version
            and shared.indexed_through is not None
            and (mine is None or shared.indexed_through > mine)
        ):
            self.index.reload()
            self.meta = shared
            self._geo = None
            self._spellings = {}

    def _catch_up(self) -> None:
        with contextlib.suppress(SearchIndexError):  # another process is indexing these right now: next time
            self.ensure_current(force_check=True)

    def rebuild(self, progress: Progress | None = None, workers: int | None = None) -> int:
        """Index every trial from scratch."""
        with self._lock:
            self._create()
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
            self.meta = IndexMeta(self.version, None, 0)
            self.meta.write(self.path)
            return self._index_since(None, progress, workers)

    def _index_since(self, since: str | None, progress: Progress | None, workers: int | None = None) -> int:
        total = self.store.count_updated_since(dt.datetime.fromisoformat(since) if since is not None else None)
        if total == 0:
            return 0
        workers = workers if workers is not None else (min(4, os.cpu_count() or 1) if total > 2000 else 0)
        if workers > 1:
            load_gazetteer()  # documents name cities through it (canonical_city): read once, shared by the forks
        # the worker processes are forked before tantivy's writer starts its threads
        with ExitStack() as stack:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers)) if workers > 1 else None
            try:
                writer = self.index.writer(heap_size=256_000_000, num_threads=2)
            except ValueError as exc:
                raise SearchIndexError(f"the search index at {self.path} is being written elsewhere: {exc}") from None
            done = 0
            newest = since
            try:
                for rows, fields in self._documents(since, pool):
                    for (nct_id, _record, updated_at), doc in zip(rows, fields, strict=True):
                        if since is not None:
                            writer.delete_documents_by_term("nct_id", nct_id)
                        writer.add_document(_tantivy_document(doc))
                        stamp = _iso(updated_at)
                        newest = stamp if newest is None or stamp > newest else newest
                    done += len(rows)
                    if progress:
                        progress(done, total)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise
        self.index.reload()
        self._geo = None
        self._spellings = {}
        searcher = self.index.searcher()
        self.meta = IndexMeta(self.version, newest, searcher.num_docs)
        self.meta.write(self.path)
        return done

    def _documents(
        self, since: str | None, pool: ProcessPoolExecutor | None
    ) -> Iterator[tuple[list[tuple[str, str, dt.datetime]], list[dict[str, Any]]]]:
        batches = self._batches(since)
        if pool is None:
            for rows in batches:
                yield rows, [document_fields(record) for _, record, _ in rows]
            return
        pending: list[tuple[list[tuple[str, str, dt.datetime]], Any]] = []
        for rows in batches:
            pending.append((rows, pool.map(document_fields, [r for _, r, _ in rows], chunksize=50)))
            if len(pending) >= 4:
                done_rows, results = pending.pop(0)
                yield done_rows, list(results)
        for done_rows, results in pending:
            yield done_rows, list(results)

    def _batches(self, since: str | None, size: int = 1000) -> Iterator[list[tuple[str, str, dt.datetime]]]:
        last = ""
        while True:
            rows = self.store.records_after(last, dt.datetime.fromisoformat(since) if since is not None else None, size)
            if not rows:
                return
            yield rows
            last = rows[-1][0]

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


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat()


def count(searcher: tantivy.Searcher, query: Query) -> int:
    """How many trials match (tantivy wants a page of at least one hit to count)."""
    return total_of(searcher.search(query, 1, count=True))


def total_of(result: tantivy.SearchResult) -> int:
    """The number of matches a search counted (missing from tantivy's type stubs)."""
    return int(result.count or 0)  # type: ignore[attr-defined]
