"""Scoring against the gold sets: ``criteria-eval``, ``match-eval``, ``targets-eval``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from trialscope.cli.app import app, console, fail, print_list


@app.command("criteria-eval")
def criteria_eval(
    shared: Annotated[Path, typer.Option(help="The shared data folder.")] = Path("../shared"),
    verbose: Annotated[bool, typer.Option("--verbose", help="List misses and unmatched thresholds.")] = False,
    lct: Annotated[bool, typer.Option(help="Also score on the LCT corpus.")] = True,
) -> None:
    """Score the criteria engine on the seed gold set and the LCT corpus (precision / recall / F1)."""
    from trialscope.quality.criteria_gold import evaluate_gold, evaluate_lct, iter_lines

    gold_path = shared / "gold" / "seed-criteria.json"
    if not gold_path.exists():
        raise fail(f"no gold set at {gold_path}: pass --shared PATH")
    report = evaluate_gold(gold_path, shared / "data" / "seed-trials")
    lct_report = evaluate_lct(shared / "data" / "criteria-corpora" / "lct") if lct else None
    for line in iter_lines(report, lct_report, verbose):
        console.print(Text(line))


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
    from trialscope.quality.patients_gold import evaluate_gold_patients

    patients_dir = patients or shared / "gold" / "patients"
    trials_dir = trials or shared / "data" / "seed-trials"
    for folder, what in ((patients_dir, "patients"), (trials_dir, "trials")):
        if not folder.is_dir():
            raise fail(f"no {what} at {folder}: pass --shared PATH or --{what} DIR")
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
    from trialscope.quality.targets import evaluate_targets, monitor_target_rows

    monitor = shared / "data" / "car-t-monitor"
    if not (monitor / "trials.csv").exists():
        raise fail(f"no CAR-T monitor data at {monitor}: pass --shared PATH")
    everything, hand = monitor_target_rows(monitor)
    for title, rows in (("trials.csv TargetCategory", everything), ("hand-labelled benchmark_set.csv", hand)):
        report = evaluate_targets(rows)
        for line in report.lines(title):
            console.print(Text(line))
        if verbose:
            print_list("disagreements:", report.disagreements)
