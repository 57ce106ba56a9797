""" "Could I qualify?": the questions one trial's structured criteria need, and the patient profile the
answers make for the matcher. It asks only what those criteria need, in plain words, with units the person
can choose. "Not sure" (or a blank) is never turned into an answer: the criterion stays unknown and becomes
a question for the doctor. The pages only show the questions and pass the answers back (web/pages.py).

Labels are messages marked for translation (``N_``), translated where they are shown: ``Question.text``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from trialscope.criteria.describe import describe, span_words
from trialscope.criteria.model import Constraint
from trialscope.criteria.units import convert
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.age import possible
from trialscope.patients.model import (
    Biomarker,
    BlastCount,
    Condition,
    HistoryItem,
    LabValue,
    Patient,
    PerformanceStatus,
    Treatment,
)
from trialscope.patients.plausible import lab_units
from trialscope.translation import N_, _, reader_locale, term

Kind = Literal["number", "choice"]
Role = Literal[
    "age", "sex", "diagnosis", "status", "origin", "performance", "marker", "lab", "therapy", "history", "pregnancy"
]
ROLES: tuple[Role, ...] = (  # the order questions are asked in: about you, your disease, tests, treatment, health
    "age",
    "sex",
    "diagnosis",
    "status",
    "origin",
    "performance",
    "marker",
    "lab",
    "therapy",
    "history",
    "pregnancy",
)
NOT_SURE = ""
YES_NO = [("yes", N_("Yes")), ("no", N_("No")), (NOT_SURE, N_("Not sure"))]
STATUSES = [
    ("relapsed", N_("It came back after treatment (relapsed)")),
    ("refractory", N_("It did not get better with treatment (refractory)")),
    ("newly diagnosed", N_("Newly found, not treated yet")),
    ("remission", N_("In remission")),
    (NOT_SURE, N_("Not sure")),
]
ORIGINS = [  # how the disease began: what a "de novo" criterion asks (the vocabulary's origin axis)
    ("de novo", N_("On its own (de novo)")),
    (
        "secondary origin",
        N_(
            "From another blood disorder (such as MDS), "
            "or after chemotherapy or radiation for another illness (secondary)"
        ),
    ),
    (NOT_SURE, N_("Not sure")),
]
ECOG = [
    ("0", N_("0: fully active")),
    ("1", N_("1: light work is fine, hard work is not")),
    ("2", N_("2: up and about more than half the day, cannot work")),
    ("3", N_("3: in bed or a chair more than half the day")),
    ("4", N_("4: in bed or a chair all day")),
    (NOT_SURE, N_("Not sure")),
]
MARKER = [("positive", N_("Yes, positive")), ("negative", N_("Yes, negative")), (NOT_SURE, N_("Not tested / not sure"))]
SEXES = [("female", N_("Female")), ("male", N_("Male")), (NOT_SURE, N_("Prefer not to say"))]


@dataclass(slots=True)
class Question:
    key: str  # the form field (and, for a number with units, key + "_unit")
    kind: Kind
    label: str  # a message (translated on the page), with %(x)s for ``subject`` and %(when)s for ``when``
    role: Role
    help: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    concept: str | None = None  # what the answer is about (a lab, antigen, therapy, condition)
    subject: str = ""  # what %(x)s in the label stands for (a lab, an antigen, a therapy: registry words)
    when: str = ""  # a time window ("3 months")
    criteria: list[str] = field(default_factory=list)  # ids of the constraints it answers
    asks_uln: bool = False  # a criterion limits this lab as a multiple of the upper limit of normal
    tense: str = "ever"  # for a yes/no about a therapy or condition: "now", "within" (``days``) or "ever"
    days: float | None = None

    @property
    def text(self) -> str:
        """The question in the reader's language (``translation.py``)."""
        return _(self.label, x=term(self.subject), when=self.when)


PERIPHERAL_BLOOD = "peripheral blood"


# --- the questions a trial's criteria need -------------------------------------------------------------------


def _tense(c: Constraint) -> tuple[str, str]:
    """How a criterion asks about a therapy or condition, in its own tense: about now ("currently receiving",
    "active"), within its window, or ever; and the window in words."""
    if c.within is not None and c.within.countable:
        return "within", span_words(c.within)
    if c.current:
        return "now", ""
    return "ever", ""


def _subject(c: Constraint) -> str:
    """What a question names: the concept, with the exceptions the criterion makes ("organ transplant, other
    than hematopoietic stem cell transplantation")."""
    if not c.exceptions:
        return c.concept or ""
    return _("%(what)s, other than %(exceptions)s", what=term(c.concept), exceptions="; ".join(c.exceptions))


