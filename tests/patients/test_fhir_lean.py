"""FHIR resources read without the FHIR models (``patients/fhir.py``: ``plain``) give the patient the models
give, on the vignettes and generated populations as bundles and as bulk-export NDJSON; a resource in any
other shape is checked by the model, and one it refuses is skipped and named in the same words."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from trialscope.patients import fhir
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.patients.sources import read_patients
from trialscope.patients.synthetic import synthetic_population

VIGNETTES = sorted((ROOT / "tests" / "data" / "vignettes").glob("*.json"))


def _population() -> list[Patient]:
    templates = [load_patient(p) for p in VIGNETTES]
    return templates + list(synthetic_population(templates, 150, seed=11))


def _read(bundle: dict[str, Any]) -> tuple[str, list[str]]:
    patient = fhir.patient_from_bundle(copy.deepcopy(bundle), "b")
    return patient.model_dump_json(), patient.ignored


def _by_the_models(monkeypatch: pytest.MonkeyPatch, bundle: dict[str, Any]) -> tuple[str, list[str]]:
    with monkeypatch.context() as patched:
        patched.setattr(fhir, "plain", lambda resource: False)
        return _read(bundle)


def test_the_lean_read_gives_the_models_patient(monkeypatch: pytest.MonkeyPatch) -> None:
    for patient in _population():
        bundle = json.loads(json.dumps(fhir.bundle_from_patient(patient)))
        resources = [e["resource"] for e in bundle["entry"]]
        assert all(fhir.plain(r) for r in resources)  # what trialscope writes is read without the models
        assert _read(bundle) == _by_the_models(monkeypatch, bundle)


def _changed(resource: dict[str, Any], change: str) -> dict[str, Any]:
    changed = copy.deepcopy(resource)
    key, _, value = change.partition("=")
    path = key.split(".")
    target: Any = changed
    for step in path[:-1]:
        target = target.setdefault(step, {}) if not step.isdigit() else target[int(step)]
    if value == "<gone>":
        target.pop(path[-1], None)
    else:
        target[path[-1]] = json.loads(value)
    return changed


LAB = {
    "resourceType": "Observation",
    "status": "final",
    "subject": {"reference": "Patient/p"},
    "code": {"text": "ALT", "coding": [{"system": "http://loinc.org", "code": "1742-6", "display": "ALT"}]},
    "valueQuantity": {"value": 30, "unit": "U/L", "code": "U/L", "system": "http://unitsofmeasure.org"},
    "referenceRange": [{"high": {"value": 40, "unit": "U/L"}}],
    "effectiveDateTime": "2026-10-01",
}
CONDITION = {
    "resourceType": "Condition",
    "subject": {"reference": "Patient/p"},
    "code": {"text": "acute myeloid leukemia"},
    "clinicalStatus": {"coding": [{"system": "http://x", "code": "relapse"}]},
    "onsetDateTime": "2024-02-29",
}
MARKER = {
    "resourceType": "Observation",
    "status": "final",
    "subject": {"reference": "Patient/p"},
    "code": {"text": "CD33 [Presence] by flow cytometry"},
}
PERSON = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1970-01-01"}


@pytest.mark.parametrize(
    ("resource", "change"),
    [
        (LAB, "status=<gone>"),
        (LAB, 'status="fin al"'),
        (LAB, "status=null"),
        (LAB, 'code.text=""'),
        (LAB, 'code.text=" "'),
        (LAB, "code={}"),
        (LAB, 'colour="blue"'),
        (LAB, "valueQuantity.value=true"),
        (LAB, 'valueQuantity.value="31.5"'),
        (LAB, 'valueQuantity.value="abc"'),
        (LAB, "valueQuantity.value=1e300"),
        (LAB, 'valueString="high"'),
        (LAB, "referenceRange=[{}]"),
        (LAB, "referenceRange.0.high.value=0"),
        (LAB, 'effectiveDateTime="2026-02-30"'),
        (LAB, 'effectiveDateTime="2026-10"'),
        (LAB, 'effectiveDateTime="2026-10-01T23:30:00-05:00"'),
        (LAB, 'valueQuantity.comparator="<"'),
        (LAB, "valueQuantity={}"),
        (MARKER, "valueQuantity={}"),
        (MARKER, 'valueCodeableConcept={"text": "Positive"}'),
        (MARKER, 'valueString="not detected"'),
        (CONDITION, "subject=<gone>"),
        (CONDITION, 'clinicalStatus.coding.0.code="relapse "'),
        (CONDITION, 'verificationStatus={"coding": [{"code": "refuted"}]}'),
        (CONDITION, 'onsetPeriod={"start": "2024-01-01"}'),
        (CONDITION, 'onsetDateTime="2024-02-30"'),
        (PERSON, 'birthDate="1970"'),
        (PERSON, 'gender="bogus"'),
        (PERSON, 'address=[{"city": "Hangzhou", "country": "China"}]'),
        (PERSON, "address=[]"),
        (PERSON, 'id="p 1"'),
    ],
)
def test_a_resource_in_another_shape_is_read_as_the_model_reads_it(
    monkeypatch: pytest.MonkeyPatch, resource: dict[str, Any], change: str
) -> None:
    changed = _changed(resource, change)
    bundle = {"resourceType": "Bundle", "id": "p", "entry": [{"resource": PERSON}, {"resource": changed}]}
    assert _read(bundle) == _by_the_models(monkeypatch, bundle)


def test_a_refused_resource_in_bulk_ndjson_is_named_as_before(tmp_path: Path) -> None:
    export = tmp_path / "bulk.ndjson"
    lines = [
        PERSON,
        _changed(LAB, "status=<gone>"),
        _changed(LAB, 'valueQuantity.value="abc"'),
        _changed(LAB, "referenceRange.0.high.value=0"),
        {"resourceType": "Condition", "code": {"text": "HIV"}},
        LAB,
    ]
    export.write_text("\n".join(json.dumps(r) for r in lines) + "\n{bad\n", encoding="utf-8")
    *problems, patient = read_patients(export)
    assert [str(p) for p in problems] == [
        f"{export}:5: Condition without a patient reference",
        f"{export}:7: malformed JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
    ]
    assert isinstance(patient, Patient) and [lab.name for lab in patient.labs] == ["ALT"]
    assert patient.ignored == [
        "patient p: entry 1 (Observation): field status: Value for the field 'status' is required. (skipped)",
        "patient p: entry 2 (Observation): field valueQuantity.value: Value error, Decimal value string does not "
        "match spec regex. (skipped)",
        "patient p: entry 3 (Observation): field upper_limit_normal: Input should be greater than 0 (skipped)",
    ]
