"""A performance score must be one its scale has (ECOG 0-5, Karnofsky and Lansky 0-100), in every input:
a profile, the questionnaire, the prescreen CSV (tests/patients/test_table.py)."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from tests.conftest import FIXTURES
from trialscope.criteria import parse_criteria
from trialscope.matching.questions import AnswerError, patient_from_answers, questions_for
from trialscope.model.study import parse_study
from trialscope.patients.model import PatientFileError, patient_from_dict


@pytest.mark.parametrize(
    ("scale", "value", "kept"),
    [("ECOG", 5, True), ("ECOG", 7, False), ("Karnofsky", 70, True), ("KPS", 120, False), ("Lansky", 100, True)],
)
def test_a_profile_score_is_on_its_scale(scale: str, value: float, kept: bool) -> None:
    profile = {"performance_status": {"scale": scale, "value": value}}
    if kept:
        assert patient_from_dict(profile).performance_status is not None
    else:
        with pytest.raises(PatientFileError, match="field performance_status"):
            patient_from_dict(profile)


def test_the_questionnaire_refuses_an_ecog_the_scale_does_not_have() -> None:
    record = orjson.loads((FIXTURES / "seed-trials" / "NCT07144020.json").read_bytes())
    study = parse_study(record)
    constraints = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria or "", study)
    questions = questions_for(constraints.constraints, sex_limited=False)
    with pytest.raises(AnswerError, match="7 is out of range"):
        patient_from_answers(questions, {"age": "45", "ecog": "7"}, as_of=dt.date(2026, 12, 1))
