"""A synthetic catalogue the size of ClinicalTrials.gov, generated from real records.

Templates are every full record in ../shared/data (the seed trials, the API v2 fixtures and the legacy XML
fixtures converted to v2), checked by trialscope's own validation. Each synthetic record takes a template
and varies its NCT ID (NCT9xxxxxxx, never a real one), status, dates, title and sites. The sites of a
record are one real trial's whole site list (from the 11,474 sites of the CAR-T monitor's 2,716 trials
with sites), so their number, cities and countries go together as in real trials: 93% of those trials
are in one country, 74% have one site. (Until 2026-12-02 each record drew 0-15 sites at random from all
11,474, which put two thirds of the records in several countries.) One record in eight has no sites.
Deterministic for a given seed.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from trialscope.catalogue.flattened import site_to_location
from trialscope.catalogue.readers import read_paths
from trialscope.catalogue.records import SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check

STATUSES = ["RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED", "UNKNOWN"]
SITE_STATUSES = ["RECRUITING", "NOT_YET_RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", None]


def load_templates(shared: Path) -> list[dict[str, Any]]:
    data = shared / "data"
    templates = []
    for item in read_paths([data / "seed-trials", data / "ctgov-v2-fixtures", data / "ctgov-xml-fixtures"]):
        if isinstance(item, SourceRecord) and isinstance(check(item), CheckedRecord):
            templates.append(item.study)
    return templates


def load_site_lists(shared: Path) -> list[list[dict[str, Any]]]:
    """The site list of each trial in the CAR-T monitor's sites file, in the file's order."""
    by_trial: dict[str, list[dict[str, Any]]] = {}
    with (shared / "data" / "car-t-monitor" / "sites.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            by_trial.setdefault(row["NCTId"], []).append(site_to_location(row))
    return list(by_trial.values())


def search_templates(shared: Path) -> list[dict[str, Any]]:
    """More variety for search: the full records plus every trial of the bundled demo catalogue (2,290 real
    CAR-T trials: titles, conditions, interventions, sites)."""
    from importlib import resources

    templates = load_templates(shared)
    with resources.as_file(resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz")) as demo:
        for item in read_paths([demo]):
            if isinstance(item, SourceRecord) and isinstance(check(item), CheckedRecord):
                templates.append(item.study)
    return templates


def synthetic_studies(
    shared: Path,
    count: int,
    seed: int = 7,
    templates: list[dict[str, Any]] | None = None,
    criteria_texts: list[str] | None = None,
) -> Iterator[tuple[str, bytes]]:
    """Yield (nct_id, JSON bytes) for ``count`` varied records (``criteria_texts``: eligibility texts to
    draw from, for variety in what is searched)."""
    rng = random.Random(seed)
    templates, site_lists = templates or load_templates(shared), load_site_lists(shared)
    base = dt.date(2005, 1, 1)
    for n in range(count):
        template = templates[n % len(templates)]
        nct_id = f"NCT9{n:07d}"
        study = dict(template)  # shallow: only the modules varied below are copied
        protocol = dict(study["protocolSection"])
        study["protocolSection"] = protocol
        ident = dict(protocol["identificationModule"])
        ident["nctId"] = nct_id
        ident["briefTitle"] = f"{ident.get('briefTitle') or 'Study'} (cohort {rng.randint(1, 999)})"
        protocol["identificationModule"] = ident
        status = copy.deepcopy(protocol.get("statusModule", {}))
        start = base + dt.timedelta(days=rng.randint(0, 7000))
        status["overallStatus"] = rng.choice(STATUSES)
        status["startDateStruct"] = {"date": start.isoformat(), "type": "ACTUAL"}
        status["lastUpdatePostDateStruct"] = {
            "date": (start + dt.timedelta(days=rng.randint(0, 1500))).isoformat(),
            "type": "ACTUAL",
        }
        protocol["statusModule"] = status
        contacts = dict(protocol.get("contactsLocationsModule", {}))
        sites = [] if rng.random() < 1 / 8 else rng.choice(site_lists)
        contacts["locations"] = [
            {**site, "status": rng.choice(SITE_STATUSES)} if rng.random() < 0.9 else site for site in sites
        ]
        protocol["contactsLocationsModule"] = contacts
        if criteria_texts:
            eligibility = dict(protocol.get("eligibilityModule", {}))
            eligibility["eligibilityCriteria"] = criteria_texts[rng.randrange(len(criteria_texts))]
            protocol["eligibilityModule"] = eligibility
        yield nct_id, orjson.dumps(study)


def write_zip(shared: Path, count: int, path: Path) -> tuple[int, int]:
    """Write the corpus as a zip of per-study JSON files. Returns (records, uncompressed bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    tmp = path.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for nct_id, data in synthetic_studies(shared, count):
            archive.writestr(f"ctg-studies/{nct_id}.json", data)
            total += len(data)
    tmp.rename(path)
    return count, total
