"""The server's caches are exact (issue 18): a page answered from them is the page built without them, and
a change to the catalogue or to the search index is seen at the next request.

What is remembered between requests: search results per index state (``SearchIndex.results_cache``), related
trials' candidates per index state, trial views per stored version of their trial + index state + day
(``web.view_models.TrialViews``), trials' open sites per catalogue version (``TrialStore.open_sites_of``), and
glossary-explained short texts per language (``web.plain_language.explain``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore
from trialscope.web import plain_language
from trialscope.web.app import create_app
from trialscope.web.site import Site

PAGES = [  # each names its language (a client keeps the last one chosen as a cookie)
    "/trials/NCT07342244?lang=en",
    "/trials/NCT07342244?lang=zh",
    "/trials/NCT07144020?near=Hangzhou&within=500&lang=en",
    "/trials/NCT07342244/qualify?lang=en",
    "/api/trials/NCT07342244?lang=en",
    "/search?q=CAR-T&lang=en",
    "/search?q=leukemia&status=open&near=Shanghai&within=1500&lang=en",
    "/search?q=CD123&phase=1&lang=zh",
    "/search?target=CLL1&country=China&lang=en",
    "/api/search?q=AML&near=Wuhan&lang=en",
]


def _forget(site: Site) -> None:
    """Empty every cache of the server process."""
    site.trial_views._views.clear()
    site.store._open_sites.clear()
    site.index.results_cache.clear()
    site.index.related_cache.clear()
    plain_language._remembered_explained.cache_clear()


def test_pages_answered_from_the_caches_are_the_pages_built_without_them(client: TestClient) -> None:
    site: Site = client.app.state.site  # type: ignore[attr-defined]
    client = TestClient(client.app)  # its own cookies: the language chosen here stays here
    _forget(site)
    built = {url: client.get(url) for url in PAGES}  # built, and remembered
    again = {url: client.get(url) for url in PAGES}  # answered from what was remembered
    _forget(site)
    rebuilt = {url: client.get(url) for url in PAGES}  # built again from nothing
    for url in PAGES:
        assert built[url].status_code == 200, url
        assert again[url].text == built[url].text == rebuilt[url].text, url
    assert site.trial_views._views._items and site.store._open_sites._items  # the caches were used


@pytest.fixture
def changing(tmp_path: Path) -> Iterator[tuple[TestClient, TrialStore]]:
    with TrialStore.open(f"sqlite:///{tmp_path / 'trials.db'}") as store:
        load_demo(store)
        with TestClient(create_app(store, secret=b"test-secret")) as test_client:
            yield test_client, store


def test_a_change_to_the_catalogue_is_seen_at_the_next_request(
    changing: tuple[TestClient, TrialStore], tmp_path: Path
) -> None:
    client, store = changing
    site: Site = client.app.state.site  # type: ignore[attr-defined]
    before = client.get("/trials/NCT07342244?near=Wuhan")
    assert "Safety and Efficacy of CLL1 CAR-T" in before.text and "Zhengzhou Quantum Clinic" not in before.text
    wuhan_before = store.open_sites_of(["NCT07342244"])["NCT07342244"]
    assert client.get("/api/search", params={"q": "zqxw"}).json()["total"] == 0  # answered, and remembered

    record = json.loads((FIXTURES / "seed-trials" / "NCT07342244.json").read_text())
    protocol = record["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = "Renamed CLL1 CAR-T trial zqxw"
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-06-01"}
    protocol["contactsLocationsModule"]["locations"].append(
        {
            "facility": "Zhengzhou Quantum Clinic",
            "status": "RECRUITING",
            "city": "Zhengzhou",
            "country": "China",
            "geoPoint": {"lat": 34.75778, "lon": 113.64861},
        }
    )
    (tmp_path / "NCT07342244.json").write_text(json.dumps(record))
    assert ingest_paths(store, [tmp_path / "NCT07342244.json"]).updated == 1

    after = client.get("/trials/NCT07342244?near=Wuhan")  # the trial view and its sites: the catalogue moved
    assert "Renamed CLL1 CAR-T trial zqxw" in after.text and "Zhengzhou Quantum Clinic" in after.text
    sites_after = store.open_sites_of(["NCT07342244"])["NCT07342244"]
    assert len(sites_after) == len(wuhan_before) + 1 and sites_after[-1].city == "Zhengzhou"

    site.index.ensure_current(force_check=True)  # what a server's background catch-up does
    found = client.get("/api/search", params={"q": "zqxw"}).json()  # the same search: the index moved
    assert [hit["nct_id"] for hit in found["hits"]] == ["NCT07342244"]
    near = client.get("/search", params={"q": "zqxw", "near": "Zhengzhou", "within": "50"})
    assert "Zhengzhou Quantum Clinic" in near.text  # the nearest open site, from the new site list


def test_a_trial_view_is_kept_while_its_own_record_stays_as_it_was(
    changing: tuple[TestClient, TrialStore], tmp_path: Path
) -> None:
    """A view is checked against its own trial's stored version: a write to another trial leaves it be, a
    write to its trial is seen at the next request."""
    client, store = changing
    views = client.app.state.site.trial_views  # type: ignore[attr-defined]
    other, changed = views.get("NCT07144020"), views.get("NCT07342244")
    assert other is not None and changed is not None and views.get("NCT07144020") is other

    record = json.loads((FIXTURES / "seed-trials" / "NCT07342244.json").read_text())
    record["protocolSection"]["identificationModule"]["briefTitle"] = "Renamed CLL1 CAR-T trial"
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-06-01"}
    (tmp_path / "NCT07342244.json").write_text(json.dumps(record))
    assert ingest_paths(store, [tmp_path / "NCT07342244.json"]).updated == 1

    assert views.get("NCT07144020") is other  # another trial's write: the same view
    renamed = views.get("NCT07342244")
    assert renamed is not None and renamed is not changed
    assert renamed.trial.study.title == "Renamed CLL1 CAR-T trial"
    assert views.get("NCT07342244") is renamed
