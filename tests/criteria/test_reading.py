"""How surely a criterion is read (issue 33): every word placed, or left over and classed; the constructions
that change what a criterion requires. Sentences here are our own wording."""

from __future__ import annotations

import pytest

from trialscope.criteria import parse_criteria
from trialscope.criteria.describe import describe, item_reading, leftover_words
from trialscope.criteria.model import Constraint
from trialscope.criteria.reading import ReadingRulesError, parse_rules, reading_rules
from trialscope.matching.evaluate import kept_answers
from trialscope.model.study import Study


def _read(text: str) -> list[Constraint]:
    return [c for c in parse_criteria(text).constraints if c.kind in ("numeric", "concept")]


def _one(text: str, concept: str) -> Constraint:
    return next(c for c in _read(text) if (c.concept or c.quantity) == concept)


def _kinds(c: Constraint) -> set[str]:
    return set((c.unsure or "").split(",")) - {""}


def test_a_clause_read_whole_leaves_nothing_over() -> None:
    bilirubin = _one("Inclusion Criteria:\n- Serum total bilirubin of 1.5 x ULN or less", "total bilirubin")
    assert bilirubin.unsure is None and bilirubin.leftover is None


def test_a_qualifier_the_engine_does_not_model_is_left_over() -> None:
    c = _one("Exclusion Criteria:\n- Poorly controlled high blood pressure or hypertension", "hypertension")
    assert "qualifier" in _kinds(c) and "Poorly controlled" in (c.leftover or "")


def test_a_status_word_that_qualifies_another_condition_is_not_a_status() -> None:
    found = _read("Exclusion Criteria:\n- Resistant or refractory hypertension despite three medicines")
    assert [c.concept for c in found] == ["hypertension"]
    assert "refractory" in (found[0].leftover or "")


def test_an_unread_member_of_an_exclusion_list_is_another_way_to_be_excluded() -> None:
    text = "Exclusion Criteria:\n- Known seizure disorder, narcolepsy, or prior stroke"
    epilepsy = _one(text, "epilepsy")
    assert _kinds(epilepsy) == {"alternative"} and "narcolepsy" in (epilepsy.leftover or "")


def test_an_inclusion_alternative_joined_by_or_is_read_as_one() -> None:
    text = "Inclusion Criteria:\n- Diagnosis of AML, MDS with excess blasts or CMML"
    aml = _one(text, "acute myeloid leukemia")
    mds = _one(text, "myelodysplastic syndrome")
    assert aml.any_of_group and aml.any_of_group == mds.any_of_group


def test_antigens_sharing_one_positivity_cue_are_alternatives_when_or_joins_them() -> None:
    found = {c.concept: c for c in _read("Inclusion Criteria:\n- CD33 or CD123 positive leukemic blasts")}
    assert set(found) >= {"CD33", "CD123"}
    assert found["CD33"].any_of_group == found["CD123"].any_of_group is not None


def test_a_condition_phrase_is_not_a_requirement_and_makes_its_limit_conditional() -> None:
    text = (
        "Inclusion Criteria:\n- Direct bilirubin at most 1.5 x ULN (at most 3 x ULN for patients with Gilbert syndrome)"
    )
    found = _read(text)
    assert "Gilbert's syndrome" not in {c.concept for c in found}
    assert all("condition" in _kinds(c) or "qualifier" in _kinds(c) for c in found)


def test_a_cohort_heading_makes_its_items_conditional() -> None:
    text = "Inclusion Criteria:\n- For the lymphoma cohort:\n- prior autologous stem cell transplant\n- ECOG 0-1"
    transplant = _one(text, "autologous HSCT")
    assert "condition" in _kinds(transplant)


def test_an_age_band_labelling_a_limit_is_its_condition_not_an_age_requirement() -> None:
    found = _read("Inclusion Criteria:\n- 2 to < 6 years: serum creatinine no more than 0.8 mg/dL")
    assert [c.quantity for c in found] == ["creatinine"]
    assert "condition" in _kinds(found[0]) and "6 years" in (found[0].leftover or "")


def test_an_exclusion_range_means_being_outside_it() -> None:
    found = _read("Exclusion Criteria:\n- Estimated GFR between 30 and 59 mL/min")
    assert {(c.polarity, c.comparator, c.value) for c in found} == {("include", "<", 30.0), ("include", ">", 59.0)}
    assert found[0].any_of_group == found[1].any_of_group is not None


def test_a_permission_inside_an_exclusion_narrows_it() -> None:
    text = (
        "Exclusion Criteria:\n- Hepatitis B infection. Patients with resolved hepatitis B may participate if HBV DNA "
        "is undetectable."
    )
    hbv = _one(text, "hepatitis B")
    assert hbv.exceptions and "excepted" in _kinds(hbv)


def test_a_therapy_a_condition_needs_qualifies_the_condition() -> None:
    found = _read("Exclusion Criteria:\n- Autoimmune disorder needing systemic immunosuppressive therapy")
    assert [c.concept for c in found] == ["autoimmune disease"]
    assert "qualifier" in _kinds(found[0])


def test_a_condition_graded_on_a_limited_scale_is_not_excluded_at_every_grade() -> None:
    found = _read("Exclusion Criteria:\n- Congestive heart failure, New York Heart Association class III or IV")
    assert [(c.quantity, c.comparator, c.value) for c in found] == [("NYHA class", ">=", 3.0)]


def test_blood_pressure_written_as_a_pair_gives_both_limits() -> None:
    found = _read("Exclusion Criteria:\n- Resting blood pressure above 170/105 mmHg")
    assert {(c.quantity, c.value) for c in found} >= {
        ("systolic blood pressure", 170.0),
        ("diastolic blood pressure", 105.0),
    }


def test_a_negative_result_after_a_list_of_tests_negates_each() -> None:
    found = _read("Inclusion Criteria:\n- HIV antibody, HBsAg and HCV antibody must all be negative")
    assert {(c.concept, c.polarity) for c in found} == {
        ("HIV", "exclude"),
        ("hepatitis B", "exclude"),
        ("hepatitis C", "exclude"),
    }


def test_an_elliptic_name_names_both() -> None:
    found = {c.concept for c in _read("Exclusion Criteria:\n- Chronic hepatitis B or C infection")}
    assert {"hepatitis B", "hepatitis C"} <= found


def test_a_present_state_is_marked_and_does_not_reach_past_a_word_of_the_past() -> None:
    found = {c.concept: c for c in _read("Exclusion Criteria:\n- Active GVHD or previous CAR-T infusion")}
    assert found["graft-versus-host disease"].current
    assert not found["CAR-T cell therapy"].current


def test_sub_items_offered_as_alternatives_are_each_one_way_in() -> None:
    text = (
        "Inclusion Criteria:\n1. Meets one of the following:\n   a. relapse after allogeneic transplant\n"
        "   b. at least two prior lines of therapy"
    )
    transplant = _one(text, "allogeneic HSCT")
    assert "alternative" in _kinds(transplant)


def test_a_struck_criterion_requires_nothing() -> None:
    assert _read("Exclusion Criteria:\n- HIV infection (retired with protocol amendment 2)") == []


def test_describe_says_what_is_open() -> None:
    c = _one("Exclusion Criteria:\n- Active hepatitis B, or uncontrolled diabetes", "hepatitis B")
    assert "now (active)" in describe(c) and "could not read" in describe(c)


def test_items_are_rated_read_partly_or_unread() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n- ECOG 0-1\n- Serum albumin normal per local assessment\n- Able to swallow tablets"
    )
    ratings = [item_reading(parsed.for_item(i.index)) for i in parsed.items]
    assert ratings[0] == "read" and ratings[2] == "unread"
    assert leftover_words(parsed.for_item(0)) == []


def test_the_reading_rules_are_validated_when_loaded() -> None:
    assert reading_rules().neutral.search("the patients") is not None
    with pytest.raises(ReadingRulesError, match="unknown key"):
        parse_rules({"neutral": {}, "typo": {}})
    with pytest.raises(ReadingRulesError, match="list of non-empty strings"):
        parse_rules(
            {
                "neutral": {
                    "function": [1],
                    **{k: [] for k in ("people", "saying", "generic_heads", "results", "methods", "time")},
                },
                "headings": {"words": []},
                "neutral_for_pregnancy": {"words": []},
                "qualifiers": {"words": []},
                "hedges": {"words": []},
                "conditions": {"cues": []},
                "current": {"before": [], "after": []},
                "status_qualifies": {"words": []},
            }
        )


# --- classes found in the third round of the held-out audit (our own sentences) ---------------------------


def test_a_limit_not_yet_reached_names_its_other_side() -> None:
    grade = _one(
        "Exclusion Criteria:\n- Side effects of earlier treatment that never returned to grade 1 or lower",
        "toxicity grade",
    )
    assert (grade.comparator, grade.value) == (">", 1.0) and grade.unsure is None
    count = _one("Exclusion Criteria:\n- Platelets not recovered to at least 50,000/uL", "platelets")
    assert count.comparator == "<"


def test_a_kind_of_a_disease_is_required_as_that_kind() -> None:
    assert (
        _read("Inclusion Criteria:\n- Biopsy-proven epithelial ovarian carcinoma")[0].concept
        == "epithelial ovarian cancer"
    )
    assert _read("Inclusion Criteria:\n- Stage IV NSCLC")[-1].concept == "non-small cell lung cancer"
    assert (
        _read("Inclusion Criteria:\n- Relapsed peripheral T-cell lymphoma")[-1].concept == "peripheral T-cell lymphoma"
    )
    assert _read("Inclusion Criteria:\n- CD30-positive ALCL")[-1].concept == "anaplastic large cell lymphoma"
    assert _read("Exclusion Criteria:\n- Known pulmonary arterial hypertension")[0].concept == "pulmonary hypertension"


def test_a_status_word_of_another_condition_in_an_exclusion_is_not_the_patients_status() -> None:
    found = _read("Exclusion Criteria:\n- Psoriasis that may flare or recur during treatment")
    assert "relapsed" not in {c.concept for c in found}


def test_a_double_negative_in_an_exclusion_decides_nothing_and_a_prohibition_excludes() -> None:
    turned = _one("Exclusion Criteria:\n- Lung disease (no significant pleural effusion) or asthma", "pleural effusion")
    assert turned.polarity == "include" and "unplaced" in _kinds(turned)
    surgery = _one(
        "Exclusion Criteria:\n- Subjects must not have undergone major surgery in the last 4 weeks", "major surgery"
    )
    assert surgery.polarity == "exclude" and surgery.unsure is None


def test_a_general_limit_beside_a_subgroup_limit_holds_only_outside_the_subgroup() -> None:
    text = "Inclusion Criteria:\n- ALT and AST no more than 3 x ULN; up to 5 x ULN for those with hepatic metastases"
    limits = [c for c in _read(text) if c.quantity in ("ALT", "AST")]
    assert len(limits) == 4 and all("condition" in _kinds(c) for c in limits)
    assert all(c.any_of_group is None for c in limits)  # each pair holds whole: one normal enzyme is not enough


def test_or_after_a_semicolon_still_offers_an_alternative() -> None:
    text = "Inclusion Criteria:\n- Creatinine at most 1.5 x ULN for age; or measured GFR of 60 mL/min or more"
    creatinine, gfr = _one(text, "creatinine"), _one(text, "eGFR")
    assert creatinine.any_of_group is not None and creatinine.any_of_group == gfr.any_of_group


def test_a_row_of_a_table_of_limits_by_age_is_no_age_requirement() -> None:
    found = _read("Inclusion Criteria:\n- Age 6 to < 10 years; highest creatinine (mg/dL): 1.0 (boys), 1.0 (girls)")
    assert "age" not in {c.quantity for c in found}


