"""The quick screen (verdict from the compact outline) and the full evaluation with evidence must agree on
every trial: ranking is done on the first, what is shown comes from the second."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.conftest import FIXTURES
from trialscope.criteria.outline import Outline, constraint_for_key, meaning_key
from trialscope.criteria.vocabulary import vocabulary
from trialscope.demo import load_demo
from trialscope.matching.catalogue_matching import candidate_trials, match_patient
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import StatusMemo, match_trial, screen_trial
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.store import criteria_store
from trialscope.store.schema import trial_criteria
from trialscope.store.trial_store import TrialStore

GOLD = sorted((FIXTURES / "gold" / "patients").glob("*.json"))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> TrialStore:
    store = TrialStore.open(f"sqlite:///{tmp_path_factory.mktemp('screen') / 'demo.db'}")
    load_demo(store)
    return store


@pytest.mark.parametrize("path", GOLD[::3], ids=lambda p: p.stem)
def test_screen_agrees_with_full_evaluation_on_the_demo_catalogue(demo_store: TrialStore, path: Path) -> None:
    patient: Patient = load_patient(path)
    facts = patient_facts(patient)
    infos = candidate_trials(demo_store, facts, status="any")
    assert len(infos) > 50
    outlines = demo_store.criteria.outlines_of([i.nct_id for i in infos])
    constraints = demo_store.criteria.constraints_of([i.nct_id for i in infos])
    memo: StatusMemo = {}
    vocab = vocabulary()
    for info in infos:
        full = match_trial(info, constraints[info.nct_id], facts)
        quick = screen_trial(info, outlines[info.nct_id], facts, vocab, memo)
        assert (quick.verdict, quick.unknown, quick.failing) == (full.verdict, len(full.unknown), len(full.failing)), (
            info.nct_id
        )


def test_meaning_key_round_trip_keeps_what_evaluation_needs(demo_store: TrialStore) -> None:
    trial = demo_store.get("NCT07144020")
    assert trial is not None
    for flat in demo_store.criteria.constraints_of(["NCT07144020"])["NCT07144020"]:
        d = flat.as_flat()
        rebuilt = constraint_for_key(meaning_key(d))
        for field in ("kind", "polarity", "quantity", "comparator", "value", "unit", "concept", "within"):
            assert getattr(rebuilt, field) == getattr(flat, field), field
        assert rebuilt.text == "" and rebuilt.span is None  # placement is not part of the meaning


def test_limited_ranking_shows_the_same_trials_as_the_full_ranking(demo_store: TrialStore) -> None:
    patient = load_patient(FIXTURES / "gold" / "patients" / "v01-fit-relapsed.json")
    everything = match_patient(demo_store, patient, status="any")
    top = match_patient(demo_store, patient, status="any", limit=15)
    assert [m.nct_id for m in top] == [m.nct_id for m in everything[:15]]
    assert all(m.criteria for m in top)  # the trials shown carry their evidence


def test_rows_stored_before_outlines_are_filled_on_first_read(demo_store: TrialStore) -> None:
    demo_store.criteria.outlines_of(["NCT07144020"])
    with demo_store.engine.begin() as conn:
        conn.execute(update(trial_criteria).where(trial_criteria.c.nct_id == "NCT07144020").values(outline=None))
    criteria_store._outline_cache.clear()
    outline = demo_store.criteria.outlines_of(["NCT07144020"])["NCT07144020"]
    with demo_store.engine.connect() as conn:
        filled = conn.execute(select(trial_criteria.c.outline).where(trial_criteria.c.nct_id == "NCT07144020")).scalar()
    assert filled is not None and Outline.from_json(filled) == outline
