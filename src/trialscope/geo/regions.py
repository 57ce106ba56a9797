"""The reviewed table of Chinese place names (``data/geo/places-zh.json``): China's provinces, autonomous
regions and municipalities (their Chinese names, the registry's spellings, their capitals), the Chinese
names of the cities where catalogue sites are, and registry city spellings the gazetteer does not know.
Read and checked once; the gazetteer itself is used by ``places.py``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DATA_FILE = "data/geo/places-zh.json"


class PlacesTableError(ValueError):
    """The Chinese place table is not valid: the message names the file, the entry and the field."""


class _Province(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=2)
    zh: tuple[str, ...] = Field(min_length=1)
    capital: str = Field(min_length=2)
    kind: Literal["province", "autonomous region", "municipality"]
    registry: tuple[str, ...] = ()

    @field_validator("zh")
    @classmethod
    def _chinese(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not name or not all("\u4e00" <= ch <= "\u9fff" for ch in name):
                raise ValueError(f"{name!r} is not a name in Chinese characters")
        return names


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    about: str
    reviewed: str
    provinces: list[_Province] = Field(min_length=1)
    cities: dict[str, str]
    spellings: dict[str, dict[str, str]]

    @field_validator("cities")
    @classmethod
    def _city_names(cls, cities: dict[str, str]) -> dict[str, str]:
        for english, chinese in cities.items():
            if not chinese or not all("\u4e00" <= ch <= "\u9fff" for ch in chinese):
                raise ValueError(f"the Chinese name of {english!r}, {chinese!r}, is not in Chinese characters")
        return cities


@dataclass(frozen=True, slots=True)
class Province:
    name: str  # as the gazetteer and registries write it: "Zhejiang"
    chinese: tuple[str, ...]  # "浙江", "浙江省"
    capital: str  # a gazetteer city in China
    kind: str  # province | autonomous region | municipality
    registry: tuple[str, ...]  # other spellings registries use ("Shannxi", "Beijing Municipality")


@dataclass(frozen=True, slots=True)
class ChinesePlaces:
    provinces: tuple[Province, ...]
    cities: dict[str, str]  # English (gazetteer) city name -> its name in simplified Chinese
    spellings: dict[str, dict[str, str]]  # country -> registry spelling -> gazetteer city name

    @classmethod
    def from_data(cls, data: object, source: str = DATA_FILE) -> ChinesePlaces:
        try:
            table = _Table.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PlacesTableError(f"{source}: {where}: {first['msg']}") from None
        provinces = tuple(Province(p.name, p.zh, p.capital, p.kind, p.registry) for p in table.provinces)
        seen: dict[str, str] = {}
        for province in provinces:
            for name in (province.name, *province.chinese, *province.registry):
                if name.lower() in seen:
                    other = seen[name.lower()]
                    raise PlacesTableError(f"{source}: provinces: {name!r} names both {other} and {province.name}")
                seen[name.lower()] = province.name
        return cls(provinces, dict(table.cities), {k: dict(v) for k, v in table.spellings.items()})


@cache
def chinese_places() -> ChinesePlaces:
    text = resources.files("trialscope").joinpath(DATA_FILE).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PlacesTableError(f"{DATA_FILE}: not JSON: {exc}") from None
    return ChinesePlaces.from_data(data)