def test_words_naming_a_subgroup_never_name_a_quantity() -> None:
    found = _read(
        "Inclusion Criteria:\n- Conjugated bilirubin below 2 mg/dL unless caused by Gilbert disease (below 3 mg/dL)"
    )
    assert {c.quantity for c in found} == {"direct bilirubin"}


def test_a_required_status_beside_an_unknown_way_in_only_lets_patients_pass() -> None:
    status = _one("Inclusion Criteria:\n- Myeloma that is progressive or relapsed after two lines", "relapsed")
    assert "alternative" in _kinds(status) and "progressive" in (status.leftover or "")
    both = _one("Inclusion Criteria:\n- Relapsed or refractory B-ALL", "relapsed or refractory")
    assert both.unsure is None


def test_an_exclusion_heading_that_lets_some_in_keeps_its_exclusion_and_drops_its_sub_items() -> None:
    text = (
        "Exclusion Criteria:\n1. Known brain metastases, but these patients may be included:\n"
        "   1. Treated brain metastases, stable for 8 weeks\n2. Active hepatitis C"
    )
    found = _read(text)
    brain = [c for c in found if c.concept == "brain metastases"]
    assert len(brain) == 1 and brain[0].polarity == "exclude" and "exception" in _kinds(brain[0])


def test_a_limit_that_spares_a_subgroup_holds_only_for_the_others() -> None:
    text = "Inclusion Criteria:\n- Serum bilirubin at most 2 mg/dL, except in participants with Gilbert syndrome"
    assert "condition" in _kinds(_one(text, "total bilirubin"))
    assert "Gilbert" in (_one(text, "total bilirubin").leftover or "")


def test_a_status_defined_where_nothing_else_requires_it_is_the_requirement() -> None:
    text = (
        "Inclusion Criteria:\n- Primary refractory disease, defined as either no CR after two inductions OR early "
        "relapse"
    )
    heads = [c for c in _read(text) if not c.definitional and c.category == "disease_status"]
    assert heads and heads[0].polarity == "include" and "alternative" in _kinds(heads[0])


def test_a_lead_in_before_the_section_word_still_opens_the_section() -> None:
    text = "Apheresis Inclusion Criteria:\n1. AML\n\nInfusion Exclusion Criteria\n1. Active GVHD"
    found = _read(text)
    assert {(c.concept, c.polarity) for c in found} >= {("graft-versus-host disease", "exclude")}


def test_a_clinical_judgement_left_to_the_investigator_is_asked_about() -> None:
    parsed = parse_criteria(
        "Exclusion Criteria:\n- Tumour compressing the airway that needs urgent treatment, as judged by the "
        "investigator"
    )
    assert any(c.kind == "unparsed" for c in parsed.constraints)


@pytest.mark.parametrize(
    "text",
    [
        "Inclusion Criteria:\n- Evidence of resistant or recurrent CNS disease without standard options",
        "Exclusion Criteria:\n- Refractory and/or recurrent high blood pressure",
    ],
)
def test_status_words_joined_before_another_condition_all_qualify_it(text: str) -> None:
    found = _read(text)
    assert not {"refractory", "relapsed", "progressive disease"} & {c.concept for c in found}


@pytest.mark.parametrize(
    "text",
    [
        "Exclusion Criteria:\n- Any of these heart conditions within the last 6 months: myocardial infarction, "
        "unstable angina or heart failure",
        "Exclusion Criteria:\n- Cardiac events within the last 6 months, such as myocardial infarction, unstable "
        "angina or heart failure",
    ],
)
def test_a_window_before_a_list_holds_for_each_member(text: str) -> None:
    found = {c.concept: c for c in _read(text) if c.kind == "concept"}
    assert {"myocardial infarction", "unstable angina", "heart failure"} <= set(found)
    for concept in ("myocardial infarction", "unstable angina", "heart failure"):
        window = found[concept].within
        assert window is not None and (window.value, window.unit) == (6, "months"), concept


def test_a_positive_viral_dna_is_the_viraemia_not_any_past_infection() -> None:
    found = _read("Exclusion Criteria:\n- Positive for cytomegalovirus (CMV) DNA or Epstein-Barr virus DNA")
    assert {c.concept for c in found} == {"CMV viraemia", "EBV viraemia"}


def test_a_label_over_a_limit_on_its_own_test_is_that_limit() -> None:
    found = _read("Exclusion Criteria:\n- Hepatitis B: HBV-DNA >= 500 IU/mL")
    assert [(c.kind, c.quantity or c.concept) for c in found] == [("numeric", "HBV DNA")]


def test_the_condition_of_a_permission_is_not_what_it_lets_in() -> None:
    c = _one(
        "Exclusion Criteria:\n- Hepatitis B. Patients with resolved hepatitis B may participate if HBV DNA is "
        "negative.",
        "hepatitis B",
    )
    assert c.exceptions == ["latent hepatitis B"]


def test_the_antigen_a_therapy_is_aimed_at_narrows_it() -> None:
    c = _one("Exclusion Criteria:\n- Previous treatment with any CD22 CAR T-cell product", "CAR-T cell therapy")
    assert "qualifier" in _kinds(c) and "CD22" in (c.leftover or "")
    assert _one("Exclusion Criteria:\n- Previous CAR T-cell therapy", "CAR-T cell therapy").unsure is None


def test_a_line_naming_the_disease_and_leading_into_a_list_requires_it() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n\nCD22 positive leukemia or lymphoma, relapsed and/or refractory:\n\n"
        "* life expectancy > 12 weeks;\n* LVEF >= 50%;"
    )
    required = {c.concept for c in parsed.constraints if c.kind == "concept" and not c.definitional}
    assert {"leukemia", "lymphoma", "relapsed or refractory"} <= required


def test_an_exclusion_heading_with_the_following_exceptions_keeps_its_exclusion() -> None:
    parsed = parse_criteria(
        "Exclusion Criteria:\n- Prior or concurrent malignancy with the following exceptions:\n"
        "  - Basal cell skin cancer treated with curative intent\n- HIV positive"
    )
    cancer = next(c for c in parsed.constraints if c.concept == "other malignancy")
    assert cancer.polarity == "exclude" and "exception" in _kinds(cancer)
    assert not cancer.current  # "prior or concurrent": either, not only now
    assert [c.concept for c in parsed.constraints if c.item == 1 and c.kind == "concept"] == []


def test_a_thing_and_a_kind_of_it_in_an_exclusion_exclude_the_kind() -> None:
    found = _read("Exclusion Criteria:\n- Hepatitis C antibody positive and HCV RNA above the normal range")
    assert [c.concept for c in found if c.kind == "concept"] == ["hepatitis C viraemia"]
    either = _read("Exclusion Criteria:\n- HBsAg positive or HBV DNA positive")
    assert {c.concept for c in either} == {"hepatitis B", "hepatitis B viraemia"}
    both = _read("Exclusion Criteria:\n- Hepatitis B surface antigen positive and HBV DNA above 2000 IU/mL")
    assert [(c.kind, c.quantity or c.concept) for c in both] == [("numeric", "HBV DNA")]


def test_the_shorter_of_two_windows_is_never_read_as_the_first() -> None:
    shorter = _one(
        "Exclusion Criteria:\n- Systemic chemotherapy within 3 weeks or 5 half-lives, whichever is shorter, before "
        "leukapheresis",
        "chemotherapy",
    )
    assert kept_answers(shorter) == set()  # 3 weeks may be longer than the window meant: ask
    longer = _one(
        "Exclusion Criteria:\n- Systemic chemotherapy within 3 weeks or 5 half-lives, whichever is longer, before "
        "leukapheresis",
        "chemotherapy",
    )
    assert kept_answers(longer) == {"not_met"}  # within 3 weeks is within the longer window too


def test_what_a_specimen_must_not_have_been_exposed_to_is_not_the_patients_history() -> None:
    c = _one("Inclusion Criteria:\n- Archival tumour blocks must not have been exposed to radiotherapy", "radiotherapy")
    assert kept_answers(c) == set()


def test_a_window_of_one_unit_said_without_a_number() -> None:
    c = _one("Exclusion Criteria:\n- Heart attack within the past year", "myocardial infarction")
    assert c.within is not None and (c.within.value, c.within.unit) == (1, "years")


def test_a_window_after_a_list_holds_for_members_read_beside_unread_ones() -> None:
    found = _read(
        "Exclusion Criteria:\n- Chemotherapy, hormonal agents, small molecules, monoclonal antibodies or other "
        "investigational drugs within 3 weeks before enrollment"
    )
    chemo = next(c for c in found if c.concept == "chemotherapy")
    assert chemo.within is not None and (chemo.within.value, chemo.within.unit) == (3, "weeks")


def test_a_status_label_before_its_meaning_defines_it() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n1. AML meeting relapsed or refractory criteria:\n"
        "2. Relapsed disease: blasts back in the marrow (>5%) after a complete remission.\n"
        "3. Refractory disease: no complete remission after two induction courses.\n"
    )
    by_item = {(c.item, c.concept): c for c in parsed.constraints if c.kind == "concept"}
    assert not by_item[(0, "relapsed or refractory")].definitional  # the requirement
    assert by_item[(1, "relapsed")].definitional and by_item[(2, "refractory")].definitional  # its two meanings


def test_what_an_exclusion_says_is_not_excluded_is_let_in() -> None:
    found = _read("Exclusion Criteria:\n- Systemic steroid therapy; use of topical steroids is not excluded.")
    assert "topical corticosteroids" not in {c.concept for c in found if c.polarity == "exclude"}


def test_what_a_patient_reacts_to_narrows_the_reaction() -> None:
    text = "Exclusion Criteria:\n- Prior anaphylaxis to bendamustine or to cladribine"
    found = _read(text)
    assert [c.concept for c in found] == ["anaphylaxis"]  # the drugs are not prior therapy of their own
    reaction = found[0]
    assert "qualifier" in _kinds(reaction) and "bendamustine" in (reaction.leftover or "")
    assert kept_answers(reaction) == {"met"}  # no allergy at all passes; an allergy to something is asked


def test_the_condition_a_therapy_is_given_for_narrows_the_therapy() -> None:
    text = (
        "Exclusion Criteria:\n- Systemic corticosteroids given to treat graft-versus-host disease in the last 14 days"
    )
    found = _read(text)
    assert "graft-versus-host disease" not in {c.concept for c in found}  # not an exclusion of any GVHD
    therapy = next(c for c in found if c.category == "prior_therapy")
    assert therapy.within is not None and therapy.within.value == 14
    assert "qualifier" in _kinds(therapy) and "graft-versus-host" in (therapy.leftover or "")
    assert kept_answers(therapy) == {"met"}


def test_limits_under_one_of_several_disease_headings_hold_for_that_disease_only() -> None:
    text = (
        "Inclusion Criteria:\n- Marginal zone lymphoma:\n- Stage II to IV disease\n"
        "- Chronic lymphocytic leukemia:\n- Hemoglobin of at least 9 g/dL\n"
    )
    for name in ("disease stage", "hemoglobin"):
        c = _one(text, name)
        assert "condition" in _kinds(c) and kept_answers(c) == {"met"}


def test_an_item_opening_with_one_of_several_diseases_holds_for_that_disease() -> None:
    text = (
        "Inclusion Criteria:\n- Follicular lymphoma in second or later complete remission\n"
        "- Mantle cell lymphoma relapsed after autologous transplant\n- Creatinine below 2 mg/dL\n"
    )
    assert "condition" in _kinds(_one(text, "relapsed")) and "condition" in _kinds(_one(text, "complete remission"))
    assert _one(text, "creatinine").unsure is None  # an item naming no disease holds for all


