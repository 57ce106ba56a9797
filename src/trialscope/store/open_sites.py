"""Open trials by place, for the browse-by-location pages: countries, then a country's cities, each with
the number of open trials that have an open site there (a site whose status is not stated counts as open,
as everywhere else), then the trials of one city."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select

from trialscope.model.statuses import OPEN_STATUSES, SITE_OPEN
from trialscope.store.schema import trial_locations, trials
from trialscope.store.trial_store import TrialStore


@dataclass(frozen=True, slots=True)
class OpenTrialHere:
    nct_id: str
    title: str | None
    status: str | None
    facilities: list[str]


def _open_here() -> ColumnElement[bool]:
    return and_(
        trials.c.nct_id == trial_locations.c.nct_id,
        trials.c.overall_status.in_(sorted(OPEN_STATUSES)),
        or_(trial_locations.c.status.is_(None), trial_locations.c.status.in_(sorted(SITE_OPEN))),
    )


def open_trials_by_place(store: TrialStore, country: str | None = None) -> list[tuple[str, int]]:
    """(country, open trials) for every country; with ``country``: (city, open trials) for its cities.
    Most trials first, then by name."""
    place = trial_locations.c.city if country else trial_locations.c.country
    counted = func.count(func.distinct(trials.c.nct_id))
    query = select(place, counted).select_from(trial_locations.join(trials, _open_here())).where(place.is_not(None))
    if country:
        query = query.where(func.lower(trial_locations.c.country) == country.lower())
    query = query.group_by(place).order_by(counted.desc(), place)
    with store.engine.connect() as conn:
        return [(name, count) for name, count in conn.execute(query).all() if name]


def open_trial_cities(store: TrialStore, country: str) -> list[tuple[str, str]]:
    """(city as the registry writes it, NCT ID) for every open trial with an open site in a country: the
    pages count trials per city after making each city one name (one registry writes "Xi'an", another
    "Xi’an")."""
    query = (
        select(trial_locations.c.city, trials.c.nct_id)
        .select_from(trial_locations.join(trials, _open_here()))
        .where(func.lower(trial_locations.c.country) == country.lower(), trial_locations.c.city.is_not(None))
        .distinct()
    )
    with store.engine.connect() as conn:
        return [(city, nct_id) for city, nct_id in conn.execute(query).all() if city]


def open_trials_in(store: TrialStore, country: str, city: str | Sequence[str]) -> list[OpenTrialHere]:
    """The open trials with an open site in a city (any of its spellings), newest update first."""
    spellings = sorted({c.lower() for c in ([city] if isinstance(city, str) else city)})
    query = (
        select(trials.c.nct_id, trials.c.brief_title, trials.c.overall_status, trial_locations.c.facility)
        .select_from(trial_locations.join(trials, _open_here()))
        .where(
            func.lower(trial_locations.c.country) == country.lower(), func.lower(trial_locations.c.city).in_(spellings)
        )
        .order_by(trials.c.last_update.desc(), trials.c.nct_id, trial_locations.c.position)
    )
    found: dict[str, OpenTrialHere] = {}
    with store.engine.connect() as conn:
        for nct_id, title, status, facility in conn.execute(query).all():
            entry = found.setdefault(nct_id, OpenTrialHere(nct_id, title, status, []))
            if facility and facility not in entry.facilities:
                entry.facilities.append(facility)
    return list(found.values())
