"""The people tables on both backends: leads with their emails in one transaction, one sender per outbox
message, alert marks that move once, note lockouts, shared keys, retention and a person's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from trialscope.store.people import Lead, Mail, PeopleStore, Subscription, new_id, now
from trialscope.store.schema import leads as leads_table
from trialscope.store.trial_store import TrialStore


@pytest.fixture
def people(db_url: str) -> Iterator[PeopleStore]:
    with TrialStore.open(db_url) as store:
        yield store.people


def _lead(email: str = "ana@example.org", days: int = 90) -> Lead:
    created = now()
    return Lead(
        id=new_id(),
        nct_id="NCT07342244",
        recipient="Dr. Study",
        recipient_email="team@example.org",
        site=None,
        name="Ana Li",
        email=email,
        phone="+8657112345678",
        language="中文",
        message="Could I take part?",
        status="new",
        created_at=created,
        expires_at=created + dt.timedelta(days=days),
    )


def test_a_lead_is_stored_with_its_emails_and_one_claim_wins(people: PeopleStore) -> None:
    lead = _lead()
    people.leads.add(lead, [Mail("lead", "team@example.org", "message", lead_id=lead.id)])
    assert people.leads.get(lead.id) == lead
    [due] = people.outbox.due()
    first, second = people.outbox.claim(due), people.outbox.claim(due)
    assert first is not None and second is None  # one sender per message
    assert first.attempts == 1 and first.status == "sending"
    people.outbox.mark_failed(first, "451 try later", now() - dt.timedelta(seconds=1))
    again = people.outbox.claim(due)
    assert again is not None and again.attempts == 2
    people.outbox.mark_sent(again, "Message-ID: <1@trialscope>")
    assert people.outbox.due() == []
    assert people.leads.get(lead.id).status == "sent"  # type: ignore[union-attr]
    assert people.outbox.counts() == {"sent": 1}


def test_a_message_left_sending_by_a_stopped_process_is_due_again_later(people: PeopleStore) -> None:
    lead = _lead()
    people.leads.add(lead, [Mail("lead", "team@example.org", "message", lead_id=lead.id)])
    [due] = people.outbox.due()
    assert people.outbox.claim(due) is not None
    assert people.outbox.due() == []  # claimed a moment ago: not due
    assert people.outbox.due(stale_after=dt.timedelta(0)) == [due]  # its claim is older than stale_after


def test_failing_for_good_marks_the_lead_failed_and_retry_requeues(people: PeopleStore) -> None:
    lead = _lead()
    people.leads.add(lead, [Mail("lead", "team@example.org", "m", lead_id=lead.id)])
    message = people.outbox.claim(people.outbox.due()[0])
    assert message is not None
    people.outbox.mark_failed(message, "550 no such user", None)
    assert people.leads.get(lead.id).status == "failed"  # type: ignore[union-attr]
    assert people.outbox.retry_failed() == 1
    assert people.leads.get(lead.id).status == "new"  # type: ignore[union-attr]
    assert len(people.outbox.due()) == 1


def test_withdrawing_blanks_the_details_and_stops_what_is_not_sent(people: PeopleStore) -> None:
    lead = _lead()
    people.leads.add(lead, [Mail("lead", "team@example.org", "m", lead_id=lead.id)])
    assert people.leads.withdraw(lead.id)
    kept = people.leads.get(lead.id)
    assert kept is not None and kept.status == "withdrawn" and kept.email is None and kept.message == ""
    assert people.outbox.due() == []
    assert people.outbox.counts() == {}  # its emails leave the outbox, sent or not (issue 35)


def test_an_alert_mark_moves_once(people: PeopleStore) -> None:
    subscription = Subscription(
        id=new_id(),
        email="ana@example.org",
        kind="trial",
        params={"nct_id": "NCT07342244"},
        language="en",
        base_url="http://t",
        created_at=now(),
        confirmed_at=None,
        last_event_id=0,
        expires_at=now() + dt.timedelta(days=7),
    )
    people.subscriptions.add(
        subscription, Mail("alert_confirm", "ana@example.org", "m", subscription_id=subscription.id)
    )
    assert people.subscriptions.confirmed() == []
    assert people.subscriptions.confirm(subscription.id, now() + dt.timedelta(days=365))
    assert not people.subscriptions.confirm(subscription.id, now())  # a second click changes nothing
    [confirmed] = people.subscriptions.confirmed()
    digest = Mail("digest", "ana@example.org", "news", subscription_id=subscription.id)
    assert people.subscriptions.announce(subscription.id, confirmed.last_event_id, confirmed.last_event_id + 5, digest)
    assert not people.subscriptions.announce(
        subscription.id, confirmed.last_event_id, confirmed.last_event_id + 5, digest
    )
    assert [m.kind for m in people.outbox.messages()].count("digest") == 1  # announced once


def test_the_key_is_made_once_and_shared(people: PeopleStore) -> None:
    key = people.keys.secret("links")
    assert len(key) == 32 and people.keys.secret("links") == key and people.keys.secret("csrf") != key


def test_a_person_s_data_is_exported_and_deleted_by_email(people: PeopleStore) -> None:
    lead, other = _lead("Ana@Example.org"), _lead("bo@example.org")
    people.leads.add(lead, [Mail("lead_receipt", "Ana@Example.org", "m", lead_id=lead.id)])
    people.leads.add(other, [])
    found = people.personal_data("ana@example.org")
    assert [entry["id"] for entry in found["leads"]] == [lead.id]
    assert found["emails_to_this_address"][0]["kind"] == "lead_receipt"
    assert people.delete_personal_data("ANA@example.org") == {"leads": 1, "subscriptions": 0, "emails": 1}
    assert people.leads.get(lead.id) is None and people.leads.get(other.id) is not None


def test_expired_data_is_purged(people: PeopleStore) -> None:
    old, fresh = _lead(), _lead()
    people.leads.add(old, [])
    people.leads.add(fresh, [])
    with people.engine.begin() as conn:
        conn.execute(
            update(leads_table).where(leads_table.c.id == old.id).values(expires_at=now() - dt.timedelta(days=1))
        )
    assert people.purge_expired()["leads"] == 1
    assert people.leads.get(old.id) is None and people.leads.get(fresh.id) is not None
