"""A checked contact request becomes a lead: stored with the email to the study team and the person's
receipt, in one transaction, then delivered by the outbox (``mail/delivery.py``)."""

from __future__ import annotations

import datetime as dt

from trialscope.contact.entries import CheckedContact
from trialscope.mail import compose
from trialscope.settings import DEFAULT_LEAD_DAYS, ENV_LEAD_DAYS, retention_days
from trialscope.store.people import Lead, Mail, PeopleStore, new_id, now


def lead_days() -> int:
    return retention_days(ENV_LEAD_DAYS, DEFAULT_LEAD_DAYS)


def submit_lead(
    people: PeopleStore,
    *,
    nct_id: str,
    title: str,
    request: CheckedContact,
    sender: str,
    reader_language: str,
    base_url: str,
) -> Lead:
    """Keep the request and queue its emails; returns the lead (its id is the person's withdrawal link)."""
    created = now()
    kept = lead_days()
    lead = Lead(
        id=new_id(),
        nct_id=nct_id,
        recipient=request.recipient.label,
        recipient_email=request.recipient.email,
        site=request.recipient.site,
        name=request.name,
        email=request.email,
        phone=request.phone,
        language=request.language,
        message=request.message,
        status="new",
        created_at=created,
        expires_at=created + dt.timedelta(days=kept),
    )
    mails: list[Mail] = []
    if request.recipient.email:  # a referral without an operator address waits on the operator page
        team = compose.lead_for_study_team(
            sender=sender,
            to=request.recipient.email,
            nct_id=nct_id,
            title=title,
            site=request.recipient.label if request.recipient.referral else request.recipient.site,
            name=request.name,
            email=request.email,
            phone=request.phone,
            language=request.language,
            text=request.message,
        )
        mails.append(Mail("lead", request.recipient.email, team.as_string(), lead_id=lead.id))
    if request.email:
        receipt = compose.lead_receipt(
            sender=sender,
            to=request.email,
            language=reader_language,
            nct_id=nct_id,
            title=title,
            recipient=request.recipient.label,
            withdraw_url=f"{base_url.rstrip('/')}/contact/{lead.id}",
            kept_days=kept,
            referral=request.recipient.referral,
        )
        mails.append(Mail("lead_receipt", request.email, receipt.as_string(), lead_id=lead.id))
    people.leads.add(lead, mails)
    return lead
