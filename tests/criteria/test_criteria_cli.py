"""`trialscope criteria` (text, flat, json; NCT IDs or a text file) and `trialscope criteria-eval`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import FIXTURES, shared_data
from trialscope.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_text_view_puts_each_item_beside_what_was_understood(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run("criteria", "NCT07342244", "--db", db_url)
    assert code == 0
    assert "[Inclusion a] (read) Alanine aminotransferase (ALT) ≤ 3 × upper limit of normal (ULN)" in out
    assert "-> ALT ≤ 3 × ULN" in out
    assert "(partly read)" in out and "?? not weighed:" in out  # what stopped a sure reading is shown
    assert "items read" in out and "partly read" in out
    assert "must not have: prior live vaccine within 4 weeks before screening" in out
    assert "[Check] the criteria text says age <= 75 years but the record's maximum age is 78 Years" in out


def test_flat_format_for_a_trial_and_for_a_text_file(db_url: str, tmp_path: Path) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run("criteria", "NCT07144020", "--format", "flat", "--db", db_url)
    flat = json.loads(out)
    assert code == 0 and isinstance(flat, list)
    bilirubin = next(c for c in flat if c.get("quantity") == "total bilirubin" and c["unit"] == "xULN")
    assert bilirubin | {"id": None} == {
        "polarity": "include",
        "kind": "numeric",
        "quantity": "total bilirubin",
        "code": "LOINC:1975-2",
        "comparator": "<=",
        "value": 1.5,
        "unit": "xULN",
        "id": None,
        "span": bilirubin["span"],
        "text": "≤1.5 × ULN",
    }
    text = "Exclusion Criteria:\n\n* Creatinine>2.5mg/dl"
    path = tmp_path / "criteria.txt"
    path.write_text(text, encoding="utf-8")
    code, out = _run("criteria", "--text-file", str(path), "--format", "flat")
    (constraint,) = json.loads(out)
    assert code == 0 and text[constraint["span"][0] : constraint["span"][1]] == ">2.5mg/dl"


def test_unknown_trial_and_missing_arguments(db_url: str) -> None:
    assert _run("criteria", "NCT99999999", "--db", db_url)[0] == 1
    code, out = _run("criteria")
    assert code == 2 and "give NCT IDs or --text-file FILE" in out


def test_criteria_eval_prints_scores() -> None:
    code, out = _run("criteria-eval", "--shared", str(shared_data().parent), "--no-lct")
    assert code == 0
    assert "numeric                      precision 1.000  recall 1.000" in out
    assert "concepts (all)" in out and "prior_therapy" in out
