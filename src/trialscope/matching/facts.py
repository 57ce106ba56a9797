"""What a patient profile says, resolved once to the criteria vocabulary: diagnoses and their kinds (APL
is a kind of AML), history answered yes and no, treatments by concept with dates, antigen results, and
lab values by quantity. Matching reads these, never the raw profile."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.patients.model import LabValue, Patient


@cache
def _treatment_categories() -> dict[str, str]:
    text = resources.files("trialscope").joinpath("data/matching/treatments.json").read_text("utf-8")
    categories: dict[str, str] = json.loads(text)["categories"]
    return categories


def concepts_named(text: str, vocab: Vocabulary) -> set[str]:
    """Concept keys a free-text name mentions ('CD123 CAR-T cells' -> CAR-T cell therapy)."""
    return {m.key for m in vocab.concept_matcher.finditer(text)}


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
    keys = {k for k in found if vocab.concepts[k].category == "disease_status"}
    if keys & {"relapsed", "refractory"}:
        keys.add("relapsed or refractory")
    return keys


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
        for match in vocab.antigen_matcher.finditer(marker.name):
            facts.antigens[match.key] = (marker.result, marker.name)
    readings: list[LabValue] = [
        *patient.labs,
        *(LabValue(name=m.name, value=m.value, unit=m.unit, date=m.date) for m in patient.measurements),
    ]
    for value in readings:
        named = vocab.quantity_matcher.search(value.name)
        quantity_key = value.name if value.name in vocab.quantities else (named.key if named else None)
        if quantity_key is None:
            continue
        previous = facts.labs.get(quantity_key)
        if previous is None or (value.date or dt.date.min) >= (previous.date or dt.date.min):
            facts.labs[quantity_key] = value
    return facts
