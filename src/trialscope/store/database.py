"""Which database, how to connect, and keeping its schema current.

The database is chosen by one URL: the ``--db`` option, else ``TRIALSCOPE_DATABASE_URL``, else an SQLite
file in the user's data folder (created on first use). ``postgresql://`` URLs are driven by psycopg 3.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from trialscope.settings import ENV_DATABASE_URL

if TYPE_CHECKING:
    from alembic.config import Config

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


def write_conflicts() -> tuple[type[Exception], ...]:
    """The errors a write tries again after (another writer got there first, the database was busy):
    SQLAlchemy's, and the PostgreSQL driver's own where it is loaded (it raises none before; not importing
    it saves an SQLite user's command a twentieth of a second)."""
    psycopg = sys.modules.get("psycopg")
    own: tuple[type[Exception], ...] = (psycopg.IntegrityError, psycopg.OperationalError) if psycopg else ()
    return (IntegrityError, OperationalError, *own)


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
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def newest_revision_file() -> str | None:
    """The newest revision by its file's name (``0013_condition_index.py``: "0013"): the head, as alembic
    finds it by reading every migration (``head_revision``), for a history that is one line of numbered
    revisions, each named by its number (``tests/store/test_migrations.py`` holds them to that)."""
    numbers = [m.group(1) for f in (MIGRATIONS_DIR / "versions").iterdir() if (m := _REVISION_FILE.match(f.name))]
    return max(numbers, default=None)


def _stored_revision(engine: Engine) -> str | None:
    """The schema's revision as alembic records it (None for a new database or one alembic cannot read)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except DBAPIError:
        return None
    return rows[0] if len(rows) == 1 else None


_MIGRATION_LOCK = 0x7472_6961_6C73  # "trials": the advisory lock key of schema migrations


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there: then found without
    importing alembic, whose import costs a command a quarter of a second)."""
    stored = _stored_revision(engine)
    if stored is not None and stored == newest_revision_file():
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    if current_revision(engine) == head_revision():
        return
    config = _alembic_config()
    with engine.begin() as connection:
        # several processes opening a new database at once (two imports, a server's workers): one
        # migrates, the others wait for its lock here (released at commit), then find nothing left to do
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        else:  # SQLite: the database's write lock, taken now rather than at the first CREATE TABLE
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        if MigrationContext.configure(connection).get_current_revision() == head_revision():
            return
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
