"""Matching commands: ``match`` (a patient against the catalogue or one trial) and ``prescreen`` (many
patients against one trial, with the feasibility report)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trialscope.cli.app import DbOption, app, console, err, fail, open_store, print_json, print_list
from trialscope.extras import needs_extra

if TYPE_CHECKING:
    from collections import Counter

    from trialscope.matching.prescreen import TrialSpec
    from trialscope.matching.verdict import TrialMatch
    from trialscope.patients.model import Patient


_VERDICT_STYLE = {"eligible": "bold green", "possibly_eligible": "bold yellow", "not_eligible": "bold red"}
_STATUS_MARK = {"met": "✓", "not_met": "✗", "unknown": "?", "not_applicable": "·"}


def _load_patient_option(patient: Path | None, patient_text: str | None) -> Patient:
    from trialscope.patients.files import load_patient
    from trialscope.patients.model import PatientFileError
    from trialscope.patients.understood import NothingUnderstood, require_something
    from trialscope.presentation.terminal import clean

    if (patient is None) == (patient_text is None):
        raise fail("give exactly one of --patient FILE or --patient-text TEXT")
    try:
        if patient_text is not None:
            from trialscope.patients.text import patient_from_text  # the text reader: loaded for a text only

            return require_something(patient_from_text(patient_text))
        assert patient is not None
        profile = require_something(load_patient(patient))
    except (PatientFileError, NothingUnderstood) as exc:
        raise fail(str(exc)) from None
    for ignored in profile.ignored:
        err.print(Text(f"warning: ignored {clean(ignored)}"))
    return profile


def _print_trial_match(m: TrialMatch) -> None:
    from trialscope.presentation.terminal import clean

    console.print(Text(f"{m.nct_id}  ", style="bold").append(clean(m.title)))
    console.print(Text(f"verdict: {m.verdict.replace('_', ' ')}", style=_VERDICT_STYLE[m.verdict]))
    for r in m.criteria:
        if r.status == "not_applicable" and r.constraint.definitional:
            continue
        console.print(Text(f"  {_STATUS_MARK[r.status]} {r.status:<14} ").append(clean(r.explanation)))
    print_list("Questions to settle:", m.questions, bullet="- ")
    print_list("The study team decides:", m.study_team_decides, bullet="- ")
    print_list(f"Criteria to read with the study team ({len(m.unread)}):", m.unread, bullet="- ")


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
    from rich.table import Table

    from trialscope.geo import PlaceNotFound, resolve_place
    from trialscope.matching.catalogue_matching import match_criteria_text, match_patient
    from trialscope.matching.verdict import VERDICT_ORDER
    from trialscope.presentation.terminal import add_columns, clean, print_table

    if status not in ("open", "any"):
        raise fail("--status is open or any")
    if output not in ("text", "json"):
        raise fail("--format is text or json")
    profile = _load_patient_option(patient, patient_text)
    if criteria_file is not None:
        if trial:
            raise fail("give --trial or --criteria-file, not both")
        result = match_criteria_text(_criteria_text(criteria_file), profile, name=criteria_file.name)
        if output == "json":
            print_json(result.as_dict())
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
            raise fail(str(exc)) from None
    with open_store(db) as store:
        matches = match_patient(
            store, profile, status=status, nct_ids=trial, limit=None if trial else limit, near=place, within_km=within
        )
    missing = sorted({t.upper() for t in trial or []} - {m.nct_id for m in matches})
    if output == "json":
        document: object = [m.as_dict() for m in matches]
        if trial and len(trial) == 1 and matches:
            document = matches[0].as_dict()
        print_json(document)
    elif trial:
        for m in matches:
            _print_trial_match(m)
    else:
        if place is not None:
            where = f"near {place.describe()}" + (f", within {within:g} km" if within else "")
            console.print(Text(f"{where} (site coordinates are city-level)", style="dim"))
        console.print(Text(f"Trials for {profile.id} ({len(matches)} shown)", style="bold"))
        columns = ("trial", "title", "status", "nearest open site", "open questions", "why not / first question")
        for verdict in VERDICT_ORDER:  # one table per verdict under its heading: the verdict is said once
            group = [m for m in matches if m.verdict == verdict]
            if not group:
                continue
            table = Table(title=f"{verdict.replace('_', ' ')} ({len(group)})", title_justify="left")
            table.title_style = _VERDICT_STYLE[verdict]
            add_columns(table, columns)
            for m in group:
                reason = (
                    m.failing[0].explanation
                    if m.failing
                    else (m.questions or [f"to read: {u}" for u in m.unread] or [""])[0]
                )
                distance = f" ({m.distance_km:,.0f} km)" if m.distance_km is not None else ""
                table.add_row(
                    m.nct_id,
                    Text(clean(m.title)),
                    (m.overall_status or "").replace("_", " ").lower(),
                    Text(clean(m.nearest_site or "") + distance),
                    str(len(m.questions) + len(m.unread)),
                    Text(clean(reason)),
                )
            console.print()
            print_table(console, table)
    if missing:
        raise fail(f"not in the catalogue: {', '.join(missing)}", code=1)


def _criteria_text(path: Path) -> str:
    """The eligibility text of a --criteria-file, or a clean error naming the file."""

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot read ({exc})") from None
    if not text.strip():
        raise fail(f"{path}: the file holds no eligibility text")
    return text


@app.command()
def prescreen(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="[NCT] PATIENTS",
            help="The trial to screen for (several: NCT1,NCT2; none with --all-open; with --criteria-file: a name "
            "for the draft), then "
            "the patients: CSV or Parquet, JSON Lines of profiles, a folder of profiles or FHIR bundles, or FHIR "
            "bulk-export NDJSON (Spark: .jsonl, .ndjson, .csv or .parquet).",
        ),
    ],
    all_open: Annotated[
        bool, typer.Option("--all-open", help="Screen against every open trial of the catalogue.")
    ] = False,
    engine: Annotated[
        str,
        typer.Option(help=f"local (this process) or spark (spark {needs_extra('spark')}, and Java 17 or newer)."),
    ] = "local",
    spark_master: Annotated[
        str,
        typer.Option(
            help="Where Spark runs: local[*] (this machine's cores), local[2], spark://host:7077 ...; "
            "'' under spark-submit (its --master)."
        ),
    ] = "local[*]",
    output_file: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="Write one row per patient and trial here: .csv or .jsonl (local engine), .parquet or .csv "
            "(Spark: a folder of part files; a path or a URI such as s3a://bucket/results.parquet).",
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="text, csv or json.")] = "text",
    limit: Annotated[
        int | None,
        typer.Option(min=1, help="Rows shown in the text table (default 100); csv and json export every patient."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help=f"Also write a feasibility report: one self-contained HTML file ({needs_extra('report')})."),
    ] = None,
    criteria_file: Annotated[
        Path | None,
        typer.Option(help="Screen against this eligibility text instead of a stored trial (a draft protocol)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Every patient against one trial (or every open one): verdict, failing criteria and open questions,
    most promising first.

    --report writes a feasibility report: how many patients could take part, a funnel of the criteria that
    remove the most, the criteria most often unknown, each criterion as registered beside as understood.
    --engine spark runs the same evaluation on Apache Spark, for populations one process cannot screen in
    time; --output writes every row (patient, trial, verdict, failing, open questions)."""
    if engine not in ("local", "spark"):
        raise fail("--engine is local or spark")
    if all_open == (len(targets) == 2) or len(targets) not in (1, 2):
        raise fail("give a trial and the patients (NCT PATIENTS), or --all-open and the patients")
    if all_open and criteria_file is not None:
        raise fail("--all-open screens the catalogue's open trials: it does not go with --criteria-file")
    _print_notices(targets[-1])
    if engine == "spark" or all_open or output_file is not None:
        if report is not None:
            raise fail("--report is for one trial on the local engine")
        trial = None if all_open else targets[0]
        _prescreen_rows(trial, targets[-1], engine, spark_master, output_file, criteria_file, db)
        return
    _prescreen_one(targets[0], Path(targets[-1]), output, limit, report, criteria_file, db)


