"""A server process's cycle collector (``web/collector.py``): a worker of ``trialscope serve`` collects the
young generation less often and, once start-up reading is done, keeps what it read out of collections; an
app made anywhere else (a test, a script) leaves the collector as it was. Each case runs in a process of its
own, so this one's collector is untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore
from trialscope.web.collector import OLDER_THRESHOLDS, YOUNG_THRESHOLD

_PROBE = """
import gc, json, sys, threading
from fastapi.testclient import TestClient
from trialscope.web.app import app_from_environment, create_app
default = gc.get_threshold()
app = app_from_environment() if sys.argv[1] == "serving" else create_app(db=sys.argv[2])
for thread in threading.enumerate():
    if thread.name == "start-up reading":
        thread.join()
page = TestClient(app).get("/trials/NCT07144020")
print(json.dumps({"default": default, "threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(),
                  "status": page.status_code}))
"""


def _probe(tmp_path: Path, mode: str) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    with TrialStore.open(url) as store:
        ingest_paths(store, [FIXTURES / "seed-trials"])
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": url, "TRIALSCOPE_SEARCH_INDEX": str(tmp_path / "index")}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode, url], env=env, capture_output=True, text=True, timeout=300, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_server_worker_collects_less_often_and_freezes_what_start_up_read(tmp_path: Path) -> None:
    seen = _probe(tmp_path, "serving")
    assert seen["status"] == 200
    assert tuple(seen["threshold"]) == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    assert seen["frozen"] > 100_000  # the gazetteer, outlines, vocabularies


def test_an_app_made_elsewhere_leaves_the_collector_alone(tmp_path: Path) -> None:
    seen = _probe(tmp_path, "embedded")
    assert seen["status"] == 200
    assert seen["threshold"] == seen["default"]
    assert seen["frozen"] == 0
