"""The reviewed data files are read against schemas that name every key: a typo in review stops loading with
the file and the key, and every file in ``data/`` is checked by a schema or by its own parser."""

from __future__ import annotations

import copy
import importlib
import json
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import trialscope
from tests.conftest import ROOT
from trialscope.patients.plausible import LabUnits, LabUnitsError
from trialscope.reviewed_data import SCHEMAS, DataFileError, checked

DATA = ROOT / "src" / "trialscope" / "data"
# files checked key by key by their own parsers, each with its own tests of a broken file
OWN_PARSERS = {
    "data/criteria/reading.json": "criteria/reading.py parse_rules",
    "data/patients/assertion.json": "patients/assertion.py parse_rules",
    "data/patients/note_words.json": "patients/text.py parse_note_words",
    "data/patients/zh_terms.json": "patients/text_zh.py parse_terms",
    "data/patients/csv_columns.json": "patients/table.py",
    "data/geo/places-zh.json": "geo/regions.py (pydantic, extra='forbid')",
    "data/search/synonyms-zh.json": "search/chinese.py (pydantic, extra='forbid')",
    "data/sync-queries.json": "read once, by migration 0002, to seed the database",
}


def _every_module_imported() -> None:
    for module in pkgutil.walk_packages(trialscope.__path__, "trialscope."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def _shipped(path: str) -> Any:
    return json.loads((ROOT / "src" / "trialscope" / path).read_text(encoding="utf-8"))


def test_every_reviewed_file_has_a_schema() -> None:
    _every_module_imported()
    files = {f"data/{p.relative_to(DATA).as_posix()}" for p in DATA.rglob("*.json") if "world-atlas" not in p.parts}
    assert files - set(SCHEMAS) - set(OWN_PARSERS) == set()
    assert len(SCHEMAS) >= 15
    for path, schema in SCHEMAS.items():  # the shipped files pass their schemas
        checked(_shipped(path), schema, path)


def _rename(section: str, old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        holder = data if not section else data[section][0]
        holder[new] = holder.pop(old)

    return change


def _add(section: str, key: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        (data if not section else data[section][0])[key] = "?"

    return change


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        (
            "data/criteria/cues.json",
            _rename("", "quantity_name_stop", "quantity_name_stopp"),
            r"data/criteria/cues\.json: quantity_name_stop: missing key; quantity_name_stopp: unknown key",
        ),
        (
            "data/criteria/quantities.json",
            _add("quantities", "unti"),
            r"data/criteria/quantities\.json: quantities\[0\] \(age\)\.unti: unknown key",
        ),
        (
            "data/criteria/concepts.json",
            _rename("concepts", "is_a", "is_an"),
            r"data/criteria/concepts\.json: concepts\[0\] \(\w[^)]*\)\.is_a: missing key; .*\.is_an: unknown key",
        ),
        ("data/criteria/antigens.json", _add("antigens", "binder"), r"antigens\[0\] \(CD117\)\.binder: unknown key"),
        ("data/criteria/units.json", _add("units", "pint"), r"data/criteria/units\.json: units\[0\]\.pint: unknown"),
        ("data/criteria/anchors.json", _add("anchors", "name"), r"anchors\[0\] \(\w+\)\.name: unknown key"),
        ("data/criteria/products.json", _add("products", "target"), r"products\[0\]\.target: unknown key"),
        ("data/criteria/performance_scales.json", _add("", "lansky_is_karnofsky"), r"lansky_is_karnofsky: unknown"),
        ("data/matching/treatments.json", _rename("", "categories", "category"), r"categories: missing key"),
        ("data/web/plain_words.json", _add("cell_therapies", "say"), r"cell_therapies\[0\]\.say: unknown key"),
        ("data/web/glossary.json", _add("terms", "explains"), r"terms\[0\] \(\w[^)]*\)\.explains: unknown key"),
        ("data/labels.json", _rename("", "status", "stauts"), r"data/labels\.json: status: missing key"),
        ("data/search/synonyms.json", _add("groups", "case_sensitve"), r"groups\[0\]\.case_sensitve: unknown"),
        ("data/geo/country-aliases.json", _add("", "alias"), r"data/geo/country-aliases\.json: alias: unknown key"),
    ],
)
def test_a_typo_in_a_reviewed_file_stops_loading_naming_the_file_and_key(
    path: str, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    _every_module_imported()
    broken = copy.deepcopy(_shipped(path))
    change(broken)
    with pytest.raises(DataFileError, match=message):
        checked(broken, SCHEMAS[path], path)


def test_a_typo_at_the_top_of_the_lab_units_file_is_refused() -> None:
    from trialscope.criteria.vocabulary import vocabulary

    broken = _shipped("data/criteria/lab-units.json")
    broken["reader_unit"] = broken.pop("reader_units")
    with pytest.raises(LabUnitsError, match=r"lab-units\.json: reader_units: missing key; reader_unit: unknown key"):
        LabUnits.from_data(broken, vocabulary(), "lab-units.json")


def test_a_wrong_value_is_named_too() -> None:
    _every_module_imported()
    broken = _shipped("data/criteria/cues.json")
    broken["comparator_suffixes"][1] = ["or more", "=>"]
    with pytest.raises(DataFileError, match=r"comparator_suffixes\[1\]\[1\]: Input should be '<', '<=', '>'"):
        checked(broken, SCHEMAS["data/criteria/cues.json"], "data/criteria/cues.json")
