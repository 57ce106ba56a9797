"""The compact evaluation form of a trial's constraints, stored beside them.

Screening a whole catalogue for one patient needs, per constraint, only *what it means* (the fields its
evaluation depends on, as one string: equal strings get equal answers) and how it relates to the others
(xULN twins, alternative groups, age limits). Not its text, span or id. This form is a few percent of the
size of the full constraints, so ranking 10,000 trials reads and rebuilds little; full constraints (with
their text, for the evidence in words) are rebuilt only for the trials shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from trialscope.criteria.model import Constraint

# The fields of the flat form an evaluation depends on, in a fixed order (the rest say where a constraint
# sits: id, span, text, alternative group, twin, source).
_MEANING = (
    "kind",
    "polarity",
    "quantity",
    "code",
    "comparator",
    "value",
    "unit",
    "method",
    "category",
    "concept",
    "within",
    "exceptions",
    "definitional",
    "implicit",
    "current",
    "unsure",
    "leftover",
)


def meaning_key(flat: dict[str, Any]) -> str:
    """What evaluating this constraint depends on, as a short string (JSON list of the meaningful fields,
    trailing empties dropped): two constraints with equal keys get equal answers."""
    values = [flat.get(f) for f in _MEANING]
    while values and (values[-1] is None or values[-1] is False or values[-1] == []):
        values.pop()
    return orjson.dumps(values).decode()


def constraint_for_key(key: str) -> Constraint:
    """A constraint with this meaning (no text or span): enough to evaluate a patient's status against it."""
    values = orjson.loads(key)
    return Constraint.from_flat({"id": "", **dict(zip(_MEANING, values, strict=False))})


@dataclass(frozen=True, slots=True)
class Shape:
    """How a trial's criteria relate, beside their statuses (parallel sequences, one entry per criterion)."""

    twins: Sequence[int]  # index of the xULN partner an absolute threshold restates, or -1
    groups: Sequence[str | None]  # alternative group (inclusions only): meeting one member is enough
    ages: Sequence[str]  # "<" or ">" for an age limit ("" otherwise): first character of its comparator
    from_record: Sequence[bool]  # stated by the record's fields (or implied by it), not written in the text
    # Derived once, for settling many patients' statuses: the age limits' indexes, (index, partner) of each
    # twin, and the members of each alternative group with at least two members.
    age_limits: tuple[int, ...] = field(init=False, repr=False, compare=False)
    twin_pairs: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    alternatives: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        members: dict[str, list[int]] = {}
        for i, group in enumerate(self.groups):
            if group:
                members.setdefault(group, []).append(i)
        object.__setattr__(self, "age_limits", tuple(i for i, a in enumerate(self.ages) if a))
        object.__setattr__(self, "twin_pairs", tuple((i, t) for i, t in enumerate(self.twins) if t >= 0))
        object.__setattr__(self, "alternatives", tuple(tuple(m) for m in members.values() if len(m) > 1))

    @classmethod
    def of(cls, constraints: Sequence[Constraint]) -> Shape:
        return cls._build(
            [c.id for c in constraints],
            [c.twin_of for c in constraints],
            [c.any_of_group if c.polarity == "include" else None for c in constraints],
            [(c.comparator or " ")[0] if c.quantity == "age" else "" for c in constraints],
            [c.source is not None for c in constraints],
        )

    @classmethod
    def of_flat(cls, flat: Sequence[dict[str, Any]]) -> Shape:
        return cls._build(
            [d["id"] for d in flat],
            [d.get("twin_of") for d in flat],
            [d.get("any_of_group") if d["polarity"] == "include" else None for d in flat],
            [(d.get("comparator") or " ")[0] if d.get("quantity") == "age" else "" for d in flat],
            [d.get("source") is not None for d in flat],
        )

    @classmethod
    def _build(
        cls,
        ids: list[str],
        twin_of: list[str | None],
        groups: list[str | None],
        ages: list[str],
        from_record: list[bool],
    ) -> Shape:
        index = {cid: i for i, cid in enumerate(ids)}
        twins = [index.get(t, -1) if t else -1 for t in twin_of]
        return cls(twins, groups, ages, from_record)

    def __add__(self, other: Shape) -> Shape:
        offset = len(self.twins)
        return Shape(
            [*self.twins, *(t + offset if t >= 0 else -1 for t in other.twins)],
            [*self.groups, *other.groups],
            [*self.ages, *other.ages],
            [*self.from_record, *other.from_record],
        )


@dataclass(frozen=True, slots=True)
class Outline:
    """A trial's constraints in evaluation form: one meaning key per constraint, and their shape."""

    keys: Sequence[str]
    shape: Shape
    written: bool  # the trial has criteria text of its own (not only constraints implied by the record)

    @classmethod
    def of_flat(cls, flat: Sequence[dict[str, Any]]) -> Outline:
        return cls([meaning_key(d) for d in flat], Shape.of_flat(flat), any(not d.get("implicit") for d in flat))

    def to_json(self) -> str:
        s = self.shape
        return orjson.dumps(
            {"k": self.keys, "t": s.twins, "g": s.groups, "a": s.ages, "r": s.from_record, "w": self.written}
        ).decode()

    @classmethod
    def from_json(cls, text: str) -> Outline:
        d = orjson.loads(text)
        return cls(d["k"], Shape(d["t"], d["g"], d["a"], d["r"]), d["w"])
