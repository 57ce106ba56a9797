"""The private notes' lockout holds under concurrency (issue 37), on SQLite and PostgreSQL: 30 wrong
passcodes sent at once through two servers (two apps, each with its own store, on one database) have at most
5 passcodes checked, the attempt being counted and the lock taken in one step before the check; the right
passcode is refused while the lock lasts, and once it lapses the count starts again."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.conftest import FIXTURES
from tests.web.conftest import csrf
from trialscope.ingest import ingest_paths
from trialscope.notes import sealed
from trialscope.notes.sealed import LOCK_AFTER, NoteLocked, open_note, seal_note
from trialscope.store.schema import notes
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

PASSCODE = "correct-horse-battery"


class CountingHasher:
    """The passcode hasher, counting the passcodes it checks."""

    def __init__(self, hasher: sealed.PasswordHasher) -> None:
        self.hasher = hasher
        self.checked = 0
        self._lock = threading.Lock()

    def verify(self, hashed: str, passcode: str) -> bool:
        with self._lock:
            self.checked += 1
        return self.hasher.verify(hashed, passcode)

    def hash(self, passcode: str) -> str:
        return self.hasher.hash(passcode)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(sealed._HASHER)
    monkeypatch.setattr(sealed, "_HASHER", counting)
    return counting


@pytest.fixture
def two_servers(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[TestClient]]:
    with TrialStore.open(db_url) as first, TrialStore.open(db_url) as second:
        ingest_paths(first, [FIXTURES / "seed-trials" / "NCT07342244.json"])
        clients: list[TestClient] = []
        with ExitStack() as stack:
            for name, store in (("a", first), ("b", second)):
                monkeypatch.setenv("TRIALSCOPE_SEARCH_INDEX", str(tmp_path / f"index-{name}"))  # as on two machines
                app = create_app(store, secret=b"shared-secret")
                stack.callback(app.state.site.index.stop_following)
                client = TestClient(app, client=(f"198.51.100.{len(clients) + 1}", 4000))
                clients.append(stack.enter_context(client))  # one event loop per server, as in a real one
            yield clients


def test_thirty_wrong_passcodes_at_once_through_two_servers_check_at_most_5(
    two_servers: list[TestClient], hasher: CountingHasher
) -> None:
    a, b = two_servers
    token = csrf(a, "/trials/NCT07342244/notes")
    saved = a.post(
        "/trials/NCT07342244/notes",
        data={"csrf_token": token, "text": "questions", "passcode": PASSCODE, "passcode_again": PASSCODE},
    )
    assert saved.status_code == 200, saved.text
    note_id = saved.text.split("/notes/", 1)[1].split('"', 1)[0]
    path = f"/notes/{note_id}"
    tokens = {id(c): csrf(c, path) for c in (a, b)}
    start = threading.Barrier(30)
    answers: list[str] = []

    def guess(n: int) -> None:
        client = (a, b)[n % 2]
        start.wait()
        page = client.post(path, data={"csrf_token": tokens[id(client)], "passcode": f"wrong-guess-{n:02d}"})
        answers.append("locked" if "Too many wrong passcodes" in page.text else str(page.status_code))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(answers) == 30 and set(answers) <= {"403", "locked"}
    assert hasher.checked <= LOCK_AFTER, f"{hasher.checked} wrong passcodes checked"
    assert answers.count("403") + answers.count("locked") == 30 and answers.count("locked") >= 30 - LOCK_AFTER
    right = b.post(path, data={"csrf_token": tokens[id(b)], "passcode": PASSCODE})
    assert "Too many wrong passcodes" in right.text and hasher.checked <= LOCK_AFTER  # not even checked


def test_the_count_starts_again_when_the_lock_lapses_and_after_the_right_passcode(
    store: TrialStore, hasher: CountingHasher
) -> None:
    people = store.people
    note = seal_note(people, "NCT07342244", "questions", PASSCODE)
    for _ in range(LOCK_AFTER - 1):
        with pytest.raises(sealed.NoteError):
            open_note(people, note.id, "wrong-guess")
    assert open_note(people, note.id, PASSCODE) is not None  # the right one: the count starts again
    for _ in range(LOCK_AFTER):
        with pytest.raises(sealed.NoteError) as wrong:
            open_note(people, note.id, "wrong-guess")
        assert not isinstance(wrong.value, NoteLocked)
    with pytest.raises(NoteLocked):
        open_note(people, note.id, PASSCODE)
    checked = hasher.checked
    with store.engine.begin() as conn:  # the lock lapses
        past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        conn.execute(update(notes).where(notes.c.id == note.id).values(locked_until=past))
    with pytest.raises(sealed.NoteError) as again:
        open_note(people, note.id, "wrong-guess")
    assert not isinstance(again.value, NoteLocked) and hasher.checked == checked + 1
    opened = open_note(people, note.id, PASSCODE)
    assert opened is not None and opened.text == "questions"
