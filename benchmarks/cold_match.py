#!/usr/bin/env python3
"""One patient against the matching benchmark's 10,000-trial store in a fresh process: how long the imports
take, then the first ``match_patient`` (nothing rebuilt in memory yet: what a CLI run pays). Run
``matching_benchmark.py --trials 10000`` once first (it builds benchmarks/out/matching-10000.db).

    python benchmarks/cold_match.py [--runs 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ONE_RUN = """
import time
t0 = time.perf_counter()
from pathlib import Path
from trialscope.matching.catalogue_matching import match_patient
from trialscope.patients.files import load_patient
from trialscope.store.trial_store import TrialStore
t1 = time.perf_counter()
patient = load_patient(Path({patient!r}))
with TrialStore.open({url!r}) as store:
    t2 = time.perf_counter()
    match_patient(store, patient, status="any", limit=20)
    t3 = time.perf_counter()
print(f"imports {{t1 - t0:.2f}} s, first match {{t3 - t2:.2f}} s")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    args = parser.parse_args()
    database = HERE / "out" / "matching-10000.db"
    if not database.exists():
        sys.exit(f"no {database}: run benchmarks/matching_benchmark.py --trials 10000 first")
    patient = args.shared / "gold" / "patients" / "v01-fit-relapsed.json"
    code = ONE_RUN.format(patient=str(patient), url=f"sqlite:///{database}")
    for _ in range(args.runs):
        subprocess.run([sys.executable, "-c", code], check=True)


if __name__ == "__main__":
    main()
