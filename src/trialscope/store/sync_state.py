"""Which queries sync follows, and each query's checkpoint (where an interrupted run resumes, and where
the next incremental run starts)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from trialscope.store.schema import sync_queries, sync_state


@dataclass(frozen=True, slots=True)
class SyncQuery:
    name: str
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class SyncCheckpoint:
    query_name: str
    running: bool
    run_since: dt.date | None
    run_data_timestamp: str | None
    page_token: str | None
    pages_done: int
    records_seen: int
    last_success_at: dt.datetime | None
    last_data_timestamp: str | None
    next_since: dt.date | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SyncState:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- queries ----------------------------------------------------------------------------------------
    def queries(self) -> list[SyncQuery]:
        """The configured queries, oldest first (a new database starts with the defaults: CAR-T, AML)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(sync_queries).order_by(sync_queries.c.created_at, sync_queries.c.name)).all()
        return [SyncQuery(row.name, json.loads(row.params)) for row in rows]

    def add_query(self, query: SyncQuery) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(sync_queries).where(sync_queries.c.name == query.name))
            conn.execute(delete(sync_state).where(sync_state.c.query_name == query.name))
            conn.execute(
                insert(sync_queries).values(name=query.name, params=json.dumps(query.params), created_at=_now())
            )

    def remove_query(self, name: str) -> bool:
        with self.engine.begin() as conn:
            removed = conn.execute(delete(sync_queries).where(sync_queries.c.name == name)).rowcount
            conn.execute(delete(sync_state).where(sync_state.c.query_name == name))
        return bool(removed)

    # --- checkpoints ------------------------------------------------------------------------------------
    def checkpoint(self, name: str) -> SyncCheckpoint:
        with self.engine.connect() as conn:
            row = conn.execute(select(sync_state).where(sync_state.c.query_name == name)).mappings().first()
        if row is None:
            return SyncCheckpoint(name, False, None, None, None, 0, 0, None, None, None)
        return SyncCheckpoint(
            query_name=name,
            running=row["status"] == "running",
            run_since=row["run_since"],
            run_data_timestamp=row["run_data_timestamp"],
            page_token=row["page_token"],
            pages_done=row["pages_done"],
            records_seen=row["records_seen"],
            last_success_at=row["last_success_at"],
            last_data_timestamp=row["last_data_timestamp"],
            next_since=row["next_since"],
        )

    def _upsert(self, name: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(update(sync_state).where(sync_state.c.query_name == name).values(**values)).rowcount
            if not updated:
                conn.execute(
                    insert(sync_state).values(
                        query_name=name, **{"pages_done": 0, "records_seen": 0, "status": "idle", **values}
                    )
                )

    def start_run(self, name: str, since: dt.date | None, data_timestamp: str | None) -> None:
        self._upsert(
            name,
            status="running",
            run_since=since,
            run_data_timestamp=data_timestamp,
            page_token=None,
            pages_done=0,
            records_seen=0,
            run_started_at=_now(),
        )

    def save_progress(self, name: str, next_page_token: str | None, pages_done: int, records_seen: int) -> None:
        self._upsert(name, page_token=next_page_token, pages_done=pages_done, records_seen=records_seen)

    def finish_run(self, name: str, data_timestamp: str | None, next_since: dt.date) -> None:
        self._upsert(
            name,
            status="idle",
            page_token=None,
            last_success_at=_now(),
            last_data_timestamp=data_timestamp,
            next_since=next_since,
        )
