"""The demo catalogue's city list, as the trials-by-location pages list it (``city_list``): every city once
by one name, whatever spellings the registries use (one Hangzhou, one Xi'an), and no country, province or
misspelt village in a city's place. The normalisation is the gazetteer's and the reviewed spellings of
data/geo/places-zh.json; this test holds it to every city of every country of the catalogue."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from functools import cache
from importlib import resources

import pytest

from trialscope.geo import canonical_city, city_key, city_list
from trialscope.geo.places import _gazetteer, _key, province_names


@cache
def _entries() -> dict[str, list[tuple[str, str]]]:
    """(city as written, NCT ID) of every site of the demo catalogue, by country."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    source = resources.files("trialscope").joinpath("data/demo-catalogue.jsonl.gz")
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            protocol = record.get("protocolSection", {})
            nct_id = protocol.get("identificationModule", {}).get("nctId", "")
            for site in protocol.get("contactsLocationsModule", {}).get("locations", []) or []:
                if site.get("city") and site.get("country"):
                    found[site["country"]].append((site["city"], nct_id))
    return dict(found)


def _a_country_not_a_city(name: str, country: str) -> bool:
    """A country's name where the gazetteer has no such city, in that country or as a city-state (Singapore;
    Hong Kong, China)."""
    gazetteer = _gazetteer()
    named = gazetteer.country(_key(name))
    if named is None:
        return False
    home = gazetteer.country(_key(country))
    places = {named["iso"], *([home["iso"]] if home else [])}
    return not any(c["countrycode"] in places for c in gazetteer.cities(_key(name)))


def _countries() -> list[str]:
    return sorted(_entries())


@pytest.mark.parametrize("country", _countries())
def test_every_city_of_the_catalogue_is_listed_once_by_one_name(country: str) -> None:
    listed = city_list(_entries()[country], country)
    keys = [city_key(name) for name in listed]
    assert len(keys) == len(set(keys)), sorted(listed)  # no two names of one city ("Xi'an" and "Xi’an")
    for name in listed:
        assert not _a_country_not_a_city(name, country), f"{name}, {country}: a country as a city"
    every_spelling = {written for written, _ in _entries()[country]}
    shown = set().union(*(spellings for spellings, _ in listed.values())) if listed else set()
    assert shown <= every_spelling


def test_chinas_cities_are_gazetteer_cities_in_china() -> None:
    """No misspelling ('Hanzhou'), village ('Beijingcun'), province ('Guangdong') or country ('China') in a
    city's place: each city listed for China is one the gazetteer knows there."""
    listed = city_list(_entries()["China"], "China")
    gazetteer = _gazetteer()
    for name in listed:
        city_state = gazetteer.country(_key(name))  # Hong Kong: a city, and a territory of its own in the gazetteer
        here = ("CN", city_state["iso"] if city_state else "CN")
        assert any(c["countrycode"] in here for c in gazetteer.cities(_key(name))), name
        assert _key(name) not in province_names() or name in {"Beijing", "Shanghai", "Tianjin", "Chongqing"}
    assert not {"Hanzhou", "Beijingcun", "China", "Guangdong", "Xi’an", "Xian"} & set(listed)
    assert {"Hangzhou", "Hanzhou"} <= listed["Hangzhou"][0]  # the registry's spellings of one city
    assert {"Xi'an", "Xi’an", "Xian"} <= listed["Xi'an"][0]
    assert "Beijingcun" in listed["Sanhe"][0]


def test_names_alike_but_for_punctuation_are_one_city() -> None:
    listed = city_list(
        [("Chuo Ku", "NCT1"), ("Chuo-ku", "NCT2"), ("Chuo-ku", "NCT3"), ("Ostrava - Poruba", "NCT4")], "Japan"
    )
    assert listed["Chuo-ku"] == ({"Chuo Ku", "Chuo-ku"}, {"NCT1", "NCT2", "NCT3"})  # the spelling of most trials
    assert canonical_city("Ostrava - Poruba", "Japan") in listed
