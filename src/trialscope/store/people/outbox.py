"""The outbox: every email trialscope sends waits here until the postman sends it (``mail/delivery.py``),
one sender per message, retried after a failure, and kept after sending as its envelope only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update

from trialscope.store.people.times import aware, now
from trialscope.store.schema import leads, outbox

# a claim older than this is a sender that stopped mid-send (killed): the message is due again. Longer than
# one send takes (mail/smtp.py: 20 s per exchange with the server), short enough that after a crash the
# message goes out within about a minute; delivery is at least once (a send cut off after the server took
# the message is sent again, with the same Message-ID)
STALE_CLAIM = dt.timedelta(seconds=45)


@dataclass(frozen=True, slots=True)
class Mail:
    """An email to put in the outbox: its kind, recipient and whole text (``mail/compose.py``)."""

    kind: str
    to_address: str
    message: str
    lead_id: str | None = None
    subscription_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    kind: str
    lead_id: str | None
    subscription_id: str | None
    to_address: str
    message: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        kind=row["kind"],
        lead_id=row["lead_id"],
        subscription_id=row["subscription_id"],
        to_address=row["to_address"],
        message=row["message"],
        status=row["status"],
        attempts=row["attempts"],
        next_attempt_at=aware(row["next_attempt_at"]) or now(),
        last_error=row["last_error"],
        created_at=aware(row["created_at"]) or now(),
        sent_at=aware(row["sent_at"]),
    )


def queue(conn: Connection, mails: Sequence[Mail], expires_at: dt.datetime) -> None:
    """Put ``mails`` in the outbox, in the transaction of what sends them (a lead, a subscription)."""
    moment = now()
    for mail in mails:
        conn.execute(
            insert(outbox).values(
                kind=mail.kind,
                lead_id=mail.lead_id,
                subscription_id=mail.subscription_id,
                to_address=mail.to_address,
                message=mail.message,
                status="waiting",
                attempts=0,
                next_attempt_at=moment,
                created_at=moment,
                expires_at=expires_at,
            )
        )


class Outbox:
    """The emails waiting, being sent, sent and failed."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def messages(self, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
        query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self.engine.connect() as conn:
            return [_message(row) for row in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        return {status: count for status, count in rows}

    def due(self, limit: int = 100, stale_after: dt.timedelta = STALE_CLAIM) -> list[int]:
        """Messages whose time to be sent has come: waiting ones, and ones a process claimed and did not
        finish (it was stopped) more than ``stale_after`` ago."""
        moment = now()
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(outbox.c.id)
                    .where(
                        or_(
                            (outbox.c.status == "waiting") & (outbox.c.next_attempt_at <= moment),
                            (outbox.c.status == "sending") & (outbox.c.claimed_at <= moment - stale_after),
                        )
                    )
                    .order_by(outbox.c.id)
                    .limit(limit)
                ).scalars()
            )

    def claim(self, message_id: int, stale_after: dt.timedelta = STALE_CLAIM) -> OutboxMessage | None:
        """Take a due message for sending; None when another process took it first (one sender per message)."""
        moment = now()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(outbox)
                .where(
                    outbox.c.id == message_id,
                    or_(
                        (outbox.c.status == "waiting") & (outbox.c.next_attempt_at <= moment),
                        (outbox.c.status == "sending") & (outbox.c.claimed_at <= moment - stale_after),
                    ),
                )
                .values(status="sending", claimed_at=moment, attempts=outbox.c.attempts + 1)
            ).rowcount
            if not taken:
                return None
            row = conn.execute(select(outbox).where(outbox.c.id == message_id)).mappings().one()
        return _message(row)

    def mark_sent(self, message: OutboxMessage, kept: str) -> None:
        """A message went out: of its text only ``kept`` stays (its envelope headers: no body)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == message.id)
                .values(status="sent", sent_at=now(), last_error=None, message=kept)
            )
            if message.kind == "lead" and message.lead_id:
                conn.execute(
                    update(leads)
                    .where(leads.c.id == message.lead_id, leads.c.status != "withdrawn")
                    .values(status="sent")
                )

    def mark_failed(self, message: OutboxMessage, error: str, retry_at: dt.datetime | None) -> None:
        """A failed attempt: waits until ``retry_at``, or fails for good (None)."""
        status = "waiting" if retry_at is not None else "failed"
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.id == message.id)
                .values(status=status, next_attempt_at=retry_at or now(), last_error=error[:500])
            )
            if status == "failed" and message.kind == "lead" and message.lead_id:
                conn.execute(
                    update(leads).where(leads.c.id == message.lead_id, leads.c.status == "new").values(status="failed")
                )

    def retry_failed(self) -> int:
        """Failed messages are tried again (an operator's decision, after fixing the mail settings)."""
        with self.engine.begin() as conn:
            count = conn.execute(
                update(outbox)
                .where(outbox.c.status == "failed")
                .values(status="waiting", attempts=0, next_attempt_at=now())
            ).rowcount
            conn.execute(update(leads).where(leads.c.status == "failed").values(status="new"))
        return count
