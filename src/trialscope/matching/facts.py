"""What a patient profile says, resolved once to the criteria vocabulary: diagnoses and their kinds (APL
is a kind of AML), history answered yes and no, treatments by concept with dates, antigen results, and
lab values by quantity. Matching reads these, never the raw profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, ClassVar, NamedTuple

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
    # diagnoses and treatments by every concept they are a kind of (built on first use, once the lists are set)
    _kinds: tuple[dict[str, tuple[Fact, ...]], dict[str, tuple[Fact, ...]]] | None = None
    _primaries: tuple[Fact, ...] | None = None  # the primary diagnoses among ``diagnoses`` (built on first use)

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


class _Remembered(dict[Hashable, Any]):
    """What ``compute`` gives for each key met, computed once: a dict look-up where an ``lru_cache`` costs a
    call (a patient names some 40 things). At most ``limit`` are kept: then all are forgotten."""

    def __init__(self, compute: Callable[[Any], Any], limit: int = 50_000) -> None:
        super().__init__()
        self._compute = compute
        self._limit = limit

    def __missing__(self, key: Hashable) -> Any:
        if len(self) >= self._limit:
            self.clear()
        value = self[key] = self._compute(key)
        return value


# per vocabulary (by id): a history item's name -> _history_named; a lab's -> quantity_named; a marker's ->
# _antigens_named
_NAMES: dict[int, tuple[_Remembered, _Remembered, _Remembered]] = {}


def _names(v: int) -> tuple[_Remembered, _Remembered, _Remembered]:
    names = _NAMES.get(v)
    if names is None:
        names = _NAMES[v] = (
            _Remembered(lambda name: _history_named(name, v)),
            _Remembered(quantity_named),
            _Remembered(_antigens_named),
        )
    return names


def patient_facts(patient: Patient, vocab: Vocabulary | None = None) -> PatientFacts:
    vocab = vocab or vocabulary()
    v = id(vocab)
    facts = PatientFacts(patient)
    history_named, quantities_named, antigens_named = _names(v)
    for condition in patient.conditions:
        named, statuses = _named(condition.name, v)
        for key in sorted({*named, *_named(condition.subtype or "", v)[0]}):
            facts.diagnoses.append(Fact(key, condition.name, condition.date, True, condition.certain))
        facts.statuses.update(statuses)
        if condition.status:
            facts.statuses.update(_named(condition.status, v)[1])
        if not condition.certain and (statuses or condition.status):
            facts.uncertain.add(STATUS)
    diagnosed = facts.diagnoses.append
    for item in patient.history:
        keys = history_named[item.name]
        if not keys:
            continue
        if item.present:
            current = _TIMING.get(item.timing or "current")
            for key in keys:
                diagnosed(Fact(key, item.name, item.date, current, item.certain))
            continue
        if item.within_days is not None:
            said: dict[str, Any] = facts.denied_within
            answer: Any = (item.within_days, item.name)
        else:
            said = facts.denied_now if item.timing == "current" else facts.denied
            answer = item.name
        for key in keys:
            said.setdefault(key, answer)
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
        for antigen in antigens_named[marker.name]:
            facts.antigens[antigen] = (marker.result, marker.name)
            if not marker.certain:
                facts.uncertain.add(("antigen", antigen))
    for source in (patient.labs, patient.measurements):
        for value in source:
            quantity_key = quantities_named[value.name]
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
    vocab = vocabulary()
    full = _denial(facts.denied, concept, vocab)  # facts.denies and facts.denies_now, each said once
    now = full or _denial(facts.denied_now, concept, vocab)
    within: Hashable = ()
    if facts.denied_within:
        ancestors = vocab.concept_ancestors(concept)
        within = tuple(sorted((k, v) for k, v in facts.denied_within.items() if k in ancestors))
    unsure = tuple(sorted(k for kind, k in facts.uncertain if kind == "denied")) if facts.uncertain else ()
    return (full, now, within, unsure)


def _had_facet(facts: PatientFacts, concept: str) -> Hashable:
    """What a criterion on a diagnosis or history concept reads: the facts of that kind, a denial of it, and
    (for a primary diagnosis) the patient's other primary diagnoses."""
    vocab = vocabulary()
    others = _primary_diagnoses(facts) if _is_primary(concept) else None
    return (_dated(facts.kinds_of(concept, vocab), facts), _denials(facts, concept), others)


def _treated_facet(facts: PatientFacts, concept: str) -> Hashable:
    vocab = vocabulary()
    return (_dated(facts.kinds_of(concept, vocab, treatments=True), facts), _denials(facts, concept))


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
    return _FACETS[kind], argument


_OF_CONCEPTS = frozenset({"had", "treated", "denied"})  # facets of a concept's facts and denials


