#!/usr/bin/env python3
"""Matching benchmark (issue 6).

1. One patient against N trials with parsed criteria (target: 10,000 in under 1 s). The trials are AML
   trials whose criteria cycle through every real criteria text in ../shared/data (5,000+ distinct
   texts), so the evaluation sees real variety. Criteria are parsed and stored once (cached in
   benchmarks/out), then ``match_patient`` is timed end to end: SQL filters, screening every trial from
   its stored outline, ranking, and the evidence in words for the trials shown (the CLI's default 20, and
   all of them). "cold" = nothing rebuilt in memory yet (a fresh CLI run); "warm" = a server's later calls.
2. One trial against N synthetic patients (issue 22: 10,000 patients/s on one core, 100,000 in 10 s): the
   gold patients varied by ``trialscope.patients.synthetic`` (``--spread clinical``: lab values to two
   decimals; ``wide``: three significant figures, few repeats). The prescreen (``matching/prescreen.py``) is
   timed, then the evidence in words for every row (what a CSV export writes); ``--full N`` also times the
   full evaluation (``match_trial``) per patient, the way the prescreen ran before issue 22.

    python benchmarks/matching_benchmark.py --trials 1000 10000 --patients 10000 100000 [--spread clinical wide]
"""

from __future__ import annotations

import argparse
import copy
import gc
import itertools
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.matching.catalogue_matching import match_patient  # noqa: E402
from trialscope.matching.facts import patient_facts  # noqa: E402
from trialscope.matching.prescreen import TrialScreen, prescreen_patients  # noqa: E402
from trialscope.matching.verdict import TrialInfo, match_trial  # noqa: E402
from trialscope.patients.files import load_patient  # noqa: E402
from trialscope.patients.model import Patient  # noqa: E402
from trialscope.patients.synthetic import Spread, synthetic_population  # noqa: E402
from trialscope.quality.corpora import iter_criteria_texts  # noqa: E402
from trialscope.store import criteria_store  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

OUT = HERE / "out"


def build_catalogue(shared: Path, count: int) -> str:
    url = f"sqlite:///{OUT / f'matching-{count}.db'}"
    marker = OUT / f"matching-{count}.ready"
    if marker.exists():
        return url
    OUT.mkdir(exist_ok=True)
    texts = [t for _, t in iter_criteria_texts(shared / "data") if t.strip()]
    template = json.loads((shared / "data" / "seed-trials" / "NCT07342244.json").read_text())
    corpus = OUT / f"matching-{count}.jsonl"
    with corpus.open("w") as out:
        for n, text in zip(range(count), itertools.cycle(texts), strict=False):
            study = copy.deepcopy(template)
            study["protocolSection"]["identificationModule"]["nctId"] = f"NCT8{n:07d}"
            study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
            study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = text
            study["protocolSection"]["eligibilityModule"].pop("maximumAge", None)
            out.write(json.dumps(study) + "\n")
    started = time.perf_counter()
    with TrialStore.open(url) as store:
        ingest_paths(store, [corpus])
        store.criteria.constraints_of([f"NCT8{n:07d}" for n in range(count)])  # parse and store every criteria text
        store.criteria.outlines_of([f"NCT8{n:07d}" for n in range(count)])  # fill outlines of rows stored before them
    print(f"  built {count:,} trials with parsed criteria in {time.perf_counter() - started:.0f} s (cached)")
    marker.touch()
    return url


def synthetic_patients(shared: Path, count: int, spread: Spread = "clinical") -> list[Patient]:
    gold = [load_patient(p) for p in sorted((shared / "gold" / "patients").glob("*.json"))]
    return list(synthetic_population(gold, count, seed=11, spread=spread))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--patients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--spread", nargs="+", default=["clinical"], choices=["clinical", "wide"])
    parser.add_argument("--full", type=int, default=0, help="also time match_trial on the first N patients")
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    patient = load_patient(args.shared / "gold" / "patients" / "v01-fit-relapsed.json")
    print("one patient against N trials (match_patient: SQL filters, screen of every trial, evidence for those shown)")
    for count in args.trials:
        url = build_catalogue(args.shared, count)
        with TrialStore.open(url) as store:
            for limit in (20, None):
                criteria_store._constraint_cache.clear()
                criteria_store._outline_cache.clear()
                started = time.perf_counter()
                match_patient(store, patient, status="any", limit=limit)  # cold: nothing rebuilt in memory yet
                cold = time.perf_counter() - started
                timings = []
                for _ in range(3):
                    started = time.perf_counter()
                    matches = match_patient(store, patient, status="any", limit=limit)
                    timings.append(time.perf_counter() - started)
                shown = f"top {limit} with evidence" if limit else "every trial with evidence"
                criteria = sum(len(m.criteria) for m in matches)
                print(
                    f"  {count:>7,} trials, {shown:<26} warm best {min(timings):6.2f} s, cold {cold:5.2f} s  "
                    f"({criteria:,} criteria explained)"
                )

    print("one trial against N patients (the CD117 seed trial, NCT07144020; the prescreen, then words for every row)")
    with TrialStore.open(build_catalogue(args.shared, min(args.trials))) as store:
        ingest_paths(store, [args.shared / "data" / "seed-trials" / "NCT07144020.json"])
        trial = store.get("NCT07144020")
        assert trial is not None
        constraints = store.criteria.constraints_of(["NCT07144020"])["NCT07144020"]
    info = TrialInfo.from_study(trial.study)
    for spread in args.spread:
        for count in args.patients:
            patients = synthetic_patients(args.shared, count, spread)
            gc.collect()
            started = time.perf_counter()
            result = prescreen_patients(TrialScreen(info, constraints), patients)
            elapsed = time.perf_counter() - started
            verdicts = Counter(screen.verdict for _, screen in result.rows)
            started = time.perf_counter()
            explained = sum(1 for _ in result.explained())
            words = time.perf_counter() - started
            print(
                f"  {count:>9,} patients ({spread:<8}) screen {elapsed:6.1f} s ({count / elapsed:7,.0f} patients/s); "
                f"words for all {explained:,} rows {words:5.1f} s  {dict(verdicts)}"
            )
            if args.full:
                started = time.perf_counter()
                for p in patients[: args.full]:
                    match_trial(info, constraints, patient_facts(p))
                full = time.perf_counter() - started
                print(f"  {'':>9} full evaluation of the first {args.full:,}: {args.full / full:,.0f} patients/s")
            del patients, result


if __name__ == "__main__":
    main()
