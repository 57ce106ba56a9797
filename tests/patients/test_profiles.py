"""Profiles from trialscope-patient/1 JSON and YAML, FHIR R4 bundles (Synthea and our own), and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIXTURES, shared_data
from trialscope.patients.fhir import bundle_from_patient, read_bundle
from trialscope.patients.files import load_patient
from trialscope.patients.model import PatientFileError


def test_json_and_yaml_are_the_same_profile(tmp_path: Path) -> None:
    source = FIXTURES / "gold" / "patients" / "v03-prior-cart.json"
    as_yaml = tmp_path / "v03.yaml"
    as_yaml.write_text(yaml.safe_dump(json.loads(source.read_text())))
    assert load_patient(as_yaml).model_dump(exclude={"id"}) == load_patient(source).model_dump(exclude={"id"})


def test_every_synthea_bundle_loads() -> None:
    bundles = sorted(shared_data("fhir", "synthea").glob("*.json"))
    people = [read_bundle(json.loads(p.read_text()), p.name) for p in bundles]
    patients = [r for r in people if r.patient.birth_date is not None]
    assert len(patients) >= 19
    assert all(not r.problems for r in people)
    assert all(r.patient.sex in ("female", "male") for r in patients)
    assert sum(len(r.patient.labs) for r in patients) > 300  # observations mapped by LOINC code
    assert any(r.patient.conditions for r in patients)


def test_our_aml_bundle_round_trips() -> None:
    patient = load_patient(FIXTURES / "gold" / "patients" / "v05-bilirubin-2x.json")
    again = read_bundle(json.loads(json.dumps(bundle_from_patient(patient)))).patient
    assert again.as_of == patient.as_of and again.sex == patient.sex
    assert round(again.age or 0) == round(patient.age or 0)
    bilirubin = next(lab for lab in again.labs if lab.name == "total bilirubin")
    assert (bilirubin.value, bilirubin.unit, bilirubin.upper_limit_normal) == (2.4, "mg/dL", 1.2)
    assert {h.name for h in again.history if not h.present} == {h.name for h in patient.history if not h.present}


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "malformed JSON"), ('{"sex": "robot"}', "field sex"), ("[1, 2]", "must be a JSON/YAML object")],
)
def test_bad_files_name_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(PatientFileError, match=message):
        load_patient(path)
