"""Places and distances: a place name or coordinates -> a point, offline; distance to trial sites."""

from trialscope.geo.places import (
    Place,
    PlaceNotFound,
    canonical_city,
    city_key,
    city_list,
    country_spellings,
    haversine_km,
    haversine_km_many,
    load_gazetteer,
    local_names,
    parse_distance_km,
    place_words,
    resolve_place,
    site_label,
)

__all__ = [
    "Place",
    "PlaceNotFound",
    "canonical_city",
    "city_key",
    "city_list",
    "country_spellings",
    "haversine_km",
    "haversine_km_many",
    "load_gazetteer",
    "local_names",
    "parse_distance_km",
    "place_words",
    "resolve_place",
    "site_label",
]
