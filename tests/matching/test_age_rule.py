"""The one age rule (model/age.py): a limit counts completed units of its own unit. The ranked list (the
store's filter, then the evaluator), the trial asked for by name (the evaluator alone) and the search
filter (the index) agree on it at every age, on both store backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import backend_url
from tests.factories import study, write_json
from trialscope.ingest import ingest_paths
from trialscope.matching.catalogue_matching import match_patient
from trialscope.model.age import MAX_YEARS, AgeLimit, AgeRange, completed, possible
from trialscope.patients.model import Patient
from trialscope.patients.text import patient_from_text
from trialscope.search import SearchIndex, SearchQuery, run_search
from trialscope.store.trial_store import TrialStore

ADULTS = "NCT09000070"  # 18-70 Years, and "aged 18 to 70 years" in its criteria
INFANTS = "NCT09000006"  # from 6 Months
TODDLERS = "NCT09000018"  # up to 18 Months


def test_completed_units_of_the_limits_own_unit() -> None:
    assert [completed(age, "years") for age in (70.0, 70.5, 70.99, 71.0)] == [70, 70, 70, 71]
    assert completed(0.5, "Months") == 6 and completed(0.7, "month") == 8  # 0.5 years: 6 months, not 5.99
    assert completed(14 / 365.25, "weeks") == 2 and completed(1, "days") == 365
    with pytest.raises(ValueError, match="not a unit of age"):
        completed(3, "kg")


@pytest.mark.parametrize(
    ("minimum", "maximum", "admitted", "refused"),
    [
        ("18 Years", "70 Years", [18, 45, 70, 70.5, 70.99], [17.99, 71, 71.5]),
        ("6 Months", None, [0.5, 0.7, 1, 80], [0, 0.49, 5.9 / 12]),
        (None, "18 Months", [0, 1.5, 1.58], [19 / 12, 2]),
        ("28 Days", "364 Days", [28 / 365.25, 0.5, 364.5 / 365.25], [27 / 365.25, 1]),
        ("1.5 Years", None, [2], [1.5, 1.99]),  # completed years: 1 is short of 1.5
        ("18", None, [18], [17.9]),  # a limit without its unit is in years
    ],
)
def test_a_range_in_years_admits_exactly_what_the_limits_admit_in_their_units(
    minimum: str | None, maximum: str | None, admitted: list[float], refused: list[float]
) -> None:
    low, high = AgeLimit.read(minimum), AgeLimit.read(maximum)
    ages = AgeRange.of(minimum, maximum)

    def by_units(age: float) -> bool:
        return (low is None or low.admits_as_minimum(age)) and (high is None or high.admits_as_maximum(age))

    assert all(ages.admits(a) and by_units(a) for a in admitted)
    assert not any(ages.admits(a) or by_units(a) for a in refused)
    for step in range(0, 3000):  # every age from 0 to 100 by 12 days: the range and the units never disagree
        age = step * 12 / 365.25
        assert ages.admits(age) == by_units(age), age


@pytest.mark.parametrize("months", range(1, 13))
def test_an_infant_described_in_words_has_completed_their_months(months: int) -> None:
    patient = patient_from_text(f"A {months}-month-old girl with infant leukemia.")
    assert patient.age is not None and completed(patient.age, "months") == months
    assert AgeLimit.read(f"{months} Months").admits_as_minimum(patient.age)  # type: ignore[union-attr]


def test_one_bound_on_an_age() -> None:
    assert possible(0) and possible(MAX_YEARS) and not possible(MAX_YEARS + 0.01) and not possible(-1)
    with pytest.raises(ValueError, match="less than or equal to 130"):
        Patient.model_validate({"age_years": 131})
    with pytest.raises(ValueError, match="impossible age"):
        Patient.model_validate({"as_of": "2026-01-01", "birth_date": "1895-12-31"})
    assert Patient.model_validate({"as_of": "2026-01-01", "birth_date": "1896-01-02"}).age == pytest.approx(130, 0.01)


def _trial(nct_id: str, minimum: str | None, maximum: str | None, criteria: str) -> dict[str, Any]:
    record = study(nct_id, criteria=criteria, title=f"Trial {nct_id}")
    eligibility = record["protocolSection"]["eligibilityModule"]
    eligibility.pop("minimumAge")
    eligibility.update({k: v for k, v in (("minimumAge", minimum), ("maximumAge", maximum)) if v})
    return record


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def searched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    folder = tmp_path_factory.mktemp(f"ages-{request.param}")
    with backend_url(request.param, folder) as url, TrialStore.open(url) as store:
        trials = [
            _trial(ADULTS, "18 Years", "70 Years", "Inclusion Criteria:\n\n* Aged 18 to 70 years"),
            _trial(INFANTS, "6 Months", None, "Inclusion Criteria:\n\n* Informed consent of a parent"),
            _trial(TODDLERS, None, "18 Months", "Inclusion Criteria:\n\n* Informed consent of a parent"),
        ]
        ingest_paths(
            store,
            [write_json(folder / f"{t['protocolSection']['identificationModule']['nctId']}.json", t) for t in trials],
        )
        yield SearchIndex(store, Path(folder) / "index")


def _three_answers(index: SearchIndex, nct_id: str, age: float) -> tuple[bool, bool, bool]:
    """Whether the trial takes a person of ``age``: in the ranked list (the store's filter and the
    evaluator), asked for by name (its age checks all met), and found by the search filter."""
    patient = Patient.model_validate({"as_of": "2026-11-01", "age_years": age})
    ranked = [m for m in match_patient(index.store, patient) if m.nct_id == nct_id]
    assert all(r.status == "met" for m in ranked for r in m.criteria if r.constraint.quantity == "age")
    (named,) = match_patient(index.store, patient, nct_ids=[nct_id])
    ages = [r.status for r in named.criteria if r.constraint.quantity == "age"]
    assert ages and set(ages) <= {"met", "not_met"}
    found = nct_id in {h.nct_id for h in run_search(index, SearchQuery(age=age, per_page=100)).hits}
    return bool(ranked), set(ages) == {"met"}, found


@pytest.mark.parametrize(
    ("nct_id", "age", "taken"),
    [
        (ADULTS, 17.99, False),
        (ADULTS, 18, True),
        (ADULTS, 70, True),
        (ADULTS, 70.5, True),  # 70 completed years: the ranked list used to leave the trial out
        (ADULTS, 70.99, True),
        (ADULTS, 71, False),
        (INFANTS, 0.49, False),
        (INFANTS, 0.5, True),
        (INFANTS, 0.7, True),  # 8 completed months: the evaluator used to say 0 years, not 6 months
        (INFANTS, 1, True),
        (TODDLERS, 1.5, True),
        (TODDLERS, 1.58, True),  # 18 completed months
        (TODDLERS, 1.6, False),  # 19 months
    ],
)
def test_the_ranked_list_the_trial_by_name_and_the_search_agree(
    searched: SearchIndex, nct_id: str, age: float, taken: bool
) -> None:
    assert _three_answers(searched, nct_id, age) == (taken, taken, taken)


def test_the_evidence_is_in_the_limits_own_unit(searched: SearchIndex) -> None:
    patient = Patient.model_validate({"as_of": "2026-11-01", "age_years": 0.7})
    (match,) = match_patient(searched.store, patient, nct_ids=[INFANTS])
    (age,) = [r for r in match.criteria if r.constraint.quantity == "age"]
    assert age.constraint.text == "minimum age: 6 Months"
    assert age.status == "met" and age.explanation.startswith("you are 8 months old")
