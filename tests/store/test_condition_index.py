"""The condition index (migration 0013): one row per disease concept of each trial, written with the trial
and rewritten with each new version; filled from the trials table for a catalogue stored before it; and the
matcher's first filter through it finds exactly the trials a pattern match over every trial finds (both
backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import or_, select

from tests.conftest import FIXTURES
from tests.factories import seed, study, write_json
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.store.database import _alembic_config
from trialscope.store.schema import condition_index, trials
from trialscope.store.trial_store import CandidateRow, TrialStore


def _index(store: TrialStore) -> set[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return {tuple(row) for row in conn.execute(select(condition_index)).all()}


def _from_trials(store: TrialStore) -> set[tuple[Any, ...]]:
    """What the index should hold: the trials table's columns, once per concept."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                trials.c.nct_id,
                trials.c.overall_status,
                trials.c.minimum_age,
                trials.c.maximum_age,
                trials.c.age_from_years,
                trials.c.age_below_years,
                trials.c.sex,
                trials.c.brief_title,
                trials.c.condition_concepts,
            )
        ).all()
    return {(concept, *row) for row in rows for concept in (row[-1] or "").split("|") if concept}


def test_written_with_each_version_and_filled_for_a_catalogue_stored_before_it(
    store: TrialStore, tmp_path: Path
) -> None:
    ingest_paths(store, [FIXTURES / "seed-trials"])
    first = _index(store)
    assert first == _from_trials(store) and {row[1] for row in first} >= {"NCT07144020", "NCT07342244"}
    assert ("acute myeloid leukemia", "NCT07144020") in {row[:2] for row in first}

    newer = seed("NCT07144020")  # a new version: now a lymphoma trial, completed
    newer["protocolSection"]["conditionsModule"]["conditions"] = ["Diffuse large B-cell lymphoma"]
    newer["protocolSection"]["conditionsModule"]["keywords"] = []
    newer["protocolSection"]["identificationModule"]["briefTitle"] = "CAR-T cells for DLBCL"
    newer["protocolSection"]["identificationModule"].pop("officialTitle", None)
    newer["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    newer["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2027-01-01"}
    ingest_paths(store, [write_json(tmp_path / "newer.json", newer)])
    changed = _index(store)
    assert changed == _from_trials(store) != first
    assert {row[0] for row in changed if row[1] == "NCT07144020"} == {"diffuse large B-cell lymphoma"}

    config = _alembic_config()
    with store.engine.begin() as connection:  # the catalogue as it was before migration 0013, then migrated
        config.attributes["connection"] = connection
        command.downgrade(config, "0012")
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert _index(store) == changed


def _scanned(store: TrialStore, statuses: Any, age: float | None, sex: str | None, diseases: list[str]) -> list[str]:
    """The first filter as it was before the index: a pattern match on every trial's concepts."""
    every = store.candidates(statuses=statuses, age=age, sex=sex)
    with store.engine.connect() as conn:
        named = set(
            conn.execute(
                select(trials.c.nct_id).where(or_(*(trials.c.condition_concepts.contains(f"|{d}|") for d in diseases)))
            ).scalars()
        )
    return [row.nct_id for row in every if row.nct_id in named]


def test_the_first_filter_finds_what_a_scan_of_every_trial_finds(store: TrialStore, tmp_path: Path) -> None:
    load_demo(store)
    extra = [
        study("NCT99000001", status="RECRUITING", title="Venetoclax in acute myeloid leukemia"),
        study("NCT99000002", status="COMPLETED", title="A study in AML and MDS"),
    ]
    extra[1]["protocolSection"]["eligibilityModule"] |= {"sex": "MALE", "maximumAge": "40 Years"}
    ingest_paths(store, [write_json(tmp_path / "extra.json", {"studies": extra})])
    cases = [
        (OPEN_STATUSES, 45.0, "FEMALE", ["acute myeloid leukemia", "acute leukemia", "leukemia"]),
        (None, 30.0, "MALE", ["acute myeloid leukemia", "myelodysplastic syndrome"]),
        (None, None, None, ["B-cell acute lymphoblastic leukemia"]),
        (OPEN_STATUSES, 8.0, None, ["B-cell acute lymphoblastic leukemia", "leukemia", "hematologic malignancy"]),
        (OPEN_STATUSES, 70.0, "MALE", ["multiple myeloma"]),
    ]
    for statuses, age, sex, diseases in cases:
        found = store.candidates(statuses=statuses, age=age, sex=sex, diseases=diseases)
        assert all(isinstance(row, CandidateRow) for row in found)
        assert [row.nct_id for row in found] == _scanned(store, statuses, age, sex, diseases)
        assert found, diseases
        every = {row.nct_id: row for row in store.candidates(statuses=statuses, age=age, sex=sex)}
        assert all(row == every[row.nct_id] for row in found)  # the same summary as the trials table's
