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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
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
    answer,
)

_RELAPSE_STATUSES = {"relapse", "recurrence"}
PREGNANCY_STATUS = "LOINC:82810-3"
_POSITIVE = ("positive", "detected", "present", "pos")
_NEGATIVE = ("negative", "not detected", "absent", "neg")


@dataclass(slots=True)
class BundleReading:
    patient: Patient
    problems: list[str] = field(default_factory=list)


# A resource is read from its JSON (a dict): the resource as the file holds it when ``plain`` finds it in the
# shapes the FHIR models surely accept (the elements read here, each of the type the model checks: a string
# with a character, a code without spaces, a number the model's decimal takes, a full date; nothing else, no
# null, no empty element), else the FHIR model's own dump of it after the model has checked it (and skipped
# it, with its words, when it refuses it). Both are read by the same code below.


def _text(concept: Any) -> str:
    if not concept:
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for coding in concept.get("coding") or []:
        if coding.get("display"):
            return str(coding["display"])
    return ""


def _code(concept: Any) -> str:
    """A status concept's code ('active', 'refuted'), which statuses carry without display text."""
    for coding in (concept or {}).get("coding") or []:
        if coding.get("code"):
            return str(coding["code"]).lower()
    return _text(concept).lower()


def _loinc(concept: Any) -> set[str]:
    return {
        f"LOINC:{c['code']}"
        for c in ((concept or {}).get("coding") or [])
        if c.get("system") and "loinc" in c["system"] and c.get("code")
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


@lru_cache(maxsize=1024)
def _unit(raw: str | None) -> str:
    """A UCUM unit code in trialscope's spelling ('10*3/uL' -> '10^3/uL'), via data/criteria/units.json."""
    if not raw:
        return ""
    for canonical, pattern in vocabulary().units:
        if pattern.fullmatch(raw.strip()):
            return canonical
    return raw


@cache
def _quantity_codes() -> dict[str, str]:
    """LOINC code -> the vocabulary's quantity."""
    return {q.code: q.key for q in vocabulary().quantities.values() if q.code}


@lru_cache(maxsize=4096)
def _named(name: str) -> tuple[str | None, str | None]:
    """The quantity and the antigen an observation's name speaks of (the vocabulary's first of each)."""
    vocab = vocabulary()
    quantity, antigen = vocab.quantity_matcher.search(name), vocab.antigen_matcher.search(name)
    return (quantity.key if quantity else None), (antigen.key if antigen else None)


@lru_cache(maxsize=16_384)
def _had(name: str, onset: dt.date | None) -> HistoryItem:
    """A condition as history answered yes (made once per name and date: a history item is frozen)."""
    return HistoryItem(name=name, present=True, date=onset)


def patient_from_bundle(bundle: dict[str, Any], origin: str = "bundle") -> Patient:
    """The patient of a bundle; entries that could not be read are listed in ``patient.ignored``."""
    reading = read_bundle(bundle, origin)
    reading.patient.ignore(reading.problems)
    return reading.patient


_MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Condition": FhirCondition,
    "Observation": Observation,
    "Procedure": Procedure,
    "MedicationStatement": MedicationStatement,
    "MedicationRequest": MedicationRequest,
    "AllergyIntolerance": AllergyIntolerance,
}


def read_bundle(bundle: dict[str, Any], origin: str = "bundle") -> BundleReading:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise PatientFileError(f"{origin}: field resourceType: not a FHIR Bundle")
    patient = Patient(id=str(bundle.get("id") or origin))
    timestamp = _date(bundle.get("timestamp"))
    if timestamp:
        patient.as_of = timestamp
    problems: list[str] = []
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise PatientFileError(f"{origin}: field entry: a Bundle's entry must be a list of entries")
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            problems.append(f"{origin}: entry {index}: not an entry with a resource (skipped)")
            continue
        kind = resource.get("resourceType")
        if not isinstance(kind, str) or kind not in _MODELS:
            continue
        try:
            data = resource if plain(resource) else _MODELS[kind].model_validate(resource).model_dump()
            _read(kind, data, patient)
        except ValidationError as exc:  # the FHIR model's, or a value our profile refuses (a ULN of 0)
            error = exc.errors(include_url=False)[0]
            field = ".".join(map(str, error["loc"])) or "value"
            problems.append(f"{origin}: entry {index} ({kind}): field {field}: {error['msg']} (skipped)")
    return BundleReading(patient, problems)


