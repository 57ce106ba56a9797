#!/usr/bin/env python3
"""Population-scale prescreening: the local engine against Apache Spark on this machine (issue 20).

Two workloads, each run by the real command (``trialscope prescreen ... --output``) in a child process:
1,000,000 synthetic patients against one trial, and 100,000 patients against 50 open trials. Each is run
with the local engine (one process) and with Spark (``--engine spark --spark-master local[2]``), writing
every row (patient, trial, verdict, failing criteria, open questions). Printed per run: wall time, rows
per second, CPU time (every process: on a shared machine the steadier figure), and the peak resident memory
of the whole process tree (the CLI, and for Spark its JVM and Python workers), sampled every 0.2 s; then
the ratio Spark / local.

Patients are generated from the repository's vignettes (``patients/synthetic.py``) into JSON Lines; the
catalogue is the bundled demo one. Needs the ``spark`` extra and Java.

    python benchmarks/prescreen_benchmark.py [--scale 1.0] [--master local[2]] [--keep DIR]
        [--workloads one fifty] [--engines local spark] [--against OTHER/src]

``--scale 0.01`` runs the same at 1% (10,000 and 1,000 patients) in about a minute. ``--format csv`` (or
``parquet``, ``ndjson``) gives the same patients in that file
(``prescreen_read_benchmark.write_population``). ``--against`` runs every command a second time with another
tree's code (``PYTHONPATH``: a checkout of the previous commit), each run of the other code just before the
same run of this one, and prints this code's time as a ratio of the other's: the figure to compare on a
machine whose speed drifts. The machine's load (1-minute average) is printed beside each run. Rows are
compared between the two codes (the local engine's CSV).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import filecmp
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.demo import load_demo  # noqa: E402
from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.matching.catalogue_matching import open_trial_ids  # noqa: E402
from trialscope.patients.files import load_patient  # noqa: E402
from trialscope.patients.synthetic import synthetic_population  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

FIXTURES = HERE.parent / "tests" / "data"
FIELDS = ("patient", "nct_id", "verdict", "failing", "open_questions", "questions")
CLI = [sys.executable, "-m", "trialscope"]


def _population(path: Path, count: int) -> None:
    templates = [load_patient(p) for p in sorted((FIXTURES / "vignettes").glob("*.json"))]
    with path.open("w", encoding="utf-8") as sink:
        for patient in synthetic_population(templates, count, seed=20):
            sink.write(patient.model_dump_json(exclude_none=True) + "\n")


def _tree_rss(process: psutil.Process, cpu: dict[int, float]) -> int:
    """The resident memory of the process tree; each process's CPU seconds so far are kept in ``cpu``."""
    total = 0
    try:
        children = process.children(recursive=True)
    except psutil.Error:  # the command just ended
        return 0
    for p in [process, *children]:
        with contextlib.suppress(psutil.Error):  # a worker that just ended
            total += p.memory_info().rss
            times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
    return total


