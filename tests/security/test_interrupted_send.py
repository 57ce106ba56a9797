"""Probe 13: a sender killed during an SMTP send left its message claimed, and it waited about 16 minutes
before anyone sent it again. Delivery is at least once by design (a message the server took just before
the kill goes out again, with the same Message-ID); a message whose send was interrupted is now due again
within a minute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from tests.factories import queue_mails
from tests.mail_server import MailServer
from trialscope.mail.delivery import deliver_due
from trialscope.mail.smtp import SmtpSettings
from trialscope.store.people import Mail, PeopleStore, now
from trialscope.store.schema import outbox
from trialscope.store.trial_store import TrialStore

MESSAGE = "From: a@example.org\nTo: b@example.org\nSubject: s\nMessage-ID: <{n}@trialscope>\n\nbody\n"


@pytest.fixture
def people(db_url: str) -> Iterator[PeopleStore]:
    with TrialStore.open(db_url) as store:
        yield store.people


def test_a_send_cut_off_by_a_kill_is_retried_within_a_minute(people: PeopleStore, mail_server: MailServer) -> None:
    mails = [Mail("digest", "b@example.org", MESSAGE.format(n=n)) for n in range(3)]
    queue_mails(people, mails)
    first = people.outbox.due()[0]
    assert people.outbox.claim(first) is not None  # a sender took it ... and was killed with -9 mid-send
    with people.engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == first).values(claimed_at=now() - dt.timedelta(seconds=55)))
    report = deliver_due(people, SmtpSettings.from_url(mail_server.url))  # the restarted server's postman
    assert report.sent == 3
    assert sorted(str(r.message["Message-ID"]) for r in mail_server.received) == [f"<{n}@trialscope>" for n in range(3)]


def test_a_send_in_progress_is_not_taken_by_another_sender(people: PeopleStore) -> None:
    queue_mails(people, [Mail("digest", "b@example.org", MESSAGE.format(n=9))])
    [message_id] = people.outbox.due()
    assert people.outbox.claim(message_id) is not None
    assert people.outbox.due() == [] and people.outbox.claim(message_id) is None  # claimed a moment ago: one sender
