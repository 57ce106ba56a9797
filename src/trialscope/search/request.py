"""What a search asks and what it answers: ``SearchQuery``, the one declaration of a search's parameters
(the search page and ``GET /api/search`` take it as their query, the command line's options are held to it
by a test), ``SearchResults`` and ``Hit``, and the error that says what to change.

A query is read and checked once, here, when it is made: what a person typed ("45", "300 mi", "2024-05")
becomes typed values, and every value that cannot be read is named at once. What the values mean (a status,
a phase, an antigen, a place) is looked up when the search is compiled (``compile.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from trialscope.geo import Place, parse_distance_km
from trialscope.model.age import Age
from trialscope.search.documents import card_freshness
from trialscope.translation import _

Sort = Literal["relevance", "updated", "start", "distance"]  # the same as settings.SEARCH_SORTS (a test says so)


class QueryError(ValueError):
    """A search the index cannot run as asked: the message says what to change (``problems``: one sentence
    per thing to change, when several were found at once)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)

    @classmethod
    def of(cls, error: ValidationError) -> QueryError:
        """Every value ``SearchQuery`` refused, each in a sentence (pydantic's own for a bound or a length)."""
        return cls(*(said(e) or f"{'.'.join(map(str, e['loc'])) or 'query'}: {e['msg']}" for e in error.errors()))


# What a search's value can be refused for, said when shown (so in the language of whoever reads it): the
# error's type -> its sentence, from the values the error carries.
_SAID: dict[str, Callable[..., str]] = {
    "search_age": lambda value: _("Age: %(age)s is not a number", age=value),
    "search_distance": lambda value: _("not a distance: %(text)s (write e.g. 500km, 500 or 300mi)", text=value),
    "search_near": lambda: _("a distance needs a place to measure from: give a city or country as well"),
    "search_date": lambda value: _("not a date: %(text)s (write 2024, 2024-05 or 2024-05-31)", text=value),
    "search_sex": lambda value: _("unknown sex %(sex)s: use female or male", sex=value),
    "search_sort": lambda value, sorts: _("unknown sort %(sort)s: use %(sorts)s", sort=value, sorts=sorts),
    "search_whole": lambda name, value: _("%(name)s: %(value)s is not a whole number", name=name, value=value),
}


def said(error: ErrorDetails | Mapping[str, Any]) -> str | None:
    """A refused search value in the reader's words (None: not one of the search's own refusals)."""
    say = _SAID.get(str(error.get("type", "")))
    return say(**(error.get("ctx") or {})) if say is not None else None


def _refused(kind: str, **values: str) -> PydanticCustomError:
    """A refusal of one of ``_SAID``'s kinds, with the values its sentence names."""
    return PydanticCustomError(kind, kind, values)


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise _refused("search_age", value=repr(value[:5])) from None
    return value


def _distance(value: Any) -> Any:
    """A distance as a person writes it ("500", "500 km", "300 mi") in km; a number is km already."""
    if isinstance(value, str):
        try:
            return parse_distance_km(value)
        except ValueError:
            raise _refused("search_distance", value=repr(value)) from None
    return value


def _day(value: Any) -> Any:
    """'2024' -> 2024-01-01, '2024-05' -> 2024-05-01, '2024-05-31'."""
    if isinstance(value, str):
        text = value if len(value) > 7 else f"{value}-01" if len(value) == 7 else f"{value}-01-01"
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise _refused("search_date", value=repr(value)) from None
    return value


def _sex(value: Any) -> Any:
    if isinstance(value, str) and value.lower() not in ("female", "male"):
        raise _refused("search_sex", value=repr(value.lower()))
    return value.lower() if isinstance(value, str) else value


def _sort(value: Any) -> Any:
    if isinstance(value, str) and value not in get_args(Sort):
        raise _refused("search_sort", value=repr(value), sorts=", ".join(get_args(Sort)))
    return value


def _whole(name: str) -> Callable[[Any], Any]:
    def whole(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                raise _refused("search_whole", name=name, value=repr(value)) from None
        return value

    return whole


Value = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Day = Annotated[dt.date, BeforeValidator(_day), WithJsonSchema({"type": "string", "examples": ["2024-05"]})]
Distance = Annotated[  # km; a person may write "500", "500km" or "300mi"
    float,
    BeforeValidator(_distance),
    Field(gt=0, le=20_000),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 20_000}, {"type": "string"}]}),
]


def _values(limit: int, description: str) -> Any:
    return Field(default=(), max_length=limit, description=description)


