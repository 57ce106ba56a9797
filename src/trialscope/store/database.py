"""Which database, how to connect, and keeping its schema current.

The database is chosen by one URL: the ``--db`` option, else ``TRIALSCOPE_DATABASE_URL``, else an SQLite
file in the user's data folder (created on first use). ``postgresql://`` URLs are driven by psycopg 3.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from trialscope.settings import ENV_DATABASE_URL

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class DatabaseUrlError(ValueError):
    """The database URL names a backend trialscope does not support."""


class DatabaseUnavailable(RuntimeError):
    """The database could not be opened (server down, no such database, a file that is not SQLite); the
    message is the driver's first line."""


def default_database_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trialscope" / "trialscope.db"


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the one given, else the environment's, else the default SQLite file."""
    chosen = url or os.environ.get(ENV_DATABASE_URL) or f"sqlite:///{default_database_path()}"
    parsed = make_url(chosen)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return chosen
    raise DatabaseUrlError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: "
        "use sqlite:///path/to/file.db or postgresql://user@host/dbname"
    )


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite database URL (None for another backend or an in-memory database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).expanduser()
    return None


def url_without_password(url: str) -> str:
    """The URL as text with its password masked (safe to hash, log or show)."""
    return make_url(url).render_as_string(hide_password=True)


def is_default_database(url: str | None) -> bool:
    return not url and not os.environ.get(ENV_DATABASE_URL)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer; crash-safe
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def private_file(path: Path) -> None:
    """An SQLite file readable and writable by its owner only (0600): it holds personal data and the site's
    keys. Made so before SQLite opens it (its journal and WAL files take the same mode); one this user owns
    that others could read is closed to them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return
    status = path.stat()
    if status.st_mode & 0o077 and hasattr(os, "getuid") and status.st_uid == os.getuid():
        path.chmod(0o600)


def create_database_engine(url: str | None = None, **options: Any) -> Engine:
    resolved = resolve_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            private_file(Path(database).expanduser())
        engine = create_engine(resolved, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(resolved, pool_pre_ping=True, **options)


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


_MIGRATION_LOCK = 0x7472_6961_6C73  # "trials": the advisory lock key of schema migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""
    if current_revision(engine) == head_revision():
        return
    config = _alembic_config()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # several processes opening a new database at once (two imports, a server's workers): one
            # migrates, the others wait for it here (released at commit), then find nothing left to do
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            if MigrationContext.configure(connection).get_current_revision() == head_revision():
                return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
