"""The import's parsing step (``criteria_import.py``): it stores for every new or changed trial exactly what
the trial's first reader would have parsed and stored, reads each distinct text once, and leaves alone a
trial stored again while it was parsed (both backends)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from tests.factories import seed, write_json
from trialscope.criteria import ENGINE_VERSION
from trialscope.criteria.engine import parse_criteria
from trialscope.criteria.forms import FormsReader, forms_of
from trialscope.criteria_import import parse_stale_criteria
from trialscope.ingest import ingest_paths
from trialscope.model.study import parse_study
from trialscope.store.schema import trial_criteria
from trialscope.store.trial_store import TrialStore

SEEDS = ["NCT04599543", "NCT06125652", "NCT06585345", "NCT07144020", "NCT07342244"]


def _catalogue() -> list[dict[str, Any]]:
    """The seed trials, and for each a second trial with its criteria text but another record around it
    (conditions, title, interventions and age limits of the next seed trial): what a reused reading must
    complete with that record, not the first one's."""
    records = [seed(n) for n in SEEDS]
    twins = []
    for number, (record, other) in enumerate(zip(records, records[1:] + records[:1], strict=True)):
        twin = copy.deepcopy(other)
        twin["protocolSection"]["identificationModule"]["nctId"] = f"NCT9900000{number}"
        twin["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = record["protocolSection"][
            "eligibilityModule"
        ]["eligibilityCriteria"]
        twins.append(twin)
    return records + twins


def _stored(store: TrialStore) -> dict[str, dict[str, Any]]:
    with store.engine.connect() as conn:
        return {row["nct_id"]: dict(row) for row in conn.execute(select(trial_criteria)).mappings()}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_step_stores_what_a_fresh_parse_of_each_record_gives(
    store: TrialStore, tmp_path: Path, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _catalogue()
    ingest_paths(store, [write_json(tmp_path / "trials.json", {"studies": records})])
    criteria = store.criteria
    assert criteria.count_stale() == len(records)
    monkeypatch.setattr("trialscope.criteria_import.IN_PROCESS_BELOW", 0)  # two worker processes, even for ten
    summary = parse_stale_criteria(store, workers=workers)
    assert (summary.parsed, summary.failed, summary.changed) == (len(records), 0, 0)
    assert summary.texts_read == len(SEEDS)  # each text read once: a twin's goes to the worker that read it
    stored = _stored(store)
    for record in records:
        study = parse_study(record)
        expected = forms_of(parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria, study))
        row = stored[study.protocol_section.identification_module.nct_id]
        assert row["engine_version"] == ENGINE_VERSION and row["text_hash"] == expected.text_hash
        assert orjson.loads(row["constraints"]) == orjson.loads(expected.constraints)
        assert (row["notes"], row["outline"], row["segmentation"]) == (
            expected.notes,
            expected.outline,
            expected.segmentation,
        )
        assert row["unparsed_share"] == pytest.approx(expected.unparsed_share)
        trial = store.get(study.protocol_section.identification_module.nct_id)
        assert trial is not None and not criteria.get(trial).recomputed  # the first reader finds it stored
    assert criteria.count_stale() == 0
    assert parse_stale_criteria(store, workers=workers).parsed == 0


def test_a_twin_is_completed_with_its_own_record() -> None:
    """The implied target antigen and the notes on age limits come from each trial's record."""
    reader = FormsReader()
    records = _catalogue()
    made = []
    for record in records:
        study = parse_study(record)
        text = study.protocol_section.eligibility_module.eligibility_criteria
        made.append(reader.forms(study))
        assert made[-1] == forms_of(parse_criteria(text, study))
    assert (reader.read, reader.reused) == (len(SEEDS), len(SEEDS))
    twins_differ = [made[n].constraints != made[n + len(SEEDS)].constraints for n in range(len(SEEDS))]
    notes_differ = [made[n].notes != made[n + len(SEEDS)].notes for n in range(len(SEEDS))]
    assert any(twins_differ) and any(notes_differ)  # the records show in the forms: the test tests something


def test_engine_changes_and_new_versions_make_trials_stale_again(store: TrialStore, tmp_path: Path) -> None:
    record = seed("NCT07342244")
    ingest_paths(store, [write_json(tmp_path / "a.json", record)])
    parse_stale_criteria(store, workers=1)
    criteria = store.criteria
    assert criteria.count_stale() == 0
    with store.engine.begin() as conn:
        conn.execute(update(trial_criteria).values(engine_version="2000.01.01-1"))
    assert criteria.count_stale() == 1
    assert parse_stale_criteria(store, workers=1).parsed == 1

    # parsed from version 1, then version 2 is imported before the result is stored: it is not stored
    forms = FormsReader().forms(parse_study(record))
    record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] += "\n* Life expectancy > 3 months"
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-03-01"}
    ingest_paths(store, [write_json(tmp_path / "b.json", record)])
    assert criteria.count_stale() == 1
    assert criteria.save_parsed([("NCT07342244", 1, forms)]) == 0
    assert _stored(store) == {}
    assert parse_stale_criteria(store, workers=1).parsed == 1
    assert "3 months" in _stored(store)["NCT07342244"]["constraints"]
