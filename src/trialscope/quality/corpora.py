"""The criteria texts of the shared corpora (seed trials, API fixtures, the CAR-T monitor's records, the
LCT and CHIA corpora), one by one: what the throughput benchmarks and the corpus tests read."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path


def iter_criteria_texts(data: Path) -> Iterator[tuple[str, str]]:
    """(source, text) for every criteria text in a shared data folder: the HINT CSVs, the LCT corpus, the
    CAR-T monitor's sample with full criteria, and every study record (seed trials, API and XML fixtures)."""
    from trialscope.catalogue.readers import read_paths
    from trialscope.catalogue.records import SourceRecord

    csv.field_size_limit(10**8)
    for path in sorted((data / "criteria-texts" / "hint").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                yield f"hint/{path.name}:{row.get('nctid')}", row.get("criteria") or ""
    for path in sorted((data / "criteria-corpora" / "lct").rglob("*.txt")):
        yield f"lct/{path.stem}", path.read_text(encoding="utf-8")
    sample = data / "car-t-monitor" / "sample_v1.json"
    if sample.exists():
        for trial in json.loads(sample.read_text(encoding="utf-8"))["trials"]:
            yield f"car-t-monitor/{trial['NCTId']}", trial.get("EligibilityCriteria") or ""
    for item in read_paths([data / "seed-trials", data / "ctgov-v2-fixtures", data / "ctgov-xml-fixtures"]):
        if isinstance(item, SourceRecord):
            module = item.study.get("protocolSection", {}).get("eligibilityModule", {})
            yield f"records/{item.origin}", module.get("eligibilityCriteria") or ""


# --- target antigens vs the CAR-T monitor's TargetCategory ----------------------------------------------
