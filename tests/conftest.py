"""Shared fixtures: paths into ../shared, and a database URL on each backend (SQLite file, PostgreSQL
schema), so the store's tests run on both. PostgreSQL is required under CI (CI=true) and skipped with a
reason elsewhere when the server is not running."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.mail_server import mail_server  # noqa: F401  (a real SMTP server, for every test that asks for one)
from trialscope.store.trial_store import TrialStore

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data"  # small fixtures in the repository (tests/data/README.md): every clone has them
SHARED = Path(os.environ.get("TRIALSCOPE_SHARED", ROOT.parent / "shared"))
DATA = SHARED / "data"  # the large shared corpora: reached only through ``shared_data``


def shared_data(*parts: str) -> Path:
    """A path into the shared corpora (../shared/data), for tests over the large sets (the CAR-T monitor, the
    LCT corpus, Synthea bundles, every criteria text). Where ../shared is absent (a fresh clone) such a test is
    skipped with the reason; under CI, which has it, its absence is a failure."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpora are required under CI: {path} is missing")
        pytest.skip(f"needs the shared corpora, not in this clone: {path}")
    return path


POSTGRES_URL = os.environ.get("TRIALSCOPE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the user's real default database or environment."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("TRIALSCOPE_DATABASE_URL", raising=False)


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@contextmanager
def backend_url(backend: str, folder: Path) -> Iterator[str]:
    """A fresh database on this backend: an SQLite file in ``folder``, or a new PostgreSQL schema (dropped
    afterwards). PostgreSQL is skipped when unreachable, except under CI where it is required."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'trials.db'}"
        return
    problem = _postgres_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but unreachable at {POSTGRES_URL}: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {problem}")
    schema = f"ts_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with backend_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[TrialStore]:
    with TrialStore.open(db_url) as opened:
        yield opened