def facets_reader(facets: Sequence[Facet]) -> Callable[[PatientFacts], list[Hashable]]:
    """A function that reads every facet of ``facets`` for a patient, their values in that order: what a
    screen compiled for one trial reads of each patient. Each value is ``facet_reader``'s; the facets of
    concepts ("had", "treated", "denied") are read together, each fact and denial visited once."""
    at = [i for i, (kind, _a) in enumerate(facets) if kind in _OF_CONCEPTS]
    joint = _ConceptFacets([facets[i] for i in at])
    others = [(i, *facet_reader(f)) for i, f in enumerate(facets) if f[0] not in _OF_CONCEPTS]
    count = len(facets)

    def read(facts: PatientFacts) -> list[Hashable]:
        values: list[Hashable] = [None] * count
        for i, value in zip(at, joint.read(facts), strict=True):
            values[i] = value
        for i, reader, argument in others:
            values[i] = reader(facts, argument)
        return values

    return read


class _ConceptFacets:
    """The values of facets of concepts (``_had_facet``, ``_treated_facet``, ``_denials``), read together:
    each of the patient's facts and denials is given to the facets whose concept it is a kind of (found once
    per concept the patient names, for the trial's concepts only)."""

    def __init__(self, facets: list[Facet]) -> None:
        self._vocab = vocabulary()
        self._kinds = [kind for kind, _c in facets]
        self._concepts = [concept for _k, concept in facets]
        self._primary = [kind == "had" and _is_primary(c) for kind, c in facets]
        self._ancestors = [self._vocab.concept_ancestors(c) for c in self._concepts]
        # a concept the patient names -> the positions of the facets (of diagnoses; of treatments; of any kind)
        # whose concept it is, or is a kind of
        self._hits: tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]] = (
            {},
            {},
            {},
        )

    def _of(self, concept: str, which: int) -> tuple[int, ...]:
        """The positions of the facets a fact of ``concept`` counts for (``which``: 0 a diagnosis or history,
        1 a treatment: its concept is the facet's or a kind of it) or a denial of ``concept`` answers (2: the
        facet's concept is ``concept`` or a kind of it, as "no CNS disease" denies epilepsy)."""
        if which == 2:
            found = tuple(j for j, ancestors in enumerate(self._ancestors) if concept in ancestors)
        else:
            ancestors = self._vocab.concept_ancestors(concept)
            wanted = ("had", "treated")[which]
            found = tuple(
                j
                for j, (kind, c) in enumerate(zip(self._kinds, self._concepts, strict=True))
                if kind == wanted and c in ancestors
            )
        self._hits[which][concept] = found
        return found

    def read(self, facts: PatientFacts) -> list[Hashable]:
        count = len(self._concepts)
        found: list[list[Fact] | None] = [None] * count
        for which, facts_of in ((0, facts.diagnoses), (1, facts.treatments)):
            hits = self._hits[which]
            for fact in facts_of:
                positions = hits.get(fact.concept)
                if positions is None:
                    positions = self._of(fact.concept, which)
                for j in positions:
                    kinds = found[j]
                    if kinds is None:
                        found[j] = [fact]
                    else:
                        kinds.append(fact)
        full = self._first(facts.denied, count)
        now = self._first(facts.denied_now, count)
        within: list[list[tuple[str, tuple[float, str]]]] | None = None
        if facts.denied_within:
            within = [[] for _j in range(count)]
            hits = self._hits[2]
            for k, said in facts.denied_within.items():
                positions = hits.get(k)
                if positions is None:
                    positions = self._of(k, 2)
                for j in positions:
                    within[j].append((k, said))
        unsure = tuple(sorted(k for kind, k in facts.uncertain if kind == "denied")) if facts.uncertain else ()
        primaries = _primary_diagnoses(facts) if any(self._primary) else None
        values: list[Hashable] = []
        for j, kind in enumerate(self._kinds):
            denial = full[j] if full else None
            denials = (
                denial,
                denial or (now[j] if now else None),
                tuple(sorted(within[j])) if within is not None else (),
                unsure,
            )
            if kind == "denied":
                values.append(denials)
                continue
            kinds = found[j]
            dated = _dated(tuple(kinds), facts) if kinds is not None else ()
            if kind == "had":
                values.append((dated, denials, primaries if self._primary[j] else None))
            else:
                values.append((dated, denials))
        return values

    def _first(self, denied: dict[str, str], count: int) -> list[str | None] | None:
        """For each facet, the first of the patient's denials (in the order said) of its concept or a broader
        one (``_denial``); None when there are none."""
        if not denied:
            return None
        first: list[str | None] = [None] * count
        hits = self._hits[2]
        for k, said in denied.items():
            positions = hits.get(k)
            if positions is None:
                positions = self._of(k, 2)
            for j in positions:
                if first[j] is None:
                    first[j] = said
        return first
