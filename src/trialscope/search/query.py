"""A search: the text query (expanded with synonyms, BM25 over weighted fields), filters, facet counts,
sorting and pages, over a store's search index.

Facets are counted the way shoppers expect: each facet with every filter applied except its own (so the
status facet still shows the other statuses while one is chosen). Distance is to the nearest site whose
own status is open (or not stated); site coordinates are city-level.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field
from typing import Any, Literal

import orjson
import tantivy
from tantivy import Occur, Order, Query

from trialscope.criteria.vocabulary import vocabulary
from trialscope.geo import Place, PlaceNotFound, country_spellings, resolve_place
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.presentation.labels import N_, known_values
from trialscope.search.distance import nearest_sites
from trialscope.search.documents import (
    AGE_YEAR_TERMS,
    COMPOSITE_FACETS,
    TEXT_FIELDS,
    card_freshness,
    split_composite,
)
from trialscope.search.index import SearchIndex
from trialscope.search.synonyms import synonyms
from trialscope.settings import SEARCH_SORTS
from trialscope.translation import _, reader_locale

Sort = Literal["relevance", "updated", "start", "distance"]
SORTS = SEARCH_SORTS
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
DISTANCE_BUCKETS_KM = (50, 100, 250, 500, 1000, 2000)
SYNTAX_NOTE = N_("The query's syntax was not understood (a quote or bracket left open?); its words were searched for.")
CITY_LEVEL_NOTE = N_("Distances are to the nearest open site; site coordinates in the registry are city-level.")
_FIELD_ALIASES = {
    "titles": "title",
    "conditions": "condition",
    "interventions": "intervention",
    "keywords": "keyword",
    "arms": "arm",
    "summaries": "summary",
    "nct": "id",
    "sponsors": "sponsor",
}
_PHASES = {
    "0": "EARLY_PHASE1",
    "early1": "EARLY_PHASE1",
    "earlyphase1": "EARLY_PHASE1",
    "1": "PHASE1",
    "2": "PHASE2",
    "3": "PHASE3",
    "4": "PHASE4",
    "na": "NA",
    "notapplicable": "NA",
}


class QueryError(ValueError):
    """A search the index cannot run as asked: the message says what to change."""


@dataclass(slots=True)
class SearchQuery:
    """Everything a search can ask. Lists within one filter are alternatives (OR); filters combine (AND)."""

    text: str = ""
    status: Sequence[str] = ()  # "open" = recruiting or not yet recruiting; or API values (RECRUITING, ...)
    phase: Sequence[str] = ()  # "1", "phase 2", "PHASE2", "early 1", "NA"
    study_type: Sequence[str] = ()
    condition: str | None = None  # a disease the vocabulary knows (with its subtypes), else words in conditions
    intervention_type: Sequence[str] = ()
    target: Sequence[str] = ()  # target antigens: CD117, CLL1 (CLL-1, CLEC12A), CD123 ...
    age: float | None = None  # trials open to a person of this age (years)
    age_group: Sequence[str] = ()  # the registry's age groups: child, adult, older adult (CHILD, OLDER_ADULT)
    sex: str | None = None  # FEMALE | MALE: trials open to them
    healthy_volunteers: bool | None = None
    country: Sequence[str] = ()
    state: Sequence[str] = ()
    city: Sequence[str] = ()
    near: str | Place | None = None  # a place name or "lat,lon"
    within_km: float | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    results: bool | None = None
    sponsor_class: Sequence[str] = ()
    sort: Sort | None = None  # default: relevance with text, else distance with a place, else last update
    page: int = 1
    per_page: int = 20
    facets: bool = True


@dataclass(slots=True)
class Hit:
    card: dict[str, Any]
    score: float | None
    distance_km: float | None = None
    nearest_site: str | None = None

    @property
    def nct_id(self) -> str:
        return str(self.card["nct_id"])

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.card,
            "score": None if self.score is None else round(self.score, 4),
            "distance_km": None if self.distance_km is None else round(self.distance_km),
            "nearest_open_site": self.nearest_site,
            "may_be_out_of_date": card_freshness(self.card).reasons,
        }


@dataclass(slots=True)
class SearchResults:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    place: Place | None = None
    searched: str = ""  # the text query as run (after synonym expansion)
    notes: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.query.page,
            "per_page": self.query.per_page,
            "pages": self.pages,
            "sort": self.query.sort,
            "place": None if self.place is None else self.place.describe(),
            "searched": self.searched,
            "notes": self.notes,
            "facets": {name: [{"value": v, "count": c} for v, c in values] for name, values in self.facets.items()},
            "hits": [h.as_dict() for h in self.hits],
        }


# --- turning a SearchQuery into tantivy queries ---------------------------------------------------------
def _canonical_phase(value: str) -> str:
    key = re.sub(r"[\s_\-]|phase", "", value.lower())
    if key in _PHASES:
        return _PHASES[key]
    raise QueryError(_("unknown phase %(phase)s: use 1, 2, 3, 4, early 1 or NA", phase=repr(value)))


AGE_GROUPS = ("CHILD", "ADULT", "OLDER_ADULT")


def _canonical_age_group(value: str) -> str:
    key = re.sub(r"[\s\-]+", "_", value.strip()).upper()
    if key in AGE_GROUPS:
        return key
    raise QueryError(_("unknown age group %(group)s: use child, adult or older adult", group=repr(value)))


def _canonical_target(value: str) -> str:
    vocab = vocabulary()
    if value.upper() in {k.upper() for k in vocab.antigens}:
        return next(k for k in vocab.antigens if k.upper() == value.upper())
    found = [m.key for m in vocab.antigen_matcher.finditer(value)]
    if found:
        return found[0]
    known = ", ".join(list(vocab.antigens)[:12])
    raise QueryError(
        _("unknown target antigen %(target)s (known ones include %(known)s, ...)", target=repr(value), known=known)
    )


def _canonical_status(value: str) -> list[str]:
    key = re.sub(r"[\s\-,]+", "_", value.strip()).upper()
    if key == "OPEN":
        return sorted(OPEN_STATUSES)
    known = known_values("status")
    if key not in known:
        words = ", ".join(["open", *(k.lower().replace("_", " ") for k in known)])
        raise QueryError(_("unknown status %(status)s: use one of %(known)s", status=repr(value), known=words))
    return [key]


def disease_concept(text: str) -> str | None:
    """The vocabulary's disease for a condition filter ('AML', 'acute myeloid leukemia'), if it knows one."""
    vocab = vocabulary()
    for candidate in (text, text.upper()):
        for m in vocab.concept_matcher.finditer(candidate):
            if vocab.concepts[m.key].primary_diagnosis:
                return m.key
    return None


