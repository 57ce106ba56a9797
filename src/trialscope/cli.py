"""The ``trialscope`` command. Each command is a thin layer over the Python API of the same name.

Exit status: 0 success; 1 the command ran but something in its input was refused (rejected records, an
unknown NCT ID); 2 usage or configuration error (bad option, unreachable database).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
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
from trialscope.catalogue.freshness import judge_freshness
from trialscope.catalogue.records import ImportSummary
from trialscope.criteria import ParsedCriteria, parse_criteria
from trialscope.criteria.describe import describe, describe_all
from trialscope.criteria.evaluate import (
    evaluate_gold,
    evaluate_lct,
    evaluate_targets,
    iter_lines,
    monitor_target_rows,
)
from trialscope.demo import ensure_demo, load_demo
from trialscope.export import export_jsonl
from trialscope.geo import PlaceNotFound, resolve_place
from trialscope.ingest import DEFAULT_BATCH_SIZE, ingest_paths
from trialscope.matching.gold import evaluate_gold_patients
from trialscope.matching.prescreen import prescreen_patients
from trialscope.matching.run import criteria_text_screen, match_criteria_text, match_patient, trial_screen
from trialscope.matching.verdict import VERDICT_ORDER, TrialMatch
from trialscope.patients.model import Patient, PatientFileError, load_patient
from trialscope.patients.sources import PatientError, read_patients
from trialscope.patients.text import patient_from_text
from trialscope.patients.understood import NothingUnderstood, require_something
from trialscope.presentation.sections import RecordInfo, trial_sections, unescape_markdown
from trialscope.presentation.terminal import add_columns, clean, print_table, print_trial
from trialscope.store.criteria_store import CriteriaStore
from trialscope.store.database import DatabaseUrlError, is_default_database, resolve_url
from trialscope.store.sync_state import SyncQuery, SyncState
from trialscope.store.trial_store import TrialStore
from trialscope.sync.client import DEFAULT_API_URL, ApiError, CtGovClient
from trialscope.sync.runner import SyncReport, sync_catalogue

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


def _print_list(title: str, lines: list[str], *, style: str = "bold", bullet: str = "") -> None:
    """A titled list of registry-derived lines (cleaned of control characters); nothing when empty."""
    if not lines:
        return
    console.print(Text(title, style=style))
    for line in lines:
        console.print(Text(f"  {bullet}{clean(line)}"))


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
    _print_list(f"Rejected ({summary.rejected}):", [str(r) for r in summary.rejections], style="bold red")
    _print_list(
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
    as_json: JsonOption = False,
) -> None:
    """Import trial records; prints added / updated / unchanged / rejected with every rejection's reason."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:  # a usage error (exit 2), not a rejected record
        raise _fail(f"no such file or folder: {', '.join(missing)}")
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
                sys.stdout.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode() + "\n")
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


# --- criteria -------------------------------------------------------------------------------------------
class CriteriaFormat(StrEnum):
    text = "text"
    flat = "flat"
    json = "json"


def _print_parsed(title: str, parsed: ParsedCriteria) -> None:
    console.print(Text(clean(title), style="bold"))
    for item in parsed.items:
        section = "Inclusion" if item.section == "inclusion" else "Exclusion"
        label = f" {item.label}" if item.label and item.label not in "•-*" else ""
        shown = clean(unescape_markdown(item.text) or "")
        console.print(Text(f"{'  ' * item.level}[{section}{label}] ", style="bold cyan").append(shown))
        constraints = parsed.for_item(item.index)
        for constraint, words in zip(constraints, describe_all(constraints), strict=True):
            style = (
                "yellow"
                if constraint.kind == "unparsed"
                else ("dim" if constraint.kind == "administrative" else "green")
            )
            console.print(Text(f"{'  ' * item.level}    -> {words}", style=style))
    implicit = [c for c in parsed.constraints if c.implicit]
    for constraint in implicit:
        console.print(Text(f"[Implied] {describe(constraint)} ({constraint.source})", style="green"))
    for note in parsed.notes:
        console.print(Text(f"[Check] {note}", style="bold yellow"))
    understood = sum(1 for c in parsed.constraints if c.kind != "unparsed")
    console.print(
        Text(
            f"{understood} constraints understood; "
            f"{parsed.unparsed_share:.0%} of items not understood (shown in yellow)"
        )
    )


