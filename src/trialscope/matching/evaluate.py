"""One constraint against one patient: met, not met, unknown (with the question to ask), or not
applicable, and the evidence in words.

The rule that governs everything here: silence is never "met". A value the profile does not give, a
history nobody asked about, a unit that cannot be converted: each is "unknown", phrased as the question
that would settle it. Only an explicit answer (a value, a "no" in the history) can meet or fail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from trialscope.criteria.describe import SYMBOL
from trialscope.criteria.model import Constraint
from trialscope.criteria.performance import SCALES, convert_performance
from trialscope.criteria.units import UnitConversionError, convert, xuln_to_absolute
from trialscope.criteria.vocabulary import Vocabulary
from trialscope.matching.facts import Fact, PatientFacts

Status = Literal["met", "not_met", "unknown", "not_applicable"]


@dataclass(slots=True)
class CriterionResult:
    constraint: Constraint
    status: Status
    explanation: str
    question: str | None = None  # for unknown: what to ask (the patient, the doctor, the study team)

    def as_dict(self) -> dict[str, object]:
        c = self.constraint
        return {
            "id": c.id,
            "kind": c.kind,
            "polarity": c.polarity,
            "status": self.status,
            "explanation": self.explanation,
            "question": self.question,
            "criterion": c.text,
            "span": list(c.span) if c.span else None,
        }


def _fmt(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _compare(value: float, comparator: str, threshold: float) -> bool:
    return {
        "<": value < threshold,
        "<=": value <= threshold + 1e-9,
        ">": value > threshold,
        ">=": value >= threshold - 1e-9,
        "=": abs(value - threshold) < 1e-9,
    }[comparator]


def _numeric_outcome(c: Constraint, satisfied: bool, evidence: str) -> CriterionResult:
    """'satisfied' is whether the patient's value satisfies the stated comparison."""
    symbol = SYMBOL.get(c.comparator or "", c.comparator)
    rule = f"{c.quantity} {symbol} {_fmt(c.value or 0)} {_unit_words(c.unit)}".rstrip()
    if c.polarity == "include":
        if satisfied:
            return CriterionResult(c, "met", f"{evidence}; the trial requires {rule}")
        return CriterionResult(c, "not_met", f"{evidence}; the trial requires {rule}")
    if satisfied:
        return CriterionResult(c, "not_met", f"{evidence}; the trial excludes {rule}")
    return CriterionResult(c, "met", f"{evidence}; the trial excludes {rule}, which does not apply")


def _unit_words(unit: str | None) -> str:
    return {"xULN": "× the upper limit of normal (ULN)", "": ""}.get(unit or "", unit or "")


def _ask_value(c: Constraint) -> CriterionResult:
    return CriterionResult(
        c,
        "unknown",
        f"your {c.quantity} is not in your profile",
        question=f"What is your most recent {c.quantity}? (the trial's limit: "
        f"{SYMBOL.get(c.comparator or '', c.comparator)} {_fmt(c.value or 0)} {_unit_words(c.unit)})".replace(
            " )", ")"
        ),
    )