def _print_notices(patients: str) -> None:
    """Before any patient is read: what of the input will not be read (a CSV's unknown columns)."""
    from trialscope.patients.sources import csv_notices
    from trialscope.presentation.terminal import clean

    if "://" in patients:  # a URI Spark reads: its header is Spark's to read
        return
    for notice in csv_notices(Path(patients)):
        err.print(Text(f"warning: {clean(notice)}", style="yellow"))


def _prescreen_one(
    nct_id: str,
    patients: Path,
    output: str,
    limit: int | None,
    report: Path | None,
    criteria_file: Path | None,
    db: str | None,
) -> None:
    """One trial on the local engine: the ranked table, CSV or JSON, and the feasibility report."""
    import csv
    import sys
    from collections import Counter
    from dataclasses import asdict

    from rich.table import Table

    from trialscope.matching.catalogue_matching import criteria_text_screen, trial_screen
    from trialscope.matching.prescreen import PrescreenRow, prescreen_patients
    from trialscope.matching.verdict import VERDICT_ORDER
    from trialscope.patients.sources import PatientError, read_patients
    from trialscope.presentation.terminal import add_columns, clean, print_table

    if output not in ("text", "csv", "json"):
        raise fail("--format is text, csv or json")
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
                raise fail(f"not in the catalogue: {nct_id}", code=1) from None
        title = screen.info.title
    if report is not None:
        from trialscope.matching.feasibility import feasibility
        from trialscope.presentation.report import ReportUnavailable, render_report

        counted = feasibility(screen, profiles, criteria_text=criteria_text, trial=screen.info.nct_id, title=title)
        try:
            html = render_report(counted, source=patients.name)
        except ReportUnavailable as exc:
            raise fail(str(exc)) from None
        try:
            report.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise fail(f"{report}: cannot write ({exc})") from None
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
        {k: v for k, v in asdict(PrescreenRow.of(p, m)).items() if k != "nct_id"} for p, m in screened.explained(shown)
    ]
    if output == "json":
        print_json(rows)
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