def _value(value: str) -> str:
    """One value in the search language, quoted when it is more than a bare word, or when it starts with a
    minus (a southern-hemisphere coordinate, "-2620_2804", would otherwise read as "not 2620_2804")."""
    bare = re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.\-]*", value)
    return value if bare else '"' + value.replace('"', " ").replace("\\", " ") + '"'


def _one_of(field: str, values: Sequence[str]) -> str:
    return f"{field}:IN [{' '.join(_value(v) for v in values)}]" if values else f"{field}:IN [no-such-value]"


class _Compiler:
    """One SearchQuery in the search language: the text, and each filter by name (as text for facet
    aggregations, parsed for searching), so both come from the same place."""

    def __init__(self, index: SearchIndex, query: SearchQuery) -> None:
        self.index = index
        self.schema = index.schema
        self.query = query
        self.notes: list[str] = []
        self.place: Place | None = None
        self.searched = ""  # the text query with synonyms written out (for people)
        self.text = self._text()
        self.filter_text = self._filters()
        self.filters = {name: self._parse(text) for name, text in self.filter_text.items()}

    def _parse(self, text: str) -> Query:
        return self.index.index.parse_query(text, ["title"])

    def _text(self) -> Query | None:
        text = self.query.text.strip()
        if not text:
            return None
        for alias, name in _FIELD_ALIASES.items():
            text = re.sub(rf"\b{alias}:", f"{name}:", text)
        text = re.sub(r"\bAND\s+(?=NOT\b|-)", "", text)  # "a AND NOT b": tantivy reads it as a AND (nothing)
        self.searched = synonyms().expand(text)
        run = synonyms().expand(text, as_tokens=True)  # each synonym group is one indexed word
        names = list(TEXT_FIELDS)
        try:
            return self.index.index.parse_query(run, names, field_boosts=TEXT_FIELDS, conjunction_by_default=True)
        except ValueError as exc:
            message = str(exc)
            if "Field does not exist" in message:
                raise QueryError(
                    _("%(problem)s; fields you can search: %(fields)s", problem=message, fields=", ".join(names))
                ) from None
            if "Only excluding" in message:
                raise QueryError(_("the query only excludes words: add what to look for")) from None
            lenient, _errors = self.index.index.parse_query_lenient(
                run, names, field_boosts=TEXT_FIELDS, conjunction_by_default=True
            )
            self.notes.append(SYNTAX_NOTE)  # a fixed note: results are kept and shown in either language
            return lenient

    def _filters(self) -> dict[str, str]:
        q = self.query
        filters: dict[str, str] = {}
        if q.status:
            filters["status"] = _one_of("status", sorted({s for v in q.status for s in _canonical_status(v)}))
        if q.phase:
            filters["phase"] = _one_of("phase", sorted({_canonical_phase(v) for v in q.phase}))
        if q.study_type:
            filters["study_type"] = _one_of("study_type", [v.upper() for v in q.study_type])
        if q.intervention_type:
            filters["intervention_type"] = _one_of(
                "intervention_type", [v.upper().replace(" ", "_") for v in q.intervention_type]
            )
        if q.target:
            filters["target"] = _one_of("target", sorted({_canonical_target(v) for v in q.target}))
        if q.condition:
            concept = disease_concept(q.condition)
            words = re.sub(r"[^\w\s\-]", " ", q.condition).strip()
            filters["disease"] = _one_of("disease", [concept]) if concept else f'condition:"{words}"'
        if q.sex:
            sex = q.sex.upper()
            if sex not in ("FEMALE", "MALE"):
                raise QueryError(_("unknown sex %(sex)s: use female or male", sex=repr(q.sex)))
            filters["sex"] = _one_of("sex", ["ALL", sex])
        if q.healthy_volunteers is not None:
            filters["healthy"] = _one_of("healthy", ["yes" if q.healthy_volunteers else "no"])
        if q.results is not None:
            filters["results"] = _one_of("results", ["yes" if q.results else "no"])
        if q.sponsor_class:
            filters["sponsor_class"] = _one_of("sponsor_class", [v.upper() for v in q.sponsor_class])
        for name, values in (("country", q.country), ("state", q.state), ("city", q.city)):
            if values:
                filters[name] = _one_of(name, [self._known_value(name, v) for v in values])
        ages = []  # an age and age groups are one filter: the age-group facet is counted without either
        if q.age is not None:
            if not 0 <= q.age <= 130:
                raise QueryError(_("age %(age)s is out of range (0-130 years)", age=f"{q.age:g}"))
            age = float(q.age)
            ages.append(
                f"age_year:{age:.0f}"
                if age.is_integer() and AGE_YEAR_TERMS.start <= age < AGE_YEAR_TERMS.stop
                else f"min_age:[* TO {age}] AND max_age:[{age} TO *]"
            )
        if q.age_group:
            ages.append(_one_of("age_group", sorted({_canonical_age_group(v) for v in q.age_group})))
        if ages:
            filters["age"] = " AND ".join(f"({a})" for a in ages) if len(ages) > 1 else ages[0]
        for name, low, high in (("start", q.start_from, q.start_to), ("updated", q.updated_from, q.updated_to)):
            if low or high:
                filters[name] = f"{name}:[{_day(low) if low else '*'} TO {_day(high) if high else '*'}]"
        if q.near is not None:
            self.place = q.near if isinstance(q.near, Place) else _place(q.near)
            filters["distance"] = self.within(self.place, q.within_km)
            self.notes.append(CITY_LEVEL_NOTE)
        elif q.within_km is not None:
            raise QueryError("--within needs a place (--near)")
        return filters

    def _known_value(self, name: str, value: str) -> str:
        """Countries, states and cities as the registry spells them (matched without regard to case)."""
        return self.index.spellings(name).get(value.strip().lower(), value)

    def within(self, place: Place, km: float | None) -> str:
        """Trials with an open site within ``km`` of the place (in the country, for a country; at any
        distance when ``km`` is None)."""
        if place.kind == "country":
            return _one_of("open_country", country_spellings(place.country or place.name))
        return _one_of("geo", nearby_terms(self.index, place, km if km is not None else 40_100.0))

    def combined(self, *, without: str | None = None, only: Sequence[str] | None = None) -> Query:
        """The text and the filters (all, all but one, or the ones named)."""
        parts: list[tuple[Occur, Query]] = []
        if self.text is not None:
            parts.append((Occur.Must, self.text))
        for name, clause in self.filters.items():
            if name != without and (only is None or name in only):
                parts.append((Occur.Must, clause))
        if not parts:
            return Query.all_query()
        if len(parts) == 1:
            return parts[0][1]
        return Query.boolean_query(parts)

    def filter_text_of(self, names: Sequence[str]) -> str:
        """The named filters together, in the search language ("*": no filter)."""
        return " AND ".join(f"({self.filter_text[n]})" for n in names) or "*"


