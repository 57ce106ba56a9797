"""The trial store: upsert checked records by NCT ID, keep every replaced version, record change events,
and answer reads (one trial, its history, counts).

Update rules (applied per record, in input order):
- a new NCT ID is added;
- an identical record (same content hash) is left as it is (``unchanged``);
- a full record always supersedes a partial one; a partial record never replaces a full one (``older``);
- between two full records, one whose last-update date is older than the stored one's (or missing while
  the stored one has a date) is not applied (``older``);
- a partial record on top of a partial one is merged into it (the flattened sources each carry a
  fraction of a record), unless it is dated older.
Each write batch is one transaction: a crash leaves every batch either fully stored or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError

from trialscope.caches import VersionedCache
from trialscope.catalogue.changes import ChangeEvent, diff_studies, new_trial_event
from trialscope.catalogue.records import ImportSummary, SourceRecord
from trialscope.catalogue.validate import checked_record
from trialscope.model.statuses import SITE_OPEN
from trialscope.model.study import parse_study
from trialscope.store.bulk import insert_rows
from trialscope.store.commits import CommitCounter
from trialscope.store.database import DatabaseUnavailable, create_database_engine, migrate, write_conflicts
from trialscope.store.prepared import PreparedRecord, prepare
from trialscope.store.schema import (
    change_events,
    condition_index,
    import_runs,
    trial_criteria,
    trial_feed,
    trial_locations,
    trial_versions,
    trials,
)
from trialscope.store.stored_trial import StoredTrial

if TYPE_CHECKING:
    from trialscope.store.criteria_store import CriteriaStore
    from trialscope.store.people import PeopleStore
    from trialscope.store.rate_limits import SharedCounts
    from trialscope.store.sync_state import SyncState


_WRITE_ATTEMPTS = 8
OPEN_SITES_CACHED = 20_000  # trials whose open sites a process remembers (a few MB)

# The reads every page makes, built once: a statement built anew at each call is built and keyed for
# SQLAlchemy's compiled cache each time (these run once or more per page; the cost: benchmarks/README.md)
_TRIAL = select(trials).where(trials.c.nct_id == bindparam("nct_id"))
_STORED_AT = select(trials.c.updated_at).where(trials.c.nct_id == bindparam("nct_id"))
_FEED_HEAD = select(func.coalesce(func.max(trial_feed.c.seq), 0))
_OPEN_SITES = (
    select(
        trial_locations.c.nct_id,
        trial_locations.c.facility,
        trial_locations.c.city,
        trial_locations.c.country,
        trial_locations.c.status,
        trial_locations.c.lat,
        trial_locations.c.lon,
    )
    .where(trial_locations.c.nct_id.in_(bindparam("ids", expanding=True)))
    .where(or_(trial_locations.c.status.is_(None), func.upper(trial_locations.c.status).in_(sorted(SITE_OPEN))))
    .order_by(trial_locations.c.nct_id, trial_locations.c.position)
)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_WRITE_TURN = 0x7472_6961_6C77  # the advisory lock key of trial writes ("trialw")


def _take_write_turn(conn: Connection) -> None:
    """Wait for this transaction's turn to write trials, so writers from several processes commit one after
    another: the feed's numbers (``_append_feed``), taken after the turn starts, then rise in commit order.
    PostgreSQL: a transaction-level advisory lock (released after the commit is visible to others); SQLite:
    its write lock, taken by a write that changes nothing."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_TURN})
    else:
        conn.execute(update(import_runs).where(import_runs.c.id == -1).values(status=import_runs.c.status))


def _append_feed(conn: Connection, changed: Sequence[tuple[str, int]], now: dt.datetime) -> None:
    """Number these changes (NCT ID, the version stored) in the feed, in the writer's transaction.

    Each row's ``seq`` is one more than the largest committed one, read in this transaction after its write
    turn began. That is what makes a number final as soon as it is seen: a transaction can only write N
    after it saw N-1 committed, so when a reader sees N, every transaction that could hold a lower number
    has ended (committed, or rolled back and its number never seen). Two writers that did not take turns
    would both try N, and the primary key refuses the second (the batch runs again): the numbers never
    commit out of order or with a gap, on either backend."""
    if not changed:
        return
    last = int(conn.execute(_FEED_HEAD).scalar_one())
    insert_rows(
        conn,
        trial_feed,
        [
            {"seq": last + n, "nct_id": nct_id, "version": version, "stored_at": now}
            for n, (nct_id, version) in enumerate(changed, start=1)
        ],
    )


