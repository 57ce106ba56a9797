#!/usr/bin/env python3
"""Import benchmark: a synthetic corpus (zip of per-study API v2 files, like the full download) imported
by the real ``trialscope ingest`` in a child process, on SQLite and on PostgreSQL.

Prints, per size and backend: wall time, records/s, the importer's peak RSS (from wait4: the larger of its
own and its reader process's maximum resident set), the peak of all its processes together, and the writer's
and the reader's own peaks (sampled every 0.2 s). Targets (issue 2): 600,000 records in under 10 minutes with peak
memory under 1 GB, on both backends.

    python benchmarks/import_benchmark.py --records 10000 100000 600000 --backend sqlite postgresql
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import orjson
import psutil
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic_corpus import write_zip  # noqa: E402

OUT = HERE / "out"
POSTGRES_URL = os.environ.get("TRIALSCOPE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def corpus(shared: Path, count: int) -> Path:
    path = OUT / f"synthetic-{count}.zip"
    if not path.exists():
        started = time.perf_counter()
        _, size = write_zip(shared, count, path)
        print(
            f"  corpus: {count:,} records, {size / 1e9:.2f} GB of JSON ({size / count / 1e3:.1f} kB/record), "
            f"{path.stat().st_size / 1e9:.2f} GB zipped, built in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return path


class TreeMemory(threading.Thread):
    """Samples the RSS of a process and of its descendants (the importer, which writes, and its reader):
    the peak of the sum, and each one's own peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.writer_peak = 0
        self.reader_peak = 0  # the largest descendant
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                children = [p.memory_info().rss for p in self.root.children(recursive=True)]
                own = self.root.memory_info().rss
            except psutil.Error:
                continue
            self.peak = max(self.peak, own + sum(children))
            self.writer_peak = max(self.writer_peak, own)
            self.reader_peak = max([self.reader_peak, *children])


def run_import(path: Path, url: str) -> tuple[float, float, TreeMemory, dict[str, object]]:
    """(seconds, importer peak RSS MB (its own or its reader's, the larger: ``wait4``), the memory samples,
    summary) of one ``trialscope ingest`` run."""
    env = {**os.environ, "TRIALSCOPE_DATABASE_URL": url}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialscope", "ingest", str(path), "--json", "--no-criteria"],  # the import alone
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    sampler = TreeMemory(proc.pid)
    sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    sampler.done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"import failed with exit status {proc.returncode}")
    return elapsed, usage.ru_maxrss / 1024, sampler, orjson.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 100_000, 600_000])
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    print(
        f"{'records':>9} {'backend':<11} {'seconds':>8} {'records/s':>10} {'importer RSS MB':>16} "
        f"{'all processes MB':>17} {'writer MB':>10} {'reader MB':>10}  added/rejected"
    )
    for count in args.records:
        path = corpus(args.shared, count)
        for backend in args.backend:
            if backend == "sqlite":
                db = OUT / f"bench-{count}.db"
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                url, cleanup = f"sqlite:///{db}", None
            else:
                schema = f"ts_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                    conn.execute(f'CREATE SCHEMA "{schema}"')
                url, cleanup = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", schema
            try:
                seconds, rss, tree, summary = run_import(path, url)
            finally:
                if cleanup:
                    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                        conn.execute(f'DROP SCHEMA "{cleanup}" CASCADE')
            print(
                f"{count:>9,} {backend:<11} {seconds:>8.1f} {count / seconds:>10,.0f} {rss:>16,.0f} "
                f"{tree.peak / 2**20:>17,.0f} "
                f"{tree.writer_peak / 2**20:>10,.0f} {tree.reader_peak / 2**20:>10,.0f}  "
                f"{summary['added']}/{summary['rejected']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
