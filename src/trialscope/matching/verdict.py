"""A patient against a whole trial: every constraint evaluated, alternatives and twins resolved, the
record's own age and sex limits checked, and one verdict:

- ``eligible``: every patient-evaluable criterion is met;
- ``possibly_eligible``: nothing failed, some are unknown (the questions to ask are listed);
- ``not_eligible``: at least one criterion failed (the failing criteria are listed with their reasons).

Where the criteria text and the record's structured fields disagree (text "18-75", record "78") and the
patient falls between them, the answer is unknown with both sources named, never a silent exclusion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from trialscope.criteria.model import Comparator, Constraint, Kind, ParsedCriteria
from trialscope.criteria.outline import Outline, Shape, constraint_for_key
from trialscope.criteria.targets import trial_diseases
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.matching.evaluate import (
    Answerer,
    CriterionResult,
    Status,
    evaluate_constraint,
    evaluator_of,
    quick_status,
    reads,
    record_quick_status,
)
from trialscope.matching.facts import DIAGNOSES, Facet, PatientFacts
from trialscope.model.age import AgeLimit
from trialscope.model.study import Study
from trialscope.translation import N_, _, term

Verdict = Literal["eligible", "possibly_eligible", "not_eligible"]
VERDICT_ORDER = {"eligible": 0, "possibly_eligible": 1, "not_eligible": 2}

RECORD_FIELDS = N_("the record's eligibility fields")  # the source of the age and sex limits
SEX_WORDS = (N_("female"), N_("male"))  # said in the reader's language (``term``)


@dataclass(slots=True)
class TrialMatch:
    nct_id: str
    title: str
    overall_status: str | None
    verdict: Verdict
    criteria: list[CriterionResult]
    notes: list[str] = field(default_factory=list)
    distance_km: float | None = None  # to the nearest open site (status open, or not stated) from --near
    nearest_site: str | None = None

    @property
    def failing(self) -> list[CriterionResult]:
        return [r for r in self.criteria if r.status == "not_met"]

    @property
    def unknown(self) -> list[CriterionResult]:
        return [r for r in self.criteria if r.status == "unknown"]

    @property
    def questions(self) -> list[str]:
        """What to ask to settle the unknown criteria, each once. An absolute limit restating an open × ULN
        one ("bilirubin ≤ 1.5 × ULN (≤ 51 µmol/L)") is settled by the same answer, so it is not asked again."""
        return self._asked("patient")

    @property
    def study_team_decides(self) -> list[str]:
        """Unknowns only the study team can settle (manufacturing results, the investigator's estimates):
        not asked of the patient."""
        return self._asked("study_team")

    def _asked(self, who: str) -> list[str]:
        return list(dict.fromkeys(r.question for r in self.asking(who)))  # type: ignore[misc]

    def asking(self, who: str) -> list[CriterionResult]:
        """The unknown criteria whose question is asked of ``who`` ("patient" or "study_team"), in order: a
        question may be asked by several (it is asked once)."""
        open_ids = {r.constraint.id for r in self.unknown}
        return [
            r
            for r in self.unknown
            if r.constraint.twin_of not in open_ids
            and r.answered_by == who
            and r.question
            and r.constraint.kind != "unparsed"
        ]

    @property
    def unread(self) -> list[str]:
        """Criteria trialscope could not read: to go through with the study team."""
        return [r.constraint.text.strip() for r in self.unknown if r.constraint.kind == "unparsed"]

    def as_dict(self) -> dict[str, object]:
        return {
            "nct_id": self.nct_id,
            "title": self.title,
            "overall_status": self.overall_status,
            "verdict": self.verdict,
            "nearest_site": self.nearest_site,
            "distance_km": None if self.distance_km is None else round(self.distance_km),
            "failing": [r.explanation for r in self.failing],
            "questions": self.questions,
            "study_team_decides": self.study_team_decides,
            "unread_criteria": self.unread,
            "notes": self.notes,
            "criteria": [r.as_dict() for r in self.criteria],
        }


@dataclass(frozen=True, slots=True)
class TrialInfo:
    """What the verdict needs of a trial besides its criteria (from a Study, or the store's columns)."""

    nct_id: str
    title: str
    overall_status: str | None
    minimum_age: str | None  # as the record writes them ("18 Years", "6 Months")
    maximum_age: str | None
    sex: str  # ALL | FEMALE | MALE
    diseases: tuple[str, ...] = ()  # what the record's conditions say the trial is for (``trial_diseases``)

    @classmethod
    def from_study(cls, study: Study) -> TrialInfo:
        eligibility = study.protocol_section.eligibility_module
        return cls(
            diseases=trial_diseases(study),
            nct_id=study.nct_id,
            title=study.title,
            overall_status=study.overall_status,
            minimum_age=eligibility.minimum_age,
            maximum_age=eligibility.maximum_age,
            sex=(eligibility.sex or "ALL").upper(),
        )


def _from_record(id: str, kind: Kind, text: str, **fields: object) -> Constraint:
    """A constraint the record's structured fields state (age limits, sex, conditions): an inclusion with no
    span in the criteria text."""
    return Constraint(
        id=id,
        kind=kind,
        polarity="include",
        item=None,
        start=None,
        end=None,
        text=text,
        source=RECORD_FIELDS,
        **fields,  # type: ignore[arg-type]
    )


def _record_constraints(trial: TrialInfo) -> list[Constraint]:
    """The record's age limits as constraints in their own unit ("6 Months": at least 6 completed months):
    the evaluator compares completed units (model/age.py)."""
    constraints = []
    limits: tuple[tuple[str, Comparator, str | None], ...] = (
        ("minimum", ">=", trial.minimum_age),
        ("maximum", "<=", trial.maximum_age),
    )
    for label, comparator, written in limits:
        limit = AgeLimit.read(written)
        if limit is None:
            continue
        text = _("minimum age: %(age)s", age=written) if label == "minimum" else _("maximum age: %(age)s", age=written)
        constraints.append(
            _from_record(
                f"record-{label}-age",
                "numeric",
                text,
                quantity="age",
                comparator=comparator,
                value=limit.amount,
                unit=f"{limit.unit}s",  # as the criteria name time units: "years", "months"
            )
        )
    return constraints


def _sex_constraint(trial: TrialInfo) -> Constraint:
    allowed = trial.sex.lower()
    return _from_record("record-sex", "concept", _("sex: %(sex)s", sex=term(allowed)), category="sex", concept=allowed)


def _sex_result(trial: TrialInfo, facts: PatientFacts, constraint: Constraint | None = None) -> CriterionResult | None:
    allowed = trial.sex
    if allowed == "ALL":
        return None
    constraint = constraint or _sex_constraint(trial)
    sex = facts.patient.sex
    if sex in (None, "unknown", "other"):
        return CriterionResult(
            constraint,
            "unknown",
            _("the trial takes %(sex)s participants only", sex=term(allowed.lower())),
            question=_("Ask the study team whether you can take part (the trial lists one sex)"),
        )
    ok = sex.upper() == allowed
    return CriterionResult(
        constraint,
        "met" if ok else "not_met",
        _("you are %(you)s; the trial takes %(sex)s participants only", you=term(sex), sex=term(allowed.lower())),
    )


def _disease_constraint(trial: TrialInfo) -> Constraint:
    wanted = ", ".join(term(d) for d in trial.diseases)
    return _from_record(
        "record-conditions",
        "concept",
        _("conditions: %(diseases)s", diseases=wanted),
        category="condition",
        concept=trial.diseases[0] if trial.diseases else None,
    )


def _disease_result(
    trial: TrialInfo, facts: PatientFacts, vocab: Vocabulary, constraint: Constraint | None = None
) -> CriterionResult | None:
    """The record's conditions against the patient's diagnosis: an AML patient is 'not eligible: other
    disease' for a trial whose conditions are all solid tumours; APL meets AML (the concept hierarchy)."""
    diagnoses = [f for f in facts.diagnoses if vocab.concepts[f.concept].primary_diagnosis]
    if not trial.diseases or not diagnoses:
        return None
    wanted = ", ".join(term(d) for d in trial.diseases)
    constraint = constraint or _disease_constraint(trial)
    values = {"diagnosis": term(diagnoses[0].said_as), "diseases": wanted}
    for fact in diagnoses:
        if vocab.concept_ancestors(fact.concept) & set(trial.diseases):
            values["diagnosis"] = term(fact.said_as)
            return CriterionResult(
                constraint, "met", _("your diagnosis is %(diagnosis)s; the trial is for %(diseases)s", **values)
            )
    if any(f.concept in vocab.concept_ancestors(d) for f in diagnoses for d in trial.diseases):
        return CriterionResult(
            constraint,
            "unknown",
            _("your diagnosis is %(diagnosis)s; the trial is for %(diseases)s", **values),
            question=_("Which kind of %(diagnosis)s do you have? The trial is for %(diseases)s", **values),
        )
    return CriterionResult(
        constraint,
        "not_met",
        _("other disease: your diagnosis is %(diagnosis)s; the trial is for %(diseases)s", **values),
    )


# --- settling: record-vs-text age conflicts, twins and alternatives --------------------------------------
# One rule set, run on statuses alone, so the quick screen of a whole catalogue (matching/outline.py) and the
# full evaluation with evidence (match_trial) cannot disagree. Each change says why, and which other
# criterion caused it; match_trial turns that into words.

Why = Literal["age_conflict", "twin", "alternative_met", "alternative_open"]
Change = tuple[int, Status, Why, int]  # index, new status, why, the index of the criterion that caused it


def settle(statuses: list[Status], shape: Shape) -> list[Change]:
    """Apply the rules between criteria to ``statuses`` (changed in place); return what changed and why.

    1. Text and record age limits that disagree for this patient: the failing one becomes unknown.
    2. A twin (absolute threshold beside a xULN one) decides only when its partner cannot.
    3. Alternatives: one member met makes the others not applicable; otherwise one unknown member keeps the
       failing ones open (unknown)."""
    changes: list[Change] = []
    ages = [i for i in shape.age_limits if statuses[i] in ("met", "not_met")]
    if ages:
        passing = [i for i in ages if statuses[i] == "met"]
        for i in ages:
            if statuses[i] != "not_met":
                continue
            other = next(
                (p for p in passing if shape.ages[p] == shape.ages[i] and shape.from_record[p] != shape.from_record[i]),
                -1,
            )
            if other >= 0:
                changes.append((i, "unknown", "age_conflict", other))
    for i, partner in shape.twin_pairs:
        if statuses[partner] in ("met", "not_met"):
            changes.append((i, "not_applicable", "twin", partner))
    for i, status, _why, _other in changes:
        statuses[i] = status
    for group in shape.alternatives:
        members = [m for m in group if statuses[m] != "not_applicable"]
        if len(members) < 2:
            continue
        met = next((m for m in members if statuses[m] == "met"), -1)
        if met >= 0:
            for m in members:
                if statuses[m] != "met":
                    statuses[m] = "not_applicable"
                    changes.append((m, "not_applicable", "alternative_met", met))
            continue
        unknown = next((m for m in members if statuses[m] == "unknown"), -1)
        if unknown >= 0:
            for m in members:
                if statuses[m] == "not_met":
                    statuses[m] = "unknown"
                    changes.append((m, "unknown", "alternative_open", unknown))
    return changes


def verdict_of(statuses: Iterable[Status]) -> Verdict:
    seen = set(statuses)
    return "not_eligible" if "not_met" in seen else "possibly_eligible" if "unknown" in seen else "eligible"


def _explain(results: list[CriterionResult], changes: list[Change]) -> list[str]:
    """Put settling's changes into words on the results; return notes for the trial (age conflicts)."""
    notes = []
    for i, status, why, other in changes:
        r, cause = results[i], results[other]
        r.status = status
        if why == "age_conflict":
            r.explanation += _(
                "; but %(source)s says %(text)s",
                source=term(cause.constraint.source) or _("the criteria text"),
                text=cause.constraint.text.strip(),
            )
            r.question = _("The criteria text and the record's age limits disagree: ask the study team which applies")
            notes.append(r.explanation)
        elif why == "twin":
            r.question = None
            r.explanation = _("restates the × ULN limit beside it (%(other)s)", other=cause.explanation)
        elif why == "alternative_met":
            r.question = None
            r.explanation += _(" (an alternative is met: %(other)s)", other=cause.explanation)
        else:
            r.question = cause.question
            r.explanation += _("; but an alternative may still be met (%(other)s)", other=cause.constraint.text.strip())
    return notes


Memo = dict[tuple[object, ...], tuple[Status, str, str | None, Answerer]]


def _meaning(c: Constraint) -> tuple[object, ...]:
    """What an evaluation depends on: two constraints with the same meaning get the same answer.
    Computed once per constraint object (stored constraints are cached across matches)."""
    if c.meaning_key is None:
        c.meaning_key = (
            c.kind,
            c.polarity,
            c.quantity,
            c.comparator,
            c.value,
            c.unit,
            c.method,
            c.category,
            c.concept,
            c.within,
            c.definitional,
            c.implicit,
            c.current,
            c.unsure,
            c.leftover,
            c.text if c.kind == "unparsed" or (c.kind == "numeric" and not c.unit) else None,
        )
    return c.meaning_key


_NO_CRITERIA_TEXT = Constraint(
    id="no-criteria",
    kind="unparsed",
    polarity="include",
    item=None,
    start=None,
    end=None,
    text="",
)


@dataclass(frozen=True, slots=True)
class Check:
    """One thing a trial's verdict checks: a criterion of its text, a limit its record states, or the
    placeholder for criteria the catalogue lacks. ``evaluate`` gives the patient's result (None: it does
    not apply to this patient); ``reads`` names the facets of the patient's facts it depends on."""

    constraint: Constraint
    evaluate: Callable[[PatientFacts], CriterionResult | None]
    reads: tuple[Facet, ...]
    from_text: bool = False  # a constraint of the criteria text (its answer may be shared across trials)
    # ``evaluate(facts).status`` without the words where it can be had so ("met", "not met"; None: evaluate)
    status: Callable[[PatientFacts], Status | None] | None = None


def trial_checks(info: TrialInfo, constraints: list[Constraint], vocab: Vocabulary) -> list[Check]:
    """Everything the verdict on ``info`` checks, in the order of the verdict's criteria."""

    def criterion(c: Constraint) -> Check:
        return Check(
            c,
            lambda facts: evaluate_constraint(c, facts, vocab),
            reads(c, vocab),
            from_text=True,
            status=quick_status(c, vocab),
        )

    checks = [criterion(c) for c in constraints]
    if not any(not c.implicit for c in constraints):  # no criteria text (a partial record): never "eligible"
        missing = dataclasses.replace(
            _NO_CRITERIA_TEXT,
            text=_("the trial's eligibility criteria"),
            reason=_("not in the catalogue for this trial"),
        )
        result = CriterionResult(
            missing,
            "unknown",
            _("the eligibility criteria of this trial are not in the catalogue"),
            question=_("Read the full eligibility criteria on the registry or ask the study team"),
        )
        checks.append(Check(missing, lambda _facts: dataclasses.replace(result), ()))
    return checks + record_checks(info, vocab)


def record_checks(info: TrialInfo, vocab: Vocabulary) -> list[Check]:
    """What the record's own fields limit: its age limits, its sex, its conditions (in this order)."""

    def limit(c: Constraint) -> Check:  # the record's own limit: no reading of text to be unsure of
        evaluator = evaluator_of(c, vocab)
        return Check(
            c,
            lambda facts: evaluator.judge(c, facts, vocab),
            evaluator.reads(c, vocab),
            status=record_quick_status(c, vocab),
        )

    checks = [limit(c) for c in _record_constraints(info)]
    if info.sex != "ALL":
        sex = _sex_constraint(info)
        checks.append(Check(sex, lambda facts: _sex_result(info, facts, sex), (("sex", ""),)))
    if info.diseases:
        disease = _disease_constraint(info)
        checks.append(Check(disease, lambda facts: _disease_result(info, facts, vocab, disease), (DIAGNOSES,)))
    return checks


def decide(info: TrialInfo, results: list[CriterionResult]) -> TrialMatch:
    """The verdict on a trial from its results: the rules between criteria settled and put into words."""
    statuses = [r.status for r in results]
    notes = _explain(results, settle(statuses, Shape.of([r.constraint for r in results])))
    return TrialMatch(info.nct_id, info.title, info.overall_status, verdict_of(statuses), results, notes)


def _evaluate(check: Check, facts: PatientFacts, memo: Memo | None) -> CriterionResult | None:
    if memo is None or not check.from_text:
        return check.evaluate(facts)
    key = _meaning(check.constraint)
    known = memo.get(key)
    if known is None:
        result = check.evaluate(facts)
        assert result is not None  # a criterion of the text always has a result
        memo[key] = (result.status, result.explanation, result.question, result.answered_by)
        return result
    return CriterionResult(check.constraint, *known)


def match_trial(
    trial: Study | TrialInfo,
    parsed: ParsedCriteria | list[Constraint],
    facts: PatientFacts,
    vocab: Vocabulary | None = None,
    memo: Memo | None = None,
) -> TrialMatch:
    """``memo``: answers already given to this patient, shared across trials (one patient, many trials)."""
    vocab = vocab or vocabulary()
    info = TrialInfo.from_study(trial) if isinstance(trial, Study) else trial
    constraints = parsed.constraints if isinstance(parsed, ParsedCriteria) else parsed
    results = [r for check in trial_checks(info, constraints, vocab) if (r := _evaluate(check, facts, memo))]
    return decide(info, results)


# --- the quick screen: a verdict from the outline alone -------------------------------------------------
StatusMemo = dict[str, Status]  # meaning key -> this patient's status (one patient, many trials)
_NO_CRITERIA = Shape([-1], [None], [""], [False])


@dataclass(frozen=True, slots=True)
class Screen:
    """A trial's verdict for a patient and what ranking needs, without the evidence in words."""

    nct_id: str
    verdict: Verdict
    unknown: int
    failing: int
    unchecked: bool  # no criteria text in the catalogue


def _record_statuses(
    info: TrialInfo, facts: PatientFacts, vocab: Vocabulary, memo: StatusMemo
) -> tuple[list[Status], Shape | None]:
    """The statuses of the record's own checks (age limits, sex, conditions) and their shape (None: none)."""
    statuses: list[Status] = []
    extra: list[Constraint] = []
    for check in record_checks(info, vocab):
        c = check.constraint
        if c.quantity == "age":  # the same limit on many trials: answered once per patient
            key = f"record {c.comparator} {c.value} {c.unit}"
            status = memo.get(key)
            if status is None:
                status = memo[key] = check.evaluate(facts).status  # type: ignore[union-attr]
        else:
            result = check.evaluate(facts)
            if result is None:
                continue
            status = result.status
        extra.append(c)
        statuses.append(status)
    return statuses, Shape.of(extra) if extra else None


# The record's limits of many trials are the same few (18 years and over, any sex): for one patient, their
# statuses and their shape are found once per set of limits, and each trial's shape joined to them once per
# trial shape (kept with the shape: the key holds its identity).
RecordMemo = dict[tuple[object, ...], Any]


def screen_trial(
    info: TrialInfo,
    outline: Outline,
    facts: PatientFacts,
    vocab: Vocabulary,
    memo: StatusMemo,
    records: RecordMemo | None = None,
) -> Screen:
    """The same verdict and counts as ``match_trial`` (both settle through ``settle``), from the compact
    form: each distinct meaning is evaluated once per patient (``memo``), and each set of record limits once
    (``records``, when given)."""
    statuses: list[Status] = []
    for key in outline.keys:
        status = memo.get(key)
        if status is None:
            status = memo[key] = evaluate_constraint(constraint_for_key(key), facts, vocab).status
        statuses.append(status)
    limits = (info.minimum_age, info.maximum_age, info.sex, info.diseases)
    found = records.get(limits) if records is not None else None
    if found is None:
        found = _record_statuses(info, facts, vocab, memo)
        if records is not None:
            records[limits] = found
    extra_statuses, extra = found
    shape = outline.shape
    if not outline.written:
        statuses.append("unknown")
    statuses += extra_statuses
    joined = (id(outline.shape), outline.written, limits)
    kept = records.get(joined) if records is not None else None
    if kept is not None and kept[0] is outline.shape:
        shape = kept[1]
    else:
        if not outline.written:
            shape = shape + _NO_CRITERIA
        if extra is not None:
            shape = shape + extra
        if records is not None:
            records[joined] = (outline.shape, shape)
    settle(statuses, shape)
    return Screen(
        info.nct_id,
        verdict_of(statuses),
        statuses.count("unknown"),
        statuses.count("not_met"),
        not outline.written,
    )
