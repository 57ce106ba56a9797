"""The store narrows a patient's candidates before any criterion is evaluated (the condition index, age, sex,
status; then distance), and narrowing never drops a trial the full screen would rank: screening every trial
of the catalogue, ranking them all, then removing those the hard filters exclude (status, the record's age
limits and sex, diseases the record does not name, sites too far) gives the very list ``match_patient``
returns, in the same order. On the demo catalogue and on a synthetic registry built like
benchmarks/registry_benchmark.py's (real criteria texts with their trials' conditions)."""

from __future__ import annotations

import copy
import gzip
from pathlib import Path

import orjson
import pytest

from tests.conftest import ROOT, shared_data
from trialscope.criteria.outline import Outline, Shape
from trialscope.criteria.vocabulary import vocabulary
from trialscope.criteria_import import parse_stale_criteria
from trialscope.demo import load_demo
from trialscope.geo import Place, resolve_place
from trialscope.ingest import ingest_paths
from trialscope.matching.catalogue_matching import (
    _concepts_of,
    _diagnosis_concepts,
    _for_the_patients_disease,
    for_another_disease,
    match_patient,
    rank_key,
)
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import StatusMemo, TrialInfo, screen_trial
from trialscope.model.age import AgeRange
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.search.distance import nearest_sites
from trialscope.store.trial_store import TrialStore

AML = ROOT / "examples" / "patient-aml.json"


def _apl(patient: Patient) -> Patient:
    """The example patient with APL (a kind of AML: trials for AML are hers too), a man of 70."""
    data = copy.deepcopy(patient.model_dump(mode="json", exclude_none=True))
    data["conditions"][0]["name"] = "acute promyelocytic leukemia"
    data["sex"] = "male"
    data.pop("birth_date", None)
    data["age_years"] = 70
    data["id"] = "apl-man-70"
    return Patient.model_validate(data)


def _full_screen(
    store: TrialStore, patient: Patient, status: str, place: Place | None, within_km: float | None
) -> list[str]:
    """Every trial screened and ranked, then the hard filters applied to the ranked list (no index used)."""
    vocab = vocabulary()
    facts = patient_facts(patient, vocab)
    diagnoses = _diagnosis_concepts(facts, vocab)
    rows = store.candidates()  # every trial of the catalogue
    infos = [
        TrialInfo(r.nct_id, r.brief_title or r.nct_id, r.overall_status, r.minimum_age, r.maximum_age, r.sex or "ALL")
        for r in rows
    ]
    outlines = store.criteria.outlines_of([i.nct_id for i in infos])
    memo: StatusMemo = {}
    empty = Outline([], Shape([], [], [], []), written=False)
    screens = {i.nct_id: screen_trial(i, outlines.get(i.nct_id, empty), facts, vocab, memo) for i in infos}
    sites = nearest_sites(store, [i.nct_id for i in infos], place) if place is not None else {}
    order = sorted(infos, key=lambda i: rank_key(screens[i.nct_id], sites.get(i.nct_id, (None, ""))[0]))
    by_id = {r.nct_id: r for r in rows}
    age, sex = patient.age, (patient.sex or "").upper()

    def kept(info: TrialInfo) -> bool:
        row = by_id[info.nct_id]
        concepts = _concepts_of(row.condition_concepts)
        if status == "open" and row.overall_status not in OPEN_STATUSES:
            return False
        if age is not None and not AgeRange.of(row.minimum_age, row.maximum_age).admits(age):
            return False
        if sex in ("FEMALE", "MALE") and row.sex not in (None, "ALL", sex):
            return False
        if diagnoses and (not set(concepts) & diagnoses or for_another_disease(concepts, diagnoses, vocab)):
            return False
        if place is not None:
            if info.nct_id not in sites:
                return False
            distance = sites[info.nct_id][0]
            if within_km is not None and distance is not None and distance > within_km:
                return False
        return True

    return [i.nct_id for i in _for_the_patients_disease(store, [i for i in order if kept(i)], diagnoses, vocab, None)]


def _same_as_the_full_screen(store: TrialStore, patients: list[Patient]) -> int:
    parse_stale_criteria(store, workers=1)
    hangzhou = resolve_place("Hangzhou")
    compared = 0
    for patient in patients:
        for status, place, within in (("any", None, None), ("open", hangzhou, None), ("open", hangzhou, 1500.0)):
            narrowed = match_patient(store, patient, status=status, near=place, within_km=within)
            expected = _full_screen(store, patient, status, place, within)
            assert [m.nct_id for m in narrowed] == expected, (patient.id, status, within)
            compared += len(expected)
    return compared


@pytest.fixture
def sqlite_store(tmp_path: Path) -> TrialStore:
    return TrialStore.open(f"sqlite:///{tmp_path / 'trials.db'}")


def test_the_demo_catalogue(store: TrialStore) -> None:
    load_demo(store)
    patient = load_patient(AML)
    assert _same_as_the_full_screen(store, [patient, _apl(patient)]) > 50


def test_a_synthetic_registry(sqlite_store: TrialStore, tmp_path: Path) -> None:
    """600 trials of the registry benchmark's corpus (its generator, from ../shared)."""
    shared_data("criteria-texts", "hint")
    from benchmarks.registry_benchmark import registry_studies

    path = tmp_path / "registry.jsonl.gz"
    with gzip.open(path, "wb") as out:
        for number, record in enumerate(registry_studies(shared_data().parent, 3_000)):
            conditions = " ".join(record["protocolSection"]["conditionsModule"]["conditions"]).lower()
            if number < 300 or "leuk" in conditions or "myelo" in conditions:  # every blood cancer, and some more
                out.write(orjson.dumps(record) + b"\n")
    ingest_paths(sqlite_store, [path])
    patient = load_patient(AML)
    with sqlite_store:
        assert _same_as_the_full_screen(sqlite_store, [patient, _apl(patient)]) > 20
