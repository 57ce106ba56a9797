"""Conventional <-> SI conversion through pint, and ×ULN with the patient's ULN or the documented default."""

from __future__ import annotations

import pytest

from trialscope.criteria.units import UnitConversionError, convert, xuln_to_absolute
from trialscope.criteria.vocabulary import vocabulary

Q = vocabulary().quantities


@pytest.mark.parametrize(
    ("value", "source", "target", "quantity", "expected"),
    [
        (51, "umol/L", "mg/dL", "total bilirubin", 2.98),  # the seed trials' "≤51 μmol/L"
        (1.5, "mg/dL", "umol/L", "total bilirubin", 25.65),
        (176.8, "umol/L", "mg/dL", "creatinine", 2.0),
        (60, "g/L", "g/dL", "hemoglobin", 6.0),
        (100, "10^9/L", "/uL", "platelets", 100_000),
        (1.5, "10^3/uL", "10^9/L", "absolute neutrophil count", 1.5),
        (5.5, "mmol/L", "mg/dL", "glucose", 99.1),
        (24, "months", "years", "age", 2.0),
        (110, "lb", "kg", "body weight", 49.9),
    ],
)
def test_conversions(value: float, source: str, target: str, quantity: str, expected: float) -> None:
    assert convert(value, source, target, Q[quantity]) == pytest.approx(expected, rel=2e-3)


@pytest.mark.parametrize(("source", "target"), [("%", "mg/dL"), ("U/L", "mg/dL"), ("xULN", "mg/dL"), ("", "g/L")])
def test_impossible_conversions_are_refused(source: str, target: str) -> None:
    with pytest.raises(UnitConversionError):
        convert(1, source, target, Q["total bilirubin"])


def test_xuln_uses_the_patients_uln_when_given_else_the_documented_default() -> None:
    own = xuln_to_absolute(1.5, Q["total bilirubin"], patient_uln=1.0, patient_uln_unit="mg/dL")
    assert (own.value, own.unit, own.uln_source) == (1.5, "mg/dL", "the patient's lab report")
    default = xuln_to_absolute(3, Q["ALT"])
    assert (default.value, default.unit) == (120, "U/L") and "reference range" in default.uln_source
    with pytest.raises(UnitConversionError):
        xuln_to_absolute(2, Q["hemoglobin"])  # no ULN convention for hemoglobin


def test_every_unit_of_the_data_file_is_read_by_pint_from_the_data_file_alone() -> None:
    """data/criteria/units.json is the one place that says how pint reads a unit (``pint_unit``): every
    canonical unit parses, except those that are not amounts of anything pint can convert."""
    import json
    from importlib import resources

    from trialscope.criteria.units import _pint_unit, registry

    not_convertible = {"xULN", "fold", "IU/mL", "mEq/L", "pack-years", "cigarettes/day", "half-lives"}
    data = json.loads(resources.files("trialscope").joinpath("data/criteria/units.json").read_text(encoding="utf-8"))
    unread = []
    for unit in data["units"]:
        try:
            registry().Quantity(1, _pint_unit(unit["canonical"]))
        except Exception:
            unread.append(unit["canonical"])
    assert sorted(unread) == sorted(not_convertible)
    assert convert(1, "10^9/L", "/uL") == pytest.approx(1000) and convert(1, "10^3/uL", "10^9/L") == pytest.approx(1)
    assert convert(25, "kg/m2", "kg/m2") == 25
