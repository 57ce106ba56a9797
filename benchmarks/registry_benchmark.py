#!/usr/bin/env python3
"""One patient against the whole registry (issue 38, items 3 and 4).

A synthetic registry of N trials (600,000: about ClinicalTrials.gov's size) whose criteria cycle through every
real criteria text in ../shared/data (5,027 texts: HINT, LCT, the CAR-T monitor's sample, the study records),
each with the real conditions, interventions and phase the text came with (HINT rows and the CAR-T sample
carry them; an LCT text or a study record's text borrows those of a HINT row), so the spread of diseases is
that of real interventional trials (HINT: 1.5% name AML, 5% a leukaemia). Overall status, age limits and sex
are drawn with the registry's spread (STATUSES, MINIMUM_AGES, MAXIMUM_AGES, SEXES below); sites are one real
trial's whole site list from the CAR-T monitor (as in synthetic_corpus.py; one trial in eight has none), so
Chinese and American sites are over-represented against the whole registry: a pessimistic spread for a
patient in Hangzhou.

1. ``build``: the corpus (JSON Lines, gzipped) imported by ``ingest_paths`` (the reader in a child process),
   then the import's parsing step (``parse_stale_criteria``, 2 worker processes), then the search index
   (``SearchIndex.rebuild``); each timed, with the peak RSS of the process tree sampled (each process's own
   peak and the peak of their sum).
2. ``match``: the example AML patient (examples/patient-aml.json) near a place (Hangzhou), top 20 with
   evidence, ``match_patient`` as the CLI calls it: cold (a fresh process: its imports timed apart from the
   first match) and warm (the same process again). Prints how many trials each filter leaves and how many
   reach the screen. With ``--base PATH`` the same is run with the code at PATH (a checkout of an earlier
   commit, whose schema knows no revision after 0011: the database is presented to it as 0011 for its run)
   and the two results compared.

    python benchmarks/registry_benchmark.py build --trials 600000
    python benchmarks/registry_benchmark.py match --trials 600000 --near Hangzhou --within 500 --base OLD/src
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import gzip
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic_corpus import load_site_lists  # noqa: E402

OUT = HERE / "out"

# The registry's spread (ClinicalTrials.gov, all studies, rounded)
STATUSES = {
    "COMPLETED": 0.47,
    "UNKNOWN": 0.15,
    "RECRUITING": 0.11,
    "TERMINATED": 0.06,
    "ACTIVE_NOT_RECRUITING": 0.05,
    "NOT_YET_RECRUITING": 0.03,
    "WITHDRAWN": 0.03,
    "ENROLLING_BY_INVITATION": 0.01,
    "SUSPENDED": 0.005,
}
MINIMUM_AGES = {"18 Years": 0.62, None: 0.12, "12 Years": 0.03, "16 Years": 0.03, "6 Months": 0.03, "2 Years": 0.03,
                "1 Month": 0.02, "21 Years": 0.03, "40 Years": 0.03, "50 Years": 0.03, "65 Years": 0.03}  # fmt: skip
MAXIMUM_AGES = {None: 0.5, "65 Years": 0.1, "70 Years": 0.08, "75 Years": 0.08, "80 Years": 0.06, "17 Years": 0.05,
                "21 Years": 0.04, "30 Years": 0.03, "39 Years": 0.03, "85 Years": 0.03}  # fmt: skip
SEXES = {"ALL": 0.9, "FEMALE": 0.07, "MALE": 0.03}
SITE_STATUSES = ["RECRUITING", "NOT_YET_RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", None]


@dataclass(frozen=True, slots=True)
class Profile:
    """A real criteria text with the conditions, interventions and phase of its trial."""

    text: str
    conditions: list[str]
    interventions: list[str]
    phases: list[str]


def _literal_list(value: str) -> list[str]:
    try:
        found = ast.literal_eval(value or "[]")
    except (SyntaxError, ValueError):
        return []
    return [str(v) for v in found if str(v).strip()] if isinstance(found, list) else []


def profiles(shared: Path) -> list[Profile]:
    """One per criteria text of ``quality.corpora.iter_criteria_texts``, in its order."""
    from trialscope.catalogue.readers import read_paths
    from trialscope.catalogue.records import SourceRecord

    data = shared / "data"
    csv.field_size_limit(10**8)
    hint: list[Profile] = []
    for path in sorted((data / "criteria-texts" / "hint").glob("*.csv")):
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                phase = (row.get("phase") or "").upper().replace(" ", "").replace("/", "|")
                hint.append(
                    Profile(
                        row.get("criteria") or "",
                        _literal_list(row.get("diseases") or ""),
                        [d.split(" - ")[0] for d in _literal_list(row.get("drugs") or "")][:4],
                        [p for p in phase.split("|") if p.startswith("PHASE")],
                    )
                )
    found = list(hint)

    def borrowed(text: str) -> Profile:
        other = hint[len(found) * 7919 % len(hint)]
        return Profile(text, other.conditions, other.interventions, other.phases)

    for path in sorted((data / "criteria-corpora" / "lct").rglob("*.txt")):
        found.append(borrowed(path.read_text(encoding="utf-8")))
    sample = data / "car-t-monitor" / "sample_v1.json"
    if sample.exists():
        for trial in json.loads(sample.read_text(encoding="utf-8"))["trials"]:
            found.append(
                Profile(
                    trial.get("EligibilityCriteria") or "",
                    [c for c in (trial.get("Conditions") or "").split("|") if c],
                    [i for i in (trial.get("Interventions") or "").split("|") if i],
                    [p for p in (trial.get("Phase") or "").split("|") if p.startswith("PHASE")],
                )
            )
    for item in read_paths([data / "seed-trials", data / "ctgov-v2-fixtures", data / "ctgov-xml-fixtures"]):
        if isinstance(item, SourceRecord):
            protocol = item.study.get("protocolSection", {})
            text = protocol.get("eligibilityModule", {}).get("eligibilityCriteria") or ""
            conditions = protocol.get("conditionsModule", {}).get("conditions") or []
            interventions = [
                i.get("name", "") for i in protocol.get("armsInterventionsModule", {}).get("interventions", [])
            ]
            phases = protocol.get("designModule", {}).get("phases") or []
            found.append(
                Profile(text, conditions, [i for i in interventions if i], phases) if conditions else borrowed(text)
            )
    return found


def _weighted(rng: random.Random, spread: dict[Any, float]) -> Any:
    return rng.choices(list(spread), weights=list(spread.values()))[0]


def registry_studies(shared: Path, count: int, seed: int = 38) -> Iterator[dict[str, Any]]:
    """``count`` synthetic studies (API v2 dicts), NCT9xxxxxxx (never a real one), deterministic for a seed."""
    rng = random.Random(seed)
    found, site_lists = profiles(shared), load_site_lists(shared)
    base = dt.date(2000, 1, 1)
    for n in range(count):
        profile = found[n % len(found)]
        nct_id = f"NCT9{n:07d}"
        status = _weighted(rng, STATUSES)
        start = base + dt.timedelta(days=rng.randint(0, 9500))
        conditions = profile.conditions or ["Healthy"]
        drugs = profile.interventions or ["Standard of care"]
        sites = [] if rng.random() < 1 / 8 else rng.choice(site_lists)
        eligibility: dict[str, Any] = {"eligibilityCriteria": profile.text, "sex": _weighted(rng, SEXES)}
        for key, spread in (("minimumAge", MINIMUM_AGES), ("maximumAge", MAXIMUM_AGES)):
            value = _weighted(rng, spread)
            if value is not None:
                eligibility[key] = value
        if "minimumAge" in eligibility and "maximumAge" in eligibility:
            low, high = (int(eligibility[k].split()[0]) for k in ("minimumAge", "maximumAge"))
            if eligibility["minimumAge"].endswith("Years") and low >= high:
                del eligibility["maximumAge"]
        yield {
            "protocolSection": {
                "identificationModule": {
                    "nctId": nct_id,
                    "briefTitle": f"A study of {drugs[0]} in {conditions[0]} ({n % 997})",
                },
                "statusModule": {
                    "overallStatus": status,
                    "startDateStruct": {"date": start.isoformat(), "type": "ACTUAL"},
                    "lastUpdatePostDateStruct": {
                        "date": (start + dt.timedelta(days=rng.randint(0, 1500))).isoformat(),
                        "type": "ACTUAL",
                    },
                },
                "sponsorCollaboratorsModule": {"leadSponsor": {"name": f"Sponsor {n % 4001}", "class": "OTHER"}},
                "conditionsModule": {"conditions": conditions},
                "designModule": {"studyType": "INTERVENTIONAL", "phases": profile.phases or ["NA"]},
                "armsInterventionsModule": {"interventions": [{"type": "DRUG", "name": d} for d in drugs]},
                "eligibilityModule": eligibility,
                "contactsLocationsModule": {
                    "locations": [
                        {**site, "status": rng.choice(SITE_STATUSES)} if rng.random() < 0.9 else site for site in sites
                    ]
                },
            },
            "hasResults": False,
        }


def corpus(shared: Path, count: int) -> Path:
    path = OUT / f"registry-{count}.jsonl.gz"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        size = 0
        with gzip.open(partial, "wb", compresslevel=3) as out:
            for record in registry_studies(shared, count):
                line = orjson.dumps(record) + b"\n"
                size += len(line)
                out.write(line)
        partial.rename(path)
        print(
            f"corpus: {count:,} records, {size / 1e9:.2f} GB of JSON ({size / count / 1e3:.1f} kB a record), "
            f"{path.stat().st_size / 1e9:.2f} GB gzipped, written in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return path


# --- 1. build ---------------------------------------------------------------------------------------------
def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, str]:
    """Run a command: (seconds, its own peak RSS MB from wait4, the peak of its process tree's RSS summed, MB,
    its standard output)."""
    from benchmarks.import_benchmark import TreeMemory

    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    sampler = TreeMemory(proc.pid)
    sampler.start()
    assert proc.stdout is not None
    output = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    sampler.done.set()
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(command[:4])} failed: {output[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024, sampler.peak / 2**20, output


PARSE_STEP = """
import json, sys, time
from trialscope.criteria_import import parse_stale_criteria
from trialscope.store.trial_store import TrialStore
with TrialStore.open(sys.argv[1]) as store:
    started = time.process_time()
    summary = parse_stale_criteria(store, workers=int(sys.argv[2]))
