#!/usr/bin/env python3
"""The whole ``trialscope match --patient examples/patient-aml.json --near Hangzhou`` command in a fresh
process, as a person runs it (issue 38, item 3): wall clock and CPU (the child's user + system time), the
codes given taking turns, so that each comparison is made in the same minutes of a shared machine.

    python benchmarks/cli_match_benchmark.py --code src --code OLD/src [--db sqlite:///...] [--rounds 5]

The first run of each code is not counted: it writes what a first use after an install writes (the default
database's demo catalogue, a code's gazetteer index and unit factor table in the cache folder), and is
printed apart. Python's bytecode is compiled for both codes first (as a pip install does), so neither pays
for compiling its modules. The database's pages are in memory after that first run: a "cold" start here is
a fresh process, not a cold disk.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(code: str, arguments: list[str]) -> tuple[float, float, bytes]:
    """One command: (wall seconds, CPU seconds, its standard output)."""
    env = {**os.environ, "PYTHONPATH": code}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialscope", *arguments], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{code}: the command failed")
    return wall, usage.ru_utime + usage.ru_stime, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", action="append", required=True, help="a src folder (give two to compare)")
    parser.add_argument("--db", help="database URL (default: the default database, the demo catalogue)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--near", default="Hangzhou")
    args = parser.parse_args()
    arguments = ["match", "--patient", str(ROOT / "examples" / "patient-aml.json"), "--near", args.near]
    arguments += ["--db", args.db] if args.db else []
    outputs: dict[str, bytes] = {}
    for code in args.code:
        subprocess.run([sys.executable, "-m", "compileall", "-q", code], check=True, stdout=subprocess.DEVNULL)
        wall, cpu, outputs[code] = run(code, arguments)
        print(f"{code}: first run {wall:.2f} s (CPU {cpu:.2f})", flush=True)
    if len(set(outputs.values())) > 1:
        print("the codes print different tables")
    walls: dict[str, list[float]] = {code: [] for code in args.code}
    cpus: dict[str, list[float]] = {code: [] for code in args.code}
    for _ in range(args.rounds):
        for code in args.code:
            wall, cpu, _output = run(code, arguments)
            walls[code].append(wall)
            cpus[code].append(cpu)
    for code in args.code:
        shown = ", ".join(f"{w:.2f}" for w in walls[code])
        print(
            f"{code}: median {statistics.median(walls[code]):.2f} s wall, CPU {statistics.median(cpus[code]):.2f} s "
            f"(best {min(walls[code]):.2f} s, CPU {min(cpus[code]):.2f}; all: {shown})"
        )
    if len(args.code) == 2:
        new, old = args.code
        print(
            f"ratio {new} / {old}: wall {statistics.median(walls[new]) / statistics.median(walls[old]):.2f}, "
            f"CPU {statistics.median(cpus[new]) / statistics.median(cpus[old]):.2f}"
        )


if __name__ == "__main__":
    main()
