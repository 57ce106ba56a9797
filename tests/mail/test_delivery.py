"""Delivering the outbox to a real SMTP server (aiosmtpd): sent once, retried with backoff while the
server is down or refusing, nothing lost, and nothing sent twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.factories import send_lead
from tests.mail_server import MailServer, body, free_port
from trialscope.mail.delivery import MAX_PAUSE, deliver_due, pause_after
from trialscope.mail.smtp import SmtpSettings, SmtpUrlError
from trialscope.store.people import PeopleStore, now
from trialscope.store.schema import outbox
from trialscope.store.trial_store import TrialStore


@pytest.fixture
def people(tmp_path: Path) -> Iterator[PeopleStore]:
    with TrialStore.open(f"sqlite:///{tmp_path / 't.db'}") as store:
        yield store.people


def _request(people: PeopleStore) -> str:
    return send_lead(
        people,
        "Ana Li",
        "ana@example.org",
        "+8657112345678",
        "中文",
        "Could I take part? 我想参加。",
        reader_language="zh",
        base_url="http://127.0.0.1:8000",
    )


def _all_due_now(people: PeopleStore) -> None:
    with people.engine.begin() as conn:
        conn.execute(update(outbox).values(next_attempt_at=now() - dt.timedelta(seconds=1)))


def test_a_lead_reaches_the_study_team_and_the_person_gets_a_receipt(
    people: PeopleStore, mail_server: MailServer
) -> None:
    lead_id = _request(people)
    report = deliver_due(people, SmtpSettings.from_url(mail_server.url))
    assert report.sent == 2
    [team] = mail_server.handler.to("team@hospital.example")
    assert team["Subject"] == "Contact request about NCT07342244"
    assert team["Reply-To"] == "ana@example.org"
    assert "Could I take part? 我想参加。" in body(team) and "+8657112345678" in body(team)
    [receipt] = mail_server.handler.to("ana@example.org")
    assert "NCT07342244" in receipt["Subject"] and f"/contact/{lead_id}" in body(receipt)
    assert "我们" in body(receipt)  # in the language the person read the site in
    assert people.leads.get(lead_id).status == "sent"  # type: ignore[union-attr]
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 0  # nothing twice
    assert len(mail_server.received) == 2


def test_a_refusing_server_means_retries_with_backoff_then_one_delivery(
    people: PeopleStore, mail_server: MailServer
) -> None:
    lead_id = _request(people)
    settings = SmtpSettings.from_url(mail_server.url)
    mail_server.handler.refuse = True
    report = deliver_due(people, settings)
    assert report.retrying == 2 and report.sent == 0
    waiting = people.outbox.messages()
    assert all(m.status == "waiting" and m.attempts == 1 and "451" in (m.last_error or "") for m in waiting)
    assert all(m.next_attempt_at > now() for m in waiting)  # not before its pause
    assert deliver_due(people, settings).sent == 0  # not due yet
    mail_server.handler.refuse = False
    _all_due_now(people)
    assert deliver_due(people, settings).sent == 2
    assert len(mail_server.handler.to("team@hospital.example")) == 1
    assert people.leads.get(lead_id).status == "sent"  # type: ignore[union-attr]


def test_a_server_that_is_down_loses_nothing(people: PeopleStore, mail_server: MailServer) -> None:
    _request(people)
    down = SmtpSettings.from_url(f"smtp://127.0.0.1:{free_port()}")
    assert deliver_due(people, down).retrying == 2
    _all_due_now(people)
    assert deliver_due(people, SmtpSettings.from_url(mail_server.url)).sent == 2


def test_without_a_mail_server_everything_waits(people: PeopleStore) -> None:
    _request(people)
    report = deliver_due(people, None)
    assert report.waiting == 2 and report.sent == 0
    assert {m.status for m in people.outbox.messages()} == {"waiting"}


def test_the_pause_grows_and_is_capped() -> None:
    assert [pause_after(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert pause_after(30) == MAX_PAUSE


def test_smtp_urls() -> None:
    plain = SmtpSettings.from_url("smtp://user:p%40ss@mail.example.org")
    assert (plain.host, plain.port, plain.implicit_tls, plain.password) == ("mail.example.org", 587, False, "p@ss")
    assert plain.describe() == "smtp://user@mail.example.org:587"  # no password
    assert SmtpSettings.from_url("smtps://mail.example.org").port == 465
    with pytest.raises(SmtpUrlError):
        SmtpSettings.from_url("http://mail.example.org")


def test_the_server_s_postman_purges_expired_data_and_delivers(people: PeopleStore, mail_server: MailServer) -> None:
    from trialscope.mail.postman import Postman
    from trialscope.store.schema import leads

    lead_id = _request(people)
    with people.engine.begin() as conn:
        conn.execute(update(leads).values(expires_at=now() - dt.timedelta(days=1)))
        conn.execute(update(outbox).values(expires_at=now() - dt.timedelta(days=1)))
    Postman(people, SmtpSettings.from_url(mail_server.url)).round()
    assert people.leads.get(lead_id) is None and people.outbox.messages() == []  # past retention: gone, and not sent
    assert mail_server.received == []
