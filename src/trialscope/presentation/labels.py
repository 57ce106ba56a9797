"""Readable words for API enumeration values, read from ``data/labels.json``; and the marker for interface
words that are translated where they are shown (the web app's languages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources

from trialscope.model.age import age_parts
from trialscope.translation import _


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; the page translates it when shown."""
    return message


@cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("trialscope").joinpath("data/labels.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    return data


def known_values(vocabulary: str) -> list[str]:
    """The enumeration values the data file labels for a vocabulary ("status": RECRUITING, COMPLETED ...)."""
    return list(_labels().get(vocabulary, {}))


def humanise(value: str | None, vocabulary: str = "generic") -> str:
    """'NOT_YET_RECRUITING' -> 'Not yet recruiting' (from the data file, else by re-spelling)."""
    if not value:
        return N_("not stated")
    labels = _labels()
    for table in (vocabulary, "generic"):
        if value in labels.get(table, {}):
            return labels[table][value]
    words = value.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


NAMED_FACETS = frozenset({"disease", "target", "country", "state", "city"})  # their values are names


def facet_label(facet: str, value: str) -> str:
    """A search facet's value as the pages write it: an API code in words ("Phase 1", "Older adult",
    "Recruiting"), a name (a disease, a target, a country) as it is."""
    if facet in NAMED_FACETS:
        return value
    if facet == "distance":
        return f"≤ {value} km"
    return humanise(value, facet if facet in _labels() else "generic")


# the registry's age units (model/age.py ``UNITS_PER_YEAR``), one message per unit and number
_AGE_UNITS = {
    "year": (N_("%(n)s Year"), N_("%(n)s Years")),
    "month": (N_("%(n)s Month"), N_("%(n)s Months")),
    "week": (N_("%(n)s Week"), N_("%(n)s Weeks")),
    "day": (N_("%(n)s Day"), N_("%(n)s Days")),
    "hour": (N_("%(n)s Hour"), N_("%(n)s Hours")),
    "minute": (N_("%(n)s Minute"), N_("%(n)s Minutes")),
}


def age_words(value: str) -> str:
    """A record's age limit as the registry writes it ("18 Years", "6 Months") in the reader's words
    ("18 岁", "6 个月"), read as ``age_in_years`` reads it; a value that is not a number and a unit is
    returned as it is."""
    parts = age_parts(value)
    if parts is None:
        return value
    number, amount, unit = parts
    if unit is None:
        return value
    one, many = _AGE_UNITS[unit]
    return _(one if amount == 1 else many, n=number)


def status_label(value: str | None) -> str:
    return humanise(value, "status")


def _as_is(words: str) -> str:
    return words


def phases_label(phases: list[str], translate: Callable[[str], str] = _as_is) -> str:
    """'Phase 1 / Phase 2'; ``translate``: each phase's words in the reader's language (a page's gettext)."""
    if not phases:
        return translate(N_("not stated"))
    return " / ".join(translate(humanise(p, "phase")) for p in phases)
