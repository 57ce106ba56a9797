"""What a note says reaches the profile (issue 33, item 5) and Chinese notes (issue 34, item 3): status from
the treatment story, blasts with site and method, performance in either scale, dated events, life expectancy
in words, medicines by class, assertions (plans, relatives, negated lists), and how surely each fact was read.
Notes here are our own wording."""

from __future__ import annotations

import datetime as dt

import pytest

from trialscope.patients import text_zh
from trialscope.patients.text import NoteWordsError, parse_note_words, patient_from_text
from trialscope.patients.text_zh import ChineseTermsError, parse_terms

AS_OF = dt.date(2026, 11, 1)


def _read(text: str):  # type: ignore[no-untyped-def]
    return patient_from_text(text, as_of=AS_OF)


def test_status_is_read_from_the_treatment_story() -> None:
    p = _read("61-year-old man with AML. He never achieved remission after two courses of induction.")
    assert any(c.status == "refractory" or c.name == "refractory" for c in p.conditions)


def test_blasts_keep_their_site_and_method() -> None:
    p = _read("Bone marrow aspirate: 31% blasts by flow. Peripheral blood blasts 12%.")
    counts = {(b.sample, b.method, b.value) for b in p.bone_marrow_blasts}
    assert ("bone marrow", "flow cytometry", 31.0) in counts
    assert ("peripheral blood", None, 12.0) in counts


def test_a_percentage_of_blasts_expressing_a_marker_is_not_a_blast_count() -> None:
    p = _read("Marrow 40% blasts; CD7 expressed on <1% of blasts.")
    assert [b.value for b in p.bone_marrow_blasts] == [40.0]


def test_karnofsky_is_read_as_written() -> None:
    p = _read("Karnofsky performance status of 70%.")
    assert p.performance_status is not None
    assert (p.performance_status.scale, p.performance_status.value) == ("Karnofsky", 70)


def test_dates_are_counted_back_from_the_note() -> None:
    p = _read("She finished a course of dexamethasone ten days ago.")
    assert p.treatments and p.treatments[0].date == AS_OF - dt.timedelta(days=10)


def test_life_expectancy_in_words() -> None:
    assert _read("Life expectancy of about four months.").life_expectancy_months == 4


def test_medicines_are_read_by_class_and_as_ongoing() -> None:
    p = _read("He is on tacrolimus. Prednisone 5 mg daily.")
    names = {t.name: t.ongoing for t in p.treatments}
    assert names == {"tacrolimus": True, "Prednisone": True}


def test_a_plan_a_relative_and_a_doubt_are_not_facts_about_the_patient() -> None:
    p = _read("Referred for allogeneic stem cell transplant. Her brother has multiple myeloma.")
    assert p.treatments == []
    assert all(c.name != "multiple myeloma" for c in p.conditions)


def test_a_negative_result_after_a_coordinated_list_negates_each_test() -> None:
    p = _read("Serologies for HBsAg, HCV antibody and HIV were all negative.")
    assert {h.name: h.present for h in p.history} == {"HBsAg": False, "HCV": False, "HIV": False} or all(
        not h.present for h in p.history
    )
    assert len(p.history) >= 3


def test_a_sentence_not_read_whole_gives_uncertain_facts_but_values_stand_in_their_own_stretch() -> None:
    p = _read("Admitted with gorbulent zymosis, bilirubin 3.0 mg/dL. HIV positive per gorbulent records.")
    assert p.labs and p.labs[0].certain
    assert any(h.name == "HIV" and not h.certain for h in p.history)


def test_an_antigen_is_never_a_diagnosis() -> None:
    p = _read("AML with blasts CD33+, CLL-1+.")
    assert [c.name for c in p.conditions] == ["AML"]
    assert {b.name for b in p.biomarkers} == {"CD33", "CLL1"}


def test_a_chinese_note_is_read() -> None:
    p = _read(
        "患者男，67岁，急性髓系白血病复发。骨髓原始细胞32%（流式）。CD117+、CD123+、CLL-1+，CD7阴性。"
        "ECOG评分2分。肌酐95 μmol/L，总胆红素18 μmol/L。乙肝表面抗原、丙肝抗体及HIV均为阴性。"
        "3个月前行异基因造血干细胞移植，无移植物抗宿主病。从未接受CAR-T治疗。"
    )
    assert (p.age_years, p.sex) == (67, "male")
    assert [(c.name, c.status) for c in p.conditions] == [("acute myeloid leukemia", "relapsed")]
    assert {(b.name, b.result) for b in p.biomarkers} >= {("CLL1", "positive"), ("CD7", "negative")}
    assert [(b.value, b.method) for b in p.bone_marrow_blasts] == [(32.0, "flow cytometry")]
    assert {lab.name: (lab.value, lab.unit) for lab in p.labs} == {
        "creatinine": (95.0, "umol/L"),
        "total bilirubin": (18.0, "umol/L"),
    }
    assert p.performance_status is not None and p.performance_status.value == 2
    assert {h.name for h in p.history if not h.present} >= {"hepatitis B", "hepatitis C", "HIV"}
    transplant = next(t for t in p.treatments if t.name == "allogeneic HSCT")
    assert transplant.date is not None and (AS_OF - transplant.date).days in range(85, 95)


def test_a_chinese_relative_is_not_the_patient_but_my_father_is() -> None:
    about_relative = _read("患者女，50岁，急性髓系白血病。其父亲有多发性骨髓瘤病史。")
    assert [c.name for c in about_relative.conditions] == ["acute myeloid leukemia"]
    by_daughter = _read("我父亲67岁，急性髓系白血病复发。")
    assert by_daughter.sex == "male" and by_daughter.conditions


def test_a_mixed_note_is_read_as_one() -> None:
    p = _read("58岁女性，relapsed AML，ECOG 1，HIV阴性。")
    assert p.age_years == 58 and p.sex == "female"
    assert any(h.name == "HIV" and not h.present for h in p.history)


def test_the_note_word_files_are_validated() -> None:
    with pytest.raises(NoteWordsError, match="unknown key"):
        parse_note_words({"neutral": {}, "spelling": []})
    with pytest.raises(ChineseTermsError, match="not in the criteria vocabulary"):
        parse_terms(
            {
                "concepts": {"某病": "no such disease"},
                **{k: [] for k in text_zh._LISTS},
                **{k: {} for k in ("quantities", "blast_sites", "blast_methods", "sex")},
            }
        )


# --- classes found auditing TREC descriptions by hand (our own wording) -------------------------------------


def test_a_spouses_illness_is_not_the_patients() -> None:
    p = _read("58-year-old woman with AML. Her wife had breast cancer treated with chemotherapy last year.")
    assert [c.name for c in p.conditions] == ["AML"]
    assert not p.treatments


def test_a_duration_is_not_an_age() -> None:
    p = _read("Follicular lymphoma relapsed 3 years later and again 1 year after that.")
    assert p.age_years is None
    assert _read("A 47-year man with CLL.").age_years == 47


def test_a_therapy_without_a_response_was_given_and_makes_the_disease_refractory() -> None:
    p = _read("CLL, no meaningful response to R-CHOP; progressed on ibrutinib.")
    assert {t.name for t in p.treatments} >= {"R-CHOP"}
    assert all(h.name != "R-CHOP" for h in p.history)
    assert any(c.status == "refractory" for c in p.conditions)


def test_the_course_of_another_condition_is_not_the_cancers() -> None:
    p = _read("Known relapsing-remitting multiple sclerosis; new diagnosis of AML.")
    assert all(c.status is None for c in p.conditions)
