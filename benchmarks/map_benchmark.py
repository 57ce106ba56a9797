#!/usr/bin/env python3
"""What the site maps cost a page (issue 21): drawing the SVG of every demo trial's sites (the trial page's
map, with a place and a distance) and of the open sites of a page of 20 search results, in milliseconds,
with the SVG's size; and the land alone of every distinct frame those trial pages use, each drawn for the
first time (the cost of a page whose frame is not among the last 512 drawn). Uses the bundled demo
catalogue; no ../shared needed.

    python benchmarks/map_benchmark.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from trialscope.demo import load_demo  # noqa: E402
from trialscope.geo import resolve_place  # noqa: E402
from trialscope.presentation import maps  # noqa: E402
from trialscope.store.trial_store import TrialStore  # noqa: E402
from trialscope.web.view_models import results_map, site_views, sites_map  # noqa: E402


def main() -> None:
    place = resolve_place("Hangzhou")
    with tempfile.TemporaryDirectory() as folder, TrialStore.open(f"sqlite:///{folder}/demo.db") as store:
        load_demo(store)
        trials = [t for t in store.iter_trials() if any(loc.geo_point for loc in t.study.locations)]
        sites_map([], None, None, "")  # read the outlines once, as a server does at its first map
        views = [site_views(trial.study, place) for trial in trials]
        frames: set[tuple[float, float, float]] = set()  # the frames the trial pages' maps are drawn in
        land = maps._land
        maps._land = lambda frame: frames.add((frame.lon, frame.lat, frame.scale)) or land(frame)
        _report(
            f"trial pages ({len(trials):,} trials with sites)",
            [lambda v=v: sites_map(v, place, 800.0, "Hangzhou") for v in views],
        )
        maps._land = land
        maps._land_at.cache_clear()
        _report(
            f"land of a new frame ({len(frames)} distinct frames)",
            [lambda f=f: maps._land_at(*f) for f in sorted(frames)],
        )
        ids = [t.nct_id for t in trials]
        pages = [ids[i : i + 20] for i in range(0, len(ids), 20)]
        _report(
            f"search pages ({len(pages)} pages of 20 results, store query included)",
            [lambda p=p: results_map(store, p, place, 1500.0, "Hangzhou") for p in pages],
        )


def _report(what: str, draws: list[Callable[[], str]]) -> None:
    """Time each drawing; print the median, p95 and max in ms and the SVG's sizes."""
    timings, sizes = [], []
    for draw in draws:
        started = time.perf_counter()
        svg = draw()
        timings.append(1000 * (time.perf_counter() - started))
        sizes.append(len(svg) / 1024)
    print(
        f"{what}: median {statistics.median(timings):.2f} ms, p95 {sorted(timings)[int(0.95 * len(timings))]:.2f} ms, "
        f"max {max(timings):.1f} ms; SVG median {statistics.median(sizes):.0f} kB, max {max(sizes):.0f} kB"
    )


if __name__ == "__main__":
    main()
