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


def test_the_chinese_twins_give_the_english_verdicts() -> None:
    """tests/data/vignettes-zh: 30 of the vignettes with their summary written in Chinese (the same facts,
    labs in SI units): from the Chinese summary alone, the same expectations hold."""
    twins = evaluate_gold_patients(DATA / "vignettes-zh", FIXTURES / "seed-trials").scores["text"]
    assert len(list((DATA / "vignettes-zh").glob("*.json"))) == 30
    assert twins.false_exclusions == 0, twins.failures
    assert twins.exclusions_caught == twins.exclusions_expected, twins.failures


def test_the_trials_own_patients_pass() -> None:
    """The trial's own patient (its condition, the status and markers it requires, nothing else) is never
    'not eligible': over the seed trials and the v2 fixtures (the whole shared corpus:
    benchmarks/own_patient.py)."""
    from trialscope.catalogue.readers import read_paths
    from trialscope.catalogue.records import SourceRecord
    from trialscope.model.study import Study
    from trialscope.quality.own_patient import rejections, trials_of

    studies = []
    for item in read_paths([FIXTURES / "seed-trials", FIXTURES / "ctgov-v2-fixtures"]):
        if isinstance(item, SourceRecord):
            try:
                studies.append(Study.model_validate(item.study))
            except ValueError:
                continue
    rejected = [r for info, parsed in trials_of(iter(studies)) if (r := rejections(info, parsed)) is not None]
    assert len(studies) >= 20 and rejected == []
