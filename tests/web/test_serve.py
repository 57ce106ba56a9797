"""`trialscope serve`, the README's main command: it starts the site on a database, prints the address it
listens on, and answers there."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import FIXTURES
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_prints_its_address_and_answers_there(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    with TrialStore.open(url) as store:
        ingest_paths(store, [FIXTURES / "seed-trials"])
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "trialscope", "serve", "--port", str(port), "--db", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TRIALSCOPE_SEARCH_INDEX": str(tmp_path / "index")},
    )
    try:
        assert server.stdout is not None
        first_line = server.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first_line
        for _ in range(100):
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/trials/NCT07144020", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert page.status_code == 200 and "Donor Derived CD117 CAR-T Cells" in page.text
        api = httpx.get(f"http://127.0.0.1:{port}/api/search", params={"q": "CD117"}, timeout=5).json()
        assert "NCT07144020" in [hit["nct_id"] for hit in api["hits"]]
    finally:
        server.terminate()
        server.wait(timeout=20)
