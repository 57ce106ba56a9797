"""Criteria engine: eligibility text -> structured, computable constraints tied to their text spans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trialscope.criteria.model import Constraint, ParsedCriteria, Window

if TYPE_CHECKING:
    from trialscope.criteria.engine import parse_criteria

# Bump when extraction rules, segmentation or vocabulary change: stored results of an older engine (constraints,
# outline, segmentation) are recomputed.
ENGINE_VERSION = "2026.12.07-38"

# The longest criteria text a caller may send to be checked (POST /api/check answers 413 above it). Registry
# records are parsed whatever their length: parsing is linear in the text's length
# (benchmarks/criteria_length.py), this only bounds the work one request can ask for.
MAX_CHECK_TEXT_CHARS = 50_000

__all__ = ["ENGINE_VERSION", "MAX_CHECK_TEXT_CHARS", "Constraint", "ParsedCriteria", "Window", "parse_criteria"]


def __getattr__(name: str) -> Any:
    """``parse_criteria`` when first asked for: the engine compiles some 500 expressions as it loads, which a
    command reading stored criteria (match) does not need."""
    if name == "parse_criteria":
        from trialscope.criteria.engine import parse_criteria

        return parse_criteria
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
