"""Keep the catalogue current from the API: ``sync_catalogue`` runs every configured query.

- First run of a query: everything it matches. Later runs are incremental: only studies whose
  LastUpdatePostDate is on or after the previous run's data date (one day of overlap, so nothing falls
  between two runs; records seen twice come back ``unchanged``).
- ``/version`` is asked first: when its data timestamp is the one the last run saw, there is nothing new
  and no study is fetched.
- After every page the checkpoint (next page token, counts) is saved, after the page's records are
  committed: a run that is killed resumes from the page after the last one stored; a page that was stored
  but not checkpointed is fetched again and is ``unchanged``. No duplicates, no gaps.
- A page token the server no longer accepts restarts that query from its first page (same lower bound).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from trialscope.catalogue.records import ImportSummary, SourceRecord
from trialscope.ingest import Importer
from trialscope.store.sync_state import SyncQuery, SyncState
from trialscope.store.trial_store import TrialStore
from trialscope.sync.client import MAX_PAGE_SIZE, ApiRequestError, CtGovClient

log = logging.getLogger(__name__)

SOURCE_NAME = "ctgov-api"
OVERLAP = dt.timedelta(days=1)
MAX_TOKEN_RESTARTS = 3


@dataclass(slots=True)
class QueryReport:
    name: str
    mode: str  # full | incremental | resumed | skipped
    since: dt.date | None = None
    pages: int = 0
    fetched: int = 0
    restarts: int = 0
    summary: ImportSummary = field(default_factory=ImportSummary)
    note: str = ""


@dataclass(slots=True)
class SyncReport:
    api_version: str
    data_timestamp: str
    queries: list[QueryReport] = field(default_factory=list)

    @property
    def total(self) -> ImportSummary:
        total = ImportSummary()
        for query in self.queries:
            total.merge(query.summary)
        return total


def _data_date(data_timestamp: str | None, fallback: dt.date) -> dt.date:
    try:
        return dt.datetime.fromisoformat(data_timestamp).date() if data_timestamp else fallback
    except ValueError:
        return fallback


def query_params(query: SyncQuery, since: dt.date | None, page_size: int) -> dict[str, str | int]:
    params: dict[str, str | int] = {**query.params, "pageSize": page_size, "countTotal": "true"}
    if since is not None:
        window = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
        existing = str(params.get("filter.advanced") or "").strip()
        params["filter.advanced"] = f"({existing}) AND {window}" if existing else window
    return params


def sync_query(
    store: TrialStore,
    state: SyncState,
    client: CtGovClient,
    query: SyncQuery,
    data_timestamp: str,
    *,
    full: bool = False,
    force: bool = False,
    page_size: int = MAX_PAGE_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> QueryReport:
    checkpoint = state.checkpoint(query.name)
    if checkpoint.running:
        report = QueryReport(query.name, "resumed", checkpoint.run_since, pages=checkpoint.pages_done)
        report.fetched = checkpoint.records_seen
        since, token, run_timestamp = checkpoint.run_since, checkpoint.page_token, checkpoint.run_data_timestamp
    else:
        if not (force or full) and checkpoint.last_data_timestamp == data_timestamp:
            return QueryReport(query.name, "skipped", note="the registry's data has not changed since the last sync")
        since = None if full or checkpoint.next_since is None else checkpoint.next_since
        report = QueryReport(query.name, "incremental" if since else "full", since)
        token, run_timestamp = None, data_timestamp
        state.start_run(query.name, since, run_timestamp)

    params = query_params(query, since, page_size)
    run_id = store.start_run("sync", [f"{client.base_url} {query.name}: {params}"])
    importer = Importer(store, run_id=run_id, on_progress=on_progress)
    try:
        while True:
            try:
                for page in client.iter_pages(params, token):
                    batch = f"{client.base_url}/studies {query.name} page {report.pages + 1}"
                    importer.feed(
                        SourceRecord(study=study, origin=f"{batch} #{i}", source=SOURCE_NAME, batch=batch)
                        for i, study in enumerate(page.studies, start=1)
                    )
                    importer.flush()  # the page's records are committed before the checkpoint moves on
                    report.pages += 1
                    report.fetched += len(page.studies)
                    token = page.next_page_token
                    state.save_progress(query.name, token, report.pages, report.fetched)
                break
            except ApiRequestError as exc:
                if token is None or report.restarts >= MAX_TOKEN_RESTARTS:
                    raise
                log.warning("page token refused (%s); restarting query %s from its first page", exc, query.name)
                report.restarts += 1
                token = None
                state.save_progress(query.name, None, report.pages, report.fetched)
        report.summary = importer.finish()
    except BaseException:
        store.finish_run(run_id, importer.summary, status="failed")
        raise
    store.finish_run(run_id, report.summary)
    next_since = _data_date(run_timestamp, dt.date.today()) - OVERLAP
    state.finish_run(query.name, run_timestamp, next_since)
    return report


def sync_catalogue(
    store: TrialStore,
    client: CtGovClient,
    *,
    query_names: Sequence[str] | None = None,
    full: bool = False,
    force: bool = False,
    page_size: int = MAX_PAGE_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> SyncReport:
    """Run the configured queries (or the named ones) against the API and import what changed."""
    state = store.sync_state
    queries = state.queries()
    if not queries:
        raise ValueError("no sync queries configured: add one with `trialscope sync-query add NAME --param ...`")
    if query_names:
        unknown = sorted(set(query_names) - {q.name for q in queries})
        if unknown:
            raise ValueError(
                f"no sync query named {', '.join(unknown)}; configured: {', '.join(q.name for q in queries)}"
            )
        queries = [q for q in queries if q.name in query_names]
    version = client.version()
    report = SyncReport(version.api_version, version.data_timestamp)
    for query in queries:
        report.queries.append(
            sync_query(
                store,
                state,
                client,
                query,
                version.data_timestamp,
                full=full,
                force=force,
                page_size=page_size,
                on_progress=on_progress,
            )
        )
    return report
