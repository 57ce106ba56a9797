"""Other diseases are not "possibly eligible" (issue 36, item 5): for the example AML patient, "find trials
for me" over the demo catalogue shows no trial whose record's conditions all name other diseases (B-ALL,
myeloma, plasma-cell leukaemia, CMML, lymphomas ...), and the vocabulary knows those diseases by kind."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ROOT
from trialscope.criteria.targets import trial_diseases
from trialscope.criteria.vocabulary import vocabulary
from trialscope.matching.catalogue_matching import _diagnosis_concepts, for_another_disease, match_patient
from trialscope.matching.facts import patient_facts
from trialscope.patients import load_patient
from trialscope.store.trial_store import TrialStore

PATIENT = ROOT / "examples" / "patient-aml.json"
OTHERS = ("NCT07429461", "NCT05979363", "NCT07509086", "NCT06071624", "NCT07109323", "NCT07321301")


@pytest.mark.parametrize(
    ("condition", "concept"),
    [
        ("Plasma Cell Leukemia (PCL)", "plasma cell leukemia"),
        ("Chronic Eosinophilic Leukemia", "eosinophilic leukemia"),
        ("ALL (Acute B-Lymphoblastic Leukemia)", "B-cell acute lymphoblastic leukemia"),
        ("T-Lymphoblastic Lymphoma", "T-cell acute lymphoblastic leukemia"),
        ("High-risk Myelodysplastic Neoplasm", "myelodysplastic syndrome"),
        ("Chronic Myelogenous Leukaemia", "chronic myeloid leukemia"),
        ("Chronic Myelomonocytic Leukemia", "chronic myelomonocytic leukemia"),
        ("Leukemia, Myeloid, Acute", "acute myeloid leukemia"),
        ("Acute Myeloblastic Leukaemia", "acute myeloid leukemia"),
        ("Lymphoma, Large B-Cell, Diffuse", "diffuse large B-cell lymphoma"),
        ("Mantle Cell Lymphoma (MCL)", "mantle cell lymphoma"),
        ("Peripheral T-cell Lymphoma", "peripheral T-cell lymphoma"),  # its own concept, a kind of T-cell lymphoma
        ("B-cell Malignancies", "B-cell malignancy"),
        ("Recurrent Plasma Cell Myeloma", "multiple myeloma"),
    ],
)
def test_the_vocabulary_knows_each_disease_by_kind(condition: str, concept: str) -> None:
    assert concept in [m.key for m in vocabulary().concept_matcher.finditer(condition)]


def test_a_trial_is_for_another_disease_only_when_none_of_its_diseases_is_the_patients() -> None:
    vocab = vocabulary()
    aml = set(vocab.concept_ancestors("acute myeloid leukemia"))
    assert for_another_disease(["B-cell acute lymphoblastic leukemia", "leukemia"], aml, vocab)
    assert for_another_disease(["plasma cell leukemia", "multiple myeloma"], aml, vocab)
    assert not for_another_disease(["acute leukemia"], aml, vocab)  # a kind the patient's disease is
    assert not for_another_disease(["acute promyelocytic leukemia"], aml, vocab)  # a kind of the patient's
    assert not for_another_disease(["T-cell lymphoma", "acute myeloid leukemia"], aml, vocab)
    assert not for_another_disease([], aml, vocab)  # nothing known: the record does not say


def test_the_example_aml_patient_sees_no_trial_for_other_diseases_only(web_store: TrialStore) -> None:
    vocab = vocabulary()
    patient = load_patient(PATIENT)
    diagnoses = _diagnosis_concepts(patient_facts(patient, vocab), vocab)
    matches = match_patient(web_store, patient)
    assert len(matches) > 40
    for match in matches:
        if match.verdict == "not_eligible":
            continue
        trial = web_store.get(match.nct_id)
        assert trial is not None
        diseases = trial_diseases(trial.study, vocab)
        assert not (diseases and for_another_disease(diseases, diagnoses, vocab)), (match.nct_id, diseases)
    shown = {m.nct_id for m in matches}
    assert not shown & set(OTHERS)
    top = [m.nct_id for m in match_patient(web_store, patient, limit=20)]
    assert len(top) == 20 and not set(top) & set(OTHERS)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_find_trials_for_me_lists_no_other_disease(client: TestClient, language: str) -> None:
    headers = {"accept-language": "zh-CN,zh;q=0.9"} if language == "zh" else {}  # no cookie: the client is shared
    token_page = client.get("/find", headers=headers)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', token_page.text)
    assert token
    page = client.post(
        "/find",
        data={"csrf_token": token.group(1), "text": _words(language)},
        headers=headers,
    )
    assert page.status_code == 200
    listed = set(re.findall(r'href="/trials/(NCT\d{8})', page.text))
    assert listed and not listed & set(OTHERS)


def _words(language: str) -> str:
    if language == "zh":
        return "67岁男性，复发性急性髓系白血病，骨髓原始细胞25%，ECOG 1"
    return "67-year-old man with relapsed acute myeloid leukemia, marrow blasts 25%, ECOG 1"
