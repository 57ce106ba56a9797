"""Import trial records into the store: read -> check -> write in batches, and count what happened.

Streaming: records are read lazily and written in batches of ``batch_size`` (one transaction each), so
memory stays flat whatever the input size. Every rejection names its file, record and field; the rest
of the input is still imported, and nothing already stored is changed by a rejected record.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from trialscope.catalogue.readers import Item, read_paths
from trialscope.catalogue.records import ImportSummary, Rejection, SkippedFile, SourceRecord
from trialscope.catalogue.validate import CheckedRecord, check
from trialscope.store.trial_store import TrialStore

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500

ProgressCallback = Callable[[int], None]  # called with the number of records just handled


class Importer:
    """Feeds items from readers into a store, batch by batch; usable for files (ingest) and sync."""

    def __init__(
        self,
        store: TrialStore,
        *,
        run_id: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.batch_size = batch_size
        self.on_progress = on_progress
        self.summary = ImportSummary()
        self._pending: dict[str, CheckedRecord] = {}
        self._seen_in_batch: dict[str, dict[str, str]] = {}  # batch -> NCT ID -> first origin

    def feed(self, items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, SkippedFile):
                self.summary.skipped_files.append(item)
            elif isinstance(item, Rejection):
                self._reject(item)
            else:
                self._accept(item)

    def _reject(self, rejection: Rejection) -> None:
        self.summary.rejections.append(rejection)
        log.info("rejected %s", rejection.origin)
        self._progress(1)

    def _accept(self, record: SourceRecord) -> None:
        checked = check(record)
        if isinstance(checked, Rejection):
            self._reject(checked)
            return
        seen = self._seen_in_batch.setdefault(record.batch, {})
        if len(self._seen_in_batch) > 1:  # a new input file began: forget the finished ones
            for batch in [b for b in self._seen_in_batch if b != record.batch]:
                del self._seen_in_batch[batch]
        first = seen.get(checked.nct_id)
        if first is not None:
            self._reject(
                Rejection(
                    record.origin,
                    f"duplicate NCT ID in one input: already read from {first}; the first one is kept",
                    record=checked.nct_id,
                    field="protocolSection.identificationModule.nctId",
                )
            )
            return
        seen[checked.nct_id] = record.origin
        if checked.nct_id in self._pending:  # another input file holds the same trial: apply in order
            self.flush()
        self._pending[checked.nct_id] = checked
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch = list(self._pending.values())
        self._pending.clear()
        self.summary.merge(self.store.write_batch(batch, self.run_id))
        self._progress(len(batch))

    def _progress(self, n: int) -> None:
        if self.on_progress is not None:
            self.on_progress(n)

    def finish(self) -> ImportSummary:
        self.flush()
        return self.summary


def ingest_paths(
    store: TrialStore,
    paths: Iterable[Path | str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
) -> ImportSummary:
    """Import every record found in ``paths`` (files and folders) and return the summary."""
    path_list = [str(p) for p in paths]
    run_id = store.start_run("ingest", path_list)
    importer = Importer(store, run_id=run_id, batch_size=batch_size, on_progress=on_progress)
    try:
        importer.feed(read_paths(path_list))
        summary = importer.finish()
    except BaseException:
        store.finish_run(run_id, importer.summary, status="failed")
        raise
    store.finish_run(run_id, summary)
    return summary