def test_one_disease_heading_still_requires_its_disease() -> None:
    text = "Inclusion Criteria:\n- Acute myeloid leukemia:\n- Bone marrow blasts of 5% or more\n"
    assert "condition" not in _kinds(_one(text, "bone marrow blasts"))


@pytest.mark.parametrize(
    "text",
    [
        "Inclusion Criteria:\n- CD22- or CD19-expressing lymphoma",
        "Inclusion Criteria:\n- CD22-expressing or CD19-expressing lymphoma",
        "Inclusion Criteria:\n- CD22-, CD20- or CD19-positive lymphoma",
    ],
)
def test_antigens_whose_shared_cue_is_elided_are_alternatives(text: str) -> None:
    found = {c.concept: c for c in _read(text) if c.category == "biomarker"}
    assert "CD19" in found and "CD22" in found
    assert found["CD19"].any_of_group is not None and found["CD19"].any_of_group == found["CD22"].any_of_group


def test_antigens_listed_with_and_are_all_required() -> None:
    found = {
        c.concept: c for c in _read("Inclusion Criteria:\n- CD22, CD20 and CD19 positive") if c.category == "biomarker"
    }
    assert set(found) == {"CD19", "CD20", "CD22"} and found["CD19"].any_of_group is None


def test_the_people_a_requirement_is_put_to_are_its_condition() -> None:
    text = "Exclusion Criteria:\n- Hepatitis B: subjects with a positive core antibody must have HBV DNA below 20 IU/mL"
    found = _read(text)
    assert "hepatitis B" not in {c.concept for c in found}  # named for whom the rule holds, not excluded
    limit = _one(text, "HBV DNA")
    assert limit.polarity == "include" and limit.comparator == "<" and "condition" in _kinds(limit)


def test_two_exclusion_limits_that_leave_no_value_free_make_the_later_an_allowed_bound() -> None:
    found = [
        c
        for c in _read("Exclusion Criteria:\n- AST > 2.5 x ULN (or > 5 x ULN with liver metastases)")
        if c.kind == "numeric"
    ]
    assert [c.polarity for c in found] == ["exclude", "exclude"]  # both can exclude: a value above 5 is above 2.5
    text = "Exclusion Criteria:\n- Total bilirubin > 2 x ULN (< 4 x ULN for Gilbert's syndrome)"
    found = [c for c in _read(text) if c.kind == "numeric"]
    assert [(c.comparator, c.polarity) for c in found] == [(">", "exclude"), ("<", "include")]


def test_a_plan_is_not_a_history() -> None:
    c = _one("Exclusion Criteria:\n- Major surgery scheduled within 6 weeks after the study cells", "major surgery")
    assert "scheduled" in (c.leftover or "") and kept_answers(c) == frozenset()
    steroids = _one(
        "Exclusion Criteria:\n- Systemic steroids in the 5 days before the scheduled apheresis",
        "systemic corticosteroids",
    )
    assert steroids.unsure is None  # the study's own step, which the window counts to


def test_two_words_with_a_space_between_are_not_a_glued_word() -> None:
    c = _one("Exclusion Criteria:\n- Major surgery anticipated within 4 weeks", "major surgery")
    assert "anticipated" in (c.leftover or "")


def test_a_relative_clause_after_a_list_qualifies_all_of_it() -> None:
    text = "Exclusion Criteria:\n- Dementia or psychosis, which could impair giving informed consent"
    for concept in ("dementia", "psychosis"):
        c = _one(text, concept)
        assert "qualifier" in _kinds(c) and "alternative" not in _kinds(c)


def test_an_exception_with_words_the_engine_cannot_read_is_not_weighed() -> None:
    text = "Exclusion Criteria:\n- Prior malignancy, except adequately treated lentigo maligna or carcinoma in situ"
    c = _one(text, "other malignancy")
    assert "exception" in _kinds(c) and kept_answers(c) == {"met"}


def test_a_window_nothing_took_narrows_the_item() -> None:
    text = "Exclusion Criteria:\n- Immunosuppressants: any agent (such as tacrolimus) in the 3 weeks before apheresis"
    c = _one(text, "immunosuppressants")
    assert c.within is not None or ("qualifier" in _kinds(c) and kept_answers(c) == {"met"})


def test_a_window_of_one_unit_with_an_article() -> None:
    c = _one("Exclusion Criteria:\n- Stroke within a month", "stroke")
    assert c.within is not None and (c.within.value, c.within.unit) == (1.0, "months")


def test_r_r_before_a_disease_is_its_status() -> None:
    found = {c.concept for c in _read("Inclusion Criteria:\n- Confirmed r/r AML")}
    assert found == {"relapsed or refractory", "acute myeloid leukemia"}


def test_a_drug_named_as_what_a_dose_limit_is_on_is_not_excluded_outright() -> None:
    found = _read("Exclusion Criteria:\n- Dexamethasone > 2 mg per day")
    assert [c.kind for c in found] == ["numeric"]
    found = _read("Exclusion Criteria:\n- Any hydrocortisone, or dexamethasone > 2 mg")
    assert "hydrocortisone" in {c.concept for c in found}  # named on its own too


def test_an_age_in_brackets_after_a_limit_says_whom_the_limit_is_for() -> None:
    found = _read(
        "Inclusion Criteria:\n- Lansky play score ≥ 60 (children under 16 years), Karnofsky ≥ 60 (age 16 or over)"
    )
    assert "age" not in {c.quantity for c in found}
    assert all("condition" in _kinds(c) for c in found)


def test_an_item_opening_with_or_is_an_alternative_to_the_one_before() -> None:
    text = "Inclusion Criteria:\n- Refractory Hodgkin lymphoma\n- Or relapsed myeloma after two lines\n- ECOG 0-2"
    assert "condition" in _kinds(_one(text, "refractory")) and "condition" in _kinds(_one(text, "relapsed"))
    assert _one(text, "ECOG").unsure is None


def test_whatever_a_patient_reacts_to_narrows_the_reaction() -> None:
    c = _one("Exclusion Criteria:\n- Hypersensitivity to the investigational cells or to DMSO", "hypersensitivity")
    assert "qualifier" in _kinds(c) and "DMSO" in (c.leftover or "")


def test_a_lead_in_to_all_of_the_following_heads_requirements_not_cases() -> None:
    text = (
        "Inclusion Criteria:\n* Relapsed or refractory AML patients must meet all of the following:\n"
        "  1. Age 18 to 70 years\n  2. ECOG 0 to 1\n"
    )
    assert not _one(text, "ECOG").definitional and not _one(text, "age").definitional


def test_a_status_whose_listed_cases_say_more_is_narrowed_by_them() -> None:
    text = (
        "Inclusion Criteria:\n* Refractory or relapsed AML meeting at least one of the following:\n"
        "  1. relapse within 6 months of transplant\n  2. no remission after two inductions\n"
    )
    status = next(c for c in _read(text) if c.category == "disease_status" and c.item == 0)
    assert "qualifier" in _kinds(status) and kept_answers(status) == {"not_met"}


def test_a_lead_in_saying_the_tests_below_are_negative_excludes_what_they_name() -> None:
    text = "Inclusion Criteria:\n- Screening serology must be negative for:\n  * HIV-1/2 antibody\n  * HBsAg"
    found = {(c.concept, c.polarity) for c in _read(text)}
    assert found == {("HIV", "exclude"), ("hepatitis B", "exclude")}


def test_roman_classes_joined_by_a_slash_are_a_range() -> None:
    (c,) = _read("Exclusion Criteria:\n- Heart failure, NYHA class II/III/IV")[-1:]
    assert (c.quantity, c.comparator, c.value) == ("NYHA class", ">=", 2.0)


def test_therapies_offered_with_and_or_in_an_inclusion_are_alternatives() -> None:
    found = _read("Inclusion Criteria:\n- Has received radiotherapy and/or chemotherapy before")
    assert len(found) == 2 and found[0].any_of_group and found[0].any_of_group == found[1].any_of_group
    both = _read("Inclusion Criteria:\n- Has received chemotherapy and radiotherapy before")
    assert not any(c.any_of_group for c in both)


def test_a_permission_letting_in_the_excluded_thing_again_leaves_only_a_pass() -> None:
    """ "no steroids ... low doses of steroids are allowed": the dose is not read, so having steroids cannot
    rule the patient out."""
    text = (
        "Exclusion Criteria:\n- Systemic steroids within 7 days before apheresis. However, low doses of "
        "steroids (up to 10 mg prednisone daily) are permitted."
    )
    c = _one(text, "systemic corticosteroids")
    assert kept_answers(c) == {"met"}


def test_a_disease_named_as_what_a_drug_is_for_is_not_the_disease() -> None:
    for text in (
        "Exclusion Criteria:\n- Medicines taken to prevent GVHD in the last 2 weeks",
        "Exclusion Criteria:\n- GVHD prophylaxis within 14 days",
    ):
        assert "graft-versus-host disease" not in {c.concept for c in _read(text)}, text


def test_an_age_band_labelling_a_row_of_values_requires_no_age() -> None:
    text = "Inclusion Criteria:\n- Maximum serum creatinine by age:\n  * 13 to < 16 years: 1.5 (boys), 1.4 (girls)"
    assert not [c for c in _read(text) if c.quantity == "age"]
    assert [c.value for c in _read("Inclusion Criteria:\n- age ≥ 60 years; (2) able to walk") if c.quantity] == [60]


def test_a_lead_in_exempting_some_patients_makes_its_limits_hold_for_the_others_only() -> None:
    text = (
        "Inclusion Criteria:\n- Blood counts as follows (patients whose marrow is infiltrated by the disease "
        "do not need to meet these):\n  * Platelets ≥ 50 x 10^9/L"
    )
    c = _one(text, "platelets")
    assert "condition" in _kinds(c) and kept_answers(c) == {"met"}


def test_a_looser_limit_for_some_patients_is_no_way_in_for_the_others() -> None:
    """ "AST ≤ 2.5 × ULN (≤ 5 × ULN if related to liver metastases)": 4 × ULN without metastases fails."""
    for text, looser in (
        ("Inclusion Criteria:\n- AST ≤ 2.5 × ULN (≤ 5 × ULN if related to liver metastases)", 5.0),
        ("Inclusion Criteria:\n- Bilirubin ≤ 1.5 × ULN (≤ 3.0 × ULN in patients with Gilbert's syndrome)", 3.0),
        ("Inclusion Criteria:\n- Bilirubin ≤ 1.5 × ULN (≤ 3.0 × ULN for Gilbert's syndrome)", 3.0),
    ):
        found = _read(text)
        assert "Gilbert's syndrome" not in {c.concept for c in found if c.polarity == "include"}, text
        (relaxed,) = [c for c in found if c.value == looser]
        assert kept_answers(relaxed) == frozenset(), text


def test_a_minimum_time_after_a_procedure_does_not_require_the_procedure() -> None:
    found = _read("Inclusion Criteria:\n- More than 100 days post autologous transplant")
    assert [(c.concept, c.polarity) for c in found] == [("autologous HSCT", "exclude")]
    assert found[0].within is not None and found[0].within.value == 100


def test_a_therapy_after_which_something_happened_is_not_an_exclusion_of_its_own() -> None:
    found = _read("Exclusion Criteria:\n- Disease relapse following an autologous transplant")
    assert "autologous HSCT" not in {c.concept for c in found}
    (relapse,) = found
    assert "qualifier" in _kinds(relapse) and kept_answers(relapse) == {"met"}


