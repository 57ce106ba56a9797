"""The gazetteer's index file answers exactly as the names folded in memory from its source do: every name,
country and state, the order of a name's cities, the suggestions; and a place typed any way (accents, case,
punctuation, Chinese, a qualifier, a province, a country) resolves to the same point through either."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from trialscope.geo import places
from trialscope.geo.gazetteer import (
    IndexedGazetteer,
    MemoryGazetteer,
    index_path,
    open_gazetteer,
    read_memory_gazetteer,
    write_index,
)


@cache
def _memory() -> MemoryGazetteer:
    return read_memory_gazetteer()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> IndexedGazetteer:
    path = tmp_path_factory.mktemp("gazetteer") / "gazetteer.bin"
    write_index(_memory(), path)
    return IndexedGazetteer(path)


def _ids(cities: list[dict[str, object]]) -> list[object]:
    return [c["geonameid"] for c in cities]


def test_the_index_holds_every_name_with_its_cities_in_order(indexed: IndexedGazetteer) -> None:
    memory = _memory()
    assert len(memory.by_name) > 300_000
    assert set(indexed.every_name()) == set(memory.by_name)
    for key, cities in memory.by_name.items():
        assert _ids(indexed.cities(key)) == _ids(cities), key
    assert indexed.cities("no such place at all") == []
    for key, country in memory.countries.items():
        assert indexed.country(key) == country, key
    assert indexed.country("atlantis") is None
    for key, code in memory.states.items():
        assert indexed.state(key) == code
    keys, owners = memory.spellings()
    indexed_keys, indexed_owners = indexed.spellings()
    assert indexed_keys == keys and _ids(indexed_owners) == _ids(owners)
    hangzhou = indexed.cities("hangzhou")[0]  # a city keeps its names in Chinese characters, no others
    assert "杭州" in hangzhou["alternatenames"] and "Hangzhou" not in hangzhou["alternatenames"]
    source = next(c for c in memory.cities("hangzhou") if c["geonameid"] == hangzhou["geonameid"])
    assert {k: v for k, v in source.items() if k != "alternatenames"} == {
        k: v for k, v in hangzhou.items() if k != "alternatenames"
    }


def _typed_names() -> list[str]:
    """Names as people type them: every 40th name of the gazetteer (in any script), upper-cased, without
    accents, with a country or a US state after it, the Chinese names as written and with 市, provinces,
    countries and their aliases, coordinates and nonsense."""
    memory = _memory()
    names = sorted(memory.by_name)[::40]
    typed = [*names, *(n.upper() for n in names[::7]), *(n.title() + "!" for n in names[::11])]
    for cities in list(memory.by_name.values())[::90]:
        city = cities[0]
        country = memory.country(str(city["countrycode"]).lower())
        typed.append(f"{city['name']}, {country['name'] if country else city['countrycode']}")
        typed.append(f"{city['name']}, {city['admin1code']}")
        typed.extend(n for n in city.get("alternatenames", [])[:3])
    typed += [
        "Hangzhou",
        "杭州",
        "杭州市",
        "Xi'an",
        "Xi’an",
        "São Paulo",
        "SAO PAULO",
        "Zürich",
        "Zurich, CH",
        "Boston, MA",
        "Portland, Oregon",
        "Paris, France",
        "Paris, Texas",
        "浙江省",
        "Zhejiang",
        "Guangdong, China",
        "Zhejiang, France",
        "China",
        "Türkiye",
        "Korea, Republic of",
        "Turkiye",
        "cn",
        "usa",
        "30.27,120.15",
        "Hangzzhou",
        "Bostn",
        "杭洲",
        "Qwzxyville",
        "",
        ",",
        "  ",
    ]
    return typed


def _resolved(text: str) -> object:
    try:
        return places.resolve_place(text)
    except places.PlaceNotFound as exc:
        return str(exc)


def test_a_place_resolves_alike_through_the_index_and_in_memory(
    indexed: IndexedGazetteer, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed = _typed_names()
    assert len(typed) > 10_000
    monkeypatch.setattr(places, "_gazetteer", _memory)
    in_memory = [_resolved(text) for text in typed]
    monkeypatch.setattr(places, "_gazetteer", lambda: indexed)
    from_index = [_resolved(text) for text in typed]
    differ = [(t, m, i) for t, m, i in zip(typed, in_memory, from_index, strict=True) if m != i]
    assert differ == []
    assert sum(isinstance(r, places.Place) for r in from_index) > 0.9 * len(typed)
    assert {r.kind for r in from_index if isinstance(r, places.Place)} == {"city", "country", "province", "coordinates"}


def test_the_index_is_built_once_in_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[int] = []

    def build() -> MemoryGazetteer:
        builds.append(1)
        return _memory()

    earlier = tmp_path / "trialscope" / "gazetteer-0000000000000000.bin"  # an earlier version's
    earlier.parent.mkdir()
    earlier.write_bytes(b"...")
    first = open_gazetteer(build)
    path = index_path()
    assert not earlier.exists()
    assert isinstance(first, IndexedGazetteer) and path.parent == tmp_path / "trialscope" and path.exists()
    again = open_gazetteer(build)
    assert isinstance(again, IndexedGazetteer) and builds == [1]
    assert _ids(again.cities("hangzhou")) == _ids(_memory().cities("hangzhou"))

    path.write_bytes(path.read_bytes()[:-100])  # cut short (a full disk): built again
    assert isinstance(open_gazetteer(build), IndexedGazetteer) and builds == [1, 1]
    assert _ids(open_gazetteer(build).cities("boston")) == _ids(_memory().cities("boston"))


def test_without_a_writable_cache_folder_names_are_read_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a file"))  # no folder can be made under it
    assert open_gazetteer(_memory) is _memory()
