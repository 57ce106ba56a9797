"""Our own vignettes (tests/data/vignettes) against the five seed trials, from the profile, the same
profile as FHIR, and the summary text alone: every expected exclusion caught for a stated reason, no
eligible patient excluded."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES
from trialscope.quality.patients_gold import GoldPatientsReport, evaluate_gold_patients

DATA = FIXTURES


@pytest.fixture(scope="module")
def report() -> GoldPatientsReport:
    return evaluate_gold_patients(DATA / "vignettes", FIXTURES / "seed-trials")


def test_there_are_enough_vignettes() -> None:
    assert len(list((DATA / "vignettes").glob("*.json"))) >= 30


@pytest.mark.parametrize("source", ["json", "fhir", "text"])
def test_every_vignette_expectation_holds(report: GoldPatientsReport, source: str) -> None:
    score = report.scores[source]
    assert score.total >= 150
    assert score.false_exclusions == 0, score.failures
    assert score.exclusions_caught == score.exclusions_expected, score.failures
