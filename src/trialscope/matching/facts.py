"""What a patient profile says, resolved once to the criteria vocabulary: diagnoses and their kinds (APL
is a kind of AML), history answered yes and no, treatments by concept with dates, antigen results, and
lab values by quantity. Matching reads these, never the raw profile."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

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


@dataclass(frozen=True, slots=True)
class Fact:
    """Something the patient has (or had), with where it was said and when."""

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
    labs: dict[str, LabValue] = field(default_factory=dict)  # quantity key -> the most recent value

    def has(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        """Diagnoses or history that are the concept or a kind of it."""
        return [f for f in self.diagnoses if concept in vocab.concept_ancestors(f.concept)]

    def received(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        return [f for f in self.treatments if concept in vocab.concept_ancestors(f.concept)]

    def denies(self, concept: str, vocab: Vocabulary) -> str | None:
        """How the patient said no to this concept or to a broader one ('no CNS disease' denies epilepsy)."""
        for denied, said_as in self.denied.items():
            if denied in vocab.concept_ancestors(concept):
                return said_as
        return None


def _status_concepts(status: str | None, vocab: Vocabulary) -> set[str]:
    if not status:
        return set()
    found = concepts_named(status, vocab)
    return {k for k in found if vocab.concepts[k].category == "disease_status"}


def patient_facts(patient: Patient, vocab: Vocabulary | None = None) -> PatientFacts:
    vocab = vocab or vocabulary()
    facts = PatientFacts(patient)
    for condition in patient.conditions:
        for key in concepts_named(condition.name, vocab) | concepts_named(condition.subtype or "", vocab):
            if vocab.concepts[key].category != "disease_status":
                facts.diagnoses.append(Fact(key, condition.name, condition.date))
        facts.statuses |= _status_concepts(condition.status, vocab) | _status_concepts(condition.name, vocab)
    for item in patient.history:
        keys = concepts_named(item.name, vocab)
        for key in keys:
            if item.present:
                facts.diagnoses.append(Fact(key, item.name, item.date))
            else:
                facts.denied.setdefault(key, item.name)
    categories = _treatment_categories()
    for treatment in patient.treatments:
        keys = concepts_named(treatment.name, vocab)
        category = categories.get((treatment.category or "").strip().lower())
        if category:
            keys.add(category)
        for key in keys:
            if vocab.concepts[key].category == "prior_therapy":
                facts.treatments.append(Fact(key, treatment.name, treatment.end_date or treatment.date))
    for marker in patient.biomarkers:
        for antigen in _antigens_named(marker.name):
            facts.antigens[antigen] = (marker.result, marker.name)
    readings: list[LabValue] = [
        *patient.labs,
        *(LabValue(name=m.name, value=m.value, unit=m.unit, date=m.date) for m in patient.measurements),
    ]
    for value in readings:
        quantity_key = quantity_named(value.name)
        if quantity_key is None:
            continue
        previous = facts.labs.get(quantity_key)
        if previous is None or (value.date or dt.date.min) >= (previous.date or dt.date.min):
            facts.labs[quantity_key] = value
    return facts
