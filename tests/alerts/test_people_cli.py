"""The commands for what visitors leave: leads list / export / delete, the outbox, operator accounts,
alerts send (also after a sync), and a person's data (export, delete, purge), against a real SMTP server."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import FIXTURES
from tests.factories import queue_mails
from tests.mail_server import MailServer
from trialscope.cli import app
from trialscope.contact.entries import CheckedContact
from trialscope.contact.recipients import Recipient
from trialscope.contact.requests import submit_lead
from trialscope.operators import check_operator
from trialscope.store.people import new_id
from trialscope.store.trial_store import TrialStore

runner = CliRunner()


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'people.db'}"
    with TrialStore.open(url) as store:
        people = store.people
        for name, address in (("Ana Li", "ana@example.org"), ("Bo Wu", "bo@example.org")):
            submit_lead(
                people,
                nct_id="NCT07342244",
                title="CD7 CAR-T",
                request=CheckedContact(
                    Recipient("central-1", "Dr. Fu", "team@example.org", None, True), name, address, None, None, "Hello"
                ),
                sender="t <t@example.org>",
                reader_language="en",
                base_url="http://127.0.0.1:8000",
            )
    return url


def _run(*args: str, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert result.exit_code == 0, result.output
    return result.output


def test_leads_list_export_and_delete(tmp_path: Path) -> None:
    db = _db(tmp_path)
    listed = json.loads(_run("leads", "list", "--db", db, "--json"))
    assert sorted(lead["email"] for lead in listed) == ["ana@example.org", "bo@example.org"]
    assert all(lead["status"] == "new" for lead in listed)
    _run("leads", "export", "--db", db, "--output", str(tmp_path / "leads.jsonl"))
    assert len((tmp_path / "leads.jsonl").read_text().splitlines()) == 2
    _run("leads", "delete", listed[0]["id"], "--db", db)
    assert len(json.loads(_run("leads", "list", "--db", db, "--json"))) == 1
    bad = runner.invoke(app, ["leads", "list", "--db", db, "--status", "lost"])
    assert bad.exit_code == 2 and "unknown status" in bad.output and "Traceback" not in bad.output


def test_outbox_waits_without_a_server_and_sends_with_one(tmp_path: Path, mail_server: MailServer) -> None:
    db = _db(tmp_path)
    waiting = runner.invoke(app, ["outbox", "send", "--db", db], env={"TRIALSCOPE_SMTP_URL": ""})
    assert "wait in the outbox" in waiting.output
    assert {m["status"] for m in json.loads(_run("outbox", "list", "--db", db, "--json"))} == {"waiting"}
    sent = runner.invoke(app, ["outbox", "send", "--db", db], env={"TRIALSCOPE_SMTP_URL": mail_server.url})
    assert "4 sent" in sent.output
    assert len(mail_server.received) == 4  # two leads to the team, two receipts
    assert {lead["status"] for lead in json.loads(_run("leads", "list", "--db", db, "--json"))} == {"sent"}


def test_personal_data_export_delete_and_purge(tmp_path: Path) -> None:
    db = _db(tmp_path)
    exported = json.loads(_run("personal-data", "export", "--db", db, "--email", "ANA@example.org"))
    assert [lead["name"] for lead in exported["leads"]] == ["Ana Li"]
    assert "Bo Wu" not in json.dumps(exported)
    deleted = runner.invoke(app, ["personal-data", "delete", "--db", db, "--email", "ana@example.org"])
    assert "1 lead(s)" in deleted.output
    assert json.loads(_run("personal-data", "export", "--db", db, "--email", "ana@example.org"))["leads"] == []
    assert "0 leads" in runner.invoke(app, ["personal-data", "purge", "--db", db]).output


def test_operator_add(tmp_path: Path) -> None:
    db = _db(tmp_path)
    _run("operator", "add", "olga", "--db", db, env={"TRIALSCOPE_OPERATOR_PASSWORD": "a long passphrase 2"})
    with TrialStore.open(db) as store:
        assert check_operator(store.people, "olga", "a long passphrase 2")
    short = runner.invoke(app, ["operator", "add", "olga", "--db", db], env={"TRIALSCOPE_OPERATOR_PASSWORD": "short"})
    assert short.exit_code == 2 and "at least 12 characters" in short.output


def test_alerts_send_reports_and_delivers(tmp_path: Path, mail_server: MailServer) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    _run("ingest", str(FIXTURES / "seed-trials"), "--db", db)
    result = runner.invoke(app, ["alerts", "send", "--db", db], env={"TRIALSCOPE_SMTP_URL": mail_server.url})
    assert result.exit_code == 0 and "0 subscription(s)" in result.output and "0 sent" in result.output


def test_new_ids_never_read_as_options_and_an_old_one_is_deleted_after_a_double_dash(tmp_path: Path) -> None:
    # One URL-safe token in 64 began with "-", which the command line took for an option (a CI run failed
    # on it); ids are now hex, and one stored by an earlier version still goes after "--".
    assert not any(new_id().startswith("-") for _ in range(2000))
    url = f"sqlite:///{tmp_path / 'people.db'}"
    with TrialStore.open(url) as store:
        queue_mails(store.people, [])
        old_id = "-" + new_id()[:21]
        store.people.leads.add(dataclasses.replace(store.people.leads.find()[0], id=old_id), [])
    _run("leads", "delete", "--db", url, "--", old_id)
    assert old_id not in {lead["id"] for lead in json.loads(_run("leads", "list", "--db", url, "--json"))}
