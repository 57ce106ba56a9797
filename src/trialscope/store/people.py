"""What visitors leave with their consent, and the mail sent for them: leads (requests to contact a study
team), the outbox, operator accounts, alert subscriptions, private notes, and the keys every server of one
database shares. The only module that reads or writes those tables (``store/schema.py``, migration 0008).

Every row of personal data carries an ``expires_at``; ``purge_expired`` deletes what has passed it, and
``personal_data``/``delete_personal_data`` answer a person's request by email address. Nothing here logs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from trialscope.store.schema import (
    change_events,
    leads,
    notes,
    operator_sessions,
    operators,
    outbox,
    rate_limits,
    site_secrets,
    subscriptions,
)
from trialscope.store.trial_store import TrialStore

LEAD_STATUSES = ("new", "sent", "failed", "withdrawn")
# a claim older than this is a sender that stopped mid-send (killed): the message is due again. Longer than
# one send takes (mail/smtp.py: 20 s per exchange with the server), short enough that after a crash the
# message goes out within about a minute; delivery is at least once (a send cut off after the server took
# the message is sent again, with the same Message-ID)
STALE_CLAIM = dt.timedelta(seconds=45)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as UTC (SQLite gives it back without its zone)."""
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    moment = aware(value)
    return moment.isoformat() if moment is not None else None


def new_id() -> str:
    """An unguessable identifier for a link (128 bits)."""
    return secrets.token_urlsafe(16)


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


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    email: str
    kind: str  # search | trial | profile
    params: dict[str, Any]
    language: str
    base_url: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    last_event_id: int
    expires_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "kind": self.kind,
            "params": self.params,
            "language": self.language,
            "created_at": self.created_at.isoformat(),
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SealedNote:
    id: str
    nct_id: str
    passcode_hash: str
    key_salt: str
    nonce: str
    ciphertext: str
    created_at: dt.datetime
    expires_at: dt.datetime
    failed_attempts: int
    locked_until: dt.datetime | None


@dataclass(frozen=True, slots=True)
class ChangeForAlert:
    id: int
    nct_id: str
    kind: str
    summary: str


def _lead(row: Any) -> Lead:
    return Lead(**{**row, "created_at": aware(row["created_at"]), "expires_at": aware(row["expires_at"])})


def _outbox(row: Any) -> OutboxMessage:
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


def _subscription(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        email=row["email"],
        kind=row["kind"],
        params=orjson.loads(row["params"]),
        language=row["language"],
        base_url=row["base_url"],
        created_at=aware(row["created_at"]) or now(),
        confirmed_at=aware(row["confirmed_at"]),
        last_event_id=row["last_event_id"],
        expires_at=aware(row["expires_at"]) or now(),
    )


def _newest_change(conn: Any) -> int:
    """The id of the newest change event (0 for none)."""
    return int(conn.execute(select(func.max(change_events.c.id))).scalar() or 0)


@dataclass(frozen=True, slots=True)
class Mail:
    """An email to put in the outbox: its kind, recipient and whole text (``mail/compose.py``)."""

    kind: str
    to_address: str
    message: str
    lead_id: str | None = None
    subscription_id: str | None = None


