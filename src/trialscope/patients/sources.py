"""Many patients at once, for a site's pre-screen: a CSV, JSON Lines of profiles, a folder of profiles or
FHIR bundles, or a FHIR bulk-export NDJSON (one file, or a folder of Patient.ndjson, Condition.ndjson ...).

``read_patients(path)`` yields patients and, for anything unreadable, a ``PatientError`` naming the file,
the line or record, and the reason; the rest is still read.

CSV columns (any order; unknown columns are ignored): ``id``, ``age``, ``sex``, ``diagnosis``, ``status``,
``ecog``, ``biomarkers`` ("CD117+; CD7-"), ``history_no`` / ``history_yes`` ("epilepsy; HIV"), and one
column per lab named as the criteria vocabulary names it, with the unit in brackets:
``total bilirubin [mg/dL]``, ``LVEF [%]``.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trialscope.patients.fhir import patient_from_bundle
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient, PatientFileError, patient_from_dict


@dataclass(frozen=True, slots=True)
class PatientError:
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


_LAB_COLUMN = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\]]*)\]\s*$")


def _from_document(data: Any, origin: str) -> Patient:
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return patient_from_bundle(data, origin)
    return patient_from_dict(data, origin)


def _csv(path: Path) -> Iterator[Patient | PatientError]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            yield patient_from_row(row, f"{path}:{line}")


def patient_from_row(row: dict[str, Any], origin: str) -> Patient | PatientError:
    """A patient from a row of named cells (a CSV line, a Parquet or table row: the CSV columns above)."""
    try:
        return _row_patient({k: "" if v is None else str(v) for k, v in row.items()}, origin)
    except (ValueError, PatientFileError) as exc:
        return PatientError(origin, str(exc))


def _row_patient(row: dict[str, str], origin: str) -> Patient:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    data: dict[str, Any] = {"id": cell("id") or origin}
    if cell("age"):
        data["age_years"] = float(cell("age"))
    if cell("sex"):
        data["sex"] = cell("sex").lower()
    if cell("diagnosis"):
        data["conditions"] = [{"name": cell("diagnosis"), "status": cell("status") or None}]
    if cell("ecog"):
        data["performance_status"] = {"scale": "ECOG", "value": float(cell("ecog"))}
    markers = []
    for item in filter(None, (m.strip() for m in cell("biomarkers").split(";"))):
        result = (
            "positive"
            if item.endswith(("+", "positive"))
            else "negative"
            if item.endswith(("-", "negative"))
            else "unknown"
        )
        markers.append(
            {"name": item.rstrip("+-").removesuffix("positive").removesuffix("negative").strip(" -"), "result": result}
        )
    data["biomarkers"] = markers
    data["history"] = [
        {"name": name.strip(), "present": column == "history_yes"}
        for column in ("history_yes", "history_no")
        for name in cell(column).split(";")
        if name.strip()
    ]
    labs = []
    for header, value in row.items():
        match = _LAB_COLUMN.match(header or "")
        if match and (value or "").strip():
            labs.append({"name": match.group("name"), "value": float(value), "unit": match.group("unit")})
    data["labs"] = labs
    return patient_from_dict(data, origin)


def _json_lines(path: Path) -> Iterator[Patient | PatientError]:
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if text.strip():
                yield patient_from_json_line(text, f"{path}:{line}")


def patient_from_json_line(text: str, origin: str) -> Patient | PatientError:
    """A patient from one line of JSON Lines: a trialscope profile or a FHIR Bundle."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return PatientError(origin, f"malformed JSON ({exc})")
    if isinstance(data, dict) and "resourceType" in data and data["resourceType"] != "Bundle":
        return PatientError(origin, "a single FHIR resource: give bulk-export NDJSON files the .ndjson suffix")
    try:
        return _from_document(data, origin)
    except PatientFileError as exc:
        return PatientError(origin, str(exc))


def resource_owner(text: str, origin: str) -> tuple[str, dict[str, Any]] | PatientError:
    """One line of FHIR bulk-export NDJSON: the id of the patient it belongs to (a Patient's own id, else its
    subject or patient reference) and the resource."""
    try:
        resource = json.loads(text)
    except json.JSONDecodeError as exc:
        return PatientError(origin, f"malformed JSON ({exc})")
    if not isinstance(resource, dict):
        return PatientError(origin, "not a FHIR resource")
    if resource.get("resourceType") == "Patient":
        owner = str(resource.get("id") or "")
    else:
        reference = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
        owner = reference.split("/")[-1].removeprefix("urn:uuid:")
    if not owner:
        return PatientError(origin, f"{resource.get('resourceType')} without a patient reference")
    return owner, resource


def patient_from_resources(owner: str, resources: Iterable[dict[str, Any]]) -> Patient | PatientError:
    """A patient from all the bulk-export resources that belong to them."""
    bundle = {
        "resourceType": "Bundle",
        "id": owner,
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }
    try:
        return patient_from_bundle(bundle, f"patient {owner}")
    except PatientFileError as exc:
        return PatientError(f"patient {owner}", str(exc))


def _bulk_export(files: list[Path]) -> Iterator[Patient | PatientError]:
    """FHIR bulk data: resources of many patients, linked to their Patient by subject/patient reference."""
    resources: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in files:
        with path.open(encoding="utf-8") as f:
            for line, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                owned = resource_owner(text, f"{path}:{line}")
                if isinstance(owned, PatientError):
                    yield owned
                else:
                    resources[owned[0]].append(owned[1])
    for owner, items in resources.items():
        yield patient_from_resources(owner, items)


def read_patients(path: Path) -> Iterator[Patient | PatientError]:
    if not path.exists():
        yield PatientError(str(path), "no such file or folder")
        return
    if path.is_dir():
        bulk = sorted(path.glob("*.ndjson"))
        if bulk:
            yield from _bulk_export(bulk)
        for child in sorted(path.iterdir()):
            if child.suffix.lower() in (".json", ".yaml", ".yml"):
                try:
                    yield load_patient(child)
                except PatientFileError as exc:
                    yield PatientError(str(child), str(exc))
        return
    suffix = path.suffix.lower()
    if suffix == ".csv":
        yield from _csv(path)
    elif suffix == ".ndjson":
        yield from _bulk_export([path])
    elif suffix == ".jsonl":
        yield from _json_lines(path)
    elif suffix in (".json", ".yaml", ".yml"):
        try:
            yield load_patient(path)
        except PatientFileError as exc:
            yield PatientError(str(path), str(exc))
    else:
        yield PatientError(str(path), "unknown file type: expected .csv, .jsonl, .ndjson, .json, .yaml or a folder")
