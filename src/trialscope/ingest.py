"""Import trial records into the store: read -> check -> prepare -> write in batches, and count.

Streaming: records are read lazily and written in batches of ``batch_size`` (one transaction each), so
memory stays flat whatever the input size. Every rejection names its file, record and field; the rest
of the input is still imported, and nothing already stored is changed by a rejected record.

For large inputs the reading half (decompressing, parsing, validating, preparing rows) runs in a child
process while this process writes, using both cores. The child exits on its own if this process dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from trialscope.catalogue.readers import Item, read_paths
from trialscope.catalogue.records import ImportSummary, Rejection, SkippedFile, SourceRecord
from trialscope.catalogue.validate import check
from trialscope.settings import DEFAULT_BATCH_SIZE
from trialscope.store.prepared import PreparedRecord, prepare
from trialscope.store.trial_store import TrialStore

log = logging.getLogger(__name__)

PARALLEL_THRESHOLD_BYTES = 32 * 1024 * 1024  # inputs larger than this are read in a child process

ProgressCallback = Callable[[int], None]  # called with the number of records just handled
Prepared = PreparedRecord | Rejection | SkippedFile


def prepare_items(items: Iterable[Item | PreparedRecord]) -> Iterator[Prepared]:
    """Check each record and reduce it to the rows the store writes; pass refusals through."""
    for item in items:
        if isinstance(item, SourceRecord):
            checked = check(item)
            yield checked if isinstance(checked, Rejection) else prepare(checked)
        else:
            yield item


class Importer:
    """Feeds records into a store, batch by batch; used by file imports (ingest) and by sync."""

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
        self._pending: dict[str, PreparedRecord] = {}
        self._batch_name: str | None = None
        self._seen_in_batch = SeenNctIds()  # NCT IDs read from the current input file

    def feed(self, items: Iterable[Item | PreparedRecord]) -> None:
        for item in prepare_items(items):
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

    def _accept(self, record: PreparedRecord) -> None:
        if record.batch != self._batch_name:  # a new input file began
            self._batch_name = record.batch
            self._seen_in_batch.clear()
        if record.nct_id in self._seen_in_batch:
            self._reject(
                Rejection(
                    record.origin,
                    f"duplicate NCT ID: {record.batch} already had this trial earlier; the first one is kept",
                    record=record.nct_id,
                    field="protocolSection.identificationModule.nctId",
                )
            )
            return
        self._seen_in_batch.add(record.nct_id)
        if record.nct_id in self._pending:  # another input file holds the same trial: apply in order
            self.flush()
        self._pending[record.nct_id] = record
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


class SeenNctIds:
    """A set of NCT IDs in memory that does not grow with the file read: one bit per NCT number, in blocks
    of 524,288 numbers (64 kB) made when a first ID falls in them (all of ClinicalTrials.gov, NCT00000102 to
    NCT07...: at most ~15 blocks, 1 MB; a set of 600,000 strings is ~40 MB). IDs of another shape, if any,
    go in an ordinary set."""

    _BLOCK_BITS = 19

    def __init__(self) -> None:
        self._blocks: dict[int, bytearray] = {}
        self._others: set[str] = set()

    @staticmethod
    def _number(nct_id: str) -> int | None:
        digits = nct_id[3:]
        return int(digits) if len(nct_id) == 11 and nct_id[:3].upper() == "NCT" and digits.isdigit() else None

    def add(self, nct_id: str) -> None:
        number = self._number(nct_id)
        if number is None:
            self._others.add(nct_id)
            return
        block = self._blocks.setdefault(number >> self._BLOCK_BITS, bytearray(1 << (self._BLOCK_BITS - 3)))
        offset = number & ((1 << self._BLOCK_BITS) - 1)
        block[offset >> 3] |= 1 << (offset & 7)

    def __contains__(self, nct_id: object) -> bool:
        if not isinstance(nct_id, str):
            return False
        number = self._number(nct_id)
        if number is None:
            return nct_id in self._others
        block = self._blocks.get(number >> self._BLOCK_BITS)
        offset = number & ((1 << self._BLOCK_BITS) - 1)
        return block is not None and bool(block[offset >> 3] & (1 << (offset & 7)))

    def clear(self) -> None:
        self._blocks.clear()
        self._others.clear()


# --- reading in a child process -------------------------------------------------------------------------
_DONE = "done"
_CHUNK = 100  # prepared records per message between the processes


@dataclass(frozen=True, slots=True)
class _ReaderFailure:
    details: str


def _send(channel: multiprocessing.Queue[object], message: object, parent: int) -> None:
    while True:
        try:
            channel.put(message, timeout=1)
            return
        except queue.Full:
            if os.getppid() != parent:  # the importer is gone: stop reading
                os._exit(0)


def _read_in_child(paths: list[str], channel: multiprocessing.Queue[object], parent: int) -> None:
    try:
        chunk: list[Prepared] = []
        for item in prepare_items(read_paths(paths)):
            chunk.append(item)
            if len(chunk) >= _CHUNK:
                _send(channel, chunk, parent)
                chunk = []
        _send(channel, chunk, parent)
        _send(channel, _DONE, parent)
    except BaseException:
        _send(channel, _ReaderFailure(traceback.format_exc()), parent)


def read_in_child(paths: list[str]) -> Iterator[Prepared]:
    """``prepare_items(read_paths(paths))``, computed in a child process."""
    context = multiprocessing.get_context("spawn")
    channel: multiprocessing.Queue[object] = context.Queue(maxsize=16)
    child = context.Process(target=_read_in_child, args=(paths, channel, os.getpid()), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = channel.get(timeout=1)
            except queue.Empty:
                if not child.is_alive():
                    raise RuntimeError(f"the reader process ended unexpectedly (exit code {child.exitcode})") from None
                continue
            if message == _DONE:
                return
            if isinstance(message, _ReaderFailure):
                raise RuntimeError(f"the reader process failed:\n{message.details}")
            assert isinstance(message, list)
            yield from message
    finally:
        if child.is_alive():
            child.kill()
        child.join()


def _input_size(paths: list[str]) -> int:
    total = 0
    for entry in paths:
        path = Path(entry)
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if total > PARALLEL_THRESHOLD_BYTES:
            break
    return total


def ingest_paths(
    store: TrialStore,
    paths: Iterable[Path | str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    parallel: bool | None = None,
) -> ImportSummary:
    """Import every record found in ``paths`` (files and folders) and return the summary.

    ``parallel``: read in a child process (None: when the input is larger than 32 MB).
    """
    path_list = [str(p) for p in paths]
    if parallel is None:
        parallel = _input_size(path_list) > PARALLEL_THRESHOLD_BYTES
    run_id = store.start_run("ingest", path_list)
    importer = Importer(store, run_id=run_id, batch_size=batch_size, on_progress=on_progress)
    try:
        importer.feed(read_in_child(path_list) if parallel else prepare_items(read_paths(path_list)))
        summary = importer.finish()
    except BaseException:
        store.finish_run(run_id, importer.summary, status="failed")
        raise
    store.finish_run(run_id, summary)
    return summary
