"""Criterion-level behaviour: silence is unknown, denials and values decide, units and ULN convert,
alternatives and hierarchies hold, text/record disagreements never exclude silently."""

from __future__ import annotations

import datetime as dt

from tests.factories import seed, study
from trialscope.criteria import parse_criteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import match_trial
from trialscope.model.study import parse_study
from trialscope.patients.model import Patient
from trialscope.translation import reading_in
from trialscope.web.i18n import translations


def _match(criteria: str, patient: Patient, record: dict | None = None):  # type: ignore[no-untyped-def]
    trial = parse_study(record or study())
    return match_trial(trial, parse_criteria(criteria, trial), patient_facts(patient))


def _patient(**fields: object) -> Patient:
    return Patient.model_validate({"as_of": "2026-11-01", "age_years": 50, "sex": "female", **fields})


def test_silence_is_unknown_never_met() -> None:
    m = _match("Exclusion Criteria:\n\n* History of epilepsy", _patient())
    (result,) = [r for r in m.criteria if r.constraint.concept == "epilepsy"]
    assert result.status == "unknown" and result.question == "Have you ever had epilepsy?"
    assert m.verdict == "possibly_eligible"


def test_denial_of_a_broader_concept_covers_narrower_ones() -> None:
    patient = _patient(history=[{"name": "CNS disease", "present": False}])
    m = _match("Exclusion Criteria:\n\n* History of epilepsy", patient)
    assert [r.status for r in m.criteria if r.constraint.concept == "epilepsy"] == ["met"]


def test_units_are_converted_with_the_evidence_shown() -> None:
    patient = _patient(labs=[{"name": "total bilirubin", "value": 30, "unit": "umol/L"}])
    m = _match("Inclusion Criteria:\n\n* Total bilirubin ≤ 2 mg/dL", patient)
    (result,) = [r for r in m.criteria if r.constraint.quantity == "total bilirubin"]
    assert result.status == "met" and "30 umol/L (= 1.75 mg/dL)" in result.explanation
    higher = _patient(labs=[{"name": "total bilirubin", "value": 40, "unit": "umol/L"}])
    (result,) = [
        r
        for r in _match("Inclusion Criteria:\n\n* Total bilirubin ≤ 2 mg/dL", higher).criteria
        if r.constraint.quantity == "total bilirubin"
    ]
    assert result.status == "not_met" and "(= 2.34 mg/dL)" in result.explanation


def test_both_bounds_of_a_range_must_hold() -> None:
    m = _match("Inclusion Criteria:\n\n* Age between 18-70 years", _patient(age_years=72))
    assert m.verdict == "not_eligible"
    assert any("age ≤ 70" in r.explanation for r in m.failing)


def test_xuln_uses_the_labs_own_uln_else_the_default_and_says_so() -> None:
    own = _patient(labs=[{"name": "ALT", "value": 100, "unit": "U/L", "upper_limit_normal": 50}])
    (r,) = [
        r for r in _match("Inclusion Criteria:\n\n* ALT ≤ 2.5 × ULN", own).criteria if r.constraint.quantity == "ALT"
    ]
    assert r.status == "met" and "your lab's upper limit of normal is 50 U/L" in r.explanation
    default = _patient(labs=[{"name": "ALT", "value": 110, "unit": "U/L"}])
    (r,) = [
        r
        for r in _match("Inclusion Criteria:\n\n* ALT ≤ 2.5 × ULN", default).criteria
        if r.constraint.quantity == "ALT"
    ]
    assert r.status == "not_met" and "usual upper limit of normal, 40 U/L" in r.explanation
    assert "(common adult reference range 7-40 U/L)" in r.explanation  # where the usual limit comes from
    with reading_in(translations("zh")):  # and in the reader's language, as the data file's words are
        (r,) = [
            r
            for r in _match("Inclusion Criteria:\n\n* ALT ≤ 2.5 × ULN", default).criteria
            if r.constraint.quantity == "ALT"
        ]
    assert "常见成人参考范围 7-40 U/L" in r.explanation and "common adult" not in r.explanation


def test_hierarchy_apl_is_aml() -> None:
    patient = _patient(conditions=[{"name": "acute promyelocytic leukemia", "status": "relapsed"}])
    m = _match("Inclusion Criteria:\n\n* Relapsed acute myeloid leukemia", patient)
    (aml,) = [r for r in m.criteria if r.constraint.concept == "acute myeloid leukemia"]
    assert aml.status == "met" and "a kind of acute myeloid leukemia" in aml.explanation


def test_time_windows_are_counted_from_as_of() -> None:
    old = _patient(treatments=[{"name": "prednisone", "date": "2026-09-01"}])
    recent = _patient(treatments=[{"name": "prednisone", "date": "2026-10-25"}])
    text = "Exclusion Criteria:\n\n* Systemic corticosteroids within 2 weeks before screening"
    assert [r.status for r in _match(text, old).criteria if r.constraint.concept == "systemic corticosteroids"] == [
        "met"
    ]
    assert [r.status for r in _match(text, recent).criteria if r.constraint.concept == "systemic corticosteroids"] == [
        "not_met"
    ]


def test_alternatives_one_met_is_enough() -> None:
    patient = _patient(
        labs=[
            {"name": "creatinine", "value": 1.9, "unit": "mg/dL", "upper_limit_normal": 1.2},
            {"name": "creatinine clearance", "value": 62, "unit": "mL/min"},
        ]
    )
    m = _match("Inclusion Criteria:\n\n* Serum creatinine ≤ 1.5 × ULN, or creatinine clearance ≥ 60 mL/min", patient)
    assert m.verdict == "eligible"