def _diseases(diseases: Sequence[str], vocab: Vocabulary) -> list[tuple[str, str]]:
    """Diagnosis choices: each disease, and the kinds of a general one ("acute leukemia": AML, ALL ...), so a
    person finds their own diagnosis by its name. Labels are concept names (translated on the page)."""
    keys = [key for disease in diseases for key in (disease, *vocab.kinds_of(disease))]
    return [(key, key) for key in dict.fromkeys(keys)]


def _number_question(c: Constraint, vocab: Vocabulary) -> Question | None:
    """The question a limit on a value asks (a lab, a measurement, life expectancy, performance status);
    None for what is not asked: a count or scale the criteria read otherwise, the age (always asked), what
    only the study team settles (``study_team_settles``)."""
    q = vocab.quantities.get(c.quantity or "")
    if q is None or q.kind in ("count", "scale", "demographic") or q.answered_by == "study_team":
        return None
    if q.kind == "performance":
        # one ECOG question answers Karnofsky and Lansky limits too: the matcher maps the scales onto each
        # other by bands (criteria/performance.py) and says when a band cannot decide
        return Question(
            "ecog", "choice", N_("How active are you day to day? (ECOG score)"), "performance", options=ECOG
        )
    units = [u for u in q.units if u != "xULN"] or [q.unit]
    units = lab_units().ordered_units(q.key, units, reader_locale())  # the reader's lab reports' unit first
    label = N_("Your latest %(x)s") if q.kind in ("lab", "measurement") else N_("Your %(x)s")
    if q.kind == "prognosis":
        label = N_("How long does your doctor expect you to live? (life expectancy)")
    peripheral = c.sample == PERIPHERAL_BLOOD  # a count the marrow's cannot answer; with both sites, it can
    return Question(
        f"lab:{c.quantity}:{PERIPHERAL_BLOOD}" if peripheral else f"lab:{c.quantity}",
        "number",
        label,
        "lab",
        help=N_("From your latest report. Leave blank if you do not know."),
        units=units,
        concept=c.quantity,
        subject=N_("peripheral blood blasts") if peripheral else "",
        asks_uln=c.unit == "xULN",
    )


def _yes_no(c: Constraint, role: Role, labels: dict[str, str]) -> Question:
    """A yes/no about a therapy or condition, in the criterion's own tense (``labels``: one per tense)."""
    tense, when = _tense(c)
    return Question(
        f"{role}:{c.concept}:{tense}:{when}",
        "choice",
        labels[tense],
        role,
        options=YES_NO,
        concept=c.concept,
        subject=_subject(c),
        when=when,
        tense=tense,
        days=c.within.days if c.within is not None and c.within.countable else None,
    )


_THERAPY = {
    "now": N_("Are you receiving %(x)s now?"),
    "within": N_("Have you had %(x)s in the last %(when)s?"),
    "ever": N_("Have you ever had %(x)s?"),
}
_HISTORY = {
    "now": N_("Do you have %(x)s now?"),
    "within": N_("Have you had %(x)s in the last %(when)s?"),
    "ever": N_("Have you ever had %(x)s?"),
}


def _concept_questions(c: Constraint, vocab: Vocabulary) -> list[Question]:
    """The questions a criterion on a concept asks (a diagnosis, a disease status, a marker, a therapy, the
    history, pregnancy)."""
    concept = c.concept or ""
    if c.category == "condition" and c.polarity == "include":
        diagnoses = _diseases([concept], vocab)
        return [Question("diagnosis", "choice", N_("What is your diagnosis?"), "diagnosis", options=diagnoses)]
    if c.category == "disease_status" and vocab.concepts[concept].status_axis == "origin":
        label = N_(
            "Did your disease begin on its own (de novo), or did it grow from another blood "
            "disorder or come after earlier treatment (secondary)?"
        )
        return [Question("origin", "choice", label, "origin", options=ORIGINS)]
    if c.category == "disease_status":
        return [Question("status", "choice", N_("Where are you with your disease?"), "status", options=STATUSES)]
    if c.category == "biomarker":
        label = N_("Were your cancer cells tested for %(x)s?")
        return [Question(f"marker:{concept}", "choice", label, "marker", options=MARKER, concept=concept)]
    if c.category == "prior_therapy":
        return [_yes_no(c, "therapy", _THERAPY)]
    if c.category == "pregnancy":
        return [
            Question("pregnant", "choice", N_("Are you pregnant?"), "pregnancy", options=YES_NO),
            Question("breastfeeding", "choice", N_("Are you breastfeeding?"), "pregnancy", options=YES_NO),
        ]
    if c.category in ("condition", "infection"):
        return [_yes_no(c, "history", _HISTORY)]
    return []