def _prescreen_rows(
    nct_id: str | None,
    patients: str,
    engine: str,
    master: str,
    output_file: str | None,
    criteria_file: Path | None,
    db: str | None,
) -> None:
    """Every patient against one trial or every open one (``nct_id`` None), on the local engine or Spark:
    the verdict counts per trial, and every row written to ``output_file`` (Spark: a path or a URI)."""
    from collections import Counter

    from rich.table import Table

    from trialscope.criteria import parse_criteria
    from trialscope.matching.catalogue_matching import draft_info, open_trial_ids, trial_specs
    from trialscope.matching.prescreen import TrialSpec

    if criteria_file is not None:
        assert nct_id is not None
        specs = [TrialSpec.of(draft_info(nct_id), parse_criteria(_criteria_text(criteria_file)).constraints)]
    else:
        with open_store(db) as store:
            wanted = [n.strip().upper() for n in nct_id.split(",") if n.strip()] if nct_id else open_trial_ids(store)
            try:
                specs = trial_specs(store, wanted)
            except KeyError as exc:
                raise fail(f"not in the catalogue: {exc.args[0]}", code=1) from None
    if not specs:
        raise fail("no open trial in the catalogue", code=1)
    err.print(f"screening against {len(specs)} trial(s) on the {engine} engine ...")
    if engine == "spark":
        from trialscope.spark.prescreen import SparkUnavailable, run_spark_prescreen

        try:
            report = run_spark_prescreen(specs, patients, output=output_file, master=master or None)
        except (SparkUnavailable, ValueError) as exc:
            raise fail(str(exc)) from None
        verdicts: Counter[str] = Counter(report.verdicts)
        unreadable = report.patients_unreadable
    else:
        verdicts, unreadable = _local_rows(specs, Path(patients), Path(output_file) if output_file else None)
    table = Table(title=f"{len(specs)} trial(s): rows by verdict", title_justify="left")
    table.add_column("verdict")
    table.add_column("rows", justify="right")
    for verdict, count in sorted(verdicts.items()):
        table.add_row(verdict.replace("_", " "), f"{count:,}")
    console.print(table)
    if output_file is not None:
        err.print(f"wrote {output_file}")
    if unreadable:
        where = "the rows with a problem in the output" if engine == "spark" else "named above"
        err.print(Text(f"{unreadable} patient(s) could not be read ({where}); the others were screened"))
        raise typer.Exit(1)


def _local_rows(specs: list[TrialSpec], patients: Path, output_file: Path | None) -> tuple[Counter[str], int]:
    """The local engine's rows (``screen_rows``), counted by verdict and written to ``output_file``
    (.csv or .jsonl); unreadable patients are counted and named on stderr."""
    import csv
    from collections import Counter
    from collections.abc import Iterator
    from dataclasses import fields
    from operator import attrgetter

    import orjson
    from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from trialscope.matching.prescreen import PrescreenRow, heap_frozen, screen_rows
    from trialscope.patients.sources import PatientError, read_patients
    from trialscope.presentation.terminal import clean

    if output_file is not None and output_file.suffix.lower() not in (".csv", ".jsonl"):
        raise fail(f"{output_file}: the local engine writes .csv or .jsonl (Parquet: --engine spark)")
    unreadable = 0

    def readable() -> Iterator[Patient]:  # streamed: a population need not fit in memory
        nonlocal unreadable
        for item in read_patients(patients):
            if isinstance(item, PatientError):
                unreadable += 1
                err.print(Text(f"skipped: {clean(str(item))}"))
            else:
                yield item

    screens = [spec.compiled() for spec in specs]
    verdicts: Counter[str] = Counter()
    sink = output_file.open("w", encoding="utf-8", newline="") if output_file is not None else None
    progress = Progress(  # on stderr, gone when done: a population takes minutes
        SpinnerColumn(),
        TextColumn("[bold]screening"),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    try:
        writer = None
        names = [f.name for f in fields(PrescreenRow)]
        cells = attrgetter(*names)  # a row's cells in the header's order
        if sink is not None and output_file is not None and output_file.suffix.lower() == ".csv":
            writer = csv.writer(sink)
            writer.writerow(names)
        with progress, heap_frozen():
            task = progress.add_task("screen", total=None)
            for n, row in enumerate(screen_rows(screens, readable()), 1):
                verdicts[row.verdict] += 1
                if writer is not None:
                    writer.writerow(cells(row))
                elif sink is not None:
                    sink.write(orjson.dumps(row).decode() + "\n")  # a dataclass: its fields in order
                if n % 1000 == 0:
                    progress.update(task, completed=n)
    finally:
        if sink is not None:
            sink.close()
    return verdicts, unreadable
