"""The command line on an 80-column terminal: help that names the extras in words with plain placeholders,
lead ids that `leads delete` takes as `leads list` shows them, `match` saying each verdict once, and tables
that fold into lists instead of narrow ladders."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT
from trialscope.cli import app
from trialscope.presentation.terminal import short_ids
from trialscope.store.people import Lead
from trialscope.store.trial_store import TrialStore

runner = CliRunner()
NARROW = {"COLUMNS": "80"}


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


@pytest.mark.parametrize("path", _commands(get_command(app)), ids=" ".join)
def test_help_shows_plain_placeholders_at_80_columns(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env=NARROW)
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|float|path|list\[|int range|float range)", result.output)
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_help_names_the_extras_in_words() -> None:
    result = runner.invoke(app, ["prescreen", "--help"], env={"COLUMNS": "300"})
    assert "needs the optional report extra: pip install 'trialscope[report]'" in result.output
    assert "needs the optional spark extra: pip install 'trialscope[spark]'" in result.output
    assert "(needs '.')" not in result.output
    narrow = runner.invoke(app, ["prescreen", "--help"], env=NARROW).output
    assert "--all-open   " in narrow and re.search(r"--limit +N ", narrow)
    # the command's paragraphs flow: no line of the source ends a line of the help in mid-sentence
    assert "funnel of the criteria that remove the most" in " ".join(narrow.split())


def test_short_ids_are_the_shortest_unique_beginnings() -> None:
    ids = ["abcdefgh1234", "abcdefgh9999", "zzzzzzzzzzzz", "abcdefghij"]
    short = short_ids(ids, 8)
    assert short["zzzzzzzzzzzz"] == "zzzzzzzz"
    assert short["abcdefgh1234"] == "abcdefgh1" and short["abcdefgh9999"] == "abcdefgh9"
    assert short["abcdefghij"] == "abcdefghi"
    assert len(set(short.values())) == len(ids)
    assert all(sum(other.startswith(s) for other in ids) == 1 for s in short.values())


def _lead(lead_id: str, name: str) -> Lead:
    moment = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    return Lead(
        id=lead_id,
        nct_id="NCT07342244",
        recipient="Dr. Fu, the study team of the CD7 CAR-T trial",
        recipient_email="team@example.org",
        site=None,
        name=name,
        email=f"{name.lower()}@example.org",
        phone=None,
        language="en",
        message="Hello",
        status="new",
        created_at=moment,
        expires_at=moment + dt.timedelta(days=90),
    )


def _leads_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'people.db'}"
    with TrialStore.open(url) as store:
        people = store.people
        for lead_id, name in (
            ("Qx_7fA2kLm9sPq0rT1uV3w", "Ana"),
            ("Qx_7fA2kZz8yXw7vU6tS5r", "Bo"),
            ("mN4-bC6dE8fG0hJ2kL4nP6", "Cy"),
        ):
            people.leads.add(_lead(lead_id, name), [])
    return url


def _left(url: str) -> list[str]:
    with TrialStore.open(url) as store:
        return sorted(lead.id for lead in store.people.leads.find())


def test_leads_list_shows_ids_that_leads_delete_takes(tmp_path: Path) -> None:
    db = _leads_db(tmp_path)
    listed = runner.invoke(app, ["leads", "list", "--db", db], env=NARROW)
    assert listed.exit_code == 0
    assert max(len(line.rstrip()) for line in listed.output.splitlines()) <= 80
    shown = {"Qx_7fA2kL", "Qx_7fA2kZ", "mN4-bC6d"}
    assert all(re.search(rf"(^|\W){re.escape(s)}(\W|$)", listed.output, re.MULTILINE) for s in shown)
    deleted = runner.invoke(app, ["leads", "delete", "Qx_7fA2kL", "--db", db])
    assert deleted.exit_code == 0 and "1 lead(s) deleted" in deleted.output
    assert _left(db) == ["Qx_7fA2kZz8yXw7vU6tS5r", "mN4-bC6dE8fG0hJ2kL4nP6"]
    whole = runner.invoke(app, ["leads", "delete", "mN4-bC6dE8fG0hJ2kL4nP6", "--db", db])
    assert whole.exit_code == 0 and _left(db) == ["Qx_7fA2kZz8yXw7vU6tS5r"]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["Qx_7fA"], "'Qx_7fA' begins 2 leads' ids: give more of it"),
        (["Qx"], "'Qx' is too short"),
        (["mN4-bC6dE8fG0hJ2kL4nP6", "Qx_7fA2kQQ"], "no lead's id begins with 'Qx_7fA2kQQ'"),
        (["qx_7fa2kl"], "no lead's id begins with 'qx_7fa2kl'"),  # ids are case-sensitive
        (["Qx%7fA2kL"], "no lead's id begins with 'Qx%7fA2kL'"),  # LIKE's wildcards are only characters
    ],
)
def test_leads_delete_refuses_what_names_no_single_lead(tmp_path: Path, given: list[str], said: str) -> None:
    db = _leads_db(tmp_path)
    result = runner.invoke(app, ["leads", "delete", *given, "--db", db])
    output = " ".join(result.output.split())
    assert result.exit_code == 1 and said in output and "nothing was deleted" in output
    assert len(_left(db)) == 3


def test_match_says_each_verdict_once_at_80_columns(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert runner.invoke(app, ["ingest", str(FIXTURES / "seed-trials"), "--db", db]).exit_code == 0
    result = runner.invoke(
        app, ["match", "--patient", str(ROOT / "examples" / "patient-aml.json"), "--db", db], env=NARROW
    )
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert max(len(line) for line in lines) <= 80
    headings = [line for line in lines if re.fullmatch(r"(eligible|possibly eligible|not eligible) \(\d+\)", line)]
    assert headings and len(headings) == len(set(headings))
    ids = re.findall(r"NCT\d{8}", result.output)
    assert ids and len(ids) == len(set(ids))  # each trial once
    assert sum(int(h.rsplit("(", 1)[1].rstrip(")")) for h in headings) == len(ids)


def test_prescreen_folds_into_a_list_at_80_columns(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'trials.db'}"
    assert runner.invoke(app, ["ingest", str(FIXTURES / "seed-trials"), "--db", db]).exit_code == 0
    sheet = ROOT / "examples" / "site-patients.csv"
    result = runner.invoke(app, ["prescreen", "NCT07144020", str(sheet), "--db", db], env=NARROW)
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines()]
    assert max(len(line) for line in lines) <= 80 and "│" not in result.output
    assert [line for line in lines if re.fullmatch(r"P\d{3}", line)] == sorted(
        {line for line in lines if re.fullmatch(r"P\d{3}", line)}, key=lines.index
    )
    assert re.search(r"^  first questions: \S.{40,}", result.output, re.MULTILINE)  # words, not a ladder
    wide = runner.invoke(app, ["prescreen", "NCT07144020", str(sheet), "--db", db], env={"COLUMNS": "250"})
    assert "│ P001" in wide.output


def test_outbox_and_sync_queries_read_at_80_columns(tmp_path: Path) -> None:
    from trialscope.contact.entries import CheckedContact
    from trialscope.contact.recipients import Recipient
    from trialscope.contact.requests import submit_lead

    db = f"sqlite:///{tmp_path / 'people.db'}"
    with TrialStore.open(db) as store:
        submit_lead(
            store.people,
            nct_id="NCT07342244",
            title="CD7 CAR-T",
            request=CheckedContact(
                Recipient("central-1", "Dr. Fu", "team@example.org", None, True),
                "Ana",
                "ana@example.org",
                None,
                None,
                "Hi",
            ),
            sender="t <t@example.org>",
            reader_language="en",
            base_url="http://127.0.0.1:8000",
        )
    for command in (["outbox", "list"], ["sync-query", "list"]):
        result = runner.invoke(app, [*command, "--db", db], env=NARROW)
        assert result.exit_code == 0, result.output
        assert max(len(line.rstrip()) for line in result.output.splitlines()) <= 80, command
        assert "…" not in result.output, command  # nothing cut short
    queries = runner.invoke(app, ["sync-query", "list", "--db", db], env=NARROW).output
    assert '{"query.cond":"acute myeloid leukemia"}' in queries
    outbox = runner.invoke(app, ["outbox", "list", "--db", db], env=NARROW).output
    assert "team@example.org" in outbox and "ana@example.org" in outbox