print(json.dumps({"parsed": summary.parsed, "texts_read": summary.texts_read, "failed": summary.failed,
                  "cpu_parent": time.process_time() - started}))
"""
LAZY_PARSE = """
import json, sys, time
from trialscope.store.trial_store import TrialStore
with TrialStore.open(sys.argv[1]) as store:
    try:  # the store's own criteria (issue 39); an earlier commit's code: the module's function
        outlines = store.criteria.outlines_of
    except AttributeError:
        from trialscope.store.criteria_store import stored_outlines
        outlines = lambda ids: stored_outlines(store, ids)
    ids = [row.nct_id for row in store.candidates()]
    for start in range(0, len(ids), 1000):
        outlines(ids[start : start + 1000])  # each trial parsed and stored on first use
print(json.dumps({"parsed": len(ids)}))
"""


def build(shared: Path, count: int, url: str, python_path: str, workers: int, lazy: bool = False) -> None:
    """Import, parse and index the registry into ``url`` (a new database: an SQLite file there is replaced)
    with the code at ``python_path``."""
    path = corpus(shared, count)
    if url.startswith("sqlite:///"):
        import shutil

        database = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.rmtree(f"{database}.search", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": python_path}
    trialscope = [sys.executable, "-m", "trialscope"]
    ingest = [*trialscope, "ingest", str(path), "--json", "--db", url]
    if not lazy:
        ingest.append("--no-criteria")
    seconds, own, tree, output = _timed(ingest, env)
    summary = orjson.loads(output)
    print(
        f"  import      {seconds:7.1f} s  {count / seconds:7,.0f} records/s  peak RSS {own:5,.0f} MB own, "
        f"{tree:5,.0f} MB all processes  (added {summary['added']:,}, rejected {summary['rejected']})",
        flush=True,
    )
    if lazy:  # the code before the parsing step: each trial parsed and stored on first use, one by one
        seconds, own, tree, output = _timed([sys.executable, "-c", LAZY_PARSE, url], env)
    else:
        seconds, own, tree, output = _timed([sys.executable, "-c", PARSE_STEP, url, str(workers)], env)
    parsed = orjson.loads(output.strip().splitlines()[-1])
    print(
        f"  criteria    {seconds:7.1f} s  {parsed['parsed'] / seconds:7,.0f} trials/s   peak RSS {own:5,.0f} MB own, "
        f"{tree:5,.0f} MB all processes  {parsed}",
        flush=True,
    )
    seconds, own, tree, output = _timed([*trialscope, "index", "--rebuild", "--db", url], env)
    print(
        f"  index       {seconds:7.1f} s  {count / seconds:7,.0f} trials/s   peak RSS {own:5,.0f} MB own, "
        f"{tree:5,.0f} MB all processes",
        flush=True,
    )


# --- 2. match ---------------------------------------------------------------------------------------------
ONE_MATCH = """
import json, sys, time
started = time.perf_counter()
from pathlib import Path
from trialscope.geo import resolve_place
try:  # matching/run.py before issue 39
    from trialscope.matching.catalogue_matching import candidate_trials, match_patient
