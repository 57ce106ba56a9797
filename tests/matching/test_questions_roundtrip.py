"""Every question kind of "could I qualify?" reaches the evaluation: a typed answer settles the criteria
its question was asked for (form answer -> profile -> verdict), on each seed trial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialscope.criteria import parse_criteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.questions import Question, patient_from_answers, questions_for
from trialscope.matching.verdict import match_trial
from trialscope.model.study import parse_study

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seed-trials"


def _answer(q: Question) -> dict[str, str]:
    if q.role == "age":
        return {q.key: "45"}
    if q.role == "sex":
        return {q.key: "female"}
    if q.role in ("diagnosis", "status"):
        return {q.key: q.options[0][0]}
    if q.role == "performance":
        return {q.key: "1"}
    if q.role == "lab":
        return {q.key: "10", f"{q.key}_unit": q.units[0], f"{q.key}_uln": "40" if q.asks_uln else ""}
    if q.role == "marker":
        return {q.key: "positive"}
    return {q.key: "no"}  # therapy, history, pregnancy


@pytest.mark.parametrize("nct_id", ["NCT07144020", "NCT04599543", "NCT06125652", "NCT07342244", "NCT06585345"])
def test_every_answered_question_settles_its_criteria(nct_id: str) -> None:
    study = parse_study(json.loads((SEEDS / f"{nct_id}.json").read_text()))
    parsed = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria, study)
    questions = questions_for(parsed.constraints, sex_limited=False)
    kinds = {q.role for q in questions}
    assert {"age", "lab", "history"} <= kinds
    asked = {c for q in questions for c in q.criteria}
    for constraint_id in sorted(asked):
        answers: dict[str, str] = {}
        for question in questions:
            if constraint_id in question.criteria:
                answers |= _answer(question)
        patient = patient_from_answers(questions, answers)
        results = {r.constraint.id: r for r in match_trial(study, parsed, patient_facts(patient)).criteria}
        result = results[constraint_id]
        unanswered = result.status == "unknown" and any(
            words in result.explanation for words in ("not in your profile", "does not say", "no bone marrow blast")
        )
        assert not unanswered, (constraint_id, sorted(answers), result.explanation)
