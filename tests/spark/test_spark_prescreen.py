"""Prescreening on Apache Spark (local mode) gives, row for row, what the local engine gives: on the
shared vignettes against every seed trial, and on a generated population of a few thousand patients
against open demo trials; from JSON Lines, CSV, Parquet and FHIR bulk-export NDJSON, with unreadable
patients reported and the others screened.

Skipped where pyspark or Java is missing, except under CI (which installs both)."""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FIXTURES
from trialscope.cli import app
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.matching.catalogue_matching import open_trial_ids, trial_specs
from trialscope.matching.prescreen import TrialSpec, screen_rows
from trialscope.patients.fhir import bulk_resources
from trialscope.patients.files import load_patient
from trialscope.patients.model import Patient
from trialscope.patients.sources import PatientError, read_patients
from trialscope.patients.synthetic import synthetic_population
from trialscope.store.trial_store import TrialStore


def _why_not() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (Spark needs a JDK/JRE 17+)"
    return None


_MISSING = _why_not()
if _MISSING and os.environ.get("CI"):
    raise RuntimeError(f"the Spark tests must run under CI: {_MISSING}")
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")

VIGNETTES = sorted((FIXTURES / "vignettes").glob("*.json"))
Row = tuple[object, ...]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    from trialscope.spark.prescreen import start_spark

    session = start_spark("local[2]", "trialscope tests")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrialStore]:
    with TrialStore.open(f"sqlite:///{tmp_path_factory.mktemp('spark') / 'demo.db'}") as store:
        load_demo(store)
        ingest_paths(store, [FIXTURES / "seed-trials"])
        yield store


def _local(specs: list[TrialSpec], path: Path) -> set[Row]:
    patients: list[Patient] = []
    rows: set[Row] = set()
    for item in read_patients(path):
        if isinstance(item, PatientError):
            rows.add((item.origin, None, None, None, None, None, item.reason))
        else:
            patients.append(item)
    screens = [spec.compiled() for spec in specs]
    for r in screen_rows(screens, patients):
        rows.add((r.patient, r.nct_id, r.verdict, r.failing, r.open_questions, r.questions, None))
    return rows


def _on_spark(spark: object, specs: list[TrialSpec], path: Path) -> set[Row]:
    from trialscope.spark.prescreen import prescreen_frame

    frame = prescreen_frame(spark, specs, path)  # type: ignore[arg-type]
    return {tuple(row) for row in frame.collect()}


def _jsonl(path: Path, patients: list[Patient], extra: str = "") -> Path:
    with path.open("w", encoding="utf-8") as sink:
        for patient in patients:
            sink.write(patient.model_dump_json(exclude_none=True) + "\n")
        sink.write(extra)
    return path


def test_the_vignettes_on_every_seed_trial_row_for_row(spark: object, demo_store: TrialStore, tmp_path: Path) -> None:
    seeds = sorted(p.stem for p in (FIXTURES / "seed-trials").glob("NCT*.json"))
    specs = trial_specs(demo_store, seeds)
    path = _jsonl(tmp_path / "vignettes.jsonl", [load_patient(p) for p in VIGNETTES], "{not json\n")
    local, distributed = _local(specs, path), _on_spark(spark, specs, path)
    assert local == distributed
    assert len(local) == len(VIGNETTES) * len(seeds) + 1
    assert {r[2] for r in local} >= {"possibly_eligible", "not_eligible"}
    [problem] = [r for r in distributed if r[6] is not None]
    assert problem[0] == f"{path}:{len(VIGNETTES) + 1}" and "malformed JSON" in str(problem[6])


def test_a_generated_population_against_open_trials_row_for_row(
    spark: object, demo_store: TrialStore, tmp_path: Path
) -> None:
    templates = [load_patient(p) for p in VIGNETTES]
    population = list(synthetic_population(templates, 3000, seed=17))
    nct_ids = [n for n in open_trial_ids(demo_store) if n in {"NCT07144020", "NCT06125652", "NCT07342244"}]
    nct_ids += open_trial_ids(demo_store)[::97][:5]
    specs = trial_specs(demo_store, nct_ids)
    path = _jsonl(tmp_path / "population.jsonl", population)
    local, distributed = _local(specs, path), _on_spark(spark, specs, path)
    assert len(local) == 3000 * len(specs)
    assert local == distributed


