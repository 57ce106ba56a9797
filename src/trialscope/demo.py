"""The bundled demo catalogue: the five seed trials, the real API v2 fixtures, and the CAR-T monitor's
trials and sites (with the 200 trials that carry full criteria), built by ``scripts/build_demo_catalogue.py``.

The default database (no URL configured) is filled with it on first use, so every command works on a
fresh install with no data step.
"""

from __future__ import annotations

from importlib import resources

from trialscope.catalogue.records import ImportSummary
from trialscope.ingest import ingest_paths
from trialscope.store.trial_store import TrialStore

DEMO_RESOURCE = "data/demo-catalogue.jsonl.gz"


def load_demo(store: TrialStore) -> ImportSummary:
    with resources.as_file(resources.files("trialscope").joinpath(DEMO_RESOURCE)) as path:
        return ingest_paths(store, [path])


def ensure_demo(store: TrialStore) -> ImportSummary | None:
    """Load the demo catalogue into an empty store; leave a store with trials alone."""
    if store.count():
        return None
    return load_demo(store)
