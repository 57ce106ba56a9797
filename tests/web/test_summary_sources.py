"""Summaries say only what the record says (issue 36, item 4): over the whole demo catalogue, every marker a
summary says the cancer cells must carry is written in the criteria, every age is the record's (or, where
the age fields and the criteria disagree, both are said near the top, and on "Who can join"), the phase
sentence is the record's phase, and a treatment path is said only where the record states one."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from trialscope.model.age import age_in_years
from trialscope.search.documents import trial_concepts
from trialscope.store.trial_store import TrialStore
from trialscope.web.plain_language import age_conflict, plain_summary, plain_words

ZH = {"accept-language": "zh-CN,zh;q=0.9"}
MARKERS = re.compile(r"The cancer cells must carry (.+?)\.(?:\s|$)")
AGES = re.compile(r"aged (\d+(?:\.\d+)?) to (\d+(?:\.\d+)?)|aged (\d+(?:\.\d+)?) or older|up to age (\d+(?:\.\d+)?)")


def _words(html: str) -> str:
    """The page's text with its tags' words dropped (glossary words are wrapped), ids kept for splitting."""
    kept = re.sub(r'<(?![^>]*\bid="(?:who-can-join|criteria-h)")[^>]+>', "", html)
    return unescape(re.sub(r"\s+", " ", kept))


def _numbers(text: str) -> set[float]:
    return {float(n) for match in AGES.finditer(text) for n in match.groups() if n}


def test_every_demo_summary_claims_only_what_its_record_says(web_store: TrialStore) -> None:
    criteria = web_store.criteria
    words = plain_words()
    checked = 0
    for row in web_store.candidates():
        trial = web_store.get(row.nct_id)
        assert trial is not None
        study = trial.study
        stored = criteria.get(trial)
        diseases, targets = trial_concepts(study)
        summary = plain_summary(study, stored.constraints, diseases, targets)
        text = (study.protocol_section.eligibility_module.eligibility_criteria or "").casefold()
        # markers: each one named is written in the criteria (an implied target is not a requirement)
        for said in MARKERS.findall(summary.who):
            for marker in re.split(r" and | or ", said):
                stated = {
                    c["concept"]
                    for c in stored.constraints
                    if c.get("category") == "biomarker" and not c.get("implicit") and c.get("concept")
                }
                assert marker in stated, (row.nct_id, marker)
        # ages: the who-sentence's are the record's fields; a conflict names the criteria's too
        eligibility = study.protocol_section.eligibility_module
        fields = {
            a for a in (age_in_years(eligibility.minimum_age), age_in_years(eligibility.maximum_age)) if a is not None
        }
        assert _numbers(summary.who) <= fields | {18.0}, (row.nct_id, summary.who)
        conflict = age_conflict(eligibility.minimum_age, eligibility.maximum_age, stored.constraints)
        assert summary.age_conflict == conflict
        if conflict:
            criteria_numbers = _numbers(conflict.split("the criteria")[1])
            assert criteria_numbers and all(str(int(n)) in text for n in criteria_numbers), (row.nct_id, conflict)
        # phases: the phase sentence is one of the record's phases
        phase_sentences = {p: s for p, s in words.phases.items() if s in summary.involves}
        assert set(phase_sentences) <= set(study.phases), (row.nct_id, study.phases)
        # a treatment path only where the title or the interventions state it
        if any(says in summary.what for _pattern, says in words.treatment_paths):
            interventions = study.protocol_section.arms_interventions_module.interventions
            source = study.title + " ".join(f"{i.name or ''} {i.description or ''}" for i in interventions)
            assert re.search(r"transplant|HSCT|SCT", source, re.IGNORECASE), row.nct_id
        checked += 1
    assert checked > 2000


def test_an_implied_target_is_not_said_to_be_required(client: TestClient) -> None:
    page = client.get("/trials/NCT06125652").text
    assert "must carry" not in page  # the criteria do not say CD123 or TIM-3: the therapy aims at them
    assert "It aims at TIM-3 and CD123, markers on the cancer cells." in re.sub(r"<[^>]+>|\s+(?=[,.])", "", page)


@pytest.mark.parametrize(
    ("headers", "conflict", "path"),
    [
        (
            {},
            "the fields say people aged 18 to 78, the criteria people aged 18 to 75",
            "The plan is the study treatment first, then a stem cell transplant.",
        ),
        (ZH, "年龄栏写的是18至78岁的人士，入选标准写的是18至75岁的人士", "计划先接受研究治疗，然后进行干细胞移植。"),
    ],
    ids=["en", "zh"],
)
def test_an_age_conflict_and_the_treatment_path_are_said_near_the_top(
    client: TestClient, headers: dict[str, str], conflict: str, path: str
) -> None:
    page = _words(client.get("/trials/NCT07342244", headers=headers).text)
    overview = page.split('id="who-can-join"')[0]
    assert conflict in overview and path in overview
    who_can_join = page.split('id="who-can-join"')[1].split('id="criteria-h"')[0]
    assert conflict in who_can_join  # before the criteria, not only at the end of them
