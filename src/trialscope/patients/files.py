"""A patient from a file: a trialscope-patient/1 profile (JSON or YAML) or a FHIR R4 Bundle, told apart by
its content. The model (``patients/model.py``) and the FHIR reader (``patients/fhir.py``) do not know about
files; this module joins them, so neither imports the other's user."""

from __future__ import annotations

import json
from pathlib import Path

from trialscope.patients.model import Patient, PatientFileError, patient_from_dict


def load_patient(path: Path) -> Patient:
    """A trialscope-patient/1 profile from a .json, .yaml or .yml file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientFileError(f"{path}: cannot read ({exc})") from None
    try:
        data = _parsed(path, text)
    except RecursionError:
        raise PatientFileError(f"{path}: nested too deeply to be a patient profile") from None
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        from trialscope.patients.fhir import patient_from_bundle  # FHIR's models: loaded for a bundle only

        fhir_patient: Patient = patient_from_bundle(data, origin=str(path))
        return fhir_patient
    patient = patient_from_dict(data, str(path))
    if patient.id == "patient":
        patient.id = path.stem
    return patient


def _parsed(path: Path, text: str) -> object:
    """The file's JSON or YAML (YAML's reader loaded for a YAML file only)."""
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise PatientFileError(f"{path}: malformed YAML ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PatientFileError(f"{path}: malformed JSON ({exc})") from None
