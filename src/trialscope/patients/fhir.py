"""FHIR R4 Bundle -> patient profile, through the fhir.resources models (its R4B classes read R4).

Read: Patient (birth date, sex, address), Condition (with clinical status: relapse/recurrence become
"relapsed"; every condition is also history answered yes, with its onset date), Observation (by LOINC code,
else by name: labs and measurements with unit and the reference range's upper limit as ULN; antigen
results; ECOG), Procedure, MedicationStatement / MedicationRequest (treatments with dates),
AllergyIntolerance (history of allergy). Pregnancy conditions set ``pregnant``. A resource the models
refuse is skipped and reported in ``problems``; the rest is still read. ``as_of`` is the bundle's
timestamp when it has one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition as FhirCondition
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.procedure import Procedure
from pydantic import ValidationError

from trialscope.criteria.vocabulary import vocabulary
from trialscope.patients.model import (
    Biomarker,
    BlastCount,
    Condition,
    HistoryItem,
    LabValue,
    Location,
    Patient,
    PatientFileError,
    PerformanceStatus,
    Treatment,
)

_RELAPSE_STATUSES = {"relapse", "recurrence"}
PREGNANCY_STATUS = "LOINC:82810-3"
_POSITIVE = ("positive", "detected", "present", "pos")
_NEGATIVE = ("negative", "not detected", "absent", "neg")


@dataclass(slots=True)
class BundleReading:
    patient: Patient
    problems: list[str] = field(default_factory=list)


def _text(concept: Any) -> str:
    if concept is None:
        return ""
    if getattr(concept, "text", None):
        return str(concept.text)
    for coding in getattr(concept, "coding", None) or []:
        if coding.display:
            return str(coding.display)
    return ""


def _code(concept: Any) -> str:
    """A status concept's code ('active', 'refuted'), which statuses carry without display text."""
    for coding in getattr(concept, "coding", None) or []:
        if coding.code:
            return str(coding.code).lower()
    return _text(concept).lower()


def _loinc(concept: Any) -> set[str]:
    return {
        f"LOINC:{c.code}"
        for c in (getattr(concept, "coding", None) or [])
        if c.system and "loinc" in c.system and c.code
    }


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _unit(raw: str | None) -> str:
    """A UCUM unit code in trialscope's spelling ('10*3/uL' -> '10^3/uL'), via data/criteria/units.json."""
    if not raw:
        return ""
    for canonical, pattern in vocabulary().units:
        if pattern.fullmatch(raw.strip()):
            return canonical
    return raw


def patient_from_bundle(bundle: dict[str, Any], origin: str = "bundle") -> Patient:
    """The patient of a bundle; entries that could not be read are listed in ``patient.ignored``."""
    reading = read_bundle(bundle, origin)
    reading.patient.ignore(reading.problems)
    return reading.patient


def read_bundle(bundle: dict[str, Any], origin: str = "bundle") -> BundleReading:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise PatientFileError(f"{origin}: field resourceType: not a FHIR Bundle")
    vocab = vocabulary()
    codes = {q.code: q.key for q in vocab.quantities.values() if q.code}
    patient = Patient(id=str(bundle.get("id") or origin))
    timestamp = _date(bundle.get("timestamp"))
    if timestamp:
        patient.as_of = timestamp
    problems: list[str] = []
    models: dict[str, Any] = {
        "Patient": FhirPatient,
        "Condition": FhirCondition,
        "Observation": Observation,
        "Procedure": Procedure,
        "MedicationStatement": MedicationStatement,
        "MedicationRequest": MedicationRequest,
        "AllergyIntolerance": AllergyIntolerance,
    }
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise PatientFileError(f"{origin}: field entry: a Bundle's entry must be a list of entries")
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(f"{origin}: entry {index}: not an entry with a resource (skipped)")
            continue
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or kind not in models:
            continue
        try:
            model = models[kind].model_validate(resource)
            _read(kind, model, patient, codes, vocab)
        except ValidationError as exc:  # the FHIR model's, or a value our profile refuses (a ULN of 0)
            error = exc.errors(include_url=False)[0]
            field = ".".join(map(str, error["loc"])) or "value"
            problems.append(f"{origin}: entry {index} ({kind}): field {field}: {error['msg']} (skipped)")
    return BundleReading(patient, problems)


