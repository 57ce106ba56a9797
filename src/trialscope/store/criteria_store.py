"""Structured criteria kept with each trial: computed on first use, and recomputed when the trial's
criteria text changes (a new version from an import or sync) or when the engine's rules change."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, Engine, bindparam, case, delete, func, insert, or_, select, update

from trialscope.criteria import ENGINE_VERSION, ParsedCriteria
from trialscope.criteria.forms import CriteriaForms, forms_of, text_hash
from trialscope.criteria.model import Constraint
from trialscope.criteria.outline import Outline
from trialscope.criteria.segment import items_to_json, segment
from trialscope.store.bulk import insert_rows
from trialscope.store.database import write_conflicts
from trialscope.store.schema import trial_criteria, trials
from trialscope.store.stored_trial import StoredTrial


@dataclass(frozen=True, slots=True)
class StoredCriteria:
    nct_id: str
    constraints: list[dict[str, Any]]  # flat constraint format
    notes: list[str]
    unparsed_share: float
    parsed_at: dt.datetime
    outline: str  # the compact evaluation form (criteria/outline.py), as JSON
    recomputed: bool  # True when this call parsed the text (it was new, changed, or parsed by an older engine)
    segmentation: str  # the text's items (criteria/segment.py ``items_to_json``)


_STORED = select(trial_criteria).where(trial_criteria.c.nct_id == bindparam("nct_id"))  # built once (trial_store.py)


def _row(nct_id: str, forms: CriteriaForms, now: dt.datetime) -> dict[str, Any]:
    return {
        "nct_id": nct_id,
        "text_hash": forms.text_hash,
        "engine_version": ENGINE_VERSION,
        "constraints": forms.constraints,
        "notes": forms.notes,
        "unparsed_share": forms.unparsed_share,
        "parsed_at": now,
        "outline": forms.outline,
        "segmentation": forms.segmentation,
    }


# --- the stored forms, rebuilt once per stored version and kept in memory --------------------------------
_T = TypeVar("_T")
_CACHE_SIZE = 50_000  # trials whose rebuilt criteria stay in memory (a server matches many patients)
_constraint_cache: OrderedDict[tuple[str, str], list[Constraint]] = OrderedDict()
_outline_cache: OrderedDict[tuple[str, str], Outline] = OrderedDict()


def _cached(cache: OrderedDict[tuple[str, str], _T], key: tuple[str, str], value: _T) -> _T:
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _constraints_from(stored: str | None, _flat: str | None) -> list[Constraint]:
    return [Constraint.from_flat(d) for d in orjson.loads(stored or "[]")]


def _outline_from(stored: str | None, flat: str | None) -> Outline:
    if stored is not None:
        return Outline.from_json(stored)
    return Outline.of_flat(orjson.loads(flat or "[]"))  # a row stored before outlines were: built here


class CriteriaStore:
    """The trials' structured criteria (``store.criteria`` of a TrialStore); ``trial``: a trial by its NCT ID,
    for those whose criteria are parsed on first use."""

    def __init__(self, engine: Engine, trial: Callable[[str], StoredTrial | None]) -> None:
        self.engine = engine
        self._trial = trial

    def parsed(self, trial: StoredTrial) -> ParsedCriteria:
        """The full parse (items and typed constraints) of a trial's current criteria text."""
        from trialscope.criteria.engine import parse_criteria  # loaded where a text is parsed: ~500 expressions

        text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
        return parse_criteria(text, trial.study)

    def get(self, trial: StoredTrial) -> StoredCriteria:
        """The stored structured criteria of a trial, recomputed first if stale. A row stored before its
        segmentation was gets it now (once: a trial page shows the text item by item)."""
        text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
        digest = text_hash(text)
        with self.engine.connect() as conn:
            row = conn.execute(_STORED, {"nct_id": trial.nct_id}).mappings().first()
        if row is not None and row["text_hash"] == digest and row["engine_version"] == ENGINE_VERSION:
            stored = orjson.loads(row["constraints"])
            items = row["segmentation"]
            if items is None:
                items = items_to_json(segment(text))
                self._fill_segmentation(trial.nct_id, digest, items)
            return StoredCriteria(
                trial.nct_id,
                stored,
                orjson.loads(row["notes"]),
                row["unparsed_share"],
                row["parsed_at"],
                row["outline"] or Outline.of_flat(stored).to_json(),
                recomputed=False,
                segmentation=items,
            )
        from trialscope.criteria.engine import parse_criteria

        forms = forms_of(parse_criteria(text, trial.study))
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(trial_criteria).where(trial_criteria.c.nct_id == trial.nct_id))
            conn.execute(insert(trial_criteria).values(_row(trial.nct_id, forms, now)))
        return StoredCriteria(
            trial.nct_id,
            forms.flat(),
            orjson.loads(forms.notes),
            forms.unparsed_share,
            now,
            forms.outline,
            recomputed=True,
            segmentation=forms.segmentation,
        )

    def _fill_segmentation(self, nct_id: str, digest: str, items: str) -> None:
        """Store the segmentation of a row that has none, while its text is still the one segmented."""
        self._fill_missing("segmentation", trial_criteria.c.text_hash, [(nct_id, digest, items)])

    def _fill_missing(self, column: str, stamp: ColumnElement[Any], rows: Sequence[tuple[str, Any, str]]) -> None:
        """Store a form in rows stored before its column existed: (NCT ID, stamp, form) triples, each written
        only while the row still has no such form and still carries the stamp (``stamp``: the column that
        says which version of the criteria the form was built from). A row recomputed meanwhile, by this
        process or another server, keeps its own form."""
        if not rows:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(trial_criteria)
                .where(trial_criteria.c.nct_id == bindparam("id"), stamp == bindparam("stamp"))
                .where(trial_criteria.c[column].is_(None))
                .values({column: bindparam("value")}),
                [{"id": nct_id, "stamp": value_stamp, "value": value} for nct_id, value_stamp, value in rows],
            )

    def parsed_stamps(self, nct_ids: Sequence[str]) -> list[tuple[str, dt.datetime]]:
        """When each of these trials' criteria were stored by this engine version (trials without current
        stored criteria are left out)."""
        found: list[tuple[str, dt.datetime]] = []
        with self.engine.connect() as conn:
            for start in range(0, len(nct_ids), 500):
                found += [
                    (nct_id, parsed_at)
                    for nct_id, parsed_at in conn.execute(
                        select(trial_criteria.c.nct_id, trial_criteria.c.parsed_at)
                        .where(trial_criteria.c.nct_id.in_(nct_ids[start : start + 500]))
                        .where(trial_criteria.c.engine_version == ENGINE_VERSION)
                    ).all()
                ]
        return found

    def stored_forms(
        self, column: str, nct_ids: Sequence[str]
    ) -> list[tuple[str, dt.datetime, str | None, str | None]]:
        """One stored form (``column``: outline, screen ...) of each trial's criteria stored by this engine
        version: (NCT ID, when stored, the form, and the flat constraints only where the form is missing, in
        rows older than its column)."""
        found: list[tuple[str, dt.datetime, str | None, str | None]] = []
        with self.engine.connect() as conn:
            for start in range(0, len(nct_ids), 500):
                found += [
                    tuple(row)
                    for row in conn.execute(
                        select(
                            trial_criteria.c.nct_id,
                            trial_criteria.c.parsed_at,
                            trial_criteria.c[column],
                            case((trial_criteria.c[column].is_(None), trial_criteria.c.constraints), else_=None),
                        )
                        .where(trial_criteria.c.nct_id.in_(nct_ids[start : start + 500]))
                        .where(trial_criteria.c.engine_version == ENGINE_VERSION)
                    ).all()
                ]
        return found

    def save_forms(self, column: str, forms: Sequence[tuple[str, dt.datetime, str]]) -> None:
        """Store a form (``column``) for trials whose rows predate it: (NCT ID, when the row was stored as
        ``stored_forms`` read it, form) triples; a row stored again since keeps its own."""
        self._fill_missing(column, trial_criteria.c.parsed_at, forms)

    def constraints_of(self, nct_ids: Iterable[str]) -> dict[str, list[Constraint]]:
        """Structured criteria for these trials (rebuilt constraints, with their text), computing and storing
        those not stored yet."""
        return self._stored(nct_ids, _constraint_cache, "constraints", _constraints_from)

    def outlines_of(self, nct_ids: Iterable[str]) -> dict[str, Outline]:
        """The compact evaluation form of these trials' criteria (see criteria/outline.py)."""
        return self._stored(nct_ids, _outline_cache, "outline", _outline_from, Outline.to_json)

    def _stored(
        self,
        nct_ids: Iterable[str],
        cache: OrderedDict[tuple[str, str], _T],
        column: str,
        rebuild: Callable[[str | None, str | None], _T],
        backfill: Callable[[_T], str] | None = None,
    ) -> dict[str, _T]:
        """One stored form per trial (``column`` of trial_criteria, rebuilt by ``rebuild(column value, flat
        constraints)``), cached in memory per stored version; trials with no current stored criteria are
        parsed and stored first. ``backfill``: how to store a form rebuilt from the flat constraints (rows
        stored before the column existed), so the next reader finds it."""
        wanted = list(nct_ids)
        found: dict[str, _T] = {}
        misses = []
        if cache:  # an empty cache (a fresh process) needs no stamps: the forms are read at once
            for nct_id, parsed_at in self.parsed_stamps(wanted):
                cached = cache.get((nct_id, f"{parsed_at}"))
                if cached is None:
                    misses.append(nct_id)
                else:
                    cache.move_to_end((nct_id, f"{parsed_at}"))
                    found[nct_id] = cached
        else:
            misses = wanted
        filled: list[tuple[str, dt.datetime, str]] = []
        for nct_id, parsed_at, value, flat in self.stored_forms(column, misses) if misses else []:
            found[nct_id] = _cached(cache, (nct_id, f"{parsed_at}"), rebuild(value, flat))
            if value is None and backfill is not None:
                filled.append((nct_id, parsed_at, backfill(found[nct_id])))
        self.save_forms(column, filled)
        for nct_id in wanted:
            if nct_id not in found:
                trial = self._trial(nct_id)
                if trial is not None:
                    stored = self.get(trial)
                    value = stored.outline if column == "outline" else orjson.dumps(stored.constraints).decode()
                    found[nct_id] = _cached(cache, (nct_id, f"{stored.parsed_at}"), rebuild(value, None))
        return found

    # --- the import's parsing step (``criteria_import.py``) ----------------------------------------------
    def _stale(self) -> Any:
        return trials.outerjoin(trial_criteria, trial_criteria.c.nct_id == trials.c.nct_id), or_(
            trial_criteria.c.nct_id.is_(None), trial_criteria.c.engine_version != ENGINE_VERSION
        )

    def count_stale(self) -> int:
        """How many trials have no criteria stored by this engine version (new, changed, or parsed by an older
        engine: a changed trial's stored criteria are deleted with its old version)."""
        joined, stale = self._stale()
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(joined).where(stale)).scalar_one())

    def stale_records(self, after: str, limit: int) -> list[tuple[str, int, str]]:
        """The next ``limit`` such trials after NCT ID ``after``, in NCT ID order: (NCT ID, version, record JSON)."""
        joined, stale = self._stale()
        query = (
            select(trials.c.nct_id, trials.c.version, trials.c.record)
            .select_from(joined)
            .where(stale, trials.c.nct_id > after)
            .order_by(trials.c.nct_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [(nct_id, int(version), record) for nct_id, version, record in conn.execute(query).all()]

    def save_parsed(self, parsed: Sequence[tuple[str, int, CriteriaForms]]) -> int:
        """Store criteria forms computed from these versions of these trials (NCT ID, version, forms) in one
        transaction; a trial stored again since (another version now, whose write deleted its criteria) is
        left to be parsed again. Returns how many were stored. The trials' rows are locked while it runs
        (PostgreSQL; SQLite has one writer at a time), so a new version cannot slip in between."""
        if not parsed:
            return 0
        for attempt in range(_SAVE_ATTEMPTS):
            try:
                return self._save_parsed_once(parsed)
            except write_conflicts():
                # a reader stored one of them meanwhile (the lazy path), or the database was busy: again
                if attempt == _SAVE_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
        raise AssertionError("unreachable")

    def _save_parsed_once(self, parsed: Sequence[tuple[str, int, CriteriaForms]]) -> int:
        now = dt.datetime.now(dt.UTC)
        ids = [nct_id for nct_id, _, _ in parsed]
        with self.engine.begin() as conn:
            current = dict(
                conn.execute(
                    select(trials.c.nct_id, trials.c.version).where(trials.c.nct_id.in_(ids)).with_for_update()
                ).all()
            )
            rows = [_row(nct_id, forms, now) for nct_id, version, forms in parsed if current.get(nct_id) == version]
            conn.execute(delete(trial_criteria).where(trial_criteria.c.nct_id.in_([r["nct_id"] for r in rows])))
            insert_rows(conn, trial_criteria, rows)
        return len(rows)


_SAVE_ATTEMPTS = 8
