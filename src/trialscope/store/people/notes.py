"""Private notes, sealed under a passcode (``notes/sealed.py`` seals and opens them), and the count of wrong
passcodes that locks one."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import Engine, case, delete, insert, literal, or_, select, update

from trialscope.store.people.times import aware, now
from trialscope.store.schema import notes


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


class NoteStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, note: SealedNote) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(notes).values(**asdict(note)))

    def get(self, note_id: str) -> SealedNote | None:
        """The note, while it has not expired."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(notes).where(notes.c.id == note_id, notes.c.expires_at > now())).mappings().first()
            )
        if row is None:
            return None
        times = {name: aware(row[name]) for name in ("created_at", "expires_at", "locked_until")}
        return SealedNote(**{**row, **times})

    def attempt(self, note_id: str, lock_after: int, lock_for: dt.timedelta) -> dt.datetime | None:
        """Count a passcode attempt on a note before the passcode is checked, in one step with its lock: None
        when the attempt may be checked (it counts as wrong until ``opened`` says otherwise, and the
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

    def opened(self, note_id: str) -> None:
        """The right passcode: the attempts in a row start again from none."""
        with self.engine.begin() as conn:
            conn.execute(update(notes).where(notes.c.id == note_id).values(failed_attempts=0, locked_until=None))

    def delete(self, note_id: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(notes).where(notes.c.id == note_id)).rowcount)
