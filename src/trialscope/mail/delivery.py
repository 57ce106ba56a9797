"""Delivering the outbox: each due message is claimed (so two processes never send the same one), handed
to the SMTP server, and marked sent; a failure waits and is retried with growing pauses (1, 2, 4 ... minutes,
at most 6 hours) up to ``MAX_ATTEMPTS``, then stays failed for the operator to see. With no SMTP server
configured nothing is sent and everything waits. Nothing here logs a message or an address.
"""

from __future__ import annotations

import datetime as dt
import email
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from trialscope.mail.headers import POLICY, sent_record
from trialscope.mail.smtp import SmtpSettings, SmtpUrlError, send
from trialscope.store.people import PeopleStore, now

MAX_ATTEMPTS = 8
MAX_PAUSE = dt.timedelta(hours=6)


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # left in the outbox because no SMTP server is configured

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed, "waiting": self.waiting}


def pause_after(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_PAUSE)


def as_message(text: str) -> EmailMessage:
    """A stored message, read with the policy it was written with (``mail/headers.py``)."""
    parsed = email.message_from_string(text, policy=POLICY)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _error_words(exc: Exception) -> str:
    """What the server answered ("451 4.3.0 try again later"), or what went wrong on the way to it."""
    if isinstance(exc, smtplib.SMTPResponseException):
        answer = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {answer}"[:300]
    return f"{type(exc).__name__}: {exc}"[:300]


def deliver_due(people: PeopleStore, settings: SmtpSettings | None, limit: int = 200) -> DeliveryReport:
    """Send what is due (at most ``limit`` messages this time)."""
    report = DeliveryReport()
    due = people.outbox.due(limit)
    if settings is None:
        report.waiting = len(due)
        return report
    for message_id in due:
        message = people.outbox.claim(message_id)
        if message is None:
            continue  # another process is sending it
        parsed = as_message(message.message)
        try:
            send(settings, parsed)
        except (smtplib.SMTPException, OSError, SmtpUrlError) as exc:
            error = _error_words(exc)
            if isinstance(exc, smtplib.SMTPRecipientsRefused | SmtpUrlError) or message.attempts >= MAX_ATTEMPTS:
                people.outbox.mark_failed(message, error, None)
                report.failed += 1
            else:
                people.outbox.mark_failed(message, error, now() + pause_after(message.attempts))
                report.retrying += 1
            continue
        people.outbox.mark_sent(message, sent_record(parsed))
        report.sent += 1
    return report
