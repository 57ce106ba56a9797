#!/usr/bin/env python3
"""A small throughput check of the prescreen, in one run (issue 22): the prescreen's rate next to the rate of
a fixed baseline computation on the same machine, and their ratio.

A rate alone moves with the machine (a busy or slower machine halves it); the ratio moves with the code.
The baseline is fixed work over the same population (reading each profile's fields, building and
hashing a tuple per patient): it walks the same heap of objects, so it slows down with the CPU, the
interpreter and a neighbour sharing the caches the way the screen does (a tight loop over a small table
did not: on this machine the screen slowed by a third while such a loop held steady).

Compare the printed median ratio with the one recorded in ``benchmarks/README.md``: a drop of more than
about 15% is a slip worth a profile. It runs from the repository's own fixtures (no ``../shared``) in
well under a minute; it is not a test (a timed assertion in the suite would fail on a busy machine).

    python benchmarks/prescreen_check.py [--patients 20000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.matching.prescreen import TrialScreen, prescreen_patients  # noqa: E402
from trialscope.matching.verdict import TrialInfo  # noqa: E402
from trialscope.patients.files import load_patient  # noqa: E402
from trialscope.patients.model import Patient  # noqa: E402
from trialscope.patients.synthetic import synthetic_population  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

FIXTURES = HERE.parent / "tests" / "data"
TRIAL = "NCT07144020"


def baseline_rate(patients: list[Patient]) -> float:
    """Patients per second of fixed work over the same population: read a few fields of each profile, build
    a tuple of its lab readings and count it in a dict. It walks the same heap of objects as the screen, so
    a machine whose caches or memory are shared with a busy neighbour slows both alike."""
    seen: dict[tuple[object, ...], int] = {}
    started = time.perf_counter()
    for patient in patients:
        key = (
            patient.age_years,
            patient.sex,
            patient.as_of,
            tuple((lab.name, lab.value, lab.unit) for lab in patient.labs),
            tuple(item.name for item in patient.history if item.present),
            tuple(marker.result for marker in patient.biomarkers),
        )
        seen[key] = seen.get(key, 0) + 1
    return len(patients) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7, help="rounds of the two measures, taking turns")
    args = parser.parse_args()
    templates = [
        load_patient(p)
        for folder in (FIXTURES / "vignettes", FIXTURES / "gold" / "patients")
        for p in sorted(folder.glob("*.json"))
    ]
    patients = list(synthetic_population(templates, args.patients, seed=11))
    with tempfile.TemporaryDirectory() as folder, TrialStore.open(f"sqlite:///{folder}/check.db") as store:
        ingest_paths(store, [FIXTURES / "seed-trials" / f"{TRIAL}.json"])
        trial = store.get(TRIAL)
        assert trial is not None
        constraints = store.criteria.constraints_of([TRIAL])[TRIAL]
    info = TrialInfo.from_study(trial.study)
    screen_rates, base_rates = [], []
    for _ in range(args.rounds):  # the two take turns, each from a collected heap, so both see the same machine
        gc.collect()
        base_rates.append(baseline_rate(patients))
        gc.collect()
        started = time.perf_counter()
        prescreen_patients(TrialScreen(info, constraints), patients)  # a fresh screen: nothing remembered
        screen_rates.append(len(patients) / (time.perf_counter() - started))
    ratios = sorted(s / b for s, b in zip(screen_rates, base_rates, strict=True))
    print(f"prescreen {TRIAL}, {len(patients):,} generated patients, {args.rounds} rounds")
    print(f"  prescreen: median {statistics.median(screen_rates):,.0f} patients/s (best {max(screen_rates):,.0f})")
    print(f"  baseline:  median {statistics.median(base_rates):,.0f} patients/s (fixed work over the same profiles)")
    print(
        f"  ratio prescreen / baseline: median {statistics.median(ratios):.4f} (range {ratios[0]:.4f}-{ratios[-1]:.4f})"
    )


if __name__ == "__main__":
    main()
