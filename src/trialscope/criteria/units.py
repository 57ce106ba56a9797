"""Unit conversion for thresholds and lab values, through the pint units library.

- Same-dimension conversions are pint's (g/L <-> g/dL, 10^9/L <-> /uL, months <-> years).
- Mass <-> molar concentration (bilirubin mg/dL <-> umol/L, creatinine, glucose) uses pint's chemistry
  context with the analyte's molar mass from data/criteria/quantities.json.
- ``× ULN`` thresholds become absolute with the patient's own upper limit of normal when the lab report
  gives one, else with the analyte's documented default reference range (also in quantities.json); the
  result says which was used, so an explanation can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pint

from trialscope.criteria.vocabulary import Quantity, vocabulary


class UnitConversionError(ValueError):
    """The two units cannot be converted for this quantity (say, % into mg/dL)."""


@cache
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """pint's registry, its parsed definitions kept in pint's own cache folder (the user's cache directory):
    building it from its text files is most of a fresh process's first match, reading it from the cache a
    small part of that (benchmarks/README.md). Where that folder cannot be written, the registry is built
    without it."""
    try:
        ureg: pint.UnitRegistry = pint.UnitRegistry(cache_folder=":auto:")  # type: ignore[type-arg]
    except OSError:
        ureg = pint.UnitRegistry()
    ureg.define("enzyme_unit = [enzyme_activity] = U")  # U/L for ALT, AST, ALP: no conversion to others
    ureg.define("copies = [] ")
    return ureg


def _pint_unit(unit: str) -> str:
    """The unit as pint reads it (``pint_unit`` in data/criteria/units.json; a unit pint reads as written
    has none there)."""
    return vocabulary().pint_units.get(unit, unit)


def convert(value: float, from_unit: str, to_unit: str, quantity: Quantity | None = None) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit`` (raises UnitConversionError)."""
    if from_unit == to_unit:
        return value
    return value * conversion_factor(from_unit, to_unit, quantity)


@cache
def conversion_factor(from_unit: str, to_unit: str, quantity: Quantity | None = None) -> float:
    """How many ``to_unit`` one ``from_unit`` is (every clinical conversion here is a plain factor),
    computed once per pair by pint."""
    if "" in (from_unit, to_unit) or "xULN" in (from_unit, to_unit):
        raise UnitConversionError(f"cannot convert {from_unit or 'no unit'} to {to_unit or 'no unit'}")
    value = 1.0
    ureg = registry()
    try:
        source = ureg.Quantity(value, _pint_unit(from_unit))
        target = ureg.Unit(_pint_unit(to_unit))
        try:
            return float(source.to(target).magnitude)
        except pint.DimensionalityError:
            if quantity is None or not quantity.molar_mass:
                raise
            with ureg.context("chemistry", mw=quantity.molar_mass * ureg("g/mol")):
                return float(source.to(target).magnitude)
    except (pint.PintError, ValueError, ZeroDivisionError, TypeError) as exc:
        name = quantity.key if quantity else "this quantity"
        raise UnitConversionError(f"cannot convert {from_unit} to {to_unit} for {name} ({exc})") from None


@dataclass(frozen=True, slots=True)
class AbsoluteLimit:
    value: float
    unit: str
    uln: float
    uln_unit: str
    uln_source: str  # "the patient's lab" or the default reference range's source


def xuln_to_absolute(
    multiple: float, quantity: Quantity, patient_uln: float | None = None, patient_uln_unit: str | None = None
) -> AbsoluteLimit:
    """'≤ 1.5 × ULN' as an absolute limit, with the patient's ULN if given, else the documented default."""
    if patient_uln is not None:
        if not patient_uln > 0:  # also NaN: no multiple of it means anything
            raise UnitConversionError(f"an upper limit of normal of {patient_uln:g} is not a limit")
        unit = patient_uln_unit or quantity.uln_unit or quantity.unit
        return AbsoluteLimit(multiple * patient_uln, unit, patient_uln, unit, "the patient's lab report")
    if quantity.uln is None:
        raise UnitConversionError(f"no default upper limit of normal is known for {quantity.key}")
    unit = quantity.uln_unit if quantity.uln_unit is not None else quantity.unit
    return AbsoluteLimit(
        multiple * quantity.uln, unit, quantity.uln, unit, quantity.uln_source or "default reference range"
    )