def test_lines_are_numbered_across_shares_of_the_file(spark: object, demo_store: TrialStore, tmp_path: Path) -> None:
    """A JSON Lines file split into many shares: each unreadable line is named by its number in the file (the
    JVM counts the lines of the shares before), blank lines counted and skipped."""
    from pyspark.sql import SparkSession

    assert isinstance(spark, SparkSession)
    templates = [load_patient(p) for p in VIGNETTES]
    path = tmp_path / "split.jsonl"
    with path.open("w", encoding="utf-8") as sink:
        for n, patient in enumerate(synthetic_population(templates, 400, seed=4)):
            sink.write(patient.model_dump_json(exclude_none=True) + "\n")
            sink.write("\n" if n % 37 == 0 else "{not json\n" if n % 53 == 0 else "")
    specs = trial_specs(demo_store, ["NCT07144020"])
    spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    try:
        assert spark.read.text(str(path)).rdd.getNumPartitions() > 10
        local, distributed = _local(specs, path), _on_spark(spark, specs, path)
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert local == distributed
    assert len([r for r in local if r[6] is not None]) == 7 and len(local) == 407  # (n = 0: a blank line)


def test_csv_parquet_and_bulk_export_read_like_the_local_engine(
    spark: object, demo_store: TrialStore, tmp_path: Path
) -> None:
    specs = trial_specs(demo_store, ["NCT07144020"])
    table = tmp_path / "patients.csv"
    with table.open("w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink)
        writer.writerow(["id", "age", "sex", "diagnosis", "status", "ecog", "biomarkers", "total bilirubin [mg/dL]"])
        writer.writerow(["p1", "45", "female", "AML", "relapsed", "1", "CD117+", "1.1"])
        writer.writerow(["p2", "71", "male", "AML", "refractory", "3", "CD117-", ""])
        writer.writerow(["p3", "forty", "male", "AML", "", "", "", ""])  # unreadable age
    assert _local(specs, table) == _on_spark(spark, specs, table)

    from pyspark.sql import SparkSession

    assert isinstance(spark, SparkSession)
    parquet = tmp_path / "patients.parquet"
    spark.read.csv(str(table), header=True).limit(2).write.parquet(str(parquet))
    rows = _on_spark(spark, specs, parquet)
    assert {r[0] for r in rows} == {"p1", "p2"}
    assert {r[2] for r in rows} == {r[2] for r in _local(specs, table) if r[0] in ("p1", "p2")}

    bulk = tmp_path / "export"  # FHIR bulk data: a file per resource type, linked by patient reference
    bulk.mkdir()
    by_type: dict[str, list[str]] = {}
    for patient in [load_patient(p) for p in VIGNETTES]:
        for resource in bulk_resources(patient):
            by_type.setdefault(resource["resourceType"], []).append(json.dumps(resource))
    for kind, lines in by_type.items():
        (bulk / f"{kind}.ndjson").write_text("\n".join(lines) + "\n")
    with (bulk / "Observation.ndjson").open("a") as orphan:
        orphan.write('{"resourceType": "Observation"}\n')  # whose is it? (named, the rest still screened)
    local = _local(specs, bulk)
    assert local == _on_spark(spark, specs, bulk)
    assert len([r for r in local if r[6] is None]) == len(VIGNETTES)
    assert any("without a patient reference" in str(r[6]) for r in local)


def test_the_command_writes_parquet_with_one_row_per_patient_and_trial(
    spark: object, demo_store: TrialStore, tmp_path: Path
) -> None:
    path = _jsonl(tmp_path / "v.jsonl", [load_patient(p) for p in VIGNETTES])
    db = str(demo_store.engine.url)
    output = tmp_path / "results.parquet"
    result = CliRunner().invoke(
        app,
        [
            "prescreen",
            "NCT07144020",
            str(path),
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--output",
            str(output),
            "--db",
            db,
        ],
    )
    assert result.exit_code == 0, result.output
    from pyspark.sql import SparkSession

    assert isinstance(spark, SparkSession)
    written = spark.read.parquet(str(output)).collect()
    assert len(written) == len(VIGNETTES) and {r["nct_id"] for r in written} == {"NCT07144020"}
    local_csv = tmp_path / "local.csv"
    local = CliRunner().invoke(app, ["prescreen", "NCT07144020", str(path), "--output", str(local_csv), "--db", db])
    assert local.exit_code == 0, local.output
    with local_csv.open(encoding="utf-8") as source:
        assert {(r["patient"], r["verdict"]) for r in csv.DictReader(source)} == {
            (r["patient"], r["verdict"]) for r in written
        }
    bad = CliRunner().invoke(
        app, ["prescreen", "NCT07144020", str(tmp_path / "none.jsonl"), "--engine", "spark", "--db", db]
    )
    assert bad.exit_code == 2 and "no such file" in bad.output and "Traceback" not in bad.output
