"""Propose the Chinese-name table's cities (data/geo/places-zh.json, "cities"): every city in China where a
catalogue site is, its name in simplified Chinese from the gazetteer's alternate names (the name that the
gazetteer also has with 市, "city", after it: 成都 beside 成都市, not the nickname 天府; else the shortest), and
the registry's spellings the gazetteer does not know, with the closest gazetteer cities, for review.

    .venv/bin/python scripts/build_places_zh.py > /tmp/places-zh-cities.json

Its output is reviewed by hand before it goes into the data file (the file says when it was reviewed)."""

from __future__ import annotations

import gzip
import json
import sys
from importlib import resources

from rapidfuzz import fuzz, process

from trialscope.geo.places import _gazetteer, _key, canonical_city, gazetteer_chinese_name


def main() -> None:
    cities, _countries, _states = _gazetteer()
    catalogue = resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz")
    seen: dict[str, int] = {}
    with gzip.open(str(catalogue), "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            module = record.get("protocolSection", {}).get("contactsLocationsModule", {})
            for location in module.get("locations", []):
                if location.get("country") == "China" and location.get("city"):
                    seen[location["city"]] = seen.get(location["city"], 0) + 1
    chinese_cities = {c["name"]: c for found in cities.values() for c in found if c["countrycode"] == "CN"}
    names: dict[str, str | None] = {}
    unknown: dict[str, list[str]] = {}
    for written, _count in sorted(seen.items(), key=lambda item: -item[1]):
        city = canonical_city(written, "China")
        if city is None:
            continue
        found = [c for c in cities.get(_key(city), []) if c["countrycode"] == "CN"]
        if found:
            names[city] = gazetteer_chinese_name(max(found, key=lambda c: c["population"]))
        else:
            close = process.extract(written, list(chinese_cities), scorer=fuzz.ratio, limit=3)
            unknown[written] = [f"{name} ({score:.0f})" for name, score, _ in close]
    proposal = {"cities": dict(sorted(names.items())), "not_in_gazetteer": unknown}
    json.dump(proposal, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
