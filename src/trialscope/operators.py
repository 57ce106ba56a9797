"""Operator accounts for the operator page (leads and the outbox): names with argon2id password hashes,
made by ``trialscope operator add NAME``; and their sessions, kept on the server: a log-in gets a random
token (the cookie), of which the database keeps only the SHA-256, so neither the database nor its signing
keys let anyone make a valid cookie. A session ends at logout, after ``SESSION_SECONDS``, when the
operator's password changes, or with the operator."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from trialscope.store.people import PeopleStore, now
from trialscope.strength import strong_enough

MIN_PASSWORD = 12
SESSION_SECONDS = 8 * 3600
_HASHER = PasswordHasher()


def add_operator(people: PeopleStore, name: str, password: str) -> None:
    """Create an operator, or give an existing one a new password."""
    if not name.strip() or len(name) > 80:
        raise ValueError("an operator's name: 1 to 80 characters")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password of at least {MIN_PASSWORD} characters")
    if not strong_enough(password, [name]):
        raise ValueError(
            "that password is too easy to guess (a copy of the database could be tried against it offline): "
            "use a few unrelated words, or a longer one"
        )
    people.operators.set(name.strip(), _HASHER.hash(password))


def check_operator(people: PeopleStore, name: str, password: str) -> bool:
    stored = people.operators.password_hash(name.strip())
    if stored is None:
        _HASHER.hash(password)  # the same time whether or not the name exists
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(people: PeopleStore, name: str) -> str:
    """A new session for an operator who just logged in: its token, for the cookie."""
    token = secrets.token_urlsafe(32)
    people.operators.start_session(_token_hash(token), name.strip(), now() + dt.timedelta(seconds=SESSION_SECONDS))
    return token


def session_operator(people: PeopleStore, token: str) -> str | None:
    """Who a session token belongs to (None: no such session, expired, or the operator is gone)."""
    if not token or len(token) > 100:
        return None
    return people.operators.session_operator(_token_hash(token))


def close_session(people: PeopleStore, token: str) -> None:
    people.operators.end_session(_token_hash(token))
