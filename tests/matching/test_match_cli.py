"""`trialscope match`, `prescreen` and `match-eval` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import FIXTURES, shared_data
from trialscope.cli import app
from trialscope.patients.fhir import bundle_from_patient
from trialscope.patients.files import load_patient

runner = CliRunner()
GOLD = FIXTURES / "gold" / "patients"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "220"})
    return result.exit_code, result.output


def test_one_trial_in_the_gold_result_shape(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run(
        "match",
        "--patient",
        str(GOLD / "v03-prior-cart.json"),
        "--trial",
        "NCT07342244",
        "--format",
        "json",
        "--db",
        db_url,
    )
    result = json.loads(out)
    assert code == 0 and result["verdict"] == "not_eligible"
    assert {"status", "explanation"} <= set(result["criteria"][0])
    assert any("CAR-T" in c["explanation"] for c in result["criteria"] if c["status"] == "not_met")


def test_text_view_and_free_text_patient(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run(
        "match",
        "--patient-text",
        "58-year-old woman with relapsed AML, CD7-negative, ECOG 1",
        "--trial",
        "NCT06585345",
        "--db",
        db_url,
    )
    assert code == 0
    assert "verdict: not eligible" in out
    assert "your leukemia is CD7-negative; the trial requires CD7-positive disease" in out


def test_ranking_over_the_catalogue(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), str(shared_data("car-t-monitor", "trials.csv")), "--db", db_url)
    code, out = _run(
        "match", "--patient", str(GOLD / "v01-fit-relapsed.json"), "--format", "json", "--limit", "500", "--db", db_url
    )
    ranked = json.loads(out)
    assert code == 0 and len(ranked) > 10
    verdicts = [m["verdict"] for m in ranked]
    assert verdicts == sorted(verdicts, key=["eligible", "possibly_eligible", "not_eligible"].index)
    ids = {m["nct_id"] for m in ranked}
    assert {"NCT07144020", "NCT06125652", "NCT07342244"} <= ids  # open AML trials
    assert "NCT04599543" not in ids or ranked  # not yet recruiting counts as open
    by_id = {m["nct_id"]: m for m in ranked}
    assert by_id["NCT06585345"]["verdict"] == "not_eligible"  # the CD7 trial: this patient is CD7-negative


def test_bad_patient_file_is_a_clean_error(tmp_path: Path) -> None:
    bad = tmp_path / "p.json"
    bad.write_text('{"age_years": "old"}')
    code, out = _run("match", "--patient", str(bad))
    assert code == 2 and "field age_years" in out and "Traceback" not in out


def test_prescreen_every_input_form(db_url: str, tmp_path: Path) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    profiles = [load_patient(p) for p in sorted(GOLD.glob("*.json"))]
    jsonl = tmp_path / "patients.jsonl"
    jsonl.write_text("\n".join(p.model_dump_json() for p in profiles) + "\n{broken\n")
    folder = tmp_path / "bundles"
    folder.mkdir()
    for p in profiles:
        (folder / f"{p.id}.json").write_text(json.dumps(bundle_from_patient(p)))
    bulk = tmp_path / "export.ndjson"
    bulk.write_text(
        "\n".join(
            json.dumps(
                {**e["resource"], "id": p.id}
                if e["resource"]["resourceType"] == "Patient"
                else {**e["resource"], "subject": {"reference": f"Patient/{p.id}"}}
            )
            for p in profiles
            for e in bundle_from_patient(p)["entry"]
        )
    )
    sheet = tmp_path / "patients.csv"
    sheet.write_text(
        "id,age,sex,diagnosis,status,ecog,biomarkers,history_no,total bilirubin [mg/dL]\n"
        "p1,45,female,acute myeloid leukemia,relapsed,1,CD7+; CD117+,HIV; epilepsy,0.8\n"
        "p2,50,male,acute myeloid leukemia,refractory,1,CD7-,,0.9\n"
        "p3,old,male,AML,,,,,\n"
    )
    for source, expected_rows, expect_problem in (
        (jsonl, 8, True),
        (folder, 8, False),
        (bulk, 8, False),
        (sheet, 2, True),
    ):
        result = runner.invoke(app, ["prescreen", "NCT06585345", str(source), "--format", "json", "--db", db_url])
        code, rows = result.exit_code, json.loads(result.stdout)
        assert len(rows) == expected_rows, source
        assert code == (1 if expect_problem else 0), source
        order = [r["verdict"] for r in rows]
        assert order == sorted(order, key=["eligible", "possibly_eligible", "not_eligible"].index)
    code, out = _run("prescreen", "NCT06585345", str(sheet), "--db", db_url)
    assert "skipped:" in out and ":4" in out  # the unreadable row is named by line


def test_match_eval_prints_the_figures() -> None:
    code, out = _run(
        "match-eval", "--patients", str(FIXTURES / "gold" / "patients"), "--trials", str(FIXTURES / "seed-trials")
    )
    assert code == 0
    assert "json: 40/40 expectations hold" in out and "fhir: 40/40" in out and "text:" in out