def _day(value: dt.date) -> int:
    return value.year * 10000 + value.month * 100 + value.day


def _place(text: str) -> Place:
    try:
        return resolve_place(text)
    except PlaceNotFound as exc:
        raise QueryError(str(exc)) from None


def nearby_terms(index: SearchIndex, place: Place, km: float) -> list[str]:
    """Open-site coordinates (index terms) within ``km`` of the place, nearest first."""
    import numpy as np

    terms, lats, lons = index.geo_terms()
    if not terms or place.lat is None or place.lon is None:
        return []
    distances = haversine_km_array(place.lat, place.lon, lats, lons)
    inside = np.nonzero(distances <= km)[0]
    return [terms[i] for i in inside[np.argsort(distances[inside], kind="stable")]]


def haversine_km_array(lat: float, lon: float, lats: Any, lons: Any) -> Any:
    import numpy as np

    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


# --- running it ----------------------------------------------------------------------------------------
def run_search(index: SearchIndex, query: SearchQuery) -> SearchResults:
    """Run a search: hits of the requested page, total, facet counts, nearest open sites. The same search
    on the same index state is answered from a small in-memory cache (paging back, popular searches)."""
    if query.page < 1 or not 1 <= query.per_page <= 100:
        raise QueryError(_("page must be 1 or more, and per_page between 1 and 100"))
    if query.sort is not None and query.sort not in SORTS:
        raise QueryError(_("unknown sort %(sort)s: use %(sorts)s", sort=repr(query.sort), sorts=", ".join(SORTS)))
    index.ensure_current()
    key = (repr(astuple(query)), index.meta.indexed_through, index.meta.trials, reader_locale())  # words: per language
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
    compiler = _Compiler(index, query)
    sort: Sort = query.sort or (
        "relevance"
        if compiler.text is not None
        else "distance"
        if compiler.place is not None and compiler.place.kind != "country"
        else "updated"
    )
    if sort == "distance" and (compiler.place is None or compiler.place.kind == "country"):
        raise QueryError(_("sorting by distance needs a place: a city or coordinates"))
    query.sort = sort
    searcher = index.searcher()
    combined = compiler.combined()
    offset = (query.page - 1) * query.per_page
    # the facet counts run beside the search for hits (tantivy releases the GIL: two cores, one answer);
    # when this is the only search running, the distance rings (the costliest count) beside the others
    facets = []
    if query.facets:
        split = _with_place(compiler) and _RUNNING.alone()
        parts: tuple[FacetPart, ...] = ("values", "distance") if split else ("all",)
        facets = [_POOL.submit(facet_counts, index, compiler, part) for part in parts]
    if sort == "distance":
        assert compiler.place is not None
        total, hits = _by_distance(index, compiler, combined, offset, query.per_page)
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
    results = SearchResults(query, total, hits, place=compiler.place, searched=compiler.searched, notes=compiler.notes)
    if compiler.place is not None and hits:
        _add_nearest_sites(index, compiler.place, hits)
    if facets:
        results.facets = _in_facet_order({name: counts for part in facets for name, counts in part.result().items()})
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


