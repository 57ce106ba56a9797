"""Structured criteria are stored with each trial and recomputed when its text changes (both backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from tests.factories import seed, write_json
from trialscope.criteria.segment import items_from_json, segment
from trialscope.ingest import ingest_paths
from trialscope.store.schema import trial_criteria
from trialscope.store.stored_trial import StoredTrial
from trialscope.store.trial_store import TrialStore


def _with_lvef_50(store: TrialStore, record: dict[str, Any], tmp_path: Path) -> StoredTrial:
    """A new version of the record, its criteria asking LVEF >= 50% instead of 45%, imported."""
    eligibility = record["protocolSection"]["eligibilityModule"]
    eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace("(LVEF) ≥ 45%", "(LVEF) ≥ 50%")
    record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-03-01"}
    ingest_paths(store, [write_json(tmp_path / "b.json", record)])
    changed = store.get(record["protocolSection"]["identificationModule"]["nctId"])
    assert changed is not None
    return changed


def test_stored_then_recomputed_when_the_text_changes(store: TrialStore, tmp_path: Path) -> None:
    record = seed("NCT07342244")
    ingest_paths(store, [write_json(tmp_path / "a.json", record)])
    criteria = store.criteria
    trial = store.get("NCT07342244")
    assert trial is not None
    first = criteria.get(trial)
    assert first.recomputed and any(c.get("quantity") == "LVEF" for c in first.constraints)
    assert any("78 Years" in note for note in first.notes)
    again = criteria.get(trial)
    assert not again.recomputed and again.constraints == first.constraints

    updated = criteria.get(_with_lvef_50(store, record, tmp_path))
    assert updated.recomputed
    assert [c["value"] for c in updated.constraints if c.get("quantity") == "LVEF"] == [50]


def test_the_segmentation_is_stored_and_filled_in_rows_stored_before_it(store: TrialStore, tmp_path: Path) -> None:
    ingest_paths(store, [write_json(tmp_path / "a.json", seed("NCT07342244"))])
    criteria = store.criteria
    trial = store.get("NCT07342244")
    assert trial is not None
    text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
    first = criteria.get(trial)
    assert first.recomputed and items_from_json(first.segmentation, text) == segment(text) != []

    with store.engine.begin() as conn:  # a row as stored before migration 0009
        conn.execute(update(trial_criteria).values(segmentation=None))
    again = criteria.get(trial)
    assert not again.recomputed and again.segmentation == first.segmentation
    with store.engine.connect() as conn:  # filled on that read: the next one finds it
        assert conn.execute(select(trial_criteria.c.segmentation)).scalar_one() == first.segmentation


def test_a_form_filled_late_never_overwrites_a_row_stored_again_meanwhile(store: TrialStore, tmp_path: Path) -> None:
    """A reader that found a row without its outline builds one from that row's constraints; by the time it
    writes, another server may have stored the criteria again. The late write lands only on the row it read."""
    record = seed("NCT07342244")
    ingest_paths(store, [write_json(tmp_path / "a.json", record)])
    criteria = store.criteria
    trial = store.get("NCT07342244")
    assert trial is not None
    criteria.get(trial)
    with store.engine.begin() as conn:  # a row as stored before outlines were
        conn.execute(update(trial_criteria).values(outline=None))
    ((nct_id, read_stamp, outline, flat),) = criteria.stored_forms("outline", ["NCT07342244"])
    assert outline is None and flat is not None

    current = criteria.get(_with_lvef_50(store, record, tmp_path))  # meanwhile: a new version, parsed again
    assert current.recomputed and current.parsed_at != read_stamp

    criteria.save_forms("outline", [(nct_id, read_stamp, "stale")])
    with store.engine.connect() as conn:
        assert conn.execute(select(trial_criteria.c.outline)).scalar_one() == current.outline

    with store.engine.begin() as conn:  # the new row without its outline: still not the row that was read
        conn.execute(update(trial_criteria).values(outline=None))
    criteria.save_forms("outline", [(nct_id, read_stamp, "stale")])
    with store.engine.connect() as conn:
        assert conn.execute(select(trial_criteria.c.outline)).scalar_one() is None
    ((_, stamp, _, _),) = criteria.stored_forms("outline", ["NCT07342244"])
    criteria.save_forms("outline", [(nct_id, stamp, current.outline)])  # the row's own stamp: filled
    with store.engine.connect() as conn:
        assert conn.execute(select(trial_criteria.c.outline)).scalar_one() == current.outline
