"""The search page's facets as links: every value with its count is a link that narrows the search, and a
chosen value is a link that takes it away again; labels read as on the trial pages ("Phase 1", "Open to
women"), in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from trialscope.geo import local_names
from trialscope.translation import N_, _, facet_label, term
from trialscope.web.site import query_with

Params = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class FacetLink:
    label: str
    count: int
    href: str  # the search with this value added (or, when chosen, taken away)
    chosen: bool


@dataclass(frozen=True, slots=True)
class FacetView:
    name: str
    heading: str
    links: list[FacetLink]


@dataclass(frozen=True, slots=True)
class _Facet:
    heading: str
    parameter: str  # the page's query parameter the facet sets
    repeats: bool  # several values are alternatives (phase=1&phase=2); else one value replaces another
    label: Callable[[str], str]


def _sentence_case(words: str) -> str:
    return words[:1].upper() + words[1:]


def _sex_label(value: str) -> str:
    return _("Open to women") if value == "female" else _("Open to men")


FACETS: dict[str, _Facet] = {  # in the order shown
    "status": _Facet(N_("Status"), "status", True, lambda v: _(facet_label("status", v))),
    "phase": _Facet(N_("Phase"), "phase", True, lambda v: _(facet_label("phase", v))),
    "disease": _Facet(N_("Condition"), "condition", False, lambda v: _sentence_case(term(v))),
    "target": _Facet(N_("Target antigen"), "target", True, str),
    "sex": _Facet(N_("Sex"), "sex", False, _sex_label),
    "age_group": _Facet(N_("Age group"), "age_group", True, lambda v: _(facet_label("age_group", v))),
    "country": _Facet(N_("Country"), "country", True, lambda v: local_names(None, v)[1] or v),
    "distance": _Facet(N_("Distance"), "within", False, lambda v: _("within %(km)s km", km=v)),
}


def _counts(name: str, values: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The facet's values as the page's parameter takes them. Sex is counted per trial as ALL, FEMALE or
    MALE; a person asks which trials are open to them, so "open to women" counts ALL and FEMALE."""
    if name != "sex":
        return list(values)
    by_value = dict(values)
    return [
        (sex, by_value.get("ALL", 0) + by_value.get(sex.upper(), 0))
        for sex in ("female", "male")
        if by_value.get("ALL", 0) + by_value.get(sex.upper(), 0)
    ]


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def _removing(params: Params, name: str, value: str, *, repeats: bool) -> str:
    """The search with a chosen value of ``name`` taken away, from page 1."""
    if repeats:
        return "/search?" + query_with(params, remove=(name, value), changes={"page": None})
    return "/search?" + query_with(params, changes={"page": None, name: None})


def _adding(params: Params, name: str, *, repeats: bool) -> Callable[[str], str]:
    """The search with a value of ``name`` added (repeatable) or put in place of the one chosen, from page 1,
    for many values: the rest of the search is encoded once per facet, each link adds its value."""
    rest = query_with(params, changes={"page": None} if repeats else {"page": None, name: None})
    prefix = f"/search?{rest}&" if rest else "/search?"
    return lambda value: prefix + urlencode([(name, value)])


def facet_views(facets: Mapping[str, Sequence[tuple[str, int]]], params: Params, *, near: bool) -> list[FacetView]:
    """The facets a search page shows, each value a link (distance only with a place to measure from)."""
    views = []
    for name, facet in FACETS.items():
        counts = _counts(name, facets.get(name, ()))
        if not counts or (name == "distance" and not near):
            continue
        chosen_values = [v for k, v in params if k == facet.parameter]
        adding = _adding(params, facet.parameter, repeats=facet.repeats)
        links = []
        for value, count in counts:
            chosen = any(_same(value, c) for c in chosen_values)
            href = _removing(params, facet.parameter, value, repeats=facet.repeats) if chosen else adding(value)
            links.append(FacetLink(facet.label(value), count, href, chosen))
        views.append(FacetView(name, _(facet.heading), links))
    return views
