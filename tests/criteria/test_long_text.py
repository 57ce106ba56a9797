"""A long one-line criteria text: parsing grows with its length, not with its square.

The probe of issue 35 (row 2) sent 50,000 characters of "- bilirubin <= N.5 x ULN and ALT < N U/L" joined by
spaces: one clause, one item, hundreds of thresholds on the same two quantities. Each threshold looked at every
mention and every other threshold of the clause, so four times the text took about a hundred times as long.
The test compares a text with one four times its length (best of three runs each); a linear parser takes about
four times as long, a quadratic one sixteen. The figures are in benchmarks/criteria_length.py.
"""

from __future__ import annotations

import time

from benchmarks.criteria_length import one_line_text
from trialscope.criteria import parse_criteria


def _best_of_three(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        parse_criteria(text)
        best = min(best, time.perf_counter() - started)
    return best


def test_four_times_the_text_is_not_sixteen_times_the_work() -> None:
    parse_criteria("Inclusion Criteria: age >= 18 years")  # the vocabulary loads outside the timing
    short, long = one_line_text(5_000), one_line_text(20_000)
    ratio = _best_of_three(long) / _best_of_three(short)
    assert ratio < 9, f"20,000 characters took {ratio:.1f} times as long as 5,000"


def test_every_limit_of_a_long_line_is_read() -> None:
    parsed = parse_criteria(one_line_text(20_000))
    quantities = {c.quantity for c in parsed.constraints if c.kind == "numeric"}
    assert quantities == {"total bilirubin", "ALT"}
    assert sum(1 for c in parsed.constraints if c.kind == "numeric") == 952  # two limits in each of 476 parts
