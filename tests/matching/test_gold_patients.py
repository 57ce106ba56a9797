"""Every gold patient against the five seed trials: every expectation holds from the JSON profile and
from the same profile as a FHIR bundle; from the summary text alone the figure is reported (and, today,
also all correct)."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from trialscope.quality.patients_gold import evaluate_gold_patients


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return evaluate_gold_patients(FIXTURES / "gold" / "patients", FIXTURES / "seed-trials")


@pytest.mark.parametrize("source", ["json", "fhir"])
def test_every_expectation_holds(report, source: str) -> None:  # type: ignore[no-untyped-def]
    score = report.scores[source]
    assert score.total == 40
    assert score.correct == score.total, score.failures


def test_free_text_figures(report) -> None:  # type: ignore[no-untyped-def]
    score = report.scores["text"]
    print("\n".join(report.lines()))
    assert score.false_exclusions == 0, score.failures  # a wrong "not eligible" hides a chance
    assert score.exclusions_caught >= 18