except ImportError:
    from trialscope.matching.run import candidate_trials, match_patient
from trialscope.patients.files import load_patient
from trialscope.store.trial_store import TrialStore
imported = time.perf_counter()
url, patient_file, near, within, repeat = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
patient = load_patient(Path(patient_file))
place = resolve_place(near) if near else None
within_km = float(within) if within else None
with TrialStore.open(url) as store:
    opened, opened_cpu = time.perf_counter(), time.process_time()
    matches = match_patient(store, patient, limit=20, near=place, within_km=within_km)
    cold, cold_cpu = time.perf_counter() - opened, time.process_time() - opened_cpu
    warm, warm_cpu = [], []
    for _ in range(repeat):
        again, again_cpu = time.perf_counter(), time.process_time()
        match_patient(store, patient, limit=20, near=place, within_km=within_km)
        warm.append(time.perf_counter() - again)
        warm_cpu.append(time.process_time() - again_cpu)
    # how many trials each filter leaves (the steps match_patient takes, counted)
    from trialscope.criteria.vocabulary import vocabulary
    from trialscope.matching.facts import patient_facts
    from trialscope.search.distance import nearest_sites
    facts = patient_facts(patient, vocabulary())
    infos = candidate_trials(store, facts)
    counts = {"trials": store.count(), "first filter": len(infos)}
    if place is not None:
        sites = nearest_sites(store, [i.nct_id for i in infos], place)
        counts["with an open site" + (f" within {within} km" if within else "")] = sum(
            1 for i in infos if i.nct_id in sites and (within_km is None or sites[i.nct_id][0] is None
                                                       or sites[i.nct_id][0] <= within_km))
