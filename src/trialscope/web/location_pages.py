"""Trials by location: countries → cities → the open trials of a city, with counts (open trials with an
open site there). Countries are named as the registry names them; a city is one name however registries
spell it (``canonical_city``: "Xi'an" and "Xi’an" are one city, "Hanzhou" is Hangzhou, a country or a
province in the city's place is no city). On Chinese pages a name the gazetteer knows is shown in Chinese."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from trialscope.geo import canonical_city, city_key, city_list, local_names
from trialscope.store.open_sites import open_trial_cities, open_trials_by_place, open_trials_in
from trialscope.store.trial_store import TrialStore
from trialscope.translation import _
from trialscope.web.site import site_of

router = APIRouter(include_in_schema=False)
PLACE = Annotated[str, PathParam(max_length=120)]


def _shown(places: list[tuple[str, int]], country: str | None) -> list[tuple[str, str, int]]:
    """(registry name, name in the reader's script, open trials) for each place."""
    if country is None:
        return [(name, local_names(None, name)[1] or name, count) for name, count in places]
    return [(name, local_names(name, country)[0] or name, count) for name, count in places]


@router.get("/locations")
def countries(request: Request) -> Response:
    site = site_of(request)
    return site.render(
        request,
        "locations.html",
        {"country": None, "city": None, "places": _shown(open_trials_by_place(site.store), None)},
    )


def _cities(store: TrialStore, country: str) -> dict[str, tuple[set[str], set[str]]]:
    """Each city of a country as one name -> (the registry's spellings of it, its open trials)."""
    return city_list(open_trial_cities(store, country), country)


@router.get("/locations/{country}")
def cities(request: Request, country: PLACE) -> Response:
    site = site_of(request)
    counted = _cities(site.store, country)
    places = sorted(
        ((city, len(trials)) for city, (_spellings, trials) in counted.items()), key=lambda p: (-p[1], p[0])
    )
    if not places:
        raise HTTPException(404, _("No open trial has a site in %(place)s.", place=country))
    return site.render(request, "locations.html", {"country": country, "city": None, "places": _shown(places, country)})


@router.get("/locations/{country}/{city}")
def trials_in_city(request: Request, country: PLACE, city: PLACE) -> Response:
    site = site_of(request)
    wanted = city_key(canonical_city(city, country) or city)
    spellings = next((s for name, (s, _t) in _cities(site.store, country).items() if city_key(name) == wanted), set())
    found = open_trials_in(site.store, country, sorted(spellings)) if spellings else []
    if not found:
        raise HTTPException(404, _("No open trial has a site in %(place)s.", place=f"{city}, {country}"))
    return site.render(request, "locations.html", {"country": country, "city": city, "trials": found, "places": []})
