#!/usr/bin/env python3
"""Feasibility report benchmark (issue 21): the report of one trial (NCT07144020) for N synthetic patients,
generated from the repository's vignettes and gold patients (``trialscope.patients.synthetic``): the count
(screen, per-criterion tallies, funnel, the questions of the possibly eligible) and the rendering (charts
with matplotlib, HTML), timed apart, and the file's size.

    python benchmarks/report_benchmark.py [--patients 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.matching.catalogue_matching import trial_screen  # noqa: E402
from trialscope.matching.feasibility import feasibility  # noqa: E402
from trialscope.patients.files import load_patient  # noqa: E402
from trialscope.patients.synthetic import synthetic_population  # noqa: E402
from trialscope.presentation.report import render_report  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

FIXTURES = HERE.parent / "tests" / "data"
TRIAL = "NCT07144020"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, nargs="+", default=[100_000])
    args = parser.parse_args()
    templates = [
        load_patient(p)
        for folder in (FIXTURES / "vignettes", FIXTURES / "gold" / "patients")
        for p in sorted(folder.glob("*.json"))
    ]
    with tempfile.TemporaryDirectory() as folder:
        with TrialStore.open(f"sqlite:///{folder}/report.db") as store:
            ingest_paths(store, [FIXTURES / "seed-trials" / f"{TRIAL}.json"])
            screen, criteria_text = trial_screen(store, TRIAL)
        for count in args.patients:
            patients = list(synthetic_population(templates, count, seed=11))
            started = time.perf_counter()
            counted = feasibility(screen, patients, criteria_text=criteria_text, trial=TRIAL, title=TRIAL)
            counting = time.perf_counter() - started
            started = time.perf_counter()
            html = render_report(counted, source="synthetic")
            rendering = time.perf_counter() - started
            out = Path(folder) / "report.html"
            out.write_text(html, encoding="utf-8")
            print(
                f"{count:>9,} patients: count {counting:6.1f} s ({count / counting:,.0f} patients/s), "
                f"render {rendering:4.1f} s, {out.stat().st_size / 1024:,.0f} kB; "
                f"{dict(counted.verdicts)}, {len(counted.funnel)} funnel steps"
            )


if __name__ == "__main__":
    main()
