"""The lean path of a table's rows (``patients/table.py``: ``row_plan``, ``lean_profile``, ``lean_patient``)
gives the patient the full path gives (``patient_from_cells``), field for field, on the vignettes and on
generated populations; a row it does not take is read by the full path, so a refused row is named by file,
line or row, and column in the same words, from a CSV and from a Parquet table."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from tests.conftest import ROOT
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.patients.sources import PatientError, read_patients
from trialscope.patients.synthetic import synthetic_population
from trialscope.patients.table import _profile, lean_patient, lean_profile, patient_from_cells, row_plan

VIGNETTES = sorted((ROOT / "tests" / "data" / "vignettes").glob("*.json"))
EXAMPLE = ROOT / "examples" / "site-patients.csv"
LABS = (
    ("ALT", "U/L"),
    ("AST", "U/L"),
    ("LVEF", "%"),
    ("creatinine", "mg/dL"),
    ("creatinine clearance", "mL/min"),
    ("hemoglobin", "g/L"),
    ("total bilirubin", "mg/dL"),
)
HEADER = (
    "id",
    "as of",
    "age",
    "birth date",
    "sex",
    "diagnosis",
    "status",
    "subtype",
    "ecog",
    "karnofsky",
    "life expectancy [months]",
    "pregnant",
    "biomarkers",
    "history yes",
    "history no",
    "treatments",
    "blasts",
    "PB blasts by flow [%]",
    "CD33",
    *(f"{name} [{unit}]" for name, unit in LABS),
)


def _cells(patient: Patient, rng: random.Random) -> list[str]:
    """A patient as a row of ``HEADER`` (the prescreen columns), with some spelling a site might use."""
    condition = patient.conditions[0] if patient.conditions else None
    status = patient.performance_status
    values: dict[str, float] = {v.name: v.value for v in patient.labs}
    values.update({v.name: v.value for v in patient.measurements})

    def treatment(t: Any) -> str:
        when = f" {t.date}" + (f" to {t.end_date}" if t.end_date else "") if t.date else ""
        return f"{t.category + ': ' if t.category else ''}{t.name}{when}"

    marker = rng.choice(("", "+", "neg", "positive", " not detected "))
    return [
        patient.id,
        str(patient.as_of),
        "" if patient.age_years is None else f"{patient.age_years:g}",
        str(patient.birth_date or ""),
        rng.choice(("", "F", "M", "woman", "unknown")) if patient.sex is None else patient.sex,
        condition.name if condition else "",
        (condition.status or "") if condition else "",
        (condition.subtype or "") if condition else "",
        f"{status.value:g}" if status and status.scale == "ECOG" else "",
        f"{status.value:g}" if status and status.scale == "Karnofsky" else "",
        f"{patient.life_expectancy_months:g}" if patient.life_expectancy_months else "",
        "" if patient.pregnant is None else rng.choice(("yes", "no", "true", "0")),
        "; ".join(f"{b.name} {b.result}" for b in patient.biomarkers) + rng.choice(("", "; CD123+", "; ")),
        "; ".join(h.name for h in patient.history if h.present and ";" not in h.name),
        "; ".join(h.name for h in patient.history if not h.present and ";" not in h.name),
        "; ".join(treatment(t) for t in patient.treatments if ";" not in t.name),
        f"{patient.bone_marrow_blasts[0].value:g}%" if patient.bone_marrow_blasts else "",
        rng.choice(("", "3", "0.5")),
        marker.strip(),
        *(f"{values[name]:g}" if name in values else "" for name, _ in LABS),
    ]


def _population() -> list[Patient]:
    templates = [load_patient(p) for p in VIGNETTES]
    return templates + list(synthetic_population(templates, 400, seed=7))


def _shape(value: Any) -> Any:
    """A model whole: its values and, at every level, which fields were given."""
    if isinstance(value, BaseModel):
        return (type(value).__name__, sorted(value.model_fields_set), {k: _shape(v) for k, v in value})
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return value


def test_the_lean_path_gives_the_full_paths_patient() -> None:
    rng = random.Random(3)
    plan = row_plan(HEADER)
    assert plan.lean
    taken = 0
    for patient in _population():
        cells = _cells(patient, rng)
        row = dict(zip(HEADER, cells, strict=True))
        full = patient_from_cells(plan.header, row, "patients.csv:2")
        expected = _profile(plan.header, row, tracked=False).data
        expected.setdefault("id", "patients.csv:2")
        assert lean_profile(plan, cells, "patients.csv:2") == expected
        lean = lean_patient(plan, cells, "patients.csv:2")
        assert lean is not None, row
        assert _shape(lean) == _shape(full) and lean.ignored == full.ignored == []
        taken += 1
    assert taken == len(VIGNETTES) + 400


def test_the_files_read_by_the_lean_path_give_the_full_paths_patients(tmp_path: Path) -> None:
    """A CSV and the same Parquet table: each patient as the full path reads its row, in order."""
    pacsv = pytest.importorskip("pyarrow.csv")
    parquet = pytest.importorskip("pyarrow.parquet")
    rng = random.Random(5)
    rows = [_cells(p, rng) for p in _population()]
    import csv

    sheet = tmp_path / "patients.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    table = tmp_path / "patients.parquet"
    options = pacsv.ConvertOptions(strings_can_be_null=False)
    parquet.write_table(pacsv.read_csv(sheet, convert_options=options), table, row_group_size=100)
    plan = row_plan(HEADER)
    for path in (sheet, table):
        read = list(read_patients(path))
        assert len(read) == len(rows)
        for number, (patient, cells) in enumerate(zip(read, rows, strict=True), start=1):
            origin = f"{path}:{number + 1 if path == sheet else number}"
            full = patient_from_cells(plan.header, dict(zip(HEADER, cells, strict=True)), origin)
            assert isinstance(patient, Patient) and _shape(patient) == _shape(full), (path, number)


def test_rows_the_lean_path_leaves_are_read_by_the_full_path(tmp_path: Path) -> None:
    """A transplant column, two scores, a status without a diagnosis, a marker word it does not know: the full
    path reads the row (or refuses it, in its words)."""
    plan = row_plan(("id", "transplant"))
    assert not plan.lean and lean_patient(plan, ["p1", "allogeneic"], "x") is None
    assert lean_patient(row_plan(("id", "ecog", "karnofsky")), ["p1", "1", "80"], "x") is None
    assert lean_patient(row_plan(("id", "status")), ["p1", "relapsed"], "x") is None
    assert lean_patient(row_plan(("id", "CD33")), ["p1", "maybe"], "x") is None
    assert lean_patient(row_plan(("id", "treatments")), ["p1", "HiDAC 2025/06/02"], "x") is None
    assert lean_patient(row_plan(("id", "age")), ["p1", "abc"], "x") is None
    sheet = tmp_path / "patients.csv"
    sheet.write_text("id,transplant,transplant date\np1,allogeneic,2024-05-20\n", encoding="utf-8")
    (patient,) = read_patients(sheet)
    assert isinstance(patient, Patient) and patient.treatments[0].name == "allogeneic transplant"


def _said(tmp_path: Path, text: str) -> list[str]:
    sheet = tmp_path / "patients.csv"
    sheet.write_text(text, encoding="utf-8")
    return [str(p) if isinstance(p, PatientError) else p.id for p in read_patients(sheet)]


def test_a_csv_rows_shape_is_read_as_before(tmp_path: Path) -> None:
    """A short row's missing cells are empty, a long row is refused, a blank line is no row (the next row is
    named by the line after the previous row), a header written twice reads its last column, a BOM is no
    part of the first header."""
    where = str(tmp_path / "patients.csv")
    assert _said(tmp_path, "id,age,sex\np1,40\np2,40,F,x\n\n\np3,abc,F\n") == [
        "p1",
        f"{where}:3: row 2 (p2): more cells than the header has columns",
        f"{where}:4: row 3 (p3): column 'age' has 'abc': expected a number",
    ]
    sheet = tmp_path / "patients.csv"
    sheet.write_bytes("\ufeffid,age,age\np1,abc,40\n".encode())
    (read,) = read_patients(sheet)
    assert isinstance(read, Patient) and (read.id, read.age_years) == ("p1", 40)
    assert _said(tmp_path, "") == [] and _said(tmp_path, "id,age\n") == []


@pytest.mark.parametrize(
    ("header", "row", "said"),
    [
        ("id,age", "p1,abc", "row 1 (p1): column 'age' has 'abc': expected a number"),
        ("id,age", "p1,140", "row 1 (p1): column 'age' has '140': expected a number less than or equal to 130"),
        ("id,sex", "p1,x", "row 1 (p1): column 'sex' has 'x': expected 'female', 'male', 'other' or 'unknown'"),
        ("id,treatments", "p1,HiDAC 2025/06/02", "row 1 (p1): column 'treatments' has 'HiDAC 2025/06/02': expected"),
        ("id,CD123", "p1,maybe", "row 1 (p1): column 'CD123' has 'maybe': expected positive or negative (+ or -)"),
        ("id,ecog", "p1,7", "row 1 (p1): column 'ecog' has '7': expected a score from 0 to 5"),
        ("id,history yes,age", "p1,HIV,-3", "row 1 (p1): column 'age' has '-3': expected a number greater than"),
        (
            "id,as of,birth date",
            "p1,2026-01-01,1800-01-01",
            "row 1 (p1): : Value error, birth_date 1800-01-01 gives an impossible age",
        ),
    ],
)
def test_a_refused_row_is_named_alike_in_a_csv_and_a_parquet_table(
    tmp_path: Path, header: str, row: str, said: str
) -> None:
    pacsv = pytest.importorskip("pyarrow.csv")
    parquet = pytest.importorskip("pyarrow.parquet")
    sheet = tmp_path / "patients.csv"
    sheet.write_text(f"{header}\np0,\n{row}\n".replace("p0,\n", "p0" + "," * header.count(",") + "\n"))
    table = tmp_path / "patients.parquet"
    options = pacsv.ConvertOptions(strings_can_be_null=False, column_types=dict.fromkeys(header.split(","), "string"))
    parquet.write_table(pacsv.read_csv(sheet, convert_options=options), table)
    for path, origin in ((sheet, f"{sheet}:3"), (table, f"{table}:2")):
        first, problem = read_patients(path)
        assert isinstance(first, Patient) and first.id == "p0"
        assert isinstance(problem, PatientError)
        assert str(problem).startswith(f"{origin}: {said.replace('row 1', 'row 2')}"), str(problem)


def test_the_answers_of_a_table_are_shared_and_cannot_change() -> None:
    """Rows answering alike share each answer's one validated item (made once): a history item is frozen, so
    no patient's answer can change another's."""
    from pydantic import ValidationError

    plan = row_plan(("id", "history yes", "history no"))
    first = lean_patient(plan, ["p1", "epilepsy", "HIV; stroke"], "x")
    second = lean_patient(plan, ["p2", "stroke", "HIV"], "x")
    assert first is not None and second is not None
    assert first.history[1] is second.history[1]  # "HIV", no
    assert [(h.name, h.present) for h in first.history] == [("epilepsy", True), ("HIV", False), ("stroke", False)]
    with pytest.raises(ValidationError, match="frozen"):
        first.history[1].present = True  # type: ignore[misc]
