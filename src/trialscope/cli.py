"""The ``trialscope`` command. Each command is a thin layer over the Python API of the same name.

Exit status: 0 success; 1 the command ran but something in its input was refused (rejected records, an
unknown NCT ID); 2 usage or configuration error (bad option, unreachable database).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import OperationalError

from trialscope.catalogue.changes import EVENT_KINDS
from trialscope.catalogue.records import ImportSummary
from trialscope.demo import ensure_demo, load_demo
from trialscope.export import export_jsonl
from trialscope.ingest import DEFAULT_BATCH_SIZE, ingest_paths
from trialscope.presentation.sections import RecordInfo, trial_sections
from trialscope.presentation.terminal import clean, print_trial
from trialscope.store.database import DatabaseUrlError, is_default_database, resolve_url
from trialscope.store.trial_store import TrialStore

app = typer.Typer(
    name="trialscope",
    help="Find clinical trials a patient can actually join: catalogue, search, criteria, matching.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="TRIALSCOPE_DATABASE_URL",
        help="Database URL: sqlite:///path/to/file.db or postgresql://user@host/db "
        "(default: an SQLite file in your data folder, filled with the demo catalogue on first use).",
        show_envvar=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable view.")]


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(Text(f"error: {message}", style="red"))
    return typer.Exit(code)


@contextmanager
def open_store(db: str | None, *, demo: bool = True) -> Iterator[TrialStore]:
    """Open the store; the default database is filled with the demo catalogue on first use."""
    try:
        url = resolve_url(db)
        store = TrialStore.open(url)
    except DatabaseUrlError as exc:
        raise _fail(str(exc)) from None
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise _fail(f"cannot open the database: {reason}") from None
    try:
        if demo and is_default_database(db) and store.count() == 0:
            err.print("First run: loading the bundled demo catalogue into the default database ...")
            ensure_demo(store)
        yield store
    finally:
        store.close()


def _print_summary(summary: ImportSummary) -> None:
    table = Table(title="Import summary", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value in (
        ("added", summary.added),
        ("updated", summary.updated),
        ("unchanged", summary.unchanged),
        ("not applied (stored record is newer or fuller)", summary.older),
        ("rejected", summary.rejected),
    ):
        table.add_row(label, str(value))
    console.print(table)
    if summary.rejections:
        console.print(Text(f"Rejected ({summary.rejected}):", style="bold red"))
        for rejection in summary.rejections:
            console.print(Text(f"  {clean(str(rejection))}"))
    if summary.skipped_files:
        console.print(Text(f"Skipped files without trial records ({len(summary.skipped_files)}):", style="bold"))
        for skipped in summary.skipped_files:
            console.print(Text(f"  {clean(skipped.origin)}: {skipped.reason}"))


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or folders: API v2 JSON / JSONL / zip, legacy XML, the CAR-T monitor CSV pair."),
    ],
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Records per transaction.")] = DEFAULT_BATCH_SIZE,
    as_json: JsonOption = False,
) -> None:
    """Import trial records; prints added / updated / unchanged / rejected with every rejection's reason."""
    with open_store(db, demo=False) as store:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]importing"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TextColumn("records"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task("import", total=None)
            summary = ingest_paths(store, paths, batch_size=batch_size, on_progress=lambda n: progress.advance(task, n))
    if as_json:
        sys.stdout.write(orjson.dumps(summary.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        _print_summary(summary)
    if summary.rejected:
        raise typer.Exit(1)


@app.command()
def show(
    nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT IDs.", metavar="NCT...")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show trials with every section of a registry page (--json: the normalised API v2 record)."""
    missing = []
    with open_store(db) as store:
        for nct_id in nct_ids:
            trial = store.get(nct_id)
            if trial is None:
                missing.append(nct_id)
                continue
            if as_json:
                payload = {
                    **trial.record,
                    "trialscope": {
                        "source": trial.source,
                        "partial": trial.partial,
                        "version": trial.version,
                        "origin": trial.origin,
                        "updatedAt": trial.updated_at.isoformat(),
                    },
                }
                sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
                continue
            info = RecordInfo(
                trial.source,
                trial.partial,
                trial.version,
                trial.origin,
                trial.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            print_trial(console, trial.study.title, trial_sections(trial.study, info))
    if missing:
        raise _fail(f"not in the catalogue: {', '.join(missing)}", code=1)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of trials by status, phase, country, source and completeness."""
    with open_store(db) as store:
        counts = store.stats()
        total = store.count()
    if as_json:
        sys.stdout.write(orjson.dumps({"trials": total, **counts}, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console.print(Text(f"{total} trials", style="bold"))
    for name, values in counts.items():
        table = Table(title=f"by {name}", title_justify="left")
        table.add_column(name)
        table.add_column("trials", justify="right")
        shown = list(values.items())
        for key, value in shown[:15]:
            table.add_row(Text(clean(key)), str(value))
        if len(shown) > 15:
            table.add_row(Text(f"... {len(shown) - 15} more"), str(sum(v for _, v in shown[15:])))
        console.print(table)


@app.command()
def history(nct_id: Annotated[str, typer.Argument(metavar="NCT")], db: DbOption = None) -> None:
    """Every stored version of a trial and what changed between them."""
    with open_store(db) as store:
        versions = store.history(nct_id)
        events = store.changes(nct_ids=[nct_id])
    if not versions:
        raise _fail(f"not in the catalogue: {nct_id}", code=1)
    table = Table(title=f"{nct_id.upper()}: versions", title_justify="left")
    for column in ("version", "source", "last update posted", "stored", "replaced", "from"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            str(v.version),
            v.source + (" (partial)" if v.partial else ""),
            str(v.last_update or "-"),
            v.stored_at.strftime("%Y-%m-%d %H:%M"),
            v.superseded_at.strftime("%Y-%m-%d %H:%M") if v.superseded_at else "current",
            Text(clean(v.origin)),
        )
    console.print(table)
    _print_changes(events)


def _print_changes(events: list) -> None:  # type: ignore[type-arg]
    table = Table(title="Changes", title_justify="left")
    for column in ("detected", "trial", "version", "kind", "what changed"):
        table.add_column(column)
    for e in events:
        table.add_row(
            e.detected_at.strftime("%Y-%m-%d %H:%M"), e.nct_id, str(e.version), e.kind, Text(clean(e.summary))
        )
    console.print(table)


@app.command()
def changes(
    since: Annotated[str | None, typer.Option(help="Only changes detected on or after this date (YYYY-MM-DD).")] = None,
    trial: Annotated[list[str] | None, typer.Option("--trial", help="Only these NCT IDs.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help=f"Only these kinds: {', '.join(EVENT_KINDS)}.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change events recorded by imports and syncs: new trials, status, sites, eligibility, dates."""
    since_at = None
    if since:
        try:
            since_at = dt.datetime.combine(dt.date.fromisoformat(since), dt.time())
        except ValueError:
            raise _fail(f"--since wants a date like 2026-01-31, got {since!r}") from None
    unknown = sorted(set(kind or []) - set(EVENT_KINDS))
    if unknown:
        raise _fail(f"unknown change kind(s) {', '.join(unknown)}; known: {', '.join(EVENT_KINDS)}")
    with open_store(db) as store:
        events = store.changes(since=since_at, nct_ids=trial, kinds=kind)
    if as_json:
        rows = [
            {
                "nctId": e.nct_id,
                "kind": e.kind,
                "summary": e.summary,
                "old": e.old_value,
                "new": e.new_value,
                "version": e.version,
                "detectedAt": e.detected_at.isoformat(),
            }
            for e in events
        ]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    _print_changes(events)


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="Output file: .jsonl, or .jsonl.gz to compress.")],
    db: DbOption = None,
) -> None:
    """Write the catalogue as API v2 JSON Lines (re-importable with ingest)."""
    with open_store(db) as store:
        count = export_jsonl(store, path)
    console.print(f"{count} trials written to {path}")


@app.command()
def demo(db: DbOption = None) -> None:
    """Load the bundled demo catalogue (seed trials, API fixtures, CAR-T monitor trials) into a database."""
    with open_store(db, demo=False) as store:
        summary = load_demo(store)
    _print_summary(summary)


@app.command()
def migrate(db: DbOption = None) -> None:
    """Create the database or bring its schema up to date (every command also does this on open)."""
    with open_store(db, demo=False) as store:
        count = store.count()
    console.print(f"schema is current; {count} trials in the catalogue")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