def test_the_involvement_of_the_brain_by_the_disease_is_not_every_brain_disorder() -> None:
    (c,) = _read("Exclusion Criteria:\n- Leptomeningeal involvement")
    assert c.concept == "CNS involvement"
    from trialscope.criteria.vocabulary import vocabulary

    assert "CNS disease" in vocabulary().concept_ancestors("CNS involvement")
    assert "CNS involvement" not in vocabulary().concept_ancestors("epilepsy")


def test_a_qualifier_before_a_list_qualifies_its_unread_members_too() -> None:
    (c,) = _read("Exclusion Criteria:\n- Serious parasitic, viral or fungal infections")
    assert {"qualifier", "alternative"} <= _kinds(c) and kept_answers(c) == frozenset()


def test_two_tests_with_one_result_after_them_exclude_only_together() -> None:
    """ "antibody and RNA positive": an antibody alone (a cured infection) excludes no one."""
    (c,) = _read("Exclusion Criteria:\n- Antibody to HIV and p24 antigen positive")
    assert c.concept == "HIV" and kept_answers(c) == {"met"}
    text = "Exclusion Criteria:\n- Those testing positive for hepatitis B core antibody and also positive for HBV DNA"
    assert [c.concept for c in _read(text)] == ["hepatitis B viraemia"]


def test_inclusive_after_a_strict_bound_takes_the_bound_in() -> None:
    (c,) = _read("Inclusion Criteria:\n- Older than 16 years (inclusive)")
    assert (c.comparator, c.value) == (">=", 16)


def test_a_malignancy_an_inclusion_names_is_the_trials_own() -> None:
    assert not _read("Inclusion Criteria:\n- Pathologically confirmed malignancy")
    (c,) = _read("Inclusion Criteria:\n- No other malignancy in the past 3 years")
    assert (c.concept, c.polarity) == ("other malignancy", "exclude")


def test_a_grade_written_after_a_diagnosis_grades_the_disease() -> None:
    assert not [c for c in _read("Inclusion Criteria:\n- Follicular lymphoma, grade 1 to 3A") if c.quantity]


def test_a_lab_named_in_full_then_by_its_acronym_joins_a_list() -> None:
    text = "Inclusion Criteria:\n- Alanine aminotransferase (ALT) or aspartate aminotransferase (AST) < 3 × ULN"
    assert {c.quantity for c in _read(text)} == {"ALT", "AST"}


def test_a_heading_that_leads_into_its_kinds_is_their_topic_not_an_exclusion() -> None:
    text = "Exclusion Criteria:\n- Prior systemic therapy for the cancer, including:\n  * Decitabine within 14 days"
    assert [c.concept for c in _read(text)] == ["decitabine"]
    unread_below = _read("Exclusion Criteria:\n- Autoimmune disease:\n  * with flares in the past year")
    assert kept_answers(unread_below[0]) == {"met"}


def test_limits_on_two_quantities_after_a_semicolon_and_or_are_alternatives() -> None:
    found = _read("Inclusion Criteria:\n- Bilirubin ≤ 1.5 × ULN; OR direct bilirubin ≤ 1.0 × ULN")
    assert len({c.any_of_group for c in found}) == 1 and found[0].any_of_group


def test_a_limit_or_a_condition_is_either() -> None:
    found = _read("Inclusion Criteria:\n- At least 20% marrow blasts or extramedullary disease")
    assert len(found) == 2 and found[0].any_of_group == found[1].any_of_group is not None


def test_a_count_that_may_be_reached_with_transfusions_cannot_rule_out() -> None:
    (c,) = _read("Inclusion Criteria:\n- Platelets ≥ 30 × 10^9/L (platelet transfusions are allowed)")
    assert "not_met" not in kept_answers(c)


def test_a_cohort_sub_heading_makes_its_criteria_conditional() -> None:
    text = (
        "Inclusion Criteria:\n* Part B AML Inclusion Criteria:\n  1. ECOG 0-1\n* Part A Inclusion Criteria\n"
        "  1. ECOG 0-2"
    )
    assert all("condition" in _kinds(c) for c in _read(text))


def test_a_condition_with_another_says_which_one_is_meant() -> None:
    (c,) = _read("Exclusion Criteria:\n- Vasculitis or other autoimmune disease with CNS involvement")[-1:]
    assert c.concept == "autoimmune disease" and "not_met" not in kept_answers(c)


def test_requiring_treatment_narrows_what_it_follows() -> None:
    (c,) = _read("Exclusion Criteria:\n- Autoimmune disease that required treatment in the past 2 years")
    assert kept_answers(c) == {"met"}


def test_the_drug_of_a_dose_limit_is_not_excluded_outright() -> None:
    found = _read("Exclusion Criteria:\n- Steroids equivalent to more than 10 mg daily of prednisone within 14 days")
    assert not [c for c in found if c.kind == "concept"]


def test_a_kind_named_as_a_name_of_its_class_is_its_own_concept() -> None:
    from trialscope.criteria.vocabulary import vocabulary

    vocab = vocabulary()
    for kind, kind_of in (
        ("spinal cord compression", "oncologic emergency"),
        ("stroke", "cerebrovascular disease"),
        ("schizophrenia", "mental illness"),
    ):
        assert kind_of in vocab.concept_ancestors(kind)
    (c,) = _read("Exclusion Criteria:\n- Known CNS lymphoma")
    assert c.concept == "CNS involvement"


def test_the_longer_of_two_washouts_offered_whichever_is_shorter_cannot_rule_out() -> None:
    text = "Inclusion Criteria:\n- At least 28 days or 5 half-lives, whichever comes first, since the last venetoclax"
    (c,) = _read(text)
    assert c.within is not None and "not_met" not in kept_answers(c)


# --- held-out draw r12 and its classes (issue 33) -------------------------------------------------------------


def test_a_therapy_after_another_says_when_not_a_second_exclusion() -> None:
    found = _read("Exclusion Criteria:\n- Radiation given within three weeks following an autologous transplant")
    assert [c.concept for c in found] == ["radiotherapy"]
    assert kept_answers(found[0]) == {"met"} and found[0].within is None


def test_a_window_counted_from_another_event_is_no_window_back_from_now() -> None:
    c = _one("Inclusion Criteria:\n- Relapse within 9 months after CAR-T cell therapy", "CAR-T cell therapy")
    assert c.within is None and kept_answers(c) == frozenset()
    since = _one("Exclusion Criteria:\n- Patients within 60 days after allogeneic HSCT", "allogeneic HSCT")
    assert since.within is not None and since.within.days == 60  # only the patient named before: back from now


def test_a_grade_written_on_a_condition_narrows_that_condition() -> None:
    found = _read("Exclusion Criteria:\n- Grade 3-4 chronic graft-versus-host disease")
    assert [c.concept for c in found] == ["graft-versus-host disease"]  # no limit on any toxicity's grade
    assert kept_answers(found[0]) == {"met"}
    lymphoma = _one("Exclusion Criteria:\n- Follicular lymphoma of grade 3b", "follicular lymphoma")
    assert kept_answers(lymphoma) == {"met"}


def test_a_narrowed_exclusion_does_not_conflict_with_the_broad_requirement() -> None:
    found = _read("Inclusion Criteria:\n- Prior chemotherapy\n\nExclusion Criteria:\n- Chemotherapy given after HSCT")
    assert {c.polarity: c.unsure for c in found} == {"include": None, "exclude": "qualifier"}


def test_a_predicate_after_and_says_which_of_it_excludes() -> None:
    c = _one("Exclusion Criteria:\n- Drug abuse and not willing to stop", "substance abuse")
    assert kept_answers(c) == {"met"}


def test_a_relative_clause_after_the_last_member_may_qualify_them_all() -> None:
    found = _read(
        "Exclusion Criteria:\n- Heart failure, psychiatric illness, or family circumstances that would prevent "
        "follow-up visits"
    )
    assert {c.concept for c in found} >= {"heart failure", "mental illness"}
    assert all(kept_answers(c) != {"not_met"} for c in found)


def test_an_infection_with_its_viral_load_is_the_viraemia() -> None:
    found = _read("Exclusion Criteria:\n- HBsAg or HBcAb positive with detectable HBV DNA")
    assert [c.concept for c in found] == ["hepatitis B viraemia"]
    separate = _read("Exclusion Criteria:\n- Positive for HBsAg, or positive for HBcAb with detectable HBV DNA")
    assert sorted(c.concept or "" for c in separate) == ["hepatitis B", "hepatitis B viraemia"]


def test_unless_after_a_limit_says_whom_it_spares() -> None:
    c = _one(
        "Inclusion Criteria:\n- Total bilirubin up to 2 x ULN, unless the patient has Gilbert syndrome",
        "total bilirubin",
    )
    assert "condition" in _kinds(c) and kept_answers(c) == {"met"}
    bracketed = _one(
        "Inclusion Criteria:\n- Bilirubin ≤ 1.5 mg/dL (except patients with Gilbert syndrome)", "total bilirubin"
    )
    assert "condition" in _kinds(bracketed)


def test_patients_named_by_age_say_whom_a_limit_is_for() -> None:
    found = _read(
        "Inclusion Criteria:\n- Lansky ≥ 60 for patients under 16 years and Karnofsky ≥ 60 for patients 16 years "
        "or older"
    )
    assert "age" not in {c.quantity for c in found}
    assert all("condition" in _kinds(c) for c in found)
    plain = _read("Inclusion Criteria:\n- Patients aged 18 years or older with ECOG 0-2")
    assert {c.quantity for c in plain} == {"age", "ECOG"} and all(c.unsure is None for c in plain)


def test_a_duration_is_not_a_washout() -> None:
    c = _one("Exclusion Criteria:\n- Systemic corticosteroids taken for at least 10 days", "systemic corticosteroids")
    assert c.within is None and kept_answers(c) == frozenset()
    washout = _one("Inclusion Criteria:\n- At least 3 weeks after the last dose of chemotherapy", "chemotherapy")
    assert washout.unsure is None and washout.within is not None and washout.within.days == 21


def test_more_than_a_time_ago_is_no_window_back_from_now() -> None:
    c = _one("Exclusion Criteria:\n- Prior radiotherapy given more than 5 years before enrollment", "radiotherapy")
    assert c.within is None and kept_answers(c) == frozenset()


def test_a_limit_its_clause_negates_decides_nothing() -> None:
    c = _one("Exclusion Criteria:\n- Patients who never reached a platelet count ≥ 20,000", "platelets")
    assert kept_answers(c) == frozenset()
    recovered = _one(
        "Exclusion Criteria:\n- Adverse events of earlier therapy not resolved to baseline level or grade ≤ 1",
        "toxicity grade",
    )
    assert recovered.comparator == ">" and recovered.unsure is None


def test_a_window_in_a_member_the_engine_did_not_read_is_not_given_to_another() -> None:
    c = _one(
        "Exclusion Criteria:\n- Bowel obstruction, or a history of gastric ulcer bleeding within 6 months",
        "intestinal obstruction",
    )
    assert c.within is None


def test_a_substudy_heading_makes_its_items_conditional() -> None:
    found = _read(
        "Exclusion Criteria:\n- Active hepatitis B\n\nCombination with Nivolumab Substudy Only:\n\n- Prior radiotherapy"
    )
    radiotherapy = next(c for c in found if c.concept == "radiotherapy")
    assert "condition" in _kinds(radiotherapy)


# --- held-out draw r13 and its classes (issue 33) -------------------------------------------------------------


def test_words_of_a_clause_that_names_nothing_read_are_not_lost() -> None:
    c = _one(
        "Inclusion Criteria:\n- Multiple myeloma confirmed by biopsy: Patients classified as unfit for surgery",
        "multiple myeloma",
    )
    assert "conjunct" in _kinds(c) and kept_answers(c) == {"not_met"}  # no myeloma fails; myeloma is asked


