"""Search and discovery over the catalogue: full text with synonyms, filters, facet counts, distance to open
sites, related trials.

    from trialscope.search import search
    results = search(store, "CAR-T AML", status=["open"], near="Hangzhou", within_km=500, age=45,
                     target=["CD117"])
    for hit in results.hits: print(hit.nct_id, hit.card["title"], hit.distance_km)
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trialscope.search.index import SearchIndex, SearchIndexError, index_path
    from trialscope.search.request import Hit, QueryError, SearchQuery, SearchResults
    from trialscope.search.results import matching_among, run_search
    from trialscope.search.similar import RelatedTrial, related_trials
    from trialscope.store.trial_store import TrialStore

# Imported when first asked for: a command that needs only ``search.distance`` (match --near) does not load
# the index's engine (tantivy) and the document builder with it.
_LAZY = {
    "SearchIndex": "index",
    "SearchIndexError": "index",
    "index_path": "index",
    "Hit": "request",
    "QueryError": "request",
    "SearchQuery": "request",
    "SearchResults": "request",
    "matching_among": "results",
    "run_search": "results",
    "RelatedTrial": "similar",
    "related_trials": "similar",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


_open: dict[tuple[int, Path], SearchIndex] = {}


def open_index(store: TrialStore, path: Path | None = None) -> SearchIndex:
    """The search index of this store (opened once per store and path, created and filled on first use)."""
    from trialscope.search.index import SearchIndex, index_path

    key = (id(store), path or index_path(store.url_text()))
    index = _open.get(key)
    if index is None or index.store is not store:
        index = _open[key] = SearchIndex(store, path)
    return index


def search(store: TrialStore, text: str = "", **filters: Any) -> SearchResults:
    """One search: ``text`` in the search language, filters as the fields of SearchQuery."""
    from trialscope.search.request import SearchQuery
    from trialscope.search.results import run_search

    return run_search(open_index(store), SearchQuery(text=text, **filters))


def related(store: TrialStore, nct_id: str, limit: int = 5) -> list[RelatedTrial]:
    from trialscope.search.similar import related_trials

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