@app.command()
def criteria(
    nct_ids: Annotated[list[str] | None, typer.Argument(help="NCT IDs in the catalogue.", metavar="[NCT...]")] = None,
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="Parse this file's text instead (spans are relative to it).")
    ] = None,
    output: Annotated[
        CriteriaFormat,
        typer.Option(
            "--format",
            help="text: each item beside what was understood; flat: the gold "
            "flat constraint format (JSON); json: items and constraints.",
        ),
    ] = CriteriaFormat.text,
    db: DbOption = None,
) -> None:
    """Eligibility criteria as structured constraints, each tied to the text it came from."""
    if text_file is None and not nct_ids:
        raise _fail("give NCT IDs or --text-file FILE")
    results: list[tuple[str, ParsedCriteria]] = []
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"cannot read {text_file}: {exc}") from None
        results.append((str(text_file), parse_criteria(text)))
    missing = []
    if nct_ids:
        with open_store(db) as store:
            criteria_store = CriteriaStore(store.engine)
            for nct_id in nct_ids:
                trial = store.get(nct_id)
                if trial is None:
                    missing.append(nct_id)
                    continue
                criteria_store.get(trial)  # keep the stored structured criteria current
                results.append((trial.nct_id, criteria_store.parsed(trial)))
    if output is CriteriaFormat.text:
        for name, parsed in results:
            _print_parsed(name, parsed)
    else:

        def payload(parsed: ParsedCriteria) -> object:
            flat = [c.as_flat() for c in parsed.constraints]
            if output is CriteriaFormat.flat:
                return flat
            items = [
                {
                    "index": i.index,
                    "section": i.section,
                    "label": i.label,
                    "level": i.level,
                    "parent": i.parent,
                    "span": [i.start, i.end],
                    "text": i.text,
                }
                for i in parsed.items
            ]
            return {"items": items, "constraints": flat, "notes": parsed.notes, "unparsed_share": parsed.unparsed_share}

        document = payload(results[0][1]) if len(results) == 1 else {name: payload(p) for name, p in results}
        sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    if missing:
        raise _fail(f"not in the catalogue: {', '.join(missing)}", code=1)


@app.command("criteria-eval")
def criteria_eval(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    verbose: Annotated[bool, typer.Option("--verbose", help="List misses and unmatched thresholds.")] = False,
    lct: Annotated[bool, typer.Option(help="Also score on the LCT corpus.")] = True,
) -> None:
    """Score the criteria engine on the seed gold set and the LCT corpus (precision / recall / F1)."""
    gold_path = shared / "gold" / "seed-criteria.json"
    if not gold_path.exists():
        raise _fail(f"no gold set at {gold_path}: pass --shared PATH")
    report = evaluate_gold(gold_path, shared / "data" / "seed-trials")
    lct_report = evaluate_lct(shared / "data" / "criteria-corpora" / "lct") if lct else None
    for line in iter_lines(report, lct_report, verbose):
        console.print(Text(line))


# --- matching -------------------------------------------------------------------------------------------
_VERDICT_STYLE = {"eligible": "bold green", "possibly_eligible": "bold yellow", "not_eligible": "bold red"}
_STATUS_MARK = {"met": "✓", "not_met": "✗", "unknown": "?", "not_applicable": "·"}


def _load_patient_option(patient: Path | None, patient_text: str | None) -> Patient:
    if (patient is None) == (patient_text is None):
        raise _fail("give exactly one of --patient FILE or --patient-text TEXT")
    try:
        if patient_text is not None:
            return require_something(patient_from_text(patient_text))
        assert patient is not None
        profile = require_something(load_patient(patient))
    except (PatientFileError, NothingUnderstood) as exc:
        raise _fail(str(exc)) from None
    for ignored in profile.ignored:
        err.print(Text(f"warning: ignored {clean(ignored)}"))
    return profile


def _print_trial_match(m: TrialMatch) -> None:
    console.print(Text(f"{m.nct_id}  ", style="bold").append(clean(m.title)))
    console.print(Text(f"verdict: {m.verdict.replace('_', ' ')}", style=_VERDICT_STYLE[m.verdict]))
    for r in m.criteria:
        if r.status == "not_applicable" and r.constraint.definitional:
            continue
        console.print(Text(f"  {_STATUS_MARK[r.status]} {r.status:<14} ").append(clean(r.explanation)))
    _print_list("Questions to settle:", m.questions, bullet="- ")
    _print_list("The study team decides:", m.study_team_decides, bullet="- ")
    _print_list(f"Criteria to read with the study team ({len(m.unread)}):", m.unread, bullet="- ")


