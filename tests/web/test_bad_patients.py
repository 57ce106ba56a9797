"""Every patient entry point of the web app answers arbitrary JSON and FHIR-shaped documents with a 4xx and a
message, never a 500: the check and match API, criteria-text checks, and the /find upload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.patients.test_bad_input import bundles, json_values, profiles
from tests.web.conftest import csrf
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app
from trialscope.web.security import RateLimiter

documents = st.one_of(json_values, profiles, bundles)


@pytest.fixture(scope="module")
def lenient(web_store: TrialStore) -> Iterator[TestClient]:
    """The app with a rate limit high enough for hundreds of generated requests."""
    app = create_app(web_store, secret=b"test-secret")
    app.state.site.match_limiter = RateLimiter(limit=1_000_000, window=60.0)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _refused_or_answered(response: Any) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["error"]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_api_patient_entry_points(lenient: TestClient, document: Any) -> None:
    def post(url: str, body: Any) -> Any:  # NaN and infinity go as a hostile client would write them
        return lenient.post(url, content=json.dumps(body), headers={"content-type": "application/json"})

    _refused_or_answered(post("/api/trials/NCT07342244/check", document))
    _refused_or_answered(post("/api/match", document))
    _refused_or_answered(
        post("/api/check", {"criteria_text": "Inclusion Criteria:\n\n* Age 18-70 years", "patient": document})
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_find_upload(lenient: TestClient, document: Any) -> None:
    token = csrf(lenient, "/find")
    response = lenient.post(
        "/find",
        data={"csrf_token": token},
        files={"profile": ("p.json", json.dumps(document).encode(), "application/json")},
    )
    assert response.status_code in (200, 400), response.text[:300]


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 200_000,
        b'{"resourceType":"Bundle","entry":"x"}',
        b'{"age_years":50,"labs":[{"name":"ALT","value":30,"upper_limit_normal":0}]}',
    ],
)
def test_find_upload_of_known_bad_files(lenient: TestClient, raw: bytes) -> None:
    token = csrf(lenient, "/find")
    response = lenient.post("/find", data={"csrf_token": token}, files={"profile": ("p.json", raw, "application/json")})
    assert response.status_code == 400
    assert 'role="alert"' in response.text or "error" in response.text


def test_questionnaire_uln_of_zero_is_a_message(lenient: TestClient) -> None:
    token = csrf(lenient, "/trials/NCT07342244/qualify")
    response = lenient.post(
        "/trials/NCT07342244/qualify",
        data={"csrf_token": token, "lab:ALT": "30", "lab:ALT_unit": "U/L", "lab:ALT_uln": "0"},
    )
    assert response.status_code == 400 and "out of range" in response.text
