"""Running a search: the hits of the page asked for (by relevance, a date, or distance), the total, the
facet counts beside them on a second core, the nearest open sites; the same search on the same index state
is answered from a small cache (per reader language: results carry words)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import orjson
import tantivy
from tantivy import Occur, Order, Query

from trialscope.catalogue.freshness import LATE_START_AFTER, STALE_AFTER
from trialscope.geo import Place
from trialscope.search.compile import Compiler, one_of, settled
from trialscope.search.distance import nearby_terms, nearest_sites
from trialscope.search.facets import FacetPart, facet_counts, in_facet_order, with_place
from trialscope.search.index import SearchIndex, count, total_of
from trialscope.search.request import Hit, QueryError, SearchQuery, SearchResults
from trialscope.translation import _, reader_locale


def run_search(index: SearchIndex, query: SearchQuery) -> SearchResults:
    """Run a search: hits of the requested page, total, facet counts, nearest open sites. The same search
    on the same index state is answered from a small in-memory cache (paging back, popular searches), keyed
    by the query with its defaults settled (a search that leaves the order to the default is the same
    search as one that asks for that order)."""
    query = settled(query)
    index.ensure_current()
    key = (query, index.meta.applied, index.meta.trials, reader_locale())  # words: per language
    cached = index.results_cache.get(key)
    if isinstance(cached, SearchResults):
        return cached
    results = _run(index, query)
    index.results_cache.put(key, results)
    return results


class _Running:
    """How many searches this process is running at once. Splitting a search over the cores shortens it
    only when they are free: under load (a server's other requests) the split's extra pass is a cost."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    @contextmanager
    def search(self) -> Iterator[None]:
        with self._lock:
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1

    def alone(self) -> bool:
        return self._count <= 1


_RUNNING = _Running()


def _run(index: SearchIndex, query: SearchQuery) -> SearchResults:
    with _RUNNING.search():
        return _searched(index, query)


def _searched(index: SearchIndex, query: SearchQuery) -> SearchResults:
    compiler = Compiler(index, query)
    sort = query.sort
    if sort == "distance" and (compiler.place is None or compiler.place.kind == "country"):
        raise QueryError(_("sorting by distance needs a place: a city or coordinates"))
    searcher = index.searcher()
    combined = compiler.combined()
    offset = (query.page - 1) * query.per_page
    # the facet counts run beside the search for hits (tantivy releases the GIL: two cores, one answer);
    # when this is the only search running, the distance rings (the costliest count) beside the others
    facets = []
    if query.facets:
        split = with_place(compiler) and _RUNNING.alone()
        parts: tuple[FacetPart, ...] = ("values", "distance") if split else ("all",)
        facets = [_POOL.submit(facet_counts, index, compiler, part) for part in parts]
    if sort == "distance":
        assert compiler.place is not None
        total, hits = _open_first_by_distance(index, compiler, combined, offset, query.per_page)
    else:
        if sort in ("updated", "start"):  # newest first; the key breaks ties by NCT ID
            result = searcher.search(
                combined, query.per_page, count=True, order_by_field=f"{sort}_order", offset=offset, order=Order.Desc
            )
            total = total_of(result)
            page: list[tuple[float | None, tantivy.DocAddress]] = [(None, address) for _, address in result.hits]
        else:
            total, page = _by_relevance(searcher, combined, offset, query.per_page)
        hits = [Hit(orjson.loads(searcher.doc(address)["card"][0]), score) for score, address in page]
    results = SearchResults(
        query,
        total,
        hits,
        place=compiler.place,
        searched=compiler.searched,
        notes=compiler.notes,
        unmatched=compiler.unmatched,
        left_out=compiler.left_out,
        word_notes=compiler.word_notes,
    )
    if compiler.place is not None and hits:
        _add_nearest_sites(index, compiler.place, hits)
    if facets:
        results.facets = in_facet_order({name: counts for part in facets for name, counts in part.result().items()})
    return results


_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="trialscope-facets")
_TIE_SLACK = 50  # hits fetched beyond the page, so equal scores at its edge are ordered by NCT ID


def _by_relevance(
    searcher: tantivy.Searcher, query: Query, offset: int, limit: int
) -> tuple[int, list[tuple[float | None, tantivy.DocAddress]]]:
    """Best first; equal scores in NCT ID order (the index's own order of ties depends on how it was built)."""
    result = searcher.search(query, offset + limit + _TIE_SLACK, count=True)
    addresses = [address for _, address in result.hits]
    ncts = searcher.fast_field_values("nct", addresses)
    ranked = sorted(zip(result.hits, ncts, strict=True), key=lambda hn: (-hn[0][0], hn[1]))
    return total_of(result), [(float(score), address) for (score, address), _ in ranked[offset : offset + limit]]


