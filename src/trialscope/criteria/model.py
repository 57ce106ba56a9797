"""What the criteria engine produces: typed constraints, each tied to the span of text it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Polarity = Literal["include", "exclude"]
Comparator = Literal["<", "<=", ">", ">=", "="]
Kind = Literal["numeric", "concept", "administrative", "unparsed"]

NEGATED: dict[str, Comparator] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "="}
TIME_UNITS = ("hours", "days", "weeks", "months", "years")
DAYS_PER_UNIT = {"hours": 1 / 24, "days": 1.0, "weeks": 7.0, "months": 30.44, "years": 365.25}


@dataclass(frozen=True, slots=True)
class Window:
    """A time window counted back from an anchor event: 'within 2 weeks before apheresis'."""

    value: float
    unit: str  # hours | days | weeks | months | years; or half-lives (a washout no calendar can count)
    anchor: str | None = None  # apheresis | lymphodepletion | infusion | enrollment | screening | first dose

    @property
    def countable(self) -> bool:
        """Whether the window is a time a calendar can count ("5 half-lives" is not: it depends on the drug)."""
        return self.unit in DAYS_PER_UNIT

    @property
    def days(self) -> float:
        return self.value * DAYS_PER_UNIT[self.unit] if self.countable else float("nan")


@dataclass(slots=True)
class Constraint:
    id: str
    kind: Kind
    polarity: Polarity
    item: int | None  # index of the criterion item it came from (None: implicit, from the record)
    start: int | None
    end: int | None
    text: str
    # numeric
    quantity: str | None = None
    code: str | None = None
    comparator: Comparator | None = None
    value: float | None = None
    unit: str | None = None
    method: str | None = None  # morphology | flow cytometry (blast counts)
    # where a blast count is taken: "peripheral blood", "bone marrow or peripheral blood" (either count may meet
    # it); None: the bone marrow
    sample: str | None = None
    any_of_group: str | None = None  # alternatives: meeting one constraint of the group is enough
    twin_of: str | None = None  # an absolute threshold stated beside a xULN one ("<=1.5 x ULN (<=51 umol/L)")
    # concept
    category: str | None = None  # condition | disease_status | biomarker | prior_therapy | infection | pregnancy
    concept: str | None = None
    within: Window | None = None
    exceptions: list[str] = field(default_factory=list)
    # all kinds
    evaluable: bool = True  # False for administrative constraints (consent, investigator judgement)
    definitional: bool = False  # stated inside a definition (e.g. of refractory disease), not a requirement
    implicit: bool = False  # not written in the criteria (the trial's target antigen)
    source: str | None = None  # where an implicit constraint came from
    reason: str | None = None  # for unparsed text: why nothing was understood
    # how surely it was read (criteria/reading.py): the class of the words its clause left unplaced
    # (qualifier | condition | exception | unplaced | conflict) and those words (or, for a conflict, why the
    # reading is not trusted); None when the whole clause was placed
    unsure: str | None = None
    leftover: str | None = None
    current: bool = False  # about a present state ("active", "currently", "requiring"), not the history
    meaning_key: tuple[object, ...] | None = field(default=None, compare=False, repr=False)  # set by matching

    @classmethod
    def from_flat(cls, flat: dict[str, Any]) -> Constraint:
        """Rebuild a constraint from its flat form (as stored with each trial)."""
        span = flat.get("span") or [None, None]
        within = flat.get("within")
        kind = flat["kind"]
        return cls(
            id=flat["id"],
            kind=kind,
            polarity=flat["polarity"],
            item=None,
            start=span[0],
            end=span[1],
            text=flat.get("text") or "",
            quantity=flat.get("quantity"),
            code=flat.get("code"),
            comparator=flat.get("comparator"),
            value=flat.get("value"),
            unit=flat.get("unit"),
            method=flat.get("method"),
            sample=flat.get("sample"),
            any_of_group=flat.get("any_of_group"),
            twin_of=flat.get("twin_of"),
            category=flat.get("category"),
            concept=flat.get("concept"),
            within=Window(within["value"], within["unit"], within.get("anchor")) if within else None,
            exceptions=list(flat.get("exceptions") or []),
            evaluable=kind != "administrative",
            definitional=bool(flat.get("definitional")),
            implicit=bool(flat.get("implicit")),
            source=flat.get("source"),
            reason=flat.get("reason"),
            unsure=flat.get("unsure"),
            leftover=flat.get("leftover"),
            current=bool(flat.get("current")),
        )

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.start is None or self.end is None else (self.start, self.end)

    def as_flat(self) -> dict[str, Any]:
        """The flat constraint format of ../shared/gold/README.md."""
        flat: dict[str, Any] = {"polarity": self.polarity, "kind": self.kind}
        if self.kind == "numeric":
            flat |= {
                "quantity": self.quantity,
                "code": self.code,
                "comparator": self.comparator,
                "value": self.value,
                "unit": self.unit or "",
            }
            if self.method:
                flat["method"] = self.method
            if self.sample:
                flat["sample"] = self.sample
            if self.concept:
                flat["concept"] = self.concept  # what a count of prior therapy counts
            if self.any_of_group:
                flat["any_of_group"] = self.any_of_group
            if self.twin_of:
                flat["twin_of"] = self.twin_of
        elif self.kind == "concept":
            flat |= {"category": self.category, "concept": self.concept}
            if self.within:
                flat["within"] = {"value": self.within.value, "unit": self.within.unit}
                if self.within.anchor:
                    flat["within"]["anchor"] = self.within.anchor
            if self.exceptions:
                flat["exceptions"] = self.exceptions
            if self.any_of_group:
                flat["any_of_group"] = self.any_of_group
        elif self.kind == "administrative":
            flat |= {"concept": self.concept, "evaluable": False}
        else:
            flat["reason"] = self.reason
        if self.current:
            flat["current"] = True
        if self.unsure:
            flat |= {"unsure": self.unsure, "leftover": self.leftover}
        if self.definitional:
            flat["definitional"] = True
        if self.implicit:
            flat |= {"implicit": True, "source": self.source}
        flat |= {"id": self.id, "span": list(self.span) if self.span else None, "text": self.text}
        return flat


@dataclass(slots=True)
class ParsedCriteria:
    """Everything understood (and not understood) in one criteria text."""

    text: str
    items: list[Any]  # segment.Item
    constraints: list[Constraint]
    notes: list[str] = field(default_factory=list)  # disagreements with the record's structured fields

    def for_item(self, index: int) -> list[Constraint]:
        return [c for c in self.constraints if c.item == index]

    @property
    def unparsed_share(self) -> float:
        """Share of items (with text) where nothing at all was understood."""
        if not self.items:
            return 0.0
        unparsed = sum(1 for c in self.constraints if c.kind == "unparsed")
        return unparsed / len(self.items)
