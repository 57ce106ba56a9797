"""Many patients at once, for a site's pre-screen: a CSV, a Parquet table (the CSV's columns), JSON Lines of
profiles, a folder of profiles or FHIR bundles, or a FHIR bulk-export NDJSON (one file, or a folder of
Patient.ndjson, Condition.ndjson ...).

``read_patients(path)`` yields patients and, for anything unreadable, a ``PatientError`` naming the file,
the line or record, and the reason; the rest is still read.

CSV and Parquet columns: those of ``patients/table.py`` (any order; ``csv_notices(path)`` names the columns
that are not read, before any patient is). A Parquet table is read a batch of rows at a time (pyarrow, the
``parquet`` extra), its rows named by their number ("patients.parquet:3", the third row).
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from trialscope.extras import needs_extra
from trialscope.patients.fhir import patient_from_bundle
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient, PatientFileError, patient_from_dict
from trialscope.patients.table import CellError, lean_patient, patient_from_cells, read_header, row_plan


@dataclass(frozen=True, slots=True)
class PatientError:
    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def _from_document(data: Any, origin: str) -> Patient:
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return patient_from_bundle(data, origin)
    return patient_from_dict(data, origin)


def _csv(path: Path) -> Iterator[Patient | PatientError]:
    """The rows of a CSV, each named by its line (the line after the previous row's last: a cell may hold
    line breaks) and its place among the data rows; read as ``csv.DictReader`` reads them (a blank line is
    no row; a short row's missing cells are empty), a row at a time by the lean path of its header."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        names = next(reader, None)
        if names is None:
            return
        plan = row_plan(tuple(names))
        width = len(names)
        line = reader.line_num + 1
        number = 0
        for cells in reader:
            if not cells:
                continue  # (DictReader skips it, and the line count moves on)
            number += 1
            origin = f"{path}:{line}"
            line = reader.line_num + 1
            if len(cells) == width:
                patient = lean_patient(plan, [c.strip() for c in cells], origin)
                if patient is not None:
                    yield patient
                    continue
            row: dict[Any, Any] = dict(zip(names, cells, strict=False))  # as DictReader makes it
            if len(cells) > width:
                row[None] = cells[width:]
            else:
                row.update(dict.fromkeys(names[len(cells) :]))
            yield patient_from_row(row, origin, number)


def csv_notices(path: Path) -> list[str]:
    """What to tell the person before a CSV's (or a Parquet table's) patients are read: the columns that will
    not be read (nothing for other files, or a table that cannot be opened: reading it reports that)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet") or not path.is_file():
        return []
    if suffix == ".parquet":
        try:
            import pyarrow
            import pyarrow.parquet

            headers = list(pyarrow.parquet.read_schema(path).names)
        except (ImportError, OSError, pyarrow.ArrowException):
            return []
    else:
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                headers = next(csv.reader(f), [])
        except (OSError, UnicodeDecodeError, csv.Error):
            return []
    return [f"{path}: {notice}" for notice in read_header(tuple(headers)).notices()]


def patient_from_row(row: dict[str, Any], origin: str, number: int | None = None) -> Patient | PatientError:
    """A patient from a row of named cells (a CSV line, a Parquet or table row: the columns of
    ``patients/table.py``); ``number`` is the row's place among the data rows, said in a problem."""
    cells = {str(k): "" if v is None else str(v) for k, v in row.items() if k is not None}
    if None not in row:
        patient = lean_patient(row_plan(tuple(cells)), [v.strip() for v in cells.values()], origin)
        if patient is not None:
            return patient
    header = read_header(tuple(cells))
    name = cells[header.id_header].strip() if header.id_header is not None else ""
    where = (f"row {number}" if number is not None else "row") + (f" ({name})" if name else "")
    if row.get(None):  # type: ignore[call-overload]  # csv.DictReader's cells beyond the header
        return PatientError(origin, f"{where}: more cells than the header has columns")
    try:
        return patient_from_cells(header, cells, origin)
    except (CellError, PatientFileError) as exc:
        return PatientError(origin, f"{where}: {exc}")


def _json_lines(path: Path) -> Iterator[Patient | PatientError]:
    where = f"{path}:"
    with path.open(encoding="utf-8") as f:
        for line, text in enumerate(f, start=1):
            if text.strip():
                yield patient_from_json_line(text, where + str(line))


PARQUET_BATCH = 4096  # rows of a Parquet table turned into patients at a time


def _parquet(path: Path) -> Iterator[Patient | PatientError]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        yield PatientError(str(path), f"reading Parquet {needs_extra('parquet')}")
        return
    try:
        table = pyarrow.parquet.ParquetFile(path)
        names = tuple(table.schema_arrow.names)
        plan = row_plan(names)
        number = 0
        for batch in table.iter_batches(batch_size=PARQUET_BATCH):
            columns = [_texts(column) for column in batch.columns]
            for cells in zip(*columns, strict=True):
                number += 1
                origin = f"{path}:{number}"
                patient = lean_patient(plan, [c.strip() for c in cells], origin)
                yield patient or patient_from_row(dict(zip(names, cells, strict=True)), origin, number)
    except (OSError, pyarrow.ArrowException) as exc:
        yield PatientError(str(path), f"cannot read as Parquet ({exc})")


def _texts(column: Any) -> list[str]:
    """A Parquet column's cells as a row's text (``patient_from_row``'s: nothing for a null, else ``str``)."""
    import pyarrow
    import pyarrow.compute

    if pyarrow.types.is_string(column.type) or pyarrow.types.is_large_string(column.type):
        texts: list[str] = pyarrow.compute.fill_null(column, "").to_pylist()
        return texts
    return ["" if value is None else str(value) for value in column.to_pylist()]


def _json(text: str | bytes) -> Any:
    """One JSON document, read by orjson; what orjson refuses is read again by the standard library, which
    takes a little more (NaN, integers beyond 64 bits) and says what is wrong in its own words."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def patient_from_json_line(text: str | bytes, origin: str) -> Patient | PatientError:
    """A patient from one line of JSON Lines: a trialscope profile or a FHIR Bundle."""
    try:
        data = _json(text)
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
        resource = _json(text)
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
    """FHIR bulk data: resources of many patients, linked to their Patient by subject/patient reference.
    Each patient's lines are kept as text until all are read (a string is a third of its parsed resource's
    memory, and none of the collector's work), then read again, a patient at a time."""
    lines: dict[str, list[str]] = defaultdict(list)
    for path in files:
        with path.open(encoding="utf-8") as f:
            for line, text in enumerate(f, start=1):
                if not text.strip():
                    continue
                owned = resource_owner(text, f"{path}:{line}")
                if isinstance(owned, PatientError):
                    yield owned
                else:
                    lines[owned[0]].append(text)
    for owner in list(lines):
        yield patient_from_resources(owner, [_json(text) for text in lines.pop(owner)])


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
    elif suffix == ".parquet":
        yield from _parquet(path)
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
        yield PatientError(
            str(path), "unknown file type: expected .csv, .parquet, .jsonl, .ndjson, .json, .yaml or a folder"
        )