def test_limits_no_value_meets_together_are_not_trusted() -> None:
    found = _read(
        "Inclusion Criteria:\n- Any grade 3-4 neuropathy from earlier treatment must have improved to grade 1 or less"
    )
    grades = [c for c in found if c.quantity == "toxicity grade"]
    assert grades and all(c.unsure == "conflict" and kept_answers(c) == frozenset() for c in grades)
    plain = _read("Inclusion Criteria:\n- Age between 18 and 70 years")
    assert all(c.unsure is None for c in plain)


def test_a_cohort_in_brackets_after_a_limit_is_its_condition() -> None:
    found = _read("Inclusion Criteria:\n- ECOG 0-1 (part 1, escalation); ECOG 0-2 (part 2, expansion)")
    assert [c.value for c in found] == [1, 2] and all("condition" in _kinds(c) for c in found)


def test_a_subgroup_limit_in_brackets_is_no_quantity_of_its_own() -> None:
    found = _read("Inclusion Criteria:\n- AST ≤ 3 × ULN (in patients with hepatic metastases ≤ 5 × ULN)")
    assert {c.quantity for c in found} == {"AST"}


def test_a_later_if_positive_is_a_second_way_in() -> None:
    c = _one(
        "Inclusion Criteria:\n- Hepatitis C antibody negative. If hepatitis C antibody is positive, HCV RNA must "
        "be undetectable.",
        "hepatitis C",
    )
    assert "exception" in _kinds(c) and kept_answers(c) == {"met"}


def test_or_other_of_its_kind_is_another_way_in() -> None:
    c = _one("Inclusion Criteria:\n- Received prior obinutuzumab (or other anti-CD20 antibodies)", "obinutuzumab")
    assert kept_answers(c) == {"met"}


def test_a_label_excluded_before_patients_names_the_exceptions() -> None:
    c = _one(
        "Exclusion Criteria:\n- Other malignancy in the past 5 years. Excluded: patients with cured cervical "
        "carcinoma in situ",
        "other malignancy",
    )
    assert kept_answers(c) == {"met"}


def test_cell_therapy_is_its_own_concept_with_its_window() -> None:
    found = _read("Exclusion Criteria:\n- Any cell therapy or gene therapy product in past 28 days")
    assert {c.concept for c in found} == {"cell therapy", "gene therapy"}
    assert all(c.within is not None and c.within.days == 28 for c in found)


def test_seronegative_is_a_negative_result() -> None:
    c = _one("Inclusion Criteria:\n- HIV seronegative", "HIV")
    assert c.polarity == "exclude" and c.unsure is None


# --- held-out draw r14 and its classes (issue 33) -------------------------------------------------------------


def test_a_line_naming_a_subgroup_heads_the_limits_after_it() -> None:
    text = (
        "Inclusion Criteria:\n\nKidney function: participants without renal involvement\n\nCreatinine ≤ 1.5 × ULN\n\n"
        "cardiac function\n\nLVEF ≥ 45%\n\n* Participants with relapsed myeloma"
    )
    creatinine, lvef = _one(text, "creatinine"), _one(text, "LVEF")
    assert "condition" in _kinds(creatinine) and lvef.unsure is None  # the next topic is for everyone again
    myeloma = _one(text, "multiple myeloma")
    assert myeloma.unsure is None  # a plain item naming patients is a requirement, not a heading


def test_a_retreatment_heading_is_a_cohort() -> None:
    c = _one(
        "Inclusion Criteria:\n* Relapsed AML\n\nRe-treatment Inclusion Criteria\n\n* Platelets ≥ 20,000/uL", "platelets"
    )
    assert "condition" in _kinds(c)


def test_an_item_ending_in_or_is_one_way_in_with_the_next() -> None:
    found = _read("Inclusion Criteria:\n* Prior autologous transplant OR\n* Refractory to two lines of therapy")
    assert found and all(kept_answers(c) <= {"met"} for c in found)


def test_a_seizure_is_not_epilepsy() -> None:
    c = _one("Exclusion Criteria:\n- Any history of seizures", "seizure")
    assert c.unsure is None
    assert _one("Exclusion Criteria:\n- Known epilepsy", "epilepsy").unsure is None


def test_an_ejection_fraction_written_as_a_fraction_is_a_percentage() -> None:
    c = _one("Inclusion Criteria:\n- Ejection fraction of at least 0.45 on echocardiogram", "LVEF")
    assert c.value == 45 and c.unit == "%"


def test_examples_after_a_window_and_its_anchor_share_the_window() -> None:
    found = _read("Exclusion Criteria:\n- Stroke within 3 months before the first dose, including cerebral hemorrhage")
    assert len(found) == 2 and all(
        c.within is not None and (c.within.value, c.within.unit) == (3, "months") for c in found
    )


def test_examples_of_a_required_disease_are_that_disease() -> None:
    found = _read(
        "Inclusion Criteria:\n- Advanced solid tumours, including but not limited to gastric and breast cancer"
    )
    assert [c.concept for c in found] == ["solid tumor"]
    excluded = _read("Exclusion Criteria:\n- Heart disease, including heart failure")
    assert {c.concept for c in excluded} == {"heart disease", "heart failure"}


def test_planning_a_pregnancy_is_asked_as_contraception() -> None:
    found = _read("Exclusion Criteria:\n- Breastfeeding, or planning to become pregnant during the study")
    assert {c.concept for c in found} == {"lactation", "contraception"}


def test_a_status_defined_in_its_item_is_narrowed_by_the_definition() -> None:
    found = _read(
        "Inclusion Criteria:\n- Refractory multiple myeloma. Refractory is defined as progression on or within 60 "
        "days of the last therapy."
    )
    refractory = next(c for c in found if c.concept == "refractory" and not c.definitional)
    assert "qualifier" in _kinds(refractory) and "met" not in kept_answers(refractory)


# --- held-out draw r15 and its classes (issue 33) -------------------------------------------------------------


def test_removed_in_the_text_of_a_criterion_is_no_struck_mark() -> None:
    c = _one(
        "Exclusion Criteria:\n- Another malignancy within 3 years, except a tumour surgically removed with clear "
        "margins",
        "other malignancy",
    )
    assert c.within is not None
    assert _read("Exclusion Criteria:\n- [Removed] Prior radiotherapy") == []


def test_an_item_whose_readings_were_all_set_aside_is_still_asked() -> None:
    parsed = parse_criteria("Exclusion Criteria:\n- Prior HSCT (retired in amendment 4)\n- HIV")
    assert [c.concept for c in parsed.constraints] == ["HIV"]  # a struck item requires nothing
    # an item the engine read nothing of is kept as text to read, never dropped
    text = parse_criteria("Inclusion Criteria:\n- Able to swallow capsules whole").constraints
    assert [c.kind for c in text] == ["unparsed"]


def test_not_exclusionary_lets_in_what_the_sub_items_name() -> None:
    text = (
        "Exclusion Criteria:\n1. Active uncontrolled infection; the following are not exclusionary:\n"
        "   1. HIV on antiretroviral therapy with an undetectable viral load\n2. Prior HSCT"
    )
    infection = _one(text, "active infection")
    assert "exception" in _kinds(infection) and kept_answers(infection) == {"met"}


def test_a_cd4_count_is_a_count_of_cells_not_a_marker_of_the_disease() -> None:
    found = _read("Inclusion Criteria:\n- CD4+ T-cell count of at least 200 cells/uL")
    assert {c.category for c in found if c.kind == "concept"} == set()


def test_such_as_with_a_condition_says_whom_the_second_limit_is_for() -> None:
    found = _read("Inclusion Criteria:\n- AST ≤ 3×ULN, such as with hepatic metastases, ≤ 5×ULN")
    assert [c.value for c in found] == [3, 5] and all(kept_answers(c) == {"met"} for c in found)


# --- held-out draw r16 and its classes (issue 33) -------------------------------------------------------------


def test_a_topic_heading_over_its_kinds_excludes_nothing_of_its_own() -> None:
    found = _read("Exclusion Criteria:\n* Viral infections:\n  * HIV positive\n  * HCV RNA detectable")
    assert {c.concept for c in found} == {"HIV", "hepatitis C viraemia"}


def test_a_qualifier_before_one_member_carries_over_the_names_joined_to_it() -> None:
    found = _read("Exclusion Criteria:\n- Autoimmune disease, or long-term use of immunosuppressants or steroids")
    therapies = [c for c in found if c.category == "prior_therapy"]
    assert len(therapies) == 2 and all(kept_answers(c) == {"met"} for c in therapies)


def test_and_slash_or_with_spaces_is_one_joint() -> None:
    c = _one("Inclusion Criteria:\n- Unresectable, recurrent and / or metastatic melanoma", "relapsed")
    assert kept_answers(c) == {"met"}


def test_a_second_limit_joined_by_and_shares_the_subgroup_of_the_first() -> None:
    found = _read(
        "Inclusion Criteria:\n- Bilirubin of patients with Gilbert syndrome ≤ 3 × ULN and direct bilirubin ≤ 1.5 × ULN"
    )
    assert len(found) == 2 and all("condition" in _kinds(c) for c in found)


def test_antibody_therapy_is_a_monoclonal_antibody() -> None:
    found = _read("Exclusion Criteria:\n- Prior cellular immunotherapy or antibody therapy")
    assert {c.concept for c in found} == {"cell therapy", "monoclonal antibody"}


# --- the final fresh draw r17 (issue 33) ----------------------------------------------------------------------


def test_a_heading_with_a_word_in_brackets_still_opens_its_section() -> None:
    found = _read("Inclusion Criteria (main):\n* Age ≥ 18\n\nExclusion Criteria (main):\n* Active infection")
    assert {c.polarity for c in found if c.kind == "concept"} == {"exclude"}


def test_seronegative_for_a_virus_excludes_it() -> None:
    c = _one("Inclusion Criteria:\n- Seronegative for hepatitis C antibody", "hepatitis C")
    assert c.polarity == "exclude"


def test_a_thing_named_now_and_in_the_past_is_about_ever() -> None:
    c = _one("Exclusion Criteria:\n- Concurrent malignancy or a previous history of malignancy", "other malignancy")
    assert not c.current
    assert _one("Exclusion Criteria:\n- Active hepatitis B", "hepatitis B").current


# --- held-out draws r19 and r20 from the HINT trials of a blood cancer (issue 33) -------------------------------


def test_a_heading_naming_a_cohort_in_brackets_makes_its_items_for_that_cohort() -> None:
    c = _one(
        "Inclusion Criteria:\n- AML\nExclusion Criteria (arm B):\n- Prior autologous transplant", "autologous HSCT"
    )
    assert kept_answers(c) == {"met"} and "arm B" in (c.leftover or "")


def test_a_marker_whose_status_must_be_known_is_no_positive_marker() -> None:
    assert _read("Inclusion Criteria:\n- FLT3 and CD33 expression status known before day 8") == []
    assert _read("Inclusion Criteria:\n- Expression of CD123 must have been measured on the blasts") == []
    assert _one("Inclusion Criteria:\n- CD123 positive AML assessed by flow", "CD123").polarity == "include"


def test_a_status_reached_before_another_is_no_way_in_of_its_own() -> None:
    found = _read("Inclusion Criteria:\n- Disease that relapsed after a second remission")
    assert {c.concept for c in found if c.category == "disease_status"} == {"relapsed"}
    (relapsed,) = [c for c in found if c.concept == "relapsed"]
    assert kept_answers(relapsed) == {"not_met"}  # a first relapse does not meet it; no relapse fails it
    plain = _one("Inclusion Criteria:\n- Relapse after complete remission", "relapsed")
    assert plain.any_of_group is None


