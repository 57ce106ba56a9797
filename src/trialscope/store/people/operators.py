"""Operator accounts (a name and a password hash: ``operators.py`` hashes and checks) and their sessions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert, select, update

from trialscope.store.people.times import now
from trialscope.store.schema import operator_sessions, operators


class OperatorStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set(self, name: str, password_hash: str) -> None:
        """Create an operator, or set a new password: every session of theirs ends with the old one."""
        with self.engine.begin() as conn:
            if conn.execute(
                update(operators).where(operators.c.name == name).values(password_hash=password_hash)
            ).rowcount:
                conn.execute(delete(operator_sessions).where(operator_sessions.c.operator == name))
                return
            conn.execute(insert(operators).values(name=name, password_hash=password_hash, created_at=now()))

    def remove(self, name: str) -> bool:
        """Delete an operator account and its sessions."""
        with self.engine.begin() as conn:
            conn.execute(delete(operator_sessions).where(operator_sessions.c.operator == name))
            return bool(conn.execute(delete(operators).where(operators.c.name == name)).rowcount)

    def password_hash(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            value: str | None = conn.execute(select(operators.c.password_hash).where(operators.c.name == name)).scalar()
        return value

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