def _read(kind: str, model: Any, patient: Patient, codes: dict[str, str], vocab: Any) -> None:
    if kind == "Patient":
        patient.birth_date = _date(model.birthDate)
        if model.gender in ("female", "male", "other", "unknown"):
            patient.sex = model.gender
        if model.address:
            address = model.address[0]
            patient.location = Location(city=address.city, state=address.state, country=address.country)
    elif kind == "Condition":
        name = _text(model.code)
        if not name:
            return
        status = _code(model.clinicalStatus)
        onset = _date(getattr(model, "onsetDateTime", None))
        if _code(model.verificationStatus) == "refuted":  # ruled out: an explicit "no"
            patient.history.append(HistoryItem(name=name, present=False))
            return
        resolved = status in ("resolved", "inactive", "remission")
        patient.conditions.append(
            Condition(name=name, status="relapsed" if status in _RELAPSE_STATUSES else None, date=onset)
        )
        patient.history.append(HistoryItem(name=name, present=True, date=onset))
        if "pregnan" in name.lower() and not resolved:
            patient.pregnant = True
    elif kind == "Observation":
        _read_observation(model, patient, codes, vocab)
    elif kind == "Procedure":
        name = _text(model.code)
        performed = _date(getattr(model, "performedDateTime", None)) or _date(
            getattr(getattr(model, "performedPeriod", None), "start", None)
        )
        if name:
            category = _text(getattr(model, "category", None))
            patient.treatments.append(Treatment(name=name, category=category or None, date=performed))
    elif kind in ("MedicationStatement", "MedicationRequest"):
        medication = getattr(model, "medicationCodeableConcept", None)
        name = _text(medication)
        when = _date(getattr(model, "authoredOn", None)) or _date(getattr(model, "effectiveDateTime", None))
        if name:
            patient.treatments.append(Treatment(name=name, date=when))
    elif kind == "AllergyIntolerance":
        name = _text(model.code)
        if name:
            patient.history.append(HistoryItem(name=f"allergy to {name}", present=True))


def _read_observation(model: Any, patient: Patient, codes: dict[str, str], vocab: Any) -> None:
    name = _text(model.code)
    when = _date(getattr(model, "effectiveDateTime", None))
    if PREGNANCY_STATUS in _loinc(model.code):
        answer = _text(getattr(model, "valueCodeableConcept", None)).lower()
        patient.pregnant = None if not answer else not answer.startswith("not")
        return
    key = next((codes[c] for c in _loinc(model.code) if c in codes), None)
    if key is None:
        named = vocab.quantity_matcher.search(name)
        key = named.key if named else None
    quantity = getattr(model, "valueQuantity", None)
    if key in ("ECOG", "Karnofsky", "Lansky"):
        value = quantity.value if quantity is not None else getattr(model, "valueInteger", None)
        if value is not None:
            patient.performance_status = PerformanceStatus(scale=key, value=float(value))
        return
    antigen = vocab.antigen_matcher.search(name)
    if antigen is not None and quantity is None:
        result_text = (
            _text(getattr(model, "valueCodeableConcept", None)) or str(getattr(model, "valueString", "") or "")
        ).lower()
        result = (
            "positive"
            if result_text.startswith(_POSITIVE)
            else "negative"
            if result_text.startswith(_NEGATIVE)
            else "unknown"
        )
        patient.biomarkers.append(Biomarker(name=antigen.key, result=result))
        return
    if key is None or quantity is None or quantity.value is None:
        return
    uln = None
    for reference in model.referenceRange or []:
        if reference.high is not None and reference.high.value is not None:
            uln = float(reference.high.value)
            break
    unit = _unit(quantity.code or quantity.unit)
    if key == "bone marrow blasts":
        method = "flow cytometry" if "flow" in name.lower() else "morphology" if "morpholog" in name.lower() else None
        patient.bone_marrow_blasts.append(BlastCount(value=float(quantity.value), method=method))
        return
    patient.labs.append(LabValue(name=key, value=float(quantity.value), unit=unit, upper_limit_normal=uln, date=when))


