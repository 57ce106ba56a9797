"""Constraints in words a person can read ("total bilirubin ≤ 1.5 × ULN", "no prior CAR-T cell therapy")."""

from __future__ import annotations

from collections.abc import Sequence

from trialscope.criteria.model import Constraint

SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}
_UNIT = {"xULN": "× ULN", "": ""}


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


DEFINITION_LEAD = "in a definition, not a requirement of its own"
_PREGNANCY = {
    "pregnancy": "must not be pregnant",
    "lactation": "must not be breastfeeding",
    "contraception": "must agree to use contraception (if able to have children)",
}


def describe(c: Constraint) -> str:
    """The constraint in words. One that sits inside the definition of a term (``definitional``: "Refractory
    AML: failure to achieve CR ... or >=2 relapses") is said to be so, never as "must have"."""
    if c.kind == "numeric":
        unit = _UNIT.get(c.unit or "", c.unit or "")
        method = f" (by {c.method})" if c.method else ""
        text = f"{c.quantity} {SYMBOL.get(c.comparator or '', c.comparator)} {_number(c.value)} {unit}".rstrip()
        if c.definitional:
            return f"{DEFINITION_LEAD}: {text}{method}"
        return ("not: " if c.polarity == "exclude" else "") + text + method
    if c.kind == "concept" and c.category == "pregnancy" and not c.definitional:
        # however it is worded ("must have a negative pregnancy test", "pregnant women are excluded"), the
        # matcher reads it as: not pregnant or breastfeeding; contraception is a question for the person
        return _PREGNANCY.get(c.concept or "", f"pregnancy-related: {c.concept}")
    if c.kind == "concept":
        what = c.concept or "?"
        if c.category == "biomarker":
            what = f"{what}-positive disease"
        elif c.category == "prior_therapy":
            what = f"prior {what}"
        window = f" {c.within.describe()}" if c.within else ""
        exceptions = f" (except {', '.join(c.exceptions)})" if c.exceptions else ""
        lead = DEFINITION_LEAD if c.definitional else "must have" if c.polarity == "include" else "must not have"
        implicit = " [implied by the therapy's target]" if c.implicit else ""
        return f"{lead}: {what}{window}{exceptions}{implicit}"
    if c.kind == "administrative":
        return f"administrative ({c.concept}): not about the patient's health, the study team checks it"
    return f"not understood: {c.reason}"


def describe_all(constraints: Sequence[Constraint]) -> list[str]:
    """``describe`` for the constraints of one item, in order, saying how they relate: an alternative to an
    earlier one reads "or: ...", an absolute limit beside its × ULN one reads as the same limit restated."""
    seen_groups: set[str] = set()
    words = []
    for c in constraints:
        text = describe(c)
        if c.twin_of:
            text = f"{text} (the same limit in absolute units)"
        elif c.any_of_group and c.polarity == "include":
            if c.any_of_group in seen_groups:
                text = f"or: {text}"
            seen_groups.add(c.any_of_group)
        words.append(text)
    return words
