"""Searches over the demo catalogue return what a clinician would expect, the same on both store backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from tantivy import Occur, Query

from tests.conftest import FIXTURES, backend_url
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.model.age import AgeRange
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search import QueryError, SearchIndex, SearchQuery, related_trials, run_search
from trialscope.search.compile import Compiler
from trialscope.search.documents import card_freshness
from trialscope.search.facets import _OWN_FILTER, FACETS, facet_counts
from trialscope.search.index import count
from trialscope.search.request import Hit
from trialscope.search.similar import _card, similar_trials
from trialscope.store.trial_store import TrialStore


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    folder = tmp_path_factory.mktemp(f"search-{request.param}")
    with backend_url(request.param, folder) as url, TrialStore.open(url) as store:
        load_demo(store)
        index = SearchIndex(store, folder / "index")
        index.ensure_current(force_check=True)
        yield index


def search(index: SearchIndex, text: str = "", **filters: object) -> list[str]:
    return [h.nct_id for h in run_search(index, SearchQuery(text=text, per_page=100, **filters)).hits]  # type: ignore[arg-type]


def test_open_cd117_aml_trial_near_hangzhou_for_a_45_year_old(index: SearchIndex) -> None:
    results = run_search(
        index,
        SearchQuery(text="CAR-T AML", status=["open"], near="Hangzhou", within_km=500, age=45, target=["CD117"]),
    )
    assert [h.nct_id for h in results.hits] == ["NCT07144020"]
    hit = results.hits[0]
    assert hit.distance_km is not None and hit.distance_km < 50 and "Hangzhou" in (hit.nearest_site or "")
    assert any("city-level" in note for note in results.notes)


def test_a_72_year_old_is_not_shown_trials_capped_at_70(index: SearchIndex) -> None:
    at_45 = set(search(index, condition="AML", age=45, status=["open"]))
    at_72 = run_search(index, SearchQuery(condition="AML", age=72, status=["open"], per_page=100)).hits
    assert "NCT07432100" in at_45  # CLL1 CAR-T, 70 years at most
    assert "NCT07432100" not in {h.nct_id for h in at_72}
    for hit in at_72:
        assert AgeRange.of(hit.card["minimum_age"], hit.card["maximum_age"]).admits(72)


def every_hit(index: SearchIndex, **query: object) -> list[Hit]:
    """Every matching trial, page by page."""
    hits: list[Hit] = []
    page, pages = 1, 1
    while page <= pages:
        results = run_search(index, SearchQuery(per_page=100, page=page, facets=False, **query))  # type: ignore[arg-type]
        hits += results.hits
        page, pages = page + 1, results.pages
    return hits


def every_card(index: SearchIndex, **filters: object) -> list[dict[str, Any]]:
    """The cards of every matching trial."""
    return [hit.card for hit in every_hit(index, **filters)]


@pytest.mark.parametrize("age", [0, 1, 17, 18, 45, 65, 70, 71, 75, 100, 101, 0.5, 0.7, 17.5, 70.5, 70.99])
def test_trials_open_to_an_age_are_those_whose_age_limits_hold_it(index: SearchIndex, age: float) -> None:
    """Whole years 0-100 are found by one term per admitted year, other ages by the age ranges: the same
    trials either way, the ones the age rule admits (model/age.py: 70.5 is 70 completed years)."""
    expected = {
        card["nct_id"]
        for card in every_card(index)
        if AgeRange.of(card["minimum_age"], card["maximum_age"]).admits(age)
    }
    assert expected and {card["nct_id"] for card in every_card(index, age=age)} == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"age": 45},
        {"age": 30.5},
        {"condition": "acute myeloid leukemia"},
        {"condition": "relapsed refractory"},
        {"country": ["China"]},
        {"status": ["open"], "phase": ["1"]},
        {"target": ["CD19"], "sex": "female"},
    ],
)
def test_filters_only_narrow_the_text_ranks(index: SearchIndex, filters: dict[str, Any]) -> None:
    """A filter adds the same score to every trial it lets through, whatever query it is (one term, a set of
    terms, a range, a phrase): the hits are the text's hits that pass it, in the text's order, scores
    shifted by one per filter (an age filter once ranked trials by how few years they accept)."""
    everything = every_hit(index, text="CAR-T leukemia")
    kept = {card["nct_id"] for card in every_card(index, **filters)}
    filtered = every_hit(index, text="CAR-T leukemia", **filters)
    assert filtered and [h.nct_id for h in filtered] == [h.nct_id for h in everything if h.nct_id in kept]
    scores = {h.nct_id: h.score for h in everything}
    for hit in filtered:
        assert hit.score == pytest.approx((scores[hit.nct_id] or 0.0) + len(filters), abs=1e-4)


def test_one_value_is_one_term_and_finds_what_a_set_of_it_finds(index: SearchIndex) -> None:
    compiler = Compiler(index, SearchQuery(country=["china"], target=["CD19", "CD22"]))
    assert compiler.filter_text == {"country": "country:China", "target": "target:IN [CD19 CD22]"}
    # a value that is a word of the search language itself is quoted, alone or in a set
    assert Compiler(index, SearchQuery(state=["OR"], city=["IN", "Boston"])).filter_text == {
        "state": 'state:"OR"',
        "city": 'city:IN ["IN" Boston]',
    }
    assert search(index, state=["OR"]) == [] and search(index, city=["TO"], country=["NOT"]) == []
    searcher = index.searcher()
    for text in ("country:China", "target:CD19", 'country:"United States"', "phase:PHASE1"):
        field, value = text.split(":", 1)
        as_set = index.index.parse_query(f"{field}:IN [{value}]", ["title"])
        assert count(searcher, index.index.parse_query(text, ["title"])) == count(searcher, as_set) > 0, text


def test_synonyms_find_the_same_trials_however_the_term_is_written(index: SearchIndex) -> None:
    assert set(search(index, "AML")) == set(search(index, "acute myeloid leukemia"))
    clec = set(search(index, "CLEC12A"))
    assert clec == set(search(index, "CLL-1")) == set(search(index, "CLL1"))
    assert "NCT07342244" in clec
    assert set(search(index, "CAR-T")) == set(search(index, '"chimeric antigen receptor T cell"'))
    assert "NCT07144020" in search(index, "c-KIT")


def test_boolean_phrase_and_field_restricted_queries(index: SearchIndex) -> None:
    cd117 = set(search(index, "CD117"))
    assert cd117 and set(search(index, "CD117 NOT CD19")) < cd117 | set()
    assert set(search(index, "CD117 AND NOT CD19")) == set(search(index, "CD117 NOT CD19"))
    assert set(search(index, "title:CD117")) <= cd117
    assert "NCT07144020" in search(index, "title:CD117")
    either = set(search(index, "CD117 OR CD7"))
    assert cd117 < either
    assert set(search(index, '"donor derived"')) >= {"NCT07144020"}


def test_filters_combine_and_facets_count_without_their_own_filter(index: SearchIndex) -> None:
    everything = run_search(index, SearchQuery(condition="AML", per_page=1))
    by_status = dict(everything.facets["status"])
    assert sum(by_status.values()) == everything.total
    recruiting = run_search(index, SearchQuery(condition="AML", status=["recruiting"], per_page=1))
    assert recruiting.total == by_status["RECRUITING"]
    assert dict(recruiting.facets["status"]) == by_status  # the other statuses stay offered
    phase1 = run_search(index, SearchQuery(condition="AML", status=["recruiting"], phase=["1"], per_page=100))
    assert phase1.total == dict(recruiting.facets["phase"])["PHASE1"]
    assert all("PHASE1" in h.card["phases"] and h.card["status"] == "RECRUITING" for h in phase1.hits)


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="leukemia"),
        SearchQuery(text="CAR-T", status=["open"], age=45),
        SearchQuery(condition="AML", phase=["1"], sex="female"),
        SearchQuery(text="CD19", country=["China"], near="Wuhan, China", within_km=1000),
        SearchQuery(text="CAR-T", status=["open"], phase=["1"], sex="male", results=False, near="Beijing"),
        SearchQuery(status=["open"], target=["CD19"], age=30, country=["China"], near="Shanghai", within_km=500),
    ],
    ids=["text", "status+age", "phase+sex", "country+near", "four-own-filters", "four-and-a-place"],
)
def test_facets_counted_through_composite_fields_equal_counts_of_each_field(
    index: SearchIndex, query: SearchQuery
) -> None:
    # the facets of few values are counted together (search/documents.py COMPOSITE_FACETS), and the filters
    # some count leaves out are nested (query._nested): the counts must be exactly those of a count over
    # each facet's own field, under all the filters but its own
    compiler = Compiler(index, query)
    counted = facet_counts(index, compiler)
    for facet in FACETS:
        without = _OWN_FILTER[facet] if _OWN_FILTER[facet] in compiler.filters else None
        under = compiler.combined(without=without)
        direct = index.searcher().aggregate(under, {"f": {"terms": {"field": facet, "size": 1000}}})
        expected = sorted((str(b["key"]), int(b["doc_count"])) for b in direct["f"]["buckets"])
        assert bool(counted.get(facet)) == bool(expected), facet  # none left empty by another facet's counts
        assert sorted(counted.get(facet, [])) == expected[: FACETS[facet]] or (
            len(expected) > FACETS[facet] and dict(counted[facet]).items() <= dict(expected).items()
        ), facet
    if compiler.place is not None and compiler.place.kind != "country":
        others = compiler.combined(without="distance")
        for km, n in counted["distance"]:
            ring = compiler._parse(compiler.within(compiler.place, float(km)))
            assert n == count(index.searcher(), Query.boolean_query([(Occur.Must, others), (Occur.Must, ring)])), km
    split = {**facet_counts(index, compiler, "values"), **facet_counts(index, compiler, "distance")}
    assert split == counted  # the two halves a lone search runs at once give the same counts


def test_country_state_and_city_match_without_regard_to_case(index: SearchIndex) -> None:
    assert set(search(index, country=["china"])) == set(search(index, country=["China"]))
    assert search(index, city=["hangzhou"])


def test_pages_are_stable_and_cover_every_hit_once(index: SearchIndex) -> None:
    for sort in ("relevance", "updated", "start"):
        whole = search(index, "leukemia", sort=sort)
        paged: list[str] = []
        for page in range(1, 6):
            paged += [
                h.nct_id
                for h in run_search(
                    index, SearchQuery(text="leukemia", sort=sort, page=page, per_page=20, facets=False)
                ).hits
            ]
        assert paged == whole[: len(paged)] and len(set(paged)) == len(paged)


def _doubtful(hit: Hit) -> bool:
    """A listing ordered after the current ones (a completion date past is only flagged on the card)."""
    reasons = card_freshness(hit.card).reasons
    return hit.card["status"] not in OPEN_STATUSES or any("completion date" not in r for r in reasons)


def test_distance_sort_and_radius(index: SearchIndex) -> None:
    results = run_search(index, SearchQuery(near="Wuhan, China", within_km=300, sort="distance", per_page=40))
    distances = [h.distance_km for h in results.hits]
    assert results.total > 40 and all(d is not None and d <= 301 for d in distances)
    # current listings first (open, updated within two years), then the doubtful ones: each nearest first
    current = [h.distance_km for h in results.hits if not _doubtful(h)]
    doubtful = [h.distance_km for h in results.hits if _doubtful(h)]
    assert [h for h in results.hits if not _doubtful(h)] == results.hits[: len(current)]
    assert current == sorted(current) and doubtful == sorted(doubtful)  # type: ignore[type-var]
    second = run_search(index, SearchQuery(near="Wuhan, China", within_km=300, sort="distance", page=2, per_page=40))
    assert not {h.nct_id for h in second.hits} & {h.nct_id for h in results.hits}
    if not doubtful:
        assert (second.hits[0].distance_km or 0) >= (distances[-1] or 0)
    buckets = dict(results.facets["distance"])
    assert buckets["250"] <= buckets["500"] <= buckets["2000"]


def test_country_as_a_place_keeps_trials_with_an_open_site_there(index: SearchIndex) -> None:
    hits = run_search(index, SearchQuery(near="France", status=["open"], per_page=100)).hits
    assert hits and all((h.nearest_site or "").endswith("France") for h in hits)


def test_related_trials_say_why(index: SearchIndex) -> None:
    related = related_trials(index, "NCT07342244", limit=5)
    assert related and related[0].card["nct_id"] != "NCT07342244"
    assert any("same target CLL1" in r.reasons for r in related)
    assert all(r.reasons for r in related)
    # a shared phase or kind of intervention alone (a third of the catalogue each) does not make a trial
    # related: every one shares a target, a condition or distinctive title words
    alike = ("same target", "same condition", "similar words")
    assert all(any(reason.startswith(alike) for reason in r.reasons) for r in related)
    with pytest.raises(KeyError):
        related_trials(index, "NCT00000000")


def _scores_by_one_query(index: SearchIndex, nct_id: str, limit: int) -> list[float]:
    """The best related-trial scores as one query over everything alike would give them (the reference
    for the per-group candidates that related_trials keeps and merges with the title-word matches)."""
    from trialscope.criteria.vocabulary import vocabulary
    from trialscope.search.similar import _WEIGHTS, _card, _distinctive_words

    card = _card(index, nct_id)
    assert card is not None
    alike, extra = [], []
    for field, values in (
        ("target", card["targets"]),
        ("disease", vocabulary().most_specific(card["diseases"])),
        ("intervention_type", card["intervention_types"]),
        ("phase", card["phases"]),
    ):
        for value in values:
            clause = (
                Occur.Should,
                Query.const_score_query(Query.term_query(index.schema, field, value), _WEIGHTS[field]),
            )
            (alike if field in ("target", "disease") else extra).append(clause)
    words = _distinctive_words(index, card["title"])
    if words:
        title, _ = index.index.parse_query_lenient(" ".join(words), ["title"])
        alike.append((Occur.Should, Query.boost_query(title, 0.3)))
    if not alike:
        return []
    query = Query.boolean_query(
        [
            (Occur.Must, Query.boolean_query(alike)),
            *extra,
            (Occur.MustNot, Query.term_query(index.schema, "nct_id", nct_id)),
        ]
    )
    return sorted((round(score, 3) for score, _ in index.searcher().search(query, limit).hits), reverse=True)


@pytest.mark.parametrize("limit", [20, 4])
def test_similar_trials_score_as_one_query_over_everything_alike_would(index: SearchIndex, limit: int) -> None:
    """Exact for any limit; both ways of finding a group's candidates are taken here (by the trials sharing
    every trait when there are enough of them, otherwise by the query over all trials sharing any)."""
    index.related_cache.clear()
    trials = [h.nct_id for h in run_search(index, SearchQuery(text="CAR-T", per_page=40)).hits]
    assert len(trials) == 40
    for nct_id in trials * 2:  # the second round from the kept group candidates
        expected = _scores_by_one_query(index, nct_id, limit)
        card = _card(index, nct_id)
        assert card is not None
        found = similar_trials(index, card, limit)
        assert sorted((round(score, 3) for score, _ in found), reverse=True) == expected


def test_related_trials_put_the_same_disease_first_and_open_trials_first(index: SearchIndex) -> None:
    """NCT07144020 (CD117 CAR-T for AML): AML trials before the CD117 sarcoma trial; open before closed."""
    related = related_trials(index, "NCT07144020", limit=5)
    assert all("acute myeloid leukemia" in r.card["diseases"] for r in related)
    assert "NCT03356782" not in [r.card["nct_id"] for r in related]  # CD117 sarcoma: same target alone
    opened = [r.card["status"] in OPEN_STATUSES for r in related]
    assert opened == sorted(opened, reverse=True) and opened[0]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SearchQuery(text="nosuchfield:x"), "fields you can search"),
        (SearchQuery(text="-breast"), "only excludes"),
        (SearchQuery(near="Atlantisville"), "no city or country"),
        (SearchQuery(phase=["7"]), "unknown phase"),
        (SearchQuery(target=["XYZ999"]), "unknown target antigen"),
        (SearchQuery(sort="distance"), "needs a place"),
        (SearchQuery(near="France", sort="distance"), "needs a place"),
    ],
)
def test_bad_searches_say_what_to_change(index: SearchIndex, query: SearchQuery, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        run_search(index, query)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"within_km": 50}, "needs a place"),
        ({"per_page": 1000}, "per_page"),
        ({"age": 131}, "age"),
        ({"sort": "best"}, "unknown sort 'best'"),
    ],
)
def test_a_query_that_cannot_be_read_is_refused_when_it_is_made(fields: dict[str, object], message: str) -> None:
    with pytest.raises(QueryError, match=message):
        SearchQuery.from_params(fields)
    with pytest.raises(ValidationError):
        SearchQuery(**fields)  # type: ignore[arg-type]


def test_unbalanced_syntax_is_searched_leniently_with_a_note(index: SearchIndex) -> None:
    results = run_search(index, SearchQuery(text="(CD117 CAR-T"))
    assert "NCT07144020" in [h.nct_id for h in results.hits]
    assert any("syntax" in n for n in results.notes)


def test_registry_changes_show_up_at_the_next_search(tmp_path: Path) -> None:
    with TrialStore.open(f"sqlite:///{tmp_path / 'trials.db'}") as store:
        ingest_paths(store, [FIXTURES / "seed-trials" / "NCT07144020.json"])
        index = SearchIndex(store, tmp_path / "index")
        assert search(index, "CD117") == ["NCT07144020"]
        assert search(index, "CLL1") == []
        ingest_paths(store, [FIXTURES / "seed-trials" / "NCT07342244.json"])
        index.ensure_current(force_check=True)
        assert search(index, "CLL1") == ["NCT07342244"]
        assert index.meta.trials == 2
        reopened = SearchIndex(store, tmp_path / "index")  # nothing to do: already current
        assert reopened.ensure_current(force_check=True) == 0


def test_a_search_near_a_place_in_the_southern_hemisphere(index: SearchIndex) -> None:
    # coordinates south of the equator are terms like "-3387_15121": they must not read as "not ..."
    results = run_search(index, SearchQuery(text="CAR-T", near="Sydney", within_km=20_000, sort="distance", per_page=5))
    assert results.total > 0 and results.hits[0].distance_km is not None
    assert results.hits[0].distance_km < 100  # sites in Sydney itself come first


def test_one_request_builder_reads_what_a_person_typed() -> None:
    """SearchQuery reads what a person typed on the pages, the API, the command line or in a saved search:
    the same words give the same query, and every value it cannot read is named at once."""
    import datetime as dt

    from trialscope.search.request import SearchQuery as Request

    query = Request.from_params(
        {
            "q": " CAR-T AML ",
            "status": "open",
            "phase": ["1", "2"],
            "age": "45",
            "sex": "Female",
            "near": "Hangzhou",
            "within": "300 mi",
            "start_from": "2024-05",
            "page": "2",
            "healthy_volunteers": "no",
            "age_group": [],
        }
    )
    assert query.text == "CAR-T AML" and query.status == ("open",) and query.phase == ("1", "2")
    assert query.age == 45 and query.sex == "female" and query.page == 2 and query.healthy_volunteers is False
    assert query.within_km == pytest.approx(482.8, abs=0.1) and query.start_from == dt.date(2024, 5, 1)
    assert Request.from_params({"within": 500.0, "near": "Wuhan"}).within_km == 500  # the API's typed number
    with pytest.raises(QueryError) as refused:
        Request.from_params({"age": "old", "within": "far", "start_to": "May", "sex": "x", "page": "two"})
    assert len(refused.value.problems) == 5
    with pytest.raises(QueryError, match="needs a place"):
        Request.from_params({"within": "500"})


def test_the_cache_key_is_taken_with_every_default_settled(index: SearchIndex) -> None:
    """A search that leaves its order to the default is the same search as one that names that order: one
    cache entry, and the query given is never changed (it is frozen)."""
    index.results_cache.clear()
    left = SearchQuery(text="CD117", per_page=3)
    first = run_search(index, left)
    assert (
        left.sort is None
        and first.query.sort == "relevance"
        and first.query == left.model_copy(update={"sort": "relevance"})
    )
    assert run_search(index, SearchQuery(text="CD117", per_page=3, sort="relevance")) is first
    assert run_search(index, left) is first
    near = run_search(index, SearchQuery(text="CD117", near="Hangzhou", per_page=3))
    assert near.query.sort == "distance"
    assert run_search(index, SearchQuery(per_page=3)).query.sort == "updated"
    with pytest.raises(ValidationError):
        left.sort = "start"  # type: ignore[misc]
