"""The engine against ../shared/gold/seed-criteria.json (issue targets: numeric precision and recall
>= 0.95, concept recall >= 0.90) and, as a regression floor, the LCT corpus."""

from __future__ import annotations

from tests.conftest import FIXTURES, shared_data
from trialscope.quality.criteria_gold import evaluate_gold, evaluate_lct


def test_seed_gold_targets() -> None:
    report = evaluate_gold(FIXTURES / "gold" / "seed-criteria.json", FIXTURES / "seed-trials")
    assert report.numeric.precision >= 0.95, report.false_positives
    assert report.numeric.recall >= 0.95, report.misses
    assert report.concepts.recall >= 0.90, report.misses
    assert report.windows_agree >= 0.9 * report.windows_total


def test_lct_numeric_target() -> None:
    """Issue targets: numeric F1 >= 0.85 on the LCT corpus (issue 5), recall >= 0.90 (issue 15; measured
    0.900 at precision 0.915 against the corpus's annotations); misses counted by category."""
    report = evaluate_lct(shared_data("criteria-corpora", "lct"))
    assert report.documents > 1000
    assert report.numeric.f1 >= 0.85, (report.numeric.precision, report.numeric.recall)
    assert report.numeric.recall >= 0.90, report.examples_missed
    assert sum(s.gold for s in report.by_category.values()) == report.numeric.gold
    assert sum(s.matched for s in report.by_category.values()) == report.numeric.gold_matched
