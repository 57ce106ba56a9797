"""The unit factor table kept in the cache folder is pint's answer for every pair of units it holds, and a
conversion reads the same through it as through pint."""

from __future__ import annotations

from pathlib import Path

import pytest

from trialscope.criteria import units
from trialscope.criteria.units import (
    UnitConversionError,
    conversion_factor,
    factor_table,
    known_factors,
    pint_factor,
)
from trialscope.criteria.vocabulary import vocabulary


def test_the_kept_table_is_pints_answer_for_every_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    known_factors.cache_clear()
    try:
        table = known_factors().table()
        kept = list((tmp_path / "trialscope").glob("unit-factors-*.json"))
        assert len(kept) == 1
        known_factors.cache_clear()
        assert known_factors().table() == table == factor_table()  # read back from the file: the same
    finally:
        known_factors.cache_clear()
    assert len(table) > 5000
    assert sum(isinstance(f, float) for f in table.values()) > 500
    for (source, target, molar_mass), factor in table.items():
        assert factor == pint_factor(source, target, molar_mass)
    bilirubin = vocabulary().quantities["total bilirubin"]
    assert table[("mg/dL", "umol/L", bilirubin.molar_mass)] == pytest.approx(17.1, rel=0.01)
    assert "Cannot convert" in str(table[("mL/min", "mg/dL", None)])  # two quantities' units: kept, as an error


def test_a_conversion_reads_alike_through_the_table_and_through_pint() -> None:
    for quantity in vocabulary().quantities.values():
        for source in quantity.units:
            for target in quantity.units:
                if "xULN" in (source, target) or "" in (source, target) or source == target:
                    continue
                through_pint = pint_factor(source, target, quantity.molar_mass or None)
                if isinstance(through_pint, str):
                    with pytest.raises(UnitConversionError, match=f"for {quantity.key}"):
                        conversion_factor(source, target, quantity)
                else:
                    assert conversion_factor(source, target, quantity) == through_pint


def test_units_outside_the_table_are_converted_by_pint() -> None:
    assert known_factors().get(("mg", "kg", None)) is None and "mg" not in vocabulary().pint_units
    assert conversion_factor("mg", "kg") == pytest.approx(1e-6)
    with pytest.raises(UnitConversionError, match="cannot convert mg to m "):
        conversion_factor("mg", "m")
    assert units.convert(2.0, "months", "weeks") == pytest.approx(8.696, rel=1e-3)
