"""Probe 6: the operator's cookie was a signed ``name.timestamp``: it still worked after logout and after a
password change, its name was never checked against the operators, it could be made by anyone holding the
database's signing key, and the SQLite file was world-readable. Sessions now live on the server."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from tests.security.conftest import csrf_of
from trialscope.operators import add_operator
from trialscope.store.people import PeopleStore
from trialscope.store.trial_store import TrialStore
from trialscope.web.operator_pages import SESSION_COOKIE

PASSWORD = "Quiet-otter-river-7"


def _log_in(client: TestClient, people: PeopleStore, name: str = "olga") -> str:
    add_operator(people, name, PASSWORD)
    answer = client.post(
        "/operator/login",
        data={"csrf_token": csrf_of(client, "/operator/login"), "name": name, "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    assert client.get("/operator", follow_redirects=False).status_code == 200
    return cookie


def _let_in(client: TestClient, cookie: str) -> bool:
    client.cookies.set(SESSION_COOKIE, cookie)
    return client.get("/operator", follow_redirects=False).status_code == 200


def test_a_session_cookie_kept_after_logout_opens_nothing(app_client: TestClient, seeded_store: TrialStore) -> None:
    cookie = _log_in(app_client, seeded_store.people)
    app_client.post("/operator/logout", data={"csrf_token": csrf_of(app_client, "/operator")})
    assert not _let_in(app_client, cookie)


def test_a_password_change_ends_every_session(app_client: TestClient, seeded_store: TrialStore) -> None:
    people = seeded_store.people
    cookie = _log_in(app_client, people)
    add_operator(people, "olga", "Another-long-passphrase-9")
    assert not _let_in(app_client, cookie)


def test_a_removed_operator_s_session_opens_nothing(app_client: TestClient, seeded_store: TrialStore) -> None:
    people = seeded_store.people
    cookie = _log_in(app_client, people, "ivan")
    assert people.operators.remove("ivan")
    assert not _let_in(app_client, cookie)


def test_a_cookie_forged_with_the_database_s_key_opens_nothing(
    app_client: TestClient, seeded_store: TrialStore
) -> None:
    add_operator(seeded_store.people, "olga", PASSWORD)
    site = app_client.app.state.site  # type: ignore[attr-defined]
    forged = TimestampSigner(site.secret, salt="operator-session").sign("olga").decode()
    assert not _let_in(app_client, forged)
    assert not _let_in(app_client, "x" * 43)


def test_the_sqlite_file_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "trials.db"
    with TrialStore.open(f"sqlite:///{path}") as store:
        store.people.keys.secret("csrf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for journal in path.parent.glob("trials.db-*"):
        assert stat.S_IMODE(journal.stat().st_mode) & 0o077 == 0, journal


def test_a_world_readable_sqlite_file_is_closed_to_others(tmp_path: Path) -> None:
    path = tmp_path / "trials.db"
    with TrialStore.open(f"sqlite:///{path}"):
        pass
    path.chmod(0o644)
    with TrialStore.open(f"sqlite:///{path}"):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
