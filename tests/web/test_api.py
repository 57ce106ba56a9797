"""The JSON API: the pages' content as data; every error is JSON with a clear message."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES


def test_search_trial_criteria_related(client: TestClient) -> None:
    found = client.get(
        "/api/search",
        params={"q": "CAR-T AML", "near": "Hangzhou", "within_km": 500, "age": 45, "status": "open", "target": "CD117"},
    ).json()
    assert [h["nct_id"] for h in found["hits"]] == ["NCT07144020"] and found["facets"]["status"]
    trial = client.get("/api/trials/NCT07144020").json()
    assert trial["title"].startswith("Donor Derived CD117") and set(trial["plain_summary"]) >= {"Who it is for"}
    assert trial["record"]["protocolSection"]["identificationModule"]["nctId"] == "NCT07144020"
    criteria = client.get("/api/trials/NCT07144020/criteria").json()
    assert any(c["kind"] == "numeric" and c.get("quantity") == "LVEF" for c in criteria["constraints"])
    assert all("span" in c for c in criteria["constraints"]) and criteria["items"]


def test_checking_a_gold_patient(client: TestClient) -> None:
    patient = json.loads((FIXTURES / "gold" / "patients" / "v01-fit-relapsed.json").read_text())
    result = client.post("/api/trials/NCT07144020/check", json=patient).json()
    assert result["verdict"] in ("eligible", "possibly_eligible", "not_eligible")
    assert all({"status", "explanation"} <= set(c) for c in result["criteria"])
    words = client.post("/api/trials/NCT07144020/check", json={"text": "45-year-old man with relapsed AML"}).json()
    assert words["criteria"]
    ranked = client.post("/api/match", params={"near": "Hangzhou", "within_km": 1500, "limit": 5}, json=patient).json()
    assert 0 < len(ranked["trials"]) <= 5


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "status", "message"),
    [
        ("get", "/api/trials/NCT00000000", {}, 404, "not in the catalogue"),
        ("get", "/api/trials/XYZ", {}, 422, "invalid request"),
        ("get", "/api/search", {"params": {"page": 0}}, 422, "page"),
        ("get", "/api/search", {"params": {"q": "nosuchfield:x"}}, 400, "fields you can search"),
        ("get", "/api/search", {"params": {"near": "Atlantisville"}}, 400, "no city or country"),
        (
            "post",
            "/api/trials/NCT07144020/check",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            422,
            "invalid request",
        ),
        ("post", "/api/trials/NCT07144020/check", {"json": {"sex": "robot"}}, 422, "field sex"),
        (
            "post",
            "/api/trials/NCT07144020/check",
            {"content": b"x" * (3 * 1024 * 1024), "headers": {"content-type": "application/json"}},
            413,
            "larger than",
        ),
        ("get", "/api/nothing-here", {}, 404, "Not Found"),
    ],
)
def test_errors_are_json_with_a_clear_message(
    client: TestClient, method: str, url: str, kwargs: dict[str, object], status: int, message: str
) -> None:
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {
        "/api/search",
        "/api/trials/{nct_id}",
        "/api/trials/{nct_id}/criteria",
        "/api/trials/{nct_id}/check",
        "/api/match",
    } <= set(spec["paths"])
    assert not any(path.startswith("/trials") for path in spec["paths"])  # pages are not API


def test_checks_are_rate_limited(web_store) -> None:  # type: ignore[no-untyped-def]
    from trialscope.web.app import create_app

    limited = TestClient(create_app(web_store, secret=b"k"))
    limited.app.state.site.match_limiter.clear()  # type: ignore[attr-defined]  # limits are the database's: shared
    statuses = [
        limited.post("/api/trials/NCT07144020/check", json={"text": "45-year-old man"}).status_code for _ in range(32)
    ]
    assert statuses[:30] == [200] * 30 and statuses[-1] == 429


def test_a_criteria_text_over_the_limit_is_refused_with_413(client: TestClient, fresh_limits: None) -> None:
    text = "Inclusion Criteria: " + "- bilirubin <= 1.5 x ULN and ALT < 40 U/L " * 1_300  # about 55,000 characters
    response = client.post("/api/check", json={"criteria_text": text, "patient": {"text": "AML, age 60"}})
    assert response.status_code == 413
    assert "at most 50,000 characters" in response.json()["error"]
    within = client.post("/api/check", json={"criteria_text": text[:49_000], "patient": {"text": "AML, age 60"}})
    assert within.status_code == 200