def _read(kind: str, data: dict[str, Any], patient: Patient) -> None:
    if kind == "Patient":
        patient.birth_date = _date(data.get("birthDate"))
        if data.get("gender") in ("female", "male", "other", "unknown"):
            patient.sex = data["gender"]
        if data.get("address"):
            address = data["address"][0]
            patient.location = Location(
                city=address.get("city"), state=address.get("state"), country=address.get("country")
            )
    elif kind == "Condition":
        name = _text(data.get("code"))
        if not name:
            return
        status = _code(data.get("clinicalStatus"))
        onset = _date(data.get("onsetDateTime"))
        if _code(data.get("verificationStatus")) == "refuted":  # ruled out: an explicit "no"
            patient.history.append(answer(name, False))
            return
        resolved = status in ("resolved", "inactive", "remission")
        patient.conditions.append(
            Condition(name=name, status="relapsed" if status in _RELAPSE_STATUSES else None, date=onset)
        )
        patient.history.append(_had(name, onset))
        if "pregnan" in name.lower() and not resolved:
            patient.pregnant = True
    elif kind == "Observation":
        _read_observation(data, patient)
    elif kind == "Procedure":
        name = _text(data.get("code"))
        performed = _date(data.get("performedDateTime")) or _date((data.get("performedPeriod") or {}).get("start"))
        if name:
            category = _text(data.get("category"))
            patient.treatments.append(Treatment(name=name, category=category or None, date=performed))
    elif kind in ("MedicationStatement", "MedicationRequest"):
        name = _text(data.get("medicationCodeableConcept"))
        when = _date(data.get("authoredOn")) or _date(data.get("effectiveDateTime"))
        if name:
            patient.treatments.append(Treatment(name=name, date=when))
    elif kind == "AllergyIntolerance":
        name = _text(data.get("code"))
        if name:
            patient.history.append(HistoryItem(name=f"allergy to {name}", present=True))


def _read_observation(data: dict[str, Any], patient: Patient) -> None:
    code = data.get("code")
    name = _text(code)
    when = _date(data.get("effectiveDateTime"))
    loinc = _loinc(code)
    if PREGNANCY_STATUS in loinc:
        answer = _text(data.get("valueCodeableConcept")).lower()
        patient.pregnant = None if not answer else not answer.startswith("not")
        return
    codes = _quantity_codes()
    key = next((codes[c] for c in loinc if c in codes), None)
    named, antigen = _named(name)
    if key is None:
        key = named
    quantity = data.get("valueQuantity")
    if key in ("ECOG", "Karnofsky", "Lansky"):
        value = quantity.get("value") if quantity is not None else data.get("valueInteger")
        if value is not None:
            patient.performance_status = PerformanceStatus(scale=key, value=float(value))
        return
    if antigen is not None and quantity is None:
        result_text = (_text(data.get("valueCodeableConcept")) or str(data.get("valueString") or "")).lower()
        result = (
            "positive"
            if result_text.startswith(_POSITIVE)
            else "negative"
            if result_text.startswith(_NEGATIVE)
            else "unknown"
        )
        patient.biomarkers.append(Biomarker(name=antigen, result=result))
        return
    if key is None or quantity is None or quantity.get("value") is None:
        return
    uln = None
    for reference in data.get("referenceRange") or []:
        high = reference.get("high")
        if high is not None and high.get("value") is not None:
            uln = float(high["value"])
            break
    unit = _unit(quantity.get("code") or quantity.get("unit"))
    if key == "bone marrow blasts":
        method = "flow cytometry" if "flow" in name.lower() else "morphology" if "morpholog" in name.lower() else None
        patient.bone_marrow_blasts.append(BlastCount(value=float(quantity["value"]), method=method))
        return
    patient.labs.append(
        LabValue(name=key, value=float(quantity["value"]), unit=unit, upper_limit_normal=uln, date=when)
    )


