"""Search and discovery over the catalogue: full text with synonyms, filters, facet counts, distance to open
sites, related trials.

    from trialscope.search import search
    results = search(store, "CAR-T AML", status=["open"], near="Hangzhou", within_km=500, age=45,
                     target=["CD117"])
    for hit in results.hits: print(hit.nct_id, hit.card["title"], hit.distance_km)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trialscope.search.index import SearchIndex, SearchIndexError, index_path
from trialscope.search.request import Hit, QueryError, SearchQuery, SearchResults
from trialscope.search.results import matching_among, run_search
from trialscope.search.similar import RelatedTrial, related_trials
from trialscope.store.trial_store import TrialStore

_open: dict[tuple[int, Path], SearchIndex] = {}


def open_index(store: TrialStore, path: Path | None = None) -> SearchIndex:
    """The search index of this store (opened once per store and path, created and filled on first use)."""
    key = (id(store), path or index_path(store.url_text()))
    index = _open.get(key)
    if index is None or index.store is not store:
        index = _open[key] = SearchIndex(store, path)
    return index


def search(store: TrialStore, text: str = "", **filters: Any) -> SearchResults:
    """One search: ``text`` in the search language, filters as the fields of SearchQuery."""
    return run_search(open_index(store), SearchQuery(text=text, **filters))


def related(store: TrialStore, nct_id: str, limit: int = 5) -> list[RelatedTrial]:
    return related_trials(open_index(store), nct_id, limit)


__all__ = [
    "Hit",
    "QueryError",
    "RelatedTrial",
    "SearchIndex",
    "SearchIndexError",
    "SearchQuery",
    "SearchResults",
    "index_path",
    "matching_among",
    "open_index",
    "related",
    "related_trials",
    "run_search",
    "search",
]
