"""Sync against the local API server, on SQLite and PostgreSQL: a full run imports every served record,
an incremental run fetches only what changed, faults never lose or duplicate a record, a killed sync
resumes from its checkpoint, and change events follow the server's changes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.ctgov_server import FakeCtGov
from trialscope.store.schema import trial_versions
from trialscope.store.sync_state import SyncQuery
from trialscope.store.trial_store import TrialStore
from trialscope.sync.client import CtGovClient
from trialscope.sync.runner import sync_catalogue

EVERYTHING = SyncQuery("all", {})


def _follow_everything(store: TrialStore) -> None:
    state = store.sync_state
    for query in state.queries():
        state.remove_query(query.name)
    state.add_query(EVERYTHING)


def _assert_mirrors(store: TrialStore, server: FakeCtGov) -> None:
    """The store holds exactly the server's records, each once, identical to what is served."""
    stored = {trial.nct_id: trial for trial in store.iter_trials()}
    assert sorted(stored) == sorted(server.studies)
    for nct_id, trial in stored.items():
        assert trial.record == server.studies[nct_id], nct_id
        assert trial.source == "ctgov-api"
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(trial_versions)).scalar_one() == 0


def test_default_queries_follow_car_t_and_aml(store: TrialStore, server: FakeCtGov, client: CtGovClient) -> None:
    report = sync_catalogue(store, client, page_size=5)
    assert {q.name for q in report.queries} == {"car-t", "aml"}
    assert store.get("NCT07342244") is not None  # a CLL1 CAR-T trial for AML
    car_t = next(q for q in report.queries if q.name == "car-t")
    assert car_t.mode == "full" and car_t.fetched >= 5


def test_full_then_incremental_then_skipped(store: TrialStore, server: FakeCtGov, client: CtGovClient) -> None:
    _follow_everything(store)
    first = sync_catalogue(store, client, page_size=10)
    assert first.queries[0].mode == "full" and first.total.added == len(server.studies)
    _assert_mirrors(store, server)

    def reopen(study: dict[str, Any]) -> None:
        study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
        study["protocolSection"]["contactsLocationsModule"]["locations"].append(
            {"facility": "Zhejiang University Hospital", "city": "Hangzhou", "country": "China", "status": "RECRUITING"}
        )

    server.update_study("NCT07342244", reopen)
    second = sync_catalogue(store, client, page_size=10)
    query = second.queries[0]
    assert query.mode == "incremental" and str(query.since) == "2026-11-19"
    assert query.fetched == 1 and query.summary.updated == 1  # only the changed record came over the wire
    assert "AREA[LastUpdatePostDate]RANGE[2026-11-19,MAX]" in server.study_requests()[-1]["filter.advanced"]
    events = {e.kind: e for e in store.changes(nct_ids=["NCT07342244"]) if e.kind != "new_trial"}
    assert events["status_changed"].new_value == "RECRUITING"
    assert events["site_added"].summary.startswith("site added: Zhejiang University Hospital")

    requests_before = len(server.study_requests())
    third = sync_catalogue(store, client, page_size=10)
    assert third.queries[0].mode == "skipped" and len(server.study_requests()) == requests_before


@pytest.mark.parametrize(
    "faults",
    [
        [("ok", {}), ("ok", {}), ("429", {"retry_after": 0})],
        [("ok", {}), ("500", {}), ("500", {}), ("ok", {}), ("500", {})],
        [("ok", {}), ("ok", {}), ("slow", {"seconds": 1.0})],
        [("ok", {}), ("ok", {}), ("truncate", {}), ("ok", {}), ("truncate", {})],
        [("ok", {}), ("ok", {}), ("invalid_json", {})],
        [("ok", {}), ("ok", {}), ("ok", {}), ("expire_tokens", {})],
    ],
    ids=["429", "500s", "slow", "truncated", "invalid-json", "expired-token"],
)
def test_sync_under_faults_ends_with_exactly_the_served_records(
    store: TrialStore, server: FakeCtGov, client: CtGovClient, faults: list[tuple[str, dict[str, Any]]]
) -> None:
    _follow_everything(store)
    for kind, options in faults:
        server.add_fault(kind, **options)
    report = sync_catalogue(store, client, page_size=10)
    assert not server.faults  # every fault was met
    _assert_mirrors(store, server)
    assert report.total.rejected == 0
    if faults[-1][0] == "expire_tokens":
        assert [q.restarts for q in report.queries] == [1]


def test_killed_sync_resumes_from_its_checkpoint(db_url: str, server: FakeCtGov) -> None:
    with TrialStore.open(db_url) as store:
        _follow_everything(store)
    cmd = [
        sys.executable,
        "-m",
        "trialscope",
        "sync",
        "--api-url",
        server.url,
        "--db",
        db_url,
        "--page-size",
        "4",
        "--requests-per-second",
        "15",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        while server.pages_served < 5:
            assert server.page_served.wait(timeout=30) and proc.poll() is None
            server.page_served.clear()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    with TrialStore.open(db_url) as store:
        checkpoint = store.sync_state.checkpoint("all")
        assert checkpoint.running and checkpoint.pages_done >= 1 and checkpoint.page_token
        stored_before = store.count()
        assert 0 < stored_before < len(server.studies)
        requests_before = len(server.study_requests())
        with CtGovClient(server.url, requests_per_second=1000) as client:
            report = sync_catalogue(store, client, page_size=4)
        query = report.queries[0]
        assert query.mode == "resumed"
        resumed_first = server.study_requests()[requests_before]
        assert resumed_first.get("pageToken") == checkpoint.page_token  # continued, did not start over
        _assert_mirrors(store, server)
        assert not store.sync_state.checkpoint("all").running


def test_cli_sync_and_query_management(db_url: str, server: FakeCtGov) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TRIALSCOPE_API_URL": server.url, "COLUMNS": "200"}
        return subprocess.run(
            [sys.executable, "-m", "trialscope", *args, "--db", db_url], capture_output=True, text=True, env=env
        )

    added = run("sync-query", "add", "cd123", "--param", "query.term=CD123")
    assert added.returncode == 0
    listing = run("sync-query", "list")
    assert "car-t" in listing.stdout and "cd123" in listing.stdout and "never" in listing.stdout
    synced = run("sync", "--query", "cd123", "--requests-per-second", "100")
    assert synced.returncode == 0 and "cd123" in synced.stdout and "full" in synced.stdout
    assert "alerts: 0 subscription(s)" in synced.stderr  # the alerts are told after every sync
    changes = run("changes", "--kind", "new_trial", "--json")
    assert {e["nctId"] for e in json.loads(changes.stdout)} >= {"NCT04599543", "NCT06125652"}
    bad = run("sync-query", "add", "x", "--param", "nonsense")
    assert bad.returncode == 2 and "key=value" in bad.stderr
    unknown = run("sync", "--query", "nope")
    assert unknown.returncode == 2 and "no sync query named nope" in unknown.stderr
    assert run("sync-query", "remove", "cd123").returncode == 0
