"""The database module: a store whose schema is current opens without the migration machinery (the newest
revision is read from the migrations' file names, which must then be one line of numbered revisions, each
named by its number); a write tries again after a conflict reported by SQLAlchemy or by psycopg itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from trialscope.store.database import MIGRATIONS_DIR, head_revision, newest_revision_file


def _assigned(path: Path, name: str) -> object:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name}: no {name}")


def test_the_newest_file_is_alembics_head_and_the_history_is_one_line() -> None:
    assert newest_revision_file() == head_revision()
    files = sorted(MIGRATIONS_DIR.joinpath("versions").glob("[0-9]*.py"))
    assert len(files) >= 13
    previous = None
    for path in files:
        assert _assigned(path, "revision") == path.name[:4], path.name
        assert _assigned(path, "down_revision") == previous, path.name
        previous = path.name[:4]


def test_a_current_store_opens_without_importing_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trials.db'}"
    program = (
        "import sys\n"
        "from trialscope.store.trial_store import TrialStore\n"
        f"TrialStore.open({url!r}).close()\n"
        "first = 'alembic' in sys.modules\n"
        "for name in [m for m in sys.modules if m.split('.')[0] == 'alembic']: del sys.modules[name]\n"
        f"with TrialStore.open({url!r}) as store: print(first, 'alembic' in sys.modules, store.count())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT / "src")},
    )
    assert done.stdout.split() == ["True", "False", "0"]  # a new database is migrated; a current one is not


def test_a_write_tries_again_after_either_drivers_conflicts() -> None:
    import psycopg
    from sqlalchemy.exc import IntegrityError, OperationalError

    from trialscope.store.database import write_conflicts

    assert set(write_conflicts()) == {
        IntegrityError,
        OperationalError,
        psycopg.IntegrityError,
        psycopg.OperationalError,
    }
