"""Alert subscriptions (double opt-in: ``alerts/subscriptions.py``) and the change events they are told of."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from trialscope.store.people.outbox import Mail, queue
from trialscope.store.people.times import aware, now
from trialscope.store.schema import change_events, outbox, subscriptions


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
class ChangeForAlert:
    id: int
    nct_id: str
    kind: str
    summary: str


def subscription_of(row: Any) -> Subscription:
    """A subscription from its row."""
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


def _newest_change(conn: Connection) -> int:
    """The id of the newest change event (0 for none)."""
    return int(conn.execute(select(func.max(change_events.c.id))).scalar() or 0)


class SubscriptionStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, subscription: Subscription, confirm: Mail) -> None:
        """Store a subscription, not yet confirmed, and queue the email that asks to confirm it."""
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
            queue(conn, [confirm], subscription.expires_at)

    def get(self, subscription_id: str) -> Subscription | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(subscriptions).where(subscriptions.c.id == subscription_id)).mappings().first()
        return subscription_of(row) if row is not None else None

    def confirm(self, subscription_id: str, expires_at: dt.datetime) -> bool:
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
        """Delete a subscription and the emails of it still waiting to be sent."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(outbox).where(outbox.c.subscription_id == subscription_id, outbox.c.status == "waiting")
            )
            return bool(conn.execute(delete(subscriptions).where(subscriptions.c.id == subscription_id)).rowcount)

    def confirmed(self) -> list[Subscription]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(subscriptions).where(subscriptions.c.confirmed_at.is_not(None)).order_by(subscriptions.c.id)
            ).mappings()
            return [subscription_of(row) for row in rows]

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
                queue(conn, [mail], now() + dt.timedelta(days=30))
        return True
