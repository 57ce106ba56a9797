"""Constructions a clinician reads without thinking, pinned on the registry's own text (the seed trials)."""

from __future__ import annotations

import json
from pathlib import Path

from trialscope.criteria import parse_criteria
from trialscope.criteria.model import Constraint

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seed-trials"


def _parsed(nct_id: str) -> list[Constraint]:
    record = json.loads((SEEDS / f"{nct_id}.json").read_text())
    return parse_criteria(record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]).constraints


def test_examples_are_exclusions_not_exceptions() -> None:
    """'severe cardiac disease, including but not limited to severe arrhythmia ...': the examples are
    excluded too, and 'not limited' negates nothing."""
    found = {(c.concept, c.polarity) for c in _parsed("NCT07342244") if c.kind == "concept" and not c.definitional}
    assert ("arrhythmia", "exclude") in found and ("unstable angina", "exclude") in found
    assert ("arrhythmia", "include") not in found and ("hypertension", "include") not in found


def test_a_definition_inside_a_criterion_is_definitional() -> None:
    constraints = _parsed("NCT07342244")
    drugs = [c for c in constraints if c.quantity == "number of antihypertensive drugs"]
    assert drugs and all(c.definitional for c in drugs)
    symptoms = [c for c in constraints if c.concept == "arrhythmia" and c.start and "manifestations" in c.text]
    allergy_symptoms = [c for c in constraints if c.concept == "arrhythmia" and c.definitional]
    assert not symptoms and allergy_symptoms  # the allergy's symptom list explains, it does not exclude


def test_a_heading_line_is_not_a_criterion() -> None:
    unread = [c.text for c in _parsed("NCT04599543") if c.kind == "unparsed"]
    assert not any("any of the following" in t for t in unread)


def test_washout_with_exception_is_not_a_requirement() -> None:
    constraints = [c for c in _parsed("NCT06585345") if c.category == "prior_therapy"]
    checkpoint = [c for c in constraints if c.concept == "immune checkpoint inhibitor"]
    assert checkpoint and all(c.polarity == "exclude" for c in checkpoint)
    systemic = [c for c in constraints if c.concept == "anticancer therapy"]
    assert systemic and systemic[0].polarity == "exclude" and systemic[0].within is not None
    assert systemic[0].within.value == 2 and systemic[0].within.unit == "weeks"
    assert any("checkpoint" in e for e in systemic[0].exceptions)


def test_qualified_diagnosis_is_not_the_diagnosis() -> None:
    assert not [c for c in _parsed("NCT06585345") if c.concept == "lymphoma"]


def test_main_inclusion_with_listed_cases_is_a_requirement() -> None:
    constraints = _parsed("NCT06585345")
    leukemia = [c for c in constraints if c.concept == "acute leukemia"]
    assert leukemia and not leukemia[0].definitional and leukemia[0].polarity == "include"
    statuses = {c.concept for c in constraints if c.category == "disease_status" and not c.definitional}
    assert {"refractory", "relapsed"} <= statuses  # its cases name relapse too: either is accepted


def test_one_concept_once_per_criterion() -> None:
    constraints = _parsed("NCT06585345")
    items = {c.item for c in constraints if c.concept == "hepatitis B"}
    for item in items:
        assert (
            len([c for c in constraints if c.item == item and c.concept == "hepatitis B" and not c.definitional]) == 1
        )
    assert not [c for c in constraints if c.concept == "active infection" and c.text.strip() == "infection"]


def test_count_of_prior_therapy_names_the_therapy() -> None:
    (count,) = [c for c in _parsed("NCT07342244") if c.quantity == "treatment courses"]
    assert count.concept == "chemotherapy" and count.comparator == ">=" and count.value == 1