def test_text_and_record_ages_disagreeing_is_unknown_not_excluded() -> None:
    record = seed("NCT07342244")  # text: 18-75 years; record: maximum age 78
    m = _match(record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"], _patient(age_years=77), record)
    ages = [r for r in m.criteria if r.constraint.quantity == "age"]
    assert not [r for r in ages if r.status == "not_met"]
    assert any(r.status == "unknown" and "78" in r.explanation for r in ages)


def test_pregnancy_wording_either_way_and_men() -> None:
    text = (
        "Inclusion Criteria:\n\n* Negative serum pregnancy test\n\nExclusion Criteria:\n\n* Pregnant or lactating women"
    )
    assert _match(text, _patient(pregnant=True, lactating=False)).verdict == "not_eligible"
    man = _match(text, _patient(sex="male"))
    assert {r.status for r in man.criteria if r.constraint.category == "pregnancy"} == {"not_applicable"}


def test_no_criteria_text_is_never_eligible() -> None:
    m = _match("", _patient())
    assert m.verdict == "possibly_eligible" and m.unread == ["the trial's eligibility criteria"]


def test_as_of_defaults_to_today() -> None:
    assert Patient().as_of == dt.date.today()


def test_one_table_names_each_evaluator_and_what_it_reads() -> None:
    """``evaluate.reads`` is the table's: the evaluator chosen for a constraint both judges it and names the
    facets it reads. Every row of the table judges some criterion of the seed trials or their records, and
    every facet it names is one the patient's facts can be read by."""
    from trialscope.criteria.vocabulary import vocabulary
    from trialscope.matching.evaluate import EVALUATORS, evaluator_of, reads
    from trialscope.matching.facts import facet_reader
    from trialscope.matching.verdict import TrialInfo, record_checks

    vocab = vocabulary()
    used: set[str] = set()
    by_judge = {id(e): name for name, e in EVALUATORS.items()}
    for nct_id in ("NCT07144020", "NCT04599543", "NCT06125652", "NCT07342244", "NCT06585345"):
        trial = parse_study(seed(nct_id))
        text = trial.protocol_section.eligibility_module.eligibility_criteria
        limits = [k.constraint for k in record_checks(TrialInfo.from_study(trial), vocab) if k.constraint.quantity]
        constraints = [*parse_criteria(text, trial).constraints, *limits]  # the record's age limits too
        for c in constraints:
            evaluator = evaluator_of(c, vocab)
            used.add(by_judge[id(evaluator)])
            assert reads(c, vocab) == evaluator.reads(c, vocab)
            assert all(facet_reader(facet) for facet in evaluator.reads(c, vocab))
    assert set(EVALUATORS) - used == {"asked"}  # the seeds state no value trialscope only asks about


def test_a_blast_limit_reads_the_count_of_the_site_it_names() -> None:
    """A limit on peripheral blood blasts is not met by a marrow count, nor a marrow limit by a blood count;
    a limit naming both sites is met by either count and asks for the other when one falls short."""
    marrow_only = _patient(bone_marrow_blasts=[{"value": 3, "sample": "bone marrow"}])
    blood_only = _patient(bone_marrow_blasts=[{"value": 40, "sample": "peripheral blood"}])

    def result(criteria: str, patient: Patient):  # type: ignore[no-untyped-def]
        (r,) = [r for r in _match(criteria, patient).criteria if r.constraint.quantity == "bone marrow blasts"]
        return r

    blood_limit = "Inclusion Criteria:\n\n* Circulating blasts of at least 10%"
    assert result(blood_limit, marrow_only).status == "unknown"
    assert "peripheral blood blast" in (result(blood_limit, marrow_only).question or "")
    assert result(blood_limit, blood_only).status == "met"

    marrow_limit = "Inclusion Criteria:\n\n* At least 10% blasts in the marrow"
    assert result(marrow_limit, blood_only).status == "unknown"
    assert result(marrow_limit, marrow_only).status == "not_met"

    either = "Inclusion Criteria:\n\n* Marrow or blood blasts 10% or more"
    assert result(either, blood_only).status == "met"
    short = result(either, marrow_only)
    assert short.status == "unknown" and "peripheral blood" in (short.question or "")
    both_short = _patient(
        bone_marrow_blasts=[{"value": 3, "sample": "bone marrow"}, {"value": 2, "sample": "peripheral blood"}]
    )
    assert result(either, both_short).status == "not_met"


def test_a_named_drug_is_matched_through_the_drug_hierarchy() -> None:
    """Excluding one drug does not exclude every patient treated with its class; a regimen holds its drugs;
    requiring the class is met by any of its drugs."""
    exclusion = "Exclusion Criteria:\n\n* Prior treatment with clofarabine"

    def status(criteria: str, patient: Patient) -> str:
        (r,) = [r for r in _match(criteria, patient).criteria if r.constraint.kind == "concept"]
        return r.status

    assert status(exclusion, _patient(treatments=[{"name": "daunorubicin"}])) != "not_met"
    assert status(exclusion, _patient(treatments=[{"name": "clofarabine"}])) == "not_met"
    regimen = _patient(treatments=[{"name": "CLAG-M"}])
    assert status("Exclusion Criteria:\n\n* Previous cladribine", regimen) == "not_met"
    required = "Inclusion Criteria:\n\n* Previously treated with a hypomethylating agent"
    assert status(required, _patient(treatments=[{"name": "decitabine"}])) == "met"
