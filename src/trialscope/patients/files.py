"""A patient from a file: a trialscope-patient/1 profile (JSON or YAML) or a FHIR R4 Bundle, told apart by
its content. The model (``patients/model.py``) and the FHIR reader (``patients/fhir.py``) do not know about
files; this module joins them, so neither imports the other's user."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from trialscope.patients.model import Patient, PatientFileError, patient_from_dict


def load_patient(path: Path) -> Patient:
    """A trialscope-patient/1 profile from a .json, .yaml or .yml file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientFileError(f"{path}: cannot read ({exc})") from None
    try:
        data = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    except RecursionError:
        raise PatientFileError(f"{path}: nested too deeply to be a patient profile") from None
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PatientFileError(
            f"{path}: malformed {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'} ({exc})"
        ) from None
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        from trialscope.patients.fhir import patient_from_bundle  # FHIR's models: loaded for a bundle only

        fhir_patient: Patient = patient_from_bundle(data, origin=str(path))
        return fhir_patient
    patient = patient_from_dict(data, str(path))
    if patient.id == "patient":
        patient.id = path.stem
    return patient