print(json.dumps({"imports": imported - started, "cold": cold, "warm": warm, "counts": counts,
                  "cold_cpu": cold_cpu, "warm_cpu": warm_cpu,
                  "matches": [m.as_dict() for m in matches]}))
"""


def _set_revision(url: str, revision: str) -> None:
    """What the earlier commit's code needs to open this database: its own last revision as the current one
    (it reads nothing of the newer schema; nothing is written by a match)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def match(url: str, python_path: str, patient: Path, near: str, within: str, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": python_path}
    command = [sys.executable, "-c", ONE_MATCH, url, str(patient), near, within, str(repeat)]
    result = subprocess.run(command, env=env, capture_output=True, check=True)
    found: dict[str, Any] = orjson.loads(result.stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("step", choices=["corpus", "build", "match"])
    parser.add_argument("--trials", type=int, default=600_000)
    parser.add_argument("--db", help="database URL (default: SQLite in benchmarks/out)")
    parser.add_argument("--workers", type=int, default=2, help="processes of the parsing step")
    parser.add_argument("--lazy", action="store_true", help="build: parse on first use, one trial at a time "
                        "(the code before the parsing step)")  # fmt: skip
    parser.add_argument("--code", default=str(ROOT / "src"), help="the code to run (a src folder)")
    parser.add_argument("--base", help="match: also run the code at this src folder, and compare")
    parser.add_argument("--base-revision", default="0011", help="the base code's last schema revision")
    parser.add_argument("--patient", type=Path, default=ROOT / "examples" / "patient-aml.json")
    parser.add_argument("--near", default="Hangzhou")
    parser.add_argument("--within", default="", help="km (empty: any distance)")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs")
    parser.add_argument("--rounds", type=int, default=1, help="match: new and base take turns this many times")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    url = args.db or f"sqlite:///{OUT / f'registry-{args.trials}.db'}"
    if args.step == "corpus":
        corpus(args.shared, args.trials)
    elif args.step == "build":
        print(f"build {args.trials:,} trials into {url} with {args.code}", flush=True)
        build(args.shared, args.trials, url, args.code, args.workers, args.lazy)
    else:
        where = f"near {args.near}" + (f" within {args.within} km" if args.within else "")
        print(f"match: {args.patient.name}, {where}, top 20 with evidence, {args.trials:,} trials", flush=True)
        for _ in range(args.rounds):
            new = match(url, args.code, args.patient, args.near, args.within, args.repeat)
            print(
                f"  this code  imports {new['imports']:.2f} s, cold {new['cold']:.3f} s (CPU {new['cold_cpu']:.3f}), "
                f"warm {min(new['warm']):.3f} s (CPU {min(new['warm_cpu']):.3f}; best of {len(new['warm'])})  "
                f"{new['counts']}",
                flush=True,
            )
            if args.base:
                from trialscope.store.database import head_revision

                _set_revision(url, args.base_revision)
                try:
                    old = match(url, args.base, args.patient, args.near, args.within, args.repeat)
                finally:
                    _set_revision(url, head_revision() or args.base_revision)
                print(
                    f"  base code  imports {old['imports']:.2f} s, "
                    f"cold {old['cold']:.3f} s (CPU {old['cold_cpu']:.3f}), "
                    f"warm {min(old['warm']):.3f} s (CPU {min(old['warm_cpu']):.3f})  {old['counts']}",
                    flush=True,
                )
                same = old["matches"] == new["matches"]
                print(
                    f"  ratio cold {new['cold'] / old['cold']:.3f}, warm {min(new['warm']) / min(old['warm']):.3f}; "
                    f"the same {len(new['matches'])} trials with the same evidence: {same}",
                    flush=True,
                )
                if not same:
                    print("  differ:", [m["nct_id"] for m in new["matches"]], [m["nct_id"] for m in old["matches"]])
        shown = [(m["nct_id"], m["verdict"]) for m in new["matches"]]
        print(f"  shown: {shown}")


if __name__ == "__main__":
    main()
