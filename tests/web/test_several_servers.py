"""Several `trialscope serve` processes on one PostgreSQL database, each with its own search index (as on
separate machines), and an import by a third process: the new trial appears in both servers' search within
the documented bound; a note written through one server opens through the other (the CSRF and link keys are
the database's); requests written through both at once are all kept."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import FIXTURES, backend_url
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore

SEARCH_BOUND_S = 15.0  # README, "Several servers": a change is searchable everywhere within a few seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    with backend_url("postgresql", tmp_path) as url:
        with TrialStore.open(url) as store:
            ingest_paths(store, sorted((FIXTURES / "seed-trials").glob("*.json"))[:3])
        yield url


@pytest.fixture
def servers(database: str, tmp_path: Path) -> Iterator[list[str]]:
    started = []
    for name in ("a", "b"):
        port = _free_port()
        env = {**os.environ, "TRIALSCOPE_SEARCH_INDEX": str(tmp_path / f"index-{name}")}
        process = subprocess.Popen(
            [sys.executable, "-m", "trialscope", "serve", "--port", str(port), "--db", database],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        started.append((process, f"http://127.0.0.1:{port}"))
    try:
        for _process, base in started:
            for _ in range(150):
                try:
                    httpx.get(f"{base}/api/search", timeout=5)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
        yield [base for _process, base in started]
    finally:
        for process, _base in started:
            process.terminate()
            process.wait(timeout=20)


def _found(base: str, nct_id: str) -> bool:
    hits = httpx.get(f"{base}/api/search", params={"q": "leukemia", "per_page": 50}, timeout=10).json()["hits"]
    return nct_id in [hit["nct_id"] for hit in hits]


def test_an_import_by_a_third_process_reaches_every_server_s_search(
    servers: list[str], database: str, tmp_path: Path
) -> None:
    record = json.loads((FIXTURES / "seed-trials" / "NCT07342244.json").read_text())
    record["protocolSection"]["identificationModule"]["nctId"] = "NCT09911111"
    (tmp_path / "new.json").write_text(json.dumps(record))
    assert not any(_found(base, "NCT09911111") for base in servers)
    importer = subprocess.run(
        [sys.executable, "-m", "trialscope", "ingest", str(tmp_path / "new.json"), "--db", database],
        capture_output=True,
        text=True,
    )
    assert importer.returncode == 0, importer.stderr
    imported = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(servers) and time.monotonic() - imported < SEARCH_BOUND_S:
        for base in servers:
            if base not in seen and _found(base, "NCT09911111"):
                seen[base] = time.monotonic() - imported
        time.sleep(0.25)
    assert set(seen) == set(servers), f"not searchable everywhere after {SEARCH_BOUND_S} s: {seen}"


def _token(client: httpx.Client, url: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)
    assert match
    return match.group(1)


def test_what_one_server_keeps_the_other_reads_and_concurrent_writes_are_all_kept(
    servers: list[str], database: str
) -> None:
    first, second = servers
    with httpx.Client(timeout=20) as browser:  # one browser: its cookies go to both (a cookie has no port)
        form = f"{first}/trials/NCT06125652/notes"
        saved = browser.post(  # the form from server A, posted to server B: the CSRF key is the database's
            f"{second}/trials/NCT06125652/notes",
            data={
                "csrf_token": _token(browser, form),
                "text": "asked on server a",
                "passcode": "shared-pass-1",
                "passcode_again": "shared-pass-1",
            },
        )
        assert saved.status_code == 200, saved.text[:300]
        link = re.search(r'value="http://127\.0\.0\.1:\d+(/notes/[\w-]+)"', saved.text)
        assert link
        opened = browser.post(  # written through B, opened through A
            f"{first}{link.group(1)}",
            data={"csrf_token": _token(browser, f"{first}{link.group(1)}"), "passcode": "shared-pass-1"},
        )
        assert opened.status_code == 200 and "asked on server a" in opened.text

    def contact(job: tuple[str, int]) -> int:
        base, n = job
        with httpx.Client(base_url=base, timeout=30) as client:
            token = _token(client, "/trials/NCT06125652/notes")
            answer = client.post(
                "/trials/NCT06125652/notes",
                data={
                    "csrf_token": token,
                    "text": f"note {n}",
                    "passcode": "many-pass-1",
                    "passcode_again": "many-pass-1",
                },
            )
            return answer.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(contact, [(servers[n % 2], n) for n in range(8)]))
    assert codes == [200] * 8
    with TrialStore.open(database) as store, store.engine.connect() as conn:
        from sqlalchemy import func, select

        from trialscope.store.schema import notes

        assert conn.execute(select(func.count()).select_from(notes)).scalar_one() == 9
        assert len(store.people.keys.secret("csrf")) == 32
