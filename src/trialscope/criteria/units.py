"""Unit conversion for thresholds and lab values, through the pint units library.

- Same-dimension conversions are pint's (g/L <-> g/dL, 10^9/L <-> /uL, months <-> years).
- Mass <-> molar concentration (bilirubin mg/dL <-> umol/L, creatinine, glucose) uses pint's chemistry
  context with the analyte's molar mass from data/criteria/quantities.json.
- ``× ULN`` thresholds become absolute with the patient's own upper limit of normal when the lab report
  gives one, else with the analyte's documented default reference range (also in quantities.json); the
  result says which was used, so an explanation can show it.
- The factors between the units of the vocabulary's quantities are computed by pint once and kept in the
  cache folder (``known_factors``); a process that converts only those never imports pint.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from trialscope.cache_files import cache_folder, fingerprint, write_atomically
from trialscope.criteria.vocabulary import Quantity, vocabulary

if TYPE_CHECKING:
    import pint  # imported where a conversion is not in the factor table (known_factors)

log = logging.getLogger(__name__)


class UnitConversionError(ValueError):
    """The two units cannot be converted for this quantity (say, % into mg/dL)."""


@cache
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """pint's registry, its parsed definitions kept in pint's own cache folder (the user's cache directory):
    building it from its text files is most of a fresh process's first match, reading it from the cache a
    small part of that (benchmarks/README.md). Where that folder cannot be written, the registry is built
    without it."""
    import pint

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
    """How many ``to_unit`` one ``from_unit`` is (every clinical conversion here is a plain factor): from
    the table of the vocabulary's units (``known_factors``), else computed by pint; once per pair."""
    if "" in (from_unit, to_unit) or "xULN" in (from_unit, to_unit):
        raise UnitConversionError(f"cannot convert {from_unit or 'no unit'} to {to_unit or 'no unit'}")
    molar_mass = quantity.molar_mass if quantity is not None and quantity.molar_mass else None
    found = known_factors().get((from_unit, to_unit, molar_mass))
    if found is None:
        found = pint_factor(from_unit, to_unit, molar_mass)
    if isinstance(found, str):
        name = quantity.key if quantity else "this quantity"
        raise UnitConversionError(f"cannot convert {from_unit} to {to_unit} for {name} ({found})")
    return found


def pint_factor(from_unit: str, to_unit: str, molar_mass: float | None) -> float | str:
    """pint's factor from ``from_unit`` to ``to_unit``, through the analyte's molar mass where the two are
    mass and molar concentrations; or why there is none."""
    import pint

    ureg = registry()
    try:
        source = ureg.Quantity(1.0, _pint_unit(from_unit))
        target = ureg.Unit(_pint_unit(to_unit))
        try:
            return float(source.to(target).magnitude)
        except pint.DimensionalityError:
            if not molar_mass:
                raise
            with ureg.context("chemistry", mw=molar_mass * ureg("g/mol")):
                return float(source.to(target).magnitude)
    except (pint.PintError, ValueError, ZeroDivisionError, TypeError) as exc:
        return str(exc)


Factors = dict[tuple[str, str, float | None], float | str]


def factor_table() -> Factors:
    """pint's factor (or why there is none) between every two units the vocabulary knows (its quantities'
    units, the units of data/criteria/units.json), plain and with each molar mass of its quantities: a
    criterion and a patient's lab may name different quantities' units (creatinine in mg/dL, a clearance in
    mL/min), and every such pair is here."""
    known = vocabulary()
    units: dict[str, None] = dict.fromkeys(known.pint_units)
    molar_masses: dict[float, None] = {}
    for quantity in known.quantities.values():
        units.update(
            dict.fromkeys([quantity.unit, *quantity.units, *([quantity.uln_unit] if quantity.uln_unit else [])])
        )
        if quantity.molar_mass:
            molar_masses[quantity.molar_mass] = None
    table: Factors = {}
    for source in units:
        for target in units:
            if source != target and "" not in (source, target) and "xULN" not in (source, target):
                plain = table[(source, target, None)] = pint_factor(source, target, None)
                for molar_mass in molar_masses:  # a molar mass changes only what pint cannot convert plainly
                    found = pint_factor(source, target, molar_mass) if isinstance(plain, str) else plain
                    table[(source, target, molar_mass)] = found
    return table


def _factors_path() -> Path:
    """Where the factor table is kept: its name carries a fingerprint of this code, the vocabulary's unit
    and quantity files and the installed pint (its definitions and its version, read without importing it:
    a quarter of a second)."""
    spec = importlib.util.find_spec("pint")
    folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
    pint_parts = [b"no pint"]
    if folder is not None:
        versions = sorted(p.name for p in folder.parent.glob("[Pp]int-*.dist-info"))
        pint_parts = ["|".join(versions).encode(), (folder / "default_en.txt").read_bytes()]
    data = resources.files("trialscope").joinpath("data/criteria")
    return cache_folder() / "unit-factors-{}.json".format(
        fingerprint(
            Path(__file__).read_bytes(),
            data.joinpath("units.json").read_bytes(),
            data.joinpath("quantities.json").read_bytes(),
            *pint_parts,
        )
    )


def _factor_key(source: str, target: str, molar_mass: float | None) -> str:
    return f"{source}\t{target}\t{molar_mass!r}"


class FactorTable:
    """The factor table as its file holds it, each key joined into one string (read in milliseconds)."""

    @classmethod
    def of(cls, table: Factors) -> FactorTable:
        return cls({_factor_key(*key): factor for key, factor in table.items()})

    def __init__(self, by_key: dict[str, float | str]) -> None:
        self.by_key = by_key

    def get(self, key: tuple[str, str, float | None]) -> float | str | None:
        return self.by_key.get(_factor_key(*key))

    def table(self) -> Factors:
        found: Factors = {}
        for key, factor in self.by_key.items():
            source, target, molar_mass = key.split("\t")
            found[(source, target, None if molar_mass == "None" else float(molar_mass))] = factor
        return found


@cache
def known_factors() -> FactorTable:
    """The factor table, read from the cache folder (``cache_files.py``), computed and kept there first when
    it is not there for this code, data and pint: a match converting a lab value then needs no pint, whose
    import and registry cost a fresh process half a second."""
    path = _factors_path()
    try:
        return FactorTable(json.loads(path.read_bytes()))
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        log.warning("the unit factor table %s is unreadable (%s): computing it again", path, exc)
    table = FactorTable.of(factor_table())
    try:
        write_atomically(path, [json.dumps(table.by_key).encode()], replaces="unit-factors-*.json")
    except OSError as exc:
        log.warning("cannot keep the unit factor table in %s (%s)", path.parent, exc)
    return table


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
