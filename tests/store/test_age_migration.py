"""Migration 0012 keeps each trial's age limits as written and the ages the age rule admits (model/age.py),
filled from the stored records, on both backends."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from alembic import command

from tests.factories import study
from trialscope.model.age import AgeRange
from trialscope.store.database import _alembic_config, create_database_engine
from trialscope.store.trial_store import TrialStore

_COLUMNS_AT_0011 = (
    *("nct_id", "source", "partial", "has_results", "record", "content_hash", "version", "origin"),
    *("first_seen_at", "updated_at", "min_age_years", "max_age_years"),
)


def test_existing_trials_get_their_limits_and_admitted_ages(db_url: str) -> None:
    engine = create_database_engine(db_url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0011")
    record = study("NCT09000018")
    record["protocolSection"]["eligibilityModule"].update(minimumAge="6 Months", maximumAge="18 Months")
    now = dt.datetime.now(dt.UTC)
    row = sa.table("trials", *(sa.column(name) for name in _COLUMNS_AT_0011))  # the row as 0011 wrote it
    with engine.begin() as connection:
        connection.execute(
            row.insert().values(
                nct_id="NCT09000018",
                source="test",
                partial=False,
                has_results=False,
                record=json.dumps(record),
                content_hash="0" * 64,
                version=1,
                origin="test",
                first_seen_at=now,
                updated_at=now,
                min_age_years=0.5,
                max_age_years=1.5,
            )
        )
    engine.dispose()
    with TrialStore.open(db_url) as store:  # migrates to the head
        (row,) = store.candidates(["NCT09000018"])
        assert (row.minimum_age, row.maximum_age) == ("6 Months", "18 Months")
        assert [r.nct_id for r in store.candidates(age=1.55)] == ["NCT09000018"]  # 18 completed months
        assert store.candidates(age=1.6) == [] and store.candidates(age=0.45) == []
    ages = AgeRange.of("6 Months", "18 Months")
    assert ages.admits(1.55) and not ages.admits(1.6)