class SearchQuery(BaseModel):
    """Everything a search can ask: the one declaration of its parameters, by the names a person gives them
    on the search page, the JSON API and the command line (``q``, ``type``, ``within``). Lists within one
    filter are alternatives (OR); filters combine (AND). Made from what a person typed (``from_params``, or
    FastAPI with this as the query), every value is read and checked here, and every value that cannot be
    read is named at once; Python code gives the fields by their own names too (``text``, ``within_km``)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    text: str = Field("", alias="q", max_length=500, description='Words, "phrases", AND/OR/NOT, field:term.')
    condition: Value | None = Field(None, description="A disease (AML also finds its subtypes) or words.")
    target: tuple[Value, ...] = _values(10, "Target antigens: CD117, CLL1, CD123 ...")
    status: tuple[Value, ...] = _values(
        12, "open (recruiting, not yet recruiting or by invitation) or the registry's statuses: recruiting ..."
    )
    phase: tuple[Value, ...] = _values(6, "1, 2, 3, 4, early 1, NA.")
    country: tuple[Value, ...] = _values(10, "A site in this country.")
    age: Annotated[Age, BeforeValidator(_number)] | None = Field(
        None, description="Trials open to a person of this age in years (by completed years: 70.5 is within 18-70)."
    )
    age_group: tuple[Value, ...] = _values(3, "child, adult, older adult.")
    sex: Annotated[Literal["female", "male"], BeforeValidator(_sex)] | None = Field(
        None, description="Trials open to women (female) or men (male)."
    )
    near: Value | None = Field(None, description="A city ('Hangzhou', 'Boston, MA'), 'lat,lon', or a country.")
    within_km: Distance | None = Field(
        None,
        validation_alias=AliasChoices("within", "within_km"),
        serialization_alias="within",
        description="How far from `near` an open site may be: 500 (km), 500km, 300mi (`within_km` too).",
    )
    study_type: tuple[Value, ...] = Field(
        (), alias="type", max_length=6, description="interventional, observational, expanded access."
    )
    intervention_type: tuple[Value, ...] = _values(10, "biological, drug, device ...")
    healthy_volunteers: bool | None = Field(None, description="Trials that take healthy volunteers (or not).")
    state: tuple[Value, ...] = _values(10, "A site in this state or province.")
    city: tuple[Value, ...] = _values(10, "A site in this city.")
    start_from: Day | None = Field(None, description="Started on or after (2024, 2024-05, 2024-05-31).")
    start_to: Day | None = Field(None, description="Started on or before.")
    updated_from: Day | None = Field(None, description="Last updated on or after.")
    updated_to: Day | None = Field(None, description="Last updated on or before.")
    results: bool | None = Field(None, description="Trials with results posted (or without).")
    sponsor_class: tuple[Value, ...] = _values(10, "industry, nih, other, other_gov ...")
    sort: Annotated[Sort, BeforeValidator(_sort)] | None = Field(
        None, description="Default: relevance with words, distance near a city, else last update."
    )
    page: Annotated[int, BeforeValidator(_whole("page"))] = Field(1, ge=1, le=1000, description="1 to 1000.")
    per_page: Annotated[int, BeforeValidator(_whole("per_page"))] = Field(
        20, ge=1, le=100, description="Results per page, 1 to 100."
    )
    facets: bool = Field(True, description="Count the facets beside the hits (false: the hits alone, sooner).")

    @model_validator(mode="before")
    @classmethod
    def _as_typed(cls, data: Any) -> Any:
        """Values as a page, a form or a saved search sends them: a blank is not given, a list for a single
        value is its last, a single value for a list is a list of one."""
        if not isinstance(data, Mapping):
            return data
        kept: dict[str, Any] = {}
        for key, value in data.items():
            many = cls.takes_several(key)
            values = value if isinstance(value, list | tuple) else [value]
            values = [v.strip() if isinstance(v, str) else v for v in values if v is not None]
            values = [v for v in values if v != ""]
            if many is None:
                kept[key] = value
            elif values:
                kept[key] = tuple(values) if many else values[-1]
        return kept

    @classmethod
    def takes_several(cls, key: str) -> bool | None:
        """Whether the parameter ``key`` names (by name or alias) takes several values (None: no parameter)."""
        for name, info in cls.model_fields.items():
            names = {name, info.alias}
            if isinstance(info.validation_alias, AliasChoices):
                names.update(str(choice) for choice in info.validation_alias.choices)
            if key in names:
                return bool(info.default == ())
        return None

    @model_validator(mode="after")
    def _distance_needs_a_place(self) -> SearchQuery:
        if self.within_km is not None and self.near is None:
            raise _refused("search_near")
        return self

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SearchQuery:
        """A search from parameters as a person gives them (a page's query, a saved search, the command
        line's options); QueryError names every value that cannot be read."""
        try:
            return cls.model_validate(params)
        except ValidationError as exc:
            raise QueryError.of(exc) from None

    @classmethod
    def parameter_names(cls) -> dict[str, str]:
        """Each parameter by the name a person gives it (``q``, ``type``, ``within``) -> its field's name."""
        return {(info.serialization_alias or info.alias or name): name for name, info in cls.model_fields.items()}


FILTERS = tuple(  # the parameters that narrow a search (what a saved search keeps): not its order or page
    name for name in SearchQuery.parameter_names() if name not in ("sort", "page", "per_page", "facets")
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
