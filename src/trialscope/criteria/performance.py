"""Performance status across scales (ECOG, Karnofsky, Lansky), from data/criteria/performance_scales.json.

A score on one scale maps to a band on another: ECOG 1 is Karnofsky 70-80. The band is returned as
(low, high) so the matcher can say "met" only when the whole band satisfies a threshold.
"""

from __future__ import annotations

from functools import cache
from typing import ClassVar

from trialscope.reviewed_data import ReviewedFile, read_reviewed

SCALES = ("ECOG", "Karnofsky", "Lansky")


class _Scales(ReviewedFile):
    """data/criteria/performance_scales.json: each ECOG grade's band of Karnofsky (and Lansky) scores."""

    FILE: ClassVar[str] = "data/criteria/performance_scales.json"
    ecog_to_karnofsky: dict[int, tuple[int, int]]
    lansky_equals_karnofsky: bool


@cache
def _table() -> dict[int, tuple[int, int]]:
    return dict(read_reviewed(_Scales).ecog_to_karnofsky)


def convert_performance(value: float, from_scale: str, to_scale: str) -> tuple[float, float]:
    """The band on ``to_scale`` that ``value`` on ``from_scale`` corresponds to."""
    if from_scale not in SCALES or to_scale not in SCALES:
        raise ValueError(f"unknown performance scale: {from_scale} or {to_scale}")
    if from_scale == to_scale or {from_scale, to_scale} == {"Karnofsky", "Lansky"}:
        return (value, value)
    table = _table()
    if from_scale == "ECOG":
        return table[int(value)]
    # Karnofsky/Lansky -> ECOG: the grade whose band holds the score (between bands: both neighbours)
    grades = [grade for grade, (low, high) in table.items() if low <= value <= high]
    if not grades:
        grades = [grade for grade, (low, high) in table.items() if low - 10 < value < high + 10]
    return (float(min(grades)), float(max(grades)))
