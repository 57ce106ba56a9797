"""A person's data across the people tables: all of it under one email address (to give them a copy or
delete it), and what has passed its retention (``expires_at``: every row of personal data carries one)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, delete, func, or_, select

from trialscope.store.people.leads import lead_of
from trialscope.store.people.subscriptions import subscription_of
from trialscope.store.people.times import iso, now
from trialscope.store.schema import leads, notes, operator_sessions, outbox, rate_limits, subscriptions


def personal_data(engine: Engine, email: str) -> dict[str, Any]:
    """Everything kept under an email address (notes are kept under no address: only their link opens them)."""
    address = email.strip().lower()
    with engine.connect() as conn:
        found_leads = [
            lead_of(r).as_dict()
            for r in conn.execute(select(leads).where(func.lower(leads.c.email) == address)).mappings()
        ]
        found_subscriptions = [
            subscription_of(r).as_dict()
            for r in conn.execute(select(subscriptions).where(func.lower(subscriptions.c.email) == address)).mappings()
        ]
        mails = conn.execute(
            select(outbox.c.kind, outbox.c.status, outbox.c.created_at, outbox.c.sent_at).where(
                func.lower(outbox.c.to_address) == address
            )
        ).all()
    return {
        "email": address,
        "leads": found_leads,
        "subscriptions": found_subscriptions,
        "emails_to_this_address": [
            {
                "kind": k,
                "status": s,
                "created_at": iso(c),
                "sent_at": iso(t),
            }
            for k, s, c, t in mails
        ],
    }


def delete_personal_data(engine: Engine, email: str) -> dict[str, int]:
    """Delete everything kept under an email address, and every email that names it."""
    address = email.strip().lower()
    with engine.begin() as conn:
        lead_ids = list(conn.execute(select(leads.c.id).where(func.lower(leads.c.email) == address)).scalars())
        sub_ids = list(
            conn.execute(select(subscriptions.c.id).where(func.lower(subscriptions.c.email) == address)).scalars()
        )
        mails = conn.execute(
            delete(outbox).where(
                or_(
                    func.lower(outbox.c.to_address) == address,
                    outbox.c.lead_id.in_(lead_ids),
                    outbox.c.subscription_id.in_(sub_ids),
                    func.lower(outbox.c.message).contains(address, autoescape=True),  # any other copy
                )
            )
        ).rowcount
        deleted_leads = conn.execute(delete(leads).where(leads.c.id.in_(lead_ids))).rowcount
        deleted_subs = conn.execute(delete(subscriptions).where(subscriptions.c.id.in_(sub_ids))).rowcount
    return {"leads": deleted_leads, "subscriptions": deleted_subs, "emails": mails}


def purge_expired(engine: Engine) -> dict[str, int]:
    """Delete what has passed its retention: leads, unconfirmed or lapsed subscriptions, notes, and the
    outbox's copies of old emails."""
    moment = now()
    with engine.begin() as conn:
        counts = {
            "emails": conn.execute(delete(outbox).where(outbox.c.expires_at <= moment)).rowcount,
            "leads": conn.execute(delete(leads).where(leads.c.expires_at <= moment)).rowcount,
            "subscriptions": conn.execute(delete(subscriptions).where(subscriptions.c.expires_at <= moment)).rowcount,
            "notes": conn.execute(delete(notes).where(notes.c.expires_at <= moment)).rowcount,
            "operator sessions": conn.execute(
                delete(operator_sessions).where(operator_sessions.c.expires_at <= moment)
            ).rowcount,
            "request counts": conn.execute(delete(rate_limits).where(rate_limits.c.expires_at <= moment)).rowcount,
        }
    return counts
