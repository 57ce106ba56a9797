"""Catalogue: read trial records from every format they come in, check them, and report what was refused."""

from trialscope.catalogue.readers import read_paths
from trialscope.catalogue.records import ImportSummary, Rejection, SkippedFile, SourceRecord

__all__ = ["ImportSummary", "Rejection", "SkippedFile", "SourceRecord", "read_paths"]