# --- the shapes read without the FHIR models -----------------------------------------------------------------

Check = Callable[[Any], bool]
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")  # fhir_core's Decimal
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _string(value: Any) -> bool:  # a FHIR string: some character that is not a space
    return isinstance(value, str) and value != "" and not value.isspace()


def _token(value: Any) -> bool:  # a FHIR code (and an id's characters): printable ASCII, no space
    return isinstance(value, str) and value != "" and value.isascii() and value.isprintable() and " " not in value


def _uri(value: Any) -> bool:
    return isinstance(value, str)


def _decimal(value: Any) -> bool:
    return type(value) in (int, float) and _DECIMAL.fullmatch(str(value)) is not None


def _integer(value: Any) -> bool:
    return type(value) is int and -(2**31) <= value < 2**31


def _full_date(value: Any) -> bool:
    if not isinstance(value, str) or _FULL_DATE.fullmatch(value) is None:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _element(fields: dict[str, Check]) -> Check:
    """An element holding some of these fields, each as checked (no other, none empty)."""

    def check(value: Any) -> bool:
        if type(value) is not dict or not value:
            return False
        for key, item in value.items():
            field_check = fields.get(key)
            if field_check is None or not field_check(item):
                return False
        return True

    return check


def _many(check: Check) -> Check:
    def many(value: Any) -> bool:
        return type(value) is list and bool(value) and all(map(check, value))

    return many


_CONCEPT = _element({"text": _string, "coding": _many(_element({"system": _uri, "code": _token, "display": _string}))})
_REFERENCE = _element({"reference": _string})
_QUANTITY = _element({"value": _decimal, "unit": _string, "system": _uri, "code": _token})
_COMMON: dict[str, Check] = {"resourceType": _uri, "id": lambda v: isinstance(v, str) and _ID.fullmatch(v) is not None}
_SHAPES: dict[str, tuple[dict[str, Check], tuple[str, ...]]] = {  # kind -> (fields, the required ones)
    "Patient": (
        {
            **_COMMON,
            "gender": _token,
            "birthDate": _full_date,
            "address": _many(_element({"city": _string, "state": _string, "country": _string})),
        },
        (),
    ),
    "Condition": (
        {
            **_COMMON,
            "subject": _REFERENCE,
            "code": _CONCEPT,
            "clinicalStatus": _CONCEPT,
            "verificationStatus": _CONCEPT,
            "onsetDateTime": _full_date,
        },
        ("subject",),
    ),
    "Observation": (
        {
            **_COMMON,
            "status": _token,
            "subject": _REFERENCE,
            "code": _CONCEPT,
            "effectiveDateTime": _full_date,
            "valueQuantity": _QUANTITY,
            "valueCodeableConcept": _CONCEPT,
            "valueInteger": _integer,
            "valueString": _string,
            "referenceRange": _many(_element({"high": _element({"value": _decimal, "unit": _string})})),
        },
        ("status", "code"),
    ),
    "Procedure": (
        {
            **_COMMON,
            "status": _token,
            "subject": _REFERENCE,
            "code": _CONCEPT,
            "category": _CONCEPT,
            "performedDateTime": _full_date,
        },
        ("status", "subject"),
    ),
}
_VALUES = frozenset(("valueQuantity", "valueCodeableConcept", "valueInteger", "valueString"))


def plain(resource: dict[str, Any]) -> bool:
    """Whether a resource is in a shape the FHIR model surely accepts and reads as it is (then it is read
    without the model); a False says nothing against it (the model then checks it)."""
    shape = _SHAPES.get(resource.get("resourceType"))  # type: ignore[arg-type]
    if shape is None:
        return False
    fields, required = shape
    for key in required:
        if key not in resource:
            return False
    for key, value in resource.items():
        check = fields.get(key)
        if check is None or not check(value):
            return False
    return len(_VALUES.intersection(resource)) <= 1  # value[x]: one of them


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
