"""What a patient profile says, resolved once to the criteria vocabulary: diagnoses and their kinds (APL
is a kind of AML), history answered yes and no, treatments by concept with dates, antigen results, and
lab values by quantity. Matching reads these, never the raw profile."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.patients.model import LabValue, Patient


@cache
def _treatment_categories() -> dict[str, str]:
    text = resources.files("trialscope").joinpath("data/matching/treatments.json").read_text("utf-8")
    categories: dict[str, str] = json.loads(text)["categories"]
    return categories


def concepts_named(text: str, vocab: Vocabulary) -> set[str]:
    """Concept keys a free-text name mentions ('CD123 CAR-T cells' -> CAR-T cell therapy); a form's answer
    names the concept by its key."""
    found = set(_concepts_named(text, id(vocab)))
    if text in vocab.concepts:
        found.add(text)
    return found


@lru_cache(maxsize=50_000)
def _concepts_named(text: str, _vocab_id: int) -> frozenset[str]:
    return frozenset(m.key for m in vocabulary().patient_matcher.finditer(text))


@lru_cache(maxsize=50_000)
def _antigens_named(text: str) -> tuple[str, ...]:
    return tuple(m.key for m in vocabulary().antigen_matcher.finditer(text))


@lru_cache(maxsize=50_000)
def quantity_named(text: str) -> str | None:
    vocab = vocabulary()
    if text in vocab.quantities:
        return text
    named = vocab.quantity_matcher.search(text)
    return named.key if named else None


class Reading(NamedTuple):
    """A lab value or measurement as the evaluation reads it (a measurement has no upper limit of normal)."""

    name: str
    value: float
    unit: str
    upper_limit_normal: float | None
    date: dt.date | None


class Fact(NamedTuple):
    """Something the patient has (or had), with where it was said and when. (A named tuple: made, hashed and
    compared at C speed, many times per patient in a prescreen.)"""

    concept: str
    said_as: str
    date: dt.date | None = None


@dataclass(slots=True)
class PatientFacts:
    patient: Patient
    diagnoses: list[Fact] = field(default_factory=list)  # conditions and history answered yes
    statuses: set[str] = field(default_factory=set)  # disease status concepts (relapsed, refractory ...)
    denied: dict[str, str] = field(default_factory=dict)  # concept -> how the patient said no
    treatments: list[Fact] = field(default_factory=list)
    antigens: dict[str, tuple[str, str]] = field(default_factory=dict)  # antigen -> (result, as written)
    labs: dict[str, Reading] = field(default_factory=dict)  # quantity key -> the most recent value
    # diagnoses and treatments by every concept they are a kind of (built on first use, once the lists are set)
    _kinds: tuple[dict[str, tuple[Fact, ...]], dict[str, tuple[Fact, ...]]] | None = None

    def kinds_of(self, concept: str, vocab: Vocabulary, *, treatments: bool = False) -> tuple[Fact, ...]:
        """Diagnoses and history (or treatments) that are the concept or a kind of it, in the profile's order."""
        if self._kinds is None:
            indexes: tuple[dict[str, list[Fact]], dict[str, list[Fact]]] = ({}, {})
            for facts, index in ((self.diagnoses, indexes[0]), (self.treatments, indexes[1])):
                for fact in facts:
                    for kind in vocab.concept_ancestors(fact.concept):
                        index.setdefault(kind, []).append(fact)
            self._kinds = ({k: tuple(v) for k, v in indexes[0].items()}, {k: tuple(v) for k, v in indexes[1].items()})
        return self._kinds[treatments].get(concept, ())

    def has(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        """Diagnoses or history that are the concept or a kind of it."""
        return list(self.kinds_of(concept, vocab))

    def received(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        return list(self.kinds_of(concept, vocab, treatments=True))

    def denies(self, concept: str, vocab: Vocabulary) -> str | None:
        """How the patient said no to this concept or to a broader one ('no CNS disease' denies epilepsy)."""
        if not self.denied:
            return None
        denied = [k for k in vocab.concept_ancestors(concept) if k in self.denied]
        if len(denied) > 1:  # the first the patient said no to
            order = {k: i for i, k in enumerate(self.denied)}
            denied.sort(key=order.__getitem__)
        return self.denied[denied[0]] if denied else None


@lru_cache(maxsize=50_000)
def _named(text: str, _vocab_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The concepts a name mentions, sorted: (diagnoses and other concepts, disease statuses)."""
    vocab = vocabulary()
    keys = sorted(concepts_named(text, vocab))
    statuses = tuple(k for k in keys if vocab.concepts[k].category == "disease_status")
    return tuple(k for k in keys if k not in statuses), statuses


@lru_cache(maxsize=50_000)
def _therapies_named(name: str, category: str | None, _vocab_id: int) -> tuple[str, ...]:
    """The prior-therapy concepts a treatment's name and category give, sorted."""
    vocab = vocabulary()
    keys = concepts_named(name, vocab)
    from_category = _treatment_categories().get((category or "").strip().lower())
    if from_category:
        keys.add(from_category)
    return tuple(sorted(k for k in keys if vocab.concepts[k].category == "prior_therapy"))


def patient_facts(patient: Patient, vocab: Vocabulary | None = None) -> PatientFacts:
    vocab = vocab or vocabulary()
    v = id(vocab)
    facts = PatientFacts(patient)
    for condition in patient.conditions:
        named, statuses = _named(condition.name, v)
        for key in sorted({*named, *_named(condition.subtype or "", v)[0]}):
            facts.diagnoses.append(Fact(key, condition.name, condition.date))
        facts.statuses.update(statuses)
        if condition.status:
            facts.statuses.update(_named(condition.status, v)[1])
    for item in patient.history:
        named, statuses = _named(item.name, v)
        for key in sorted({*named, *statuses}):
            if item.present:
                facts.diagnoses.append(Fact(key, item.name, item.date))
            else:
                facts.denied.setdefault(key, item.name)
    for treatment in patient.treatments:
        for key in _therapies_named(treatment.name, treatment.category, v):
            facts.treatments.append(Fact(key, treatment.name, treatment.end_date or treatment.date))
    for marker in patient.biomarkers:
        for antigen in _antigens_named(marker.name):
            facts.antigens[antigen] = (marker.result, marker.name)
    for source in (patient.labs, patient.measurements):
        for value in source:
            quantity_key = quantity_named(value.name)
            if quantity_key is None:
                continue
            previous = facts.labs.get(quantity_key)
            if previous is None or (value.date or dt.date.min) >= (previous.date or dt.date.min):
                uln = value.upper_limit_normal if isinstance(value, LabValue) else None
                facts.labs[quantity_key] = Reading(value.name, value.value, value.unit, uln, value.date)
    return facts


# --- facets: the parts of a patient's facts one evaluation reads ------------------------------------------
# A facet is (kind, argument): ("lab", "creatinine"), ("antigen", "CD117"), ("had", "epilepsy"). Its value
# compares equal exactly when that part of two patients' facts is equal, so a screen of many patients can
# keep each criterion's answer by the values of the facets it reads (``evaluate.reads``) and evaluate it
# once per distinct value rather than once per patient.
Facet = tuple[str, str]
STATUS: Facet = ("status", "")  # the disease status concepts
DIAGNOSES: Facet = ("diagnoses", "")  # the primary diagnoses (AML, B-ALL ...)


def _dated(found: tuple[Fact, ...], facts: PatientFacts) -> Hashable:
    """Facts found for a concept, with the day the profile speaks of when a window could count them."""
    return (found, facts.patient.as_of) if found and any(f.date for f in found) else found


@cache
def _is_primary(concept: str) -> bool:
    known = vocabulary().concepts.get(concept)
    return known is not None and known.primary_diagnosis


def _had_facet(facts: PatientFacts, concept: str) -> Hashable:
    """What a criterion on a diagnosis or history concept reads: the facts of that kind, a denial of it, and
    (for a primary diagnosis) the patient's other primary diagnoses."""
    vocab = vocabulary()
    others = _primary_diagnoses(facts) if _is_primary(concept) else None
    return (_dated(facts.kinds_of(concept, vocab), facts), facts.denies(concept, vocab), others)


def _treated_facet(facts: PatientFacts, concept: str) -> Hashable:
    vocab = vocabulary()
    return (_dated(facts.kinds_of(concept, vocab, treatments=True), facts), facts.denies(concept, vocab))


def _primary_diagnoses(facts: PatientFacts, _: str = "") -> Hashable:
    return tuple(f for f in facts.diagnoses if _is_primary(f.concept))


def _lab_facet(facts: PatientFacts, quantity: str) -> Hashable:
    lab = facts.labs.get(quantity)
    return None if lab is None else (lab.value, lab.unit, lab.upper_limit_normal)


def _performance_facet(facts: PatientFacts, _: str) -> Hashable:
    status = facts.patient.performance_status
    return None if status is None else (status.scale, status.value)


def _blasts_facet(facts: PatientFacts, _: str) -> Hashable:
    return tuple((b.value, b.method) for b in facts.patient.bone_marrow_blasts)


def _pregnancy_facet(facts: PatientFacts, _: str) -> Hashable:
    patient = facts.patient
    return (patient.sex, patient.pregnant, patient.lactating)


_FACETS: dict[str, Callable[[PatientFacts, str], Hashable]] = {
    "age": lambda facts, _: facts.patient.age,
    "life_expectancy": lambda facts, _: facts.patient.life_expectancy_months,
    "performance": _performance_facet,
    "blasts": _blasts_facet,
    "lab": _lab_facet,
    "antigen": lambda facts, antigen: facts.antigens.get(antigen),
    "pregnancy": _pregnancy_facet,
    "sex": lambda facts, _: facts.patient.sex,
    "had": _had_facet,
    "treated": _treated_facet,
    "denied": lambda facts, concept: facts.denies(concept, vocabulary()),
    "status": lambda facts, _: tuple(sorted(facts.statuses)),
    "diagnoses": _primary_diagnoses,
}


def facet_reader(facet: Facet) -> tuple[Callable[[PatientFacts, str], Hashable], str]:
    """The function that reads a facet and its argument: ``function(facts, argument)`` is its value."""
    kind, argument = facet
    return _FACETS[kind], argument


def facet_value(facts: PatientFacts, facet: Facet) -> Hashable:
    """The value of one facet of the patient's facts (see above)."""
    read, argument = facet_reader(facet)
    return read(facts, argument)
