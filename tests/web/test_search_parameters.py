"""The search page and ``GET /api/search`` take one declaration of the search's parameters (``SearchQuery``):
the same names, read and checked once, every unreadable value named at once (the page in the reader's
language, the API as JSON), and the API's schema showing them."""

from __future__ import annotations

import inspect

from fastapi.testclient import TestClient

from trialscope.search.request import SearchQuery
from trialscope.web import api, pages

UNREADABLE = {"age": "old", "within": "far", "start_to": "May", "sex": "x", "page": "two", "near": "Wuhan"}
NAMED = [
    "Age: &#39;old&#39; is not a number",
    "not a distance: &#39;far&#39;",
    "not a date: &#39;May&#39;",
    "unknown sex &#39;x&#39;: use female or male",
    "page: &#39;two&#39; is not a whole number",
]


def test_the_page_and_the_api_take_the_one_declaration() -> None:
    for route in (pages.search_page, api.api_search):
        (query,) = [p for p in inspect.signature(route).parameters.values() if p.name == "query"]
        assert "SearchQuery" in str(query.annotation)


def test_every_unreadable_value_is_named_at_once(client: TestClient) -> None:
    page = client.get("/search", params={"q": "CD117", **UNREADABLE})
    assert page.status_code == 400 and all(sentence in page.text for sentence in NAMED), page.text
    assert 'value="CD117"' in page.text and 'value="far"' in page.text  # the form comes back as it was sent
    answer = client.get("/api/search", params={"q": "CD117", **UNREADABLE})
    error = answer.json()["error"]
    assert answer.status_code == 422 and all(s.replace("&#39;", "'") in error for s in NAMED), error
    chinese = client.get("/search", params={"q": "CD117", "age": "old", "lang": "zh"}).text
    assert "年龄" in chinese and "is not a number" not in chinese  # said in the reader's language
    client.cookies.clear()


def test_the_same_names_mean_the_same_on_the_page_and_the_api(client: TestClient) -> None:
    asked = {"q": "CAR-T", "near": "Hangzhou", "within": "500 km", "age": "45", "type": "interventional"}
    data = client.get("/api/search", params={**asked, "per_page": 100}).json()
    assert data["sort"] == "distance" and data["total"] > 0
    page = client.get("/search", params=asked)
    assert page.status_code == 200 and f"{data['total']:,} trials" in page.text
    older = client.get("/api/search", params={"q": "CAR-T", "near": "Hangzhou", "within_km": 500}).json()
    assert older["total"] >= data["total"]  # the API's former name for the distance still reads
    assert client.get("/api/search", params={"q": "CAR-T", "within": "500"}).status_code == 422  # no place


def test_the_api_schema_shows_every_parameter(client: TestClient) -> None:
    parameters = client.get("/openapi.json").json()["paths"]["/api/search"]["get"]["parameters"]
    shown = {p["name"]: p for p in parameters}
    assert set(shown) == set(SearchQuery.parameter_names())
    assert shown["age"]["schema"]["anyOf"][0]["maximum"] == 130 and "completed years" in shown["age"]["description"]
    assert shown["sort"]["schema"]["anyOf"][0]["enum"] == ["relevance", "updated", "start", "distance"]
    assert shown["status"]["schema"]["type"] == "array" and shown["q"]["schema"]["maxLength"] == 500
