"""Lab values as people type them: the unit their lab reports use (by the reader's language: Chinese reports
give creatinine in umol/L) and whether a number is possible in the unit chosen, with the unit it would be
possible in ("creatinine 80 mg/dL is not possible: did you mean 80 umol/L?"). The units and ranges are
reviewed data (``data/criteria/lab-units.json``), checked against the quantities' own units when loaded."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, ClassVar, cast

from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.reviewed_data import DataFileError, ReviewedFile, checked

DATA_FILE = "data/criteria/lab-units.json"


class LabUnitsError(DataFileError):
    """The lab units file is not valid: the message names the file, the quantity and the unit."""


class _LabUnitsFile(ReviewedFile):
    """The keys of lab-units.json; what each quantity and unit may be is checked against the vocabulary."""

    FILE: ClassVar[str] = "data/criteria/lab-units.json"
    about: str
    reviewed: str
    shown_as: dict[str, str]
    reader_units: dict[str, dict[str, str]]  # language -> quantity -> unit
    plausible: dict[str, dict[str, str | list[float]]]  # quantity -> unit -> [lowest, highest], and "source"


@dataclass(frozen=True, slots=True)
class LabUnits:
    shown_as: dict[str, str]  # how a unit is written for people ("umol/L" -> "μmol/L")
    reader_units: dict[str, dict[str, str]]  # language -> quantity -> the unit its lab reports use
    plausible: dict[str, dict[str, tuple[float, float]]]  # quantity -> unit -> (lowest, highest) possible

    @classmethod
    def from_data(cls, data: object, vocab: Vocabulary, source: str = DATA_FILE) -> LabUnits:
        try:
            checked(data, _LabUnitsFile, source)
        except DataFileError as exc:
            raise LabUnitsError(str(exc)) from None
        data = cast("dict[str, Any]", data)  # an object of the keys above
        every_unit = {u for q in vocab.quantities.values() for u in q.units}
        for unit, shown in data["shown_as"].items():
            if unit not in every_unit or not isinstance(shown, str) or not shown.strip():
                raise LabUnitsError(f"{source}: shown_as.{unit}: not a unit of quantities.json, or shown as nothing")
        reader: dict[str, dict[str, str]] = {}
        for language, units in data["reader_units"].items():
            reader[language] = {}
            for quantity, unit in units.items():
                _known_unit(vocab, quantity, unit, f"{source}: reader_units.{language}.{quantity}")
                reader[language][quantity] = unit
        plausible: dict[str, dict[str, tuple[float, float]]] = {}
        for quantity, ranges in data["plausible"].items():
            plausible[quantity] = {}
            for unit, bounds in ranges.items():
                if unit == "source":
                    continue
                where = f"{source}: plausible.{quantity}.{unit}"
                _known_unit(vocab, quantity, unit, where)
                if (
                    not isinstance(bounds, list)
                    or len(bounds) != 2
                    or not all(isinstance(b, int | float) for b in bounds)
                    or not 0 <= bounds[0] < bounds[1]
                ):
                    raise LabUnitsError(f"{where}: a range is [lowest, highest], 0 <= lowest < highest ({bounds!r})")
                plausible[quantity][unit] = (float(bounds[0]), float(bounds[1]))
            if "source" not in ranges:
                raise LabUnitsError(f"{source}: plausible.{quantity}: say where the range comes from ('source')")
        return cls(dict(data["shown_as"]), reader, plausible)

    def shown(self, unit: str) -> str:
        return self.shown_as.get(unit, unit)

    def ordered_units(self, quantity: str, units: Sequence[str], language: str) -> list[str]:
        """The quantity's units with the one the reader's lab reports use first (the form's default)."""
        preferred = self.reader_units.get(language[:2], {}).get(quantity)
        if preferred is None or preferred not in units:
            return list(units)
        return [preferred, *(u for u in units if u != preferred)]

    def possible(self, quantity: str, value: float, unit: str) -> bool | None:
        """Whether a living person can have this value in this unit (None: no range for it)."""
        bounds = self.plausible.get(quantity, {}).get(unit)
        return None if bounds is None else bounds[0] <= value <= bounds[1]

    def likely_units(self, quantity: str, value: float, unit: str) -> list[str]:
        """The other units in which this number is possible (what the person probably meant), in the order
        of the data file."""
        return [
            other
            for other, (low, high) in self.plausible.get(quantity, {}).items()
            if other != unit and low <= value <= high
        ]


def _known_unit(vocab: Vocabulary, quantity: str, unit: str, where: str) -> None:
    known = vocab.quantities.get(quantity)
    if known is None:
        raise LabUnitsError(f"{where}: {quantity!r} is not a quantity of quantities.json")
    if unit not in known.units:
        raise LabUnitsError(f"{where}: {unit!r} is not one of {quantity}'s units ({', '.join(known.units)})")


@cache
def lab_units() -> LabUnits:
    text = resources.files("trialscope").joinpath(DATA_FILE).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LabUnitsError(f"{DATA_FILE}: not JSON: {exc}") from None
    return LabUnits.from_data(data, vocabulary())
