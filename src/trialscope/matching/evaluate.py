"""One constraint against one patient: met, not met, unknown (with the question to ask), or not
applicable, and the evidence in words.

The rule that governs everything here: silence is never "met". A value the profile does not give, a
history nobody asked about, a unit that cannot be converted: each is "unknown", phrased as the question
that would settle it. Only an explicit answer (a value, a "no" in the history) can meet or fail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from trialscope.criteria.describe import (
    SYMBOL,
    conflict_words,
    describe,
    in_window,
    quantity_words,
    span_words,
    unit_words,
)
from trialscope.criteria.model import Constraint
from trialscope.criteria.performance import SCALES, convert_performance
from trialscope.criteria.units import AbsoluteLimit, UnitConversionError, convert, xuln_to_absolute
from trialscope.criteria.vocabulary import Quantity, Vocabulary
from trialscope.matching.facts import STATUS, Facet, Fact, PatientFacts, Reading, concepts_named
from trialscope.model.age import completed
from trialscope.patients.model import BlastCount
from trialscope.translation import N_, _, term

Status = Literal["met", "not_met", "unknown", "not_applicable"]
# Who can settle an unknown: the patient (or their doctor, from their records), or only the study team
# (manufacturing results, the investigator's judgement or estimates, a drug's half-lives).
Answerer = Literal["patient", "study_team"]


@dataclass(slots=True)
class CriterionResult:
    constraint: Constraint
    status: Status
    explanation: str
    question: str | None = None  # for unknown: what to ask (the patient, the doctor, the study team)
    answered_by: Answerer = "patient"  # for unknown: who can settle it

    def as_dict(self) -> dict[str, object]:
        c = self.constraint
        return {
            "id": c.id,
            "kind": c.kind,
            "polarity": c.polarity,
            "status": self.status,
            "explanation": self.explanation,
            "question": self.question,
            "answered_by": self.answered_by if self.status == "unknown" else None,
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


def _numeric_status(c: Constraint, satisfied: bool) -> Status:
    """What ``_numeric_outcome`` decides, without its words."""
    return ("met" if satisfied else "not_met") if c.polarity == "include" else ("not_met" if satisfied else "met")


def _numeric_outcome(c: Constraint, satisfied: bool, evidence: str) -> CriterionResult:
    """'satisfied' is whether the patient's value satisfies the stated comparison."""
    values = {"evidence": evidence, "rule": _rule(c)}
    if c.polarity == "include":
        return CriterionResult(
            c, "met" if satisfied else "not_met", _("%(evidence)s; the trial requires %(rule)s", **values)
        )
    if satisfied:
        return CriterionResult(c, "not_met", _("%(evidence)s; the trial excludes %(rule)s", **values))
    return CriterionResult(c, "met", _("%(evidence)s; the trial excludes %(rule)s, which does not apply", **values))


def _limit(c: Constraint) -> str:
    """'≤ 1.5 × the upper limit of normal (ULN)'."""
    return f"{SYMBOL.get(c.comparator or '', c.comparator)} {_fmt(c.value or 0)} {_unit_words(c)}".rstrip()


def _rule(c: Constraint) -> str:
    """'total bilirubin ≤ 1.5 × the upper limit of normal (ULN)'."""
    return f"{quantity_words(c)} {_limit(c)}"


def _unit_words(c: Constraint) -> str:
    return _("× the upper limit of normal (ULN)") if c.unit == "xULN" else unit_words(c.unit, c.quantity)


_EXCLUDES_IF = {
    ">": N_("above %(value)s"),
    ">=": N_("%(value)s or above"),
    "<": N_("below %(value)s"),
    "<=": N_("%(value)s or below"),
    "=": N_("%(value)s"),
}


def _ask_value(c: Constraint, vocab: Vocabulary) -> CriterionResult:
    """The question for a value the profile lacks. For an exclusion it says what excludes ("excluded if
    your creatinine is above 2.5 mg/dL"), never the exclusion's threshold as if it were the requirement."""
    quantity = term(c.quantity)
    if c.polarity == "exclude" and c.comparator in _EXCLUDES_IF:
        value = f"{_fmt(c.value or 0)} {_unit_words(c)}".rstrip()
        limit = _("excluded if it is %(bound)s", bound=_(_EXCLUDES_IF[c.comparator], value=value))
    else:
        limit = _("the trial's limit: %(limit)s", limit=_limit(c))
    answered_by: Answerer = "patient"
    known = vocab.quantities.get(c.quantity or "")
    if known is not None and known.answered_by == "study_team":
        answered_by = "study_team"
    return CriterionResult(
        c,
        "unknown",
        _("your %(quantity)s is not in your profile", quantity=quantity)
        if answered_by == "patient"
        else _("the study team measures %(quantity)s (%(limit)s)", quantity=quantity, limit=limit),
        question=_("What is your most recent %(quantity)s? (%(limit)s)", quantity=quantity, limit=limit)
        if answered_by == "patient"
        else _("The study team checks %(quantity)s (%(limit)s)", quantity=quantity, limit=limit),
        answered_by=answered_by,
    )


