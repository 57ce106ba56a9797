"""What a patient profile says, resolved once to the criteria vocabulary: diagnoses and their kinds (APL
is a kind of AML), history answered yes and no, treatments by concept with dates, antigen results, and
lab values by quantity. Matching reads these, never the raw profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import ClassVar, NamedTuple

from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.patients.model import LabValue, Patient
from trialscope.reviewed_data import ReviewedFile, read_reviewed


class _Treatments(ReviewedFile):
    """data/matching/treatments.json: a profile's treatment category -> the concept it names."""

    FILE: ClassVar[str] = "data/matching/treatments.json"
    categories: dict[str, str]


@cache
def _treatment_categories() -> dict[str, str]:
    return dict(read_reviewed(_Treatments).categories)


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


# A facet is (kind, argument): ("lab", "creatinine"), ("antigen", "CD117"), ("had", "epilepsy"); see below.
Facet = tuple[str, str]
STATUS: Facet = ("status", "")  # the disease status concepts
DIAGNOSES: Facet = ("diagnoses", "")  # the primary diagnoses (AML, B-ALL ...)


class Reading(NamedTuple):
    """A lab value or measurement as the evaluation reads it (a measurement has no upper limit of normal)."""

    name: str
    value: float
    unit: str
    upper_limit_normal: float | None
    date: dt.date | None
    certain: bool = True


class Fact(NamedTuple):
    """Something the patient has (or had), with where it was said and when. (A named tuple: made, hashed and
    compared at C speed, many times per patient in a prescreen.)

    ``current``: True when it holds now (a diagnosis, an ongoing treatment, "active"), False when it is over
    (resolved, a treatment that ended), None when the patient said only that they had it ("ever").
    ``certain``: False when read from a sentence of a description that was not read whole: such a fact may
    raise a question but never decides a criterion."""

    concept: str
    said_as: str
    date: dt.date | None = None
    current: bool | None = True
    certain: bool = True


