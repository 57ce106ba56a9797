"""A patient profile, as matching needs it. The ``trialscope-patient/1`` format of ../shared/gold/patients
is this model serialised (JSON, or YAML of the same).

Absence means "not known": a history item answered ``present: false`` is an explicit denial, while a
condition nobody asked about is simply missing, and matching treats the two differently.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

FORMAT = "trialscope-patient/1"


class PatientModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Condition(PatientModel):
    name: str
    status: str | None = None  # relapsed | refractory | newly diagnosed | remission ...
    subtype: str | None = None
    date: dt.date | None = None


class Biomarker(PatientModel):
    name: str
    result: Literal["positive", "negative", "unknown"] = "unknown"
    method: str | None = None


class LabValue(PatientModel):
    name: str
    value: float
    unit: str = ""
    upper_limit_normal: float | None = None
    date: dt.date | None = None


class Measurement(PatientModel):
    name: str
    value: float
    unit: str = ""
    date: dt.date | None = None


class BlastCount(PatientModel):
    method: str | None = None  # morphology | flow cytometry
    sample: str = "bone marrow"
    value: float
    unit: str = "%"


class PerformanceStatus(PatientModel):
    scale: str = "ECOG"  # ECOG | Karnofsky | Lansky
    value: float


class Treatment(PatientModel):
    name: str
    category: str | None = None  # chemotherapy | car-t | allo-hsct | steroids ...
    date: dt.date | None = None
    end_date: dt.date | None = None


class HistoryItem(PatientModel):
    name: str
    present: bool
    date: dt.date | None = None


class Location(PatientModel):
    city: str | None = None
    state: str | None = None
    country: str | None = None
    lat: float | None = None
    lon: float | None = None


class Patient(PatientModel):
    format: str = FORMAT
    id: str = "patient"
    summary: str | None = None
    as_of: dt.date = Field(default_factory=dt.date.today)
    age_years: float | None = None
    birth_date: dt.date | None = None
    sex: Literal["female", "male", "other", "unknown"] | None = None
    conditions: list[Condition] = Field(default_factory=list)
    biomarkers: list[Biomarker] = Field(default_factory=list)
    labs: list[LabValue] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    bone_marrow_blasts: list[BlastCount] = Field(default_factory=list)
    performance_status: PerformanceStatus | None = None
    life_expectancy_months: float | None = None
    treatments: list[Treatment] = Field(default_factory=list)
    history: list[HistoryItem] = Field(default_factory=list)
    pregnant: bool | None = None
    lactating: bool | None = None
    location: Location | None = None

    @property
    def age(self) -> float | None:
        """Age in years on the ``as_of`` date."""
        if self.age_years is not None:
            return self.age_years
        if self.birth_date is None:
            return None
        days = (self.as_of - self.birth_date).days
        return days / 365.25


class PatientFileError(ValueError):
    """A patient file that cannot be read, with the file and field named."""


def patient_from_dict(data: Any, origin: str = "patient") -> Patient:
    if not isinstance(data, dict):
        raise PatientFileError(f"{origin}: a patient profile must be a JSON/YAML object")
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in error["loc"])
        raise PatientFileError(f"{origin}: field {field}: {error['msg']}") from None
    return patient


def load_patient(path: Path) -> Patient:
    """A trialscope-patient/1 profile from a .json, .yaml or .yml file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PatientFileError(f"{path}: cannot read ({exc})") from None
    try:
        data = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PatientFileError(
            f"{path}: malformed {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'} ({exc})"
        ) from None
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        from trialscope.patients.fhir import patient_from_bundle  # FHIR is optional: loaded only when met

        fhir_patient: Patient = patient_from_bundle(data, origin=str(path))
        return fhir_patient
    patient = patient_from_dict(data, str(path))
    if patient.id == "patient":
        patient.id = path.stem
    return patient
