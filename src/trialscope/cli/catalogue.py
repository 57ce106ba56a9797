"""Catalogue commands: ingest, show, stats, history, changes, export, demo, migrate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trialscope.cli.app import DbOption, JsonOption, app, console, err, fail, open_store, print_json, print_list
from trialscope.settings import CHANGE_KINDS, DEFAULT_BATCH_SIZE

if TYPE_CHECKING:
    from trialscope.catalogue.records import ImportSummary


def _print_summary(summary: ImportSummary) -> None:
    from rich.table import Table

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
    print_list(f"Rejected ({summary.rejected}):", [str(r) for r in summary.rejections], style="bold red")
    print_list(
        f"Skipped files without trial records ({len(summary.skipped_files)}):",
        [f"{s.origin}: {s.reason}" for s in summary.skipped_files],
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files or folders: API v2 JSON / JSONL / zip, legacy XML, the CAR-T monitor CSV pair."),
    ],
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000, help="Records per transaction.")] = DEFAULT_BATCH_SIZE,
    criteria: Annotated[
        bool,
        typer.Option(
            "--criteria/--no-criteria",
            help="Then parse the criteria of new and changed trials (else each is parsed on first use).",
        ),
    ] = True,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Processes parsing criteria (default: one per CPU).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import trial records; prints added / updated / unchanged / rejected with every rejection's reason."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from trialscope.criteria_import import ParseSummary, parse_stale_criteria
    from trialscope.ingest import ingest_paths

    missing = [str(p) for p in paths if not p.exists()]
    if missing:  # a usage error (exit 2), not a rejected record
        raise fail(f"no such file or folder: {', '.join(missing)}")
    parsed: ParseSummary | None = None
    with open_store(db, demo=False) as store:
        progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(bar_width=None),
            MofNCompleteColumn(),
            TextColumn("records"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=as_json,
        )
        with progress:
            task = progress.add_task("importing", total=None)
            summary = ingest_paths(store, paths, batch_size=batch_size, on_progress=lambda n: progress.advance(task, n))
            if criteria:
                parsing = progress.add_task("parsing criteria", total=None)
                parsed = parse_stale_criteria(
                    store, workers=workers, on_progress=lambda n: progress.advance(parsing, n)
                )
    if as_json:
        document = summary.as_dict()
        if parsed is not None:
            document["criteria"] = {"parsed": parsed.parsed, "texts_read": parsed.texts_read, "failed": parsed.failed}
        print_json(document)
    else:
        _print_summary(summary)
        if parsed is not None and (parsed.parsed or parsed.failed):
            console.print(
                f"criteria parsed for {parsed.parsed} trials ({parsed.texts_read} distinct texts read)"
                + (f"; {parsed.failed} records could not be read" if parsed.failed else "")
            )
    if summary.rejected:
        raise typer.Exit(1)


@app.command()
def show(
    nct_ids: Annotated[list[str], typer.Argument(help="One or more NCT IDs.", metavar="NCT...")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show trials with every section of a registry page (--json: the normalised API v2 record)."""
    from trialscope.catalogue.freshness import judge_freshness
    from trialscope.presentation.sections import RecordInfo, trial_sections
    from trialscope.presentation.terminal import print_trial

    missing = []
    with open_store(db) as store:
        for nct_id in nct_ids:
            trial = store.get(nct_id)
            if trial is None:
                missing.append(nct_id)
                continue
            if as_json:
                freshness = judge_freshness(trial.study)
                payload = {
                    **trial.record,
                    "trialscope": {
                        "freshness": {"stale": freshness.stale, "reasons": freshness.reasons},
                        "source": trial.source,
                        "partial": trial.partial,
                        "version": trial.version,
                        "origin": trial.origin,
                        "updatedAt": trial.updated_at.isoformat(),
                    },
                }
                print_json(payload)
                continue
            info = RecordInfo(
                trial.source,
                trial.partial,
                trial.version,
                trial.origin,
                trial.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
            )
            freshness = judge_freshness(trial.study)
            if freshness.stale:
                console.print(
                    Text("This listing may be out of date: " + "; ".join(freshness.reasons), style="bold yellow")
                )
            print_trial(console, trial.study.title, trial_sections(trial.study, info))
    if missing:
        raise fail(f"not in the catalogue: {', '.join(missing)}", code=1)


@app.command()
def stats(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts of trials by status, phase, country, source and completeness."""
    from rich.table import Table

    from trialscope.presentation.terminal import clean

    with open_store(db) as store:
        counts = store.stats()
        total = store.count()
    if as_json:
        print_json({"trials": total, **counts})
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
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, clean, print_table

    with open_store(db) as store:
        versions = store.history(nct_id)
        events = store.changes(nct_ids=[nct_id])
    if not versions:
        raise fail(f"not in the catalogue: {nct_id}", code=1)
    table = Table(title=f"{nct_id.upper()}: versions", title_justify="left")
    add_columns(table, ("version", "source", "last update posted", "stored", "replaced", "from"))
    for v in versions:
        table.add_row(
            str(v.version),
            v.source + (" (partial)" if v.partial else ""),
            str(v.last_update or "-"),
            v.stored_at.strftime("%Y-%m-%d %H:%M"),
            v.superseded_at.strftime("%Y-%m-%d %H:%M") if v.superseded_at else "current",
            Text(clean(v.origin)),
        )
    print_table(console, table)
    _print_changes(events)


def _print_changes(events: list) -> None:  # type: ignore[type-arg]
    from rich.table import Table

    from trialscope.presentation.terminal import add_columns, clean, print_table

    table = Table(title="Changes", title_justify="left")
    add_columns(table, ("detected", "trial", "version", "kind", "what changed"))
    for e in events:
        table.add_row(
            e.detected_at.strftime("%Y-%m-%d %H:%M"), e.nct_id, str(e.version), e.kind, Text(clean(e.summary))
        )
    print_table(console, table)


@app.command()
def changes(
    since: Annotated[str | None, typer.Option(help="Only changes detected on or after this date (YYYY-MM-DD).")] = None,
    trial: Annotated[list[str] | None, typer.Option("--trial", help="Only these NCT IDs.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help=f"Only these kinds: {', '.join(CHANGE_KINDS)}.")
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
            raise fail(f"--since wants a date like 2026-01-31, got {since!r}") from None
    unknown = sorted(set(kind or []) - set(CHANGE_KINDS))
    if unknown:
        raise fail(f"unknown change kind(s) {', '.join(unknown)}; known: {', '.join(CHANGE_KINDS)}")
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
        print_json(rows)
        return
    _print_changes(events)


@app.command()
def export(
    path: Annotated[Path, typer.Argument(help="Output file: .jsonl, or .jsonl.gz to compress.")],
    db: DbOption = None,
) -> None:
    """Write the catalogue as API v2 JSON Lines (re-importable with ingest)."""
    from trialscope.export import export_jsonl

    with open_store(db) as store:
        count = export_jsonl(store, path)
    console.print(f"{count} trials written to {path}")


@app.command()
def demo(db: DbOption = None) -> None:
    """Load the bundled demo catalogue (seed trials, API fixtures, CAR-T monitor trials) into a database."""
    from trialscope.demo import load_demo

    with open_store(db, demo=False) as store:
        summary = load_demo(store)
    _print_summary(summary)


@app.command()
def migrate(db: DbOption = None) -> None:
    """Create the database or bring its schema up to date (every command also does this on open)."""
    with open_store(db, demo=False) as store:
        count = store.count()
    console.print(f"schema is current; {count} trials in the catalogue")
