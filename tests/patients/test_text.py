"""Free-text patients: the issue's example, the gold summaries, and the TREC descriptions (age and sex)."""

from __future__ import annotations

import json

from tests.conftest import FIXTURES
from trialscope.patients.text import patient_from_text

EXAMPLE = (
    "58-year-old woman with relapsed AML after two inductions, CD123+ by flow, bilirubin 1.1 mg/dL, ECOG 1, "
    "no prior CAR-T"
)


def test_the_issue_example() -> None:
    p = patient_from_text(EXAMPLE)
    assert (p.age_years, p.sex) == (58, "female")
    assert [(c.name, c.status) for c in p.conditions] == [("AML", "relapsed")]
    assert [(b.name, b.result) for b in p.biomarkers] == [("CD123", "positive")]
    assert [(lab.name, lab.value, lab.unit) for lab in p.labs] == [("total bilirubin", 1.1, "mg/dL")]
    assert p.performance_status is not None and p.performance_status.value == 1
    assert [(h.name, h.present) for h in p.history] == [("CAR-T", False)]  # an explicit no, not silence


def test_values_units_and_dates() -> None:
    p = patient_from_text(
        "Total bilirubin 2.4 mg/dL (upper limit of normal 1.2). ALT 30, AST 28 U/L. "
        "Received CD123 CAR-T cells in June 2025. CD117-negative, CD7-."
    )
    labs = {lab.name: (lab.value, lab.unit, lab.upper_limit_normal) for lab in p.labs}
    assert labs == {"total bilirubin": (2.4, "mg/dL", 1.2), "ALT": (30, "U/L", None), "AST": (28, "U/L", None)}
    assert [(t.name, str(t.date)) for t in p.treatments] == [("CAR-T cells", "2025-06-01")]
    assert {(b.name, b.result) for b in p.biomarkers} == {("CD117", "negative"), ("CD7", "negative")}


def test_trec_descriptions_age_and_sex() -> None:
    rows = [
        json.loads(line)
        for path in sorted((FIXTURES / "patient-descriptions").rglob("queries.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]
    assert len(rows) == 125
    found = [patient_from_text(r["text"]) for r in rows]
    assert sum(p.age_years is not None for p in found) == 125
    assert sum(p.sex is not None for p in found) == 125
    by_id = {r["_id"]: p for r, p in zip(rows, found, strict=True)}
    assert (by_id["trec-20211"].age_years, by_id["trec-20211"].sex) == (45, "male")
    infants = [p.age_years for p in found if p.age_years is not None and p.age_years < 1]
    assert infants and all(a > 0 for a in infants)


def test_a_result_written_onto_its_marker_keeps_its_sign() -> None:
    patient = patient_from_text("Flow cytometry: CD22-positive and CD20 negative lymphoblasts.")
    results = {b.name: b.result for b in patient.biomarkers}
    assert results["CD22"] == "positive"
    assert results.get("CD20") in (None, "negative")


def test_a_status_word_that_labels_a_measure_or_names_a_nerve_is_no_disease_status() -> None:
    p = patient_from_text("Exam: pulse 88, RR 20 breaths per minute. Hoarse since the recurrent laryngeal nerve palsy.")
    assert not [c for c in p.conditions if c.status]
    relapsed = patient_from_text("Woman of 50 with AML, now relapsed; RR: 16")
    assert [(c.name, c.status) for c in relapsed.conditions] == [("AML", "relapsed")]
