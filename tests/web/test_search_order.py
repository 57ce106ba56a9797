"""Order as labelled (issue 36, item 3): with a place, the default order is by distance to each trial's
nearest open site, also with words, and the page says so; trials listed as open and updated within two years
come before those whose status is unknown, closed or stale, unless the person chose statuses."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search import SearchQuery, run_search
from trialscope.search.documents import card_freshness
from trialscope.search.results import current_listing
from trialscope.web.site import Site

ZH = {"accept-language": "zh-CN,zh;q=0.9"}


def _hits(client: TestClient, **params: object) -> list[tuple[str, float | None, bool]]:
    site: Site = client.app.state.site  # type: ignore[attr-defined]
    results = run_search(site.index, SearchQuery(per_page=40, facets=False, **params))  # type: ignore[arg-type]
    doubtful = [
        h.card["status"] not in OPEN_STATUSES
        or any("completion date" not in reason for reason in card_freshness(h.card).reasons)
        for h in results.hits
    ]  # a completion date past is not in the index: such a listing is only flagged on its card
    assert results.query.sort == "distance"
    return [(h.nct_id, h.distance_km, d) for h, d in zip(results.hits, doubtful, strict=True)]


def test_near_hangzhou_with_words_the_nearest_open_trials_come_first(client: TestClient) -> None:
    hits = _hits(client, text="AML", near="Hangzhou")
    assert hits and hits[0][1] is not None and hits[0][1] < 50  # Hangzhou itself, not Suzhou or Hefei
    flags = [d for _, _, d in hits]
    assert flags == sorted(flags)  # every current listing before every doubtful one
    current = [km for _, km, d in hits if not d]
    assert current == sorted(current, key=lambda km: km if km is not None else float("inf"))


def test_statuses_chosen_by_the_person_are_ordered_by_distance_alone(client: TestClient) -> None:
    hits = _hits(client, text="leukemia", near="Hangzhou", status=["RECRUITING", "UNKNOWN"])
    distances = [km if km is not None else float("inf") for _, km, _ in hits]
    assert distances == sorted(distances)


def test_current_listing_is_open_and_updated_within_two_years() -> None:
    assert current_listing(dt.date(2026, 12, 7)) == (
        "open:yes AND updated:[20241207 TO *]",
        "status:NOT_YET_RECRUITING AND start:[1 TO 20251206]",
    )


def test_the_page_says_how_it_is_ordered_in_both_languages(client: TestClient) -> None:
    page = client.get("/search", params={"q": "AML", "near": "Hangzhou"}).text
    assert "In order of distance to each trial&#39;s nearest open site" in page
    assert "status is unknown or not updated for two years come after" in page
    assert '<option value="distance" selected>' in page
    zh = client.get("/search", params={"q": "AML", "near": "Hangzhou"}, headers=ZH).text
    assert "按各试验最近的开放研究中心的距离排列" in zh
    best = client.get("/search", params={"q": "AML", "near": "Hangzhou", "sort": "relevance"}).text
    assert "not of distance" in best


def test_pages_follow_one_another_across_the_open_and_doubtful_listings(client: TestClient) -> None:
    site: Site = client.app.state.site  # type: ignore[attr-defined]
    whole = [h.nct_id for h in run_search(site.index, SearchQuery(text="AML", near="Hangzhou", per_page=60)).hits]
    paged = [
        h.nct_id
        for page in range(1, 13)
        for h in run_search(site.index, SearchQuery(text="AML", near="Hangzhou", per_page=5, page=page)).hits
    ]
    assert paged == whole
