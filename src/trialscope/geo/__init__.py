"""Places and distances: a place name or coordinates -> a point, offline; distance to trial sites."""

from trialscope.geo.places import (
    Place,
    PlaceNotFound,
    country_spellings,
    haversine_km,
    haversine_km_many,
    load_gazetteer,
    local_names,
    parse_distance_km,
    resolve_place,
)

__all__ = [
    "Place",
    "PlaceNotFound",
    "country_spellings",
    "haversine_km",
    "haversine_km_many",
    "load_gazetteer",
    "local_names",
    "parse_distance_km",
    "resolve_place",
]
