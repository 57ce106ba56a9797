"""Hostile and unusual requests (issue 17): a server error is the app's own page with the security headers
and one log line; an oversized chunked body is 413; pages answer HEAD; assets are linked relatively and the
allowed hosts are configurable; proxy headers are trusted only from named addresses; a request never waits
for the search index to catch up with an import."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import ENV_ALLOWED_HOSTS, create_app
from trialscope.web.security import MAX_BODY_BYTES, SECURITY_HEADERS


@pytest.fixture(scope="module")
def broken(web_store: TrialStore) -> Iterator[TestClient]:
    """The app with two routes that fail, as a bug would."""
    app = create_app(web_store, secret=b"test-secret")
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug, with a patient's words in it: Jane Doe")

    @router.get("/api/boom")
    def api_boom() -> None:
        raise RuntimeError("a bug")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_a_server_error_is_the_apps_page_with_the_security_headers(
    broken: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="trialscope.web"):
        page = broken.get("/boom")
    assert page.status_code == 500 and "Something went wrong on our side" in page.text
    for name in SECURITY_HEADERS:
        assert page.headers.get(name) == SECURITY_HEADERS[name], name
    lines = [r for r in caplog.records if r.name == "trialscope.web"]
    assert len(lines) == 1 and "RuntimeError" in lines[0].getMessage() and "Jane" not in lines[0].getMessage()
    assert lines[0].exc_info is None  # one line, no traceback
    api = broken.get("/api/boom")
    assert api.status_code == 500 and api.json() == {"error": "internal error"}
    assert api.headers.get("X-Content-Type-Options") == "nosniff"


def test_an_oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536

    response = client.post("/api/match", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "larger" in response.json()["error"]
    page = client.post("/find", content=b"x" * (MAX_BODY_BYTES + 1), headers={"content-type": "text/plain"})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "What you sent is larger than" in page.text and "<header" in page.text  # the site's own page
    chinese = client.post("/find?lang=zh", content=b"x" * (MAX_BODY_BYTES + 1))
    client.cookies.clear()
    assert chinese.status_code == 413 and "What you sent" not in chinese.text and 'lang="zh-Hans"' in chinese.text
    small = client.post(
        "/api/match",
        content=iter([b'{"text": "58-year-old ', b'woman with AML"}']),
        headers={"content-type": "application/json"},
    )
    assert small.status_code == 200  # a small chunked body still reaches the app whole


@pytest.mark.parametrize("path", ["/", "/search?q=AML", "/trials/NCT07342244", "/faq", "/api/trials/NCT07342244"])
def test_pages_answer_head(client: TestClient, path: str) -> None:
    head, get = client.head(path), client.get(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_assets_are_linked_relatively_whatever_the_host(client: TestClient) -> None:
    page = client.get("/", headers={"host": "evil.example"})
    assert 'src="/static/app.js"' in page.text and "evil.example" not in page.text


def test_allowed_hosts_are_configurable(web_store: TrialStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ALLOWED_HOSTS, "trials.example.org, localhost")
    with TestClient(create_app(web_store, secret=b"k"), base_url="http://trials.example.org") as ok:
        assert ok.get("/faq").status_code == 200
        assert ok.get("/faq", headers={"host": "evil.example"}).status_code == 400


def test_proxy_headers_are_trusted_only_from_named_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from trialscope.cli import app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    for name in (ENV_ALLOWED_HOSTS, "TRIALSCOPE_DATABASE_URL", "TRIALSCOPE_SECRET_KEY", "TRIALSCOPE_CONCURRENCY"):
        monkeypatch.setenv(name, "")  # what ``serve`` sets for its workers is undone after the test
    monkeypatch.delenv("TRIALSCOPE_DATABASE_URL")
    runner = CliRunner()
    assert runner.invoke(app, ["serve", "--port", "8765"]).exit_code == 0
    assert runner.invoke(app, ["serve", "--forwarded-allow-ips", "10.0.0.5"]).exit_code == 0
    assert calls[0]["proxy_headers"] is False
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "10.0.0.5"


def test_a_request_never_waits_for_the_index_to_catch_up(tmp_path: Path) -> None:
    with TrialStore.open(f"sqlite:///{tmp_path / 'trials.db'}") as store:
        ingest_paths(store, [FIXTURES / "seed-trials" / "NCT07144020.json"])
        app = create_app(store, secret=b"k")
        index = app.state.site.index
        with TestClient(app) as client:
            ingest_paths(store, [FIXTURES / "seed-trials" / "NCT07342244.json"])
            started = time.perf_counter()
            first = client.get("/api/search", params={"q": "CLL1"}).json()
            assert time.perf_counter() - started < 5  # answered from the index as it stands
            deadline = time.monotonic() + 30  # the background follower applies the feed meanwhile
            after = first
            while "NCT07342244" not in json.dumps(after) and time.monotonic() < deadline:
                time.sleep(0.1)
                after = client.get("/api/search", params={"q": "CLL1"}).json()
    assert "NCT07342244" in json.dumps(after)
    assert index is app.state.site.index
