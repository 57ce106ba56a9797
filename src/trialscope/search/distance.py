"""Distance from a place to the trials' open sites (city-level registry coordinates): the nearest open
site of each trial, with its place in the reader's script. Search results, the trial page and the matcher's
ranking all ask this."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from trialscope.geo import Place, country_spellings, haversine_km, haversine_km_many, site_label

if TYPE_CHECKING:
    from trialscope.search.index import SearchIndex
    from trialscope.store.trial_store import SiteRow, TrialStore


def nearest_sites(store: TrialStore, nct_ids: Sequence[str], place: Place) -> dict[str, tuple[float | None, str]]:
    """For each trial with a site open (or of unstated status) near the place: (distance km, site, its place
    in the reader's script). For a country, every such trial with a site in it (distance None)."""
    best: dict[str, tuple[float | None, SiteRow]] = {}
    spellings = (
        {s.casefold() for s in country_spellings(place.country or place.name)} if place.kind == "country" else set()
    )
    for site in (site for sites in store.open_sites_of(nct_ids).values() for site in sites):
        if place.kind == "country":
            if site.country and site.country.casefold() in spellings:
                best.setdefault(site.nct_id, (None, site))
            continue
        if site.lat is None or site.lon is None or place.lat is None or place.lon is None:
            continue
        distance = haversine_km(place.lat, place.lon, site.lat, site.lon)
        kept = best.get(site.nct_id)
        if kept is None or (kept[0] is not None and distance < kept[0]):
            best[site.nct_id] = (distance, site)
    found: dict[str, tuple[float | None, str]] = {}
    for nct_id, (km, site) in best.items():
        found[nct_id] = (km, site_label(site.facility, site.city, site.country))
    return found


DISTANCE_BUCKETS_KM = (50, 100, 250, 500, 1000, 2000)


def nearby_terms(index: SearchIndex, place: Place, km: float) -> list[str]:
    """Open-site coordinates (index terms) within ``km`` of the place, nearest first."""
    import numpy as np

    terms, lats, lons = index.geo_terms()
    if not terms or place.lat is None or place.lon is None:
        return []
    distances = haversine_km_many(place.lat, place.lon, lats, lons)
    inside = np.nonzero(distances <= km)[0]
    return [terms[i] for i in inside[np.argsort(distances[inside], kind="stable")]]
