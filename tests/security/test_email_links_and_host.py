"""Probe 7: with no public URL configured, ``POST /alerts`` with ``Host: evil.example`` sent a confirmation
link to evil.example, and stored that address for every later digest. Links in emails now come only from
the configured public URL, and ``serve`` away from loopback refuses to start without one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.mail_server import body
from tests.security.conftest import csrf_of, write_record
from trialscope.cli.app import app as cli
from trialscope.ingest import ingest_paths
from trialscope.mail.delivery import as_message
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

PUBLIC = "https://trials.example.org"


@pytest.fixture
def public_client(seeded_store: TrialStore, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TRIALSCOPE_PUBLIC_URL", PUBLIC)
    with TestClient(create_app(seeded_store, secret=b"security-secret")) as opened:
        yield opened


def _forged_host_posts(client: TestClient, path: str, data: dict[str, str]) -> None:
    token = csrf_of(client, "/trials/NCT07342244")
    answer = client.post(path, data={"csrf_token": token, **data}, headers={"host": "evil.example"})
    assert answer.status_code == 200, answer.text[:300]


def test_a_forged_host_never_reaches_an_alert_s_links(public_client: TestClient, seeded_store: TrialStore) -> None:
    entries = {"kind": "trial", "nct_id": "NCT07342244", "email": "eve@example.org", "consent": "yes"}
    _forged_host_posts(public_client, "/alerts", entries)
    people = seeded_store.people
    [message] = people.outbox.messages()
    assert "evil.example" not in message.message and f"{PUBLIC}/alerts/confirm/" in message.message
    [subscription] = people.personal_data("eve@example.org")["subscriptions"]
    assert people.subscriptions.get(subscription["id"]).base_url == PUBLIC  # type: ignore[union-attr]


def test_a_forged_host_never_reaches_a_receipt_s_links(
    public_client: TestClient, seeded_store: TrialStore, tmp_path: Path
) -> None:
    def reachable(record: dict[str, Any]) -> None:
        contacts = record["protocolSection"].setdefault("contactsLocationsModule", {})
        contacts["centralContacts"] = [{"name": "Dr. Chen", "role": "CONTACT", "email": "team@hospital.example"}]

    ingest_paths(seeded_store, [write_record(tmp_path, "NCT09990002", reachable)])
    form = public_client.get("/trials/NCT09990002/contact").text
    recipient = re.search(r'name="recipient" value="([^"]+)"', form)
    assert recipient
    entries = {
        "recipient": recipient.group(1),
        "name": "Eve",
        "email": "eve@example.org",
        "language": "English",
        "message": "Hello",
        "consent": "yes",
    }
    token = csrf_of(public_client, "/trials/NCT09990002/contact")
    answer = public_client.post(
        "/trials/NCT09990002/contact", data={"csrf_token": token, **entries}, headers={"host": "evil.example"}
    )
    assert answer.status_code in (200, 303), answer.text[:300]
    texts = [body(as_message(m.message)) for m in seeded_store.people.outbox.messages()]
    assert texts and not any("evil.example" in t for t in texts)
    assert any(f"{PUBLIC}/contact/" in t for t in texts)


def test_serving_on_a_public_address_without_a_public_url_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIALSCOPE_PUBLIC_URL", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "TRIALSCOPE_PUBLIC_URL" in result.output


def test_a_public_url_that_is_no_address_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIALSCOPE_PUBLIC_URL", "javascript:alert(1)")
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2 and "TRIALSCOPE_PUBLIC_URL" in result.output
