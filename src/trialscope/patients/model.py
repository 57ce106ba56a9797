"""A patient profile, as matching needs it. The ``trialscope-patient/1`` format of ../shared/gold/patients
is this model serialised (JSON, or YAML of the same).

Absence means "not known": a history item answered ``present: false`` is an explicit denial, while a
condition nobody asked about is simply missing, and matching treats the two differently.
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from trialscope.model.age import Age, age_on, possible

FORMAT = "trialscope-patient/1"


class PatientModel(BaseModel):
    # Numbers must be finite (no NaN or infinity); keys the format does not know are reported by
    # ``unknown_keys``, then ignored.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


# Physical ranges: a value outside them is a mistake, refused with the field named (an age's: model/age.py).
Percent = Annotated[float, Field(ge=0, le=100)]
Amount = Annotated[float, Field(ge=0, le=1e9)]  # a lab value or measurement: no quantity here is negative


class Condition(PatientModel):
    name: str
    status: str | None = None  # relapsed | refractory | newly diagnosed | remission ...
    subtype: str | None = None
    date: dt.date | None = None
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class Biomarker(PatientModel):
    name: str
    result: Literal["positive", "negative", "unknown"] = "unknown"
    method: str | None = None
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class LabValue(PatientModel):
    name: str
    value: Amount
    unit: str = ""
    upper_limit_normal: Annotated[float, Field(gt=0, le=1e9)] | None = None  # a ULN of 0 has no multiples
    date: dt.date | None = None
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class Measurement(PatientModel):
    name: str
    value: Amount
    unit: str = ""
    date: dt.date | None = None
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class BlastCount(PatientModel):
    method: str | None = None  # morphology | flow cytometry
    sample: str = "bone marrow"
    value: Percent
    unit: str = "%"
    date: dt.date | None = None
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class PerformanceStatus(PatientModel):
    scale: str = "ECOG"  # ECOG | Karnofsky | Lansky
    value: Percent
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)

    @model_validator(mode="after")
    def _on_its_scale(self) -> PerformanceStatus:
        """A score its scale has: ECOG 0-5, Karnofsky and Lansky 0-100 (the criteria vocabulary's ranges)."""
        scale = _scale_range(self.scale)
        if scale is not None and not scale[1] <= self.value <= scale[2]:
            raise ValueError(f"{scale[0]} is a score from {scale[1]:g} to {scale[2]:g}")
        return self


class Treatment(PatientModel):
    name: str
    category: str | None = None  # chemotherapy | car-t | allo-hsct | steroids ...
    date: dt.date | None = None
    end_date: dt.date | None = None
    ongoing: bool | None = None  # still being taken (None: not said)
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


_SCALES = {"ecog": "ECOG", "karnofsky": "Karnofsky", "kps": "Karnofsky", "lansky": "Lansky"}


@lru_cache(maxsize=256)
def _scale_range(scale: str) -> tuple[str, float, float] | None:
    """A performance scale's name in the criteria vocabulary and its range (None: a scale it has no range for)."""
    from trialscope.criteria.vocabulary import vocabulary

    quantity = vocabulary().quantities.get(_SCALES.get(scale.strip().lower(), scale))
    if quantity is None or quantity.scale_range is None:
        return None
    low, high = quantity.scale_range
    return quantity.key, low, high


# When a history answer holds: "current" (has it now), "past" (had it, no longer), "ever" (a yes to "have you
# ever had ...?": now or in the past). A ``present: true`` without one is the format's "present": has it now.
Timing = Literal["current", "past", "ever"]


class HistoryItem(PatientModel):
    # frozen: a history answer is a value, and the profiles read from a table share the answers given alike
    # (``answer``: one object for the many patients who said no to "epilepsy")
    model_config = ConfigDict(frozen=True)

    name: str
    present: bool
    date: dt.date | None = None
    timing: Timing | None = None  # for a "no": "current" denies only a present state ("not at the moment")
    within_days: Annotated[float, Field(gt=0, le=36600)] | None = None  # a "no" to "... in the last N days?"
    certain: bool = True  # False: read from a sentence not read whole (it may raise a question, never exclude)


class Location(PatientModel):
    city: str | None = None
    state: str | None = None
    country: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class Patient(PatientModel):
    format: str = FORMAT
    id: str = "patient"
    summary: str | None = None
    as_of: dt.date = Field(default_factory=dt.date.today)
    age_years: Age | None = None
    birth_date: dt.date | None = None
    sex: Literal["female", "male", "other", "unknown"] | None = None
    conditions: list[Condition] = Field(default_factory=list)
    biomarkers: list[Biomarker] = Field(default_factory=list)
    labs: list[LabValue] = Field(default_factory=list)
    measurements: list[Measurement] = Field(default_factory=list)
    bone_marrow_blasts: list[BlastCount] = Field(default_factory=list)
    performance_status: PerformanceStatus | None = None
    life_expectancy_months: Annotated[float, Field(ge=0, le=1560)] | None = None
    treatments: list[Treatment] = Field(default_factory=list)
    history: list[HistoryItem] = Field(default_factory=list)
    pregnant: bool | None = None
    lactating: bool | None = None
    location: Location | None = None
    # top-level answers read from a sentence not read whole ("pregnant", "life_expectancy_months", "age_years"):
    # they may raise a question, never exclude
    uncertain: list[str] = Field(default_factory=list)
    _ignored: list[str] = PrivateAttr(default_factory=list)  # what of the input was ignored, and where

    @model_validator(mode="after")
    def _born_before(self) -> Patient:
        if self.birth_date is not None and not possible(age_on(self.birth_date, self.as_of)):
            raise ValueError(f"birth_date {self.birth_date} gives an impossible age on {self.as_of}")
        return self

    @property
    def ignored(self) -> list[str]:
        """What of the input was ignored (keys the format does not know, unreadable FHIR entries): reported
        to the person as a warning."""
        return list(self._ignored)

    def ignore(self, what: list[str]) -> None:
        self._ignored += what

    @property
    def age(self) -> float | None:
        """Age in years on the ``as_of`` date."""
        if self.age_years is not None:
            return self.age_years
        if self.birth_date is None:
            return None
        return age_on(self.birth_date, self.as_of)


class PatientFileError(ValueError):
    """A patient file that cannot be read, with the file and field named. ``field`` is the place of the value
    the profile refused (``("labs", 2, "value")``), ``problem`` what was wrong with it, ``kind`` pydantic's
    name for the problem ("float_parsing"): a reader of another format (a CSV) names its own column."""

    def __init__(self, message: str, *, field: tuple[str | int, ...] = (), problem: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.problem = problem or message
        self.kind = kind


_NESTED: dict[str, type[PatientModel]] = {
    "conditions": Condition,
    "biomarkers": Biomarker,
    "labs": LabValue,
    "measurements": Measurement,
    "bone_marrow_blasts": BlastCount,
    "performance_status": PerformanceStatus,
    "treatments": Treatment,
    "history": HistoryItem,
    "location": Location,
}
_BESIDE = {
    "expected",
    "summary_en",
}  # what a vignette keeps beside the profile (its expected outcomes; a Chinese twin its English summary)


@cache
def _known_keys(model: type[PatientModel]) -> frozenset[str]:
    """The keys a model reads (and, for the profile, what a vignette keeps beside it)."""
    return frozenset(model.model_fields) | (_BESIDE if model is Patient else frozenset())


def _all_known(value: Any, known: frozenset[str]) -> bool:
    """Whether an item (or every item of a list) holds only known keys: set operations, no loop in Python
    (a list of other things than objects may say False: the caller then looks item by item)."""
    if isinstance(value, dict):
        return known.issuperset(value)
    if not isinstance(value, list):
        return True
    try:
        return known.issuperset(frozenset().union(*value))
    except TypeError:  # an item that is not a collection
        return False


def unknown_keys(data: dict[str, Any], model: type[PatientModel] = Patient, where: str = "") -> list[str]:
    """The keys of a profile that its format does not know, with their place ('labs[2].valu')."""
    known = _known_keys(model)
    if (
        model is Patient
        and known.issuperset(data)
        and all(_all_known(data[key], _known_keys(nested)) for key, nested in _NESTED.items() if key in data)
    ):
        return []  # the usual profile, found at once
    found = []
    for key, value in data.items():
        if key not in known:
            found.append(f"{where}.{key}" if where else str(key))
            continue
        nested = _NESTED.get(key) if model is Patient else None
        if nested is None:
            continue
        fields = _known_keys(nested)
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(item, dict) and not fields.issuperset(item):  # (a set test: most items hold no other)
                place = f"{where}.{key}" if where else str(key)
                found += unknown_keys(item, nested, f"{place}[{index}]" if isinstance(value, list) else place)
    return found


@lru_cache(maxsize=16_384)
def answer(name: str, present: bool) -> HistoryItem:
    """The validated history item of a plain yes or no (``{"name": name, "present": present}``), made once per
    distinct answer: a history item is frozen, so the profiles read from a table share it (the model keeps an
    item it is given as it is)."""
    return HistoryItem.model_validate({"name": name, "present": present})


def patient_from_dict(data: Any, origin: str = "patient") -> Patient:
    if not isinstance(data, dict):
        raise PatientFileError(f"{origin}: a patient profile must be a JSON/YAML object")
    try:
        patient = Patient.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(p) for p in error["loc"]) or "profile"
        raise PatientFileError(
            f"{origin}: field {field}: {error['msg']}",
            field=tuple(error["loc"]),
            problem=error["msg"],
            kind=error["type"],
        ) from None
    unknown = unknown_keys(data)
    if unknown:
        patient.ignore([f"unknown key {key}" for key in unknown])
    return patient
