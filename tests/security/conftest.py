"""The second hostile probe (issue 35), one test per probe: a web app on each store backend (SQLite file,
PostgreSQL schema) over the seed trials, and the demo app of ``tests/web`` for probes that need no storage."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from tests.web.conftest import client, fresh_limits, web_store  # noqa: F401  (the demo app, shared with tests/web)
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

SEED = FIXTURES / "seed-trials"


@pytest.fixture
def seeded_store(db_url: str) -> Iterator[TrialStore]:
    """The seed trials on this backend."""
    with TrialStore.open(db_url) as opened:
        ingest_paths(opened, sorted(SEED.glob("NCT*.json")))
        yield opened


@pytest.fixture
def app_client(seeded_store: TrialStore) -> Iterator[TestClient]:
    """The web app over the seed trials, on this backend."""
    with TestClient(create_app(seeded_store, secret=b"security-secret")) as opened:
        yield opened


def csrf_of(browser: TestClient, url: str) -> str:
    page = browser.get(url)
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, (url, page.status_code)
    return match.group(1)


def write_record(folder: Path, nct_id: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of a seed record under another NCT ID, changed by ``change``."""
    record = json.loads((SEED / "NCT07342244.json").read_text())
    record["protocolSection"]["identificationModule"]["nctId"] = nct_id
    change(record)
    path = folder / f"{nct_id}.json"
    path.write_text(json.dumps(record))
    return path
