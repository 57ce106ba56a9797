"""Probe 5: after a lead was sent, withdrawing it and then ``personal-data delete --email`` left the
study team's email in the outbox with the person's name, address and message, and every sent email kept
its whole text until it expired. Now a sent email keeps only its envelope (no body, no Reply-To), and
withdrawing or deleting removes every copy; checked on every text column the people tables have."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.factories import send_lead
from tests.mail_server import MailServer
from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.people import PeopleStore
from trialscope.store.schema import leads, outbox
from trialscope.store.trial_store import TrialStore

NAME, EMAIL, PHONE, MESSAGE = "Ana Lima-Souza", "ana.lima@example.org", "+8657112345678", "My brother has AML, 我想参加"


@pytest.fixture
def people(db_url: str) -> Iterator[PeopleStore]:
    with TrialStore.open(db_url) as store:
        yield store.people


def _lead(people: PeopleStore) -> str:
    return send_lead(people, NAME, EMAIL, PHONE, "中文", MESSAGE)


def _stored_text(people: PeopleStore) -> str:
    """Every value of every lead and outbox row, as one text."""
    with people.engine.connect() as conn:
        rows = [*conn.execute(select(leads)).all(), *conn.execute(select(outbox)).all()]
    return "\n".join(str(value) for row in rows for value in row)


def _traces(people: PeopleStore) -> list[str]:
    text = _stored_text(people)
    return [word for word in (NAME, "Lima-Souza", EMAIL, PHONE, "brother", "我想参加") if word in text]


def test_a_sent_email_keeps_no_body(people: PeopleStore, mail_server: MailServer) -> None:
    _lead(people)
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 2
    sent = people.outbox.messages(status="sent")
    assert len(sent) == 2
    for message in sent:
        assert "brother" not in message.message and NAME not in message.message and "Reply-To" not in message.message
        assert "Message-ID:" in message.message  # what the operator needs to follow it up


def test_withdrawing_a_sent_lead_then_deleting_the_address_leaves_no_copy(
    people: PeopleStore, mail_server: MailServer
) -> None:
    lead_id = _lead(people)
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 2
    assert people.leads.withdraw(lead_id)
    assert _traces(people) == []  # withdrawn: the outbox's copies are gone with the details
    people.delete_personal_data(EMAIL)
    assert _traces(people) == []
    assert people.personal_data(EMAIL)["leads"] == [] and people.personal_data(EMAIL)["emails_to_this_address"] == []


def test_withdrawing_a_waiting_lead_leaves_no_copy(people: PeopleStore) -> None:
    lead_id = _lead(people)
    assert people.leads.withdraw(lead_id)
    assert _traces(people) == []


def test_deleting_an_address_removes_the_study_team_s_copy(people: PeopleStore, mail_server: MailServer) -> None:
    _lead(people)
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 2
    people.delete_personal_data(EMAIL)
    assert _traces(people) == []
