#!/usr/bin/env python3
"""Population-scale prescreening: the local engine against Apache Spark on this machine (issue 20).

Two workloads, each run by the real command (``trialscope prescreen ... --output``) in a child process:
1,000,000 synthetic patients against one trial, and 100,000 patients against 50 open trials. Each is run
with the local engine (one process) and with Spark (``--engine spark --spark-master local[2]``), writing
every row (patient, trial, verdict, failing criteria, open questions). Printed per run: wall time, rows
per second, and the peak resident memory of the whole process tree (the CLI, and for Spark its JVM and
Python workers), sampled every 0.2 s; then the ratio Spark / local.

Patients are generated from the repository's vignettes (``patients/synthetic.py``) into JSON Lines; the
catalogue is the bundled demo one. Needs the ``spark`` extra and Java.

    python benchmarks/prescreen_benchmark.py [--scale 1.0] [--master local[2]] [--keep DIR]

``--scale 0.01`` runs the same at 1% (10,000 and 1,000 patients) in about a minute.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
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
CLI = [sys.executable, "-m", "trialscope"]


def _population(path: Path, count: int) -> None:
    templates = [load_patient(p) for p in sorted((FIXTURES / "vignettes").glob("*.json"))]
    with path.open("w", encoding="utf-8") as sink:
        for patient in synthetic_population(templates, count, seed=20):
            sink.write(patient.model_dump_json(exclude_none=True) + "\n")


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker that just ended
            total += p.memory_info().rss
    return total


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and the peak RSS of the process tree."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(watched))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = child.communicate()
    done.set()
    sampler.join()
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"failed ({child.returncode}): {' '.join(command)}\n{errors[-2000:]}")
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the workloads' patients")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
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
    env = {**os.environ, "XDG_DATA_HOME": str(folder / "xdg"), "COLUMNS": "120"}
    print(f"machine: {os.cpu_count()} cores; Spark master {args.master}; work folder {folder}")
    for name, trials, count in workloads:
        patients = folder / f"patients-{count}.jsonl"
        if not patients.exists():
            started = time.perf_counter()
            _population(patients, count)
            print(f"generated {count:,} patients in {time.perf_counter() - started:.0f} s")
        rows = count * len(trials.split(","))
        results = {}
        for engine, extra, output in (
            ("local", [], folder / "local.csv"),
            ("spark", ["--engine", "spark", "--spark-master", args.master], folder / "spark.parquet"),
        ):
            shutil.rmtree(output, ignore_errors=True) if output.is_dir() else output.unlink(missing_ok=True)
            command = [*CLI, "prescreen", trials, str(patients), "--db", db, "--output", str(output), *extra]
            seconds, peak = _timed(command, env)
            results[engine] = seconds
            print(
                f"{name}: {count:,} patients, {rows:,} rows, {engine:5}: {seconds:7.1f} s "
                f"({rows / seconds:9,.0f} rows/s), peak memory {peak / 2**20:,.0f} MiB"
            )
        print(f"{name}: Spark {args.master} / local time ratio {results['spark'] / results['local']:.2f}")
    if args.keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
