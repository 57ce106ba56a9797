"""Contact the study team through the pages, with a real SMTP server: the form, the nearest site first,
consent, the lead sent once, the person's receipt and withdrawal, bad entries shown again in the reader's
language with what they typed, and floods refused."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.mail_server import MailServer, body
from tests.web.conftest import csrf
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

pytestmark = pytest.mark.usefixtures("fresh_limits")

TRIAL = "NCT03281889"  # a demo trial whose record gives email addresses: a central contact and two sites


@pytest.fixture
def mailing_client(
    web_store: TrialStore, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("TRIALSCOPE_SMTP_URL", mail_server.url)
    monkeypatch.setenv("TRIALSCOPE_MAIL_FROM", "trialscope <noreply@trialscope.test>")
    with TestClient(create_app(web_store, secret=b"test-secret")) as client:
        yield client


def _wait_for(mail_server: MailServer, address: str, count: int = 1) -> None:
    deadline = time.monotonic() + 10
    while len(mail_server.handler.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def _entries(token: str, **changes: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "recipient": "site-2",
        "name": "Ana Li",
        "email": "ana.li@example.org",
        "phone": "+1 617 555 0100",
        "language": "English",
        "message": "Could my son take part? He is 9.",
        "consent": "yes",
        **changes,
    }


def test_the_trial_page_offers_contact_and_the_form_lists_the_nearest_site_first(client: TestClient) -> None:
    page = client.get(f"/trials/{TRIAL}")
    assert f'href="/trials/{TRIAL}/contact"' in page.text
    assert 'href="https://clinicaltrials.gov/study/NCT03281889"' in page.text
    form = client.get(f"/trials/{TRIAL}/contact", params={"near": "Houston"})
    keys = re.findall(r'name="recipient" value="([\w-]+)"', form.text)
    assert keys[0] == "site-2"  # MD Anderson, Houston: the nearest open site
    assert keys[1] == "central-1"
    assert "keeps them for 90 days" in form.text  # the consent says what, to whom, how long


def test_a_request_reaches_the_chosen_site_once_and_the_person_can_withdraw(
    mailing_client: TestClient, mail_server: MailServer, web_store: TrialStore
) -> None:
    token = csrf(mailing_client, f"/trials/{TRIAL}/contact")
    sent = mailing_client.post(f"/trials/{TRIAL}/contact", data=_entries(token), follow_redirects=False)
    assert sent.status_code == 303
    status_url = sent.headers["location"]
    page = mailing_client.get(status_url)
    assert "Thank you" in page.text and "Susan McGovern" in page.text
    _wait_for(mail_server, "slmcgove@mdanderson.org")
    _wait_for(mail_server, "ana.li@example.org")
    [team] = mail_server.handler.to("slmcgove@mdanderson.org")
    assert "Could my son take part? He is 9." in body(team) and "+16175550100" in body(team)
    assert team["Reply-To"] == "ana.li@example.org"
    [receipt] = mail_server.handler.to("ana.li@example.org")
    lead_id = status_url.split("/")[2].split("?")[0]
    assert f"/contact/{lead_id}" in body(receipt)
    people = web_store.people
    deadline = time.monotonic() + 5
    while people.leads.get(lead_id).status != "sent" and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    assert people.leads.get(lead_id).status == "sent"  # type: ignore[union-attr]
    token = csrf(mailing_client, status_url)
    mailing_client.post(f"/contact/{lead_id}/withdraw", data={"csrf_token": token})
    withdrawn = people.leads.get(lead_id)
    assert withdrawn is not None and withdrawn.status == "withdrawn" and withdrawn.email is None
    assert "Request withdrawn" in mailing_client.get(f"/contact/{lead_id}").text
    assert len(mail_server.handler.to("slmcgove@mdanderson.org")) == 1  # sent once


def test_without_a_mail_server_the_request_waits_in_the_outbox(client: TestClient, web_store: TrialStore) -> None:
    token = csrf(client, f"/trials/{TRIAL}/contact")
    sent = client.post(f"/trials/{TRIAL}/contact", data=_entries(token, email="bo@example.org"), follow_redirects=False)
    lead_id = sent.headers["location"].split("/")[2].split("?")[0]
    people = web_store.people
    assert people.leads.get(lead_id).status == "new"  # type: ignore[union-attr]
    waiting = [m for m in people.outbox.messages("waiting") if m.lead_id == lead_id]
    assert {m.kind for m in waiting} == {"lead", "lead_receipt"}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"email": "ana@", "phone": ""}, "cannot be used"),
        ({"email": "", "phone": ""}, "Give an email address or a phone number"),
        ({"phone": "617 555 0100"}, "country code"),
        ({"consent": ""}, "Tick the box"),
        ({"message": " "}, "Write a short message"),
        ({"recipient": "site-99"}, "Choose whom to write to"),
    ],
)
def test_bad_entries_show_the_form_again_with_what_was_typed(
    client: TestClient, changes: dict[str, str], problem: str
) -> None:
    token = csrf(client, f"/trials/{TRIAL}/contact")
    page = client.post(f"/trials/{TRIAL}/contact", data=_entries(token, **changes))
    assert page.status_code == 400
    assert problem in page.text
    assert 'value="Ana Li"' in page.text  # the entries are kept


def test_problems_are_in_the_reader_s_language(client: TestClient) -> None:
    token = csrf(client, f"/trials/{TRIAL}/contact?lang=zh")
    page = client.post(f"/trials/{TRIAL}/contact", data=_entries(token, consent="", email="x@", phone=""))
    client.cookies.clear()
    assert page.status_code == 400
    assert "请勾选" in page.text and "无法使用" in page.text


def test_a_form_without_its_token_is_refused(client: TestClient) -> None:
    assert client.post(f"/trials/{TRIAL}/contact", data=_entries("0" * 64)).status_code == 403


def test_a_trial_without_an_address_says_so(client: TestClient) -> None:
    page = client.get("/trials/NCT07342244/contact")
    assert page.status_code == 200 and "gives no email address" in page.text
    assert "gives no email address for the study team" in client.get("/trials/NCT07342244").text


def test_floods_get_429(web_store: TrialStore) -> None:
    with TestClient(create_app(web_store, secret=b"test-secret"), client=("203.0.113.9", 5000)) as flooder:
        token = csrf(flooder, f"/trials/{TRIAL}/contact")
        codes = [
            flooder.post(f"/trials/{TRIAL}/contact", data=_entries(token), follow_redirects=False).status_code
            for _ in range(12)
        ]
    assert codes[:10] == [303] * 10 and codes[10:] == [429, 429]


def test_nothing_a_person_enters_reaches_the_logs(
    mailing_client: TestClient, mail_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    token = csrf(mailing_client, f"/trials/{TRIAL}/contact")
    entries = _entries(token, name="Zora Quillfeather", email="zora.q@example.org", message="private words 4471")
    sent = mailing_client.post(f"/trials/{TRIAL}/contact", data=entries, follow_redirects=False)
    _wait_for(mail_server, "zora.q@example.org")
    mailing_client.get(sent.headers["location"])
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")  # not the SMTP peer's own
    assert "Zora" not in logged and "zora.q@example.org" not in logged and "4471" not in logged


def test_private_links_are_masked_in_log_lines() -> None:
    from trialscope.web.app import loggable_path

    assert loggable_path("/contact/AbC123secret/withdraw") == "/contact/…/withdraw"
    assert loggable_path("/notes/Zz9-secret") == "/notes/…"
    assert loggable_path("/alerts/confirm/token.abc") == "/alerts/confirm/…"
    assert loggable_path("/trials/NCT07342244") == "/trials/NCT07342244"


def test_a_registry_address_that_cannot_be_used_is_not_offered() -> None:
    from tests.factories import seed
    from trialscope.contact.recipients import recipients
    from trialscope.model.study import parse_study

    record = seed("NCT07342244")
    module = record["protocolSection"]["contactsLocationsModule"]
    module["centralContacts"] = [
        {"name": "Injected", "email": "team@example.org\nBcc: everyone@example.org"},
        {"name": "Fine", "email": "Team@Example.ORG"},
    ]
    assert [(r.name, r.email) for r in recipients(parse_study(record))] == [("Fine", "Team@example.org")]


def test_the_way_back_after_signing_up_stays_on_this_site(client: TestClient) -> None:
    token = csrf(client, "/trials/NCT07342244")
    for back in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        page = client.post(
            "/alerts", data={"csrf_token": token, "kind": "trial", "nct_id": "NCT07342244", "back": back}
        )
        assert "evil.example" not in page.text