def _by_distance(
    index: SearchIndex, compiler: _Compiler, combined: Query, offset: int, limit: int
) -> tuple[int, list[Hit]]:
    """Hits nearest first. The candidates are narrowed to the smallest ring around the place holding enough
    trials for this page, then ordered by their exact nearest open site."""
    assert compiler.place is not None
    searcher = index.searcher()
    total = count(searcher, combined)
    need = offset + limit
    if total == 0 or offset >= total:
        return total, []
    base = compiler.combined(without="distance")
    terms = nearby_terms(index, compiler.place, compiler.query.within_km or 40_100.0)
    low, high = 1, len(terms)
    while low < high:  # the fewest nearest coordinates whose trials fill the page
        middle = (low + high) // 2
        ring = _both(base, compiler._parse(_one_of("geo", terms[:middle])))
        if count(searcher, ring) >= need:
            high = middle
        else:
            low = middle + 1
    ring = _both(base, compiler._parse(_one_of("geo", terms[:low])))
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


def _with_place(compiler: _Compiler) -> bool:
    return compiler.place is not None and compiler.place.kind != "country"


FacetPart = Literal["all", "values", "distance"]


def facet_counts(index: SearchIndex, compiler: _Compiler, part: FacetPart = "all") -> dict[str, list[tuple[str, int]]]:
    """Counts per value for every facet, a facet that is filtered on counted without its own filter, in one
    pass over the trials matching the text; with a city, the trials within each distance of it. ``part``:
    all of it, or the values or the distances only (two passes that can run at once).

    The filters that some count must leave out are applied as nested filter aggregations (``_nested``), so
    each is evaluated over the index as few times as the counts allow; the others are part of the base."""
    filters = compiler.filters
    own_filtered = [f for f in FACETS if _OWN_FILTER[f] in filters]
    rings = _with_place(compiler) and part != "values"
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
    return _in_facet_order(counts)


def _in_facet_order(counts: dict[str, list[tuple[str, int]]]) -> dict[str, list[tuple[str, int]]]:
    return {name: counts[name] for name in [*FACETS, "distance"] if name in counts}


def _nested(
    compiler: _Compiler, chain: list[str], wanted: dict[str, dict[str, Any]], path: tuple[str, ...] = ()
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


def count(searcher: tantivy.Searcher, query: Query) -> int:
    """How many trials match (tantivy wants a page of at least one hit to count)."""
    return total_of(searcher.search(query, 1, count=True))


def total_of(result: tantivy.SearchResult) -> int:
    """The number of matches a search counted (missing from tantivy's type stubs)."""
    return int(result.count or 0)  # type: ignore[attr-defined]


def _both(first: Query, second: Query) -> Query:
    return Query.boolean_query([(Occur.Must, first), (Occur.Must, second)])


def _buckets(result: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    return {
        name: [(str(b["key"]), int(b["doc_count"])) for b in value.get("buckets", [])] for name, value in result.items()
    }
