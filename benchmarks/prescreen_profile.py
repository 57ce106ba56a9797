#!/usr/bin/env python3
"""Where a prescreen's time goes, patient by patient (issue 38): the stages of ``prescreen NCT PATIENTS
--output rows.csv`` on the local engine, timed one after the other for each patient of a JSON Lines file.

- read: the next patient from the file (``read_patients``: JSON to a validated profile);
- facts: the profile resolved to the criteria vocabulary (``patient_facts``);
- screen: the row of the trial (``TrialScreen.row``: facets read, answers looked up or evaluated, words);
- write: the row written as CSV.

CPU time of this process (``time.process_time``: steady on a shared machine), microseconds per patient,
after ``--warm`` patients screened untimed (a screen remembers answers: the first patients pay for more of
them than the millionth). The cycle collector is set as the code's command sets it (``heap_frozen``, where
its ``_local_rows`` uses it). ``--profile`` prints cProfile's view of the timed patients instead (slower;
shares, not times).

    python benchmarks/prescreen_profile.py PATIENTS.jsonl [--patients 20000] [--warm 30000] [--profile]

Run it with ``PYTHONPATH`` at another tree's ``src`` to profile that code the same way.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import inspect
import io
import pstats
import sys
import time
from contextlib import nullcontext
from dataclasses import fields
from operator import attrgetter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.cli import matching as matching_commands  # noqa: E402
from trialscope.criteria.vocabulary import vocabulary  # noqa: E402
from trialscope.demo import load_demo  # noqa: E402
from trialscope.matching import prescreen  # noqa: E402
from trialscope.matching.facts import patient_facts  # noqa: E402
from trialscope.patients.sources import PatientError, read_patients  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

try:
    from trialscope.matching.catalogue_matching import trial_specs
except ImportError:  # the code before the module renames (issue 38's baseline, 131eb2d)
    from trialscope.matching.run import trial_specs  # type: ignore[no-redef]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("patients", type=Path)
    parser.add_argument("--patients", dest="count", type=int, default=20_000, help="patients timed")
    parser.add_argument("--warm", type=int, default=30_000, help="patients screened before the timed ones")
    parser.add_argument("--trial", default="NCT07144020")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    db = HERE / "out" / "profile-demo.db"
    db.parent.mkdir(exist_ok=True)
    with TrialStore.open(f"sqlite:///{db}") as store:
        if store.count() == 0:
            load_demo(store)
        (spec,) = trial_specs(store, [args.trial])
    screen = spec.compiled()
    vocab = vocabulary()
    cells = attrgetter(*[f.name for f in fields(prescreen.PrescreenRow)])
    writer = csv.writer(io.StringIO())
    source = iter(read_patients(args.patients))

    def patient() -> prescreen.Patient:
        item = next(source)
        while isinstance(item, PatientError):
            item = next(source)
        return item

    as_the_command = "heap_frozen" in inspect.getsource(matching_commands._local_rows)
    with prescreen.heap_frozen() if as_the_command else nullcontext():
        for _ in range(args.warm):
            p = patient()
            screen.row(p, patient_facts(p, vocab))
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.count):
                p = patient()
                writer.writerow(cells(screen.row(p, patient_facts(p, vocab))))
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return
        clock = time.process_time
        read = facts_time = screened = written = 0.0
        started = clock()
        for _ in range(args.count):
            a = clock()
            p = patient()
            b = clock()
            facts = patient_facts(p, vocab)
            c = clock()
            row = screen.row(p, facts)
            d = clock()
            writer.writerow(cells(row))
            e = clock()
            read += b - a
            facts_time += c - b
            screened += d - c
            written += e - d
        total = clock() - started
    n = args.count
    print(f"gc thresholds {gc.get_threshold()}; {n:,} patients after {args.warm:,}, CPU µs per patient:")
    print(
        f"read {read / n * 1e6:.1f}, facts {facts_time / n * 1e6:.1f}, screen {screened / n * 1e6:.1f}, "
        f"write {written / n * 1e6:.1f}; all {total / n * 1e6:.1f} ({n / total:,.0f} patients per CPU second)"
    )


if __name__ == "__main__":
    main()
