"""The criteria engine's clinical vocabulary, read from the data files in ``trialscope/data/criteria/``
(quantities, concepts, antigens, units, anchor events) and compiled once into matchers.

Names match as whole words, case-insensitively (short acronyms listed as case-sensitive match only as
written); a space in a name also matches a hyphen or no space at all ("upper limit ofnormal", "CAR T").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import ClassVar, Literal

from pydantic import Field

from trialscope.criteria.phrases import PhraseMatcher
from trialscope.reviewed_data import Entry, ReviewedFile, read_reviewed

# --- the data files' schemas: every key each may hold (a typo stops loading, naming the file and the key) ----


class _Uln(Entry):
    value: int | float  # as written: 40 stays 40
    unit: str
    source: str | None = None


class _QuantityEntry(Entry):
    key: str
    kind: Literal["lab", "measurement", "count", "performance", "scale", "demographic", "prognosis"]
    names: tuple[str, ...] = Field(min_length=1)
    unit: str
    units: tuple[str, ...]
    code: str | None = None
    scale: bool = False
    range: tuple[float, float] | None = None
    uln: _Uln | None = None
    molar_mass_g_per_mol: float | None = None
    answered_by: Literal["patient", "study_team"] = "patient"
    counts: str | None = None
    absent_when_denied: tuple[str, ...] = ()
    measures: str | None = None
    written_as_fraction: bool = False


class _Quantities(ReviewedFile):
    FILE: ClassVar[str] = "data/criteria/quantities.json"
    quantities: list[_QuantityEntry]


class _ConceptEntry(Entry):
    key: str
    category: Literal[
        "condition", "disease_status", "biomarker", "prior_therapy", "infection", "pregnancy", "administrative"
    ]
    names: tuple[str, ...]
    case_sensitive_names: tuple[str, ...] = ()
    patient_abbreviations: tuple[str, ...] = ()
    is_a: tuple[str, ...]
    primary_diagnosis: bool = False
    status_axis: Literal["course", "origin"] = "course"
    graded_by: str | None = None
    inactive: bool = False
    never_required: bool = False
    needs_time: bool = False


class _Concepts(ReviewedFile):
    FILE: ClassVar[str] = "data/criteria/concepts.json"
    concepts: list[_ConceptEntry]


class _AntigenEntry(Entry):
    key: str
    names: tuple[str, ...] = Field(min_length=1)
    binders: tuple[str, ...]


class _Antigens(ReviewedFile):
    FILE: ClassVar[str] = "data/criteria/antigens.json"
    antigens: list[_AntigenEntry]


class _UnitEntry(Entry):
    canonical: str
    patterns: tuple[str, ...] = Field(min_length=1)
    pint_unit: str | None = None


class _Units(ReviewedFile):
    FILE: ClassVar[str] = "data/criteria/units.json"
    units: list[_UnitEntry]


class _AnchorEntry(Entry):
    key: str
    names: tuple[str, ...] = Field(min_length=1)


class _Anchors(ReviewedFile):
    FILE: ClassVar[str] = "data/criteria/anchors.json"
    anchors: list[_AnchorEntry]


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    kind: str
    names: tuple[str, ...]
    unit: str
    units: tuple[str, ...]
    code: str | None = None
    scale: bool = False
    scale_range: tuple[float, float] | None = None
    uln: float | None = None
    uln_unit: str | None = None
    uln_source: str | None = None
    molar_mass: float | None = None
    answered_by: str = "patient"  # or "study_team": a value the patient cannot give (a manufacturing result)
    counts: str | None = None  # for a count of prior therapy: the therapy counted when the text names none
    absent_when_denied: tuple[str, ...] = ()  # a denial of these means the scale's lowest value (no heart failure)
    measures: str | None = None  # what it measures when other quantities measure it too (performance status)
    written_as_fraction: bool = False  # a percentage also written as a fraction ("LVEF ≥ 0.5" is 50%)

    @property
    def is_time(self) -> bool:
        return self.unit in ("years", "months", "weeks", "days")


@dataclass(frozen=True, slots=True)
class Concept:
    key: str
    category: str
    names: tuple[str, ...]
    is_a: tuple[str, ...] = ()
    primary_diagnosis: bool = False
    status_axis: str = "course"  # disease status: what it says ("course": relapsed, remission ...; "origin": de novo)
    graded_by: str | None = None  # the scale that grades this condition (heart failure: NYHA class)
    inactive: bool = False  # a form that is not active (latent or resolved hepatitis B): active is never it
    # what an inclusion never requires: there its words name something else ("histological diagnosis of
    # malignancy" is the trial's own cancer, not another malignancy)
    never_required: bool = False
    # what an exclusion says nothing sure of without a time ("other investigational drugs", "live vaccines",
    # "surgery": recent or current exposure, not one years ago), it or a broader concept
    needs_time: bool = False


@dataclass(frozen=True, slots=True)
class Antigen:
    key: str
    names: tuple[str, ...]
    binders: tuple[str, ...] = ()


@dataclass(slots=True)
class Vocabulary:
    quantities: dict[str, Quantity]
    concepts: dict[str, Concept]
    antigens: dict[str, Antigen]
    quantity_matcher: PhraseMatcher
    concept_matcher: PhraseMatcher
    antigen_matcher: PhraseMatcher
    binder_matcher: PhraseMatcher
    units: list[tuple[str, re.Pattern[str]]]
    pint_units: dict[str, str]
    anchor_matcher: PhraseMatcher
    patient_matcher: PhraseMatcher  # the concept names plus the patient-side abbreviations ('ALL')
    ancestors: dict[str, frozenset[str]] = field(default_factory=dict)

    def concept_ancestors(self, key: str) -> frozenset[str]:
        """The concept and everything it is a kind of (APL -> AML -> acute leukemia)."""
        return self.ancestors.get(key, frozenset({key}))

    def kinds_of(self, key: str) -> list[str]:
        """The diagnoses that are directly a kind of ``key`` (acute leukemia: AML, ALL, MPAL), in the order
        the vocabulary declares them."""
        return [c.key for c in self.concepts.values() if key in c.is_a and c.primary_diagnosis]

    def most_specific(self, concepts: list[str]) -> list[str]:
        """The concepts without those that are only the ancestors of another (AML and acute leukemia -> AML)."""
        return [c for c in concepts if not any(c != o and c in self.concept_ancestors(o) for o in concepts)]


@cache
def vocabulary() -> Vocabulary:
    quantities = {}
    for q in read_reviewed(_Quantities).quantities:
        quantities[q.key] = Quantity(
            key=q.key,
            kind=q.kind,
            names=tuple(q.names),
            unit=q.unit,
            units=tuple(q.units),
            code=q.code,
            scale=q.scale,
            scale_range=(float(q.range[0]), float(q.range[1])) if q.range else None,
            uln=q.uln.value if q.uln else None,
            uln_unit=q.uln.unit if q.uln else None,
            uln_source=q.uln.source if q.uln else None,
            molar_mass=q.molar_mass_g_per_mol,
            answered_by=q.answered_by,
            counts=q.counts,
            absent_when_denied=tuple(q.absent_when_denied),
            measures=q.measures,
            written_as_fraction=q.written_as_fraction,
        )
    concept_data = read_reviewed(_Concepts).concepts
    concepts = {
        c.key: Concept(
            c.key,
            c.category,
            tuple(c.names + c.case_sensitive_names),
            tuple(c.is_a),
            c.primary_diagnosis,
            c.status_axis,
            c.graded_by,
            c.inactive,
            c.never_required,
            c.needs_time,
        )
        for c in concept_data
    }
    concept_entries = [(c.key, c.names, c.case_sensitive_names) for c in concept_data]
    antigens = {a.key: Antigen(a.key, tuple(a.names), tuple(a.binders)) for a in read_reviewed(_Antigens).antigens}

    quantity_matcher = PhraseMatcher((q.key, q.names, ()) for q in quantities.values())
    concept_matcher = PhraseMatcher(concept_entries)
    patient_matcher = PhraseMatcher(
        (c.key, c.names, c.case_sensitive_names + c.patient_abbreviations) for c in concept_data
    )
    antigen_matcher = PhraseMatcher((a.key, a.names, ()) for a in antigens.values())
    binder_matcher = PhraseMatcher((a.key, a.binders, ()) for a in antigens.values() if a.binders)
    units = []
    pint_units = {}
    for unit in read_reviewed(_Units).units:
        units.append((unit.canonical, re.compile("|".join(f"(?:{p})" for p in unit.patterns), re.IGNORECASE)))
        if unit.pint_unit:
            pint_units[unit.canonical] = unit.pint_unit
    anchor_matcher = PhraseMatcher((a.key, a.names, ()) for a in read_reviewed(_Anchors).anchors)
    ancestors: dict[str, frozenset[str]] = {}
    for key in concepts:
        seen = {key}
        frontier = [key]
        while frontier:
            current = frontier.pop()
            for parent in concepts[current].is_a if current in concepts else ():
                if parent not in seen:
                    seen.add(parent)
                    frontier.append(parent)
        ancestors[key] = frozenset(seen)
    return Vocabulary(
        quantities=quantities,
        concepts=concepts,
        antigens=antigens,
        quantity_matcher=quantity_matcher,
        concept_matcher=concept_matcher,
        antigen_matcher=antigen_matcher,
        binder_matcher=binder_matcher,
        units=units,
        pint_units=pint_units,
        anchor_matcher=anchor_matcher,
        ancestors=ancestors,
        patient_matcher=patient_matcher,
    )