@dataclass(slots=True)
class PatientFacts:
    patient: Patient
    diagnoses: list[Fact] = field(default_factory=list)  # conditions and history answered yes
    statuses: set[str] = field(default_factory=set)  # disease status concepts (relapsed, refractory ...)
    denied: dict[str, str] = field(default_factory=dict)  # concept -> how the patient said no (never had it)
    denied_now: dict[str, str] = field(default_factory=dict)  # concept -> a no to having it now (not "ever")
    denied_within: dict[str, tuple[float, str]] = field(default_factory=dict)  # a no to "in the last N days"
    # facets read from sentences of a description that were not read whole ("lab creatinine", "status"):
    # such a facet may raise a question but never decides a criterion
    uncertain: set[Facet] = field(default_factory=set)
    treatments: list[Fact] = field(default_factory=list)
    antigens: dict[str, tuple[str, str]] = field(default_factory=dict)  # antigen -> (result, as written)
    labs: dict[str, Reading] = field(default_factory=dict)  # quantity key -> the most recent value
    # diagnoses and treatments by every concept they are a kind of (built on first use, once the lists are set;
    # each list is made a tuple when it is first read: a screen reads a few of the many kinds)
    _kinds: tuple[dict[str, list[Fact] | tuple[Fact, ...]], dict[str, list[Fact] | tuple[Fact, ...]]] | None = None
    _primaries: tuple[Fact, ...] | None = None  # the primary diagnoses among ``diagnoses`` (built on first use)

    def kinds_of(self, concept: str, vocab: Vocabulary, *, treatments: bool = False) -> tuple[Fact, ...]:
        """Diagnoses and history (or treatments) that are the concept or a kind of it, in the profile's order."""
        kinds = self._kinds
        if kinds is None:
            kinds = self._kinds = ({}, {})
            ancestors = vocab.concept_ancestors
            for facts, index in ((self.diagnoses, kinds[0]), (self.treatments, kinds[1])):
                for fact in facts:
                    for kind in ancestors(fact.concept):
                        found = index.get(kind)
                        if found is None:
                            index[kind] = [fact]
                        else:
                            found.append(fact)  # type: ignore[union-attr]  # lists until read
        index = kinds[treatments]
        found = index.get(concept)
        if found is None:
            return ()
        if type(found) is list:
            found = index[concept] = tuple(found)
        return found  # type: ignore[return-value]

    def has(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        """Diagnoses or history that are the concept or a kind of it."""
        return list(self.kinds_of(concept, vocab))

    def received(self, concept: str, vocab: Vocabulary) -> list[Fact]:
        return list(self.kinds_of(concept, vocab, treatments=True))

    def denies(self, concept: str, vocab: Vocabulary) -> str | None:
        """How the patient said no to this concept or to a broader one ('no CNS disease' denies epilepsy)."""
        return _denial(self.denied, concept, vocab)

    def doubts(self, facet: Facet, vocab: Vocabulary) -> bool:
        """Whether what a facet reads was taken from a sentence of a description that was not read whole (it
        may raise a question, never decide a criterion)."""
        kind, argument = facet
        if kind == "lab":
            lab = self.labs.get(argument)
            return lab is not None and not lab.certain
        if kind in ("had", "treated", "denied"):
            ancestors = vocab.concept_ancestors(argument)
            if any(("denied", k) in self.uncertain for k in ancestors):
                return True
            if kind == "denied":
                return False
            return any(not f.certain for f in self.kinds_of(argument, vocab, treatments=kind == "treated"))
        if kind == "diagnoses":
            return any(not f.certain for f in self.diagnoses)
        return facet in self.uncertain

    def denies_now(self, concept: str, vocab: Vocabulary) -> str | None:
        """How the patient said they do not have this (or a broader) concept now: a "no" to a question about
        the present, or a full denial."""
        return self.denies(concept, vocab) or _denial(self.denied_now, concept, vocab)

    def denies_within(self, concept: str, days: float, vocab: Vocabulary) -> str | None:
        """How the patient said no to this (or a broader) concept in the last ``days`` days or longer, or a
        full denial."""
        full = self.denies(concept, vocab)
        if full is not None:
            return full
        for kind in vocab.concept_ancestors(concept):
            said = self.denied_within.get(kind)
            if said is not None and said[0] >= days - 1e-9:
                return said[1]
        return None


def _denial(denied: dict[str, str], concept: str, vocab: Vocabulary) -> str | None:
    if not denied:
        return None
    found = denied.keys() & vocab.concept_ancestors(concept)
    if not found:
        return None
    if len(found) > 1:  # the first the patient said no to
        order = {k: i for i, k in enumerate(denied)}
        return denied[min(found, key=order.__getitem__)]
    return denied[found.pop()]


@lru_cache(maxsize=50_000)
def _named(text: str, _vocab_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The concepts a name mentions, sorted: (diagnoses and other concepts, disease statuses)."""
    vocab = vocabulary()
    keys = sorted(concepts_named(text, vocab))
    statuses = tuple(k for k in keys if vocab.concepts[k].category == "disease_status")
    return tuple(k for k in keys if k not in statuses), statuses


@lru_cache(maxsize=50_000)
def _history_named(text: str, _vocab_id: int) -> tuple[str, ...]:
    """The concepts a history item's name mentions, statuses among them, sorted."""
    named, statuses = _named(text, _vocab_id)
    return tuple(sorted({*named, *statuses}))


_TIMING: dict[str, bool | None] = {"current": True, "past": False, "ever": None}  # a "yes": holds now?


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
            facts.diagnoses.append(Fact(key, condition.name, condition.date, True, condition.certain))
        facts.statuses.update(statuses)
        if condition.status:
            facts.statuses.update(_named(condition.status, v)[1])
        if not condition.certain and (statuses or condition.status):
            facts.uncertain.add(STATUS)
    for item in patient.history:
        for key in _history_named(item.name, v):
            if item.present:
                current = _TIMING.get(item.timing or "current")
                facts.diagnoses.append(Fact(key, item.name, item.date, current, item.certain))
            else:
                if item.within_days is not None:
                    facts.denied_within.setdefault(key, (item.within_days, item.name))
                elif item.timing == "current":
                    facts.denied_now.setdefault(key, item.name)
                else:
                    facts.denied.setdefault(key, item.name)
                if not item.certain:
                    facts.uncertain.add(("denied", key))
    for treatment in patient.treatments:
        ended = treatment.end_date is not None and treatment.end_date <= patient.as_of
        current = treatment.ongoing if treatment.ongoing is not None else (False if ended else None)
        for key in _therapies_named(treatment.name, treatment.category, v):
            date = treatment.end_date or treatment.date
            if treatment.ongoing:
                date = patient.as_of  # still being taken: its last dose is today
            facts.treatments.append(Fact(key, treatment.name, date, current, treatment.certain))
    for marker in patient.biomarkers:
        for antigen in _antigens_named(marker.name):
            facts.antigens[antigen] = (marker.result, marker.name)
            if not marker.certain:
                facts.uncertain.add(("antigen", antigen))
    for source in (patient.labs, patient.measurements):
        for value in source:
            quantity_key = quantity_named(value.name)
            if quantity_key is None:
                continue
            previous = facts.labs.get(quantity_key)
            if previous is None or (value.date or dt.date.min) >= (previous.date or dt.date.min):
                uln = value.upper_limit_normal if isinstance(value, LabValue) else None
                reading = Reading(value.name, value.value, value.unit, uln, value.date, value.certain)
                facts.labs[quantity_key] = reading
    for label in patient.uncertain:
        if label in _UNCERTAIN_FIELDS:
            facts.uncertain.add(_UNCERTAIN_FIELDS[label])
    if patient.performance_status is not None and not patient.performance_status.certain:
        facts.uncertain.add(("performance", ""))
    if any(not b.certain for b in patient.bone_marrow_blasts):
        facts.uncertain.add(("blasts", ""))
    return facts


# the top-level fields of a profile and the facets they are read as
_UNCERTAIN_FIELDS: dict[str, Facet] = {
    "age_years": ("age", ""),
    "birth_date": ("age", ""),
    "sex": ("sex", ""),
    "pregnant": ("pregnancy", ""),
    "lactating": ("pregnancy", ""),
    "life_expectancy_months": ("life_expectancy", ""),
}


# --- facets: the parts of a patient's facts one evaluation reads ------------------------------------------
# A facet is (kind, argument): ("lab", "creatinine"), ("antigen", "CD117"), ("had", "epilepsy"). Its value
# compares equal exactly when that part of two patients' facts is equal, so a screen of many patients can
# keep each criterion's answer by the values of the facets it reads (``evaluate.reads``) and evaluate it
# once per distinct value rather than once per patient.


def _dated(found: tuple[Fact, ...], facts: PatientFacts) -> Hashable:
    """Facts found for a concept, with the day the profile speaks of when a window could count them."""
    return (found, facts.patient.as_of) if found and any(f.date for f in found) else found


@cache
def _is_primary(concept: str) -> bool:
    known = vocabulary().concepts.get(concept)
    return known is not None and known.primary_diagnosis


def _denials(facts: PatientFacts, concept: str) -> Hashable:
    """Every way the patient said no to a concept (ever, now, in the last days), and whether it was said
    surely."""
    return _denials_of(facts, concept, vocabulary().concept_ancestors(concept))


def _denials_of(facts: PatientFacts, concept: str, ancestors: frozenset[str]) -> Hashable:
    """``_denials`` with the concept's ancestors already found (a screen finds them once per trial)."""
    denied, denied_now = facts.denied, facts.denied_now
    full = _denied_as(denied, ancestors) if denied else None  # facts.denies and facts.denies_now, each said once
    now = full or (_denied_as(denied_now, ancestors) if denied_now else None)
    within: Hashable = ()
    if facts.denied_within:
        within = tuple(sorted((k, v) for k, v in facts.denied_within.items() if k in ancestors))
    unsure = tuple(sorted(k for kind, k in facts.uncertain if kind == "denied")) if facts.uncertain else ()
    return (full, now, within, unsure)


def _denied_as(denied: dict[str, str], ancestors: frozenset[str]) -> str | None:
    """``_denial`` with the concept's ancestors already found."""
    found = denied.keys() & ancestors
    if not found:
        return None
    if len(found) > 1:  # the first the patient said no to
        order = {k: i for i, k in enumerate(denied)}
        return denied[min(found, key=order.__getitem__)]
    return denied[found.pop()]


def _had_facet(facts: PatientFacts, concept: str) -> Hashable:
    """What a criterion on a diagnosis or history concept reads: the facts of that kind, a denial of it, and
    (for a primary diagnosis) the patient's other primary diagnoses."""
    return _had_reader(concept)(facts, concept)


def _treated_facet(facts: PatientFacts, concept: str) -> Hashable:
    return _treated_reader(concept)(facts, concept)


def _had_reader(concept: str) -> Callable[[PatientFacts, str], Hashable]:
    """``_had_facet`` for one concept, with what the vocabulary says of it found once."""
    vocab = vocabulary()
    ancestors = vocab.concept_ancestors(concept)
    primary = _is_primary(concept)

    def read(facts: PatientFacts, _concept: str) -> Hashable:
        others = _primary_diagnoses(facts) if primary else None
        return (_dated(facts.kinds_of(concept, vocab), facts), _denials_of(facts, concept, ancestors), others)

    return read


def _treated_reader(concept: str) -> Callable[[PatientFacts, str], Hashable]:
    """``_treated_facet`` for one concept, with its ancestors found once."""
    vocab = vocabulary()
    ancestors = vocab.concept_ancestors(concept)

    def read(facts: PatientFacts, _concept: str) -> Hashable:
        return (_dated(facts.kinds_of(concept, vocab, treatments=True), facts), _denials_of(facts, concept, ancestors))

    return read


def _denied_reader(concept: str) -> Callable[[PatientFacts, str], Hashable]:
    """``_denials`` for one concept, with its ancestors found once."""
    ancestors = vocabulary().concept_ancestors(concept)
    return lambda facts, _concept: _denials_of(facts, concept, ancestors)


def _primary_diagnoses(facts: PatientFacts, _: str = "") -> Hashable:
    found = facts._primaries
    if found is None:
        found = facts._primaries = tuple(f for f in facts.diagnoses if _is_primary(f.concept))
    return found


def _lab_facet(facts: PatientFacts, quantity: str) -> Hashable:
    lab = facts.labs.get(quantity)
    return None if lab is None else (lab.value, lab.unit, lab.upper_limit_normal, lab.certain)


def _performance_facet(facts: PatientFacts, _: str) -> Hashable:
    status = facts.patient.performance_status
    return None if status is None else (status.scale, status.value, status.certain)


def _blasts_facet(facts: PatientFacts, _: str) -> Hashable:
    return tuple((b.value, b.method, b.sample, b.certain) for b in facts.patient.bone_marrow_blasts)


def _pregnancy_facet(facts: PatientFacts, _: str) -> Hashable:
    patient = facts.patient
    return (patient.sex, patient.pregnant, patient.lactating, ("pregnancy", "") in facts.uncertain)


_FACETS: dict[str, Callable[[PatientFacts, str], Hashable]] = {
    "age": lambda facts, _: (facts.patient.age, ("age", "") in facts.uncertain),
    "life_expectancy": lambda facts, _: (
        facts.patient.life_expectancy_months,
        ("life_expectancy", "") in facts.uncertain,
    ),
    "performance": _performance_facet,
    "blasts": _blasts_facet,
    "lab": _lab_facet,
    "antigen": lambda facts, antigen: (facts.antigens.get(antigen), ("antigen", antigen) in facts.uncertain),
    "pregnancy": _pregnancy_facet,
    "sex": lambda facts, _: (facts.patient.sex, ("sex", "") in facts.uncertain),
    "had": _had_facet,
    "treated": _treated_facet,
    "denied": _denials,
    "status": lambda facts, _: (tuple(sorted(facts.statuses)), STATUS in facts.uncertain),
    "diagnoses": _primary_diagnoses,
}


def facet_reader(facet: Facet) -> tuple[Callable[[PatientFacts, str], Hashable], str]:
    """The function that reads a facet and its argument: ``function(facts, argument)`` is its value."""
    kind, argument = facet
    specialised = _BY_CONCEPT.get(kind)
    if specialised is not None:
        return specialised(argument), argument
    return _FACETS[kind], argument


# readers made for one concept (its ancestors and kind found once, not once per patient)
_BY_CONCEPT: dict[str, Callable[[str], Callable[[PatientFacts, str], Hashable]]] = {
    "had": _had_reader,
    "treated": _treated_reader,
    "denied": _denied_reader,
}
