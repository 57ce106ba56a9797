"""``trialscope match --near`` in a fresh process loads only what a match needs: not the search index's engine
(tantivy), the migration machinery (alembic), the units library (pint: the vocabulary's factors are kept in
the cache folder), the fuzzy matcher of place names (for a name not found), the PostgreSQL driver on SQLite,
FHIR's models for a JSON profile, the file readers or the criteria engine (criteria are stored). The first run
writes the cache files and may load them all; the next prints the same and loads none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT
from trialscope.cli import app

NOT_LOADED = [
    "tantivy",
    "alembic",
    "pint",
    "rapidfuzz",
    "psycopg",
    "fhir",
    "yaml",
    "stream_unzip",
    "trialscope.criteria.engine",
    "trialscope.catalogue.readers",
    "trialscope.search.index",
]

RUN = """
import json, runpy, sys
sys.argv = ["trialscope", *sys.argv[1:]]
try:
    runpy.run_module("trialscope", run_name="__main__")
except SystemExit:
    pass
sys.stderr.write("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""


def _match(db_url: str) -> tuple[str, set[str]]:
    patient = str(ROOT / "examples" / "patient-aml.json")
    done = subprocess.run(
        [sys.executable, "-c", RUN, "match", "--patient", patient, "--near", "Hangzhou", "--db", db_url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "120"},
    )
    return done.stdout, set(json.loads(done.stderr.rsplit("MODULES ", 1)[1]))


def test_match_near_a_place_loads_only_what_it_needs(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'trials.db'}"
    assert CliRunner().invoke(app, ["ingest", str(FIXTURES / "seed-trials"), "--db", db_url]).exit_code == 0
    first, _ = _match(db_url)  # writes the gazetteer index and the unit factors into the cache folder
    again, modules = _match(db_url)
    assert again == first and "Hangzhou" in again
    loaded = [name for name in NOT_LOADED if any(m == name or m.startswith(name + ".") for m in modules)]
    assert loaded == []
    assert "trialscope.matching.catalogue_matching" in modules and "sqlalchemy" in modules