def questions_for(
    constraints: Sequence[Constraint],
    sex_limited: bool,
    vocab: Vocabulary | None = None,
    trial_diseases: Sequence[str] = (),
) -> list[Question]:
    """The questions this trial's criteria need, each once, in the order of ``ROLES``. ``trial_diseases``:
    what the record's conditions name, offered as diagnoses beside those the criteria name."""
    vocab = vocab or vocabulary()
    asked: dict[str, Question] = {}

    def ask(question: Question, constraint: Constraint | None = None) -> None:
        """Ask once: a question asked again for another criterion answers it too."""
        question.subject = question.subject or question.concept or ""
        existing = asked.setdefault(question.key, question)
        if existing is not question:
            existing.options = existing.options + [o for o in question.options if o not in existing.options]
            existing.asks_uln = existing.asks_uln or question.asks_uln
        if constraint is not None:
            existing.criteria.append(constraint.id)

    ask(Question("age", "number", N_("How old are you?"), "age", units=["years"]))
    if sex_limited or any(c.category == "pregnancy" for c in constraints):
        ask(Question("sex", "choice", N_("Sex"), "sex", options=SEXES))
    for c in constraints:
        if not c.evaluable or c.definitional or c.kind in ("administrative", "unparsed"):
            continue
        if c.kind == "numeric" and c.quantity:
            number = _number_question(c, vocab)
            found = [number] if number is not None else []
        else:
            found = _concept_questions(c, vocab) if c.kind == "concept" and c.concept else []
        for question in found:
            ask(question, c)
    if "diagnosis" in asked:  # what the record's conditions name too, and a way out
        ask(Question("diagnosis", "choice", "", "diagnosis", options=_diseases(trial_diseases, vocab)))
        asked["diagnosis"].options += [("other", N_("Something else")), (NOT_SURE, N_("Not sure"))]
    return sorted(asked.values(), key=lambda q: ROLES.index(q.role))


def study_team_settles(constraints: Sequence[Constraint], vocab: Vocabulary | None = None) -> list[str]:
    """The criteria only the study team can settle (manufacturing results, the investigator's estimates), in
    words, each once: shown on the questionnaire instead of asked."""
    vocab = vocab or vocabulary()
    settled: dict[str, None] = {}
    for c in constraints:
        q = vocab.quantities.get(c.quantity or "")
        if c.kind == "numeric" and not c.definitional and q is not None and q.answered_by == "study_team":
            settled.setdefault(describe(c), None)  # an exclusion says what excludes
    return list(settled)


# --- the answers as a profile ------------------------------------------------------------------------------


class AnswerError(ValueError):
    """An answer that cannot be read (a word where a number goes): the message names the question."""


def _number(value: str, question: Question | str) -> float | None:
    label = question if isinstance(question, str) else question.text
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise AnswerError(
            _("%(question)s: please enter a number (you wrote %(value)s)", question=label, value=repr(value[:20]))
        ) from None
    if not 0 <= number < 1e7:
        raise AnswerError(_("%(question)s: %(value)s is out of range", question=label, value=value[:20]))
    return number


def _out_of_range(question: Question | str, number: float) -> AnswerError:
    label = question if isinstance(question, str) else question.text
    return AnswerError(_("%(question)s: %(value)s is out of range", question=label, value=f"{number:g}"))


def _check_possible(quantity: str, number: float, unit: str) -> None:
    """A number no living person has in the unit chosen is questioned, with the unit it is possible in: a
    Chinese report's creatinine of 80 (umol/L) answered in mg/dL would otherwise be 66.7 × ULN."""
    units = lab_units()
    if units.possible(quantity, number, unit) is not False:
        return
    lab = term(quantity)
    lab = lab[:1].upper() + lab[1:] if lab.isascii() else lab
    value, shown = f"{number:g}", units.shown(unit)
    likely = units.likely_units(quantity, number, unit)
    if likely:
        raise AnswerError(
            _(
                "%(lab)s %(value)s %(unit)s is not a possible value: did you mean %(value)s %(likely)s?",
                lab=lab,
                value=value,
                unit=shown,
                likely=units.shown(likely[0]),
            )
        )
    raise AnswerError(
        _(
            "%(lab)s %(value)s %(unit)s is not a possible value: check the number and its unit.",
            lab=lab,
            value=value,
            unit=shown,
        )
    )


