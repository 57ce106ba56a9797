"""Probe 9: a profile alert's JSON was not bounded (30,000-deep nesting: 500, RecursionError) and was
stored as posted, free-text summary included, though the README says only what was understood is kept."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import csrf_of
from trialscope.store.trial_store import TrialStore

PROFILE = {
    "summary": "My name is Ana Li, I live at 12 Elm Street and my daughter has AML",
    "id": "ana-li-1970",
    "age_years": 54,
    "sex": "female",
    "conditions": [{"name": "acute myeloid leukemia", "status": "relapsed"}],
    "pet": "a cat called Mochi",
}


def _post(client: TestClient, profile_text: str, email: str = "ana@example.org") -> int:
    entries = {
        "csrf_token": csrf_of(client, "/find"),
        "kind": "profile",
        "profile": profile_text,
        "keep_profile": "yes",
        "consent": "yes",
        "email": email,
    }
    return client.post("/alerts", data=entries).status_code


@pytest.mark.parametrize("depth", [30_000, 1_100, 50])
def test_a_deeply_nested_profile_is_refused_plainly(
    app_client: TestClient, seeded_store: TrialStore, depth: int
) -> None:
    assert _post(app_client, "[" * depth + "]" * depth) == 400
    assert _post(app_client, '{"conditions": ' + "[" * depth + "]" * depth + "}") == 400
    assert seeded_store.people.personal_data("ana@example.org")["subscriptions"] == []


def test_an_oversized_profile_is_refused(app_client: TestClient) -> None:
    big = json.dumps({**PROFILE, "conditions": [{"name": "acute myeloid leukemia"}] * 5_000})
    assert _post(app_client, big) == 400


def test_a_profile_alert_keeps_only_what_was_understood(app_client: TestClient, seeded_store: TrialStore) -> None:
    assert _post(app_client, json.dumps(PROFILE)) == 200
    people = seeded_store.people
    [entry] = people.personal_data("ana@example.org")["subscriptions"]
    stored = json.dumps(people.subscriptions.get(entry["id"]).params)  # type: ignore[union-attr]
    assert "Elm Street" not in stored and "ana-li-1970" not in stored and "Mochi" not in stored
    assert "acute myeloid leukemia" in stored and '"age_years": 54' in stored
