"""Age, in one place: the ages a person can have, an age limit as the registry writes it ("18 Years",
"6 Months"), and the one rule by which a person's age meets a limit.

**The rule.** A limit counts completed units of its own unit. "18-70 Years" takes a person from their 18th
birthday until the day before their 71st: aged 70 years and 11 months, they are 70. "6 Months" takes a baby
from the day they have lived 6 whole months. The evaluator compares a person's completed units with each
limit (``completed``); the store's filter and the search index hold each trial's limits as the span of ages,
in years, that the rule admits (``AgeRange``: from its start, up to but not including its end), so a filter
is two comparisons with a person's age in years and says what the evaluator says.

**The bounds.** An age is 0 to 130 years (``Age``, ``MAX_YEARS``), however it is given: a number, a date of
birth, an answer to "How old are you?", a search filter.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated

from pydantic import Field

MAX_YEARS = 130  # the oldest age anyone is taken to have
Age = Annotated[float, Field(ge=0, le=MAX_YEARS)]  # an age in years, as a person or a filter gives it

DAYS_PER_YEAR = 365.25
# the registry's age units (and the criteria's: "years", "months" ...), by how many of them make a year
UNITS_PER_YEAR = {
    "year": 1.0,
    "month": 12.0,
    "week": DAYS_PER_YEAR / 7,
    "day": DAYS_PER_YEAR,
    "hour": DAYS_PER_YEAR * 24,
    "minute": DAYS_PER_YEAR * 24 * 60,
}
_SLACK = 1e-9  # what binary fractions leave over (0.5 years is 6 months, not 5.999999 of them)


def age_on(birth_date: dt.date, day: dt.date) -> float:
    """A person's age in years on ``day``."""
    return (day - birth_date).days / DAYS_PER_YEAR


def possible(age_years: float) -> bool:
    """Whether anyone can be this old (0 to ``MAX_YEARS``)."""
    return 0 <= age_years <= MAX_YEARS


def unit_of(word: str) -> str | None:
    """The unit a word names ("Years", "months", "Day"), as a key of ``UNITS_PER_YEAR``; None for another."""
    word = word.strip().lower()
    return next((unit for unit in UNITS_PER_YEAR if word.startswith(unit)), None)


def completed(age_years: float, unit: str) -> int:
    """The whole ``unit``s (years, months, weeks ...) a person aged ``age_years`` has lived: 70.9 years are
    70 completed years; 0.7 years, 8 completed months. ValueError for a unit that is no time."""
    key = unit_of(unit)
    if key is None:
        raise ValueError(f"{unit!r} is not a unit of age")
    return math.floor(age_years * UNITS_PER_YEAR[key] + _SLACK)


def age_parts(value: str | None) -> tuple[str, float, str | None] | None:
    """An age limit as the registry writes it, read: '18 Years' -> ('18', 18.0, 'year'); the unit is None
    when it is none of ``UNITS_PER_YEAR``; None when absent or without a number first."""
    if not value:
        return None
    number, _, unit = value.strip().partition(" ")
    try:
        amount = float(number)
    except ValueError:
        return None
    return number, amount, unit_of(unit) if unit else None


@dataclass(frozen=True, slots=True)
class AgeLimit:
    """An age limit: an amount of a unit ("6 Months": 6.0, "month"). A limit written without a unit it
    names is in years."""

    amount: float
    unit: str  # a key of UNITS_PER_YEAR

    @classmethod
    def read(cls, written: str | None) -> AgeLimit | None:
        """The limit a record writes ("18 Years"); None when absent or without a number first."""
        parts = age_parts(written)
        if parts is None:
            return None
        _number, amount, unit = parts
        return cls(amount, unit or "year")

    @property
    def years(self) -> float:
        """The limit in years, to four places ("6 Months" -> 0.5): for words, never for the rule."""
        return round(self.amount / UNITS_PER_YEAR[self.unit], 4)

    def starts(self) -> float:
        """As a minimum: the age in years from which a person has completed it."""
        return (math.ceil(self.amount - _SLACK) - _SLACK) / UNITS_PER_YEAR[self.unit]

    def ends(self) -> float:
        """As a maximum: the age in years from which a person has completed more than it."""
        return (math.floor(self.amount + _SLACK) + 1 - _SLACK) / UNITS_PER_YEAR[self.unit]

    def admits_as_minimum(self, age_years: float) -> bool:
        return completed(age_years, self.unit) >= self.amount - _SLACK

    def admits_as_maximum(self, age_years: float) -> bool:
        return completed(age_years, self.unit) <= self.amount + _SLACK


def age_in_years(value: str | None) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5 (to four places: for words); None when absent or unreadable."""
    limit = AgeLimit.read(value)
    return limit.years if limit is not None else None


@dataclass(frozen=True, slots=True)
class AgeRange:
    """The ages, in years, that a trial's minimum and maximum age admit by the rule: from ``start`` up to
    but not including ``end`` (None: no limit that way). What the store's filter and the search index
    compare a person's age with."""

    start: float | None
    end: float | None

    @classmethod
    def of(cls, minimum: str | None, maximum: str | None) -> AgeRange:
        """The range of a record's limits as written ("18 Years", "70 Years")."""
        low, high = AgeLimit.read(minimum), AgeLimit.read(maximum)
        return cls(low.starts() if low else None, high.ends() if high else None)

    def admits(self, age_years: float) -> bool:
        return (self.start is None or self.start <= age_years) and (self.end is None or age_years < self.end)
