"""Population-scale prescreening on Apache Spark: every patient of a population against one or many trials,
on a cluster or on this machine (``local[*]``), by the same evaluation code as the local engine.

The driver sends each trial once (a broadcast of ``TrialSpec``: the record's limits and the criteria in
their stored flat form); each executor's Python worker compiles them once (``TrialScreen``), reads its
share of the patients with the same parsers as ``read_patients`` (``patients/sources.py``), and runs
``screen_rows`` on them: nothing of the evaluation is written again for Spark. Out comes one row per
patient and trial (verdict, failing criteria, open questions), written as Parquet or CSV, and one row per
patient that could not be read (``problem`` says where and why; the others are screened).

JSON Lines travel between the JVM and the Python workers as Arrow batches (``mapInArrow``): the lines in,
the rows out, with no pickling of either. A line's number (said only of a line that cannot be read) is its
place in its partition after the lines of the partitions before it, counted first by the JVM alone.

Patients: JSON Lines of profiles or FHIR Bundles (``.jsonl``), FHIR bulk-export NDJSON (``.ndjson``, or a
folder of them: resources are grouped by patient across files), CSV or Parquet with the CSV columns of
``patients/sources.py``. Needs the ``spark`` extra (pyspark) and Java 17 or newer.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialscope.extras import needs_extra
from trialscope.matching.prescreen import TrialScreen, TrialSpec, heap_frozen, screen_rows
from trialscope.patients.sources import (
    PatientError,
    patient_from_json_line,
    patient_from_resources,
    patient_from_row,
    resource_owner,
)

if TYPE_CHECKING:
    import pyarrow
    from pyspark import SparkContext
    from pyspark.rdd import RDD
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[*]"
ROW_SCHEMA = (
    "patient string, nct_id string, verdict string, failing string, open_questions int, questions string, "
    "problem string"
)
Row = tuple[str, str | None, str | None, str | None, int | None, str | None, str | None]
Record = tuple[str, str, Any]  # (kind, origin, payload): what an executor turns into a patient


class SparkUnavailable(RuntimeError):
    """pyspark (the ``spark`` extra) or Java is missing, or Spark could not start; the message says which."""


@dataclass(slots=True)
class SparkReport:
    output: str | None
    rows: int
    patients_unreadable: int
    verdicts: dict[str, int]


_COMPILED: dict[str, list[TrialScreen]] = {}  # per Python worker: the broadcast trials, compiled once


def _compiled(specs: Sequence[TrialSpec]) -> list[TrialScreen]:
    key = hashlib.sha256(pickle.dumps(specs)).hexdigest()
    screens = _COMPILED.get(key)
    if screens is None:
        _COMPILED.clear()
        screens = _COMPILED[key] = [spec.compiled() for spec in specs]
    return screens


def _patient(record: Record) -> Any:
    kind, origin, payload = record
    if kind == "json":
        return patient_from_json_line(payload, origin)
    if kind == "row":  # (the row's cells, its place among the data rows)
        cells, number = payload
        return patient_from_row(cells, origin, number)
    if kind == "resources":
        return patient_from_resources(origin, payload)
    return PatientError(origin, str(payload))  # kind "problem": found unreadable while reading


def screen_partition(records: Iterable[Record], specs: Sequence[TrialSpec]) -> Iterator[Row]:
    """What each executor runs on its share: patients parsed, screened against every trial by ``screen_rows``."""
    screens = _compiled(specs)
    with heap_frozen():
        for record in records:
            patient = _patient(record)
            if isinstance(patient, PatientError):
                yield (patient.origin, None, None, None, None, None, patient.reason)
                continue
            for row in screen_rows(screens, [patient]):
                yield (row.patient, row.nct_id, row.verdict, row.failing, row.open_questions, row.questions, None)


ROW_FIELDS = ("patient", "nct_id", "verdict", "failing", "open_questions", "questions", "problem")


def screen_lines(
    batches: Iterable[pyarrow.RecordBatch], specs: Sequence[TrialSpec], name: str, first_line: int
) -> Iterator[pyarrow.RecordBatch]:
    """What each executor runs on its share of a JSON Lines file: batches of lines (``first_line``: the
    number of the share's first line) in, batches of rows out, by ``screen_partition``."""
    import pyarrow

    line = first_line
    for batch in batches:
        records: list[Record] = []
        for text in batch.column(0).to_pylist():
            if text and text.strip():
                records.append(("json", f"{name}:{line}", text))
            line += 1
        columns = list(zip(*screen_partition(records, specs), strict=False)) or [()] * len(ROW_FIELDS)
        yield pyarrow.RecordBatch.from_arrays(
            [
                pyarrow.array(c, type=pyarrow.int32() if f == "open_questions" else pyarrow.string())
                for f, c in zip(ROW_FIELDS, columns, strict=True)
            ],
            names=list(ROW_FIELDS),
        )


def _owned(pair: tuple[str, int], path: str) -> tuple[str, Any]:
    text, index = pair
    owned = resource_owner(text, f"{path}:{index + 1}")
    if isinstance(owned, PatientError):
        return f"\0problem:{owned.origin}", owned.reason
    return owned


def _owned_lines(context: SparkContext, path: str) -> RDD[tuple[str, Any]]:
    """The lines of one bulk-export file as (the patient it belongs to, the resource)."""
    return context.textFile(path).zipWithIndex().filter(lambda p: bool(p[0].strip())).map(lambda p: _owned(p, path))


def _records(spark: SparkSession, patients: str) -> RDD[Record]:
    """The patients at ``patients`` (a local path, or a URI Spark reads: hdfs://, s3a:// ..., globs allowed)
    as records for the executors (read by Spark, parsed on the executors)."""
    context = spark.sparkContext
    name = patients
    suffix = Path(patients.rsplit("/", 1)[-1]).suffix.lower()
    path = Path(patients)
    local_folder = "://" not in patients and path.is_dir()
    if (local_folder and any(path.glob("*.ndjson"))) or suffix == ".ndjson":
        files: list[Path | str] = [*sorted(path.glob("*.ndjson"))] if local_folder else [patients]
        lines = context.union([_owned_lines(context, str(f)) for f in files])
        problems = lines.filter(lambda kv: kv[0].startswith("\0problem:")).map(
            lambda kv: ("problem", kv[0].removeprefix("\0problem:"), kv[1])
        )
        owners = lines.filter(lambda kv: not kv[0].startswith("\0problem:")).groupByKey()
        return owners.map(lambda kv: ("resources", kv[0], list(kv[1]))).union(problems)
    if suffix == ".jsonl":
        lines = context.textFile(name).zipWithIndex().filter(lambda p: bool(p[0].strip()))
        return lines.map(lambda p: ("json", f"{name}:{p[1] + 1}", p[0]))
    if suffix in (".csv", ".parquet"):
        frame = spark.read.csv(name, header=True) if suffix == ".csv" else spark.read.parquet(name)
        first_line = 2 if suffix == ".csv" else 1
        return frame.rdd.zipWithIndex().map(lambda p: ("row", f"{name}:{p[1] + first_line}", (p[0].asDict(), p[1] + 1)))
    raise ValueError(f"{patients}: for Spark give .jsonl, .ndjson (or a folder of them), .csv or .parquet")


def start_spark(master: str | None = DEFAULT_MASTER, app_name: str = "trialscope prescreen") -> SparkSession:
    """A Spark session on ``master`` (None or "": the one spark-submit was given)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(f"the Spark engine runs on pyspark, so it {needs_extra('spark')}") from None
    if (master or "").startswith("local") and not os.environ.get("PYSPARK_PYTHON"):
        os.environ["PYSPARK_PYTHON"] = sys.executable  # local workers run this Python, with its packages
    builder = SparkSession.builder.master(master) if master else SparkSession.builder
    try:
        spark = (
            builder.appName(app_name)
            .config("spark.ui.showConsoleProgress", "true")  # Spark's own progress bar on long jobs
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate()
        )
    except Exception as exc:  # Java missing or too old, a master that does not answer: said in one line
        raise SparkUnavailable(
            f"Spark could not start ({type(exc).__name__}: {str(exc).strip().splitlines()[0][:300]})"
        ) from None
    spark.sparkContext.setLogLevel("WARN")
    return spark


def _json_lines_frame(spark: SparkSession, specs: Sequence[TrialSpec], name: str) -> DataFrame:
    """JSON Lines screened in Arrow batches: the JVM counts each partition's lines first (a pass that never
    reaches Python), so every share knows the number of its first line."""
    from pyspark import TaskContext
    from pyspark.sql.functions import spark_partition_id

    lines = spark.read.text(name)
    counted = lines.select(spark_partition_id().alias("part")).groupBy("part").count().collect()
    sizes = {int(r["part"]): int(r["count"]) for r in counted}
    starts, total = {}, 1
    for part in range(max(sizes, default=-1) + 1):
        starts[part] = total
        total += sizes.get(part, 0)
    shared = spark.sparkContext.broadcast((list(specs), starts))

    def screen(batches: Iterable[pyarrow.RecordBatch]) -> Iterator[pyarrow.RecordBatch]:
        context = TaskContext.get()
        specs, starts = shared.value
        first = starts.get(context.partitionId() if context else 0, 1)
        return screen_lines(batches, specs, name, first)

    return lines.mapInArrow(screen, ROW_SCHEMA)


def prescreen_frame(spark: SparkSession, specs: Sequence[TrialSpec], patients: Path | str) -> DataFrame:
    """The prescreen as a DataFrame (``ROW_SCHEMA``): nothing runs until it is written or counted."""
    name = str(patients)
    if Path(name.rsplit("/", 1)[-1]).suffix.lower() == ".jsonl":
        return _json_lines_frame(spark, specs, name)
    shared = spark.sparkContext.broadcast(list(specs))
    rows = _records(spark, name).mapPartitions(lambda part: screen_partition(part, shared.value))
    return spark.createDataFrame(rows, ROW_SCHEMA)


def run_spark_prescreen(
    specs: Sequence[TrialSpec],
    patients: str,
    *,
    output: str | None = None,
    master: str | None = DEFAULT_MASTER,
    spark: SparkSession | None = None,
) -> SparkReport:
    """Screen ``patients`` against ``specs`` on Spark; write the rows to ``output`` (a ``.parquet`` or
    ``.csv`` folder, as Spark writes them; a local path or a URI) and return the counts."""
    kind = Path(output.rstrip("/").rsplit("/", 1)[-1]).suffix.lower() if output else None
    if output is not None and kind not in (".parquet", ".csv"):
        raise ValueError(f"{output}: the Spark engine writes .parquet or .csv")
    if "://" not in patients and not Path(patients).exists():
        raise ValueError(f"{patients}: no such file or folder")
    session = spark or start_spark(master)
    frame = prescreen_frame(session, specs, patients)
    if output is not None:  # screened once: the counts are read back from what was written
        writer = frame.write.mode("overwrite")
        if kind == ".parquet":
            writer.parquet(output)
            frame = session.read.parquet(output)
        else:
            writer.option("header", True).csv(output)
            frame = session.read.schema(ROW_SCHEMA).option("header", True).csv(output)
    counts = {(row["verdict"] or "unreadable"): int(row["count"]) for row in frame.groupBy("verdict").count().collect()}
    unreadable = counts.pop("unreadable", 0)
    return SparkReport(output, sum(counts.values()), unreadable, counts)
