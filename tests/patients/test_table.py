"""The prescreen CSV: the columns a site has (blasts with where and how they were counted, treatments with
dates, transplant, markers, ECOG or Karnofsky), the columns it does not know reported before any patient is
read, and a bad value named by row, column and what was expected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from trialscope.cli import app
from trialscope.matching.facts import patient_facts
from trialscope.patients.model import Patient
from trialscope.patients.sources import PatientError, csv_notices, read_patients
from trialscope.patients.table import parse_column_words, read_header

EXAMPLE = ROOT / "examples" / "site-patients.csv"


def _read(tmp_path: Path, text: str) -> list[Patient | PatientError]:
    sheet = tmp_path / "patients.csv"
    sheet.write_text(text, encoding="utf-8")
    return list(read_patients(sheet))


def _one(tmp_path: Path, header: str, row: str) -> Patient:
    (patient,) = _read(tmp_path, f"{header}\n{row}\n")
    assert isinstance(patient, Patient), patient
    return patient


def _problem(tmp_path: Path, header: str, row: str) -> str:
    (problem,) = _read(tmp_path, f"{header}\n{row}\n")
    assert isinstance(problem, PatientError), problem
    return str(problem)


def test_blasts_with_site_and_method(tmp_path: Path) -> None:
    patient = _one(
        tmp_path,
        "id,bone marrow blasts [%],PB blasts by flow [%],blasts in marrow by flow cytometry [%]",
        "p1,25,4,0.5",
    )
    counts = [(b.sample, b.method, b.value) for b in patient.bone_marrow_blasts]
    assert counts == [
        ("bone marrow", None, 25),
        ("peripheral blood", "flow cytometry", 4),
        ("bone marrow", "flow cytometry", 0.5),
    ]
    patient = _one(tmp_path, "id,blasts,blasts site,blasts method,blasts date", "p2,30%,BM,morphology,2026-10-01")
    (count,) = patient.bone_marrow_blasts
    assert (count.sample, count.method, count.value, count.date) == (
        "bone marrow",
        "morphology",
        30,
        dt.date(2026, 10, 1),
    )


def test_treatments_with_dates_and_transplant(tmp_path: Path) -> None:
    patient = _one(
        tmp_path,
        "id,as of,treatments,transplant,transplant date",
        "p1,2026-11-01,7+3 induction 2025-03-10; chemotherapy: HiDAC 2025-06-02 to 2025-07-15; "
        "venetoclax since 2026-06-01; decitabine,allogeneic,2024-05-20",
    )
    treatments = [(t.name, t.category, t.date, t.end_date, t.ongoing) for t in patient.treatments]
    assert treatments == [
        ("7+3 induction", None, dt.date(2025, 3, 10), None, None),
        ("HiDAC", "chemotherapy", dt.date(2025, 6, 2), dt.date(2025, 7, 15), None),
        ("venetoclax", None, dt.date(2026, 6, 1), None, True),
        ("decitabine", None, None, None, None),
        ("allogeneic transplant", None, dt.date(2024, 5, 20), None, None),
    ]
    facts = patient_facts(patient)
    assert {"allogeneic HSCT", "chemotherapy"} <= {f.concept for f in facts.treatments}
    denied = _one(tmp_path, "id,transplant", "p2,no")
    assert "HSCT" in patient_facts(denied).denied  # a "no" is an answer, not silence


def test_markers_and_performance_scores(tmp_path: Path) -> None:
    patient = _one(tmp_path, "id,markers,CD123,KPS", "p1,CD117+; CD7 -; FLT3 not detected; CD33 positive,neg,70")
    results = {b.name: b.result for b in patient.biomarkers}
    assert results == {
        "CD117": "positive",
        "CD7": "negative",
        "FLT3": "negative",
        "CD33": "positive",
        "CD123": "negative",
    }
    assert patient.performance_status is not None
    assert (patient.performance_status.scale, patient.performance_status.value) == ("Karnofsky", 70)
    ecog = _one(tmp_path, "id,ECOG", "p2,1")
    assert ecog.performance_status is not None and ecog.performance_status.scale == "ECOG"


def test_the_example_file_is_read_whole() -> None:
    assert csv_notices(EXAMPLE) == []
    patients = list(read_patients(EXAMPLE))
    assert all(isinstance(p, Patient) for p in patients) and len(patients) == 4
    first = patients[0]
    assert isinstance(first, Patient)
    assert first.bone_marrow_blasts and first.treatments and first.labs and first.performance_status
    assert any(h.name == "stem cell transplant" and not h.present for h in first.history)


def test_unknown_columns_are_named() -> None:
    header = read_header(
        ("id", "age", "weight change [kg]", "favourite colour", "blasts [x10^9/L]", "age", "ecog", "ECOG PS")
    )
    assert header.unknown == ("weight change [kg]", "favourite colour", "blasts [x10^9/L]")
    assert header.repeated == ("age", "ECOG PS")
    said = " ".join(header.notices())
    assert "'favourite colour'" in said and "'weight change [kg]'" in said
    assert "not read: 'age', 'ECOG PS': another column of the same name or meaning is read" in said
    understood = read_header(("bone marrow blasts [%]", "total bilirubin [mg/dL]", "CD33", "kps"))
    assert understood.unknown == () and [c.field for c in understood.columns] == [
        "blast count",
        "lab",
        "marker",
        "karnofsky",
    ]


@pytest.mark.parametrize(
    ("header", "row", "said"),
    [
        ("id,age", "p1,abc", "row 1 (p1): column 'age' has 'abc': expected a number"),
        ("id,age", "p1,140", "column 'age' has '140': expected a number less than or equal to 130"),
        ("id,sex", "p1,x", "column 'sex' has 'x': expected 'female', 'male', 'other' or 'unknown'"),
        ("id,total bilirubin [mg/dL]", "p1,0,8", "more cells than the header has columns"),
        ("id,total bilirubin [mg/dL]", "p1,high", "column 'total bilirubin [mg/dL]' has 'high': expected a number"),
        ("id,treatments", "p1,HiDAC 2025/06/02", "column 'treatments' has 'HiDAC 2025/06/02': expected a date"),
        ("id,transplant", "p1,maybe", "column 'transplant' has 'maybe': expected yes, no, allogeneic or autologous"),
        ("id,blasts,blasts method", "p1,20,by eye", "column 'blasts method' has 'by eye': expected morphology or"),
        ("id,bone marrow blasts [%]", "p1,120", "column 'bone marrow blasts [%]' has '120': expected a number less"),
        ("id,CD123", "p1,maybe", "column 'CD123' has 'maybe': expected positive or negative"),
        ("id,ecog,karnofsky", "p1,1,80", "column 'karnofsky' has '80': expected nothing when 'ecog' is given"),
        ("id,pregnant", "p1,perhaps", "column 'pregnant' has 'perhaps': expected yes or no"),
        ("id,ecog", "p1,7", "column 'ecog' has '7': expected a score from 0 to 5"),
        ("id,status", "p1,relapsed", "column 'status' has 'relapsed': expected a diagnosis beside it"),
        ("id,transplant,transplant date", "p1,no,2024-05-01", "column 'transplant date' has '2024-05-01': expected"),
    ],
)
def test_a_bad_value_names_row_column_and_what_was_expected(tmp_path: Path, header: str, row: str, said: str) -> None:
    problem = _problem(tmp_path, header, row)
    assert said in problem and problem.startswith(str(tmp_path / "patients.csv") + ":2: row 1")
    assert "convert" not in problem and "Input should" not in problem


def test_rows_after_a_multiline_cell_are_named_by_their_line(tmp_path: Path) -> None:
    found = _read(tmp_path, 'id,history_yes,age\np1,"epilepsy;\nHIV",40\np2,,abc\n')
    assert isinstance(found[0], Patient) and isinstance(found[1], PatientError)
    assert str(found[1]).startswith(f"{tmp_path / 'patients.csv'}:4: row 2 (p2): column 'age'")


def test_the_column_words_are_checked_when_loaded() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        parse_column_words({"columns": {}, "colour": []})
    with pytest.raises(ValueError, match=r"columns\.weight is not one of"):
        parse_column_words(
            {
                "columns": {"weight": ["weight"]},
                "sex": {},
                "marker_results": {},
                "list_separator": ";",
                "no_transplant": [],
                "blast_header_words": [],
            }
        )


def test_prescreen_reports_unknown_columns_before_the_patients(tmp_path: Path, db_url: str) -> None:
    sheet = tmp_path / "patients.csv"
    sheet.write_text(
        "id,age,diagnosis,status,bone marrow blasts [%],favourite colour\np1,45,AML,relapsed,25,blue\np2,abc,AML,,,\n"
    )
    runner = CliRunner()
    result = runner.invoke(
        app, ["ingest", str(ROOT / "tests" / "data" / "seed-trials"), "--db", db_url], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0
    result = runner.invoke(app, ["prescreen", "NCT07144020", str(sheet), "--db", db_url], env={"COLUMNS": "80"})
    assert result.exit_code == 1
    output = " ".join(result.output.split())  # (the terminal wraps long lines: a long temporary path moves them)
    assert output.index("'favourite colour'") < output.index("p1")
    assert "row 2 (p2): column 'age' has 'abc': expected a number" in output
    assert "could not convert" not in output


def test_a_parquet_table_of_the_same_columns_gives_the_same_patients(tmp_path: Path) -> None:
    """The local engine reads Parquet (a batch of rows at a time) by the CSV's rules: the same patients, a bad
    value named by row and column, the columns it does not know reported before."""
    pacsv = pytest.importorskip("pyarrow.csv")
    parquet = pytest.importorskip("pyarrow.parquet")
    sheet = tmp_path / "patients.csv"
    sheet.write_text(EXAMPLE.read_text(encoding="utf-8") + "P005,2026-11-01,old,F,AML,,,,,,,,,,,,,,,,,,\n")
    table = tmp_path / "patients.parquet"
    parquet.write_table(pacsv.read_csv(sheet, convert_options=pacsv.ConvertOptions(strings_can_be_null=False)), table)
    from_csv, from_parquet = list(read_patients(sheet)), list(read_patients(table))
    assert [p.model_dump() for p in from_parquet[:-1]] == [p.model_dump() for p in from_csv[:-1]]  # type: ignore[union-attr]
    assert len(from_parquet) == 5 and isinstance(from_parquet[-1], PatientError)
    assert str(from_parquet[-1]).startswith(f"{table}:5: row 5 (P005): column 'age' has 'old'")
    assert csv_notices(table) == [n.replace(str(sheet), str(table)) for n in csv_notices(sheet)]
    (broken := tmp_path / "broken.parquet").write_bytes(b"not parquet")
    (problem,) = read_patients(broken)
    assert isinstance(problem, PatientError) and "cannot read as Parquet" in str(problem)
