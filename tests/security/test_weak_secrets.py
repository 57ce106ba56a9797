"""Probe 10: the operator password ``111111111111`` and the note passcode ``12345678`` were accepted, and a
copied database lets an attacker guess weak ones offline. Both are now checked with zxcvbn as well as for
length, and a note's refusal is in the reader's language."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.security.conftest import csrf_of
from trialscope.cli.app import app as cli
from trialscope.notes.sealed import NoteError, seal_note
from trialscope.operators import add_operator
from trialscope.store.trial_store import TrialStore


@pytest.mark.parametrize("password", ["111111111111", "password1234", "olgaolgaolga", "qwertyuiopas"])
def test_a_weak_operator_password_is_refused(seeded_store: TrialStore, password: str) -> None:
    with pytest.raises(ValueError, match="too easy to guess"):
        add_operator(seeded_store.people, "olga", password)
    assert seeded_store.people.operators.password_hash("olga") is None


def test_the_command_line_refuses_a_weak_operator_password(db_url: str) -> None:
    result = CliRunner().invoke(cli, ["operator", "add", "olga", "--db", db_url, "--password", "111111111111"])
    assert result.exit_code == 2 and "too easy to guess" in result.output


@pytest.mark.parametrize("passcode", ["12345678", "aaaaaaaa", "password", "NCT07342244"])
def test_a_weak_note_passcode_is_refused(seeded_store: TrialStore, passcode: str) -> None:
    with pytest.raises(NoteError, match="too easy to guess"):
        seal_note(seeded_store.people, "NCT07342244", "my notes", passcode)


def test_a_weak_passcode_is_refused_in_the_reader_s_language(app_client: TestClient) -> None:
    token = csrf_of(app_client, "/trials/NCT07342244/notes")
    entries = {"csrf_token": token, "text": "my notes", "passcode": "12345678", "passcode_again": "12345678"}
    english = app_client.post("/trials/NCT07342244/notes", data=entries)
    assert english.status_code == 400 and "too easy to guess" in english.text
    chinese = app_client.post("/trials/NCT07342244/notes?lang=zh", data=entries)
    assert chinese.status_code == 400 and "太容易被猜到" in chinese.text


def test_a_strong_passcode_is_kept(seeded_store: TrialStore) -> None:
    note = seal_note(seeded_store.people, "NCT07342244", "my notes", "Heron-lake-42!")
    assert seeded_store.people.notes.get(note.id) is not None