class PeopleStore:
    """Leads, the outbox, operators, subscriptions, notes and shared keys, in the trial store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def of(cls, store: TrialStore) -> PeopleStore:
        return cls(store.engine)

    # --- keys shared by every server of this database ----------------------------------------------------
    def secret(self, name: str) -> bytes:
        """The key called ``name``, made (32 random bytes) the first time any process asks."""
        with self.engine.begin() as conn:
            value = conn.execute(select(site_secrets.c.value).where(site_secrets.c.name == name)).scalar()
            if value is None:
                try:
                    with conn.begin_nested():
                        value = secrets.token_hex(32)
                        conn.execute(insert(site_secrets).values(name=name, value=value))
                except IntegrityError:  # another process made it first: use theirs
                    value = conn.execute(select(site_secrets.c.value).where(site_secrets.c.name == name)).scalar_one()
        return bytes.fromhex(value)

    # --- leads ---------------------------------------------------------------------------------------------
    def add_lead(self, lead: Lead, mails: Sequence[Mail]) -> None:
        """Store a lead and the emails it sends (to the study team, a receipt to the person), in one
        transaction: either both are kept or neither."""
        with self.engine.begin() as conn:
            conn.execute(insert(leads).values(**asdict(lead)))
            self._enqueue(conn, mails, lead.expires_at)

    def lead(self, lead_id: str) -> Lead | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(leads).where(leads.c.id == lead_id)).mappings().first()
        return _lead(row) if row is not None else None

    def leads(self, status: str | None = None, limit: int | None = None) -> list[Lead]:
        query = select(leads).order_by(leads.c.created_at.desc(), leads.c.id)
        if status is not None:
            query = query.where(leads.c.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_lead(row) for row in conn.execute(query).mappings()]

    def lead_mail_statuses(self, lead_id: str) -> dict[str, str]:
        """The status of each email a lead sends, by kind ("lead", "lead_receipt"): what the person is told."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.kind, outbox.c.status).where(outbox.c.lead_id == lead_id)).all()
        return {kind: status for kind, status in rows}

    def withdraw_lead(self, lead_id: str) -> bool:
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

    def lead_ids_starting(self, prefix: str) -> list[str]:
        """The ids of the leads that begin with ``prefix``, as written (ids are case-sensitive)."""
        query = select(leads.c.id).where(leads.c.id.startswith(prefix, autoescape=True))
        with self.engine.connect() as conn:
            return sorted(i for i in conn.execute(query).scalars() if i.startswith(prefix))

    def delete_leads(self, lead_ids: Sequence[str]) -> int:
        with self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.lead_id.in_(list(lead_ids))))
            return conn.execute(delete(leads).where(leads.c.id.in_(list(lead_ids)))).rowcount

    # --- the outbox ----------------------------------------------------------------------------------------
    @staticmethod
    def _enqueue(conn: Any, mails: Sequence[Mail], expires_at: dt.datetime) -> None:
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

    def outbox(self, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
        query = select(outbox).order_by(outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self.engine.connect() as conn:
            return [_outbox(row) for row in conn.execute(query).mappings()]

    def outbox_counts(self) -> dict[str, int]:
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
        return _outbox(row)

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

    # --- operators -----------------------------------------------------------------------------------------
    def set_operator(self, name: str, password_hash: str) -> None:
        """Create an operator, or set a new password: every session of theirs ends with the old one."""
        with self.engine.begin() as conn:
            if conn.execute(
                update(operators).where(operators.c.name == name).values(password_hash=password_hash)
            ).rowcount:
                conn.execute(delete(operator_sessions).where(operator_sessions.c.operator == name))
                return
            conn.execute(insert(operators).values(name=name, password_hash=password_hash, created_at=now()))

    def remove_operator(self, name: str) -> bool:
        """Delete an operator account and its sessions."""
        with self.engine.begin() as conn:
            conn.execute(delete(operator_sessions).where(operator_sessions.c.operator == name))
            return bool(conn.execute(delete(operators).where(operators.c.name == name)).rowcount)

    def start_session(self, token_hash: str, name: str, expires_at: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(operator_sessions).values(
                    token_hash=token_hash, operator=name, created_at=now(), expires_at=expires_at
                )
            )

    def session_operator(self, token_hash: str) -> str | None:
        """The operator a session belongs to, while it has not expired and the operator still exists."""
        query = (
            select(operators.c.name)
            .select_from(operator_sessions.join(operators, operators.c.name == operator_sessions.c.operator))
            .where(operator_sessions.c.token_hash == token_hash, operator_sessions.c.expires_at > now())
        )
        with self.engine.connect() as conn:
            name: str | None = conn.execute(query).scalar()
        return name

    def end_session(self, token_hash: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(operator_sessions).where(operator_sessions.c.token_hash == token_hash))

    def operator_hash(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            value: str | None = conn.execute(select(operators.c.password_hash).where(operators.c.name == name)).scalar()
        return value

    # --- subscriptions -------------------------------------------------------------------------------------
    def add_subscription(self, subscription: Subscription, confirm: Mail) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                insert(subscriptions).values(
                    id=subscription.id,
                    email=subscription.email,
                    kind=subscription.kind,
                    params=orjson.dumps(subscription.params).decode(),
                    language=subscription.language,
                    base_url=subscription.base_url,
                    created_at=subscription.created_at,
                    confirmed_at=None,
                    last_event_id=subscription.last_event_id,
                    expires_at=subscription.expires_at,
                )
            )
            self._enqueue(conn, [confirm], subscription.expires_at)

    def subscription(self, subscription_id: str) -> Subscription | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id)).mappings().first()
        return _subscription(row) if row is not None else None

    def confirm_subscription(self, subscription_id: str, expires_at: dt.datetime) -> bool:
        """Double opt-in done: changes from now on are announced (earlier ones are not news to them)."""
        with self.engine.begin() as conn:
            newest = _newest_change(conn)
            return bool(
                conn.execute(
                    update(subscriptions)
                    .where(subscriptions.c.id == subscription_id, subscriptions.c.confirmed_at.is_(None))
                    .values(confirmed_at=now(), last_event_id=newest, expires_at=expires_at)
                ).rowcount
            )

    def unsubscribe(self, subscription_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(
                delete(outbox).where(outbox.c.subscription_id == subscription_id, outbox.c.status == "waiting")
            )
            return bool(conn.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id)).rowcount)

    def confirmed_subscriptions(self) -> list[Subscription]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(subscriptions).where(subscriptions.c.confirmed_at.is_not(None)).order_by(subscriptions.c.id)
            ).mappings()
            return [_subscription(row) for row in rows]

    def newest_change_id(self) -> int:
        with self.engine.connect() as conn:
            return _newest_change(conn)

    def changes_after(self, event_id: int, through: int, nct_ids: Sequence[str] | None = None) -> list[ChangeForAlert]:
        query = (
            select(change_events.c.id, change_events.c.nct_id, change_events.c.kind, change_events.c.summary)
            .where(change_events.c.id > event_id, change_events.c.id <= through)
            .order_by(change_events.c.id)
        )
        if nct_ids is not None:
            query = query.where(change_events.c.nct_id.in_(list(nct_ids)))
        with self.engine.connect() as conn:
            return [ChangeForAlert(*row) for row in conn.execute(query).all()]

    def announce(self, subscription_id: str, from_event_id: int, through: int, mail: Mail | None) -> bool:
        """Move a subscription's mark from ``from_event_id`` to ``through`` and queue its digest, in one
        transaction; False (nothing queued) when another sender moved the mark first, so no change is
        announced twice."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(subscriptions)
                .where(subscriptions.c.id == subscription_id, subscriptions.c.last_event_id == from_event_id)
                .values(last_event_id=through)
            ).rowcount
            if not moved:
                return False
            if mail is not None:
                self._enqueue(conn, [mail], now() + dt.timedelta(days=30))
        return True

    # --- notes ---------------------------------------------------------------------------------------------
    def add_note(self, note: SealedNote) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(notes).values(**asdict(note)))

    def note(self, note_id: str) -> SealedNote | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(notes).where(notes.c.id == note_id, notes.c.expires_at > now())).mappings().first()
            )
        if row is None:
            return None
        times = {name: aware(row[name]) for name in ("created_at", "expires_at", "locked_until")}
        return SealedNote(**{**row, **times})

    def note_attempt(self, note_id: str, lock_after: int, lock_for: dt.timedelta) -> dt.datetime | None:
        """Count a passcode attempt on a note before the passcode is checked, in one step with its lock: None
        when the attempt may be checked (it counts as wrong until ``note_opened`` says otherwise, and the
        ``lock_after``-th in a row locks the note for ``lock_for``, itself still checked); else until when the
        note is locked (nothing counted). One UPDATE decides both, and concurrent ones take turns on the row
        (PostgreSQL re-reads it after the turn before it; SQLite has one writer): however many servers ask at
        once, at most ``lock_after`` attempts are checked while a lock lasts."""
        moment = now()
        open_now = or_(notes.c.locked_until.is_(None), notes.c.locked_until <= moment)
        counted = case((notes.c.locked_until.is_not(None), 1), else_=notes.c.failed_attempts + 1)  # a lapsed lock: anew
        lock = literal(moment + lock_for, type_=notes.c.locked_until.type)
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(notes)
                .where(notes.c.id == note_id, open_now)
                .values(failed_attempts=counted, locked_until=case((counted >= lock_after, lock), else_=None))
            ).rowcount
            if moved:
                return None
            until = conn.execute(select(notes.c.locked_until).where(notes.c.id == note_id)).scalar()
        return aware(until)

    def note_opened(self, note_id: str) -> None:
        """The right passcode: the attempts in a row start again from none."""
        with self.engine.begin() as conn:
            conn.execute(update(notes).where(notes.c.id == note_id).values(failed_attempts=0, locked_until=None))

    def delete_note(self, note_id: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(notes).where(notes.c.id == note_id)).rowcount)

    # --- a person's data, and its end ---------------------------------------------------------------------
    def personal_data(self, email: str) -> dict[str, Any]:
        """Everything kept under an email address (notes are kept under no address: only their link opens them)."""
        address = email.strip().lower()
        with self.engine.connect() as conn:
            found_leads = [
                _lead(r).as_dict()
                for r in conn.execute(select(leads).where(func.lower(leads.c.email) == address)).mappings()
            ]
            found_subscriptions = [
                _subscription(r).as_dict()
                for r in conn.execute(
                    select(subscriptions).where(func.lower(subscriptions.c.email) == address)
                ).mappings()
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
                    "created_at": _iso(c),
                    "sent_at": _iso(t),
                }
                for k, s, c, t in mails
            ],
        }

    def delete_personal_data(self, email: str) -> dict[str, int]:
        address = email.strip().lower()
        with self.engine.begin() as conn:
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

    def purge_expired(self) -> dict[str, int]:
        """Delete what has passed its retention: leads, unconfirmed or lapsed subscriptions, notes, and the
        outbox's copies of old emails."""
        moment = now()
        with self.engine.begin() as conn:
            counts = {
                "emails": conn.execute(delete(outbox).where(outbox.c.expires_at <= moment)).rowcount,
                "leads": conn.execute(delete(leads).where(leads.c.expires_at <= moment)).rowcount,
                "subscriptions": conn.execute(
                    delete(subscriptions).where(subscriptions.c.expires_at <= moment)
                ).rowcount,
                "notes": conn.execute(delete(notes).where(notes.c.expires_at <= moment)).rowcount,
                "operator sessions": conn.execute(
                    delete(operator_sessions).where(operator_sessions.c.expires_at <= moment)
                ).rowcount,
                "request counts": conn.execute(delete(rate_limits).where(rate_limits.c.expires_at <= moment)).rowcount,
            }
        return counts