_INDEXED = (
    "overall_status",
    "minimum_age",
    "maximum_age",
    "age_from_years",
    "age_below_years",
    "sex",
    "brief_title",
    "condition_concepts",
)


def _index_rows(items: Sequence[PreparedRecord]) -> list[dict[str, Any]]:
    """The matcher's index rows of these records (``condition_index``): one per disease concept each names."""
    return [
        {"concept": concept, "nct_id": c.nct_id, **{column: c.columns[column] for column in _INDEXED}}
        for c in items
        for concept in dict.fromkeys(k for k in (c.columns["condition_concepts"] or "").split("|") if k)
    ]


# --- the age rule of the matcher's first filter: the one place that says whether a patient of ``age`` (years)
# is within a trial's age limits, for the trials table and for the condition index alike. The limits are the ages
# they admit by the age rule (model/age.py ``AgeRange``): from ``age_from_years`` (inclusive) up to but not
# including ``age_below_years``; None: no limit on that side
def _open_to_age(table: Table, age: float) -> list[ColumnElement[bool]]:
    return [
        or_(table.c.age_from_years.is_(None), table.c.age_from_years <= age),
        or_(table.c.age_below_years.is_(None), table.c.age_below_years > age),
    ]


def _filters(table: Table, statuses: Iterable[str] | None, age: float | None, sex: str | None) -> list[Any]:
    """The matcher's first filter on a table with the trial's status, age limits and sex."""
    found: list[Any] = []
    if statuses is not None:
        found.append(table.c.overall_status.in_(sorted(statuses)))
    if age is not None:
        found += _open_to_age(table, age)
    if sex in ("FEMALE", "MALE"):
        found.append(or_(table.c.sex.is_(None), table.c.sex.in_(["ALL", sex])))
    return found


@dataclass(slots=True, frozen=True)
class SiteRow:
    """A trial's site as the locations table keeps it (coordinates are city-level, when known)."""

    nct_id: str
    facility: str | None
    city: str | None
    country: str | None
    status: str | None
    lat: float | None
    lon: float | None


@dataclass(slots=True, frozen=True)
class CandidateRow:
    """What the matcher's hard filters read of a trial (its age limits as written, its disease concepts)."""

    nct_id: str
    brief_title: str | None
    overall_status: str | None
    minimum_age: str | None  # "18 Years", "6 Months"
    maximum_age: str | None
    sex: str | None
    condition_concepts: str | None  # "|acute myeloid leukemia|leukemia|": every concept a trial's conditions name


@dataclass(slots=True, frozen=True)
class FeedEntry:
    """A change in the trial feed: its number, the trial, and the trial's record as stored now (None if the
    trial is no longer in the catalogue)."""

    seq: int
    nct_id: str
    record: str | None


@dataclass(slots=True, frozen=True)
class TrialVersion:
    nct_id: str
    version: int
    source: str
    partial: bool
    last_update: dt.date | None
    origin: str
    stored_at: dt.datetime
    superseded_at: dt.datetime | None  # None for the current version
    record: dict[str, Any]


@dataclass(slots=True, frozen=True)
class StoredChange:
    nct_id: str
    kind: str
    summary: str
    old_value: str | None
    new_value: str | None
    version: int
    detected_at: dt.datetime


@dataclass(slots=True)
class _Current:
    """What the update rules need of a stored trial."""

    partial: bool
    last_update: dt.date | None
    content_hash: str
    version: int


