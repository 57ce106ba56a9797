#!/usr/bin/env python3
"""Build src/trialscope/data/demo-catalogue.jsonl.gz from ../shared/data, through trialscope's own
importers (so the update rules decide: a full record supersedes the monitor's partial one).

    python scripts/build_demo_catalogue.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from trialscope.export import export_jsonl
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "trialscope" / "data" / "demo-catalogue.jsonl.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    data = args.shared / "data"
    sources = [
        data / "car-t-monitor" / "trials.csv",
        data / "car-t-monitor" / "sample_v1.json",
        data / "ctgov-v2-fixtures",
        data / "seed-trials",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        store = TrialStore.open(f"sqlite:///{tmp}/demo.db")
        summary = ingest_paths(store, sources)
        count = export_jsonl(store, OUTPUT)
        store.close()
    print(
        f"{count} trials -> {OUTPUT.relative_to(ROOT)} ({OUTPUT.stat().st_size / 1e6:.1f} MB); "
        f"{summary.rejected} records rejected on the way (the fixtures' deliberate bad records)"
    )


if __name__ == "__main__":
    main()
