"""What the importers yield: records in API v2 shape, and the reasons a record or file was refused."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Our own top-level key inside a stored study: where the record came from when it is not a full API
# record (the flattened CSV pair is partial). The API never sends a key by this name.
PROVENANCE_KEY = "trialscopeProvenance"

# Sources whose records are full ClinicalTrials.gov API records (files in API v2 format, and live sync).
API_SOURCES = frozenset({"ctgov-v2", "ctgov-api"})


@dataclass(slots=True)
class SourceRecord:
    """One study read from an input, already in ClinicalTrials.gov API v2 shape."""

    study: dict[str, Any]
    origin: str  # file, archive member or line the record came from ("x.zip:NCT1.json", "a.jsonl:12")
    source: str  # which importer: ctgov-v2 | ctgov-xml | car-t-monitor
    batch: str  # records sharing a batch may not repeat an NCT ID (one input file)
    partial: bool = False
    raw: str | None = None  # original text when the study dict is a conversion (legacy XML)
    expected_nct_id: str | None = None  # the NCT ID a file's name promises, if it names one


@dataclass(slots=True, frozen=True)
class Rejection:
    """A record (or a whole file) that could not be imported, and why, in words a user can act on."""

    origin: str
    reason: str
    record: str | None = None  # NCT ID, or "record 3" when the ID itself is missing
    field: str | None = None  # dotted API path of the offending field

    def __str__(self) -> str:
        parts = [self.origin]
        if self.record:
            parts.append(self.record)
        if self.field:
            parts.append(f"field {self.field}")
        return f"{': '.join(parts)}: {self.reason}"


@dataclass(slots=True, frozen=True)
class SkippedFile:
    """A file met while walking a folder that holds no trial records (a LICENSE, a metadata file)."""

    origin: str
    reason: str


@dataclass(slots=True)
class ImportSummary:
    """Counts of one import, plus every rejection with its reason."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0  # not applied: the stored record is newer (or full where this one is partial)
    rejections: list[Rejection] = field(default_factory=list)
    skipped_files: list[SkippedFile] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def seen(self) -> int:
        return self.added + self.updated + self.unchanged + self.older + self.rejected

    def merge(self, other: ImportSummary) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.older += other.older
        self.rejections.extend(other.rejections)
        self.skipped_files.extend(other.skipped_files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "older": self.older,
            "rejected": self.rejected,
            "rejections": [
                {"origin": r.origin, "record": r.record, "field": r.field, "reason": r.reason} for r in self.rejections
            ],
            "skipped_files": [{"origin": s.origin, "reason": s.reason} for s in self.skipped_files],
        }


def drop_empty(value: Any) -> Any:
    """Remove None, empty strings, lists and dicts, recursively, so converted records stay clean."""
    if isinstance(value, dict):
        cleaned = {k: drop_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (drop_empty(x) for x in value) if v not in (None, "", [], {})]
    return value