def deep_merge(base: dict[str, Any], update_with: dict[str, Any]) -> dict[str, Any]:
    """Merge two study dicts: nested dicts merge, everything else is taken from ``update_with``."""
    merged = dict(base)
    for key, value in update_with.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _version(row: Any, stored_at: dt.datetime, superseded_at: dt.datetime | None) -> TrialVersion:
    """A stored version from a trials or trial_versions row."""
    return TrialVersion(
        nct_id=row["nct_id"],
        version=row["version"],
        source=row["source"],
        partial=row["partial"],
        last_update=row["last_update"],
        origin=row["origin"],
        stored_at=stored_at,
        superseded_at=superseded_at,
        record=orjson.loads(row["record"]),
    )


class TrialStore:
    """Trial records in one database (SQLite or PostgreSQL), schema kept current on open."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._closed = False
        migrate(engine)
        # the open sites of trials shown on pages, per catalogue version (open_sites_of)
        self._open_sites = VersionedCache(OPEN_SITES_CACHED)
        self._commits = CommitCounter(engine)
        self._head: tuple[int, int] | None = None  # (commit mark, last_change then)

    @classmethod
    def open(cls, url: str | None = None) -> TrialStore:
        """The store at ``url`` (the default SQLite file for None), its schema brought up to date; raises
        DatabaseUrlError for an unsupported URL and DatabaseUnavailable when it cannot be reached."""
        try:
            return cls(create_database_engine(url))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(reason) from exc

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._commits.close()
        self.engine.dispose()

    def __enter__(self) -> TrialStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- what else this database keeps: each part's own store, on the same engine -----------------------
    @cached_property
    def criteria(self) -> CriteriaStore:
        """The trials' structured criteria, parsed on first use and kept (``store/criteria_store.py``)."""
        from trialscope.store.criteria_store import CriteriaStore  # the criteria engine loads when first asked for

        return CriteriaStore(self.engine, self.get)

    @cached_property
    def sync_state(self) -> SyncState:
        """The sync queries and where each run got to (``store/sync_state.py``)."""
        from trialscope.store.sync_state import SyncState  # each part loads when first asked for

        return SyncState(self.engine)

    @cached_property
    def people(self) -> PeopleStore:
        """Leads, the outbox, operators, subscriptions, notes and shared keys (``store/people/``)."""
        from trialscope.store.people import PeopleStore

        return PeopleStore(self.engine)

    @cached_property
    def rate_limits(self) -> SharedCounts:
        """Request counts every worker of every server of this database shares (``store/rate_limits.py``)."""
        from trialscope.store.rate_limits import SharedCounts

        return SharedCounts(self.engine)

    # --- import runs ----------------------------------------------------------------------------------
    def start_run(self, kind: str, sources: Sequence[str]) -> int:
        """A new import run; runs left 'running' by a process of this host that is gone (killed) are marked
        'interrupted' first."""
        with self.engine.begin() as conn:
            host = socket.gethostname()
            running = conn.execute(
                select(import_runs.c.id, import_runs.c.owner).where(import_runs.c.status == "running")
            ).all()
            for run_id, owner in running:
                owner_host, _, pid = (owner or "").rpartition(":")
                if owner_host == host and pid.isdigit() and not _process_alive(int(pid)):
                    conn.execute(
                        update(import_runs)
                        .where(import_runs.c.id == run_id)
                        .values(status="interrupted", finished_at=_now())
                    )
            result = conn.execute(
                insert(import_runs).values(
                    kind=kind,
                    sources="\n".join(sources),
                    started_at=_now(),
                    added=0,
                    updated=0,
                    unchanged=0,
                    older=0,
                    rejected=0,
                    status="running",
                    owner=f"{socket.gethostname()}:{os.getpid()}",
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(self, run_id: int, summary: ImportSummary, status: str = "finished") -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(import_runs)
                .where(import_runs.c.id == run_id)
                .values(
                    finished_at=_now(),
                    added=summary.added,
                    updated=summary.updated,
                    unchanged=summary.unchanged,
                    older=summary.older,
                    rejected=summary.rejected,
                    status=status,
                )
            )

    # --- writing --------------------------------------------------------------------------------------
    def write_batch(self, batch: Sequence[PreparedRecord], run_id: int | None = None) -> ImportSummary:
        """Apply a batch of prepared records in one transaction. NCT IDs must be distinct in a batch.

        Several writers at once (two imports of the same records, an import beside a sync): the stored rows
        are read locked (PostgreSQL ``FOR UPDATE``; SQLite has one writer at a time), so each decision is
        made against the latest committed version and the newest version wins whatever the order; a trial
        that another writer inserted meanwhile, or a write that found the database busy, makes the whole
        batch run again against what is stored now."""
        if len(set(c.nct_id for c in batch)) != len(batch):
            raise ValueError("an NCT ID repeats within one write batch")
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                return self._write_batch_once(batch, run_id)
            except write_conflicts():
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
        raise AssertionError("unreachable")

    def _write_batch_once(self, batch: Sequence[PreparedRecord], run_id: int | None) -> ImportSummary:
        summary = ImportSummary()
        if not batch:
            return summary
        ids = [c.nct_id for c in batch]
        with self.engine.begin() as conn:
            _take_write_turn(conn)
            now = _now()
            current = {
                row.nct_id: _Current(row.partial, row.last_update, row.content_hash, row.version)
                for row in conn.execute(
                    select(
                        trials.c.nct_id,
                        trials.c.partial,
                        trials.c.last_update,
                        trials.c.content_hash,
                        trials.c.version,
                    )
                    .where(trials.c.nct_id.in_(ids))
                    .with_for_update()
                )
            }
            to_add: list[PreparedRecord] = []
            to_update: list[PreparedRecord] = []
            partial_merges: list[PreparedRecord] = []
            for item in batch:
                stored = current.get(item.nct_id)
                if stored is None:
                    to_add.append(item)
                elif stored.content_hash == item.content_hash:
                    summary.unchanged += 1
                elif stored.partial and not item.partial:
                    to_update.append(item)
                elif (item.partial and not stored.partial) or self._is_older(item, stored):
                    summary.older += 1
                elif item.partial:
                    partial_merges.append(item)
                else:
                    to_update.append(item)

            old_rows = self._load_rows(conn, [c.nct_id for c in to_update + partial_merges])
            for item in partial_merges:
                merged = deep_merge(orjson.loads(old_rows[item.nct_id]["record"]), item.document())
                source = SourceRecord(merged, item.origin, item.source, item.batch, item.partial, item.raw)
                merged_record = prepare(checked_record(item.nct_id, parse_study(merged), source))
                if merged_record.content_hash == current[item.nct_id].content_hash:
                    summary.unchanged += 1
                    continue
                to_update.append(merged_record)

            self._insert_new(conn, to_add, now, run_id)
            self._apply_updates(conn, to_update, old_rows, current, now, run_id)
            changed = [(c.nct_id, 1) for c in to_add] + [(c.nct_id, current[c.nct_id].version + 1) for c in to_update]
            _append_feed(conn, changed, now)
            summary.added += len(to_add)
            summary.updated += len(to_update)
        return summary

    @staticmethod
    def _is_older(item: PreparedRecord, stored: _Current) -> bool:
        incoming = item.last_update
        if stored.last_update is None:
            return False
        if incoming is None:
            return not item.partial  # an undated partial fragment may still fill gaps
        return incoming < stored.last_update

    @staticmethod
    def _load_rows(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        rows = conn.execute(select(trials).where(trials.c.nct_id.in_(ids))).mappings()
        return {row["nct_id"]: dict(row) for row in rows}

    def _insert_new(self, conn: Connection, items: list[PreparedRecord], now: dt.datetime, run_id: int | None) -> None:
        if not items:
            return
        insert_rows(
            conn,
            trials,
            [
                {
                    "nct_id": c.nct_id,
                    "source": c.source,
                    "partial": c.partial,
                    **c.columns,
                    "record": c.canonical.decode(),
                    "raw": c.raw,
                    "content_hash": c.content_hash,
                    "version": 1,
                    "origin": c.origin,
                    "first_seen_at": now,
                    "updated_at": now,
                    "import_run_id": run_id,
                }
                for c in items
            ],
        )
        locations = [row for c in items for row in c.locations]
        insert_rows(conn, trial_locations, locations)
        insert_rows(conn, condition_index, _index_rows(items))
        events = [(c.nct_id, 1, new_trial_event(c.overall_status)) for c in items]
        self._insert_events(conn, events, now, run_id)

    def _apply_updates(
        self,
        conn: Connection,
        items: list[PreparedRecord],
        old_rows: dict[str, dict[str, Any]],
        current: dict[str, _Current],
        now: dt.datetime,
        run_id: int | None,
    ) -> None:
        if not items:
            return
        insert_rows(
            conn,
            trial_versions,
            [
                {
                    "nct_id": c.nct_id,
                    "version": old_rows[c.nct_id]["version"],
                    "source": old_rows[c.nct_id]["source"],
                    "partial": old_rows[c.nct_id]["partial"],
                    "last_update": old_rows[c.nct_id]["last_update"],
                    "record": old_rows[c.nct_id]["record"],
                    "raw": old_rows[c.nct_id]["raw"],
                    "content_hash": old_rows[c.nct_id]["content_hash"],
                    "origin": old_rows[c.nct_id]["origin"],
                    "stored_at": old_rows[c.nct_id]["updated_at"],
                    "superseded_at": now,
                }
                for c in items
            ],
        )
        conn.execute(
            update(trials).where(trials.c.nct_id == bindparam("b_nct_id")),
            [
                {
                    "b_nct_id": c.nct_id,
                    "source": c.source,
                    "partial": c.partial,
                    **c.columns,
                    "record": c.canonical.decode(),
                    "raw": c.raw,
                    "content_hash": c.content_hash,
                    "version": current[c.nct_id].version + 1,
                    "origin": c.origin,
                    "updated_at": now,
                    "import_run_id": run_id,
                }
                for c in items
            ],
        )
        ids = [c.nct_id for c in items]
        conn.execute(delete(trial_locations).where(trial_locations.c.nct_id.in_(ids)))
        conn.execute(delete(trial_criteria).where(trial_criteria.c.nct_id.in_(ids)))  # recomputed on next use
        conn.execute(delete(condition_index).where(condition_index.c.nct_id.in_(ids)))
        locations = [row for c in items for row in c.locations]
        insert_rows(conn, trial_locations, locations)
        insert_rows(conn, condition_index, _index_rows(items))
        events: list[tuple[str, int, ChangeEvent]] = []
        for c in items:
            old_study = parse_study(orjson.loads(old_rows[c.nct_id]["record"]))
            version = current[c.nct_id].version + 1
            old_partial = bool(old_rows[c.nct_id]["partial"])
            events.extend(
                (c.nct_id, version, event) for event in diff_studies(old_study, c.study(), old_partial=old_partial)
            )
        self._insert_events(conn, events, now, run_id)

    @staticmethod
    def _insert_events(
        conn: Connection, events: list[tuple[str, int, ChangeEvent]], now: dt.datetime, run_id: int | None
    ) -> None:
        if not events:
            return
        insert_rows(
            conn,
            change_events,
            [
                {
                    "nct_id": nct_id,
                    "kind": event.kind,
                    "summary": event.summary,
                    "old_value": event.old_value,
                    "new_value": event.new_value,
                    "version": version,
                    "detected_at": now,
                    "import_run_id": run_id,
                }
                for nct_id, version, event in events
            ],
        )

    # --- reading --------------------------------------------------------------------------------------
    def get(self, nct_id: str) -> StoredTrial | None:
        with self.engine.connect() as conn:
            row = conn.execute(_TRIAL, {"nct_id": nct_id.upper()}).mappings().first()
        if row is None:
            return None
        record = orjson.loads(row["record"])
        return StoredTrial(
            nct_id=row["nct_id"],
            study=parse_study(record),
            record=record,
            source=row["source"],
            partial=row["partial"],
            version=row["version"],
            origin=row["origin"],
            first_seen_at=row["first_seen_at"],
            updated_at=row["updated_at"],
            raw=row["raw"],
        )

    def stored_at(self, nct_id: str) -> dt.datetime | None:
        """When this trial's current version was stored (``StoredTrial.updated_at``; None if it is not in the
        catalogue): what a view of the trial built from that version is checked against."""
        with self.engine.connect() as conn:
            stamp: dt.datetime | None = conn.execute(_STORED_AT, {"nct_id": nct_id.upper()}).scalar()
        return stamp

    def open_sites_of(self, nct_ids: Sequence[str]) -> dict[str, tuple[SiteRow, ...]]:
        """The open sites (and those of unstated status) of these trials, by trial, each in its trial's
        order. What pages show over and over (the same trials in many searches): remembered per catalogue
        version, which every write moves (``last_change``), so a change is seen at the next request."""
        version = self.last_change()
        found: dict[str, tuple[SiteRow, ...]] = {}
        missing: list[str] = []
        for nct_id in dict.fromkeys(n.upper() for n in nct_ids):
            cached = self._open_sites.get_at(version, nct_id)
            if isinstance(cached, tuple):
                found[nct_id] = cached
            else:
                missing.append(nct_id)
        if not missing:
            return found
        loaded: dict[str, list[SiteRow]] = {nct_id: [] for nct_id in missing}
        with self.engine.connect() as conn:
            for start in range(0, len(missing), 500):
                for row in conn.execute(_OPEN_SITES, {"ids": missing[start : start + 500]}):
                    loaded[row[0]].append(SiteRow(*row))
        for nct_id, rows in loaded.items():
            found[nct_id] = tuple(rows)
            self._open_sites.put_at(version, nct_id, found[nct_id])
        return found

    def iter_trials(self, batch_size: int = 500) -> Iterator[StoredTrial]:
        """Every current trial, in NCT ID order, streamed in batches."""
        last = ""
        while True:
            with self.engine.connect() as conn:
                rows = list(
                    conn.execute(
                        select(trials.c.nct_id)
                        .where(trials.c.nct_id > last)
                        .order_by(trials.c.nct_id)
                        .limit(batch_size)
                    ).scalars()
                )
            if not rows:
                return
            for nct_id in rows:
                trial = self.get(nct_id)
                if trial is not None:
                    yield trial
            last = rows[-1]

    def history(self, nct_id: str) -> list[TrialVersion]:
        """Every version of a trial, oldest first, the current one last."""
        nct_id = nct_id.upper()
        with self.engine.connect() as conn:
            old = conn.execute(
                select(trial_versions).where(trial_versions.c.nct_id == nct_id).order_by(trial_versions.c.version)
            ).mappings()
            versions = [_version(r, r["stored_at"], r["superseded_at"]) for r in old]
            current = conn.execute(_TRIAL, {"nct_id": nct_id}).mappings().first()
        if current is not None:
            versions.append(_version(current, current["updated_at"], None))
        return versions

    def changes(
        self, since: dt.datetime | None = None, nct_ids: Iterable[str] | None = None, kinds: Iterable[str] | None = None
    ) -> list[StoredChange]:
        query = select(change_events).order_by(change_events.c.detected_at, change_events.c.id)
        if since is not None:
            query = query.where(change_events.c.detected_at >= since)
        if nct_ids is not None:
            query = query.where(change_events.c.nct_id.in_([n.upper() for n in nct_ids]))
        if kinds is not None:
            query = query.where(change_events.c.kind.in_(list(kinds)))
        with self.engine.connect() as conn:
            return [
                StoredChange(
                    nct_id=r["nct_id"],
                    kind=r["kind"],
                    summary=r["summary"],
                    old_value=r["old_value"],
                    new_value=r["new_value"],
                    version=r["version"],
                    detected_at=r["detected_at"],
                )
                for r in conn.execute(query).mappings()
            ]

    def candidates(
        self,
        nct_ids: Sequence[str] | None = None,
        *,
        statuses: Iterable[str] | None = None,
        age: float | None = None,
        sex: str | None = None,
        diseases: Iterable[str] = (),
    ) -> list[CandidateRow]:
        """Trials by NCT ID (all those named, whatever their status), else those with one of ``statuses``
        (None: any), open to a person of ``age`` and ``sex`` (FEMALE or MALE), with one of ``diseases``
        among their condition concepts; in NCT ID order. With diseases, the trials are found through the
        condition index (one look-up per disease); without, every trial is read."""
        wanted = sorted(set(diseases))
        if wanted and not nct_ids:
            narrowed = (
                select(
                    condition_index.c.nct_id,
                    condition_index.c.brief_title,
                    condition_index.c.overall_status,
                    condition_index.c.minimum_age,
                    condition_index.c.maximum_age,
                    condition_index.c.sex,
                    condition_index.c.condition_concepts,
                )
                .where(condition_index.c.concept.in_(wanted), *_filters(condition_index, statuses, age, sex))
                .distinct()
                .order_by(condition_index.c.nct_id)
            )
            with self.engine.connect() as conn:
                return [CandidateRow(*row) for row in conn.execute(narrowed).all()]
        query = select(
            trials.c.nct_id,
            trials.c.brief_title,
            trials.c.overall_status,
            trials.c.minimum_age,
            trials.c.maximum_age,
            trials.c.sex,
            trials.c.condition_concepts,
        )
        if nct_ids:
            query = query.where(trials.c.nct_id.in_([n.upper() for n in nct_ids]))
        else:
            query = query.where(*_filters(trials, statuses, age, sex))
        with self.engine.connect() as conn:
            return [CandidateRow(*row) for row in conn.execute(query.order_by(trials.c.nct_id)).all()]

    def last_change(self) -> int:
        """The number of the last change committed to the feed (0 for none yet): the catalogue's version,
        which every write moves. Asked of the database again only when something was committed since it was
        last asked (``commits.py``; on PostgreSQL, every time)."""
        mark, known = self._commits.mark(), self._head
        if mark is not None and known is not None and known[0] == mark:
            return known[1]
        with self.engine.connect() as conn:  # read after the mark: a commit in between moves the next mark
            head = int(conn.execute(_FEED_HEAD).scalar_one())
        if mark is not None:
            self._head = (mark, head)
        return head

    def feed_after(self, seq: int, limit: int) -> list[FeedEntry]:
        """The next ``limit`` changes of the feed after number ``seq``, in feed order, each with its trial's
        current record (a trial changed again later is read as it is now: its later change follows)."""
        query = (
            select(trial_feed.c.seq, trial_feed.c.nct_id, trials.c.record)
            .select_from(trial_feed.outerjoin(trials, trials.c.nct_id == trial_feed.c.nct_id))
            .where(trial_feed.c.seq > seq)
            .order_by(trial_feed.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [FeedEntry(int(n), nct_id, record) for n, nct_id, record in conn.execute(query).all()]

    def records_after(self, last_nct_id: str, limit: int) -> list[tuple[str, str]]:
        """The next ``limit`` trials after ``last_nct_id`` in NCT ID order: (NCT ID, the record's JSON text)."""
        query = select(trials.c.nct_id, trials.c.record).where(trials.c.nct_id > last_nct_id)
        with self.engine.connect() as conn:
            return [(n, r) for n, r in conn.execute(query.order_by(trials.c.nct_id).limit(limit)).all()]

    def url_text(self) -> str:
        """The database URL as text, password included (what the search index's location is derived from)."""
        return self.engine.url.render_as_string(hide_password=False)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(trials)).scalar_one())

    def stats(self) -> dict[str, dict[str, int]]:
        """Counts by overall status, phase, country (trials with a site there), source and completeness."""
        per_trial_country = (
            select(trial_locations.c.nct_id, trial_locations.c.country)
            .where(trial_locations.c.country.is_not(None))
            .distinct()
            .subquery()
        )
        with self.engine.connect() as conn:

            def counts(column: Any) -> list[tuple[Any, int]]:
                return [(key, n) for key, n in conn.execute(select(column, func.count()).group_by(column))]

            by_phase: Counter[str] = Counter()
            for phases, n in counts(trials.c.phases):
                for phase in (phases or "NOT_STATED").split("|"):
                    by_phase[phase] += n
            result = {
                "status": Counter({(s or "NOT_STATED"): n for s, n in counts(trials.c.overall_status)}),
                "phase": by_phase,
                "country": Counter(dict(counts(per_trial_country.c.country))),
                "source": Counter(dict(counts(trials.c.source))),
                "completeness": Counter({("partial" if p else "full"): n for p, n in counts(trials.c.partial)}),
            }
        return {name: dict(counter.most_common()) for name, counter in result.items()}
