#!/usr/bin/env python3
"""Reading patients for a prescreen: microseconds per patient from JSON Lines, CSV, Parquet and FHIR bulk
NDJSON (issue 38).

The same synthetic population (``patients/synthetic.py``, from the repository's vignettes) is written in
each format once (under ``benchmarks/out/read-N/``, reused), then read back with ``read_patients`` (what
``trialscope prescreen`` reads with) in this process: CPU time per patient (``time.process_time``, steady
on a shared machine) and wall time. ``--profile FORMAT`` prints where the time goes.

A CSV or Parquet row holds what the prescreen columns hold (``patients/table.py``): no upper limits of
normal, one diagnosis, markers and histories as lists; FHIR bulk NDJSON what ``bulk_resources`` gives.

    python benchmarks/prescreen_read_benchmark.py [--patients 20000] [--profile jsonl]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gc
import json
import pstats
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.patients.fhir import bulk_resources  # noqa: E402
from trialscope.patients.files import load_patient  # noqa: E402
from trialscope.patients.model import Patient  # noqa: E402
from trialscope.patients.sources import PatientError, read_patients  # noqa: E402
from trialscope.patients.synthetic import synthetic_population  # noqa: E402

FIXTURES = HERE.parent / "tests" / "data"
FORMATS = ("jsonl", "csv", "parquet", "ndjson")


def _population(count: int) -> Iterator[Patient]:
    templates = [load_patient(p) for p in sorted((FIXTURES / "vignettes").glob("*.json"))]
    return synthetic_population(templates, count, seed=20)


def _cells(patient: Patient, labs: list[tuple[str, str]]) -> dict[str, str]:
    """A patient as a row of the prescreen columns."""
    condition = patient.conditions[0] if patient.conditions else None
    status = patient.performance_status
    values = {(v.name, v.unit): v.value for v in [*patient.labs, *patient.measurements]}

    def treatment(t: object) -> str:
        name, category, date, end = (getattr(t, k) for k in ("name", "category", "date", "end_date"))
        when = f" {date}" + (f" to {end}" if end else "") if date else ""
        return f"{category + ': ' if category else ''}{name}{when}"

    return {
        "id": patient.id,
        "as of": str(patient.as_of),
        "age": "" if patient.age_years is None else f"{patient.age_years:g}",
        "birth date": str(patient.birth_date or ""),
        "sex": patient.sex or "",
        "diagnosis": condition.name if condition else "",
        "status": (condition.status or "") if condition else "",
        "ecog": f"{status.value:g}" if status and status.scale == "ECOG" else "",
        "karnofsky": f"{status.value:g}" if status and status.scale == "Karnofsky" else "",
        "life expectancy [months]": f"{patient.life_expectancy_months:g}" if patient.life_expectancy_months else "",
        "pregnant": "" if patient.pregnant is None else ("yes" if patient.pregnant else "no"),
        "biomarkers": "; ".join(f"{b.name} {b.result}" for b in patient.biomarkers),
        "history yes": "; ".join(h.name for h in patient.history if h.present and ";" not in h.name),
        "history no": "; ".join(h.name for h in patient.history if not h.present and ";" not in h.name),
        "treatments": "; ".join(treatment(t) for t in patient.treatments if ";" not in t.name),
        "blasts": f"{patient.bone_marrow_blasts[0].value:g}" if patient.bone_marrow_blasts else "",
        **{f"{name} [{unit}]": f"{values[name, unit]:g}" if (name, unit) in values else "" for name, unit in labs},
    }


def write_population(folder: Path, count: int) -> dict[str, Path]:
    """The population of ``count`` patients in each format under ``folder`` (written once, then reused)."""
    paths = {
        "jsonl": folder / "patients.jsonl",
        "csv": folder / "patients.csv",
        "parquet": folder / "patients.parquet",
        "ndjson": folder / "bulk",
    }
    if all(p.exists() for p in paths.values()):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    labs = sorted({(v.name, v.unit) for p in _population(200) for v in [*p.labs, *p.measurements]})
    resources: dict[str, list[str]] = {}
    with paths["jsonl"].open("w", encoding="utf-8") as jsonl, paths["csv"].open("w", newline="") as table:
        writer: csv.DictWriter[str] | None = None
        for patient in _population(count):
            jsonl.write(patient.model_dump_json(exclude_none=True) + "\n")
            row = _cells(patient, labs)
            if writer is None:
                writer = csv.DictWriter(table, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            for resource in bulk_resources(patient):
                resources.setdefault(resource["resourceType"], []).append(json.dumps(resource))
    paths["ndjson"].mkdir(exist_ok=True)
    for kind, lines in resources.items():
        (paths["ndjson"] / f"{kind}.ndjson").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        options = pacsv.ConvertOptions(strings_can_be_null=False)
        pq.write_table(pacsv.read_csv(paths["csv"], convert_options=options), paths["parquet"])
    except ImportError:
        print("pyarrow is not installed: no Parquet")
    return paths


def _read(path: Path) -> tuple[int, int]:
    patients = problems = 0
    for item in read_patients(path):
        if isinstance(item, PatientError):
            problems += 1
        else:
            patients += 1
    return patients, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--formats", nargs="+", default=list(FORMATS), choices=FORMATS)
    parser.add_argument("--profile", choices=FORMATS, help="print where reading this format spends its time")
    args = parser.parse_args()
    paths = write_population(HERE / "out" / f"read-{args.patients}", args.patients)
    _read(paths["jsonl"])  # imports, caches and the file in the page cache: not part of a patient's time
    if args.profile:
        cProfile.runctx("_read(paths[args.profile])", globals(), locals(), str(HERE / "out" / "read.prof"))
        pstats.Stats(str(HERE / "out" / "read.prof")).sort_stats("tottime").print_stats(25)
        return
    gc.freeze()
    print(f"{args.patients:,} patients; per patient (best of 3): CPU time, wall time")
    for name in args.formats:
        if not paths[name].exists():
            continue
        best_cpu = best_wall = float("inf")
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.process_time()
            read, problems = _read(paths[name])
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        if not read:
            print(f"{name:8} not read by this code ({problems} problems)")
            continue
        print(
            f"{name:8} {read:,} read, {problems} problems: {best_cpu / read * 1e6:6.1f} µs CPU, "
            f"{best_wall / read * 1e6:6.1f} µs wall"
        )


if __name__ == "__main__":
    main()
