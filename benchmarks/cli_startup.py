#!/usr/bin/env python3
"""How long the command line takes to answer before any work: ``trialscope --help`` and a command's
``--help``, each in a fresh process (the interpreter's own start included), median and max of N runs.

    python benchmarks/cli_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "trialscope", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    _timed(["--help"])  # warm the file cache
    for command in (["--help"], ["search", "--help"], ["prescreen", "--help"]):
        times = [_timed(command) for _ in range(args.runs)]
        print(
            f"trialscope {' '.join(command):<18} median {statistics.median(times):.3f} s"
            f"  max {max(times):.3f} s  ({args.runs} runs)"
        )
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"(python -c pass alone: {time.perf_counter() - started:.3f} s)")


if __name__ == "__main__":
    main()
