"""Constraints in words a person can read ("total bilirubin ≤ 1.5 × ULN", "no prior CAR-T cell therapy")."""

from __future__ import annotations

from trialscope.criteria.model import Constraint

SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}
_UNIT = {"xULN": "× ULN", "": ""}


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


def describe(c: Constraint) -> str:
    if c.kind == "numeric":
        unit = _UNIT.get(c.unit or "", c.unit or "")
        method = f" (by {c.method})" if c.method else ""
        text = f"{c.quantity} {SYMBOL.get(c.comparator or '', c.comparator)} {_number(c.value)} {unit}".rstrip()
        return ("not: " if c.polarity == "exclude" else "") + text + method
    if c.kind == "concept":
        what = c.concept or "?"
        if c.category == "biomarker":
            what = f"{what}-positive disease"
        elif c.category == "prior_therapy":
            what = f"prior {what}"
        window = f" {c.within.describe()}" if c.within else ""
        exceptions = f" (except {', '.join(c.exceptions)})" if c.exceptions else ""
        lead = "must have" if c.polarity == "include" else "must not have"
        implicit = " [implied by the therapy's target]" if c.implicit else ""
        return f"{lead}: {what}{window}{exceptions}{implicit}"
    if c.kind == "administrative":
        return f"administrative ({c.concept}): not about the patient's health, the study team checks it"
    return f"not understood: {c.reason}"
