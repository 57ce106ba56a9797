"""Read trial records from files, folders and archives, in every format trial data comes in.

``read_paths(paths)`` yields, lazily and in a stable order, a :class:`SourceRecord` for every study
found, a :class:`Rejection` for every unreadable file or record (naming file, record and reason), and a
:class:`SkippedFile` for files met in a folder that hold no trial data. Nothing here raises for bad input.

Formats:
- API v2 JSON: one study object, a page ``{"studies": [...]}``, a JSON array of studies, JSON Lines
  (``.jsonl`` / ``.ndjson``), any of these gzip-compressed (``.gz``), and a zip of per-study files
  (the shape of the full ClinicalTrials.gov download);
- legacy ``clinical_study`` XML;
- the CAR-T monitor's flattened ``trials.csv`` (+ its sibling ``sites.csv``) and ``sample_v1.json``.

A *batch* is one input file (an archive counts as one): an NCT ID may appear only once per batch.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from trialscope.catalogue import flattened, legacy_xml
from trialscope.catalogue.records import PROVENANCE_KEY, Rejection, SkippedFile, SourceRecord
from trialscope.catalogue.zip_stream import Refused, bytes_chunks, file_chunks, zip_members

Item = SourceRecord | Rejection | SkippedFile

JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
XML_SUFFIXES = {".xml"}
CSV_SUFFIXES = {".csv"}
ZIP_SUFFIXES = {".zip"}
TRIAL_SUFFIXES = JSON_SUFFIXES | JSONL_SUFFIXES | XML_SUFFIXES | CSV_SUFFIXES | ZIP_SUFFIXES

_NCT_IN_NAME = re.compile(r"^(NCT\d{8})(?!\d)")


def nct_id_from_name(name: str) -> str | None:
    """The NCT ID a file name promises (``NCT00980226-id-mismatch.xml`` -> NCT00980226), if any."""
    match = _NCT_IN_NAME.match(os.path.basename(name))
    return match.group(1) if match else None


def _format_suffix(name: str) -> str:
    """The suffix that says the format, looking through a trailing ``.gz``."""
    lowered = name.lower().removesuffix(".gz")
    return os.path.splitext(lowered)[1]


def _decode_error(exc: Exception) -> str:
    message = str(exc)
    if "utf-8" in message.lower() or isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 text ({message})"
    return f"malformed JSON ({message})"


def _study_id(study: Any) -> str | None:
    try:
        value = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        return None
    return value if isinstance(value, str) else None


def _v2_record(study: dict[str, Any], origin: str, batch: str, expected: str | None = None) -> SourceRecord:
    """An API v2 study; our own provenance key (demo catalogue) may mark it partial."""
    provenance = study.get(PROVENANCE_KEY)
    provenance = provenance if isinstance(provenance, dict) else {}
    return SourceRecord(
        study=study,
        origin=origin,
        source=str(provenance.get("source") or "ctgov-v2"),
        batch=batch,
        partial=bool(provenance.get("partial", False)),
        expected_nct_id=expected,
    )


# --- JSON -----------------------------------------------------------------------------------------------
def _json_items(document: Any, origin: str, *, expect_name: str | None) -> Iterator[Item]:
    """Recognise the shape of a parsed JSON document and yield its records."""
    if isinstance(document, dict) and "protocolSection" in document:
        yield _v2_record(document, origin, origin, nct_id_from_name(expect_name) if expect_name else None)
        return
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        studies: list[Any] = document["studies"]
    elif isinstance(document, list):
        studies = document
    elif isinstance(document, dict) and isinstance(document.get("trials"), list):
        yield from _flattened_items(document["trials"], origin)
        return
    else:
        yield Rejection(origin, "not a ClinicalTrials.gov study, page of studies or list of studies")
        return
    single = len(studies) == 1
    for index, study in enumerate(studies, start=1):
        where = origin if single else f"{origin}#{index}"
        if not isinstance(study, dict) or "protocolSection" not in study:
            yield Rejection(where, "not a study object (no protocolSection)", record=f"record {index}")
            continue
        yield _v2_record(study, where, origin, nct_id_from_name(expect_name) if (expect_name and single) else None)


def _read_json_bytes(data: bytes, origin: str, name: str) -> Iterator[Item]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Rejection(origin, _decode_error(exc))
        return
    yield from _json_items(document, origin, expect_name=name)


def _read_jsonl_lines(lines: Iterable[bytes], origin: str) -> Iterator[Item]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            study = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Rejection(where, _decode_error(exc), record=f"line {number}")
            continue
        if not isinstance(study, dict) or "protocolSection" not in study:
            yield Rejection(where, "not a study object (no protocolSection)", record=f"line {number}")
            continue
        yield _v2_record(study, where, origin)


# --- XML ------------------------------------------------------------------------------------------------
def _read_xml_bytes(data: bytes, origin: str, name: str) -> Iterator[Item]:
    try:
        study, problems = legacy_xml.read_clinical_study(data)
    except legacy_xml.NotAStudyDocument as exc:
        yield Rejection(origin, str(exc))
        return
    except legacy_xml.ParseError as exc:
        yield Rejection(origin, f"malformed XML ({exc})")
        return
    except Exception as exc:  # defusedxml refusals (entities, DTDs) and other parser errors
        yield Rejection(origin, f"refused XML ({type(exc).__name__}: {exc})")
        return
    nct_id = _study_id(study)
    if problems:
        field, reason = problems[0]
        yield Rejection(origin, reason, record=nct_id, field=field)
        return
    yield SourceRecord(
        study=study,
        origin=origin,
        source="ctgov-xml",
        batch=origin,
        raw=data.decode("utf-8", errors="replace"),
        expected_nct_id=nct_id_from_name(name),
    )


# --- flattened CSV / sample JSON ------------------------------------------------------------------------
def _flattened_items(
    rows: list[Any], origin: str, sites: dict[str, list[dict[str, str]]] | None = None
) -> Iterator[Item]:
    for index, row in enumerate(rows, start=1):
        where = f"{origin}:{index + 1}" if sites is not None else f"{origin}#{index}"
        if not isinstance(row, dict) or not set(row) >= flattened.TRIAL_COLUMNS:
            yield Rejection(
                where, "not a flattened trial row (needs NCTId, BriefTitle, OverallStatus)", record=f"row {index}"
            )
            continue
        nct_id = str(row.get("NCTId") or "").strip()
        study = flattened.row_to_study(row, (sites or {}).get(nct_id))
        yield SourceRecord(study=study, origin=where, source=flattened.SOURCE_NAME, batch=origin, partial=True)


def _csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _read_csv(path: Path, *, explicit: bool) -> Iterator[Item]:
    origin = str(path)
    try:
        header, rows = _csv_rows(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        yield Rejection(origin, f"not valid UTF-8 text ({exc})")
        return
    except csv.Error as exc:
        yield Rejection(origin, f"malformed CSV ({exc})")
        return
    columns = set(header)
    if columns >= flattened.SITE_COLUMNS:
        yield SkippedFile(origin, "a site table: it is read together with the trials.csv beside it")
    elif columns >= flattened.TRIAL_COLUMNS:
        sites: dict[str, list[dict[str, str]]] = defaultdict(list)
        sites_path = path.with_name("sites.csv")
        if sites_path.exists() and sites_path != path:
            try:
                _, site_rows = _csv_rows(sites_path.read_bytes().decode("utf-8-sig"))
            except (UnicodeDecodeError, csv.Error) as exc:
                yield Rejection(str(sites_path), f"unreadable site table, trials imported without sites ({exc})")
                site_rows = []
            for site in site_rows:
                sites[(site.get("NCTId") or "").strip()].append(site)
        yield from _flattened_items(list(rows), origin, sites)
    elif explicit:
        yield Rejection(origin, "CSV without the NCTId/BriefTitle/OverallStatus columns of a trial table")
    else:
        yield SkippedFile(origin, "CSV that is not a trial table")


# --- archives -------------------------------------------------------------------------------------------
def _read_member(data: bytes, origin: str, name: str) -> Iterator[Item]:
    suffix = _format_suffix(name)
    if name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            yield Rejection(origin, f"truncated or corrupt gzip data ({exc})")
            return
    if suffix in JSON_SUFFIXES:
        yield from _read_json_bytes(data, origin, name)
    elif suffix in JSONL_SUFFIXES:
        yield from _read_jsonl_lines(data.splitlines(), origin)
    elif suffix in XML_SUFFIXES:
        yield from _read_xml_bytes(data, origin, name)


def _read_zip(path: Path) -> Iterator[Item]:
    origin = str(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        yield Rejection(origin, f"cannot read file ({exc})")
        return
    with stream:
        yield from _read_archive(file_chunks(stream), origin, batch=origin, depth=0)


def _read_archive(chunks: Iterable[bytes], origin: str, batch: str, depth: int) -> Iterator[Item]:
    """The records of a zip read as a stream (``zip_stream``); an archive in it is read one level deep."""

    def wanted(name: str) -> bool:
        return _format_suffix(name) in (ZIP_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES | XML_SUFFIXES)

    for member in zip_members(chunks, wanted):
        member_origin = origin if member.name is None else f"{origin}:{member.name}"
        if isinstance(member, Refused):
            yield Rejection(member_origin, member.reason)
            continue
        if member.data is None:
            yield SkippedFile(member_origin, "not a trial record file (.json, .jsonl, .ndjson, .xml)")
            continue
        if _format_suffix(member.name) in ZIP_SUFFIXES:
            if depth >= 1:
                yield Rejection(member_origin, "an archive inside an archive inside an archive: not read")
            else:
                yield from _read_archive(bytes_chunks(member.data), member_origin, batch, depth + 1)
            continue
        for item in _read_member(member.data, member_origin, member.name):
            if isinstance(item, SourceRecord):
                item.batch = batch  # the whole archive is one batch
            yield item


# --- files and folders ----------------------------------------------------------------------------------
def read_file(path: Path, *, explicit: bool = True) -> Iterator[Item]:
    """Yield the records of one file. ``explicit``: the user named it (vs. found it in a folder)."""
    origin = str(path)
    suffix = _format_suffix(path.name)
    if suffix in ZIP_SUFFIXES:
        yield from _read_zip(path)
        return
    if suffix in CSV_SUFFIXES:
        yield from _read_csv(path, explicit=explicit)
        return
    if suffix not in TRIAL_SUFFIXES:
        if explicit:
            yield Rejection(
                origin,
                f"unknown file type {path.suffix or '(none)'}: expected .json, .jsonl, "
                ".ndjson, .xml, .csv, .zip (optionally .gz)",
            )
        return
    try:
        if path.name.lower().endswith(".gz") and suffix in JSONL_SUFFIXES:
            with gzip.open(path, "rb") as stream:
                yield from _read_jsonl_lines(stream, origin)
            return
        if suffix in JSONL_SUFFIXES:
            with path.open("rb") as stream:
                yield from _read_jsonl_lines(stream, origin)
            return
        data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        yield Rejection(origin, f"cannot read file ({exc})")
        return
    if not explicit and suffix in JSON_SUFFIXES:
        # In a folder, a JSON file that is no trial data (metadata, a config) is skipped, not rejected.
        items = list(_read_member(data, origin, path.name))
        if len(items) == 1 and isinstance(items[0], Rejection) and items[0].reason.startswith("not a ClinicalTrials"):
            yield SkippedFile(origin, "JSON that holds no trial records")
            return
        yield from items
        return
    yield from _read_member(data, origin, path.name)


def iter_files(path: Path) -> Iterator[Path]:
    """Files below a folder, in sorted order (stable batches and reports)."""
    for child in sorted(path.rglob("*")):
        if child.is_file() and not child.name.startswith("."):
            yield child


def read_paths(paths: Iterable[Path | str]) -> Iterator[Item]:
    """Yield every record of every path (files and folders, several at once)."""
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            for child in iter_files(path):
                if _format_suffix(child.name) in TRIAL_SUFFIXES:
                    yield from read_file(child, explicit=False)
        elif path.exists():
            yield from read_file(path, explicit=True)
        else:
            yield Rejection(str(path), "no such file or folder")
