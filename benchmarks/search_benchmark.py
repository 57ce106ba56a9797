#!/usr/bin/env python3
"""Search benchmark (issue 4).

Builds synthetic catalogues of N trials from real records (every trial of the demo catalogue and the full
API fixtures as templates; NCT IDs, status, dates, titles, sites and eligibility text varied; see
synthetic_corpus.py), imports them into SQLite, builds the search index (timed), then runs 200 realistic
searches: a text query with 2-3 filters (status, phase, age, sex, country, target antigen, distance from
a city) and every facet count, through ``run_search`` exactly as the CLI and web app call it.

Prints per size: index build time, and p50 / p95 / p99 per query (text + filters + facets + nearest
sites for the page). Targets on a 2-core machine: p50 < 20 ms, p95 < 50 ms, index build < 10 minutes.

    python benchmarks/search_benchmark.py --trials 10000 100000 600000
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.synthetic_corpus import search_templates, synthetic_studies  # noqa: E402
from trialscope.ingest import ingest_paths  # noqa: E402
from trialscope.quality.corpora import iter_criteria_texts  # noqa: E402
from trialscope.search import SearchIndex, SearchQuery, run_search  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402

OUT = HERE / "out"
TEXTS = [
    "CAR-T AML",
    "CD19 lymphoma",
    "BCMA multiple myeloma",
    "acute myeloid leukemia",
    "CD123",
    "CLL-1",
    "leukemia",
    "relapsed refractory",
    "glioblastoma",
    "solid tumor",
    "CD7 T-ALL",
    "NK cell",
    "HER2",
    "allo-HSCT",
    "GVHD",
    "mesothelin",
    "B-cell",
    "CAR-T NOT lymphoma",
    '"bone marrow"',
    "title:CD117",
    "MDS",
    "hepatocellular carcinoma GPC3",
    "children",
    "neuroblastoma GD2",
    "CD33 OR CD123",
]
CITIES = ["Hangzhou", "Beijing", "Wuhan, China", "Shanghai", "Boston, MA", "Houston", "Paris", "Guangzhou"]


def build(shared: Path, count: int) -> str:
    db = OUT / f"search-{count}.db"
    marker = OUT / f"search-{count}.ready"
    url = f"sqlite:///{db}"
    if marker.exists():
        return url
    OUT.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    texts = [t for _, t in iter_criteria_texts(shared / "data") if t.strip()]
    corpus = OUT / f"search-{count}.jsonl.gz"
    started = time.perf_counter()
    with gzip.open(corpus, "wb", compresslevel=1) as out:
        for _, data in synthetic_studies(shared, count, templates=search_templates(shared), criteria_texts=texts):
            out.write(data + b"\n")
    with TrialStore.open(url) as store:
        ingest_paths(store, [corpus])
    corpus.unlink()
    print(f"  catalogue of {count:,} trials built and imported in {time.perf_counter() - started:.0f} s", flush=True)
    marker.touch()
    return url


def queries(count: int = 200, seed: int = 3) -> list[SearchQuery]:
    rng = random.Random(seed)
    filters = [
        lambda: {"status": ["open"]},
        lambda: {"phase": [rng.choice(["1", "2", "3"])]},
        lambda: {"age": rng.choice([8, 30, 45, 60, 72])},
        lambda: {"sex": rng.choice(["female", "male"])},
        lambda: {"country": [rng.choice(["China", "United States", "France", "Germany"])]},
        lambda: {"target": [rng.choice(["CD19", "BCMA", "CD123", "CD33", "CLL1", "CD117", "CD7"])]},
        lambda: {"near": rng.choice(CITIES), "within_km": rng.choice([100.0, 500.0, 1500.0])},
    ]
    made = []
    for _ in range(count):
        chosen: dict[str, object] = {}
        for make in rng.sample(filters, rng.choice([2, 3])):
            chosen |= make()
        made.append(SearchQuery(text=rng.choice(TEXTS), **chosen))  # type: ignore[arg-type]
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, nargs="+", default=[10_000, 100_000, 600_000])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    parser.add_argument("--keep-index", action="store_true", help="Reuse an index already built (queries only).")
    args = parser.parse_args()
    print(f"{'trials':>9} {'index build':>12} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  mean hits")
    for count in args.trials:
        url = build(args.shared, count)
        with TrialStore.open(url) as store:
            index = SearchIndex(store, OUT / f"search-{count}.index")
            built = float("nan")  # shown as "nan": an index already built was reused
            if not (args.keep_index and index.meta.trials == count):
                started = time.perf_counter()
                index.rebuild()
                built = time.perf_counter() - started
            for q in queries(20, seed=99):  # warm up on other queries: first reads of the index files, places
                run_search(index, q)
            timings, totals = [], []
            for q in queries():
                index.results_cache.clear()  # every timed search does its full work (no repeat is answered from memory)
                started = time.perf_counter()
                results = run_search(index, q)
                timings.append((time.perf_counter() - started) * 1000)
                totals.append(results.total)
        cuts = statistics.quantiles(timings, n=100)
        print(
            f"{count:>9,} {built:>10.0f} s {cuts[49]:>8.1f} {cuts[94]:>8.1f} {cuts[98]:>8.1f} {max(timings):>8.1f}  "
            f"{statistics.mean(totals):,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
