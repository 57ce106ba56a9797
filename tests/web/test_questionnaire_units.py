"""Units that fit the reader: a Chinese page asks lab values in the units Chinese reports use, and a number
that no one can have in the unit chosen is questioned (on pages in either language), naming the unit it is
possible in. The ranges are reviewed data (data/criteria/lab-units.json), checked when loaded."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from tests.web.conftest import csrf
from trialscope.criteria import parse_criteria
from trialscope.criteria.units import UnitConversionError, convert
from trialscope.criteria.vocabulary import vocabulary
from trialscope.matching.questions import AnswerError, patient_from_answers, questions_for
from trialscope.model.study import parse_study
from trialscope.patients.plausible import LabUnits, LabUnitsError, lab_units
from trialscope.translation import reading_in, translations

DATA = Path(__file__).parents[2] / "src/trialscope/data/criteria/lab-units.json"
TRIAL = "NCT07144020"  # limits creatinine, total bilirubin, ALT, AST (as × ULN) and more


def _questions() -> dict[str, Any]:
    study = parse_study(orjson.loads((FIXTURES / "seed-trials" / f"{TRIAL}.json").read_bytes()))
    constraints = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria or "", study)
    return {q.key: q for q in questions_for(constraints.constraints, sex_limited=False)}


def test_a_chinese_reader_is_asked_in_the_units_of_chinese_lab_reports() -> None:
    english = _questions()
    with reading_in(translations("zh")):
        chinese = _questions()
    assert english["lab:creatinine"].units[0] == "mg/dL" and chinese["lab:creatinine"].units[0] == "umol/L"
    assert chinese["lab:total bilirubin"].units[0] == "umol/L"
    assert set(chinese["lab:creatinine"].units) == set(english["lab:creatinine"].units)  # every unit still offered


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Creatinine 80 mg/dL is not a possible value: did you mean 80 μmol/L?"),
        ("zh", "肌酐 80 mg/dL 不是可能的数值，您是否指 80 μmol/L？"),
    ],
)
def test_an_impossible_value_is_questioned_with_the_likely_unit(language: str, message: str) -> None:
    with reading_in(translations(language)):
        questions = list(_questions().values())
        with pytest.raises(AnswerError) as refused:
            patient_from_answers(questions, {"lab:creatinine": "80", "lab:creatinine_unit": "mg/dL"})
    assert str(refused.value) == message


def test_possible_values_pass_in_every_unit() -> None:
    questions = list(_questions().values())
    for value, unit in (("80", "umol/L"), ("0.9", "mg/dL"), ("12", "mg/dL")):
        patient = patient_from_answers(questions, {"lab:creatinine": value, "lab:creatinine_unit": unit})
        assert patient.labs[0].value == float(value) and patient.labs[0].unit == unit
    with pytest.raises(AnswerError, match="check the number and its unit"):
        patient_from_answers(questions, {"lab:creatinine": "90000", "lab:creatinine_unit": "umol/L"})


def test_the_ranges_of_one_lab_say_the_same_in_each_unit() -> None:
    """Each range converted to the lab's other units is within a fifth of the range written for them: the
    data file cannot say that 25 mg/dL of creatinine is possible and its 2210 umol/L is not."""
    units = lab_units()
    vocab = vocabulary()
    compared = 0
    for quantity, ranges in units.plausible.items():
        for unit, (_low, high) in ranges.items():
            for other, (_other_low, other_high) in ranges.items():
                try:
                    converted = convert(high, unit, other, vocab.quantities[quantity])
                except UnitConversionError:  # "/mm3": pint cannot read it (the matcher's own gap)
                    continue
                assert other_high * 0.8 <= converted <= other_high * 1.25, (quantity, unit, other, converted)
                compared += 1
    assert compared > 30


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["plausible"]["creatinine"].update({"mg/L": [1, 2]}),
            r"plausible\.creatinine\.mg/L: 'mg/L' is not one",
        ),
        (
            lambda d: d["plausible"]["creatinine"].update({"mg/dL": [25, 0.1]}),
            r"plausible\.creatinine\.mg/dL: a range is",
        ),
        (
            lambda d: d["plausible"]["hemoglobin"].pop("source"),
            r"plausible\.hemoglobin: say where the range comes from",
        ),
        (lambda d: d["reader_units"]["zh"].update(creatinine="mmol/L"), r"reader_units\.zh\.creatinine"),
        (lambda d: d["reader_units"]["zh"].update(kreatinin="umol/L"), r"'kreatinin' is not a quantity"),
    ],
)
def test_a_bad_lab_units_file_is_refused_naming_the_quantity_and_unit(change: Any, message: str) -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    change(broken)
    with pytest.raises(LabUnitsError, match=message):
        LabUnits.from_data(broken, vocabulary(), "lab-units.json")


def test_the_chinese_questionnaire_page_defaults_to_umol_and_questions_mg(client: TestClient) -> None:
    page = client.get(f"/trials/{TRIAL}/qualify?lang=zh").text
    select = page[page.index('name="lab:creatinine_unit"') :]
    assert select.index("μmol/L") < select.index("mg/dL")  # the first option is the default
    answers = {"csrf_token": csrf(client, f"/trials/{TRIAL}/qualify?lang=zh"), "age": "45"}
    answers |= {"lab:creatinine": "80", "lab:creatinine_unit": "mg/dL"}
    refused = client.post(f"/trials/{TRIAL}/qualify?lang=zh", data=answers)
    assert refused.status_code == 400 and "肌酐 80 mg/dL 不是可能的数值，您是否指 80 μmol/L？" in refused.text
    answers["lab:creatinine_unit"] = "umol/L"
    accepted = client.post(f"/trials/{TRIAL}/qualify?lang=zh", data=answers)
    client.cookies.clear()
    assert accepted.status_code == 200 and "66.7" not in accepted.text
