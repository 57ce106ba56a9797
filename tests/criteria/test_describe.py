"""Constraints in words: what the CLI's criteria view and the trial page's "understood as" column say."""

from __future__ import annotations

import orjson

from tests.conftest import FIXTURES
from trialscope.criteria import parse_criteria
from trialscope.criteria.describe import describe, describe_all
from trialscope.model.study import parse_study

DEFINITION_LEAD = "in a definition, not a requirement of its own"


def _described() -> dict[str, list[str]]:
    study = parse_study(orjson.loads((FIXTURES / "seed-trials" / "NCT07144020.json").read_bytes()))
    parsed = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria or "", study)
    words: dict[str, list[str]] = {}
    for c in parsed.constraints:
        words.setdefault(c.text.strip(), []).append(describe(c))
    return words


def test_parts_of_a_definition_are_not_shown_as_requirements() -> None:
    # "Refractory AML (meeting at least one criterion): failure to achieve CR ... newly diagnosed ... relapse":
    # each is one way to meet the definition, not something every patient must have.
    words = _described()
    assert f"{DEFINITION_LEAD}: newly diagnosed" in words["newly diagnosed"]
    assert f"{DEFINITION_LEAD}: number of relapses ≥ 2" in words["≥2"]
    assert not any(w.startswith("must have: newly diagnosed") for w in words["newly diagnosed"])


def test_requirements_keep_their_lead() -> None:
    words = _described()
    assert "must have: CD117-positive disease" in words["CD117"]
    assert "total bilirubin ≤ 1.5 × ULN" in words["≤1.5 × ULN"]


def test_pregnancy_wording_says_what_is_checked() -> None:
    # "For patients of childbearing potential: agreement to use contraception" is neither "must have: pregnancy"
    # nor "must not be pregnant": childbearing potential is no pregnancy
    words = _described()
    assert "childbearing" not in words
    assert words["contraception"] == ["must agree to use contraception (if able to have children)"]


def test_alternatives_and_twins_read_as_such() -> None:
    study = parse_study(orjson.loads((FIXTURES / "seed-trials" / "NCT07144020.json").read_bytes()))
    parsed = parse_criteria(study.protocol_section.eligibility_module.eligibility_criteria or "", study)
    by_text = {c.text.strip(): c for c in parsed.constraints}
    blasts = describe_all([by_text[">5%"], by_text[">1%"]])
    assert blasts == ["bone marrow blasts > 5 % (by morphology)", "or: bone marrow blasts > 1 % (by flow cytometry)"]
    bilirubin = describe_all([by_text["≤1.5 × ULN"], by_text["≤51 μmol/L"]])
    assert bilirubin[1] == "total bilirubin ≤ 51 umol/L (the same limit in absolute units)"
