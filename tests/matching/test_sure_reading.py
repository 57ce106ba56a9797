"""'Not met' only on a sure reading (issue 33): what each class of leftover words lets a criterion still
answer, the present state against the history, facts read from a sentence not read whole, exceptions the
patient's fact may or may not fall under. Our own wording."""

from __future__ import annotations

import datetime as dt

import pytest

from trialscope.criteria import parse_criteria
from trialscope.criteria.model import Constraint
from trialscope.criteria.vocabulary import vocabulary
from trialscope.matching.evaluate import evaluate_constraint, kept_answers
from trialscope.matching.facts import patient_facts
from trialscope.patients.model import HistoryItem, Patient, Treatment
from trialscope.patients.text import patient_from_text

AS_OF = dt.date(2026, 11, 1)


def _constraint(text: str, concept: str) -> Constraint:
    return next(c for c in parse_criteria(text).constraints if (c.concept or c.quantity) == concept)


def _status(c: Constraint, patient: Patient) -> str:
    return evaluate_constraint(c, patient_facts(patient), vocabulary()).status


def _patient(**fields: object) -> Patient:
    return Patient(as_of=AS_OF, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("polarity", "unsure", "kept"),
    [
        ("exclude", "qualifier", {"met"}),
        ("include", "qualifier", {"not_met"}),
        ("exclude", "condition", {"met"}),
        ("include", "condition", {"met"}),
        ("exclude", "alternative", {"not_met"}),
        ("include", "alternative", {"met"}),
        ("include", "conjunct", {"not_met"}),
        ("exclude", "unplaced", set()),
        ("include", "conflict", set()),
        ("exclude", "alternative,qualifier", set()),
        ("exclude", None, {"met", "not_met"}),
    ],
)
def test_each_class_of_leftover_keeps_only_the_answers_it_cannot_change(
    polarity: str, unsure: str | None, kept: set[str]
) -> None:
    c = Constraint("c1", "concept", polarity, 0, 0, 1, "x", category="condition", concept="hypertension", unsure=unsure)  # type: ignore[arg-type]
    assert kept_answers(c) == kept


def test_a_qualified_exclusion_is_met_without_the_condition_and_asked_with_it() -> None:
    c = _constraint("Exclusion Criteria:\n- Poorly controlled hypertension", "hypertension")
    assert _status(c, _patient(history=[HistoryItem(name="hypertension", present=False)])) == "met"
    result = evaluate_constraint(
        c, patient_facts(_patient(history=[HistoryItem(name="hypertension", present=True)])), vocabulary()
    )
    assert result.status == "unknown" and "Poorly controlled" in result.explanation
    assert result.answered_by == "study_team"


def test_a_present_state_is_not_settled_by_a_yes_ever() -> None:
    c = _constraint("Exclusion Criteria:\n- Active hepatitis B infection", "hepatitis B")
    assert c.current
    ever = _patient(history=[HistoryItem(name="hepatitis B", present=True, timing="ever")])
    now = _patient(history=[HistoryItem(name="hepatitis B", present=True, timing="current")])
    over = _patient(history=[HistoryItem(name="hepatitis B", present=True, timing="past")])
    assert _status(c, ever) == "unknown"
    assert _status(c, now) == "not_met"
    assert _status(c, over) == "met"


def test_a_no_to_now_answers_a_present_state_only() -> None:
    active = _constraint(
        "Exclusion Criteria:\n- Currently receiving systemic corticosteroids", "systemic corticosteroids"
    )
    ever = _constraint("Exclusion Criteria:\n- Any prior systemic corticosteroids", "systemic corticosteroids")
    not_now = _patient(history=[HistoryItem(name="systemic corticosteroids", present=False, timing="current")])
    assert _status(active, not_now) == "met"
    assert _status(ever, not_now) == "unknown"


