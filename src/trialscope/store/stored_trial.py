"""A trial as the store gives it back: its current version, the record parsed and as stored."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from trialscope.model.study import Study


@dataclass(slots=True, frozen=True)
class StoredTrial:
    """The current version of a trial as stored."""

    nct_id: str
    study: Study
    record: dict[str, Any]
    source: str
    partial: bool
    version: int
    origin: str
    first_seen_at: dt.datetime
    updated_at: dt.datetime
    raw: str | None = None
