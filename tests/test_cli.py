"""The trialscope command: ingest summary and exit status, show with every section, stats, history,
changes, and clean errors (no stack trace) for a user's mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES, shared_data
from tests.factories import seed, study, write_json
from trialscope.cli import app

runner = CliRunner()

# What the seed page of NCT07342244 shows, section by section, that `show` must print too.
SEED_PAGE_SECTIONS = [
    "Overview",
    "Key dates",
    "Brief summary",
    "Study design",
    "Arms and interventions",
    "Outcome measures",
    "Eligibility",
    "Sponsors and collaborators",
    "Central contacts",
    "Locations",
    "Countries",
    "Identifiers",
    "Results",
    "Data source",
]
SEED_PAGE_VALUES = [
    "NCT07342244",
    "Not yet recruiting",
    "18 participants",
    "2026-01-30",
    "2029-12-20",
    "2026-01-15",
    "Single group assignment",
    "Treatment",
    "None (open label)",
    "Experimental:Experimental group",
    "Overall survival",
    "18 Years",
    "78 Years",
    "Donghua Zhang",
    "Sponsor-investigator",
    "professor",
    "Andie Fu Fu",
    "15926614832",
    "Wuhan",
    "Hubei",
    "China",
    "DHZ1962-D",
    "No results posted yet",
    "CTCAE toxicity grade < 2",  # markdown escape shown as the character
]


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_ingest_prints_summary_and_exits_1_when_records_were_rejected(db_url: str) -> None:
    code, out = _run("ingest", str(FIXTURES / "ctgov-v2-fixtures"), "--db", db_url)
    assert code == 1
    assert "added" in out and "rejected" in out
    assert "NCT02278341.json: NCT02552212: field protocolSection.identificationModule.nctId: file name says" in out
    code, out = _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url, "--json")
    assert code == 0
    assert json.loads(out)["added"] == 5


def test_ingest_json_summary_lists_each_rejection(tmp_path: Path, db_url: str) -> None:
    bad = study("NCT0000001")
    path = write_json(tmp_path / "page.json", {"studies": [bad, study("NCT00000001")]})
    code, out = _run("ingest", str(path), "--db", db_url, "--json")
    summary = json.loads(out)
    assert code == 1 and summary["added"] == 1 and summary["rejected"] == 1
    assert summary["rejections"][0] == {
        "origin": f"{path}#1",
        "record": "NCT0000001",
        "field": "protocolSection.identificationModule.nctId",
        "reason": "malformed NCT ID 'NCT0000001' (expected NCT followed by 8 digits)",
    }


def test_show_prints_every_section_of_the_seed_page(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run("show", "NCT07342244", "--db", db_url)
    assert code == 0
    for section in SEED_PAGE_SECTIONS:
        assert section in out, section
    for value in SEED_PAGE_VALUES:
        assert value in out, value


def test_show_json_is_the_normalised_record(db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db_url)
    code, out = _run("show", "NCT07342244", "--db", db_url, "--json")
    record = json.loads(out)
    assert code == 0
    assert record["protocolSection"] == seed("NCT07342244")["protocolSection"]
    assert record["trialscope"]["source"] == "ctgov-v2" and record["trialscope"]["version"] == 1


def test_show_unknown_trial(db_url: str) -> None:
    code, out = _run("show", "NCT99999999", "--db", db_url)
    assert code == 1 and "not in the catalogue: NCT99999999" in out


def test_hostile_registry_text_is_printed_literally(tmp_path: Path, db_url: str) -> None:
    hostile = study(title="[bold red]pwned[/] \x1b[2J\x1b]0;evil\x07 title")
    _run("ingest", str(write_json(tmp_path / "h.json", hostile)), "--db", db_url)
    code, out = _run("show", "NCT01234567", "--db", db_url)
    assert code == 0
    assert "[bold red]pwned[/]" in out  # markup shown, not interpreted
    assert "\x1b" not in out and "\x07" not in out  # escape sequences stripped


def test_stats_history_and_changes(tmp_path: Path, db_url: str) -> None:
    _run("ingest", str(write_json(tmp_path / "a.json", study())), "--db", db_url)
    newer = study(status="COMPLETED", last_update="2026-01-01")
    _run("ingest", str(write_json(tmp_path / "b.json", newer)), "--db", db_url)
    code, out = _run("stats", "--db", db_url, "--json")
    assert code == 0 and json.loads(out)["status"] == {"COMPLETED": 1}
    code, out = _run("history", "NCT01234567", "--db", db_url)
    assert code == 0 and "current" in out and "status changed from recruiting to completed" in out
    code, out = _run("changes", "--since", "2000-01-01", "--kind", "status_changed", "--db", db_url, "--json")
    assert code == 0 and [e["new"] for e in json.loads(out)] == ["COMPLETED"]
    code, out = _run("changes", "--since", "yesterday", "--db", db_url)
    assert code == 2 and "--since wants a date" in out


def test_export_round_trips(tmp_path: Path, db_url: str) -> None:
    _run("ingest", str(FIXTURES / "seed-trials"), str(shared_data("car-t-monitor", "trials.csv")), "--db", db_url)
    target = tmp_path / "out.jsonl.gz"
    code, _ = _run("export", str(target), "--db", db_url)
    assert code == 0
    other = f"sqlite:///{tmp_path / 'copy.db'}"
    code, out = _run("ingest", str(target), "--db", other, "--json")
    summary = json.loads(out)
    assert code == 0 and summary["added"] == 2274 and summary["rejected"] == 0
    code, out = _run("stats", "--db", other, "--json")
    assert json.loads(out)["completeness"] == {"partial": 2269, "full": 5}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "unsupported database URL"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_bad_database_url_is_a_clean_error(url: str, message: str) -> None:
    code, out = _run("stats", "--db", url)
    assert code == 2 and message in out and "Traceback" not in out


def test_default_database_starts_with_the_demo_catalogue() -> None:
    code, out = _run("stats", "--json")
    stats = json.loads(out.split("\n", 1)[1])  # first line is the one-time loading notice
    assert code == 0 and stats["trials"] > 2000
    code, out = _run("show", "NCT07144020")
    assert code == 0 and "Donor Derived CD117 CAR-T Cells" in out


def test_ingest_of_a_missing_file_is_a_usage_error(db_url: str) -> None:
    code, out = _run("ingest", "/nonexistent/trials.json", "--db", db_url)
    assert code == 2 and "no such file or folder: /nonexistent/trials.json" in out


def test_the_command_line_loads_no_heavy_stack_until_a_command_runs() -> None:
    """``trialscope --help`` (and any command's help) imports the command modules only: the database,
    search, matching and web stacks load inside the commands that use them (benchmarks/cli_startup.py
    measures the time)."""
    import subprocess
    import sys

    code = (
        "import sys, trialscope.cli\n"
        "heavy = ('sqlalchemy', 'tantivy', 'pydantic', 'fastapi', 'trialscope.store', 'trialscope.matching',"
        " 'trialscope.search', 'trialscope.criteria', 'trialscope.web')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]", loaded
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "prescreen" in result.output and "serve" in result.output


def test_ingest_parses_the_criteria_of_new_trials_unless_told_not_to(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    code, out = _run("ingest", str(FIXTURES / "seed-trials"), "--db", db, "--json", "--no-criteria")
    assert code == 0 and "criteria" not in json.loads(out)
    code, out = _run("ingest", str(FIXTURES / "seed-trials"), "--db", db, "--json")
    assert code == 0 and json.loads(out)["criteria"] == {"parsed": 5, "texts_read": 5, "failed": 0}
    code, out = _run("ingest", str(FIXTURES / "seed-trials"), "--db", db)  # nothing new: nothing parsed
    assert code == 0 and "criteria parsed" not in out
