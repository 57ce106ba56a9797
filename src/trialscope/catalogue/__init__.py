"""Catalogue: read trial records from every format they come in, check them, and report what was refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trialscope.catalogue.records import ImportSummary, Rejection, SkippedFile, SourceRecord

if TYPE_CHECKING:
    from trialscope.catalogue.readers import read_paths


def __getattr__(name: str) -> Any:
    """``read_paths`` when first asked for: the readers (zip, XML, Parquet) load only in a command that reads
    files, not in every one that opens the store."""
    if name == "read_paths":
        from trialscope.catalogue.readers import read_paths

        return read_paths
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ImportSummary", "Rejection", "SkippedFile", "SourceRecord", "read_paths"]
