"""Alerts end to end, through the pages and a real SMTP server: double opt-in, digests built from the
change events an import records, each change announced once, one-click unsubscribe (RFC 8058), search and
profile alerts that name only the trials that match, and the Atom feed of a search."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from defusedxml import ElementTree
from fastapi.testclient import TestClient

from tests.conftest import FIXTURES
from tests.mail_server import MailServer, body
from tests.web.conftest import csrf
from trialscope.alerts.digests import send_alerts
from trialscope.ingest import ingest_paths
from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

SEEDS = FIXTURES / "seed-trials"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[TrialStore]:
    with TrialStore.open(f"sqlite:///{tmp_path / 'alerts.db'}") as opened:
        ingest_paths(opened, sorted(SEEDS.glob("*.json")))
        yield opened


@pytest.fixture
def client(store: TrialStore, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TRIALSCOPE_SMTP_URL", mail_server.url)
    with TestClient(create_app(store, secret=b"alerts-secret", public_url="http://testserver")) as test_client:
        yield test_client


def _mail_to(server: MailServer, address: str, count: int) -> list[EmailMessage]:
    deadline = time.monotonic() + 10
    while len(server.handler.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.handler.to(address)


def _confirm(client: TestClient, server: MailServer, address: str) -> None:
    [confirmation] = _mail_to(server, address, 1)
    link = re.search(r"http://testserver(/alerts/confirm/\S+)", body(confirmation))
    assert link, body(confirmation)
    assert "Alert confirmed" in client.get(link.group(1)).text


def _changed(
    tmp_path: Path, nct_id: str, *, new_id: str | None = None, status: str | None = None, title: str | None = None
) -> Path:
    record = json.loads((SEEDS / f"{nct_id}.json").read_text())
    protocol = record["protocolSection"]
    if new_id:
        protocol["identificationModule"]["nctId"] = new_id
    if title:
        protocol["identificationModule"]["briefTitle"] = title
    if status:
        protocol["statusModule"]["overallStatus"] = status
    protocol["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-30", "type": "ACTUAL"}
    path = tmp_path / f"{new_id or nct_id}.json"
    path.write_text(json.dumps(record))
    return path


def _send(store: TrialStore, server: MailServer) -> None:
    people = store.people
    send_alerts(store, people, "trialscope <noreply@trialscope.test>")
    deliver_due(people, SmtpSettings.from_url(server.url))


def test_a_trial_alert_is_confirmed_announces_each_change_once_and_stops_in_one_click(
    client: TestClient, store: TrialStore, mail_server: MailServer, tmp_path: Path
) -> None:
    token = csrf(client, "/trials/NCT07342244")
    signed_up = client.post(
        "/alerts",
        data={
            "csrf_token": token,
            "kind": "trial",
            "nct_id": "NCT07342244",
            "email": "ana@example.org",
            "consent": "yes",
        },
    )
    assert "Check your email" in signed_up.text
    _send(store, mail_server)
    assert len(_mail_to(mail_server, "ana@example.org", 1)) == 1  # only the confirmation: nothing before opt-in
    _confirm(client, mail_server, "ana@example.org")

    ingest_paths(store, [_changed(tmp_path, "NCT07342244", status="RECRUITING")])
    _send(store, mail_server)
    _confirmation, digest = _mail_to(mail_server, "ana@example.org", 2)
    assert "status changed from not yet recruiting to recruiting" in body(digest)
    assert "http://testserver/trials/NCT07342244" in body(digest)
    unsubscribe = digest["List-Unsubscribe"].strip("<>")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    _send(store, mail_server)  # nothing new: nothing sent, and the change is not announced twice
    assert len(mail_server.handler.to("ana@example.org")) == 2

    path = unsubscribe.removeprefix("http://testserver")
    assert "Stop these emails" in client.get(path).text
    assert (
        client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    )  # no CSRF token: the link is the proof
    assert store.people.subscriptions.confirmed() == []
    ingest_paths(store, [_changed(tmp_path, "NCT07342244", status="ACTIVE_NOT_RECRUITING")])
    _send(store, mail_server)
    assert len(mail_server.handler.to("ana@example.org")) == 2


def test_a_search_alert_names_only_new_trials_the_search_finds(
    client: TestClient, store: TrialStore, mail_server: MailServer, tmp_path: Path
) -> None:
    page = client.get("/search", params={"q": "CD117"})
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
    hidden = dict(re.findall(r'<input type="hidden" name="(q|status)" value="([^"]*)"', page.text))
    assert hidden == {"q": "CD117"}  # the search's own filters go with the sign-up
    client.post(
        "/alerts", data={"csrf_token": token, "kind": "search", "email": "bo@example.org", "consent": "yes", **hidden}
    )
    _send(store, mail_server)
    _confirm(client, mail_server, "bo@example.org")

    ingest_paths(
        store,
        [
            _changed(tmp_path, "NCT07342244", new_id="NCT09900001", title="CD117 CAR-T cells for relapsed AML"),
            _changed(tmp_path, "NCT07342244", new_id="NCT09900002", title="A study of exercise after surgery"),
            _changed(tmp_path, "NCT07144020", status="COMPLETED"),  # found by the search, but no new chance
        ],
    )
    _send(store, mail_server)
    _confirmation, digest = _mail_to(mail_server, "bo@example.org", 2)
    assert "NCT09900001" in body(digest) and "NCT09900002" not in body(digest)
    assert "NCT07144020" not in body(digest)
    assert "/search.atom?q=CD117" in body(digest)


def test_a_profile_alert_keeps_the_profile_only_with_consent(
    client: TestClient, store: TrialStore, mail_server: MailServer
) -> None:
    token = csrf(client, "/find")
    found = client.post(
        "/find", data={"csrf_token": token, "text": "45-year-old man with relapsed AML, CD117 positive, ECOG 1"}
    )
    profile = re.search(r'name="profile" value="([^"]*)"', found.text)
    assert profile
    profile_json = profile.group(1).replace("&#34;", '"').replace("&quot;", '"')
    entries = {
        "csrf_token": token,
        "kind": "profile",
        "email": "cy@example.org",
        "consent": "yes",
        "profile": profile_json,
    }
    refused = client.post("/alerts", data=entries)
    assert refused.status_code == 400 and "keep your profile" in refused.text
    assert "Check your email" in client.post("/alerts", data={**entries, "keep_profile": "yes"}).text
    [subscription] = [s for s in store.people.personal_data("cy@example.org")["subscriptions"]]
    assert subscription["kind"] == "profile" and subscription["params"]["profile"]["age_years"] == 45
    assert "summary" not in subscription["params"]["profile"]  # what was understood, not the words typed


def test_signing_up_needs_consent_and_a_usable_address(client: TestClient) -> None:
    token = csrf(client, "/trials/NCT07342244")
    entries = {"csrf_token": token, "kind": "trial", "nct_id": "NCT07342244", "email": "dee@example.org"}
    assert client.post("/alerts", data=entries).status_code == 400
    assert "cannot be used" in client.post("/alerts", data={**entries, "consent": "yes", "email": "dee@"}).text
    assert client.post("/alerts", data={**entries, "consent": "yes", "csrf_token": "0" * 64}).status_code == 403
    assert "does not work" in client.get("/alerts/confirm/not-a-token").text


def test_the_feed_of_a_search_is_atom_with_the_registry_text_escaped(client: TestClient) -> None:
    feed = client.get("/search.atom", params={"q": "AML"})
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    entries = root.findall(f"{ATOM}entry")
    assert entries and all(
        e.find(f"{ATOM}link").get("href", "").startswith("http://testserver/trials/NCT") for e in entries
    )  # type: ignore[union-attr]
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/search.atom?q=AML"  # type: ignore[union-attr]