def _lab_answer(patient: Patient, q: Question, number: float, answers: Mapping[str, str]) -> None:
    """A lab (or blasts, or life expectancy) answered in the unit chosen, with the report's upper limit of
    normal when given."""
    assert q.concept is not None
    unit = answers.get(f"{q.key}_unit") or (q.units[0] if q.units else "")
    if unit not in q.units:
        raise AnswerError(_("%(question)s: unknown unit %(unit)s", question=q.text, unit=repr(unit[:20])))
    _check_possible(q.concept, number, unit)
    uln_label = _("%(question)s (upper limit of normal)", question=q.text)
    uln = _number(answers.get(f"{q.key}_uln") or "", uln_label)
    if uln is not None and uln <= 0:
        raise _out_of_range(uln_label, uln)
    try:
        if q.concept == "bone marrow blasts":  # read where the matcher reads blast counts, from its site
            sample = PERIPHERAL_BLOOD if q.key.endswith(f":{PERIPHERAL_BLOOD}") else "bone marrow"
            patient.bone_marrow_blasts.append(BlastCount(value=number, sample=sample))
        elif q.concept == "life expectancy":
            patient.life_expectancy_months = convert(number, unit or "months", "months")
        else:
            patient.labs.append(LabValue(name=q.concept, value=number, unit=unit, upper_limit_normal=uln))
    except ValidationError:  # a percentage over 100
        raise _out_of_range(q, number) from None


def _yes_or_no(patient: Patient, q: Question, yes: bool) -> None:
    """A yes or no about a therapy or the history, in the question's own tense: now, within its window, or
    at some time."""
    assert q.concept is not None
    if not yes:
        patient.history.append(_denial(q))
    elif q.role == "therapy":
        today = patient.as_of if q.tense in ("now", "within") else None
        patient.treatments.append(Treatment(name=q.concept, date=today, ongoing=True if q.tense == "now" else None))
    else:
        timing = "current" if q.tense in ("now", "within") else "ever"
        today = patient.as_of if q.tense == "within" else None
        patient.history.append(HistoryItem(name=q.concept, present=True, timing=timing, date=today))


def patient_from_answers(
    questions: Sequence[Question], answers: Mapping[str, str], as_of: dt.date | None = None
) -> Patient:
    """The profile the answers describe. Blank and "not sure" answers are left out (they stay unknown)."""
    patient = Patient(id="your answers", as_of=as_of or dt.date.today())
    status = " ".join(answers.get(key, NOT_SURE) for key in ("status", "origin")).strip()  # "relapsed de novo"
    for q in questions:
        value = (answers.get(q.key) or "").strip()
        if not value:
            continue
        if q.role == "age":
            age = _number(value, q)
            if age is not None and not possible(age):
                raise _out_of_range(q, age)
            patient.age_years = age
        elif q.role == "sex" and value in ("female", "male"):
            patient.sex = value  # type: ignore[assignment]
        elif q.role == "diagnosis" and value != "other":
            patient.conditions.append(Condition(name=value, status=status or None))
        elif q.role == "performance":
            number = _number(value, q)
            if number is not None:
                try:
                    patient.performance_status = PerformanceStatus(scale="ECOG", value=number)
                except ValidationError:  # a score the scale does not have (ECOG is 0 to 5)
                    raise _out_of_range(q, number) from None
        elif q.role == "lab" and q.concept:
            number = _number(value, q)
            if number is not None:
                _lab_answer(patient, q, number, answers)
        elif q.role == "marker" and q.concept and value in ("positive", "negative"):
            patient.biomarkers.append(Biomarker(name=q.concept, result=value))
        elif q.role in ("therapy", "history") and q.concept and value in ("yes", "no"):
            _yes_or_no(patient, q, value == "yes")
        elif q.role == "pregnancy" and value in ("yes", "no"):
            if q.key == "pregnant":
                patient.pregnant = value == "yes"
            else:
                patient.lactating = value == "yes"
    if status and not patient.conditions and status != NOT_SURE:
        patient.conditions.append(Condition(name=status, status=status))
    return patient


def _denial(q: Question) -> HistoryItem:
    """A "no" in the question's tense: not now, not in the last days, or never."""
    assert q.concept is not None
    if q.tense == "now":
        return HistoryItem(name=q.concept, present=False, timing="current")
    if q.tense == "within" and q.days:
        return HistoryItem(name=q.concept, present=False, within_days=q.days)
    return HistoryItem(name=q.concept, present=False)
