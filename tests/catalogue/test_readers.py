"""Reading every input format, and refusing bad input with a reason that names file and record."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, shared_data
from tests.factories import study, write_json
from trialscope.catalogue.readers import nct_id_from_name, read_paths
from trialscope.catalogue.records import Rejection, SkippedFile, SourceRecord


def _split(items: list[object]) -> tuple[list[SourceRecord], list[Rejection], list[SkippedFile]]:
    records = [i for i in items if isinstance(i, SourceRecord)]
    rejections = [i for i in items if isinstance(i, Rejection)]
    skipped = [i for i in items if isinstance(i, SkippedFile)]
    return records, rejections, skipped


def _ids(records: list[SourceRecord]) -> list[str]:
    return [r.study["protocolSection"]["identificationModule"]["nctId"] for r in records]


def test_single_study_file_promises_its_nct_id() -> None:
    records, rejections, _ = _split(list(read_paths([FIXTURES / "seed-trials" / "NCT07342244.json"])))
    assert _ids(records) == ["NCT07342244"] and not rejections
    assert records[0].expected_nct_id == "NCT07342244"
    assert records[0].source == "ctgov-v2" and not records[0].partial


def test_page_form_and_plain_list(tmp_path: Path) -> None:
    page = write_json(
        tmp_path / "page.json", {"studies": [study("NCT00000001"), study("NCT00000002")], "nextPageToken": "abc"}
    )
    listing = write_json(tmp_path / "list.json", [study("NCT00000003")])
    records, rejections, _ = _split(list(read_paths([page, listing])))
    assert _ids(records) == ["NCT00000001", "NCT00000002", "NCT00000003"] and not rejections
    assert records[0].origin.endswith("page.json#1") and records[0].batch.endswith("page.json")


def test_real_page_form_fixtures() -> None:
    records, _, _ = _split(list(read_paths([FIXTURES / "ctgov-v2-fixtures" / "NCT03281889.json"])))
    assert _ids(records) == ["NCT03281889"]


def test_json_lines_plain_and_gzip_with_a_bad_line(tmp_path: Path) -> None:
    lines = [json.dumps(study("NCT00000001")), "{not json", json.dumps({"foo": 1}), json.dumps(study("NCT00000002"))]
    plain = tmp_path / "studies.jsonl"
    plain.write_text("\n".join(lines) + "\n")
    packed = tmp_path / "studies.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    for path in (plain, packed):
        records, rejections, _ = _split(list(read_paths([path])))
        assert _ids(records) == ["NCT00000001", "NCT00000002"]
        assert [r.record for r in rejections] == ["line 2", "line 3"]
        assert "malformed JSON" in rejections[0].reason and rejections[0].origin.endswith(":2")
        assert "no protocolSection" in rejections[1].reason


def test_zip_of_per_study_files_is_one_batch(tmp_path: Path) -> None:
    archive = tmp_path / "ctg-studies.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ctg-studies/NCT00000001.json", json.dumps(study("NCT00000001")))
        zf.writestr("ctg-studies/NCT00000002.json", json.dumps(study("NCT00000002")))
        zf.writestr("ctg-studies/README.txt", "not a study")
    records, rejections, _ = _split(list(read_paths([archive])))
    assert _ids(records) == ["NCT00000001", "NCT00000002"] and not rejections
    assert {r.batch for r in records} == {str(archive)}
    assert records[0].origin == f"{archive}:ctg-studies/NCT00000001.json"


def test_truncated_zip_is_rejected_with_reason(tmp_path: Path) -> None:
    archive = tmp_path / "full.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n in range(5):
            zf.writestr(f"NCT0000000{n}.json", json.dumps(study(f"NCT0000000{n}")))
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    records, rejections, _ = _split(list(read_paths([truncated])))
    # read as a stream: the members before the damage are read, and where reading stopped is said
    assert 1 <= len(records) < 5 and _ids(records) == [f"NCT0000000{n}" for n in range(len(records))]
    assert len(rejections) == 1 and "truncated, corrupt or encrypted zip" in rejections[0].reason
    assert rejections[0].origin.startswith(f"{truncated}:") and "the rest is not read" in rejections[0].reason


def test_malformed_json_and_non_utf8(tmp_path: Path) -> None:
    broken = tmp_path / "NCT00000001.json"
    broken.write_text('{"protocolSection": {')
    latin = tmp_path / "NCT00000002.json"
    text = json.dumps(study("NCT00000002", title="Caf\u00e9"), ensure_ascii=False)
    latin.write_bytes(text.encode("utf-8").replace(b"\xc3\xa9", b"\xe9"))  # Latin-1 é
    _, rejections, _ = _split(list(read_paths([broken, latin])))
    assert [r.origin for r in rejections] == [str(broken), str(latin)]
    assert "malformed JSON" in rejections[0].reason
    assert "UTF-8" in rejections[1].reason


def test_legacy_xml_fixtures_and_their_deliberate_faults() -> None:
    folder = FIXTURES / "ctgov-xml-fixtures"
    records, rejections, _ = _split(list(read_paths([folder])))
    assert len(records) + len(rejections) == len(list(folder.glob("*.xml")))
    assert all(r.source == "ctgov-xml" and r.raw and r.raw.lstrip().startswith("<?xml") for r in records)
    by_file = {Path(r.origin).name: r for r in rejections}
    assert "RSS search feed" in by_file["covid_search.xml"].reason
    assert "RSS search feed" in by_file["empty_search.xml"].reason
    mismatch = next(r for r in records if r.origin.endswith("NCT00980226-id-mismatch.xml"))
    assert mismatch.expected_nct_id == "NCT00980226"  # validation then rejects it (record is NCT00081588)


def test_malformed_xml_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "NCT00000001.xml"
    bad.write_text("<clinical_study><id_info><nct_id>NCT00000001</nct_id></id_info>")
    _, rejections, _ = _split(list(read_paths([bad])))
    assert len(rejections) == 1 and "malformed XML" in rejections[0].reason


def test_xml_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        "<clinical_study><brief_title>&lol2;</brief_title></clinical_study>"
    )
    records, rejections, _ = _split(list(read_paths([bomb])))
    assert not records and len(rejections) == 1 and "refused XML" in rejections[0].reason


def test_car_t_monitor_csv_pair_is_partial_with_sites() -> None:
    folder = shared_data("car-t-monitor")
    records, rejections, _ = _split(list(read_paths([folder / "trials.csv"])))
    assert not rejections and len(records) == 2274
    assert all(r.partial and r.source == "car-t-monitor" for r in records)
    seed = next(r for r in records if _ids([r]) == ["NCT07144020"])
    sites = seed.study["protocolSection"]["contactsLocationsModule"]["locations"]
    assert sites and sites[0]["city"] and "geoPoint" in sites[0]
    assert seed.study["trialscopeProvenance"]["classification"]["TargetCategory"]


def test_folder_skips_files_without_trial_records() -> None:
    records, rejections, skipped = _split(list(read_paths([shared_data("car-t-monitor")])))
    names = {Path(s.origin).name for s in skipped}
    assert {"metadata.json", "benchmark_set.csv", "sites.csv"} <= names
    assert not rejections
    assert len(records) == 2274 + 200  # trials.csv + sample_v1.json


def test_missing_path_and_unknown_type(tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    _, rejections, _ = _split(list(read_paths([tmp_path / "nope.json", other])))
    assert "no such file" in rejections[0].reason
    assert "unknown file type" in rejections[1].reason


def test_nct_id_from_file_name() -> None:
    assert nct_id_from_name("NCT00980226-id-mismatch.xml") == "NCT00980226"
    assert nct_id_from_name("NCT04349592_covid_19_hcq.xml") == "NCT04349592"
    assert nct_id_from_name("study_data_phases.json") is None
    assert nct_id_from_name("NCT123456789.json") is None


def test_zip_bombs_nested_archives_and_other_members(tmp_path: Path) -> None:
    """A member that inflates past reason is refused, an archive in an archive is read, and members that are
    no trial files are listed as skipped (issue 17)."""
    import io
    import zipfile

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("NCT00000001.json", b" " * (20 * 1024 * 1024))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("NCT07144020.json", (FIXTURES / "seed-trials" / "NCT07144020.json").read_bytes())
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        archive.writestr("inner.zip", inner.getvalue())
        archive.writestr("readme.txt", "hello")
    records, rejections, skipped = _split(list(read_paths([bomb, nested])))
    assert _ids(records) == ["NCT07144020"]
    assert (
        len(rejections) == 1
        and "zip bomb" in rejections[0].reason
        and "bomb.zip:NCT00000001.json" in rejections[0].origin
    )
    assert [s.origin.rsplit(":", 1)[-1] for s in skipped] == ["readme.txt"]


def test_zip_read_as_a_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A zip is read member by member (its central directory is never loaded): a truncated archive keeps the
    records stored before the damage and says where reading stopped; a file that is no zip at all is refused
    as a whole; a member too large once inflated is refused and the next ones are still read."""
    import zipfile

    from trialscope.catalogue import zip_stream

    record = (FIXTURES / "seed-trials" / "NCT07144020.json").read_bytes()
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("NCT07144020.json", record)
        archive.writestr("notes/", b"")
        archive.writestr("big.json", b"[" + b" " * (2 * len(record)) + b"]")
        archive.writestr("NCT07144020-again.json", record.replace(b"NCT07144020", b"NCT07144021"))
    data = whole.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: data.index(b"NCT07144020-again.json") + 200])
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("this is not an archive")
    monkeypatch.setattr(zip_stream, "MAX_MEMBER_BYTES", len(record) + 100)

    records, rejections, _ = _split(list(read_paths([whole])))
    assert _ids(records) == ["NCT07144020", "NCT07144021"]
    assert [r.origin.rsplit(":", 1)[-1] for r in rejections] == ["big.json"]
    assert "larger than" in rejections[0].reason

    records, rejections, _ = _split(list(read_paths([truncated])))
    assert _ids(records) == ["NCT07144020"]
    assert rejections[-1].origin.endswith("truncated.zip:NCT07144020-again.json")
    assert "the rest is not read" in rejections[-1].reason

    records, rejections, _ = _split(list(read_paths([not_zip])))
    assert not records and len(rejections) == 1
    assert rejections[0].origin == str(not_zip) and "nothing read from it" in rejections[0].reason
