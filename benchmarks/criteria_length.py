#!/usr/bin/env python3
"""Criteria parsing against the length of a one-line text (issue 35, row 2).

Parses one-line texts of limits on bilirubin and ALT ("- bilirubin <= N.5 x ULN and ALT < N U/L" joined by
spaces) of growing length and prints the time for each and its ratio to the previous length. A linear parser
doubles its time when the text doubles; the probe found a quadratic one (50,000 characters: 15.5 s).

    python benchmarks/criteria_length.py --lengths 6250 12500 25000 50000 100000
"""

from __future__ import annotations

import argparse
import random
import time

from trialscope.criteria import MAX_CHECK_TEXT_CHARS, parse_criteria


def one_line_text(length: int, seed: int = 1) -> str:
    """Limits on bilirubin and ALT joined by spaces, cut at ``length`` characters (the test uses it too)."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < length:
        part = f"- bilirubin <= {rng.randint(1, 9)}.5 x ULN and ALT < {rng.randint(10, 99)} U/L"
        parts.append(part)
        size += len(part) + 1
    return " ".join(parts)[:length]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[6_250, 12_500, 25_000, 50_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs for each length")
    args = parser.parse_args()
    parse_criteria("Inclusion Criteria: age >= 18 years")  # the vocabulary loads outside the timing
    previous: float | None = None
    for length in args.lengths:
        text = one_line_text(length)
        best = float("inf")
        constraints = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            constraints = len(parse_criteria(text).constraints)
            best = min(best, time.perf_counter() - started)
        ratio = f"  x{best / previous:.1f} the previous" if previous else ""
        print(f"{length:>8,} characters: {best:6.2f} s, {constraints:,} constraints{ratio}")
        previous = best
    print(f"POST /api/check accepts at most {MAX_CHECK_TEXT_CHARS:,} characters (413 above)")


if __name__ == "__main__":
    main()
