"""The store's update rules, history and change events, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests.conftest import FIXTURES, shared_data
from tests.factories import seed, study, write_json
from trialscope.ingest import ingest_paths
from trialscope.store.schema import change_events, trial_locations, trial_versions, trials
from trialscope.store.trial_store import TrialStore


def _ingest(store: TrialStore, tmp_path: Path, *docs: dict, name: str = "batch") -> tuple[int, int, int, int, int]:
    paths = [write_json(tmp_path / f"{name}-{i}.json", doc) for i, doc in enumerate(docs)]
    s = ingest_paths(store, paths)
    return s.added, s.updated, s.unchanged, s.older, s.rejected


def test_seed_fixtures_and_xml_import_with_the_right_rejections(store: TrialStore) -> None:
    summary = ingest_paths(
        store, [FIXTURES / "seed-trials", FIXTURES / "ctgov-v2-fixtures", FIXTURES / "ctgov-xml-fixtures"]
    )
    for nct_id in ("NCT07144020", "NCT04599543", "NCT06125652", "NCT07342244", "NCT06585345"):
        trial = store.get(nct_id)
        assert trial is not None and not trial.partial
    reasons = {Path(r.origin).name: r.reason for r in summary.rejections}
    assert reasons["NCT02278341.json"] == "file name says NCT02278341 but the record inside is NCT02552212"
    assert reasons["NCT00980226-id-mismatch.xml"].startswith("file name says NCT00980226")
    for fake in ("study_data_initialize.json", "study_data_phases.json"):
        assert "malformed NCT ID 'NCT000001'" in reasons[fake]
    assert "RSS search feed" in reasons["covid_search.xml"]
    assert summary.added == store.count()
    # the three downloads of NCT00513591 are versions of one trial: the newest stays current
    assert store.get("NCT00513591") is not None


def test_add_unchanged_update_and_history(store: TrialStore, tmp_path: Path) -> None:
    assert _ingest(store, tmp_path, study(last_update="2025-01-10"), name="a") == (1, 0, 0, 0, 0)
    assert _ingest(store, tmp_path, study(last_update="2025-01-10"), name="b") == (0, 0, 1, 0, 0)
    newer = study(status="ACTIVE_NOT_RECRUITING", last_update="2025-03-01")
    assert _ingest(store, tmp_path, newer, name="c") == (0, 1, 0, 0, 0)
    trial = store.get("NCT01234567")
    assert trial is not None and trial.version == 2 and trial.study.overall_status == "ACTIVE_NOT_RECRUITING"
    versions = store.history("NCT01234567")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].record["protocolSection"]["statusModule"]["overallStatus"] == "RECRUITING"
    assert versions[0].superseded_at is not None and versions[1].superseded_at is None
    assert store.stored_at("nct01234567") == trial.updated_at  # what a remembered view is checked against
    assert store.stored_at("NCT09999999") is None


def test_older_record_never_overwrites(store: TrialStore, tmp_path: Path) -> None:
    _ingest(store, tmp_path, study(status="COMPLETED", last_update="2025-06-01"), name="a")
    assert _ingest(store, tmp_path, study(status="RECRUITING", last_update="2024-01-01"), name="b") == (0, 0, 0, 1, 0)
    assert _ingest(store, tmp_path, study(status="RECRUITING", last_update=None), name="c") == (0, 0, 0, 1, 0)
    trial = store.get("NCT01234567")
    assert trial is not None and trial.study.overall_status == "COMPLETED" and trial.version == 1


def test_full_record_supersedes_partial_and_partial_never_replaces_full(store: TrialStore) -> None:
    ingest_paths(store, [shared_data("car-t-monitor", "trials.csv")])
    partial = store.get("NCT07342244")
    assert partial is not None and partial.partial and partial.source == "car-t-monitor"
    summary = ingest_paths(store, [FIXTURES / "seed-trials" / "NCT07342244.json"])
    assert summary.updated == 1
    full = store.get("NCT07342244")
    assert full is not None and not full.partial and full.source == "ctgov-v2" and full.version == 2
    again = ingest_paths(store, [shared_data("car-t-monitor", "trials.csv")])
    assert again.older >= 1
    still = store.get("NCT07342244")
    assert still is not None and not still.partial and still.version == 2


def test_partial_fragments_merge(store: TrialStore) -> None:
    ingest_paths(store, [shared_data("car-t-monitor", "trials.csv"), shared_data("car-t-monitor", "sample_v1.json")])
    sample_id = "NCT06245915"  # in sample_v1.json (with criteria) and in trials.csv (with sites)
    trial = store.get(sample_id)
    assert trial is not None and trial.partial
    protocol = trial.study.protocol_section
    assert protocol.eligibility_module.eligibility_criteria  # from the sample
    assert protocol.status_module.last_update_post_date_struct is not None  # from the CSV


def test_change_events(store: TrialStore, tmp_path: Path) -> None:
    _ingest(store, tmp_path, study(sites=[("A", "China", "RECRUITING"), ("B", "China", "RECRUITING")]), name="a")
    changed = study(
        status="ACTIVE_NOT_RECRUITING",
        last_update="2025-02-01",
        sites=[("A", "China", "COMPLETED"), ("C", "United States", "RECRUITING")],
        criteria="Inclusion Criteria:\n\n* Age 18 to 70",
    )
    _ingest(store, tmp_path, changed, name="b")
    events = store.changes(nct_ids=["NCT01234567"])
    kinds = sorted(e.kind for e in events)
    assert kinds == sorted(
        ["new_trial", "status_changed", "site_status_changed", "site_added", "site_removed", "eligibility_changed"]
    )
    status = next(e for e in events if e.kind == "status_changed")
    assert (status.old_value, status.new_value) == ("RECRUITING", "ACTIVE_NOT_RECRUITING")
    assert "recruiting to active not recruiting" in status.summary
    assert store.changes(kinds=["site_added"])[0].summary.startswith("site added: C")


def test_duplicate_in_one_input_is_rejected_first_kept(store: TrialStore, tmp_path: Path) -> None:
    page = write_json(tmp_path / "page.json", {"studies": [study(title="first"), study(title="second")]})
    summary = ingest_paths(store, [page])
    assert (summary.added, summary.rejected) == (1, 1)
    assert (
        "already had this trial earlier; the first one is kept" in summary.rejections[0].reason
        and summary.rejections[0].record == "NCT01234567"
    )
    trial = store.get("NCT01234567")
    assert trial is not None and trial.study.title == "first"


def test_bad_records_leave_stored_ones_untouched(store: TrialStore, tmp_path: Path) -> None:
    _ingest(store, tmp_path, seed("NCT07342244"), name="a")
    before = store.get("NCT07342244")
    broken = seed("NCT07342244")
    broken["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2027-02-30"}
    good = study("NCT00000009")
    summary = ingest_paths(store, [write_json(tmp_path / "page.json", {"studies": [broken, good]})])
    assert (summary.added, summary.rejected) == (1, 1)
    assert summary.rejections[0].field == "protocolSection.statusModule.lastUpdatePostDateStruct.date"
    assert store.get("NCT07342244") == before


def test_stats(store: TrialStore) -> None:
    ingest_paths(store, [FIXTURES / "seed-trials"])
    stats = store.stats()
    assert stats["status"] == {"RECRUITING": 3, "NOT_YET_RECRUITING": 2}
    assert stats["country"]["China"] == 5
    assert stats["source"] == {"ctgov-v2": 5} and stats["completeness"] == {"full": 5}
    assert sum(stats["phase"].values()) >= 5


def test_kill_during_import_leaves_store_consistent(db_url: str, tmp_path: Path) -> None:
    """SIGKILL an import mid-way: every stored trial has its locations, no half-written batch, and a
    re-run completes the import."""
    corpus = tmp_path / "corpus.jsonl"
    with corpus.open("w") as out:
        for n in range(6000):
            out.write(write_line(n))
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": db_url}
    cmd = [sys.executable, "-m", "trialscope", "ingest", str(corpus), "--batch-size", "50", "--json"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    with TrialStore.open(db_url) as store:
        while store.count() < 500 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stored = store.count()
        assert 0 < stored < 6000 and stored % 50 == 0  # whole batches only
        with store.engine.connect() as conn:
            located = conn.execute(select(func.count(func.distinct(trial_locations.c.nct_id)))).scalar_one()
            events = conn.execute(select(func.count()).select_from(change_events)).scalar_one()
            assert conn.execute(select(func.count()).select_from(trial_versions)).scalar_one() == 0
            assert conn.execute(select(func.count()).select_from(trials)).scalar_one() == stored
        assert located == stored and events == stored
    rerun = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0
    with TrialStore.open(db_url) as store:
        assert store.count() == 6000


def write_line(n: int) -> str:
    return json.dumps(study(f"NCT{n:08d}")) + "\n"


def test_open_sites_are_remembered_per_catalogue_version(store: TrialStore, tmp_path: Path) -> None:
    """``open_sites_of``: the open sites and those of unstated status, in the trial's order; remembered
    between calls, and read again as soon as a write moves the catalogue's version (issue 18)."""
    sites = [
        ("A", "China", "RECRUITING"),
        ("B", "China", "COMPLETED"),
        ("C", "France", None),
        ("D", "Chad", "WITHDRAWN"),
    ]
    assert (
        _ingest(
            store, tmp_path, study("NCT01000001", sites=sites), study("NCT01000002", sites=[("X", "Chad", "COMPLETED")])
        )[0]
        == 2
    )
    found = store.open_sites_of(["nct01000001", "NCT01000002", "NCT09999999"])
    assert [s.facility for s in found["NCT01000001"]] == ["A", "C"]
    assert found["NCT01000002"] == () and found["NCT09999999"] == ()
    assert store.open_sites_of(["NCT01000001"])["NCT01000001"] is found["NCT01000001"]  # remembered

    changed = [("A", "China", "COMPLETED"), ("E", "Italy", "NOT_YET_RECRUITING")]
    assert _ingest(store, tmp_path, study("NCT01000001", sites=changed, last_update="2025-02-01"), name="b")[1] == 1
    assert [s.facility for s in store.open_sites_of(["NCT01000001"])["NCT01000001"]] == ["E"]
