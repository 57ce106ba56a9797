"""Check one record before it is stored: an NCT ID that is present and well formed, a file name that does
not contradict it, field types and dates the typed model accepts. Failures become rejections that name
the file, the record and the field."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from trialscope.catalogue.records import Rejection, SourceRecord
from trialscope.model.study import NCT_ID_PATTERN, Study, parse_study


@dataclass(slots=True)
class CheckedRecord:
    """A record that passed validation, with what the store needs from it."""

    nct_id: str
    study: Study
    record: SourceRecord
    content_hash: str
    canonical: bytes  # the study as canonical JSON: what is stored, and what the hash is of


def canonical_json(study: dict[str, Any]) -> bytes:
    return orjson.dumps(study, option=orjson.OPT_SORT_KEYS)


def checked_record(nct_id: str, study: Study, record: SourceRecord) -> CheckedRecord:
    canonical = canonical_json(record.study)
    return CheckedRecord(nct_id, study, record, hashlib.sha256(canonical).hexdigest(), canonical)


def _field_path(loc: tuple[int | str, ...]) -> str:
    """('protocolSection', 'x', 0, 'y') -> 'protocolSection.x[0].y'."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def check(record: SourceRecord) -> CheckedRecord | Rejection:
    study = record.study
    try:
        raw_id = study["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        raw_id = None
    field = "protocolSection.identificationModule.nctId"
    if raw_id is None or raw_id == "":
        return Rejection(record.origin, "record has no NCT ID", field=field)
    if not isinstance(raw_id, str) or not NCT_ID_PATTERN.match(raw_id):
        return Rejection(
            record.origin,
            f"malformed NCT ID {raw_id!r} (expected NCT followed by 8 digits)",
            record=str(raw_id),
            field=field,
        )
    if record.expected_nct_id and record.expected_nct_id != raw_id:
        return Rejection(
            record.origin,
            f"file name says {record.expected_nct_id} but the record inside is {raw_id}",
            record=raw_id,
            field=field,
        )
    try:
        model = parse_study(study)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        message = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        shown = f": got {value!r}" if value is not None and not isinstance(value, dict | list) else ""
        return Rejection(record.origin, f"{message}{shown}{more}", record=raw_id, field=_field_path(error["loc"]))
    return checked_record(raw_id, model, record)
