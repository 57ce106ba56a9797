"""Facet counts the way shoppers expect them: each facet counted with every filter applied except its own
(the status facet still shows the other statuses while one is chosen), filters nested so each is applied
once per count that keeps it, composite fields split back into their facets, distance rings."""

from __future__ import annotations

from typing import Any, Literal

from trialscope.search.compile import Compiler
from trialscope.search.distance import DISTANCE_BUCKETS_KM
from trialscope.search.documents import (
    COMPOSITE_FACETS,
    split_composite,
)
from trialscope.search.index import SearchIndex

Sort = Literal["relevance", "updated", "start", "distance"]
FACETS: dict[str, int] = {  # facet -> how many values to show
    "status": 12,
    "phase": 8,
    "study_type": 5,
    "intervention_type": 12,
    "target": 25,
    "disease": 15,
    "sex": 3,
    "age_group": 3,
    "healthy": 2,
    "country": 25,
    "sponsor_class": 8,
    "results": 2,
}

_OWN_FILTER = {
    "status": "status",
    "phase": "phase",
    "study_type": "study_type",
    "intervention_type": "intervention_type",
    "target": "target",
    "disease": "disease",
    "sex": "sex",
    "age_group": "age",
    "healthy": "healthy",
    "country": "country",
    "sponsor_class": "sponsor_class",
    "results": "results",
}


def with_place(compiler: Compiler) -> bool:
    return compiler.place is not None and compiler.place.kind != "country"


FacetPart = Literal["all", "values", "distance"]


def facet_counts(index: SearchIndex, compiler: Compiler, part: FacetPart = "all") -> dict[str, list[tuple[str, int]]]:
    """Counts per value for every facet, a facet that is filtered on counted without its own filter, in one
    pass over the trials matching the text; with a city, the trials within each distance of it. ``part``:
    all of it, or the values or the distances only (two passes that can run at once).

    The filters that some count must leave out are applied as nested filter aggregations (``_nested``), so
    each is evaluated over the index as few times as the counts allow; the others are part of the base."""
    filters = compiler.filters
    own_filtered = [f for f in FACETS if _OWN_FILTER[f] in filters]
    rings = with_place(compiler) and part != "values"
    left_out = {_OWN_FILTER[f] for f in own_filtered} | ({"distance"} if rings else set())
    chain = [n for n in filters if n in left_out]  # what some count is made without
    shared = [n for n in filters if n not in left_out]  # applied to every count: part of the base query

    # what to count, by the one filter it is counted without ("" for none)
    wanted: dict[str, dict[str, Any]] = {}
    facets_of: dict[str, list[str]] = {}
    if part != "distance":
        facets_of[""] = [f for f in FACETS if f not in own_filtered]
        for facet in own_filtered:
            facets_of[_OWN_FILTER[facet]] = [facet]
        wanted = {name: _counting(facets) for name, facets in facets_of.items()}
    if rings:
        assert compiler.place is not None
        wanted["distance"] = {f"{km}": {"filter": compiler.within(compiler.place, km)} for km in DISTANCE_BUCKETS_KM}
    if not wanted:  # the distances only, and no city
        return {}
    aggregations, paths = _nested(compiler, chain, wanted)
    result = index.searcher().aggregate(compiler.combined(only=shared), aggregations)
    counts: dict[str, list[tuple[str, int]]] = {}
    for name, path in paths.items():
        node = result
        for key in path:
            node = node[key]
        if name == "distance":
            counts["distance"] = [(f"{km}", int(node[f"{km}"]["doc_count"])) for km in DISTANCE_BUCKETS_KM]
            continue
        for counted, buckets in _buckets({k: node[k] for k in wanted[name]}).items():
            if counted in COMPOSITE_FACETS:
                counts |= _split_composite_counts(buckets, COMPOSITE_FACETS[counted], facets_of[name])
            else:
                counts[counted] = buckets
    return in_facet_order(counts)


def in_facet_order(counts: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
    return {name: counts[name] for name in [*FACETS, "distance"] if name in counts}


def _nested(
    compiler: Compiler, chain: list[str], wanted: dict[str, dict[str, Any]], path: tuple[str, ...] = ()
) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
    """Aggregations giving each count of ``wanted`` (by the filter of ``chain`` it leaves out, "" for none)
    under every other filter of ``chain``, and where in the answer each is. The first filter is applied
    once for all the counts that keep it, and once more (with the rest, in one filter) for the count that
    leaves it out: n filters cost n(n+1)/2 evaluations instead of n² (three: six instead of nine)."""
    if not chain:
        return dict(wanted.get("", {})), {name: path for name in wanted}
    first, rest = chain[0], chain[1:]
    aggregations: dict[str, Any] = {}
    paths: dict[str, tuple[str, ...]] = {}
    if first in wanted:
        if rest:
            key = f"without {first}"
            aggregations[key] = {"filter": compiler.filter_text_of(rest), "aggs": wanted[first]}
            paths[first] = (*path, key)
        else:
            aggregations |= wanted[first]
            paths[first] = path
    keeping = {name: aggs for name, aggs in wanted.items() if name != first}
    if keeping:
        key = f"with {first}"
        inner, inner_paths = _nested(compiler, rest, keeping, (*path, key))
        aggregations[key] = {"filter": compiler.filter_text_of([first]), "aggs": inner}
        paths |= inner_paths
    return aggregations, paths


_COMPOSITE_SIZE = 65_000  # every distinct composite term is wanted (hundreds; thousands of country sets)
_COUNTED_BY = {facet: field for field, facets in COMPOSITE_FACETS.items() for facet in facets}


def _counting(facets: list[str]) -> dict[str, Any]:
    """The term aggregations that count these facets: each composite field holding one of them once (its
    facets split from its counts), any other facet on its own field."""
    aggregations: dict[str, Any] = {}
    for facet in facets:
        field = _COUNTED_BY.get(facet)
        if field is not None:
            aggregations[field] = {"terms": {"field": field, "size": _COMPOSITE_SIZE}}
        else:
            aggregations[facet] = {"terms": {"field": facet, "size": FACETS[facet]}}
    return aggregations


def _split_composite_counts(
    buckets: list[tuple[str, int]], facets: tuple[str, ...], wanted: list[str]
) -> dict[str, list[tuple[str, int]]]:
    """Per-facet counts from a composite field's counts: a trial is counted once for each value it has,
    as a count over the facet's own field would."""
    totals: dict[str, dict[str, int]] = {f: {} for f in facets if f in wanted}
    for term, n in buckets:
        for facet, values in split_composite(term, facets).items():
            if facet in totals:
                for value in values:
                    totals[facet][value] = totals[facet].get(value, 0) + n
    return {
        facet: sorted(values.items(), key=lambda vc: (-vc[1], vc[0]))[: FACETS[facet]]
        for facet, values in totals.items()
    }


def _buckets(result: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {
        name: [(str(b["key"]), int(b["doc_count"])) for b in value.get("buckets", [])] for name, value in result.items()
    }
