"""Private notes through the pages: saved encrypted (the database alone reveals nothing), opened only with
the passcode, wrong passcodes lock the note and floods from one client get 429, deleted with the passcode."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web.conftest import csrf
from trialscope.notes.sealed import LOCK_AFTER
from trialscope.store.schema import notes
from trialscope.store.trial_store import TrialStore
from trialscope.web.app import create_app

pytestmark = pytest.mark.usefixtures("fresh_limits")

SECRET_TEXT = "Ask Dr. Chen about the CD117 dose and the 28-day follow-up 问医生"


def _save(client: TestClient, passcode: str = "blue-heron-42") -> str:
    token = csrf(client, "/trials/NCT07342244/notes")
    saved = client.post(
        "/trials/NCT07342244/notes",
        data={"csrf_token": token, "text": SECRET_TEXT, "passcode": passcode, "passcode_again": passcode},
    )
    assert saved.status_code == 200, saved.text
    link = re.search(r'value="http://testserver(/notes/[\w-]+)"', saved.text)
    assert link
    return link.group(1)


def test_a_note_is_kept_encrypted_and_opens_with_its_passcode(client: TestClient, web_store: TrialStore) -> None:
    assert 'href="/trials/NCT07342244/notes"' in client.get("/trials/NCT07342244").text
    path = _save(client)
    with web_store.engine.connect() as conn:
        row = conn.execute(select(notes).where(notes.c.id == path.rsplit("/", 1)[1])).mappings().one()
    stored = " ".join(str(v) for v in row.values())
    assert "CD117" not in stored and "blue-heron-42" not in stored and row["passcode_hash"].startswith("$argon2id$")
    assert 'type="password"' in client.get(path).text  # the link alone asks for the passcode
    opened = client.post(path, data={"csrf_token": csrf(client, path), "passcode": "blue-heron-42"})
    assert opened.status_code == 200 and "Ask Dr. Chen about the CD117 dose" in opened.text and "问医生" in opened.text


def test_wrong_passcodes_lock_the_note(client: TestClient) -> None:
    path = _save(client, "correct-horse-1")
    token = csrf(client, path)
    for _ in range(LOCK_AFTER):
        wrong = client.post(path, data={"csrf_token": token, "passcode": "guess-guess"})
        assert wrong.status_code == 403 and "does not open" in wrong.text
    locked = client.post(path, data={"csrf_token": token, "passcode": "correct-horse-1"})
    assert locked.status_code == 403 and "Too many wrong passcodes" in locked.text  # even the right one, for now


def test_one_client_guessing_many_links_gets_429(web_store: TrialStore) -> None:
    with TestClient(
        create_app(web_store, secret=b"test-secret", public_url="http://testserver"), client=("198.51.100.7", 4000)
    ) as guesser:
        path = _save(guesser, "another-pass-9")
        token = csrf(guesser, path)
        codes = [
            guesser.post(path + "x" * 0, data={"csrf_token": token, "passcode": f"try-{n}-xxxx"}).status_code
            for n in range(22)
        ]
    assert 429 in codes and codes[0] == 403


def test_a_note_is_deleted_with_its_passcode(client: TestClient) -> None:
    path = _save(client, "delete-me-please")
    token = csrf(client, path)
    assert client.post(f"{path}/delete", data={"csrf_token": token, "passcode": "nope-nope-nope"}).status_code == 403
    assert (
        "Note deleted" in client.post(f"{path}/delete", data={"csrf_token": token, "passcode": "delete-me-please"}).text
    )
    assert client.get(path).status_code == 404


def test_short_or_mismatched_passcodes_are_refused_with_the_text_kept(client: TestClient) -> None:
    token = csrf(client, "/trials/NCT07342244/notes")
    short = client.post(
        "/trials/NCT07342244/notes",
        data={"csrf_token": token, "text": "my questions", "passcode": "short", "passcode_again": "short"},
    )
    assert short.status_code == 400 and "at least 8 characters" in short.text and "my questions" in short.text
    differ = client.post(
        "/trials/NCT07342244/notes",
        data={
            "csrf_token": token,
            "text": "my questions",
            "passcode": "long-enough-1",
            "passcode_again": "long-enough-2",
        },
    )
    assert differ.status_code == 400 and "differ" in differ.text