def _cpu() -> float:
    """CPU seconds of this process's finished children and theirs (the CLI, its JVM, Spark's workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    """Wall seconds, the peak RSS of the process tree and its CPU seconds."""
    cpu = _cpu()
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    peak = 0
    seen: dict[int, float] = {}  # CPU seconds per process, as last sampled (the JVM and Spark's workers)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(watched, seen))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = child.communicate()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}\n{errors[-2000:]}")
    # the command and what it waited for, exactly; or, where more, the tree as sampled (Spark's JVM and its
    # workers are not waited for by the command, so getrusage misses them)
    return elapsed, peak, max(_cpu() - cpu, sum(seen.values()))


def _rows(path: Path) -> Counter[tuple[str, ...]]:
    """The rows of a local CSV or a Spark Parquet folder, as text (the order of rows aside)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as source:
            rows = csv.reader(source)
            next(rows, None)  # the header
            return Counter(tuple(row) for row in rows)
    import pyarrow.parquet

    table = pyarrow.parquet.read_table(path, columns=list(FIELDS)).to_pydict()
    return Counter(
        tuple("" if v is None else str(v) for v in row) for row in zip(*(table[f] for f in FIELDS), strict=True)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the workloads' patients")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--workloads", nargs="+", default=["one", "fifty"], choices=["one", "fifty"])
    parser.add_argument("--engines", nargs="+", default=["local", "spark"], choices=["local", "spark"])
    parser.add_argument("--against", type=Path, help="another tree's src folder, run before this code each time")
    parser.add_argument(
        "--format",
        default="jsonl",
        choices=["jsonl", "csv", "parquet", "ndjson"],
        help="the patients' file (csv, parquet: the prescreen columns; ndjson: a FHIR bulk export folder)",
    )
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="prescreen-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{folder / 'demo.db'}"
    with TrialStore.open(db) as store:
        if store.count() == 0:
            load_demo(store)
            ingest_paths(store, [FIXTURES / "seed-trials"])
        open_ids = open_trial_ids(store)
    fifty = ",".join(open_ids[:: max(len(open_ids) // 50, 1)][:50])
    workloads = [
        ("1 trial", "NCT07144020", int(1_000_000 * args.scale)),
        ("50 open trials", fifty, int(100_000 * args.scale)),
    ]
    workloads = [w for w, key in zip(workloads, ("one", "fifty"), strict=True) if key in args.workloads]
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "xdg"), "COLUMNS": "120"}
    env["PYTHONPATH"] = str((HERE.parent / "src").resolve())  # this tree's code, whatever is installed
    codes = {"this": env}
    dbs = {"this": db}
    if args.against is not None:
        codes = {"other": {**env, "PYTHONPATH": str(args.against.resolve())}, "this": env}
        # the other code gets a database of its own, made by its own code: the two may differ by a migration
        dbs["other"] = f"sqlite:///{folder / 'demo-other.db'}"
        for step in (["demo"], ["ingest", str(FIXTURES / "seed-trials")]):
            subprocess.run([*CLI, *step, "--db", dbs["other"]], env=codes["other"], check=True, capture_output=True)
    print(f"machine: {os.cpu_count()} cores; Spark master {args.master}; work folder {folder}")
    for name, trials, count in workloads:
        patients = folder / f"patients-{count}.jsonl"
        if args.format != "jsonl":
            from benchmarks.prescreen_read_benchmark import write_population

            patients = write_population(folder / f"formats-{count}", count)[args.format]
        elif not patients.exists():
            started = time.perf_counter()
            _population(patients, count)
            print(f"generated {count:,} patients in {time.perf_counter() - started:.0f} s")
        rows = count * len(trials.split(","))
        results: dict[tuple[str, str], float] = {}
        for engine, extra, suffix in (
            ("local", [], ".csv"),
            ("spark", ["--engine", "spark", "--spark-master", args.master], ".parquet"),
        ):
            if engine not in args.engines:
                continue
            for code, code_env in codes.items():
                output = folder / f"{engine}-{code}{suffix}"
                shutil.rmtree(output, ignore_errors=True) if output.is_dir() else output.unlink(missing_ok=True)
                command = [*CLI, "prescreen", trials, str(patients), "--db", dbs[code], "--output", str(output), *extra]
                load = os.getloadavg()[0]
                seconds, peak, cpu = _timed(command, code_env)
                results[engine, code] = seconds
                print(
                    f"{name}: {count:,} patients, {rows:,} rows, {engine:5} ({code} code): {seconds:7.1f} s "
                    f"({rows / seconds:9,.0f} rows/s), CPU {cpu:7.1f} s ({rows / cpu:7,.0f} rows per CPU second), "
                    f"peak memory {peak / 2**20:,.0f} MiB, load {load:.1f}"
                )
            if engine == "local" and len(codes) == 2:
                same = filecmp.cmp(folder / "local-other.csv", folder / "local-this.csv", shallow=False)
                print(f"{name}: local rows of the two codes {'identical' if same else 'DIFFER'}")
            if len(codes) == 2:
                ratio = results[engine, "other"] / results[engine, "this"]
                print(f"{name}: {engine} engine, this code {ratio:.2f} times as fast as the other")
        if {"local", "spark"} <= set(args.engines):
            same = _rows(folder / "local-this.csv") == _rows(folder / "spark-this.parquet")
            print(f"{name}: Spark and local rows {'identical' if same else 'DIFFER'} (this code)")
            for code in codes:
                ratio = results["local", code] / results["spark", code]
                print(f"{name}: Spark {args.master} {ratio:.2f} times as fast as the local engine ({code} code)")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
