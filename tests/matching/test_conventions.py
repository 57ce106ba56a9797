"""Conventions a clinician expects (README, "Matching"): disease status and diagnoses through the concept
hierarchy, ages in completed units, the record's conditions, counts of prior therapy, exclusion questions,
who can answer, criteria text outside the catalogue, and nothing ranked when nothing was understood."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.conftest import FIXTURES
from trialscope.criteria import parse_criteria
from trialscope.matching.catalogue_matching import match_criteria_text
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import match_trial
from trialscope.model.study import parse_study
from trialscope.patients.model import Patient, patient_from_dict
from trialscope.patients.text import patient_from_text
from trialscope.patients.understood import NothingUnderstood, require_something

DATA = FIXTURES


def _seed(nct_id: str) -> dict:  # type: ignore[type-arg]
    return json.loads((FIXTURES / "seed-trials" / f"{nct_id}.json").read_text())


def _patient(**fields: object) -> Patient:
    return patient_from_dict({"as_of": "2026-11-01", **fields})


def _check(text: str, patient: Patient) -> dict[str, str]:
    return {r.constraint.text: r.status for r in match_criteria_text(text, patient).criteria}


def test_newly_diagnosed_fails_relapsed_or_refractory() -> None:
    patient = _patient(age_years=50, conditions=[{"name": "AML", "status": "newly diagnosed"}])
    match = match_criteria_text("Inclusion Criteria:\n\n* Relapsed or refractory AML", patient)
    assert match.verdict == "not_eligible"


def test_primary_refractory_meets_relapsed_or_refractory_and_broader_status_is_asked() -> None:
    text = "Inclusion Criteria:\n\n* Relapsed or refractory AML"
    refractory = _patient(conditions=[{"name": "AML", "status": "primary refractory"}])
    assert match_criteria_text(text, refractory).verdict == "eligible"
    broad = _patient(conditions=[{"name": "AML", "status": "relapsed/refractory"}])
    match = match_criteria_text("Inclusion Criteria:\n\n* Refractory AML", broad)
    assert [r.status for r in match.criteria if r.constraint.category == "disease_status"] == ["unknown"]


def test_age_in_completed_years() -> None:
    text = "Inclusion Criteria:\n\n* Age 18-70 years"
    seventy_and_months = _patient(birth_date="1956-05-01", conditions=[{"name": "AML"}])
    assert match_criteria_text(text, seventy_and_months).verdict == "eligible"
    assert match_criteria_text(text, _patient(age_years=71)).verdict == "not_eligible"


def test_other_disease_by_the_record_and_hierarchy() -> None:
    study = parse_study(_seed("NCT07144020"))
    parsed = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria, study)
    lymphoma = patient_facts(_patient(age_years=50, conditions=[{"name": "DLBCL", "status": "relapsed"}]))
    match = match_trial(study, parsed, lymphoma)
    assert match.verdict == "not_eligible"
    assert any("other disease" in r.explanation for r in match.failing)
    apl = patient_facts(_patient(age_years=50, conditions=[{"name": "APL", "status": "relapsed"}]))
    assert not [r for r in match_trial(study, parsed, apl).failing if r.constraint.id == "record-conditions"]


@pytest.mark.parametrize("written", ["ALL", "B-ALL", "T-ALL", "AML", "MM", "DLBCL", "CLL", "NHL", "MDS", "CML"])
def test_abbreviations_in_patient_input(written: str) -> None:
    facts = patient_facts(_patient(conditions=[{"name": written}]))
    assert facts.diagnoses, written
    text = patient_from_text(f"60-year-old man with {written}")
    assert text.conditions, written


def test_count_of_prior_therapy_from_the_treatment_list() -> None:
    text = "Inclusion Criteria:\n\n* Prior receipt of at least one course of systemic chemotherapy"
    treated = _patient(
        treatments=[
            {"name": "7+3 induction", "category": "chemotherapy", "date": "2025-03-10"},
            {"name": "HiDAC consolidation", "category": "chemotherapy", "date": "2025-06-02"},
        ]
    )
    statuses = _check(text, treated)
    assert set(statuses.values()) == {"met"}, statuses


def test_exclusion_question_says_what_excludes() -> None:
    match = match_criteria_text("Exclusion Criteria:\n\n* Creatinine > 2.5 mg/dL", _patient(age_years=50))
    (question,) = match.questions
    assert "excluded if it is above 2.5 mg/dL" in question
    assert "limit" not in question


def test_study_team_unknowns_are_not_asked_of_the_patient() -> None:
    match = match_criteria_text(
        "Exclusion Criteria:\n\n* The proliferation rate is less than 5 times response to CD3/CD28 stimulation",
        _patient(age_years=50),
    )
    assert not match.questions and match.study_team_decides


def test_a_washout_exception_is_honoured() -> None:
    text = (
        "Inclusion Criteria:\n\n* At least 2 weeks since prior systemic treatment, except for immune checkpoint "
        "inhibitors"
    )
    recent_checkpoint = _patient(treatments=[{"name": "nivolumab (immune checkpoint inhibitor)", "date": "2026-10-25"}])
    recent_chemo = _patient(treatments=[{"name": "chemotherapy", "category": "chemotherapy", "date": "2026-10-25"}])
    old_chemo = _patient(treatments=[{"name": "chemotherapy", "category": "chemotherapy", "date": "2026-06-01"}])
    assert match_criteria_text(text, recent_checkpoint).verdict != "not_eligible"
    assert match_criteria_text(text, recent_chemo).verdict == "not_eligible"
    assert match_criteria_text(text, old_chemo).verdict == "eligible"


@pytest.mark.parametrize("nct_id", ["NCT07144020", "NCT04599543", "NCT06125652", "NCT07342244", "NCT06585345"])
def test_criteria_text_gives_the_stored_trials_verdict(nct_id: str) -> None:
    """The same text, outside the catalogue, gives the same criteria results; only what the record adds
    (age fields, sex, conditions, the therapy's target) differs."""
    record = _seed(nct_id)
    study = parse_study(record)
    text = study.protocol_section.eligibility_module.eligibility_criteria or ""
    patient = Patient.model_validate(json.loads((DATA / "gold" / "patients" / "v01-fit-relapsed.json").read_text()))
    stored = match_trial(study, parse_criteria(text, study), patient_facts(patient))
    loose = match_criteria_text(text, patient)
    written = [
        (r.constraint.text, r.status) for r in stored.criteria if not r.constraint.implicit and not r.constraint.source
    ]
    assert [(r.constraint.text, r.status) for r in loose.criteria] == written
    from_record = [r for r in stored.criteria if r.constraint.implicit or r.constraint.source]
    if all(r.status in ("met", "not_applicable") for r in from_record):
        assert loose.verdict == stored.verdict


@pytest.mark.parametrize("patient", [{}, {"id": "x"}, {"sex": "female"}])
def test_nothing_understood_is_refused(patient: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(NothingUnderstood):
        require_something(patient_from_dict(patient))
    with pytest.raises(NothingUnderstood):
        require_something(patient_from_text("hello world"))
    require_something(patient_from_text("45 year old"))


def test_as_of_is_respected() -> None:
    assert _patient().as_of == dt.date(2026, 11, 1)
