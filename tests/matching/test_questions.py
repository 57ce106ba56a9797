"""The "could I qualify?" questionnaire: it asks what the trial's criteria need (and only that), and the
answers become a profile the matcher judges."""

from __future__ import annotations

import datetime as dt

import orjson

from tests.conftest import FIXTURES
from trialscope.criteria import parse_criteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.questions import patient_from_answers, questions_for, study_team_settles
from trialscope.matching.verdict import TrialInfo, match_trial
from trialscope.model.study import parse_study


def _trial(nct_id: str):  # type: ignore[no-untyped-def]
    study = parse_study(orjson.loads((FIXTURES / "seed-trials" / f"{nct_id}.json").read_bytes()))
    parsed = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria or "", study)
    return study, parsed.constraints


def test_performance_status_is_asked_when_the_criteria_limit_it() -> None:
    _, constraints = _trial("NCT07144020")  # "ECOG Performance Status of 0, 1, or 2"
    keys = [q.key for q in questions_for(constraints, sex_limited=False)]
    assert "ecog" in keys


def test_upper_limit_of_normal_is_asked_only_for_limits_stated_in_it() -> None:
    _, constraints = _trial("NCT07144020")
    by_key = {q.key: q for q in questions_for(constraints, sex_limited=False)}
    assert {k for k, q in by_key.items() if q.asks_uln} == {
        "lab:total bilirubin",
        "lab:ALT",
        "lab:AST",
        "lab:creatinine",
    }
    assert not by_key["lab:LVEF"].asks_uln
    # life expectancy is the investigator's estimate and T-cell expansion a manufacturing result: the study
    # team settles them, so they are listed apart, not asked
    assert "lab:life expectancy" not in by_key and "lab:T-cell proliferation" not in by_key
    settled = study_team_settles(constraints)
    assert any("life expectancy" in s for s in settled) and any("T-cell" in s for s in settled)


def test_an_ecog_answer_decides_the_performance_criterion() -> None:
    study, constraints = _trial("NCT07144020")
    questions = questions_for(constraints, sex_limited=False)
    info = TrialInfo.from_study(study)
    for answer, expected in (("1", "met"), ("3", "not_met")):
        patient = patient_from_answers(questions, {"age": "45", "ecog": answer}, as_of=dt.date(2026, 12, 1))
        match = match_trial(info, constraints, patient_facts(patient))
        ecog = next(r for r in match.criteria if r.constraint.quantity == "ECOG")
        assert ecog.status == expected, ecog.explanation
