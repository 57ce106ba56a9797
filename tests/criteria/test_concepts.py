"""Concepts: polarity, negation scope, exceptions, time windows, antigens, implicit targets."""

from __future__ import annotations

from tests.factories import seed, study
from trialscope.criteria import parse_criteria
from trialscope.criteria.model import Constraint
from trialscope.criteria.targets import targets_in_text, trial_targets
from trialscope.criteria.vocabulary import vocabulary
from trialscope.model.study import parse_study


def _concepts(text: str) -> list[Constraint]:
    return [c for c in parse_criteria(text).constraints if c.kind in ("concept", "administrative")]


def test_negation_in_inclusion_excludes() -> None:
    found = {
        (c.concept, c.polarity)
        for c in _concepts("Inclusion Criteria:\n\n* No obvious active infection or graft-versus-host disease")
    }
    assert found == {("active infection", "exclude"), ("graft-versus-host disease", "exclude")}


def test_negation_in_exclusion_requires() -> None:
    text = "Exclusion Criteria:\n\n* Subjects who do not consent to effective contraception"
    assert [(c.concept, c.polarity) for c in _concepts(text)] == [("contraception", "include")]


def test_exceptions_are_kept_not_excluded() -> None:
    text = "Exclusion Criteria:\n\n* Previous organ transplantation (except hematopoietic stem cell transplantation)."
    (transplant,) = _concepts(text)
    assert transplant.concept == "organ transplant" and transplant.polarity == "exclude"
    assert transplant.exceptions == ["hematopoietic stem cell transplantation"]


def test_time_windows_with_anchor_events_cover_a_list() -> None:
    text = (
        "Exclusion Criteria:\n\n* Receipt of corticosteroids or immunosuppressive drugs within 2 weeks "
        "prior to planned blood collection for CAR-T manufacturing"
    )
    concepts = {c.concept: c for c in _concepts(text)}
    assert set(concepts) == {"corticosteroids", "immunosuppressants"}  # not a prior CAR-T
    for concept in concepts.values():
        assert concept.within is not None and (concept.within.value, concept.within.unit) == (2, "weeks")
        assert concept.within.anchor == "apheresis"


def test_antigen_needs_a_positivity_cue() -> None:
    assert [
        (c.concept, c.polarity) for c in _concepts("Inclusion Criteria:\n\n* CD123+ AML") if c.category == "biomarker"
    ] == [("CD123", "include")]
    assert not [
        c
        for c in _concepts("Exclusion Criteria:\n\n* Proliferation < 5 times after CD3/CD28 stimulation")
        if c.category == "biomarker"
    ]


def test_administrative_items_are_not_patient_evaluable() -> None:
    (consent,) = _concepts("Inclusion Criteria:\n\n* Provision of written informed consent")
    assert consent.kind == "administrative" and not consent.evaluable


def test_unparsed_items_are_kept_with_a_reason() -> None:
    parsed = parse_criteria("Inclusion Criteria:\n\n* Able to swallow tablets whole")
    (item,) = parsed.constraints
    assert item.kind == "unparsed" and item.reason and item.text == "Able to swallow tablets whole"


def test_definitions_of_disease_status_are_marked() -> None:
    parsed = parse_criteria(seed("NCT07144020")["protocolSection"]["eligibilityModule"]["eligibilityCriteria"])
    relapses = [c for c in parsed.constraints if c.quantity == "number of relapses"]
    assert relapses and all(c.definitional for c in relapses)
    assert not any(c.definitional for c in parsed.constraints if c.quantity == "LVEF")


def test_implicit_target_antigen_from_the_therapy() -> None:
    record = seed("NCT06585345")
    parsed = parse_criteria(record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"], parse_study(record))
    implied = [c for c in parsed.constraints if c.implicit]
    assert [(c.category, c.concept, c.polarity) for c in implied] == [("biomarker", "CD7", "include")]
    stated = seed("NCT07342244")  # the CLL1 trial states its target: no implicit duplicate
    parsed = parse_criteria(stated["protocolSection"]["eligibilityModule"]["eligibilityCriteria"], parse_study(stated))
    assert not [c for c in parsed.constraints if c.implicit]


def test_targets_including_ligand_binders() -> None:
    assert trial_targets(parse_study(seed("NCT04599543"))) == ["CD123"]  # IL3 CAR-T binds CD123
    assert targets_in_text("anti Tim-3/CD123 CAR-T cell therapy") == ["TIM-3", "CD123"]
    assert targets_in_text("CD123 expression study") == []  # no targeting cue


def test_text_and_record_disagreement_is_noted() -> None:
    record = seed("NCT07342244")
    parsed = parse_criteria(record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"], parse_study(record))
    assert any("age <= 75" in note and "78 Years" in note for note in parsed.notes)
    assert parse_criteria("Inclusion Criteria:\n\n* Age ≥ 18", parse_study(study())).notes == []


def test_concept_hierarchy() -> None:
    vocab = vocabulary()
    assert "acute myeloid leukemia" in vocab.concept_ancestors("acute promyelocytic leukemia")
    assert "genetically modified T cell therapy" in vocab.concept_ancestors("CAR-T cell therapy")


def test_a_disease_named_as_the_cause_of_an_organs_involvement_is_not_a_second_diagnosis() -> None:
    """ "the brain involved by the lymphoma": the involvement is excluded, not every patient with lymphoma."""
    for text in (
        "Exclusion Criteria:\n\n* Central nervous system involvement with leukemia",
        "Exclusion Criteria:\n\n* Known CNS involvement by the malignancy",
    ):
        assert {c.concept for c in _concepts(text)} == {"CNS involvement"}, text


def test_a_named_drug_is_a_kind_of_its_class_never_the_whole_class() -> None:
    """ "prior cladribine or clofarabine chemotherapy": those drugs, with the window after them, not every
    chemotherapy; a class with drugs as its examples stays the class."""
    text = "Exclusion Criteria:\n\n* Received clofarabine or cladribine chemotherapy in the past 6 months"
    found = {(c.concept, c.within.value if c.within else None) for c in _concepts(text)}
    assert found == {("clofarabine", 6.0), ("cladribine", 6.0)}
    examples = _concepts("Exclusion Criteria:\n\n* Ongoing immunosuppressive therapy such as sirolimus or tacrolimus")
    assert [c.concept for c in examples] == ["immunosuppressants"]
    vocab = vocabulary()
    assert {"purine analogue", "chemotherapy"} <= vocab.concept_ancestors("clofarabine")
    assert {"cladribine", "cytarabine", "mitoxantrone"} <= vocab.concept_ancestors("CLAG-M")
