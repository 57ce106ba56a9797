"""Criteria engine: eligibility text -> structured, computable constraints tied to their text spans."""

from trialscope.criteria.engine import parse_criteria
from trialscope.criteria.model import Constraint, ParsedCriteria, Window

# Bump when extraction rules, segmentation or vocabulary change: stored results of an older engine (constraints,
# outline, segmentation) are recomputed.
ENGINE_VERSION = "2026.12.07-1"

__all__ = ["ENGINE_VERSION", "Constraint", "ParsedCriteria", "Window", "parse_criteria"]
