"""The probe's smaller rough edges: 405 answers without ``Allow``; ``POST /alerts/unsubscribe/<bogus>``
saying "Alert stopped"; ``/find`` showing Python's "Exceeds the limit (4300 digits)"; a ``back=`` with a
tab slipping past the same-site check."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import csrf_of
from trialscope.web.site import same_site_path


def test_a_wrong_method_is_answered_with_allow(client: TestClient) -> None:
    for path in ("/search", "/api/search", "/operator/logout"):
        answer = client.request("PUT", path)
        assert answer.status_code == 405 and answer.headers.get("allow"), path


def test_unsubscribing_a_bogus_link_does_not_say_stopped(app_client: TestClient) -> None:
    answer = app_client.post("/alerts/unsubscribe/bogus-token")
    assert "Alert stopped" not in answer.text and "No alert to stop" in answer.text


def test_a_profile_with_a_huge_number_is_refused_in_plain_words(client: TestClient) -> None:
    token = csrf_of(client, "/find")
    upload = ("profile.json", b'{"age_years": ' + b"9" * 5000 + b"}", "application/json")
    answer = client.post("/find", data={"csrf_token": token}, files={"profile": upload})
    assert answer.status_code == 400 and "digits" not in answer.text and "not a JSON file" in answer.text
    typed = client.post("/find", data={"csrf_token": token, "text": "AML, age " + "9" * 4999})
    assert typed.status_code in (200, 400) and "Exceeds the limit" not in typed.text


@pytest.mark.parametrize(
    "back",
    ["/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "/ /x"],
)
def test_a_back_link_to_another_site_is_not_followed(back: str) -> None:
    assert same_site_path(back, "/search") == "/search"


def test_a_back_link_with_a_tab_is_not_shown(app_client: TestClient) -> None:
    entries = {"csrf_token": csrf_of(app_client, "/search"), "kind": "search", "q": "AML", "back": "/\t/evil.example"}
    answer = app_client.post("/alerts", data=entries)  # no consent: the page links back
    assert answer.status_code == 400 and "evil.example" not in answer.text


def test_a_path_on_this_site_is_kept() -> None:
    assert same_site_path("/search?q=AML&status=open", "/search") == "/search?q=AML&status=open"
