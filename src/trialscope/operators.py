"""Operator accounts for the operator page (leads and the outbox): names with argon2id password hashes,
made by ``trialscope operator add NAME``."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from trialscope.store.people import PeopleStore

MIN_PASSWORD = 12
_HASHER = PasswordHasher()


def add_operator(people: PeopleStore, name: str, password: str) -> None:
    """Create an operator, or give an existing one a new password."""
    if not name.strip() or len(name) > 80:
        raise ValueError("an operator's name: 1 to 80 characters")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password of at least {MIN_PASSWORD} characters")
    people.set_operator(name.strip(), _HASHER.hash(password))


def check_operator(people: PeopleStore, name: str, password: str) -> bool:
    stored = people.operator_hash(name.strip())
    if stored is None:
        _HASHER.hash(password)  # the same time whether or not the name exists
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
