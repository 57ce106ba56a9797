"""Whether anything was committed to the database since it was last asked: what lets a server answer "has
the catalogue changed?" without a query per request.

SQLite counts commits for each connection: ``PRAGMA data_version`` moves whenever another connection, of
this process or any other, has committed since that connection last asked. A connection of its own that
never writes therefore sees every commit. PostgreSQL (and an in-memory SQLite database, which no other
connection shares) has no such counter: there the answer is always "perhaps", and callers ask their query.
"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import Engine


class CommitCounter:
    """A number that moves whenever anything was committed to the database (None: not known here)."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._probe: sqlite3.Connection | None = None
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" and not url.query:
            try:  # autocommit: the probe never holds a read transaction that would hide others' commits
                self._probe = sqlite3.connect(url.database, check_same_thread=False, isolation_level=None)
            except sqlite3.Error:
                self._probe = None

    def mark(self) -> int | None:
        """The current count (equal to an earlier mark only if nothing was committed in between), or None."""
        if self._probe is None:
            return None
        with self._lock:
            try:
                # read to the end: a statement left open would hold a read transaction (and its snapshot)
                return int(self._probe.execute("PRAGMA data_version").fetchall()[0][0])
            except sqlite3.Error:
                return None

    def close(self) -> None:
        with self._lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None
