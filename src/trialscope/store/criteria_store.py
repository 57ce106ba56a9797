"""Structured criteria kept with each trial: computed on first use, and recomputed when the trial's
criteria text changes (a new version from an import or sync) or when the engine's rules change."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, delete, insert, select

from trialscope.criteria import ENGINE_VERSION, ParsedCriteria, parse_criteria
from trialscope.criteria.outline import Outline
from trialscope.store.schema import trial_criteria
from trialscope.store.trial_store import StoredTrial


@dataclass(frozen=True, slots=True)
class StoredCriteria:
    nct_id: str
    constraints: list[dict[str, Any]]  # flat constraint format
    notes: list[str]
    unparsed_share: float
    parsed_at: dt.datetime
    outline: str  # the compact evaluation form (criteria/outline.py), as JSON
    recomputed: bool  # True when this call parsed the text (it was new, changed, or parsed by an older engine)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CriteriaStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def parsed(self, trial: StoredTrial) -> ParsedCriteria:
        """The full parse (items and typed constraints) of a trial's current criteria text."""
        text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
        return parse_criteria(text, trial.study)

    def get(self, trial: StoredTrial) -> StoredCriteria:
        """The stored structured criteria of a trial, recomputed first if stale."""
        text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
        digest = text_hash(text)
        with self.engine.connect() as conn:
            row = conn.execute(select(trial_criteria).where(trial_criteria.c.nct_id == trial.nct_id)).mappings().first()
        if row is not None and row["text_hash"] == digest and row["engine_version"] == ENGINE_VERSION:
            stored = orjson.loads(row["constraints"])
            return StoredCriteria(
                trial.nct_id,
                stored,
                orjson.loads(row["notes"]),
                row["unparsed_share"],
                row["parsed_at"],
                row["outline"] or Outline.of_flat(stored).to_json(),
                recomputed=False,
            )
        parsed = parse_criteria(text, trial.study)
        flat = [c.as_flat() for c in parsed.constraints]
        now = dt.datetime.now(dt.UTC)
        outline = Outline.of_flat(flat).to_json()
        with self.engine.begin() as conn:
            conn.execute(delete(trial_criteria).where(trial_criteria.c.nct_id == trial.nct_id))
            conn.execute(
                insert(trial_criteria).values(
                    nct_id=trial.nct_id,
                    text_hash=digest,
                    engine_version=ENGINE_VERSION,
                    constraints=orjson.dumps(flat).decode(),
                    notes=orjson.dumps(parsed.notes).decode(),
                    unparsed_share=parsed.unparsed_share,
                    parsed_at=now,
                    outline=outline,
                )
            )
        return StoredCriteria(trial.nct_id, flat, parsed.notes, parsed.unparsed_share, now, outline, recomputed=True)
