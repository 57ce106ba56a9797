#!/usr/bin/env python3
"""Criteria engine throughput: every criteria text in ../shared/data (HINT, LCT, the CAR-T monitor's
sample, the study records), repeated until --trials texts have been parsed, on one core, in this process;
with ``--workers N``, in N worker processes (chunks of texts sent to a pool started and warmed before the
timing, as the import's parsing step runs them). Every text is parsed whole each time (no reading is
reused): the figure is the parser's, for distinct texts.

Prints trials/s, the projected time to re-parse 600,000 trials, and peak RSS. Targets (issue 5): at least
200 trials per second on one core; peak memory under 1 GB. Issue 38: 1,000 trials/s on the 2-core machine.

    python benchmarks/criteria_benchmark.py --trials 100000
    python benchmarks/criteria_benchmark.py --trials 10000 --workers 2
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from trialscope.criteria import parse_criteria
from trialscope.quality.corpora import iter_criteria_texts

HERE = Path(__file__).resolve().parent


def _parse_chunk(texts: list[str]) -> int:
    return sum(len(parse_criteria(text).constraints) for text in texts)


def _pooled(texts: list[str], trials: int, workers: int) -> None:
    """The same texts parsed in ``workers`` processes, chunks of 20 in flight."""
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_parse_chunk, [texts[:1]] * workers * 2))  # start the workers, load the vocabulary
        sequence = list(itertools.islice(itertools.cycle(texts), trials))
        chunks = [sequence[i : i + 20] for i in range(0, len(sequence), 20)]
        started = time.perf_counter()
        constraints = sum(pool.map(_parse_chunk, chunks))
        elapsed = time.perf_counter() - started
    print(
        f"{trials:>8,} trials  {elapsed:7.1f} s  {trials / elapsed:6.0f} trials/s in {workers} processes  "
        f"600k re-parse ≈ {600_000 / (trials / elapsed) / 60:5.1f} min"
    )
    print(f"{constraints / trials:.1f} constraints per trial on average")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=1, help="parse in this many processes")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    texts = [text for _, text in iter_criteria_texts(args.shared / "data")]
    chars = sum(len(t) for t in texts)
    print(f"{len(texts)} distinct criteria texts, mean {chars / len(texts):,.0f} characters")
    if args.workers > 1:
        _pooled(texts, args.trials, args.workers)
        return
    parse_criteria(texts[0])  # load the vocabulary once, outside the timing
    constraints = 0
    started = time.perf_counter()
    cpu_started = time.process_time()  # CPU time: steadier than the wall clock on a shared machine
    checkpoints = {10_000, 50_000, args.trials}
    for count, text in enumerate(itertools.islice(itertools.cycle(texts), args.trials), start=1):
        constraints += len(parse_criteria(text).constraints)
        if count in checkpoints:
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            print(
                f"{count:>8,} trials  {elapsed:7.1f} s  {count / elapsed:6.0f} trials/s  "
                f"(CPU {cpu:.1f} s: {count / cpu:.0f} trials/s)  "
                f"600k re-parse ≈ {600_000 / (count / elapsed) / 60:5.1f} min  "
                f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB",
                flush=True,
            )
    print(f"{constraints / args.trials:.1f} constraints per trial on average")


if __name__ == "__main__":
    main()
