"""A web app over a demo catalogue (SQLite, built once per test session) and a client for it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

HOSTILE_TITLE = '<script>alert("x")</script> CD117 CAR-T <img src=x onerror=alert(1)>'


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrialStore]:
    folder = tmp_path_factory.mktemp("web")
    with TrialStore.open(f"sqlite:///{folder / 'trials.db'}") as store:
        load_demo(store)
        record = json.loads((FIXTURES / "seed-trials" / "NCT07342244.json").read_text())
        ident = record["protocolSection"]["identificationModule"]
        ident["nctId"], ident["briefTitle"] = "NCT09999999", HOSTILE_TITLE
        record["protocolSection"]["descriptionModule"]["briefSummary"] = HOSTILE_TITLE
        (folder / "NCT09999999.json").write_text(json.dumps(record))
        ingest_paths(store, [folder / "NCT09999999.json"])
        yield store


@pytest.fixture(scope="session")
def client(web_store: TrialStore) -> Iterator[TestClient]:
    app = create_app(web_store, secret=b"test-secret", public_url="http://testserver")
    with TestClient(app) as test_client:
        yield test_client


def csrf(client: TestClient, url: str) -> str:
    page = client.get(url)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, url
    return match.group(1)


@pytest.fixture
def fresh_limits(client: TestClient) -> None:
    """The session client's rate limits start empty (for modules that post many forms)."""
    site = client.app.state.site  # type: ignore[attr-defined]
    for limiter in (site.form_limiter, site.note_limiter, site.login_limiter, site.match_limiter):
        limiter.clear()