# --- writing: a profile as a FHIR R4 Bundle (for exchange, and to test the reader on AML patients) --------
def _concept(text: str, loinc: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if loinc:
        concept["coding"] = [{"system": "http://loinc.org", "code": loinc.removeprefix("LOINC:"), "display": text}]
    return concept


def bundle_from_patient(patient: Patient) -> dict[str, Any]:
    """The profile as a FHIR R4 collection Bundle (denials as refuted Conditions)."""
    vocab = vocabulary()
    subject = {"reference": "urn:uuid:patient"}
    resources: list[dict[str, Any]] = []
    person: dict[str, Any] = {"resourceType": "Patient", "id": "patient"}
    if patient.sex in ("female", "male", "other", "unknown"):
        person["gender"] = patient.sex
    age = patient.age
    if patient.birth_date:
        person["birthDate"] = patient.birth_date.isoformat()
    elif age is not None:
        person["birthDate"] = (patient.as_of - dt.timedelta(days=round(age * 365.25) + 30)).isoformat()
    if patient.location:
        person["address"] = [
            {
                k: v
                for k, v in {
                    "city": patient.location.city,
                    "state": patient.location.state,
                    "country": patient.location.country,
                }.items()
                if v
            }
        ]
    resources.append(person)
    for condition in patient.conditions:
        status = "relapse" if (condition.status or "").startswith("relaps") else "active"
        label = f"{condition.status} {condition.name}" if condition.status and status == "active" else condition.name
        resources.append(
            {
                "resourceType": "Condition",
                "subject": subject,
                "code": {"text": label},
                "clinicalStatus": {
                    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]
                },
            }
        )
    for item in patient.history:
        entry: dict[str, Any] = {"resourceType": "Condition", "subject": subject, "code": {"text": item.name}}
        if not item.present:
            entry["verificationStatus"] = {
                "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]
            }
        elif item.date:
            entry["onsetDateTime"] = item.date.isoformat()
        resources.append(entry)

    def observation(code: dict[str, Any], value: dict[str, Any], when: dt.date | None = None) -> dict[str, Any]:
        resource = {"resourceType": "Observation", "status": "final", "subject": subject, "code": code, **value}
        if when:
            resource["effectiveDateTime"] = when.isoformat()
        return resource

    readings = [
        *patient.labs,
        *(LabValue(name=m.name, value=m.value, unit=m.unit, date=m.date) for m in patient.measurements),
    ]
    for lab in readings:
        quantity = vocab.quantities.get(lab.name)
        value: dict[str, Any] = {
            "valueQuantity": {
                "value": lab.value,
                "unit": lab.unit,
                "code": lab.unit,
                "system": "http://unitsofmeasure.org",
            }
        }
        if lab.upper_limit_normal is not None:
            value["referenceRange"] = [{"high": {"value": lab.upper_limit_normal, "unit": lab.unit}}]
        resources.append(observation(_concept(lab.name, quantity.code if quantity else None), value, lab.date))
    for blast in patient.bone_marrow_blasts:
        label = f"Blasts in bone marrow by {blast.method}" if blast.method else "Blasts in bone marrow"
        resources.append(
            observation(
                _concept(label, vocab.quantities["bone marrow blasts"].code),
                {"valueQuantity": {"value": blast.value, "unit": "%", "code": "%"}},
            )
        )
    for marker in patient.biomarkers:
        resources.append(
            observation(
                {"text": f"{marker.name} [Presence] by {marker.method or 'flow cytometry'}"},
                {"valueCodeableConcept": {"text": marker.result.capitalize()}},
            )
        )
    if patient.performance_status:
        scale = patient.performance_status.scale
        code = vocab.quantities[scale].code if scale in vocab.quantities else None
        resources.append(
            observation(
                _concept(f"{scale} performance status", code), {"valueInteger": int(patient.performance_status.value)}
            )
        )
    if patient.pregnant is not None:
        resources.append(
            observation(
                _concept("Pregnancy status", PREGNANCY_STATUS),
                {"valueCodeableConcept": {"text": "Pregnant" if patient.pregnant else "Not pregnant"}},
            )
        )
    for treatment in patient.treatments:
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": "completed",
            "subject": subject,
            "code": {"text": treatment.name},
        }
        if treatment.category:
            procedure["category"] = {"text": treatment.category}
        if treatment.date:
            procedure["performedDateTime"] = treatment.date.isoformat()
        resources.append(procedure)
    return {
        "resourceType": "Bundle",
        "id": patient.id,
        "type": "collection",
        "timestamp": f"{patient.as_of.isoformat()}T00:00:00Z",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{i}"
                if r["resourceType"] != "Patient"
                else "urn:uuid:patient",
                "resource": r,
            }
            for i, r in enumerate(resources)
        ],
    }


def bulk_resources(patient: Patient) -> list[dict[str, Any]]:
    """The profile's resources as a FHIR bulk data export holds them (one NDJSON file a resource type):
    the Patient under its own id, every other resource linked to it by ``subject``."""
    resources = []
    for entry in bundle_from_patient(patient)["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            resources.append({**resource, "id": patient.id})
        else:
            resources.append({**resource, "subject": {"reference": f"Patient/{patient.id}"}})
    return resources