def test_an_unread_member_with_an_object_after_it_may_qualify_every_member_or_only_itself() -> None:
    # "allergy or intolerance to the study product": two reactions, one object, which narrows both (a
    # penicillin allergy does not exclude); "infection or other condition that could impair tolerance": whether
    # the clause narrows the infection too, the words do not say, so the infection decides nothing
    c = _one(
        "Exclusion Criteria:\n- Known allergy or intolerance to the excipients of the study product", "hypersensitivity"
    )
    assert kept_answers(c) == {"met"}
    c = _one("Exclusion Criteria:\n- Active infection or other illness that could limit tolerance", "active infection")
    assert kept_answers(c) == frozenset()
    c = _one(
        "Inclusion Criteria:\n- No mental illness or family situation that could limit adherence", "mental illness"
    )
    assert c.polarity == "exclude" and kept_answers(c) == frozenset()


def test_a_permission_in_a_later_sentence_of_an_inclusion_lets_others_in() -> None:
    text = (
        "Inclusion Criteria:\n- Creatinine ≤ 1.8 mg/dL. Patients with kidney involvement by lymphoma may also be "
        "eligible after review by the study chair."
    )
    assert kept_answers(_one(text, "creatinine")) == {"met"}
    text = "Inclusion Criteria:\n- Direct bilirubin ≤ 2 × ULN; those with Gilbert syndrome may be enrolled"
    assert {c.concept or c.quantity for c in _read(text)} == {"direct bilirubin"}


def test_an_item_that_only_lets_some_in_requires_nothing_and_relaxes_the_one_before() -> None:
    text = (
        "Inclusion Criteria:\n- Total bilirubin ≤ 1.5 mg/dL\n- Patients with Gilbert syndrome are eligible\n"
        "Exclusion Criteria:\n- Prior malignancy\n- Treated skin basal cell carcinoma allowed"
    )
    found = _read(text)
    assert "Gilbert's syndrome" not in {c.concept for c in found}
    assert kept_answers(_one(text, "total bilirubin")) == {"met"}
    assert kept_answers(_one(text, "other malignancy")) == {"met"}


def test_items_opening_with_several_diseases_after_their_status_are_cohorts() -> None:
    text = "Inclusion Criteria:\n- Refractory Hodgkin lymphoma\n- Relapsed or refractory multiple myeloma\n- ECOG 0-2"
    status = [c for c in _read(text) if c.category == "disease_status"]
    assert status and all("met" in kept_answers(c) and "not_met" not in kept_answers(c) for c in status)


def test_a_negated_lead_in_of_an_inclusion_makes_every_thing_below_it_an_exclusion() -> None:
    text = (
        "Inclusion Criteria:\n- No significant comorbidity, including any of the following:\n"
        "    - Heart disease, including:\n        - Stroke within the last 3 months\n"
        "        - NYHA class III or IV\n- ECOG 0-1"
    )
    found = _read(text)
    assert _one(text, "stroke").polarity == "exclude"
    assert next(c for c in found if c.quantity == "NYHA class").polarity == "exclude"
    assert next(c for c in found if c.quantity == "ECOG").polarity == "include"


def test_a_range_under_a_topic_line_names_nothing_from_the_next_line() -> None:
    text = "Inclusion Criteria:\n\n    Age\n\n      -  5 to 30\n\n    Performance status\n\n      -  ECOG 0-1"
    assert all(c.quantity != "number of performance status" for c in _read(text))


def test_an_extent_written_after_a_therapy_narrows_it() -> None:
    found = _read("Inclusion Criteria:\n- No previous radiation to more than 30% of the marrow")
    assert [c.kind for c in found] == ["concept"]
    assert found[0].polarity == "exclude" and kept_answers(found[0]) == {"met"}


def test_recovery_from_a_therapy_neither_requires_nor_excludes_it() -> None:
    assert _read("Inclusion Criteria:\n- Recovered fully from prior cytotoxic chemotherapy or radiation") == []
    c = _one("Inclusion Criteria:\n- At least 3 weeks since prior chemotherapy and recovered", "chemotherapy")
    assert c.polarity == "exclude" and kept_answers(c) == {"not_met"}


def test_an_allergy_attributed_to_a_drug_is_no_exposure_to_it() -> None:
    found = _read("Exclusion Criteria:\n- Prior allergic reactions attributed to busulfan or melphalan")
    assert {c.concept for c in found} == {"hypersensitivity"}


def test_with_or_without_names_what_may_be_there_or_not() -> None:
    found = _read(
        "Inclusion Criteria:\n- Failed prior chemotherapy with or without rituximab, or prior autologous HSCT"
    )
    assert "rituximab" not in {c.concept for c in found}
    assert all(c.polarity == "include" for c in found)


def test_a_virus_written_as_a_mark_of_the_tumour_is_no_infection() -> None:
    found = _read("Inclusion Criteria:\n- Histologically confirmed HHV8-associated lymphoma")
    assert all(c.category != "infection" for c in found)


def test_a_window_closes_the_member_it_ends_and_the_next_member_has_its_own() -> None:
    text = "Exclusion Criteria:\n- Antibody therapy within 14 days, radiotherapy or surgery within 4 weeks"
    radiotherapy = _one(text, "radiotherapy").within
    assert radiotherapy is not None and (radiotherapy.value, radiotherapy.unit) == (4, "weeks")


def test_a_window_opening_its_line_holds_for_the_list_after_it() -> None:
    text = "Exclusion Criteria:\n- Within 3 weeks, radiotherapy or major surgery"
    assert all(c.within is not None for c in _read(text))


def test_an_age_group_in_brackets_after_a_limit_says_whom_it_is_for() -> None:
    text = "Exclusion Criteria:\n- Ejection fraction below 50% (children) or below 40% (adults)"
    assert all(kept_answers(c) == {"met"} for c in _read(text))


def test_a_therapy_the_patient_may_instead_be_unfit_for_is_no_requirement() -> None:
    c = _one("Inclusion Criteria:\n- Prior autologous HSCT, or not a candidate for it", "autologous HSCT")
    assert "not_met" not in kept_answers(c)


# --- held-out draws r21 and r22 (HINT pool) and their classes (issue 33) ----------------------------------------


def test_a_negation_before_a_limits_quantity_in_an_inclusion_excludes_what_meets_it() -> None:
    found = _read("Inclusion Criteria:\n- No ECOG performance status of 3 or 4")
    ecog = [c for c in found if c.quantity == "ECOG"]  # outside 3-4: below 3 (or above 4)
    assert ecog and all(c.polarity == "include" and c.comparator in ("<", ">") for c in ecog)
    found = _read("Inclusion Criteria:\n- No evidence of brain metastases and platelets ≥ 75,000/uL")
    assert next(c for c in found if c.quantity == "platelets").polarity == "include"


def test_a_comparator_phrase_broken_over_two_lines_keeps_its_direction() -> None:
    text = "Exclusion Criteria:\n\n   -  Total bilirubin greater than or\n      equal to 3 x ULN\n"
    c = _one(text, "total bilirubin")
    assert c.comparator == ">=" and c.polarity == "exclude"


def test_a_kind_named_right_after_its_members_names_them_again() -> None:
    found = _read("Exclusion Criteria:\n- Uncontrolled cytomegalovirus or Epstein-Barr viral infection")
    assert "viral infection" not in {c.concept for c in found}


def test_an_exclusion_ending_in_except_colon_lets_its_sub_items_in() -> None:
    text = "Exclusion Criteria:\n- Other cancer within 3 years, except:\n   - Treated skin cancer\n- HIV"
    c = _one(text, "other malignancy")
    assert kept_answers(c) == {"met"}
    assert "solid tumor" not in {o.concept for o in _read(text)}


def test_the_people_a_rule_is_put_to_are_no_requirement() -> None:
    text = "Inclusion Criteria:\n- Participants infected with hepatitis C should be on antiviral therapy"
    assert all(kept_answers(c) != {"met", "not_met"} for c in _read(text) if c.concept == "hepatitis C")


def test_a_relative_clause_after_an_exception_is_said_of_the_thing_excepted_from() -> None:
    c = _one("Exclusion Criteria:\n- Any infection other than HIV which requires IV antibiotics", "active infection")
    assert "HIV" in " ".join(c.exceptions) and "requires" in (c.leftover or "")
    assert "not_met" not in kept_answers(c)


def test_a_limit_for_one_group_beside_another_groups_unread_value_decides_nothing() -> None:
    c = _one("Inclusion Criteria:\n- QTcF ≤ 480 ms in women (450 ms in men)", "QTc")
    assert kept_answers(c) == frozenset()


def test_common_abbreviations_of_cardiovascular_events() -> None:
    found = _read("Exclusion Criteria:\n- MI or CVA in the last 6 months")
    assert {c.concept for c in found} == {"myocardial infarction", "stroke"}


def test_a_therapy_that_must_have_been_stopped_is_no_requirement() -> None:
    text = "Inclusion Criteria:\n- Any earlier radiotherapy must have been completed 3 weeks before day 1"
    assert all(not (c.polarity == "include" and "not_met" in kept_answers(c)) for c in _read(text))


def test_a_list_of_one_of_the_following_written_with_a_digit_offers_alternatives() -> None:
    text = "Inclusion Criteria:\n- At least 1 of the following:\n   - Serum free light chain ≥ 10 mg/dL\n   - ECOG 0-1"
    assert all("not_met" not in kept_answers(c) for c in _read(text))


def test_a_negated_member_after_or_in_an_inclusion_is_another_way_in() -> None:
    c = _one("Inclusion Criteria:\n- Relapsed after transplant OR no curative option is available", "relapsed")
    assert "not_met" not in kept_answers(c)


# --- held-out draws r23 and r24 (HINT pool) and their classes (issue 33) ----------------------------------------


def test_a_heading_run_onto_the_end_of_a_wrapped_line_still_opens_its_section() -> None:
    text = (
        "Inclusion Criteria:\n\n  -  Able to walk and to care for oneself without any help at all Exclusion\n"
        "     Criteria:\n\n  -  Active hepatitis B\n"
    )
    assert _one(text, "hepatitis B").polarity == "exclude"


def test_what_a_donor_must_meet_is_not_the_patients_criterion() -> None:
    text = (
        "Inclusion Criteria:\n- AML\n- A matched sibling donor who meets the following criteria:\n"
        "    - Age 18 to 60\n    - HIV negative\n- The donor must not be pregnant\n"
    )
    donors = [c for c in _read(text) if c.concept != "acute myeloid leukemia"]
    assert donors and all(kept_answers(c) == frozenset() for c in donors)


def test_a_limit_after_a_condition_says_which_of_it_is_meant() -> None:
    c = _one("Exclusion Criteria:\n- Heart disease, with NYHA class III or IV", "heart disease")
    assert kept_answers(c) == {"met"}


def test_the_nationality_of_the_patients_narrows_a_requirement() -> None:
    c = _one("Inclusion Criteria:\n- Korean patients aged 19 or older", "age")
    assert "not_met" in kept_answers(c) and "met" not in kept_answers(c)


def test_childbearing_potential_is_no_pregnancy() -> None:
    text = "Inclusion Criteria:\n- Men with a partner of childbearing potential must use condoms"
    assert "pregnancy" not in {c.concept for c in parse_criteria(text).constraints}


def test_an_allergy_to_compounds_like_a_long_list_of_drugs_is_no_exposure_to_them() -> None:
    text = (
        "Exclusion Criteria:\n- Hypersensitivity to compounds of a chemical or biologic composition similar to "
        "fludarabine or to rituximab"
    )
    assert {c.concept for c in _read(text)} <= {"hypersensitivity"}


