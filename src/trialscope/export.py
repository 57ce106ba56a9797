"""Write the current catalogue as API v2 JSON Lines (optionally gzip), re-importable by ``ingest``.

Records from sources other than the API carry the provenance key, so a partial record stays partial
when read back.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast

import orjson

from trialscope.catalogue.records import API_SOURCES, PROVENANCE_KEY
from trialscope.store.trial_store import TrialStore


def export_jsonl(store: TrialStore, path: Path) -> int:
    """Write every current trial to ``path`` (``.gz`` compresses, deterministically). Returns the count."""
    count = 0
    with path.open("wb") as raw:
        stream = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)) if path.suffix == ".gz" else raw
        try:
            for trial in store.iter_trials():
                record = dict(trial.record)
                if trial.source not in API_SOURCES and PROVENANCE_KEY not in record:
                    record[PROVENANCE_KEY] = {"source": trial.source, "partial": trial.partial}
                stream.write(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
                count += 1
        finally:
            if stream is not raw:
                stream.close()
    return count
