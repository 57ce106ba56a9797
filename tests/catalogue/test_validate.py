"""Validation names the field that is wrong, and what was wrong with it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import study
from trialscope.catalogue.records import Rejection, SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check


def _check(record: dict[str, Any], expected: str | None = None) -> CheckedRecord | Rejection:
    return check(
        SourceRecord(study=record, origin="f.json", source="ctgov-v2", batch="f.json", expected_nct_id=expected)
    )


def test_valid_record_passes_with_a_stable_hash() -> None:
    first, second = _check(study()), _check(study())
    assert isinstance(first, CheckedRecord) and isinstance(second, CheckedRecord)
    assert first.nct_id == "NCT01234567" and first.content_hash == second.content_hash


@pytest.mark.parametrize(
    ("nct_id", "reason"),
    [
        (None, "no NCT ID"),
        ("", "no NCT ID"),
        ("NCT000001", "malformed NCT ID"),
        ("nct01234567", "malformed"),
        (12345678, "malformed NCT ID"),
    ],
)
def test_missing_or_malformed_nct_id(nct_id: object, reason: str) -> None:
    record = study()
    record["protocolSection"]["identificationModule"]["nctId"] = nct_id
    result = _check(record)
    assert isinstance(result, Rejection) and reason in result.reason
    assert result.field == "protocolSection.identificationModule.nctId"


def test_file_name_and_record_disagree() -> None:
    result = _check(study("NCT01234567"), expected="NCT07654321")
    assert isinstance(result, Rejection)
    assert result.reason == "file name says NCT07654321 but the record inside is NCT01234567"


def test_wrong_type_names_the_field() -> None:
    record = study()
    record["protocolSection"]["designModule"] = {"enrollmentInfo": {"count": "many"}}
    result = _check(record)
    assert isinstance(result, Rejection)
    assert result.field == "protocolSection.designModule.enrollmentInfo.count"
    assert result.record == "NCT01234567" and "'many'" in result.reason


@pytest.mark.parametrize("date", ["2025-02-30", "2025-13", "1492-10-12", "next week"])
def test_impossible_dates_are_rejected(date: str) -> None:
    record = study()
    record["protocolSection"]["statusModule"]["startDateStruct"] = {"date": date}
    result = _check(record)
    assert isinstance(result, Rejection)
    assert result.field == "protocolSection.statusModule.startDateStruct.date"


def test_list_positions_appear_in_the_field_path() -> None:
    record = study()
    record["protocolSection"]["contactsLocationsModule"]["locations"][0]["geoPoint"] = {"lat": 200, "lon": 0}
    result = _check(record)
    assert isinstance(result, Rejection)
    assert result.field == "protocolSection.contactsLocationsModule.locations[0].geoPoint.lat"


def test_unknown_fields_and_enum_values_are_kept_not_rejected() -> None:
    record = study(status="SOME_FUTURE_STATUS")
    record["protocolSection"]["brandNewModule"] = {"x": 1}
    result = _check(record)
    assert isinstance(result, CheckedRecord)
    assert result.record.study["protocolSection"]["brandNewModule"] == {"x": 1}
