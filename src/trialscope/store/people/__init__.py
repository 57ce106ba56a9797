"""What visitors leave with their consent, and the mail sent for them, one module per concern: leads
(requests to contact a study team), the outbox, operator accounts, alert subscriptions, private notes, the
keys every server of one database shares, and retention. The only code that reads or writes those tables
(``store/schema.py``, migration 0008). A store's people are ``store.people``:

    store.people.leads.add(lead, mails)     store.people.outbox.due()     store.people.notes.get(note_id)

Every row of personal data carries an ``expires_at``; ``purge_expired`` deletes what has passed it, and
``personal_data``/``delete_personal_data`` answer a person's request by email address. Nothing here logs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from trialscope.store.people import retention
from trialscope.store.people.keys import SiteKeys, new_id
from trialscope.store.people.leads import LEAD_STATUSES, Lead, LeadStore
from trialscope.store.people.notes import NoteStore, SealedNote
from trialscope.store.people.operators import OperatorStore
from trialscope.store.people.outbox import STALE_CLAIM, Mail, Outbox, OutboxMessage
from trialscope.store.people.subscriptions import ChangeForAlert, Subscription, SubscriptionStore
from trialscope.store.people.times import aware, now

__all__ = [
    "LEAD_STATUSES",
    "STALE_CLAIM",
    "ChangeForAlert",
    "Lead",
    "Mail",
    "OutboxMessage",
    "PeopleStore",
    "SealedNote",
    "Subscription",
    "aware",
    "new_id",
    "now",
]


class PeopleStore:
    """Leads, the outbox, operators, subscriptions, notes and shared keys, in the trial store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.leads = LeadStore(engine)
        self.outbox = Outbox(engine)
        self.operators = OperatorStore(engine)
        self.subscriptions = SubscriptionStore(engine)
        self.notes = NoteStore(engine)
        self.keys = SiteKeys(engine)

    # --- a person's data, and its end (every table above) ---------------------------------------------
    def personal_data(self, email: str) -> dict[str, Any]:
        """Everything kept under an email address (``retention.personal_data``)."""
        return retention.personal_data(self.engine, email)

    def delete_personal_data(self, email: str) -> dict[str, int]:
        """Delete everything kept under an email address; how many of each were deleted."""
        return retention.delete_personal_data(self.engine, email)

    def purge_expired(self) -> dict[str, int]:
        """Delete what has passed its retention; how many of each were deleted."""
        return retention.purge_expired(self.engine)
