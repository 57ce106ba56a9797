"""Questions with the right examples, in both languages (issue 36, item 6): a "de novo" criterion is asked
as where the disease came from (de novo or secondary), and either answer settles it; the diagnosis list
offers the diseases the trial names, and the kinds of a general one (AML for an acute-leukemia trial)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf
from trialscope.criteria.vocabulary import vocabulary
from trialscope.matching.facts import patient_facts
from trialscope.matching.questions import ORIGINS, Question, patient_from_answers

DE_NOVO = "NCT03126864"  # a demo trial that requires de novo AML
CD7 = "NCT06585345"  # a seed trial whose record names "acute leukemia" only
ZH = {"accept-language": "zh-CN,zh;q=0.9"}

pytestmark = pytest.mark.usefixtures("fresh_limits")


@pytest.mark.parametrize(
    ("headers", "asked", "wrong"),
    [
        ({}, "Did your disease begin on its own (de novo), or did it grow from another blood", "for example relapsed"),
        (
            ZH,
            "您的疾病是自行发生的（原发，de novo），还是由其他血液疾病发展而来或在既往治疗后出现（继发）？",
            "例如复发",
        ),
    ],
    ids=["en", "zh"],
)
def test_de_novo_is_asked_as_where_the_disease_came_from(
    client: TestClient, headers: dict[str, str], asked: str, wrong: str
) -> None:
    page = client.get(f"/trials/{DE_NOVO}/qualify", headers=headers).text
    assert asked in page and wrong not in page
    assert 'name="origin" value="de novo"' in page and 'name="origin" value="secondary origin"' in page


@pytest.mark.parametrize("origin", ["de novo", "secondary origin"])
def test_either_answer_becomes_a_status_on_the_origin_axis(origin: str) -> None:
    vocab = vocabulary()
    questions = [
        Question("diagnosis", "choice", "What is your diagnosis?", role="diagnosis"),
        Question("status", "choice", "", role="status"),
        Question("origin", "choice", "", options=ORIGINS, role="origin"),
    ]
    answers = {"diagnosis": "acute myeloid leukemia", "status": "relapsed", "origin": origin}
    facts = patient_facts(patient_from_answers(questions, answers), vocab)
    status = origin.removesuffix(" origin")  # the form's words name the concept "secondary"
    assert {"relapsed", status} <= facts.statuses
    assert vocab.concepts[status].status_axis == "origin"


def test_either_answer_gives_a_result_on_the_trial(client: TestClient) -> None:
    results = {}
    for origin in ("de novo", "secondary origin"):
        token = csrf(client, f"/trials/{DE_NOVO}/qualify")
        page = client.post(
            f"/trials/{DE_NOVO}/qualify",
            data={"csrf_token": token, "diagnosis": "acute myeloid leukemia", "origin": origin, "age": "60"},
        )
        assert page.status_code == 200
        results[origin] = page.text
    for origin, page in results.items():  # "de novo, or secondary": either answer meets it
        words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
        said = "de novo" if origin == "de novo" else "secondary"
        assert f"Met your disease is {said}; the trial requires de novo or secondary" in words


@pytest.mark.parametrize("headers", [{}, ZH], ids=["en", "zh"])
def test_the_diagnosis_list_offers_the_kinds_of_the_trials_disease(client: TestClient, headers: dict[str, str]) -> None:
    page = client.get(f"/trials/{CD7}/qualify", headers=headers).text
    values = re.findall(r'name="diagnosis" value="([^"]*)"', page)
    assert values[:3] == ["acute leukemia", "acute myeloid leukemia", "acute lymphoblastic leukemia"]
    assert ("Acute myeloid leukemia" if not headers else "急性髓系白血病") in page
