"""Numeric thresholds: the phrasings criteria use, attached to the right quantity with the right unit."""

from __future__ import annotations

import pytest

from trialscope.criteria import parse_criteria


def _numeric(text: str, section: str = "Inclusion") -> list[tuple[str | None, str | None, float | None, str | None]]:
    parsed = parse_criteria(f"{section} Criteria:\n\n* {text}")
    return [(c.quantity, c.comparator, c.value, c.unit) for c in parsed.constraints if c.kind == "numeric"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Total bilirubin ≤1.5 × ULN", [("total bilirubin", "<=", 1.5, "xULN")]),
        ("ALT and AST ≤ 3 times of upper limit ofnormal", [("ALT", "<=", 3, "xULN"), ("AST", "<=", 3, "xULN")]),
        ("Serum ALT/AST ≤ 2.5 ULN", [("ALT", "<=", 2.5, "xULN"), ("AST", "<=", 2.5, "xULN")]),
        ("Hemoglobin ≥60g/L", [("hemoglobin", ">=", 60, "g/L")]),
        ("CCR≥60 mL/min", [("creatinine clearance", ">=", 60, "mL/min")]),
        ("Creatinine>2.5mg/dl", [("creatinine", ">", 2.5, "mg/dL")]),
        ("Total bilirubin ≤ 51 μmol/L", [("total bilirubin", "<=", 51, "umol/L")]),
        ("platelets ≥ 50 × 10^9/L", [("platelets", ">=", 50, "10^9/L")]),
        ("ANC ≥ 1,000/μL", [("absolute neutrophil count", ">=", 1000, "/uL")]),
        ("Age between 18-75 years (inclusive)", [("age", ">=", 18, "years"), ("age", "<=", 75, "years")]),
        ("Over 14 years old, under 65 years old", [("age", ">", 14, "years"), ("age", "<", 65, "years")]),
        ("Men or women 18 years or older", [("age", ">=", 18, "years")]),
        ("ECOG performance status 0 to 2", [("ECOG", "<=", 2, "")]),
        ("Performance Status of 0, 1, or 2.", [("ECOG", "<=", 2, "")]),
        ("Karnofsky ≥ 60%", [("Karnofsky", ">=", 60, "%")]),
        ("expected survival period is not less than 3 months", [("life expectancy", ">=", 3, "months")]),
        ("LVEF≥45%", [("LVEF", ">=", 45, "%")]),
        ("CMV-DNA in peripheral blood is more than≥500 copies /mL", [("CMV DNA", ">=", 500, "copies/mL")]),
        ("CTCAE toxicity grade \\< 2", [("toxicity grade", "<", 2, "")]),
        ("New York Heart Association class III or IV cardiac insufficiency", [("NYHA class", ">=", 3, "")]),
        ("QTcF > 470 ms", [("QTc", ">", 470, "ms")]),
    ],
)
def test_phrasings(text: str, expected: list[tuple[str, str, float, str]]) -> None:
    assert _numeric(text) == expected


def test_xuln_and_its_absolute_twin_are_linked() -> None:
    parsed = parse_criteria("Inclusion Criteria:\n\n* Total bilirubin ≤1.5 × ULN (≤51 μmol/L)")
    xuln, absolute = [c for c in parsed.constraints if c.kind == "numeric"]
    assert (xuln.unit, absolute.unit) == ("xULN", "umol/L")
    assert absolute.twin_of == xuln.id and absolute.quantity == "total bilirubin"


def test_or_alternatives_form_a_group_in_inclusion_only() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n\n* Serum creatinine ≤ 1.5 × ULN, or creatinine clearance ≥ 60 mL/min"
    )
    groups = {c.any_of_group for c in parsed.constraints if c.kind == "numeric"}
    assert len(groups) == 1 and None not in groups
    excluded = parse_criteria("Exclusion Criteria:\n\n* Creatinine>2.5mg/dl, or bilirubin>2.0 mg/dl")
    assert {c.any_of_group for c in excluded.constraints if c.kind == "numeric"} == {None}


def test_blast_alternatives_keep_their_method() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n\n* >5% bone marrow blasts (by morphology) and/or >1% (by flow cytometry)"
    )
    blasts = [c for c in parsed.constraints if c.kind == "numeric"]
    assert [(c.value, c.method) for c in blasts] == [(5, "morphology"), (1, "flow cytometry")]
    assert blasts[0].any_of_group == blasts[1].any_of_group is not None


