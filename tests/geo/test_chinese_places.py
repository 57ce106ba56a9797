"""Places in Chinese (provinces, cities by their Chinese names) and registry city names made one name
through the gazetteer and the reviewed table (data/geo/places-zh.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trialscope.geo import canonical_city, haversine_km, local_names, resolve_place
from trialscope.geo.places import _in_china, gazetteer_chinese_name
from trialscope.geo.regions import ChinesePlaces, PlacesTableError, chinese_places
from trialscope.translation import reading_in, translations

TABLE = Path(__file__).parents[2] / "src/trialscope/data/geo/places-zh.json"


@pytest.mark.parametrize(
    ("text", "name"), [("杭州", "Hangzhou"), ("武汉", "Wuhan"), ("北京", "Beijing"), ("杭州市", "Hangzhou")]
)
def test_chinese_city_names_are_the_same_place_as_the_english(text: str, name: str) -> None:
    chinese, english = resolve_place(text), resolve_place(name)
    assert chinese.kind == "city" and (chinese.lat, chinese.lon) == (english.lat, english.lon)


@pytest.mark.parametrize("text", ["浙江省", "浙江", "Zhejiang", "Zhejiang Province", "Zhejiang, China"])
def test_a_province_is_a_place_measured_from_its_capital(text: str) -> None:
    place = resolve_place(text)
    hangzhou = resolve_place("Hangzhou")
    assert place.kind == "province" and place.name == "Zhejiang, China" and place.measured_from == "Hangzhou"
    assert place.lat is not None and place.lon is not None and hangzhou.lat is not None and hangzhou.lon is not None
    assert haversine_km(place.lat, place.lon, hangzhou.lat, hangzhou.lon) < 1


def test_every_province_capital_and_table_city_is_a_gazetteer_city_in_china() -> None:
    places = chinese_places()
    assert len(places.provinces) >= 31
    for province in places.provinces:
        assert _in_china(province.capital), province.name
        assert resolve_place(province.chinese[-1]).kind in ("province", "city"), province.name
    for english in places.cities:
        assert _in_china(english), english
    for right in places.spellings["China"].values():
        assert _in_china(right), right


@pytest.mark.parametrize(
    ("english", "chinese"), [("Shanghai", "上海"), ("Chengdu", "成都"), ("Urumqi", "乌鲁木齐"), ("Hohhot", "呼和浩特")]
)
def test_a_city_is_named_in_chinese_by_its_name_not_a_nickname_or_old_name(english: str, chinese: str) -> None:
    city = max(_in_china(english), key=lambda c: c["population"])
    assert gazetteer_chinese_name(city) == chinese  # the gazetteer's shortest are 沪, 天府, 迪化, 呼市


@pytest.mark.parametrize(
    ("written", "country", "one_name"),
    [
        ("Xi’an", "China", "Xi'an"),
        ("Xi'an", "China", "Xi'an"),
        ("Xian", "China", "Xi'an"),
        ("Hanzhou", "China", "Hangzhou"),
        ("Wuhang", "China", "Wuhan"),
        ("Beijingcun", "China", "Sanhe"),
        ("China", "China", None),
        ("Guangdong", "China", None),
        ("Henan", "China", None),
        ("Heibei", "China", None),
        ("Jilin", "China", "Jilin"),  # a province and a city: the city
        ("Singapore", "Singapore", "Singapore"),  # a city-state
        ("New York", "United States", "New York"),
        ("Lebanon", "United States", "Lebanon"),  # a town named like another country
        ("Sao Paulo", "Brazil", "São Paulo"),
        (" Hangzhou ", "China", "Hangzhou"),
    ],
)
def test_registry_cities_are_made_one_name(written: str, country: str, one_name: str | None) -> None:
    assert canonical_city(written, country) == one_name


def test_sites_are_named_with_the_one_name_in_both_languages() -> None:
    assert local_names("Hanzhou", "China") == ("Hangzhou", "China")
    assert local_names("China", "China") == (None, "China")
    with reading_in(translations("zh")):
        assert local_names("Xi’an", "China") == ("西安", "中国")
        assert local_names("Shanghai", "China") == ("上海", "中国")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["provinces"][0].update(zh=["Anhui"]), r"provinces\.0\.zh.*not a name in Chinese characters"),
        (lambda d: d["provinces"][1].update(kind="state"), r"provinces\.1\.kind"),
        (lambda d: d["provinces"][2].update(zh=["安徽"]), r"'安徽' names both Anhui and Gansu"),
        (lambda d: d["cities"].update(Hangzhou="Hangzhou"), r"cities.*'Hangzhou', is not in Chinese characters"),
        (lambda d: d.pop("spellings"), r"spellings"),
    ],
)
def test_a_bad_place_table_is_refused_naming_the_entry_and_field(change: Any, message: str) -> None:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    change(broken)
    with pytest.raises(PlacesTableError, match=message):
        ChinesePlaces.from_data(broken, "places-zh.json")
