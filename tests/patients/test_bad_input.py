"""Bad patient input is refused with the file and field named, never a traceback: arbitrary JSON and
arbitrary FHIR-shaped documents (hypothesis), impossible values, a ULN of 0, deep nesting, unknown keys."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from trialscope.cli import app
from trialscope.criteria import parse_criteria
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import match_trial
from trialscope.model.study import parse_study
from trialscope.patients.fhir import patient_from_bundle
from trialscope.patients.model import Patient, PatientFileError, patient_from_dict

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seed-trials"
STUDY = parse_study(json.loads((SEEDS / "NCT07342244.json").read_text()))
PARSED = parse_criteria(STUDY.protocol_section.eligibility_module.eligibility_criteria, STUDY)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
PROFILE_KEYS = [
    "age_years",
    "birth_date",
    "sex",
    "conditions",
    "labs",
    "measurements",
    "bone_marrow_blasts",
    "performance_status",
    "life_expectancy_months",
    "treatments",
    "history",
    "biomarkers",
    "as_of",
]
LAB_KEYS = ["name", "value", "unit", "upper_limit_normal", "date", "status", "result", "scale", "present", "category"]
profiles = st.dictionaries(
    st.sampled_from(PROFILE_KEYS),
    st.one_of(json_values, st.lists(st.dictionaries(st.sampled_from(LAB_KEYS), json_values, max_size=5), max_size=3)),
    max_size=6,
)
resources = st.dictionaries(
    st.sampled_from(
        [
            "resourceType",
            "code",
            "valueQuantity",
            "referenceRange",
            "birthDate",
            "gender",
            "subject",
            "clinicalStatus",
            "effectiveDateTime",
            "valueCodeableConcept",
        ]
    ),
    st.one_of(
        st.sampled_from(["Patient", "Condition", "Observation", "Procedure", "MedicationStatement"]), json_values
    ),
    max_size=6,
)
bundles = st.fixed_dictionaries(
    {"resourceType": st.just("Bundle")},
    optional={
        "entry": st.one_of(
            json_values, st.lists(st.one_of(json_values, st.fixed_dictionaries({"resource": resources})), max_size=4)
        ),
        "timestamp": json_values,
    },
)


def _evaluates(patient: Patient) -> None:
    """A profile that was accepted can be evaluated without an error."""
    match = match_trial(STUDY, PARSED, patient_facts(patient))
    assert match.verdict in ("eligible", "possibly_eligible", "not_eligible")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(json_values, profiles))
def test_any_json_profile_is_read_or_refused_with_a_reason(document: Any) -> None:
    try:
        patient = patient_from_dict(document, origin="p.json")
    except PatientFileError as exc:
        assert str(exc).startswith("p.json: ")
        return
    _evaluates(patient)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.one_of(bundles, json_values))
def test_any_fhir_shaped_document_is_read_or_refused_with_a_reason(document: Any) -> None:
    try:
        patient = patient_from_bundle(document, origin="b.json")
    except PatientFileError as exc:
        assert str(exc).startswith("b.json: ")
        return
    assert all(p.startswith("b.json: ") for p in patient.ignored)
    _evaluates(patient)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"age_years": -5}, "age_years"),
        ({"age_years": math.inf}, "age_years"),
        ({"age_years": 200}, "age_years"),
        ({"labs": [{"name": "ALT", "value": 30, "unit": "U/L", "upper_limit_normal": 0}]}, "labs.0.upper_limit_normal"),
        ({"labs": [{"name": "ALT", "value": -1, "unit": "U/L"}]}, "labs.0.value"),
        ({"bone_marrow_blasts": [{"value": 140}]}, "bone_marrow_blasts.0.value"),
        ({"birth_date": "2030-01-01", "as_of": "2026-01-01"}, "profile"),
        ({"location": {"lat": 91, "lon": 0}}, "location.lat"),
    ],
)
def test_impossible_values_are_refused_with_the_field_named(document: dict[str, Any], field: str) -> None:
    with pytest.raises(PatientFileError, match=f"field {field}"):
        patient_from_dict(document, origin="p.json")


def test_unknown_keys_are_reported_not_silently_dropped() -> None:
    patient = patient_from_dict({"age_years": 50, "bogus": 1, "labs": [{"name": "ALT", "value": 3, "valu": 2}]})
    assert patient.ignored == ["unknown key bogus", "unknown key labs[0].valu"]


runner = CliRunner()


@pytest.mark.parametrize(
    "document",
    [
        '{"resourceType":"Bundle","entry":"x"}',
        '{"resourceType":"Bundle","entry":[1]}',
        '{"resourceType":"Bundle","entry":[{"resource":"x"}]}',
        '{"resourceType":["Bundle"]}',
        '{"age_years":-5}',
        '{"age_years":1e999}',
        '{"age_years":50,"labs":[{"name":"ALT","value":30,"unit":"U/L","upper_limit_normal":0}]}',
        "[" * 200_000,
        "{}",
    ],
)
def test_the_cli_exits_2_with_a_reason(tmp_path: Path, document: str) -> None:
    path, criteria = tmp_path / "p.json", tmp_path / "criteria.txt"
    path.write_text(document)
    criteria.write_text("Inclusion Criteria:\n\n* Age 18-70 years\n* Total bilirubin ≤ 1.5 × ULN")
    result = runner.invoke(app, ["match", "--patient", str(path), "--criteria-file", str(criteria)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "error:" in result.output
