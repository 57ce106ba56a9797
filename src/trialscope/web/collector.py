"""Python's cycle collector in a server process, set for serving pages.

A worker holds hundreds of thousands of long-lived objects read at start-up (the gazetteer, the country
outlines, the vocabularies, the templates), and every page makes tens of thousands of short-lived ones (a
record read, its sections, the page's parts). With the interpreter's defaults (a young-generation
collection every 700 new containers, an older one every 10 of those) the collector ran ~0.7 times per
trial page and, through the older generations, kept walking the start-up objects: ~1.2 ms of a ~8 ms page
(`benchmarks/README.md`, "The cycle collector"). Two settings, both standard for long-running servers:

- once start-up reading is done, its objects are moved out of the collector's sight (``gc.freeze``: they
  stay for the life of the process anyway);
- the young generation is collected every ``YOUNG_THRESHOLD`` new containers instead of 700 (a page's
  objects are freed by reference counting as it is sent; the collector is only for reference cycles, and
  the few a page makes wait a little longer).

Only ``trialscope serve``'s workers do this (``app_from_environment``), not an app made in a test or a
script, where frozen objects would outlive their use.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # new container objects between young-generation collections (default 700)
OLDER_THRESHOLDS = (20, 20)  # young collections per middle one, middle per full (defaults 10, 10)


def set_for_serving() -> None:
    """Collect the young generation less often (before the first request)."""
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


def freeze_start_up_objects() -> None:
    """Everything alive now (what start-up read) is kept out of every later collection."""
    gc.collect()  # what start-up left as garbage goes first, so it is not frozen with the rest
    gc.freeze()
