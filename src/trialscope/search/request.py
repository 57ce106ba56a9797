"""What a search asks and what it answers: ``SearchQuery`` (with ``from_params``, the one way the pages, the
API and the command line build one from what a person typed), ``SearchResults`` and ``Hit``, and the error
that says what to change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from trialscope.geo import Place, parse_distance_km
from trialscope.search.documents import (
    card_freshness,
)
from trialscope.translation import _

Sort = Literal["relevance", "updated", "start", "distance"]


class QueryError(ValueError):
    """A search the index cannot run as asked: the message says what to change (``problems``: one sentence
    per thing to change, when several were found at once)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


Params = Mapping[str, Any]  # a parameter's value: text, a number, a list of them, or None


def _many(params: Params, name: str) -> list[str]:
    value = params.get(name)
    if value is None or value == "":
        return []
    values = [value] if isinstance(value, str | int | float) else list(value)
    return [str(v).strip() for v in values if str(v).strip()]


def _one(params: Params, name: str) -> str | None:
    values = _many(params, name)
    return values[-1] if values else None


def _flag(params: Params, name: str) -> bool | None:
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _day(text: str) -> dt.date:
    """'2024' -> 2024-01-01, '2024-05' -> 2024-05-01, '2024-05-31' (ValueError for anything else)."""
    return dt.date.fromisoformat(text if len(text) > 7 else f"{text}-01" if len(text) == 7 else f"{text}-01-01")


@dataclass(slots=True)
class SearchQuery:
    """Everything a search can ask. Lists within one filter are alternatives (OR); filters combine (AND)."""

    text: str = ""
    status: Sequence[str] = ()  # "open" = recruiting or not yet recruiting; or API values (RECRUITING, ...)
    phase: Sequence[str] = ()  # "1", "phase 2", "PHASE2", "early 1", "NA"
    study_type: Sequence[str] = ()
    condition: str | None = None  # a disease the vocabulary knows (with its subtypes), else words in conditions
    intervention_type: Sequence[str] = ()
    target: Sequence[str] = ()  # target antigens: CD117, CLL1 (CLL-1, CLEC12A), CD123 ...
    age: float | None = None  # trials open to a person of this age (years)
    age_group: Sequence[str] = ()  # the registry's age groups: child, adult, older adult (CHILD, OLDER_ADULT)
    sex: str | None = None  # FEMALE | MALE: trials open to them
    healthy_volunteers: bool | None = None
    country: Sequence[str] = ()
    state: Sequence[str] = ()
    city: Sequence[str] = ()
    near: str | Place | None = None  # a place name or "lat,lon"
    within_km: float | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    results: bool | None = None
    sponsor_class: Sequence[str] = ()
    sort: Sort | None = None  # default: relevance with text, else distance with a place, else last update
    page: int = 1
    per_page: int = 20
    facets: bool = True

    @classmethod
    def from_params(cls, params: Params) -> SearchQuery:
        """A search from parameters as a person gives them to a search page, the JSON API or the command line
        (the page's names: q, status, phase, type, condition, intervention_type, target, age, age_group, sex,
        healthy_volunteers, country, state, city, near, within ("500", "500 km", "300 mi"), start_from,
        start_to, updated_from, updated_to ("2024", "2024-05", "2024-05-31"), results, sponsor_class, sort,
        page, per_page). What cannot be read is named, every such value at once, in one QueryError; the
        values themselves (a status, a phase, a place) are checked when the search is compiled."""
        problems: list[str] = []
        age = None
        if (text := _one(params, "age")) is not None:
            try:
                age = float(text)
            except ValueError:
                problems.append(_("Age: %(age)s is not a number", age=repr(text[:5])))
        within = None
        if (text := _one(params, "within")) is not None:
            try:
                within = parse_distance_km(text)
            except ValueError as exc:
                problems.append(str(exc))
        near = _one(params, "near")
        if within is not None and near is None:
            problems.append(_("a distance needs a place to measure from: give a city or country as well"))
        days: dict[str, dt.date | None] = {}
        for name in ("start_from", "start_to", "updated_from", "updated_to"):
            text = _one(params, name)
            try:
                days[name] = _day(text) if text is not None else None
            except ValueError:
                problems.append(_("not a date: %(text)s (write 2024, 2024-05 or 2024-05-31)", text=repr(text)))
        sex = (_one(params, "sex") or "").lower() or None
        if sex is not None and sex not in ("female", "male"):
            problems.append(_("unknown sex %(sex)s: use female or male", sex=repr(sex)))
        numbers = {}
        for name, default in (("page", 1), ("per_page", 20)):
            text = _one(params, name)
            try:
                numbers[name] = int(text) if text is not None else default
            except ValueError:
                problems.append(_("%(name)s: %(value)s is not a whole number", name=name, value=repr(text)))
        if problems:
            raise QueryError(*problems)
        return cls(
            text=_one(params, "q") or "",
            status=_many(params, "status"),
            phase=_many(params, "phase"),
            study_type=_many(params, "type"),
            condition=_one(params, "condition"),
            intervention_type=_many(params, "intervention_type"),
            target=_many(params, "target"),
            age=age,
            age_group=_many(params, "age_group"),
            sex=sex,
            healthy_volunteers=_flag(params, "healthy_volunteers"),
            country=_many(params, "country"),
            state=_many(params, "state"),
            city=_many(params, "city"),
            near=near,
            within_km=within,
            start_from=days["start_from"],
            start_to=days["start_to"],
            updated_from=days["updated_from"],
            updated_to=days["updated_to"],
            results=_flag(params, "results"),
            sponsor_class=_many(params, "sponsor_class"),
            sort=_one(params, "sort"),  # type: ignore[arg-type]  # checked by run_search
            page=numbers["page"],
            per_page=numbers["per_page"],
        )


@dataclass(slots=True)
class Hit:
    card: dict[str, Any]
    score: float | None
    distance_km: float | None = None
    nearest_site: str | None = None

    @property
    def nct_id(self) -> str:
        return str(self.card["nct_id"])

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.card,
            "score": None if self.score is None else round(self.score, 4),
            "distance_km": None if self.distance_km is None else round(self.distance_km),
            "nearest_open_site": self.nearest_site,
            "may_be_out_of_date": card_freshness(self.card).reasons,
        }


@dataclass(slots=True)
class SearchResults:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    place: Place | None = None
    searched: str = ""  # the text query as run (after synonym expansion)
    notes: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # words of the query no trial has (named in a note)
    left_out: list[str] = field(default_factory=list)  # Chinese words not searched (every trial has them)
    word_notes: list[str] = field(default_factory=list)  # those of ``notes`` about the query's words

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.query.page,
            "per_page": self.query.per_page,
            "pages": self.pages,
            "sort": self.query.sort,
            "place": None if self.place is None else self.place.describe(),
            "searched": self.searched,
            "notes": self.notes,
            "unmatched": self.unmatched,
            "left_out": self.left_out,
            "facets": {name: [{"value": v, "count": c} for v, c in values] for name, values in self.facets.items()},
            "hits": [h.as_dict() for h in self.hits],
        }