def evaluate_numeric(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    patient = facts.patient
    quantity = vocab.quantities.get(c.quantity or "")
    assert c.value is not None and c.comparator is not None
    if c.quantity == "age":
        if patient.age is None:
            return CriterionResult(c, "unknown", "your age is not in your profile", question="How old are you?")
        value = convert(patient.age, "years", c.unit or "years")
        return _numeric_outcome(c, _compare(value, c.comparator, c.value), f"you are {_fmt(patient.age)} years old")
    if c.quantity == "life expectancy":
        if patient.life_expectancy_months is None:
            return CriterionResult(
                c,
                "unknown",
                "your expected survival is not in your profile",
                question="Has your doctor estimated your life expectancy? The trial requires "
                f"{SYMBOL[c.comparator]} {_fmt(c.value)} {c.unit}",
            )
        value = convert(patient.life_expectancy_months, "months", c.unit or "months")
        return _numeric_outcome(
            c,
            _compare(value, c.comparator, c.value),
            f"your doctor's estimate is {_fmt(patient.life_expectancy_months)} months",
        )
    if c.quantity in SCALES:
        status = patient.performance_status
        if status is None:
            return CriterionResult(
                c,
                "unknown",
                "your performance status is not in your profile",
                question=f"What is your {c.quantity} performance status? (how much daily activity you can manage)",
            )
        low, high = convert_performance(status.value, status.scale, c.quantity)
        band = f"{c.quantity} {_fmt(low)}" if low == high else f"{c.quantity} {_fmt(low)}-{_fmt(high)}"
        said = f"your performance status is {status.scale} {_fmt(status.value)}" + (
            f" (about {band})" if status.scale != c.quantity else ""
        )
        low_ok, high_ok = _compare(low, c.comparator, c.value), _compare(high, c.comparator, c.value)
        if low_ok != high_ok:
            return CriterionResult(
                c,
                "unknown",
                f"{said}, which may or may not meet {c.quantity} {SYMBOL[c.comparator]} {_fmt(c.value)}",
                question=f"Ask your doctor for your {c.quantity} score",
            )
        return _numeric_outcome(c, low_ok, said)
    if c.quantity == "bone marrow blasts":
        return _evaluate_blasts(c, facts)
    lab = facts.labs.get(c.quantity or "")
    if lab is None or quantity is None:
        return _ask_value(c)
    said = f"your {c.quantity} is {_fmt(lab.value)} {lab.unit}".rstrip()
    if c.unit == "xULN":
        try:
            limit = xuln_to_absolute(
                c.value, quantity, lab.upper_limit_normal, lab.unit if lab.upper_limit_normal else None
            )
            value = convert(lab.value, lab.unit, limit.uln_unit, quantity) if limit.uln_unit != lab.unit else lab.value
        except UnitConversionError as exc:
            return CriterionResult(
                c,
                "unknown",
                f"{said}, but it cannot be compared with the ULN ({exc})",
                question=f"Ask for your {c.quantity} with your lab's upper limit of normal",
            )
        ratio = value / limit.uln
        uln_words = (
            f"your lab's upper limit of normal is {_fmt(limit.uln)} {limit.uln_unit}"
            if limit.uln_source == "the patient's lab report"
            else f"taking the usual upper limit of normal, {_fmt(limit.uln)} {limit.uln_unit} ({limit.uln_source}); "
            "your lab's own may differ"
        )
        return _numeric_outcome(c, _compare(ratio, c.comparator, c.value), f"{said}, {_fmt(ratio)} × ULN ({uln_words})")
    if not c.unit and lab.unit:
        return CriterionResult(
            c,
            "unknown",
            f"{said}, but the criterion states no unit ({c.text.strip()})",
            question=f"Ask the study team which unit their {c.quantity} limit of {_fmt(c.value)} is in",
        )
    try:
        value = convert(lab.value, lab.unit, c.unit or "", quantity)
    except UnitConversionError as exc:
        return CriterionResult(
            c,
            "unknown",
            f"{said}, which cannot be compared with {c.unit} ({exc})",
            question=f"Ask for your {c.quantity} in {c.unit}",
        )
    converted = "" if lab.unit == c.unit else f" (= {_fmt(value)} {c.unit})"
    return _numeric_outcome(c, _compare(value, c.comparator, c.value), f"{said}{converted}")


def _evaluate_blasts(c: Constraint, facts: PatientFacts) -> CriterionResult:
    counts = facts.patient.bone_marrow_blasts
    assert c.value is not None and c.comparator is not None
    usable = [b for b in counts if not c.method or not b.method or c.method.split()[0] in b.method.lower()]
    if not usable:
        method = f" by {c.method}" if c.method else ""
        return CriterionResult(
            c,
            "unknown",
            "no bone marrow blast count" + (f" by {c.method}" if c.method else "") + " in your profile",
            question=f"What was your latest bone marrow blast percentage{method}?",
        )
    blast = usable[-1]
    how = f" by {blast.method}" if blast.method else ""
    return _numeric_outcome(
        c, _compare(blast.value, c.comparator, c.value), f"your bone marrow blasts are {_fmt(blast.value)}%{how}"
    )


def _within(fact: Fact, c: Constraint, as_of: dt.date) -> bool | None:
    """Whether a dated fact falls inside the constraint's time window (None: no date to tell)."""
    if c.within is None:
        return True
    if fact.date is None:
        return None
    return (as_of - fact.date).days <= c.within.days


def evaluate_concept(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    patient = facts.patient
    concept = c.concept or ""
    category = c.category
    if category == "biomarker":
        return _evaluate_biomarker(c, facts)
    if category == "pregnancy":
        return _evaluate_pregnancy(c, facts)
    if category == "disease_status":
        return _evaluate_status(c, facts, vocab)
    found = facts.received(concept, vocab) if category == "prior_therapy" else facts.has(concept, vocab)
    window = f" {c.within.describe()}" if c.within else ""
    if found:
        fact = found[0]
        inside = _within(fact, c, patient.as_of)
        kind_of = "" if fact.concept == concept else f", a kind of {concept}"
        said = f"your profile lists {fact.said_as}{kind_of}" + (f" ({fact.date.isoformat()})" if fact.date else "")
        if inside is None:
            return CriterionResult(
                c,
                "unknown",
                f"{said}, without a date",
                question=f"When was your {fact.said_as}? The trial counts {concept}{window}",
            )
        if not inside:
            assert c.within is not None
            span = c.within.describe().removeprefix("within ")
            said += f", more than {span} ago (counted to {patient.as_of.isoformat()})"
            return CriterionResult(
                c, "met" if c.polarity == "exclude" else "not_met", f"{said}; the trial's limit is {concept}{window}"
            )
        if c.polarity == "exclude":
            return CriterionResult(c, "not_met", f"{said}; the trial excludes {concept}{window}")
        return CriterionResult(c, "met", f"{said}; the trial requires {concept}")
    denial = facts.denies(concept, vocab)
    if denial is not None:
        if c.polarity == "exclude":
            return CriterionResult(c, "met", f"you answered no to {denial}; the trial excludes {concept}{window}")
        return CriterionResult(c, "not_met", f"you answered no to {denial}; the trial requires {concept}")
    definition = vocab.concepts.get(concept)
    if c.polarity == "include" and definition is not None and definition.primary_diagnosis:
        others = [f for f in facts.diagnoses if vocab.concepts[f.concept].primary_diagnosis]
        if others:
            return CriterionResult(c, "not_met", f"your diagnosis is {others[0].said_as}; the trial is for {concept}")
    question = (
        f"Have you received {concept}{window}?"
        if category == "prior_therapy"
        else f"Have you ever had {concept}{window}?"
    )
    return CriterionResult(c, "unknown", f"your profile does not say whether you have had {concept}", question=question)


def _evaluate_biomarker(c: Constraint, facts: PatientFacts) -> CriterionResult:
    antigen = c.concept or ""
    why = f" (the study's therapy targets {antigen})" if c.implicit else ""
    result = facts.antigens.get(antigen)
    if result is None or result[0] == "unknown":
        return CriterionResult(
            c,
            "unknown",
            f"your profile does not say whether your leukemia cells express {antigen}",
            question=f"Were your leukemia cells tested for {antigen} (flow cytometry or immunohistochemistry)?{why}",
        )
    positive = result[0] == "positive"
    said = f"your leukemia is {antigen}-{'positive' if positive else 'negative'}"
    wanted = c.polarity == "include"
    if positive == wanted:
        return CriterionResult(
            c, "met", f"{said}; the trial requires {antigen}-{'positive' if wanted else 'negative'} disease{why}"
        )
    return CriterionResult(
        c, "not_met", f"{said}; the trial requires {antigen}-{'positive' if wanted else 'negative'} disease{why}"
    )


def _evaluate_pregnancy(c: Constraint, facts: PatientFacts) -> CriterionResult:
    patient = facts.patient
    concept = c.concept or ""
    if patient.sex == "male" and concept in ("pregnancy", "lactation"):
        return CriterionResult(c, "not_applicable", f"{concept} criteria apply to women")
    if concept == "contraception":
        return CriterionResult(
            c,
            "unknown",
            "the trial asks participants who could have children to use effective contraception",
            question="Are you willing to use effective contraception during the study and for the time after it "
            "that the study team will tell you?",
        )
    answer = patient.pregnant if concept == "pregnancy" else patient.lactating
    word = "pregnant" if concept == "pregnancy" else "breastfeeding"
    if answer is None:
        return CriterionResult(
            c,
            "unknown",
            f"your profile does not say whether you are {word}",
            question=f"Are you {word} (or could you be)?",
        )
    # Whatever the wording ("pregnant women are excluded", "must have a negative pregnancy test"), a
    # pregnant or breastfeeding patient does not qualify and one who is not does.
    if answer:
        return CriterionResult(c, "not_met", f"you are {word}; the trial does not take {word} participants")
    return CriterionResult(c, "met", f"you are not {word}")


def _evaluate_status(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    concept = c.concept or ""
    if not facts.statuses:
        return CriterionResult(
            c,
            "unknown",
            "your profile does not give your disease status",
            question=f"Is your disease {concept} (for example relapsed after treatment, or refractory)?",
        )
    accepted = {concept} | ({"relapsed", "refractory"} if concept == "relapsed or refractory" else set())
    said = f"your disease is {', '.join(sorted(facts.statuses))}; the trial " + (
        f"requires {concept}" if c.polarity == "include" else f"excludes {concept}"
    )
    matches = bool(facts.statuses & accepted)
    return CriterionResult(c, "met" if matches == (c.polarity == "include") else "not_met", said)


def evaluate_constraint(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    if c.definitional:
        return CriterionResult(c, "not_applicable", "part of a definition in the criteria, not a separate requirement")
    if c.kind == "administrative":
        return CriterionResult(
            c, "not_applicable", f"administrative ({c.concept}): the study team checks this with you"
        )
    if c.kind == "unparsed":
        return CriterionResult(
            c,
            "unknown",
            "trialscope could not read this criterion",
            question=f"Ask the study team about: {c.text.strip()}",
        )
    if c.kind == "numeric":
        if c.quantity not in vocab.quantities or vocab.quantities[c.quantity].kind in ("other", "count"):
            return _ask_value(c)
        return evaluate_numeric(c, facts, vocab)
    return evaluate_concept(c, facts, vocab)
