"""Leads: requests to contact a study team, stored with the emails they send (``contact/requests.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from trialscope.store.people.outbox import Mail, queue
from trialscope.store.people.times import aware
from trialscope.store.schema import leads, outbox

LEAD_STATUSES = ("new", "sent", "failed", "withdrawn")


@dataclass(frozen=True, slots=True)
class Lead:
    id: str
    nct_id: str
    recipient: str
    recipient_email: str
    site: str | None
    name: str
    email: str | None
    phone: str | None
    language: str | None
    message: str
    status: str
    created_at: dt.datetime
    expires_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "nct_id": self.nct_id,
            "recipient": self.recipient,
            "recipient_email": self.recipient_email,
            "site": self.site,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "message": self.message,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def lead_of(row: Any) -> Lead:
    """A lead from its row."""
    return Lead(**{**row, "created_at": aware(row["created_at"]), "expires_at": aware(row["expires_at"])})


class LeadStore:
    """Leads, newest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, lead: Lead, mails: Sequence[Mail]) -> None:
        """Store a lead and the emails it sends (to the study team, a receipt to the person), in one
        transaction: either both are kept or neither."""
        with self.engine.begin() as conn:
            conn.execute(insert(leads).values(**asdict(lead)))
            queue(conn, mails, lead.expires_at)

    def get(self, lead_id: str) -> Lead | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(leads).where(leads.c.id == lead_id)).mappings().first()
        return lead_of(row) if row is not None else None

    def find(self, status: str | None = None, limit: int | None = None) -> list[Lead]:
        """The leads (of one status), newest first."""
        query = select(leads).order_by(leads.c.created_at.desc(), leads.c.id)
        if status is not None:
            query = query.where(leads.c.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [lead_of(row) for row in conn.execute(query).mappings()]

    def mail_statuses(self, lead_id: str) -> dict[str, str]:
        """The status of each email a lead sends, by kind ("lead", "lead_receipt"): what the person is told."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.kind, outbox.c.status).where(outbox.c.lead_id == lead_id)).all()
        return {kind: status for kind, status in rows}

    def withdraw(self, lead_id: str) -> bool:
        """The person takes back a request: what is not sent yet is not sent; their details are blanked, and
        every email of it (the study team's and the receipt, sent or not) leaves the outbox."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(leads)
                .where(leads.c.id == lead_id, leads.c.status != "withdrawn")
                .values(status="withdrawn", name="", email=None, phone=None, message="")
            ).rowcount
            conn.execute(delete(outbox).where(outbox.c.lead_id == lead_id))
        return bool(done)

    def ids_starting(self, prefix: str) -> list[str]:
        """The ids of the leads that begin with ``prefix``, as written (ids are case-sensitive)."""
        query = select(leads.c.id).where(leads.c.id.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return sorted(i for i in conn.execute(query).scalars() if i.startswith(prefix))

    def delete(self, lead_ids: Sequence[str]) -> int:
        with self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.lead_id.in_(list(lead_ids))))
            return conn.execute(delete(leads).where(leads.c.id.in_(list(lead_ids)))).rowcount