@app.command()
def match(
    patient: Annotated[
        Path | None, typer.Option(help="A patient profile: trialscope-patient/1 JSON or YAML, or a FHIR R4 Bundle.")
    ] = None,
    patient_text: Annotated[str | None, typer.Option(help="The patient described in words instead.")] = None,
    trial: Annotated[
        list[str] | None, typer.Option("--trial", help="Evaluate these trials only (all criteria shown).")
    ] = None,
    status: Annotated[
        str, typer.Option(help="open (recruiting / not yet recruiting / by invitation) or any.")
    ] = "open",
    limit: Annotated[int, typer.Option(min=1, help="How many ranked trials to show.")] = 20,
    output: Annotated[str, typer.Option("--format", help="text or json (the gold result shape).")] = "text",
    near: Annotated[
        str | None, typer.Option(help="A city ('Hangzhou', 'Boston, MA'), coordinates, or a country.")
    ] = None,
    within: Annotated[float | None, typer.Option(min=1, help="Kilometres from --near to an open site.")] = None,
    criteria_file: Annotated[
        Path | None,
        typer.Option(
            help="Evaluate against this eligibility text instead (a protocol draft, another registry's trial)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Which trials a patient may join, criterion by criterion, with the evidence in words.

    Distances are to sites whose own status is open (or not stated); site coordinates are city-level."""
    if status not in ("open", "any"):
        raise _fail("--status is open or any")
    if output not in ("text", "json"):
        raise _fail("--format is text or json")
    profile = _load_patient_option(patient, patient_text)
    if criteria_file is not None:
        if trial:
            raise _fail("give --trial or --criteria-file, not both")
        result = match_criteria_text(_criteria_text(criteria_file), profile, name=criteria_file.name)
        if output == "json":
            sys.stdout.write(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            _print_trial_match(result)
        return
    location = profile.location
    if near is None and within is not None and location and (location.city or location.country):
        near = ", ".join(x for x in (location.city, location.country) if x)
    place = None
    if near is not None:
        try:
            place = resolve_place(near)
        except PlaceNotFound as exc:
            raise _fail(str(exc)) from None
    with open_store(db) as store:
        matches = match_patient(
            store, profile, status=status, nct_ids=trial, limit=None if trial else limit, near=place, within_km=within
        )
    missing = sorted({t.upper() for t in trial or []} - {m.nct_id for m in matches})
    if output == "json":
        document: object = [m.as_dict() for m in matches]
        if trial and len(trial) == 1 and matches:
            document = matches[0].as_dict()
        sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif trial:
        for m in matches:
            _print_trial_match(m)
    else:
        if place is not None:
            where = f"near {place.describe()}" + (f", within {within:g} km" if within else "")
            console.print(Text(f"{where} (site coordinates are city-level)", style="dim"))
        table = Table(title=f"Trials for {profile.id} ({len(matches)} shown)", title_justify="left")
        columns = (
            "verdict",
            "trial",
            "title",
            "status",
            "nearest open site",
            "open questions",
            "why not / first question",
        )
        add_columns(table, columns)
        for m in matches:
            reason = (
                m.failing[0].explanation
                if m.failing
                else (m.questions or [f"to read: {u}" for u in m.unread] or [""])[0]
            )
            distance = f" ({m.distance_km:,.0f} km)" if m.distance_km is not None else ""
            table.add_row(
                Text(m.verdict.replace("_", " "), style=_VERDICT_STYLE[m.verdict]),
                m.nct_id,
                Text(clean(m.title)),
                (m.overall_status or "").replace("_", " ").lower(),
                Text(clean(m.nearest_site or "") + distance),
                str(len(m.questions) + len(m.unread)),
                Text(clean(reason)),
            )
        print_table(console, table)
    if missing:
        raise _fail(f"not in the catalogue: {', '.join(missing)}", code=1)


def _criteria_text(path: Path) -> str:
    """The eligibility text of a --criteria-file, or a clean error naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(f"{path}: cannot read ({exc})") from None
    if not text.strip():
        raise _fail(f"{path}: the file holds no eligibility text")
    return text


@app.command()
def prescreen(
    nct_id: Annotated[
        str, typer.Argument(metavar="NCT", help="The trial to screen for (with --criteria-file: a name for the draft).")
    ],
    patients: Annotated[
        Path,
        typer.Argument(
            help="CSV, JSON Lines of profiles, a folder of profiles or FHIR bundles, or FHIR bulk-export NDJSON."
        ),
    ],
    output: Annotated[str, typer.Option("--format", help="text, csv or json.")] = "text",
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Rows shown in the text table (default 100); csv and json export every patient."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Also write a feasibility report: one self-contained HTML file (needs '.[report]')."),
    ] = None,
    criteria_file: Annotated[
        Path | None,
        typer.Option(help="Screen against this eligibility text instead of a stored trial (a draft protocol)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Every patient against one trial: verdict, failing criteria and open questions, most promising first.

    --report writes a feasibility report: how many patients could take part, a funnel of the criteria that
    remove the most, the criteria most often unknown, each criterion as registered beside as understood."""
    if output not in ("text", "csv", "json"):
        raise _fail("--format is text, csv or json")
    profiles: list[Patient] = []
    problems: list[PatientError] = []
    for item in read_patients(patients):
        (problems if isinstance(item, PatientError) else profiles).append(item)  # type: ignore[arg-type]
    if criteria_file is not None:
        criteria_text = _criteria_text(criteria_file)
        screen = criteria_text_screen(criteria_text, nct_id)
        title = f"eligibility criteria in {criteria_file.name}"
    else:
        with open_store(db) as store:
            try:
                screen, criteria_text = trial_screen(store, nct_id)
            except KeyError:
                raise _fail(f"not in the catalogue: {nct_id}", code=1) from None
        title = screen.info.title
    if report is not None:
        from trialscope.matching.feasibility import feasibility
        from trialscope.presentation.report import ReportUnavailable, render_report

        counted = feasibility(screen, profiles, criteria_text=criteria_text, trial=screen.info.nct_id, title=title)
        try:
            html = render_report(counted, source=patients.name)
        except ReportUnavailable as exc:
            raise _fail(str(exc)) from None
        try:
            report.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise _fail(f"{report}: cannot write ({exc})") from None
        err.print(
            Text(
                f"wrote {report}: {counted.screened} patients, {counted.verdicts['eligible']} eligible, "
                f"{counted.verdicts['possibly_eligible']} possibly eligible, "
                f"{counted.verdicts['not_eligible']} not eligible"
            )
        )
        screened = counted.prescreen  # the report screened every patient already
    else:
        screened = prescreen_patients(screen, profiles)
    shown = (limit or 100) if output == "text" else None
    rows = [
        {
            "patient": p.id,
            "verdict": m.verdict,
            "failing": " | ".join(r.explanation for r in m.failing),
            "open_questions": len(m.questions) + len(m.unread),
            "questions": " | ".join(m.questions),
        }
        for p, m in screened.explained(shown)
    ]
    if output == "json":
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["patient", "verdict"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        counts: Counter[str] = Counter(screen.verdict for _, screen in screened.rows)
        tally = ", ".join(f"{counts[v]} {v.replace('_', ' ')}" for v in VERDICT_ORDER)
        table = Table(title=f"{nct_id.upper()}: {len(screened.rows)} patients ({tally})", title_justify="left")
        add_columns(table, ("patient", "verdict", "why not", "open questions", "first questions"))
        for row in rows:
            questions = str(row["questions"]).split(" | ")[:2]
            table.add_row(
                Text(str(row["patient"])),
                Text(str(row["verdict"]).replace("_", " "), style=_VERDICT_STYLE[str(row["verdict"])]),
                Text(str(row["failing"])),
                str(row["open_questions"]),
                Text("; ".join(q for q in questions if q)),
            )
        print_table(console, table)
        if len(rows) < len(screened.rows):
            more = len(screened.rows) - len(rows)
            console.print(Text(f"{more} more not shown: --limit N, or --format csv for every patient", style="dim"))
    for problem in problems:
        err.print(Text(f"skipped: {clean(str(problem))}"))
    if problems:
        raise typer.Exit(1)


@app.command("match-eval")
def match_eval(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    verbose: Annotated[bool, typer.Option("--verbose", help="List every wrong outcome.")] = False,
    patients: Annotated[
        Path | None, typer.Option(help="A folder of vignettes with expectations (default: the shared gold patients).")
    ] = None,
    trials: Annotated[
        Path | None, typer.Option(help="A folder of API v2 study records (default: the shared seed trials).")
    ] = None,
) -> None:
    """Gold patients against the seed trials: exclusions caught and false exclusions, from the JSON
    profile, the same profile as a FHIR bundle, and the summary text alone."""
    patients_dir = patients or shared / "gold" / "patients"
    trials_dir = trials or shared / "data" / "seed-trials"
    for folder, what in ((patients_dir, "patients"), (trials_dir, "trials")):
        if not folder.is_dir():
            raise _fail(f"no {what} at {folder}: pass --shared PATH or --{what} DIR")
    report = evaluate_gold_patients(patients_dir, trials_dir)
    for line in report.lines(verbose):
        console.print(Text(line))


@app.command("targets-eval")
def targets_eval(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    verbose: Annotated[bool, typer.Option("--verbose", help="List every disagreement.")] = False,
) -> None:
    """Target antigens read from interventions and titles, against the CAR-T monitor's TargetCategory and
    its 25 hand-labelled trials."""
    monitor = shared / "data" / "car-t-monitor"
    if not (monitor / "trials.csv").exists():
        raise _fail(f"no CAR-T monitor data at {monitor}: pass --shared PATH")
    everything, hand = monitor_target_rows(monitor)
    for title, rows in (("trials.csv TargetCategory", everything), ("hand-labelled benchmark_set.csv", hand)):
        report = evaluate_targets(rows)
        for line in report.lines(title):
            console.print(Text(line))
        if verbose:
            _print_list("disagreements:", report.disagreements)


# --- live sync ------------------------------------------------------------------------------------------
ApiUrlOption = Annotated[
    str,
    typer.Option(
        "--api-url",
        envvar="TRIALSCOPE_API_URL",
        show_envvar=True,
        help="Base URL of the API (a mirror, a test server).",
    ),
]

_EVERY = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _parse_every(value: str) -> float:
    match = _EVERY.match(value.strip().lower())
    if not match:
        raise _fail(f"--every wants a duration like 30m, 6h or 1d, got {value!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def _print_sync_report(report: SyncReport) -> None:
    console.print(Text(f"API {report.api_version}, data as of {report.data_timestamp} UTC", style="bold"))
    table = Table(title="Sync", title_justify="left")
    for column in ("query", "mode", "since", "pages", "fetched", "added", "updated", "unchanged", "rejected", "note"):
        table.add_column(column)
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
    console.print(table)
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
    interval = _parse_every(every) if every else None
    while True:
        with (
            open_store(db, demo=False) as store,
            CtGovClient(api_url, timeout=timeout, requests_per_second=requests_per_second) as client,
        ):
            try:
                report = sync_catalogue(store, client, query_names=query, full=full, force=force, page_size=page_size)
            except ValueError as exc:
                raise _fail(str(exc)) from None
            except ApiError as exc:
                raise _fail(f"sync stopped: {exc}; the next run resumes from the last page stored", code=1) from None
        _print_sync_report(report)
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
    with open_store(db, demo=False) as store:
        state = SyncState(store.engine)
        table = Table(title="Sync queries", title_justify="left")
        for column in ("name", "parameters", "last success", "data as of", "next since", "in progress"):
            table.add_column(column)
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
    console.print(table)


@sync_query_app.command("add")
def sync_query_add(
    name: Annotated[str, typer.Argument(help="A short name, e.g. cd123.")],
    param: Annotated[
        list[str], typer.Option("--param", help="An API query parameter, e.g. --param query.term=CD123 (repeatable).")
    ],
    db: DbOption = None,
) -> None:
    """Add (or replace) a query: sync-query add cd123 --param query.term=CD123 --param query.cond=AML"""
    params: dict[str, str] = {}
    for item in param:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise _fail(f"--param wants key=value, got {item!r}")
        if key.strip() in ("pageToken", "pageSize", "format"):
            raise _fail(f"{key} is managed by sync itself")
        params[key.strip()] = value.strip()
    with open_store(db, demo=False) as store:
        SyncState(store.engine).add_query(SyncQuery(name, params))
    console.print(f"sync query {name} saved")


@sync_query_app.command("remove")
def sync_query_remove(name: str, db: DbOption = None) -> None:
    """Stop following a query (the trials it brought stay in the catalogue)."""
    with open_store(db, demo=False) as store:
        removed = SyncState(store.engine).remove_query(name)
    if not removed:
        raise _fail(f"no sync query named {name}", code=1)
    console.print(f"sync query {name} removed")


# search, related and index, and serve, live in their own modules; importing them registers them on ``app``
from trialscope import cli_search, cli_web  # noqa: E402, F401


def main() -> None:
    app()


if __name__ == "__main__":
    main()
