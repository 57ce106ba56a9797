"""A patient against a whole trial: every constraint evaluated, alternatives and twins resolved, the
record's own age and sex limits checked, and one verdict:

- ``eligible``: every patient-evaluable criterion is met;
- ``possibly_eligible``: nothing failed, some are unknown (the questions to ask are listed);
- ``not_eligible``: at least one criterion failed (the failing criteria are listed with their reasons).

Where the criteria text and the record's structured fields disagree (text "18-75", record "78") and the
patient falls between them, the answer is unknown with both sources named, never a silent exclusion.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from trialscope.criteria.model import Comparator, Constraint, ParsedCriteria
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.matching.evaluate import CriterionResult, evaluate_constraint, evaluate_numeric
from trialscope.matching.facts import PatientFacts
from trialscope.model.study import Study, age_in_years

Verdict = Literal["eligible", "possibly_eligible", "not_eligible"]
VERDICT_ORDER = {"eligible": 0, "possibly_eligible": 1, "not_eligible": 2}


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
        seen: dict[str, None] = {}
        for r in self.unknown:
            if r.question and r.constraint.kind != "unparsed":
                seen.setdefault(r.question, None)
        return list(seen)

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
    min_age_years: float | None
    max_age_years: float | None
    sex: str  # ALL | FEMALE | MALE
    minimum_age: str | None = None  # as the record writes them
    maximum_age: str | None = None

    @classmethod
    def from_study(cls, study: Study) -> TrialInfo:
        eligibility = study.protocol_section.eligibility_module
        return cls(
            nct_id=study.nct_id,
            title=study.title,
            overall_status=study.overall_status,
            min_age_years=age_in_years(eligibility.minimum_age),
            max_age_years=age_in_years(eligibility.maximum_age),
            sex=(eligibility.sex or "ALL").upper(),
            minimum_age=eligibility.minimum_age,
            maximum_age=eligibility.maximum_age,
        )


def _record_constraints(trial: TrialInfo) -> list[Constraint]:
    constraints = []
    limits: tuple[tuple[str, Comparator, float | None, str | None], ...] = (
        ("minimum", ">=", trial.min_age_years, trial.minimum_age),
        ("maximum", "<=", trial.max_age_years, trial.maximum_age),
    )
    for label, comparator, value, written in limits:
        if value is not None:
            constraints.append(
                Constraint(
                    id=f"record-{label}-age",
                    kind="numeric",
                    polarity="include",
                    item=None,
                    start=None,
                    end=None,
                    text=f"{label} age: {written or f'{value:g} Years'}",
                    quantity="age",
                    comparator=comparator,
                    value=value,
                    unit="years",
                    source="the record's eligibility fields",
                )
            )
    return constraints


def _sex_result(trial: TrialInfo, facts: PatientFacts) -> CriterionResult | None:
    allowed = trial.sex
    constraint = Constraint(
        id="record-sex",
        kind="concept",
        polarity="include",
        item=None,
        start=None,
        end=None,
        text=f"sex: {allowed.lower()}",
        category="sex",
        concept=allowed.lower(),
        source="the record's eligibility fields",
    )
    if allowed == "ALL":
        return None
    sex = facts.patient.sex
    if sex in (None, "unknown", "other"):
        return CriterionResult(
            constraint,
            "unknown",
            f"the trial takes {allowed.lower()} participants only",
            question="Ask the study team whether you can take part (the trial lists one sex)",
        )
    ok = sex.upper() == allowed
    return CriterionResult(
        constraint, "met" if ok else "not_met", f"you are {sex}; the trial takes {allowed.lower()} participants only"
    )


def _reconcile_ages(results: list[CriterionResult]) -> list[str]:
    """Text and record age limits that disagree for this patient: unknown, both named."""
    ages = [r for r in results if r.constraint.quantity == "age" and r.status in ("met", "not_met")]
    failing = [r for r in ages if r.status == "not_met"]
    passing = [r for r in ages if r.status == "met"]
    notes = []
    for fail in failing:
        contradicting = [
            p
            for p in passing
            if p.constraint.comparator
            and fail.constraint.comparator
            and p.constraint.comparator[0] == fail.constraint.comparator[0]
            and (p.constraint.source is None) != (fail.constraint.source is None)
        ]
        if contradicting:
            other = contradicting[0].constraint
            fail.status = "unknown"
            fail.explanation += f"; but {other.source or 'the criteria text'} says {other.text.strip()}"
            fail.question = "The criteria text and the record's age limits disagree: ask the study team which applies"
            notes.append(fail.explanation)
    return notes


def _resolve_alternatives(results: list[CriterionResult]) -> None:
    by_id = {r.constraint.id: r for r in results}
    for r in results:  # a twin restates its xULN partner: it decides only when the partner cannot
        twin_of = r.constraint.twin_of
        if twin_of and by_id.get(twin_of) and by_id[twin_of].status in ("met", "not_met"):
            r.status, r.question = "not_applicable", None
            r.explanation = f"restates the × ULN limit beside it ({by_id[twin_of].explanation})"
    groups: dict[str, list[CriterionResult]] = defaultdict(list)
    for r in results:
        if r.constraint.any_of_group and r.constraint.polarity == "include" and r.status != "not_applicable":
            groups[r.constraint.any_of_group].append(r)
    for members in groups.values():
        if len(members) < 2:
            continue
        met = [m for m in members if m.status == "met"]
        if met:
            for m in members:
                if m.status != "met":
                    m.status, m.question = "not_applicable", None
                    m.explanation += f" (an alternative is met: {met[0].explanation})"
            continue
        unknown = [m for m in members if m.status == "unknown"]
        if unknown:
            for m in members:
                if m.status == "not_met":
                    m.status = "unknown"
                    m.question = unknown[0].question
                    m.explanation += f"; but an alternative may still be met ({unknown[0].constraint.text.strip()})"


Memo = dict[tuple[object, ...], tuple[str, str, str | None]]


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
            c.text if c.kind == "unparsed" else None,
        )
    return c.meaning_key


def _evaluate(c: Constraint, facts: PatientFacts, vocab: Vocabulary, memo: Memo | None) -> CriterionResult:
    if memo is None:
        return evaluate_constraint(c, facts, vocab)
    key = _meaning(c)
    known = memo.get(key)
    if known is None:
        result = evaluate_constraint(c, facts, vocab)
        memo[key] = (result.status, result.explanation, result.question)
        return result
    return CriterionResult(c, known[0], known[1], known[2])  # type: ignore[arg-type]


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
    results = [_evaluate(c, facts, vocab, memo) for c in constraints]
    if not any(not c.implicit for c in constraints):  # no criteria text (a partial record): never "eligible"
        missing = Constraint(
            id="no-criteria",
            kind="unparsed",
            polarity="include",
            item=None,
            start=None,
            end=None,
            text="the trial's eligibility criteria",
            reason="not in the catalogue for this trial",
        )
        results.append(
            CriterionResult(
                missing,
                "unknown",
                "the eligibility criteria of this trial are not in the catalogue",
                question="Read the full eligibility criteria on the registry or ask the study team",
            )
        )
    results += [evaluate_numeric(c, facts, vocab) for c in _record_constraints(info)]
    sex = _sex_result(info, facts)
    if sex is not None:
        results.append(sex)
    notes = _reconcile_ages(results)
    _resolve_alternatives(results)
    statuses = {r.status for r in results}
    verdict: Verdict = (
        "not_eligible" if "not_met" in statuses else "possibly_eligible" if "unknown" in statuses else "eligible"
    )
    return TrialMatch(info.nct_id, info.title, info.overall_status, verdict, results, notes)
