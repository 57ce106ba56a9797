"""Probe 11: behind an HTTPS proxy there was no HSTS and the CSRF cookie lacked ``Secure``; private pages
(an opened note, the operator's page, a request's page) lacked ``Cache-Control: no-store``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from tests.security.conftest import csrf_of
from trialscope.operators import add_operator
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

PASSCODE = "Heron-lake-42!"


def _csrf_cookie(answer_headers: list[str]) -> str:
    [cookie] = [c for c in answer_headers if c.startswith("trialscope_csrf=")]
    return cookie


def test_https_gets_hsts_and_secure_cookies(client: TestClient) -> None:
    app = client.app
    with TestClient(app, base_url="https://testserver") as secure:
        page = secure.get("/")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in _csrf_cookie(page.headers.get_list("set-cookie")).lower()
    plain = TestClient(app).get("/")
    assert "strict-transport-security" not in plain.headers
    assert "secure" not in _csrf_cookie(plain.headers.get_list("set-cookie")).lower()


def test_a_trusted_proxy_s_https_gets_hsts_and_secure_cookies(client: TestClient) -> None:
    behind = ProxyHeadersMiddleware(client.app, trusted_hosts="testclient")  # type: ignore[arg-type]
    page = TestClient(behind).get("/", headers={"x-forwarded-proto": "https"})
    assert "strict-transport-security" in page.headers
    assert "secure" in _csrf_cookie(page.headers.get_list("set-cookie")).lower()
    spoofed = TestClient(client.app).get("/", headers={"x-forwarded-proto": "https"})  # no proxy trusted
    assert "strict-transport-security" not in spoofed.headers


def test_pages_with_personal_data_are_never_cached(app_client: TestClient, seeded_store: TrialStore) -> None:
    people = seeded_store.people
    add_operator(people, "olga", "Quiet-otter-river-7")
    token = csrf_of(app_client, "/operator/login")
    login = app_client.post(
        "/operator/login", data={"csrf_token": token, "name": "olga", "password": "Quiet-otter-river-7"}
    )
    assert login.headers["cache-control"] == "no-store"
    assert app_client.get("/operator").headers["cache-control"] == "no-store"
    token = csrf_of(app_client, "/trials/NCT07342244/notes")
    saved = app_client.post(
        "/trials/NCT07342244/notes",
        data={"csrf_token": token, "text": "private", "passcode": PASSCODE, "passcode_again": PASSCODE},
    )
    assert saved.headers["cache-control"] == "no-store"
    link = re.search(r'value="https?://[^/"]+(/notes/[\w-]+)"', saved.text)
    assert link
    opened = app_client.post(
        link.group(1), data={"csrf_token": csrf_of(app_client, link.group(1)), "passcode": PASSCODE}
    )
    assert "private" in opened.text and opened.headers["cache-control"] == "no-store"
    assert app_client.get(link.group(1)).headers["cache-control"] == "no-store"
    assert app_client.get("/contact/AAAAAAAAAAAAAAAAAAAAAA").headers["cache-control"] == "no-store"
    assert "no-store" not in app_client.get("/trials/NCT07342244").headers.get(
        "cache-control", ""
    )  # public pages cache


def test_the_app_made_without_a_proxy_still_answers_https(seeded_store: TrialStore) -> None:
    with TestClient(create_app(seeded_store, secret=b"k"), base_url="https://testserver") as secure:
        assert "strict-transport-security" in secure.get("/trials/NCT07342244").headers
