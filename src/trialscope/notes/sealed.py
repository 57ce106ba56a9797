"""Sealing a private note: the passcode is kept only as an argon2id hash (to check it), and the text only
encrypted (AES-256-GCM) under a key derived from the passcode with argon2id and a salt of its own, so a
copy of the database alone reveals no note. Opening needs the link (an unguessable id) and the passcode;
every attempt is counted per note, and the note locked at ``LOCK_AFTER`` in a row, in one step before the
passcode is checked (``NoteStore.attempt``), so no more than ``LOCK_AFTER`` wrong passcodes are ever
checked while a lock lasts, however many servers are asked at once; on top of the per-client rate limit of
the pages."""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from trialscope.settings import DEFAULT_NOTE_DAYS, ENV_NOTE_DAYS, retention_days
from trialscope.store.people import PeopleStore, SealedNote, new_id, now
from trialscope.strength import strong_enough
from trialscope.translation import _

MIN_PASSCODE = 8
MAX_TEXT = 10_000
LOCK_AFTER = 5  # wrong passcodes in a row ...
LOCK_FOR = dt.timedelta(minutes=15)  # ... lock the note this long
_HASHER = PasswordHasher()  # argon2id, the library's recommended cost (RFC 9106's second choice)


class NoteError(ValueError):
    """A note cannot be saved or opened (the sentence says why, in the reader's language)."""


class NoteLocked(NoteError):
    """Too many wrong passcodes: the note opens again after ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(_("Too many wrong passcodes. Try again after %(time)s UTC.", time=until.strftime("%H:%M")))
        self.until = until


@dataclass(frozen=True, slots=True)
class OpenedNote:
    id: str
    nct_id: str
    text: str
    expires_at: dt.datetime


def _key(passcode: str, salt: bytes) -> bytes:
    return hash_secret_raw(
        passcode.encode(), salt, time_cost=3, memory_cost=65536, parallelism=4, hash_len=32, type=Type.ID
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def note_days() -> int:
    return retention_days(ENV_NOTE_DAYS, DEFAULT_NOTE_DAYS)


def seal_note(people: PeopleStore, nct_id: str, text: str, passcode: str) -> SealedNote:
    """Keep a note; returns it (its ``id`` is the link's last part)."""
    text = text.strip()
    if not text:
        raise NoteError(_("Write something to keep."))
    if len(text) > MAX_TEXT:
        raise NoteError(_("A note can hold up to %(count)s characters.", count=MAX_TEXT))
    if len(passcode) < MIN_PASSCODE:
        raise NoteError(_("Choose a passcode of at least %(count)s characters.", count=MIN_PASSCODE))
    if not strong_enough(passcode, [nct_id]):
        raise NoteError(
            _(
                "This passcode is too easy to guess. "
                "Use three or four unrelated words, or add more characters that do not follow a pattern."
            )
        )
    salt, nonce = os.urandom(16), os.urandom(12)
    note_id = new_id()
    sealed = AESGCM(_key(passcode, salt)).encrypt(nonce, text.encode(), note_id.encode())  # bound to its link
    created = now()
    note = SealedNote(
        id=note_id,
        nct_id=nct_id,
        passcode_hash=_HASHER.hash(passcode),
        key_salt=_b64(salt),
        nonce=_b64(nonce),
        ciphertext=_b64(sealed),
        created_at=created,
        expires_at=created + dt.timedelta(days=note_days()),
        failed_attempts=0,
        locked_until=None,
    )
    people.notes.add(note)
    return note


def open_note(people: PeopleStore, note_id: str, passcode: str) -> OpenedNote | None:
    """The note's text, or None when there is no such note (or it expired); NoteError for a wrong passcode,
    NoteLocked while it is locked."""
    note = people.notes.get(note_id)
    if note is None:
        return None
    locked_until = people.notes.attempt(note.id, LOCK_AFTER, LOCK_FOR)  # counted and locked before it is checked
    if locked_until is not None:
        raise NoteLocked(locked_until)
    try:
        _HASHER.verify(note.passcode_hash, passcode)
        key = _key(passcode, base64.b64decode(note.key_salt))
        text = AESGCM(key).decrypt(base64.b64decode(note.nonce), base64.b64decode(note.ciphertext), note.id.encode())
    except (VerificationError, InvalidHashError, InvalidTag):
        raise NoteError(_("That passcode does not open this note.")) from None
    people.notes.opened(note.id)
    return OpenedNote(note.id, note.nct_id, text.decode(), note.expires_at)


def delete_note(people: PeopleStore, note_id: str, passcode: str) -> bool:
    """Delete a note: only with its passcode (``open_note``'s checks and lock apply)."""
    return open_note(people, note_id, passcode) is not None and people.notes.delete(note_id)