def test_the_therapy_a_status_is_counted_from_is_one_way_in_among_statuses() -> None:
    text = "Inclusion Criteria:\n- Disease refractory to induction chemotherapy, or relapsed after an allogeneic HSCT"
    c = _one(text, "allogeneic HSCT")
    assert "not_met" not in kept_answers(c)


def test_a_unit_is_no_thing_counted() -> None:
    assert all(not (c.quantity or "").startswith("number of mg") for c in _read("Exclusion Criteria:\n- < 20 mg daily"))


def test_a_condition_caused_by_medication_is_narrowed() -> None:
    c = _one("Exclusion Criteria:\n- History of QT prolongation with other medication", "QT prolongation")
    assert kept_answers(c) == {"met"}


def test_a_limit_inside_an_exclusions_exception_is_whom_it_spares() -> None:
    text = "Exclusion Criteria:\n- Daily steroids in the last 2 weeks, unless at a dose below 10 mg/day of prednisone"
    assert all(c.kind != "numeric" for c in _read(text))


def test_an_exclusions_limit_with_an_exception_after_it_excludes_no_one_surely() -> None:
    c = _one("Exclusion Criteria:\n- ALT > 5 × ULN except in liver involvement by lymphoma", "ALT")
    assert kept_answers(c) == {"met"}


# --- held-out draws r25 and r26 (HINT pool) and their classes (issue 33) ----------------------------------------


def test_a_lettered_section_heading_opens_its_section() -> None:
    text = "A. INCLUSION CRITERIA\n\n   1. AML\n\nB. EXCLUSION CRITERIA\n\n   1. Prior clofarabine"
    assert _one(text, "clofarabine").polarity == "exclude"


def test_a_grade_written_before_the_condition_it_grades_narrows_it() -> None:
    c = _one("Inclusion Criteria:\n- No NYHA class III or IV cardiac disease", "heart disease")
    assert kept_answers(c) == {"met"}


def test_primary_amyloidosis_is_a_kind_of_amyloidosis_not_all_of_it() -> None:
    assert _one("Exclusion Criteria:\n- Light chain amyloidosis", "AL amyloidosis").polarity == "exclude"
    assert "amyloidosis" not in {c.concept for c in _read("Exclusion Criteria:\n- Primary amyloidosis")}


def test_a_disease_said_to_be_included_too_is_no_requirement() -> None:
    text = "Inclusion Criteria:\n- AML\n- Therapy-related AML is also included"
    assert "secondary acute myeloid leukemia" not in {c.concept for c in _read(text)}


def test_counselling_about_pregnancy_precautions_is_about_contraception() -> None:
    found = parse_criteria("Inclusion Criteria:\n- Men must be counselled about pregnancy precautions").constraints
    assert "pregnancy" not in {c.concept for c in found}


# --- the draws r27 to r29 (HINT pool) and their classes (issue 33) ----------------------------------------------


def test_a_non_prefix_names_everything_but_the_thing() -> None:
    assert "hematologic malignancy" not in {c.concept for c in _read("Exclusion Criteria:\n- Non-hematologic cancer")}
    assert _one("Exclusion Criteria:\n- Non-Hodgkin lymphoma", "non-Hodgkin lymphoma").polarity == "exclude"


def test_limits_for_men_and_women_stay_on_their_quantity() -> None:
    found = _read("Inclusion Criteria:\n- QTcF < 450 ms in males and < 470 ms in females")
    assert {c.quantity for c in found} == {"QTc"}


def test_an_age_after_for_patients_names_whom_the_limits_are_for() -> None:
    found = _read("Inclusion Criteria:\n- ECOG 0 to 1 for patients aged 70 or older")
    assert [c.quantity for c in found] == ["ECOG"] and kept_answers(found[0]) == {"met"}


def test_a_group_label_opening_an_item_makes_it_that_groups() -> None:
    found = _read("Inclusion Criteria:\n- FOR THE UNTREATED ARM ONLY: previously untreated CLL, age 65 or more")
    assert found and all("not_met" not in kept_answers(c) for c in found)


def test_an_exception_in_a_lead_in_spares_some_patients_from_every_limit_below() -> None:
    text = (
        "Inclusion Criteria:\n- Blood counts as follows (unless due to marrow infiltration):\n"
        "    - Platelets ≥ 75,000/uL"
    )
    assert kept_answers(_one(text, "platelets")) == {"met"}


# --- the final draws r30 to r32 (HINT pool) and their classes (issue 33) ----------------------------------------


def test_two_performance_scales_joined_by_or_are_alternatives() -> None:
    text = "Inclusion Criteria:\n- Karnofsky score of at least 70 or Eastern Cooperative Oncology Group (ECOG) 0 to 1"
    found = _read(text)
    assert len(found) == 2 and found[0].any_of_group and found[0].any_of_group == found[1].any_of_group


def test_a_negation_reaches_a_limit_named_after_or() -> None:
    c = _one("Inclusion Criteria:\n- No prior transplant or prior cytarabine dose ≥ 3 g/m2", "prior cytarabine dose")
    assert c.polarity == "exclude"


def test_a_phase_named_alone_on_its_line_heads_the_items_below() -> None:
    c = _one("Exclusion Criteria:\n- Phase 2\n- Hepatitis C", "hepatitis C")
    assert kept_answers(c) == {"met"}


# --- open classes of the fourth stop and draws r35 and r36 (HINT pool) (issue 33) -------------------------------


def test_any_operation_is_broader_than_a_major_one() -> None:
    c = _one("Exclusion Criteria:\n- An operation or other surgery in the past 3 weeks", "surgery")
    assert c.within is not None and c.polarity == "exclude"
    major = _one("Exclusion Criteria:\n- Major surgical procedure within 14 days", "major surgery")
    assert major.within is not None


def test_a_patient_on_a_drug_is_taking_it_now() -> None:
    c = _one("Exclusion Criteria:\n- Subjects on oral steroids for an autoimmune illness", "oral corticosteroids")
    assert c.current


def test_a_history_of_an_active_infection_is_the_past_not_the_present() -> None:
    c = _one("Exclusion Criteria:\n- Prior history of, or active, tuberculosis", "tuberculosis")
    assert not c.current
    found = _read("Exclusion Criteria:\n- HIV antibody positive, or a history of active hepatitis C")
    assert found and not any(c.current for c in found)


def test_a_line_saying_some_patients_are_not_eligible_lets_no_one_in() -> None:
    text = "Exclusion Criteria:\n- Known HIV infection\n- Patients who had prior gene therapy are not eligible"
    hiv = _one(text, "HIV")
    assert hiv.unsure is None and kept_answers(hiv) == {"met", "not_met"}


def test_a_condition_that_must_be_treated_if_present_is_not_required() -> None:
    c = _one("Inclusion Criteria:\n- Known CNS leukemia must be fully treated and in remission", "CNS involvement")
    assert c.polarity == "exclude" and "not_met" not in kept_answers(c)


def test_a_disease_named_as_what_a_therapy_was_for_is_not_a_diagnosis() -> None:
    found = _read("Inclusion Criteria:\n- No earlier treatment of myeloma other than radiotherapy")
    assert "multiple myeloma" not in {c.concept for c in found}


def test_an_abbreviation_ends_no_clause() -> None:
    text = "Exclusion Criteria:\n- Ongoing anti-cancer therapy (e.g. Ibrutinib) or radiotherapy"
    assert all(c.current for c in _read(text))


def test_an_aside_that_negates_is_no_restatement() -> None:
    c = _one("Inclusion Criteria:\n- Hemoglobin at least 8 g/dL (not transfusion dependent)", "hemoglobin")
    assert c.unsure is not None and "transfusion" in (c.leftover or "")


def test_a_therapy_named_by_a_dose_limit_is_that_limit() -> None:
    found = _read("Exclusion Criteria:\n- Lifetime daunorubicin exposure above 500 mg/m2")
    assert [c.kind for c in found] == ["numeric"]


def test_an_exposure_that_needs_a_time_and_has_none_only_lets_pass() -> None:
    c = _one("Exclusion Criteria:\n- Any other experimental drugs", "investigational treatment")
    assert kept_answers(c) == {"met"}
    dated = _one("Exclusion Criteria:\n- Experimental drugs in the past 30 days", "investigational treatment")
    assert kept_answers(dated) == {"met", "not_met"}


def test_a_required_status_before_a_list_of_indications_is_still_required() -> None:
    text = (
        "Inclusion Criteria:\n- Participants must be treatment-naive and have one of the following:\n"
        "    - Bulky lymph nodes\n    - Anaemia"
    )
    c = _one(text, "previously untreated")
    assert c.polarity == "include" and not c.definitional


def test_a_hard_wrapped_paragraph_is_one_item() -> None:
    wide = "x" * 70
    text = (
        f"Inclusion Criteria:\n\n        Participants are to have a Karnofsky score of 60 or more when {wide}\n"
        "        aged 16 and over, or a Lansky score of 60 or more under 16.\n\n"
        f"        Serum creatinine at most 2 mg/dL and also a further requirement that runs long {wide}\n"
    )
    items = parse_criteria(text).items
    assert len(items) == 2 and "Lansky" in items[0].text


def test_a_label_naming_one_disease_of_the_trial_makes_the_item_that_diseases() -> None:
    c = _one("Inclusion Criteria:\n- For myeloma participants: haemoglobin 8 g/dL or more", "hemoglobin")
    assert "condition" in _kinds(c) and "not_met" not in kept_answers(c)


def test_patients_with_a_disease_who_had_a_therapy_are_excluded_only_with_both() -> None:
    c = _one("Exclusion Criteria:\n- Participants with CLL who received ibrutinib in the last 2 weeks", "ibrutinib")
    assert "condition" in _kinds(c) and kept_answers(c) == {"met"}
    assert "chronic lymphocytic leukemia" not in {
        o.concept for o in _read("Exclusion Criteria:\n- Participants with CLL who received ibrutinib")
    }


def test_a_limit_after_alternatives_that_one_of_them_contradicts_belongs_to_the_last() -> None:
    text = "Inclusion Criteria:\n- Marrow blasts under 5%, or marrow blasts under 20% and at least 5% with MRD"
    lows = [c for c in _read(text) if c.comparator in (">", ">=")]
    assert lows and all("not_met" not in kept_answers(c) for c in lows)


def test_a_reaction_word_between_an_allergy_and_its_object_keeps_the_object() -> None:
    c = _one("Exclusion Criteria:\n- Prior anaphylactic reactions to rabbit proteins", "anaphylaxis")
    assert "qualifier" in _kinds(c)


def test_an_aside_ending_in_only_narrows_what_it_follows() -> None:
    c = _one("Exclusion Criteria:\n- Known heart disease (symptomatic cases only)", "heart disease")
    assert "qualifier" in _kinds(c) and kept_answers(c) == {"met"}


# --- draws r37 and r38 (HINT pool) and their classes (issue 33) -------------------------------------------------


def test_a_clause_that_permits_a_prior_therapy_requires_none() -> None:
    text = "Inclusion Criteria:\n- Participants may have received prior rituximab; no earlier allogeneic transplant"
    assert "rituximab" not in {c.concept for c in _read(text)}
    also = "Inclusion Criteria:\n- Prior bendamustine is also allowed."
    assert "bendamustine" not in {c.concept for c in _read(also)}


def test_a_window_of_one_unit_without_a_number_before_an_event() -> None:
    c = _one("Exclusion Criteria:\n- Chemotherapy in the week prior to registration", "chemotherapy")
    assert c.within is not None and c.within.value == 1 and c.within.unit == "weeks"


