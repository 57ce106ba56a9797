"""Live sync from ClinicalTrials.gov: ``sync`` and the queries it follows (``sync-query``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trialscope.cli.app import DbOption, app, console, fail, open_store
from trialscope.cli.people import send_alerts_now
from trialscope.settings import DEFAULT_API_URL, ENV_API_URL

if TYPE_CHECKING:
    from trialscope.sync.runner import SyncReport


ApiUrlOption = Annotated[
    str,
    typer.Option(
        "--api-url",
        envvar=ENV_API_URL,
        show_envvar=True,
        help="Base URL of the API (a mirror, a test server).",
    ),
]

_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_every(value: str) -> float:
    match = _EVERY.match(value.strip().lower())
    if not match:
        raise fail(f"--every wants a duration like 30m, 6h or 1d, got {value!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _print_sync_report(report: SyncReport) -> None:
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, clean, print_table

    console.print(Text(f"API {report.api_version}, data as of {report.data_timestamp} UTC", style="bold"))
    table = Table(title="Sync", title_justify="left")
    add_columns(
        table, ("query", "mode", "since", "pages", "fetched", "added", "updated", "unchanged", "rejected", "note")
    )
    for q in report.queries:
        s = q.summary
        note = q.note or (f"page token expired: restarted {q.restarts}x" if q.restarts else "")
        table.add_row(
            q.name,
            q.mode,
            str(q.since or "-"),
            str(q.pages),
            str(q.fetched),
            str(s.added),
            str(s.updated),
            str(s.unchanged),
            str(s.rejected),
            note,
        )
    print_table(console, table)
    for rejection in report.total.rejections:
        console.print(Text(f"  rejected: {clean(str(rejection))}"))


@app.command()
def sync(
    db: DbOption = None,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    query: Annotated[list[str] | None, typer.Option("--query", help="Only these configured queries.")] = None,
    full: Annotated[bool, typer.Option(help="Fetch everything the queries match, not only what changed.")] = False,
    force: Annotated[bool, typer.Option(help="Run even when /version says the data has not changed.")] = False,
    every: Annotated[str | None, typer.Option(help="Keep running, syncing every interval (e.g. 24h).")] = None,
    requests_per_second: Annotated[float, typer.Option(min=0.01, help="Client-side rate limit.")] = 1.0,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds before a request times out (then retried).")] = 30.0,
    page_size: Annotated[int, typer.Option(min=1, max=1000, help="Studies per page.")] = 1000,
) -> None:
    """Pull new and changed trials from ClinicalTrials.gov for the configured queries (see sync-query)."""
    import time

    from trialscope.sync.client import ApiError, CtGovClient
    from trialscope.sync.runner import sync_catalogue

    interval = _parse_every(every) if every else None
    while True:
        with (
            open_store(db, demo=False) as store,
            CtGovClient(api_url, timeout=timeout, requests_per_second=requests_per_second) as client,
        ):
            try:
                report = sync_catalogue(store, client, query_names=query, full=full, force=force, page_size=page_size)
            except ValueError as exc:
                raise fail(str(exc)) from None
            except ApiError as exc:
                raise fail(f"sync stopped: {exc}; the next run resumes from the last page stored", code=1) from None
            _print_sync_report(report)
            send_alerts_now(store)  # the changes it recorded, to the alerts that asked for them
        if interval is None:
            return
        console.print(f"next sync in {every} (Ctrl-C to stop)")
        time.sleep(interval)


sync_query_app = typer.Typer(
    help="The queries sync follows (default: CAR-T trials and AML trials).", no_args_is_help=True
)
app.add_typer(sync_query_app, name="sync-query")


@sync_query_app.command("list")
def sync_query_list(db: DbOption = None) -> None:
    """Configured queries with their last successful sync."""
    import orjson
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, print_table

    with open_store(db, demo=False) as store:
        state = store.sync_state
        table = Table(title="Sync queries", title_justify="left")
        add_columns(table, ("name", "parameters", "last success", "data as of", "next since", "in progress"))
        for q in state.queries():
            cp = state.checkpoint(q.name)
            table.add_row(
                q.name,
                Text(orjson.dumps(q.params).decode()),
                cp.last_success_at.strftime("%Y-%m-%d %H:%M") if cp.last_success_at else "never",
                cp.last_data_timestamp or "-",
                str(cp.next_since or "-"),
                f"yes, {cp.pages_done} pages stored" if cp.running else "no",
            )
    print_table(console, table)


@sync_query_app.command("add")
def sync_query_add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. cd123.")],
    param: Annotated[
        list[str], typer.Option("--param", help="An API query parameter, e.g. --param query.term=CD123 (repeatable).")
    ],
    db: DbOption = None,
) -> None:
    """Add (or replace) a query: sync-query add cd123 --param query.term=CD123 --param query.cond=AML"""
    from trialscope.store.sync_state import SyncQuery

    params: dict[str, str] = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise fail(f"--param wants key=value, got {item!r}")
        if key.strip() in ("pageToken", "pageSize", "format"):
            raise fail(f"{key} is managed by sync itself")
        params[key.strip()] = value.strip()
    with open_store(db, demo=False) as store:
        store.sync_state.add_query(SyncQuery(name, params))
    console.print(f"sync query {name} saved")


@sync_query_app.command("remove")
def sync_query_remove(name: str, db: DbOption = None) -> None:
    """Stop following a query (the trials it brought stay in the catalogue)."""
    with open_store(db, demo=False) as store:
        removed = store.sync_state.remove_query(name)
    if not removed:
        raise fail(f"no sync query named {name}", code=1)
    console.print(f"sync query {name} removed")