def _evaluate_age(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """An age limit, in completed units of its own unit (the age rule: model/age.py)."""
    patient = facts.patient
    assert c.value is not None and c.comparator is not None
    if patient.age is None:
        return CriterionResult(c, "unknown", _("your age is not in your profile"), question=_("How old are you?"))
    value: float = completed(patient.age, c.unit or "years")
    said = (
        _("you are %(age)s years old", age=_fmt(value))
        if (c.unit or "years") == "years"
        else _("you are %(age)s %(unit)s old", age=_fmt(value), unit=unit_words(c.unit, "age"))
    )
    return _numeric_outcome(c, _compare(value, c.comparator, c.value), said)


def _age_status(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> Status | None:
    """``_evaluate_age``'s status without its words (None: no age to compare)."""
    age = facts.patient.age
    if age is None:
        return None
    assert c.value is not None and c.comparator is not None
    return _numeric_status(c, _compare(completed(age, c.unit or "years"), c.comparator, c.value))


def _evaluate_life_expectancy(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    patient = facts.patient
    assert c.value is not None and c.comparator is not None
    if patient.life_expectancy_months is None:
        return CriterionResult(
            c,
            "unknown",
            _("your expected survival is not in your profile"),
            question=_("The study team estimates your life expectancy (the trial requires %(limit)s)", limit=_limit(c)),
            answered_by="study_team",  # the investigator's estimate
        )
    value = convert(patient.life_expectancy_months, "months", c.unit or "months")
    return _numeric_outcome(
        c,
        _compare(value, c.comparator, c.value),
        _("your doctor's estimate is %(months)s months", months=_fmt(patient.life_expectancy_months)),
    )


def _evaluate_performance(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """A performance status limit on any of its scales (ECOG, Karnofsky, Lansky), mapped by bands."""
    assert c.value is not None and c.comparator is not None and c.quantity is not None
    status = facts.patient.performance_status
    if status is None:
        return CriterionResult(
            c,
            "unknown",
            _("your performance status is not in your profile"),
            question=_(
                "What is your %(scale)s performance status? (how much daily activity you can manage)",
                scale=c.quantity,
            ),
        )
    low, high = convert_performance(status.value, status.scale, c.quantity)
    band = f"{c.quantity} {_fmt(low)}" if low == high else f"{c.quantity} {_fmt(low)}-{_fmt(high)}"
    said = _("your performance status is %(scale)s %(value)s", scale=status.scale, value=_fmt(status.value))
    if status.scale != c.quantity:
        said += _(" (about %(band)s)", band=band)
    low_ok, high_ok = _compare(low, c.comparator, c.value), _compare(high, c.comparator, c.value)
    if low_ok != high_ok:
        return CriterionResult(
            c,
            "unknown",
            _("%(said)s, which may or may not meet %(rule)s", said=said, rule=_rule(c)),
            question=_("Ask your doctor for your %(scale)s score", scale=term(c.quantity)),
        )
    return _numeric_outcome(c, low_ok, said)


def _scale_denial(c: Constraint, facts: PatientFacts, vocab: Vocabulary, quantity: Quantity | None) -> str | None:
    """The patient's no to a concept that makes the constraint's scale absent (no heart failure: no NYHA
    class), if its quantity has one."""
    if quantity is not None and quantity.absent_when_denied and quantity.scale_range:
        return next((d for k in quantity.absent_when_denied if (d := facts.denies(k, vocab))), None)
    return None


def _xuln_compared(c: Constraint, lab: Reading, quantity: Quantity) -> tuple[float, AbsoluteLimit]:
    """The lab value in the unit of the upper limit of normal the constraint's multiple is taken of, and that
    limit (raises ``UnitConversionError``)."""
    assert c.value is not None
    limit = xuln_to_absolute(c.value, quantity, lab.upper_limit_normal, lab.unit if lab.upper_limit_normal else None)
    value = convert(lab.value, lab.unit, limit.uln_unit, quantity) if limit.uln_unit != lab.unit else lab.value
    return value, limit


def _evaluate_lab(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """A limit on a lab value or a measurement, converted to the criterion's unit (a multiple of the upper
    limit of normal with the lab's own or the usual one); a scale a denial makes absent (no heart failure: no
    NYHA class) at its lowest value."""
    quantity = vocab.quantities.get(c.quantity or "")
    assert c.value is not None and c.comparator is not None
    denial = _scale_denial(c, facts, vocab, quantity)
    if denial is not None:
        assert quantity is not None and quantity.scale_range
        lowest = quantity.scale_range[0]
        said = _(
            "you answered no to %(denial)s, so no %(quantity)s applies",
            denial=term(denial),
            quantity=term(c.quantity),
        )
        return _numeric_outcome(c, _compare(lowest, c.comparator, c.value), said)
    lab = facts.labs.get(c.quantity or "")
    if lab is None or quantity is None:
        return _ask_value(c, vocab)
    name = term(c.quantity)
    reading = f"{_fmt(lab.value)} {lab.unit}".rstrip()
    said = _("your %(quantity)s is %(value)s", quantity=name, value=reading)
    if c.unit == "xULN":
        try:
            value, limit = _xuln_compared(c, lab, quantity)
        except UnitConversionError as exc:
            return CriterionResult(
                c,
                "unknown",
                _("%(said)s, but it cannot be compared with the ULN (%(reason)s)", said=said, reason=exc),
                question=_("Ask for your %(quantity)s with your lab's upper limit of normal", quantity=name),
            )
        ratio = value / limit.uln
        uln = f"{_fmt(limit.uln)} {limit.uln_unit}"
        uln_words = (
            _("your lab's upper limit of normal is %(uln)s", uln=uln)
            if limit.uln_source == "the patient's lab report"
            else _(
                "taking the usual upper limit of normal, %(uln)s (%(source)s); your lab's own may differ",
                uln=uln,
                source=term(limit.uln_source),
            )
        )
        return _numeric_outcome(
            c,
            _compare(ratio, c.comparator, c.value),
            _("%(said)s, %(ratio)s × ULN (%(uln)s)", said=said, ratio=_fmt(ratio), uln=uln_words),
        )
    if not c.unit and lab.unit:
        return CriterionResult(
            c,
            "unknown",
            _("%(said)s, but the criterion states no unit (%(criterion)s)", said=said, criterion=c.text.strip()),
            question=_(
                "Ask the study team which unit their %(quantity)s limit of %(value)s is in",
                quantity=name,
                value=_fmt(c.value),
            ),
        )
    try:
        value = convert(lab.value, lab.unit, c.unit or "", quantity)
    except UnitConversionError as exc:
        return CriterionResult(
            c,
            "unknown",
            _("%(said)s, which cannot be compared with %(unit)s (%(reason)s)", said=said, unit=c.unit, reason=exc),
            question=_("Ask for your %(quantity)s in %(unit)s", quantity=name, unit=c.unit),
        )
    converted = "" if lab.unit == c.unit else f" (= {_fmt(value)} {c.unit})"
    return _numeric_outcome(c, _compare(value, c.comparator, c.value), f"{said}{converted}")


def _lab_status(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> Status | None:
    """``_evaluate_lab``'s status without its words, where it is the patient's value compared with the limit
    (met or not met); None where ``_evaluate_lab`` says something else (a denial, a value missing or in a unit
    that cannot be compared): ask it then."""
    quantity = vocab.quantities.get(c.quantity or "")
    assert c.value is not None and c.comparator is not None
    lab = facts.labs.get(c.quantity or "")
    if lab is None or quantity is None or _scale_denial(c, facts, vocab, quantity) is not None:
        return None
    try:
        if c.unit == "xULN":
            value, limit = _xuln_compared(c, lab, quantity)
            satisfied = _compare(value / limit.uln, c.comparator, c.value)
        elif not c.unit and lab.unit:
            return None
        else:
            satisfied = _compare(convert(lab.value, lab.unit, c.unit or "", quantity), c.comparator, c.value)
    except UnitConversionError:
        return None
    return _numeric_status(c, satisfied)


def _evaluate_blasts(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """A limit on blasts, compared with the patient's latest count from each site it names (the bone marrow
    unless it names the peripheral blood; with both, either count may meet it, and a count from one site
    that does not leaves the other to ask)."""
    assert c.value is not None and c.comparator is not None
    sites = (c.sample or "bone marrow").split(" or ")
    latest: dict[str, BlastCount] = {}
    for b in facts.patient.bone_marrow_blasts:
        if b.sample in sites and (not c.method or not b.method or c.method.split()[0] in b.method.lower()):
            latest[b.sample] = b
    meeting = [b for b in latest.values() if _compare(b.value, c.comparator, c.value)]
    if meeting or (latest and len(latest) == len(sites)):
        shown = meeting[-1] if meeting else list(latest.values())[-1]
        how = _(" by %(method)s", method=term(shown.method)) if shown.method else ""
        return _numeric_outcome(c, bool(meeting), _blast_words(shown, how))
    missing = next(site for site in sites if site not in latest)
    method = _(" by %(method)s", method=term(c.method)) if c.method else ""
    said = "; ".join(_blast_words(b, "") for b in latest.values())
    if missing == "peripheral blood":
        why = _("no peripheral blood blast count%(method)s in your profile", method=method)
        question = _("What was your latest peripheral blood blast percentage%(method)s?", method=method)
    else:
        why = _("no bone marrow blast count%(method)s in your profile", method=method)
        question = _("What was your latest bone marrow blast percentage%(method)s?", method=method)
    return CriterionResult(c, "unknown", f"{said}; {why}" if said else why, question=question)


def _blast_words(blast: BlastCount, how: str) -> str:
    if blast.sample == "peripheral blood":
        return _("your peripheral blood blasts are %(value)s%%%(method)s", value=_fmt(blast.value), method=how)
    return _("your bone marrow blasts are %(value)s%%%(method)s", value=_fmt(blast.value), method=how)


def _evaluate_count(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """'At least one course of systemic chemotherapy', 'no more than 3 prior lines': counted from the
    patient's treatment list. A list proves a minimum is reached and a maximum exceeded; a shorter list
    may be incomplete, so it leaves the criterion open rather than failing it."""
    assert c.value is not None and c.comparator is not None
    concept = c.concept or ""
    counted = {(f.said_as, f.date) for f in facts.received(concept, vocab)}
    count = len(counted)
    values = {"count": count, "therapy": term(concept), "rule": f"{term(c.quantity)} {_limit(c)}"}
    said = _("your profile lists %(count)s treatment(s) of %(therapy)s", **values)
    satisfied = _compare(count, c.comparator, c.value)
    decided = (c.comparator in (">", ">=") and satisfied) or (c.comparator in ("<", "<=") and not satisfied)
    if decided:
        return _numeric_outcome(c, satisfied, said)
    if c.polarity == "exclude" and c.comparator in (">", ">=") and not satisfied and facts.denies(concept, vocab):
        return _numeric_outcome(c, False, said)
    return CriterionResult(
        c,
        "unknown",
        _("%(said)s; the trial counts %(rule)s", said=said, **values),
        question=_("How many treatments of %(therapy)s have you had? (the trial counts %(rule)s)", **values),
    )


def _within(fact: Fact, c: Constraint, as_of: dt.date) -> bool | None:
    """Whether a dated fact falls inside the constraint's time window (None: no date to tell)."""
    if c.within is None:
        return True
    if fact.date is None or not c.within.countable:
        return None
    return (as_of - fact.date).days <= c.within.days


def _evaluate_history(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """A diagnosis, a past or present condition, or a therapy received: the patient's facts of that kind (or
    a kind of it) within the criterion's window, their denials, or another diagnosis that rules it out."""
    patient = facts.patient
    concept = c.concept or ""
    therapy = c.category == "prior_therapy"
    found = facts.received(concept, vocab) if therapy else facts.has(concept, vocab)
    excepted = _excepted(c, vocab)
    all_found = found
    found = [f for f in found if not (vocab.concept_ancestors(f.concept) & excepted)]
    broader = [
        f
        for f in found
        if any(f.concept in vocab.concept_ancestors(e) for e in excepted)
        and not (f.current is True and all(vocab.concepts[e].inactive for e in excepted if e in vocab.concepts))
    ]  # an active infection is never the latent or resolved form an exception lets in
    if broader and len(broader) == len(found) and found:
        fact = broader[0]  # "hepatitis B" against "except latent hepatitis B": which kind the patient has is open
        return CriterionResult(
            c,
            "unknown",
            _(
                "your profile lists %(fact)s; the trial excludes %(concept)s except %(exceptions)s",
                fact=term(fact.said_as),
                concept=term(concept),
                exceptions=", ".join(c.exceptions),
            ),
            question=_(
                "Is your %(fact)s one of the exceptions the trial makes (%(exceptions)s)?",
                fact=term(fact.said_as),
                exceptions=", ".join(c.exceptions),
            ),
        )
    named = term(concept)
    rule = {"concept": in_window(named, c.within)}
    now = c.current and c.within is None  # about the present state: the patient's now, not their history
    if now and found:
        present = [f for f in found if f.current]
        if not present and all(f.current is False for f in found):
            found = []  # all of it is over: as good as not having it now
        elif not present:
            fact = found[0]
            return CriterionResult(
                c,
                "unknown",
                _("your profile lists %(fact)s, but not whether it is so now", fact=term(fact.said_as)),
                question=_("Are you receiving %(concept)s now?", concept=_with_exceptions(c))
                if therapy
                else _("Do you have %(concept)s now?", concept=_with_exceptions(c)),
            )
        else:
            found = present
    if found:
        fact = found[0]
        inside = _within(fact, c, patient.as_of)
        said_as = term(fact.said_as)  # a vocabulary word (a form's answer) or the patient's own
        said = _("your profile lists %(fact)s", fact=said_as)
        if fact.concept != concept:
            said += _(", a kind of %(concept)s", concept=named)
        if fact.date:
            said += f" ({fact.date.isoformat()})"
        if inside is None and c.within is not None and not c.within.countable:
            return CriterionResult(
                c,
                "unknown",
                _("%(said)s; the trial counts %(concept)s, which depends on the drug", said=said, **rule),
                question=_("The study team works out whether your %(fact)s was long enough ago", fact=said_as),
                answered_by="study_team",
            )
        if inside is None:
            return CriterionResult(
                c,
                "unknown",
                _("%(said)s, without a date", said=said),
                question=_("When was your %(fact)s? The trial counts %(concept)s", fact=said_as, **rule),
            )
        if not inside:
            assert c.within is not None
            said += _(
                ", more than %(span)s ago (counted to %(date)s)",
                span=span_words(c.within),
                date=patient.as_of.isoformat(),
            )
            return CriterionResult(
                c,
                "met" if c.polarity == "exclude" else "not_met",
                _("%(said)s; the trial's limit is %(concept)s", said=said, **rule),
            )
        if c.polarity == "exclude":
            return CriterionResult(c, "not_met", _("%(said)s; the trial excludes %(concept)s", said=said, **rule))
        return CriterionResult(c, "met", _("%(said)s; the trial requires %(concept)s", said=said, concept=named))
    inside_window = [f for f in all_found if _within(f, c, patient.as_of) is not False]
    if inside_window and _exception_in_doubt(c):
        fact = inside_window[0]
        return CriterionResult(
            c,
            "unknown",
            _(
                "your profile lists %(fact)s, which the trial's exception may cover (%(exceptions)s)",
                fact=term(fact.said_as),
                exceptions=", ".join(c.exceptions),
            ),
            question=_("Ask the study team whether the exception covers your %(fact)s", fact=term(fact.said_as)),
            answered_by="study_team",
        )
    denial = (
        facts.denies_now(concept, vocab)
        if now
        else facts.denies_within(concept, c.within.days, vocab)
        if c.within is not None and c.within.countable
        else facts.denies(concept, vocab)
    )
    if denial is None and all_found and not found and now:
        denial = all_found[0].said_as  # what the patient has is over
    if denial is not None:
        denied = term(denial)
        if c.polarity == "exclude":
            return CriterionResult(
                c,
                "met",
                _("you answered no to %(denial)s; the trial excludes %(concept)s", denial=denied, **rule),
            )
        return CriterionResult(
            c,
            "not_met",
            _("you answered no to %(denial)s; the trial requires %(concept)s", denial=denied, concept=named),
        )
    definition = vocab.concepts.get(concept)
    if definition is not None and definition.primary_diagnosis:
        # The patient's stated diagnosis is another disease, neither a kind of this one nor broader than it.
        others = [
            f
            for f in facts.diagnoses
            if vocab.concepts[f.concept].primary_diagnosis and concept not in vocab.concept_ancestors(f.concept)
        ]
        unrelated = [f for f in others if f.concept not in vocab.concept_ancestors(concept)]
        if unrelated and len(unrelated) == len(others):
            values = {"diagnosis": term(unrelated[0].said_as), "concept": named}
            if c.polarity == "include":
                return CriterionResult(
                    c, "not_met", _("your diagnosis is %(diagnosis)s; the trial is for %(concept)s", **values)
                )
            return CriterionResult(
                c,
                "met",
                _("your diagnosis is %(diagnosis)s; the trial excludes %(concept)s, another disease", **values),
            )
    return CriterionResult(
        c,
        "unknown",
        _("your profile does not say whether you have had %(concept)s", concept=named),
        question=ask_concept(c),
    )


def _with_exceptions(c: Constraint) -> str:
    """The concept a question asks about, with the exceptions the criterion makes ("organ transplant, other
    than a stem-cell transplant") and its time window."""
    what = term(c.concept)
    if c.exceptions:
        what = _("%(what)s, other than %(exceptions)s", what=what, exceptions="; ".join(c.exceptions))
    return in_window(what, c.within) if c.within else what


def ask_concept(c: Constraint) -> str:
    """The question that settles a concept criterion, in the criterion's own tense: about now ("Do you have
    … now?"), within its window ("… in the last 2 weeks?"), or ever."""
    what = _with_exceptions(c)
    if c.category == "prior_therapy":
        if c.current and c.within is None:
            return _("Are you receiving %(concept)s now?", concept=what)
        return _("Have you received %(concept)s?", concept=what)
    if c.current and c.within is None:
        return _("Do you have %(concept)s now?", concept=what)
    return _("Have you ever had %(concept)s?", concept=what)


def _exception_in_doubt(c: Constraint) -> bool:
    """An exception not read whole (words of it left over: "EXCEPTION: low doses of steroids ... used for
    non-hematologic conditions") or narrowed by a number ("except prednisone 10 mg daily or less"): whether
    what the patient has is one is for the study team."""
    left = set((c.unsure or "").split(","))
    return bool(left & {"excepted", "exception"}) or any(ch.isdigit() for e in c.exceptions for ch in e)


def _excepted(c: Constraint, vocab: Vocabulary) -> frozenset[str]:
    """The concepts a constraint's exceptions name ('prior systemic treatment, except immune checkpoint
    inhibitors'): the patient's facts of these kinds do not count against it."""
    if not c.exceptions:
        return frozenset()
    return frozenset(k for text in c.exceptions for k in concepts_named(text, vocab))


def _evaluate_biomarker(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    antigen = c.concept or ""
    why = _(" (the study's therapy targets %(antigen)s)", antigen=antigen) if c.implicit else ""
    result = facts.antigens.get(antigen)
    if result is None or result[0] == "unknown":
        return CriterionResult(
            c,
            "unknown",
            _("your profile does not say whether your leukemia cells express %(antigen)s", antigen=antigen),
            question=_(
                "Were your leukemia cells tested for %(antigen)s (flow cytometry or immunohistochemistry)?%(why)s",
                antigen=antigen,
                why=why,
            ),
        )
    positive = result[0] == "positive"
    said = (
        _("your leukemia is %(antigen)s-positive", antigen=antigen)
        if positive
        else _("your leukemia is %(antigen)s-negative", antigen=antigen)
    )
    wanted = c.polarity == "include"
    requires = (
        _("%(said)s; the trial requires %(antigen)s-positive disease%(why)s", said=said, antigen=antigen, why=why)
        if wanted
        else _("%(said)s; the trial requires %(antigen)s-negative disease%(why)s", said=said, antigen=antigen, why=why)
    )
    return CriterionResult(c, "met" if positive == wanted else "not_met", requires)


def _evaluate_pregnancy(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    patient = facts.patient
    concept = c.concept or ""
    if patient.sex == "male" and concept in ("pregnancy", "lactation"):
        return CriterionResult(c, "not_applicable", _("%(concept)s criteria apply to women", concept=term(concept)))
    if concept == "contraception":
        return CriterionResult(
            c,
            "unknown",
            _("the trial asks participants who could have children to use effective contraception"),
            question=_(
                "Are you willing to use effective contraception during the study and for the time after it "
                "that the study team will tell you?"
            ),
        )
    answer = patient.pregnant if concept == "pregnancy" else patient.lactating
    pregnancy = concept == "pregnancy"
    if answer is None:
        return CriterionResult(
            c,
            "unknown",
            _("your profile does not say whether you are pregnant")
            if pregnancy
            else _("your profile does not say whether you are breastfeeding"),
            question=_("Are you pregnant (or could you be)?") if pregnancy else _("Are you breastfeeding?"),
        )
    # Whatever the wording ("pregnant women are excluded", "must have a negative pregnancy test"), a
    # pregnant or breastfeeding patient does not qualify and one who is not does.
    if answer:
        return CriterionResult(
            c,
            "not_met",
            _("you are pregnant; the trial does not take pregnant participants")
            if pregnancy
            else _("you are breastfeeding; the trial does not take breastfeeding participants"),
        )
    return CriterionResult(c, "met", _("you are not pregnant") if pregnancy else _("you are not breastfeeding"))


def _evaluate_status(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """Disease status through the concept hierarchy: relapsed and refractory are kinds of 'relapsed or
    refractory', primary refractory of refractory, first remission of complete remission. A patient stated to
    be newly diagnosed fails a relapsed/refractory requirement; one whose status is broader than the
    requirement ('relapsed or refractory' against 'refractory') is asked. Only statuses on the requirement's
    axis answer it (de novo says where the disease came from, not where it stands)."""
    concept = c.concept or ""
    definition = vocab.concepts.get(concept)
    axis = definition.status_axis if definition else "course"
    statuses = {s for s in facts.statuses if s in vocab.concepts and vocab.concepts[s].status_axis == axis}
    if not statuses:
        return CriterionResult(
            c,
            "unknown",
            _("your profile does not give your disease status"),
            question=_ask_status(c, axis),
        )
    values = {"statuses": ", ".join(term(s) for s in vocab.most_specific(sorted(statuses))), "status": term(concept)}
    said = (
        _("your disease is %(statuses)s; the trial requires %(status)s", **values)
        if c.polarity == "include"
        else _("your disease is %(statuses)s; the trial excludes %(status)s", **values)
    )
    if any(concept in vocab.concept_ancestors(s) for s in statuses):
        return CriterionResult(c, "met" if c.polarity == "include" else "not_met", said)
    if any(s in vocab.concept_ancestors(concept) for s in statuses):
        return CriterionResult(
            c,
            "unknown",
            said,
            question=_("Is your disease %(status)s? Ask your doctor", status=term(concept)),
        )
    return CriterionResult(c, "not_met" if c.polarity == "include" else "met", said)


def _ask_status(c: Constraint, axis: str) -> str:
    """The question for a disease status, with examples from the status's own axis: where the disease stands
    now (course), or how it began (origin)."""
    values = {"status": term(c.concept)}
    if axis == "origin":
        if c.polarity == "include":
            return _(
                "Did your disease begin on its own (de novo) or after another blood disorder or earlier "
                "treatment (secondary)? The trial requires %(status)s",
                **values,
            )
        return _(
            "Did your disease begin on its own (de novo) or after another blood disorder or earlier "
            "treatment (secondary)? The trial excludes %(status)s",
            **values,
        )
    if c.polarity == "include":
        return _(
            "Where does your disease stand now: newly diagnosed, in remission, relapsed (back after treatment) "
            "or refractory (not responding to treatment)? The trial requires %(status)s",
            **values,
        )
    return _(
        "Where does your disease stand now: newly diagnosed, in remission, relapsed (back after treatment) "
        "or refractory (not responding to treatment)? The trial excludes %(status)s",
        **values,
    )


def _part_of_a_definition(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    return CriterionResult(c, "not_applicable", _("part of a definition in the criteria, not a separate requirement"))


def _administrative(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    return CriterionResult(
        c,
        "not_applicable",
        _("administrative (%(concept)s): the study team checks this with you", concept=term(c.concept)),
    )


def _unread(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    return CriterionResult(
        c,
        "unknown",
        _("trialscope could not read this criterion"),
        question=_("Ask the study team about: %(criterion)s", criterion=c.text.strip()),
        answered_by="study_team",
    )


def _asked(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """A value trialscope does not compare (a quantity it does not know, a count of nothing named): asked."""
    return _ask_value(c, vocab)


# --- the evaluators, and what each reads ----------------------------------------------------------------
# One table names each way of judging a constraint and the facets of a patient's facts (``facts.py``) it
# reads; ``evaluator_of`` chooses one for a constraint, for both the judging and its reads. Two patients
# equal in the facets an evaluator reads get the same result from it, words included: a prescreen evaluates
# each criterion once per distinct value of them (``matching/prescreen.py``), and its tests compare that
# with the full evaluation on varied populations.

Judge = Callable[[Constraint, PatientFacts, Vocabulary], CriterionResult]
Reads = Callable[[Constraint, Vocabulary], tuple[Facet, ...]]
Quick = Callable[[Constraint, PatientFacts, Vocabulary], "Status | None"]


@dataclass(frozen=True, slots=True)
class Evaluator:
    judge: Judge  # the patient's result on the constraint
    reads: Reads  # the facets of the patient's facts ``judge`` reads for it
    # ``judge``'s status alone, where it can be had without the words ("met" or "not met"); None: ask ``judge``
    status: Quick | None = None


def _nothing(c: Constraint, vocab: Vocabulary) -> tuple[Facet, ...]:
    return ()


def _the(kind: str) -> Reads:
    """A facet of the patient as a whole (their age, their performance status)."""
    return lambda c, vocab: ((kind, ""),)


def _of_concept(kind: str) -> Reads:
    """A facet about the constraint's concept (an antigen, a therapy, a condition)."""
    return lambda c, vocab: ((kind, c.concept or ""),)


def _lab_reads(c: Constraint, vocab: Vocabulary) -> tuple[Facet, ...]:
    """The lab value, and the denials that make a scale absent (no heart failure: no NYHA class)."""
    quantity = vocab.quantities.get(c.quantity or "")
    lab: Facet = ("lab", c.quantity or "")
    if quantity is not None and quantity.absent_when_denied and quantity.scale_range:
        return (*(("denied", k) for k in quantity.absent_when_denied), lab)
    return (lab,)


EVALUATORS: dict[str, Evaluator] = {
    "definition": Evaluator(_part_of_a_definition, _nothing),
    "administrative": Evaluator(_administrative, _nothing),
    "unread": Evaluator(_unread, _nothing),
    "asked": Evaluator(_asked, _nothing),
    "age": Evaluator(_evaluate_age, _the("age"), _age_status),
    "life expectancy": Evaluator(_evaluate_life_expectancy, _the("life_expectancy")),
    "performance": Evaluator(_evaluate_performance, _the("performance")),
    "blasts": Evaluator(_evaluate_blasts, _the("blasts")),
    "count": Evaluator(_evaluate_count, _of_concept("treated")),
    "lab": Evaluator(_evaluate_lab, _lab_reads, _lab_status),
    "biomarker": Evaluator(_evaluate_biomarker, _of_concept("antigen")),
    "pregnancy": Evaluator(_evaluate_pregnancy, _the("pregnancy")),
    "disease status": Evaluator(_evaluate_status, lambda c, vocab: (STATUS,)),
    "therapy": Evaluator(_evaluate_history, _of_concept("treated")),
    "history": Evaluator(_evaluate_history, _of_concept("had")),
}


def evaluator_of(c: Constraint, vocab: Vocabulary) -> Evaluator:
    """The evaluator that judges ``c`` (the one place a constraint is told which)."""
    if c.definitional:
        return EVALUATORS["definition"]
    if c.kind in ("administrative", "unparsed"):
        return EVALUATORS["administrative" if c.kind == "administrative" else "unread"]
    if c.kind == "numeric":
        known = vocab.quantities.get(c.quantity or "")
        if known is None or known.kind == "other" or (known.kind == "count" and not c.concept):
            return EVALUATORS["asked"]
        if c.quantity in ("age", "life expectancy"):
            return EVALUATORS[c.quantity]
        if c.quantity in SCALES:
            return EVALUATORS["performance"]
        if c.quantity == "bone marrow blasts":
            return EVALUATORS["blasts"]
        return EVALUATORS["count" if known.kind == "count" else "lab"]
    if c.category in ("biomarker", "pregnancy"):
        return EVALUATORS[c.category]
    if c.category == "disease_status":
        return EVALUATORS["disease status"]
    return EVALUATORS["therapy" if c.category == "prior_therapy" else "history"]


def evaluate_constraint(c: Constraint, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """The patient's result on one constraint: what its reading and the patient's facts decide, and no
    more (``sure``)."""
    return sure(c, evaluator_of(c, vocab).judge(c, facts, vocab), facts, vocab)


def quick_status(c: Constraint, vocab: Vocabulary) -> Callable[[PatientFacts], Status | None] | None:
    """``evaluate_constraint(c, facts, vocab).status`` without the words, where the evaluator can give it and
    the answer stands (``sure``): "met" or "not met"; the function gives None where it cannot say, and is
    None where the evaluator never can. A prescreen asks it first: a row shows no words of a criterion met."""
    evaluator = evaluator_of(c, vocab)
    status = evaluator.status
    if status is None:
        return None
    facets = evaluator.reads(c, vocab)
    kept = kept_answers(c)

    def quick(facts: PatientFacts) -> Status | None:
        found = status(c, facts, vocab)
        if found is None or found not in kept or any(facts.doubts(f, vocab) for f in facets):
            return None  # sure() would make it unknown, in words: evaluate it
        return found

    return quick


def record_quick_status(c: Constraint, vocab: Vocabulary) -> Callable[[PatientFacts], Status | None] | None:
    """``quick_status`` for a limit of the record, which is judged as it is (no reading of text to be unsure
    of)."""
    status = evaluator_of(c, vocab).status
    return None if status is None else lambda facts: status(c, facts, vocab)


def reads(c: Constraint, vocab: Vocabulary) -> tuple[Facet, ...]:
    """The facets ``evaluate_constraint(c, facts, vocab)`` reads."""
    return evaluator_of(c, vocab).reads(c, vocab)


# --- a sure reading of both sides ---------------------------------------------------------------------------
# "met" and "not met" each need a sure reading of the criterion and of the patient. The criterion's reading
# says which of its words were left over and how they are classed (criteria/reading.py); each class leaves
# some answers standing and turns the others into questions. A patient's fact read from a sentence of a
# description that was not read whole decides nothing.

_EXCLUSION_KEEPS: dict[str, frozenset[str]] = {  # what an exclusion can still answer, per class of leftover
    "qualifier": frozenset({"met"}),  # no hypertension at all meets "no uncontrolled hypertension"
    "condition": frozenset({"met"}),
    "relaxation": frozenset({"met"}),
    "exception": frozenset({"met"}),
    "excepted": frozenset({"met", "not_met"}),  # only the exception is narrowed (see _evaluate_history)
    "excepted_unapplied": frozenset({"met"}),  # an exception read, but nothing here applies it (a limit's)
    "alternative": frozenset({"not_met"}),  # having a member read is excluded; the unread ones are asked
    "conjunct": frozenset({"met"}),  # "antibody and RNA positive": one result read cannot exclude
    "unplaced": frozenset(),
    "conflict": frozenset(),
}
_INCLUSION_KEEPS: dict[str, frozenset[str]] = {  # and an inclusion
    "qualifier": frozenset({"not_met"}),  # no AML at all fails "AML with a poor response to induction"
    "condition": frozenset({"met"}),  # met whether or not it applies
    # a looser alternative limit for some patients only ("≤ 5 × ULN if due to liver involvement"): meeting it
    # meets the criterion only if the condition holds
    "relaxation": frozenset(),
    "exception": frozenset(),
    "excepted": frozenset({"met", "not_met"}),
    "excepted_unapplied": frozenset({"met"}),  # within the limit meets it whoever the exception spares
    "alternative": frozenset({"met"}),  # one member met is enough
    "conjunct": frozenset({"not_met"}),  # one member failed is enough
    "unplaced": frozenset(),
    "conflict": frozenset(),
}


def kept_answers(c: Constraint) -> frozenset[str]:
    """The decided answers ("met", "not_met") the constraint's reading supports."""
    keeps = _EXCLUSION_KEEPS if c.polarity == "exclude" else _INCLUSION_KEEPS
    allowed = frozenset({"met", "not_met"})
    for kind in (c.unsure or "").split(","):
        if kind == "excepted" and not (c.kind == "concept" and c.exceptions):
            kind = "excepted_unapplied"  # only a concept's named exceptions are weighed (_evaluate_history)
        if kind:
            allowed &= keeps.get(kind, frozenset())
    return allowed


def sure(c: Constraint, result: CriterionResult, facts: PatientFacts, vocab: Vocabulary) -> CriterionResult:
    """The result, kept only where both readings support it: otherwise unknown, saying what stopped it."""
    if result.status not in ("met", "not_met"):
        return result
    if any(facts.doubts(facet, vocab) for facet in reads(c, vocab)):
        return CriterionResult(
            c,
            "unknown",
            _(
                "%(evidence)s; but this was read from a sentence of your description that trialscope could not "
                "read whole",
                evidence=result.explanation,
            ),
            question=_("Please confirm this with your doctor: %(evidence)s", evidence=result.explanation),
        )
    if result.status in kept_answers(c):
        return result
    if c.unsure == "conflict":
        because = _("trialscope does not trust its reading of this criterion (%(why)s)", why=conflict_words(c))
    else:
        because = _("the criterion also says “%(words)s”, which trialscope could not weigh", words=c.leftover or "")
    return CriterionResult(
        c,
        "unknown",
        _("%(evidence)s; but %(because)s", evidence=result.explanation, because=because),
        question=_("Ask the study team how “%(words)s” applies to you (%(rule)s)", words=_words(c), rule=describe(c)),
        answered_by="study_team",
    )


def _words(c: Constraint) -> str:
    return (c.leftover or "") if c.unsure != "conflict" else c.text.strip()