def test_durations_are_windows_not_thresholds() -> None:
    assert _numeric("No systemic steroids within 2 weeks before apheresis") == []
    assert _numeric("The patient was diagnosed 2016 per WHO criteria") == []
    assert _numeric("CD3/CD28 co-stimulation of CD117 cells") == []


def test_spans_point_at_the_threshold() -> None:
    text = "Inclusion Criteria:\n\n* Hemoglobin ≥ 60 g/L or transfused"
    constraint = next(c for c in parse_criteria(text).constraints if c.kind == "numeric")
    assert constraint.span is not None and text[constraint.span[0] : constraint.span[1]] == "≥ 60 g/L"


# --- constructions found missing on the LCT corpus (issue 15), each a class -----------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("From 18 to 25 years", [("age", ">=", 18), ("age", "<=", 25)]),
        ("Male or female, 18 years to 65 years old (inclusive)", [("age", ">=", 18), ("age", "<=", 65)]),
        ("Age 8yr-18yrs", [("age", ">=", 8), ("age", "<=", 18)]),
        ("Between the ages of 60 and 85;", [("age", ">=", 60), ("age", "<=", 85)]),
        ("Patients must be ≥ 3 and ≤ 18 years of age", [("age", ">=", 3), ("age", "<=", 18)]),
        (
            "Male or female > 18 and < 60 years of age, Body Mass Index < 30",
            [("age", ">", 18), ("age", "<", 60), ("BMI", "<", 30)],
        ),
        ("Patients > 18 years, scheduled for an elective surgery", [("age", ">", 18)]),
        ("Being older than 18 ;", [("age", ">", 18)]),
        ("Age ˂ 18 years old", [("age", "<", 18)]),
        ("Age > or = to 65 years", [("age", ">=", 65)]),
        ("18 <Age <80 years old", [("age", ">", 18), ("age", "<", 80)]),
        ("The patient is less than 28 days old (neonate).", [("age", "<", 28)]),
        ("The predicted survival period is more than 3 months.", [("life expectancy", ">", 3)]),
        ("Subject's life expectancy was shorter than 6 months", [("life expectancy", "<", 6)]),
        ("Body Mass Index (BMI) ≥25 and <30 kg/m2.", [("BMI", ">=", 25), ("BMI", "<", 30)]),
        ("BMI ≥18,5 and ≤27,5", [("BMI", ">=", 18.5), ("BMI", "<=", 27.5)]),
        ("Haemoglobin equal to or greater than100 g/L at enrolment.", [("hemoglobin", ">=", 100)]),
        ("toxicities have returned to Grade less than or equal to (<=) 1", [("toxicity grade", "<=", 1)]),
        ("Colorectal cancer stage 4.", [("disease stage", "=", 4)]),
    ],
)
def test_lct_constructions(text: str, expected: list[tuple[str, str, float]]) -> None:
    assert [(q, c, v) for q, c, v, _unit in _numeric(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "With more than one year of sports practice",
        "Patients who will receive spinal anesthesia for surgeries lasting less than one hour.",
        "Diabetes mellitus (type 1 or 2)",
    ],
)
def test_durations_and_types_are_not_thresholds(text: str) -> None:
    assert not _numeric(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("modified Rankin scale > 4 at the time of enrollment", [("modified rankin scale", ">", 4)]),
        ("Glasgow coma scale of 15", [("glasgow coma scale", "=", 15)]),
        ("body mass index <30kg.m2.", [("BMI", "<", 30)]),
        ("Cervical lymphadenopathy (>1.5cm diameter), usually unilateral", [("diameter", ">", 1.5)]),
        ("Expectancy of survival <6 months.", [("life expectancy", "<", 6)]),
        (
            "Male and Female, between 18 and 80 years, ASA 1-3, Scheduled for surgery",
            [("age", ">=", 18), ("age", "<=", 80), ("asa", ">=", 1), ("asa", "<=", 3)],
        ),
        ("ASA >3, morbid obesity BMI>40", [("asa", ">", 3), ("BMI", ">", 40)]),
        ("145 mmHg ≤ msSBP ≤ 190 mmHg", [("mssbp", ">=", 145), ("mssbp", "<=", 190)]),
    ],
)
def test_generic_quantities_named_where_they_are(text: str, expected: list[tuple[str, str, float]]) -> None:
    """A scale or measure outside the vocabulary is named by the words before its threshold, else after it;
    a quantity across a comma is another item of a list, not the threshold's."""
    assert [(q, c, v) for q, c, v, _unit in _numeric(text)] == expected