def test_a_no_within_a_window_answers_that_window_or_a_shorter_one() -> None:
    two_weeks = _constraint("Exclusion Criteria:\n- Chemotherapy within 14 days before enrollment", "chemotherapy")
    six_months = _constraint("Exclusion Criteria:\n- Chemotherapy within 6 months before enrollment", "chemotherapy")
    said = _patient(history=[HistoryItem(name="chemotherapy", present=False, within_days=30)])
    assert _status(two_weeks, said) == "met"
    assert _status(six_months, said) == "unknown"


def test_an_ongoing_medicine_is_current_and_a_stopped_one_is_not() -> None:
    c = _constraint("Exclusion Criteria:\n- Currently receiving immunosuppressive therapy", "immunosuppressants")
    on = _patient(treatments=[Treatment(name="tacrolimus", ongoing=True)])
    stopped = _patient(treatments=[Treatment(name="tacrolimus", end_date=dt.date(2026, 1, 5))])
    assert _status(c, on) == "not_met"
    assert _status(c, stopped) == "met"


def test_a_fact_from_a_sentence_not_read_whole_decides_nothing() -> None:
    c = _constraint("Exclusion Criteria:\n- HIV infection", "HIV")
    sure = patient_from_text("HIV positive.", as_of=AS_OF)
    unsure = patient_from_text("Wobbly flimflam HIV positive per outside records maybe.", as_of=AS_OF)
    assert _status(c, sure) == "not_met"
    assert _status(c, unsure) == "unknown"


def test_an_exception_narrower_than_the_patients_fact_is_asked() -> None:
    text = (
        "Exclusion Criteria:\n- Hepatitis B infection. Patients with resolved hepatitis B may participate if HBV DNA "
        "is undetectable."
    )
    c = _constraint(text, "hepatitis B")
    unspecified = _patient(history=[HistoryItem(name="hepatitis B", present=True, timing="ever")])
    active = _patient(history=[HistoryItem(name="hepatitis B", present=True, timing="current")])
    assert _status(c, unspecified) == "unknown"
    assert _status(c, active) == "not_met"  # an active infection is never the resolved form let in


def test_the_question_keeps_the_criterions_tense_and_exceptions() -> None:
    c = _constraint(
        "Exclusion Criteria:\n- Active graft-versus-host disease (other than skin GVHD)", "graft-versus-host disease"
    )
    result = evaluate_constraint(c, patient_facts(_patient()), vocabulary())
    assert result.question is not None
    assert "now" in result.question and "other than" in result.question


def test_an_exception_to_a_limit_that_nothing_applies_can_only_let_a_patient_pass() -> None:
    c = _constraint(
        "Inclusion Criteria:\n- Total bilirubin ≤ 1.5 × ULN, except for participants with Gilbert syndrome",
        "total bilirubin",
    )
    assert kept_answers(c) == {"met"}
    within = patient_from_text("AML. Total bilirubin 0.8 mg/dL (ULN 1.2).", as_of=AS_OF)
    above = patient_from_text("AML. Total bilirubin 2.4 mg/dL (ULN 1.2).", as_of=AS_OF)
    assert _status(c, within) == "met"
    assert _status(c, above) == "unknown"  # a patient with Gilbert syndrome may be the one spared


def test_an_exception_narrowed_by_a_dose_asks_whoever_it_may_cover() -> None:
    c = _constraint(
        "Exclusion Criteria:\n- Systemic steroids in the last 14 days, except prednisone 10 mg daily or less",
        "systemic corticosteroids",
    )
    last_week = AS_OF - dt.timedelta(days=7)
    on_prednisone = _patient(treatments=[Treatment(name="prednisone", date=last_week, ongoing=True)])
    assert _status(c, on_prednisone) == "unknown"  # 40 mg or 5 mg: the dose decides
    result = evaluate_constraint(c, patient_facts(on_prednisone), vocabulary())
    assert result.answered_by == "study_team" and "10 mg" in result.explanation
