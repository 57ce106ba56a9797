"""Probes 4 and 8: a ``List-Unsubscribe`` URL longer than 78 characters went out RFC 2047-encoded (no
one-click unsubscribe), and ``josé@exämple.org`` became an invalid encoded ``Reply-To``. Both go through the
outbox on each backend to a real SMTP server, and the raw bytes it received are read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.factories import queue_mails, send_lead
from tests.mail_server import MailServer, running_mail_server
from trialscope.mail import compose
from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.people import Mail, PeopleStore
from trialscope.store.trial_store import TrialStore


@pytest.fixture
def people(db_url: str) -> Iterator[PeopleStore]:
    with TrialStore.open(db_url) as store:
        yield store.people


@pytest.fixture
def utf8_mail_server() -> Iterator[MailServer]:
    with running_mail_server(smtputf8=True) as server:
        yield server


def _raw_header(raw: bytes, name: str) -> str:
    """A header's line(s) exactly as received."""
    text = raw.decode("utf-8")
    head = text.split("\r\n\r\n", 1)[0].replace("\r\n", "\n")
    lines = head.split("\n")
    for i, line in enumerate(lines):
        if line.lower().startswith(name.lower() + ":"):
            folded = [line]
            for following in lines[i + 1 :]:
                if following[:1] not in (" ", "\t"):
                    break
                folded.append(following)
            return "\n".join(folded)
    raise AssertionError(f"no {name} in {head}")


def test_a_long_unsubscribe_link_goes_out_unencoded(people: PeopleStore, mail_server: MailServer) -> None:
    url = "https://trials.example.org/alerts/unsubscribe/" + "Ab3_" * 40  # 206 characters
    message = compose.digest(
        sender="trialscope <noreply@example.org>",
        to="ana@example.org",
        language="en",
        what="AML",
        lines=[
            compose.DigestLine("NCT07342244", "CD117 CAR-T", "new", "https://trials.example.org/trials/NCT07342244")
        ],
        unsubscribe_url=url,
    )
    queue_mails(people, [Mail("alert_digest", "ana@example.org", message.as_string())])
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 1
    [received] = mail_server.received
    assert _raw_header(received.raw, "List-Unsubscribe") == f"List-Unsubscribe: <{url}>"
    assert _raw_header(received.raw, "List-Unsubscribe-Post") == "List-Unsubscribe-Post: List-Unsubscribe=One-Click"


def _lead_from(people: PeopleStore, address: str) -> None:
    send_lead(people, "José Núñez", address, None, "Español", "¿Puedo participar?")


def test_an_international_address_can_be_replied_to(people: PeopleStore, utf8_mail_server: MailServer) -> None:
    _lead_from(people, "josé@exämple.org")
    assert deliver_due(people, SmtpSettings.from_url(utf8_mail_server.url)).sent == 2
    [team] = [r for r in utf8_mail_server.received if r.recipients == ["team@hospital.example"]]
    reply_to = _raw_header(team.raw, "Reply-To")
    assert "=?" not in reply_to and reply_to == "Reply-To: josé@exämple.org"
    [receipt] = [r for r in utf8_mail_server.received if r.recipients != ["team@hospital.example"]]
    assert receipt.recipients == ["josé@exämple.org"]


def test_an_international_domain_goes_out_in_its_ascii_form(people: PeopleStore, mail_server: MailServer) -> None:
    _lead_from(people, "ana@exämple.org")
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 2  # no SMTPUTF8 needed
    [team] = [r for r in mail_server.received if r.recipients == ["team@hospital.example"]]
    assert _raw_header(team.raw, "Reply-To") == "Reply-To: ana@xn--exmple-cua.org"
    assert any(r.recipients == ["ana@xn--exmple-cua.org"] for r in mail_server.received)