def _open_first_by_distance(
    index: SearchIndex, compiler: Compiler, combined: Query, offset: int, limit: int
) -> tuple[int, list[Hit]]:
    """Hits nearest first, those listed as open and updated within two years before the others (status
    unknown, closed, or not updated for years), unless the person chose statuses themselves."""
    if compiler.query.status:
        return _by_distance(index, compiler, combined, offset, limit)
    open_and_updated, late_start = current_listing(dt.date.today())
    current = Query.boolean_query(
        [(Occur.Must, compiler._parse(open_and_updated)), (Occur.MustNot, compiler._parse(late_start))]
    )
    doubtful = Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, current)])
    first_total, first = _by_distance(index, compiler, combined, offset, limit, only=current)
    total = count(index.searcher(), combined)
    if len(first) >= limit or total == first_total:
        return total, first
    _rest, rest = _by_distance(
        index, compiler, combined, max(0, offset - first_total), limit - len(first), only=doubtful
    )
    return total, first + rest


def current_listing(today: dt.date) -> tuple[str, str]:
    """Trials listed as open and updated within ``STALE_AFTER``, and trials not yet recruiting long past their
    planned start (``catalogue/freshness.py``), in the search language: the first without the second is a
    current listing."""

    def day(when: dt.date) -> int:
        return when.year * 10000 + when.month * 100 + when.day

    open_and_updated = f"open:yes AND updated:[{day(today - STALE_AFTER)} TO *]"
    late_start = f"status:NOT_YET_RECRUITING AND start:[1 TO {day(today - LATE_START_AFTER) - 1}]"
    return open_and_updated, late_start


def _by_distance(
    index: SearchIndex,
    compiler: Compiler,
    combined: Query,
    offset: int,
    limit: int,
    only: Query | None = None,
) -> tuple[int, list[Hit]]:
    """Hits nearest first (among those ``only`` lets through). The candidates are narrowed to the smallest
    ring around the place holding enough trials for this page, then ordered by their exact nearest open
    site."""
    assert compiler.place is not None
    searcher = index.searcher()
    if only is not None:
        combined = _both(combined, only)
    total = count(searcher, combined)
    need = offset + limit
    if total == 0 or offset >= total:
        return total, []
    base = compiler.combined(without="distance")
    if only is not None:
        base = _both(base, only)
    terms = nearby_terms(index, compiler.place, compiler.query.within_km or 40_100.0)
    low, high = 1, len(terms)
    while low < high:  # the fewest nearest coordinates whose trials fill the page
        middle = (low + high) // 2
        ring = _both(base, compiler._parse(one_of("geo", terms[:middle])))
        if count(searcher, ring) >= need:
            high = middle
        else:
            low = middle + 1
    ring = _both(base, compiler._parse(one_of("geo", terms[:low])))
    found = searcher.search(ring, max(need, 1), count=True)
    candidates = total_of(found)
    if candidates > len(found.hits):
        found = searcher.search(ring, candidates, count=False)
    cards = [orjson.loads(searcher.doc(address)["card"][0]) for _, address in found.hits]
    hits = [Hit(card, None) for card in cards]
    _add_nearest_sites(index, compiler.place, hits)
    hits.sort(key=lambda h: (h.distance_km if h.distance_km is not None else float("inf"), h.nct_id))
    return total, hits[offset:need]


def _add_nearest_sites(index: SearchIndex, place: Place, hits: list[Hit]) -> None:
    found = nearest_sites(index.store, [h.nct_id for h in hits], place)
    for hit in hits:
        if hit.nct_id in found:
            hit.distance_km, hit.nearest_site = found[hit.nct_id]


# Which filter each facet is counted without (its own).


def _both(first: Query, second: Query) -> Query:
    return Query.boolean_query([(Occur.Must, first), (Occur.Must, second)])


def matching_among(index: SearchIndex, query: SearchQuery, nct_ids: list[str]) -> list[str]:
    """Which of ``nct_ids`` the search finds, in NCT ID order (an alert's question: which of the new trials
    match a saved search). The index is first brought up to date with the store, so a trial just imported
    is not missed (SearchIndexError: another process is indexing right now; ask again later)."""
    if not nct_ids:
        return []
    index.ensure_current(force_check=True)
    compiler = Compiler(index, query)
    restricted = _both(compiler.combined(), index.index.parse_query(one_of("nct_id", nct_ids), ["title"]))
    searcher = index.searcher()
    result = searcher.search(restricted, len(nct_ids))
    return sorted(str(searcher.doc(address)["nct_id"][0]) for _score, address in result.hits)