def test_more_than_one_of_the_risk_factors_below_makes_each_one_a_way_in() -> None:
    text = (
        "Inclusion Criteria:\n- Factors raising transplant risk (at least two needed):\n"
        "    - Age over 40 years\n    - Ejection fraction under 50%"
    )
    assert all("not_met" not in kept_answers(c) for c in _read(text) if c.quantity in ("age", "LVEF"))


def test_cases_a_layout_did_not_nest_under_their_lead_in_are_still_cases() -> None:
    text = (
        "Inclusion Criteria:\n\n  1. Aged 75 or more OR\n\n  2. Under 75 with at least 1 of the following:\n\n"
        "i. ECOG 2 to 3.\n\nii. Bilirubin above 3 x ULN.\n\nSerum creatinine at most 2 mg/dL\n"
    )
    found = {c.quantity: c for c in _read(text)}
    assert "not_met" not in kept_answers(found["ECOG"]) and "not_met" not in kept_answers(found["total bilirubin"])
    assert kept_answers(found["creatinine"]) == {"met", "not_met"}


def test_non_in_a_disease_name_negates_nothing() -> None:
    text = "Inclusion Criteria:\n- One of: non Hodgkin lymphoma, diffuse large B-cell lymphoma or mantle cell lymphoma"
    assert all(c.polarity == "include" for c in _read(text))


def test_a_status_of_the_trials_own_disease_in_an_exclusion_is_not_trusted() -> None:
    study = Study.model_validate(
        {
            "protocolSection": {
                "identificationModule": {"nctId": "NCT00000001", "briefTitle": "AML"},
                "conditionsModule": {"conditions": ["Acute Myeloid Leukemia"]},
            }
        }
    )
    parsed = parse_criteria("Exclusion Criteria:\n- Primary refractory AML or ALL", study)
    status = [c for c in parsed.constraints if c.category == "disease_status"]
    assert status and all(kept_answers(c) == frozenset() for c in status)


def test_a_participle_saying_why_a_condition_matters_qualifies_it() -> None:
    c = _one("Exclusion Criteria:\n- Dementia preventing informed consent", "dementia")
    assert "qualifier" in _kinds(c)


def test_a_window_after_an_exception_is_the_exclusions() -> None:
    c = _one(
        "Exclusion Criteria:\n- Immunosuppressive drugs other than steroids within 14 days of the first dose",
        "immunosuppressants",
    )
    assert c.exceptions == ["steroids"] and c.within is not None


def test_a_title_case_line_over_sub_items_is_a_heading() -> None:
    text = "Exclusion Criteria:\n1. Drug Allergies and Intolerances\n    - Known allergy to the study drug"
    items = parse_criteria(text).items
    assert not [c for c in _read(text) if c.item == items[0].index]


def test_a_wrapped_line_starting_with_a_comparator_is_no_bullet() -> None:
    text = "Exclusion Criteria:\n- History or evidence of current\n  >=Class III heart failure (NYHA)"
    assert [c.comparator for c in _read(text) if c.quantity == "NYHA class"] == [">="]


def test_sub_items_for_patients_a_lead_in_lets_in_hold_for_them_only() -> None:
    text = (
        "Inclusion Criteria:\n- Participants with hepatitis C are eligible provided that they meet the following:\n"
        "    - Platelets at least 100,000/uL"
    )
    assert kept_answers(_one(text, "platelets")) == {"met"}


# --- draws r39 and r40 (HINT pool) and their classes (issue 33) -------------------------------------------------


def test_may_have_been_treated_before_is_a_permission() -> None:
    text = "Inclusion Criteria:\n- Participants may have been previously treated with lenalidomide."
    assert "lenalidomide" not in {c.concept for c in _read(text)}


def test_a_therapy_someone_is_a_candidate_for_is_no_therapy_received() -> None:
    text = (
        "Exclusion Criteria:\n- Patients eligible for curative treatment such as allogeneic stem cell transplantation"
    )
    assert "allogeneic HSCT" not in {c.concept for c in _read(text)}


def test_a_section_heading_naming_a_disease_makes_its_items_that_diseases() -> None:
    text = "Inclusion Criteria for myeloma:\n- ECOG 0 to 1\n\nExclusion Criteria:\n- Known HIV infection"
    assert "condition" in _kinds(_one(text, "ECOG")) and _one(text, "HIV").unsure is None


def test_limits_for_subgroups_offered_with_or_are_no_free_choice() -> None:
    found = _read("Inclusion Criteria:\n- Haemoglobin ≥ 10 g/dL in men or ≥ 9 g/dL in women")
    assert len(found) == 2 and all(c.any_of_group is None and kept_answers(c) == {"met"} for c in found)


def test_the_side_effects_of_therapies_name_no_therapy_received() -> None:
    text = "Exclusion Criteria:\n- Unresolved side effects of prior radiotherapy, surgery or chemotherapy above grade 1"
    assert not {"radiotherapy", "surgery", "chemotherapy"} & {c.concept for c in _read(text)}


def test_a_drug_named_before_its_cumulative_dose_limit_is_that_limit() -> None:
    text = (
        "Inclusion Criteria:\n- No prior daunorubicin (or another anthracycline) at a cumulative dose above 450 mg/m2"
    )
    assert "daunorubicin" not in {c.concept for c in _read(text)}


def test_a_title_case_line_before_a_lead_in_is_a_heading() -> None:
    text = (
        "Inclusion Criteria:\n- Earlier Cancer Treatment\n- Participants must have recovered as follows:\n"
        "    - From surgery"
    )
    items = parse_criteria(text).items
    assert not [c for c in _read(text) if c.item == items[0].index]


# --- draws r41 and r42 (HINT pool) and their classes (issue 33) -------------------------------------------------


def test_an_age_after_for_beside_another_limit_names_whom_it_is_for() -> None:
    found = _read("Inclusion Criteria:\n- Lansky at least 60 for < 16 years of age")
    assert [c.quantity for c in found] == ["Lansky"] and kept_answers(found[0]) == {"met"}


def test_a_range_from_months_to_years_keeps_each_unit() -> None:
    low = next(c for c in _read("Inclusion Criteria:\n- Aged 12 months to 30 years") if c.comparator == ">=")
    assert low.value == 1 and low.unit == "years"


def test_a_relative_clause_that_would_exclude_turns_a_requirement_into_a_question() -> None:
    c = _one("Inclusion Criteria:\n- Earlier chemotherapy that would exclude the use of busulfan", "chemotherapy")
    assert kept_answers(c) == frozenset()


def test_a_bracketed_short_name_of_a_broader_concept_restates_the_name() -> None:
    found = _read("Exclusion Criteria:\n- Earlier allogeneic stem cell transplantation (HSCT)")
    assert [c.concept for c in found] == ["allogeneic HSCT"]


def test_a_disease_a_listed_therapy_was_for_narrows_each_therapy() -> None:
    text = "Exclusion Criteria:\n- Chemotherapy or radiotherapy for treatment of myeloma within 21 days"
    assert all(kept_answers(c) == {"met"} for c in _read(text))


def test_a_lead_in_qualifier_narrows_each_listed_condition() -> None:
    text = (
        "Exclusion Criteria:\n- Significant illness including, but not limited to the following:\n"
        "    - Unstable angina\n    - Heart failure"
    )
    assert all("qualifier" in _kinds(c) for c in _read(text))


# --- the final draws f30 and f10 (HINT pool) and their classes (issue 33) ---------------------------------------


def test_a_therapy_a_window_counts_to_is_the_studys_step() -> None:
    found = _read("Inclusion Criteria:\n- LVEF at least 45% measured within 30 days before ASCT")
    assert "autologous HSCT" not in {c.concept for c in found}


def test_a_lead_in_naming_a_closed_phase_makes_its_items_that_phases() -> None:
    text = "Inclusion Criteria:\n- To be eligible for the expansion cohort:\n    - Refractory disease"
    c = _one(text, "refractory")
    assert "condition" in _kinds(c) and "not_met" not in kept_answers(c)


def test_a_window_in_a_lead_in_holds_for_its_items() -> None:
    text = "Exclusion Criteria:\n- Any of these within 21 days before the first dose:\n    - Radiotherapy"
    c = _one(text, "radiotherapy")
    assert c.within is not None and c.within.value == 21


def test_a_negation_ends_where_or_opens_a_new_verb() -> None:
    c = _one("Inclusion Criteria:\n- Not fit for intensive therapy or has relapsed after it", "relapsed")
    assert c.polarity == "include" and "not_met" not in kept_answers(c)


def test_a_therapy_during_which_something_happened_is_no_exposure_rule() -> None:
    found = _read("Exclusion Criteria:\n- Severe neuropathy during prior bortezomib")
    assert "bortezomib" not in {c.concept for c in found}


def test_toxicity_of_an_organ_is_not_the_organs_disease() -> None:
    assert "CNS disease" not in {c.concept for c in _read("Exclusion Criteria:\n- CNS toxicity above grade 2")}


def test_juvenile_and_chronic_myelomonocytic_leukemia_are_two_diseases() -> None:
    assert _read("Exclusion Criteria:\n- JMML")[0].concept == "juvenile myelomonocytic leukemia"


# --- the second final draws g30 and g10 (HINT pool) and their classes (issue 33) --------------------------------


def test_a_roman_stage_list_ending_in_comma_or_keeps_its_last_stage() -> None:
    highs = [c.value for c in _read("Inclusion Criteria:\n- Stage I, II, or III disease") if c.comparator == "<="]
    assert highs == [3]


def test_a_section_heading_that_says_includes_is_still_the_heading() -> None:
    items = parse_criteria(
        "Inclusion Criteria:\n- Adults\nMain Exclusion Criteria Include:\n- Prior lenalidomide"
    ).items
    assert items[-1].section == "exclusion"


def test_a_lead_in_that_says_some_values_can_be_considered_permits() -> None:
    text = (
        "Inclusion Criteria:\n- Patients with these abnormal values can also be considered:\n"
        "    - Platelets under 50,000/uL"
    )
    assert "not_met" not in kept_answers(_one(text, "platelets"))


def test_a_specific_infection_joined_to_its_head_by_a_hyphen_is_one_mention() -> None:
    assert [c.concept for c in _read("Exclusion Criteria:\n- Known HCV-infection")] == ["hepatitis C"]


def test_what_a_test_is_done_for_is_no_finding() -> None:
    assert not _read("Exclusion Criteria:\n- Participants with past hepatitis B must be tested for HBV DNA")


def test_a_status_named_as_the_time_of_a_test_is_no_status() -> None:
    assert not _read("Exclusion Criteria:\n- CD19-negative disease at relapse")


def test_a_disease_given_as_an_example_of_the_group_required_is_not_required_alone() -> None:
    text = "Inclusion Criteria:\n- Aggressive B-cell neoplasms, such as diffuse large B-cell lymphoma"
    assert "diffuse large B-cell lymphoma" not in {c.concept for c in _read(text)}


def test_a_reaction_after_a_therapy_is_no_exclusion_of_the_therapy() -> None:
    assert not _read("Exclusion Criteria:\n- Stevens-Johnson syndrome following prior lenalidomide")


def test_a_relapse_after_a_transplant_is_that_relapse_and_a_reaction_after_a_drug_no_exposure() -> None:
    relapse = _one("Exclusion Criteria:\n- Disease relapse following an allogeneic stem cell transplant", "relapsed")
    assert "qualifier" in _kinds(relapse) and kept_answers(relapse) == {"met"}
    assert not _read("Exclusion Criteria:\n- Toxic epidermal necrolysis after prior thalidomide")
