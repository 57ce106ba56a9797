"""The import pipeline: the child-process reader gives the same result as reading in-process, failures
in the reader surface as errors, and the chosen mode depends on input size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import FIXTURES, shared_data
from trialscope.ingest import PARALLEL_THRESHOLD_BYTES, _input_size, ingest_paths, read_in_child
from trialscope.store.trial_store import TrialStore

SOURCES = [FIXTURES / "seed-trials", FIXTURES / "ctgov-v2-fixtures", FIXTURES / "ctgov-xml-fixtures"]


def test_child_process_reader_matches_in_process(db_url: str, tmp_path: Path) -> None:
    with TrialStore.open(db_url) as parallel_store:
        parallel = ingest_paths(parallel_store, SOURCES, parallel=True)
        parallel_stats = parallel_store.stats()
    with TrialStore.open(f"sqlite:///{tmp_path / 'serial.db'}") as serial_store:
        serial = ingest_paths(serial_store, SOURCES, parallel=False)
        serial_stats = serial_store.stats()
    assert parallel.as_dict() == serial.as_dict()
    assert parallel_stats == serial_stats
    assert parallel.added == 71 and parallel.rejected == 9  # every deliberate fault of the fixtures rejected


def test_child_process_reader_matches_in_process_on_the_car_t_monitor(tmp_path: Path) -> None:
    """The same over the shared CAR-T monitor (2,274 flattened trials) beside the fixtures."""
    sources = [*SOURCES, shared_data("car-t-monitor")]
    results = []
    for parallel in (True, False):
        with TrialStore.open(f"sqlite:///{tmp_path / f'{parallel}.db'}") as store:
            results.append((ingest_paths(store, sources, parallel=parallel).as_dict(), store.stats()))
    assert results[0] == results[1]
    assert results[0][0]["added"] > 2300


def test_reader_failure_is_raised_not_swallowed() -> None:
    with pytest.raises(RuntimeError, match="reader process failed"):
        list(read_in_child([str(FIXTURES / "seed-trials"), 12345]))  # type: ignore[list-item]


def test_input_size_decides_the_mode(tmp_path: Path) -> None:
    assert _input_size([str(FIXTURES / "seed-trials")]) < PARALLEL_THRESHOLD_BYTES
    big = tmp_path / "big.jsonl"
    with big.open("wb") as f:
        f.truncate(PARALLEL_THRESHOLD_BYTES + 1)  # sparse: size without the disk
    assert _input_size([str(tmp_path)]) > PARALLEL_THRESHOLD_BYTES


def test_the_ids_seen_in_a_file_are_kept_in_memory_that_does_not_grow_with_it() -> None:
    """Duplicate NCT IDs within one input file are found with one bit per NCT number (blocks made as IDs
    fall in them), not a set of every ID read: 600,000 IDs cost about 1 MB, not 40."""
    from trialscope.ingest import SeenNctIds

    seen = SeenNctIds()
    ids = [f"NCT{n:08d}" for n in range(0, 7_500_000, 13)]  # ~577,000 IDs over the registry's whole range
    for nct_id in ids:
        seen.add(nct_id)
    assert all(nct_id in seen for nct_id in ids[::997])
    assert "NCT00000001" not in seen and "NCT07499998" not in seen and 42 not in seen
    assert sum(len(block) for block in seen._blocks.values()) <= 1_000_000
    seen.add("not-an-nct-id")
    assert "not-an-nct-id" in seen and "nct00000000" in seen  # any case, as the registry's IDs are compared
    seen.clear()
    assert "NCT00000000" not in seen and "not-an-nct-id" not in seen