def test_a_bound_for_one_group_shares_the_unit_of_the_next() -> None:
    """'HDL <50 in females, <40 mg/dL in males': both limits are on HDL cholesterol in mg/dL."""
    found = _numeric("Triglycerides > 150 mg/dL OR HDL <50 in females, <40 mg/dL in males")
    assert [q for q, _c, _v, unit in found if unit == "mg/dL"] == [
        "triglycerides",
        "HDL cholesterol",
        "HDL cholesterol",
    ]


def test_a_sample_size_is_no_patient_quantity() -> None:
    assert not _numeric("Adults over 50 years old with degenerative scoliosis (n=20)")[1:]


@pytest.mark.parametrize(
    "text",
    [
        "Karnofsky/Lansky score of 50 or greater",  # the score for the patient's age
        "Lansky or Karnofsky score ≥ 60",
        "Creatinine clearance or eGFR >= 60 mL/min",  # kidney function measured one way or another
    ],
)
def test_one_limit_on_ways_of_measuring_one_thing_is_met_by_any(text: str) -> None:
    parsed = parse_criteria(f"Inclusion Criteria:\n* {text}")
    numeric = [c for c in parsed.constraints if c.kind == "numeric"]
    assert len(numeric) == 2
    assert numeric[0].any_of_group == numeric[1].any_of_group is not None


def test_one_limit_on_two_lab_values_holds_for_both() -> None:
    parsed = parse_criteria("Inclusion Criteria:\n* ALT and AST ≤ 3 x ULN")
    assert {c.any_of_group for c in parsed.constraints if c.kind == "numeric"} == {None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Creatinine =\\< 1.8 mg/dL", [("creatinine", "<=", 1.8, "mg/dL")]),  # a markdown-escaped "=<"
        ("Hemoglobin \\>= 9 g/dL", [("hemoglobin", ">=", 9, "g/dL")]),
        ("Heart failure of NYHA ≥ class II", [("NYHA class", ">=", 2, "")]),  # the comparator before the class
    ],
)
def test_comparators_split_by_an_escape_or_a_scale_word(text: str, expected: list[tuple[str, str, float, str]]) -> None:
    assert _numeric(text, "Exclusion" if "NYHA" in text else "Inclusion") == expected


def test_limits_joined_by_or_across_a_bracketed_aside_are_alternatives() -> None:
    parsed = parse_criteria(
        "Inclusion Criteria:\n\n* creatinine ≤ 2 × ULN, or a creatinine clearance (estimated with the Cockcroft-Gault "
        "formula) ≥ 40 mL/min"
    )
    limits = [c for c in parsed.constraints if c.kind == "numeric"]
    assert len(limits) == 2 and limits[0].any_of_group is not None
    assert limits[0].any_of_group == limits[1].any_of_group


@pytest.mark.parametrize(
    ("text", "sample"),
    [
        ("Blast percentage of 12% or more in the blood", "peripheral blood"),
        ("PB blasts > 1%", "peripheral blood"),
        ("Marrow blasts below 5%", None),
        ("≥ 20% blasts", None),
        ("Blasts ≥ 10% in the peripheral blood or the bone marrow", "bone marrow or peripheral blood"),
        ("Blood and/or marrow blasts at or above 5%", "bone marrow or peripheral blood"),
    ],
)
def test_a_blast_count_keeps_the_site_it_was_taken_from(text: str, sample: str | None) -> None:
    (blasts,) = [c for c in parse_criteria(f"Inclusion Criteria:\n\n* {text}").constraints if c.kind == "numeric"]
    assert blasts.quantity == "bone marrow blasts" and blasts.sample == sample


def test_each_of_two_blast_limits_keeps_its_own_site() -> None:
    text = "Inclusion Criteria:\n\n* BM blasts ≥ 5% by flow, or circulating blasts ≥ 1%"
    sites = [c.sample for c in parse_criteria(text).constraints if c.kind == "numeric"]
    assert sites == [None, "peripheral blood"]


def test_a_share_of_the_cells_carrying_a_marker_is_no_blast_count() -> None:
    found = parse_criteria("Inclusion Criteria:\n\n* CD33 detected on at least 50% of leukemic blasts").constraints
    assert not [c for c in found if c.quantity == "bone marrow blasts"]
