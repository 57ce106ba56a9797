"""A patient from a row of named cells: a prescreen CSV, a Parquet or warehouse table. The row becomes a
``trialscope-patient/1`` profile and is checked by the profile's own model (``patients/model.py``), so a CSV
patient obeys exactly the rules of a JSON one; a value the model refuses is reported by row and column, with
what was expected ("row 3 (P003): column 'age' has 'abc': expected a number").

The columns are read once from the header (``read_header``): which field each fills, and which the reader
does not know (reported before any patient is read, never dropped in silence). Their names are data
(``data/patients/csv_columns.json``), and so is what lab, blast and marker columns may be called: the
criteria vocabulary's quantities and antigens, the note reader's words for where and how blasts were counted.

List cells hold items separated by ";": markers ``CD117+; CD7-``, history ``epilepsy; HIV``, treatments
``7+3 induction 2025-03-10; chemotherapy: HiDAC 2025-06-02 to 2025-07-15; venetoclax since 2025-10-01``
(an optional category before a colon, then the name, then a date, a date range or "since" a date).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from pydantic import TypeAdapter, ValidationError

from trialscope.criteria.phrases import tokenise
from trialscope.criteria.vocabulary import vocabulary
from trialscope.patients.model import Patient, PatientFileError, answer, patient_from_dict
from trialscope.patients.text import note_words

_DATA = "data/patients/csv_columns.json"
_KEYS = {"_comment", "columns", "sex", "marker_results", "list_separator", "no_transplant", "blast_header_words"}
# the profile fields a column may fill (what ``_profile`` knows how to place)
FIELDS = (
    "id",
    "as_of",
    "age",
    "birth_date",
    "sex",
    "diagnosis",
    "subtype",
    "status",
    "diagnosis_date",
    "ecog",
    "karnofsky",
    "life_expectancy_months",
    "pregnant",
    "lactating",
    "biomarkers",
    "history_yes",
    "history_no",
    "treatments",
    "transplant",
    "transplant_date",
    "blasts",
    "blasts_site",
    "blasts_method",
    "blasts_date",
)


class ColumnsDataError(ValueError):
    """The column file is malformed (named with its key)."""


@dataclass(frozen=True, slots=True)
class ColumnWords:
    columns: dict[str, str]  # folded header -> field
    sex: dict[str, str]  # folded word -> the profile's sex
    marker_results: dict[str, str]  # folded word -> positive | negative | unknown
    separator: str
    no_transplant: frozenset[str]
    blast_header_words: frozenset[str]  # words a blast count's header may hold besides the quantity, site, method


def _fold(header: str) -> str:
    """A header as compared: case, '_' and '-' folded to spaces ('Patient_ID' is 'patient id')."""
    return re.sub(r"\s+", " ", re.sub(r"[_\-]", " ", header)).strip().lower()


def _fold_word(word: str) -> str:
    """A cell's word as compared: case and spacing folded ('CD7 -' and a '-' keep their sign)."""
    return " ".join(word.lower().split())


def _words(data: Any, key: str, allowed: Sequence[str] | None = None, fold: Any = _fold_word) -> dict[str, str]:
    """An object of lists of words -> {folded word: its key}."""
    group = data.get(key)
    if not isinstance(group, dict):
        raise ColumnsDataError(f"{_DATA}: {key} must be an object of lists")
    found: dict[str, str] = {}
    for name, words in group.items():
        if allowed is not None and name not in allowed:
            raise ColumnsDataError(f"{_DATA}: {key}.{name} is not one of {', '.join(allowed)}")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ColumnsDataError(f"{_DATA}: {key}.{name} must be a list of strings")
        for word in words:
            found[fold(word)] = name
    return found


def parse_column_words(data: Any) -> ColumnWords:
    if not isinstance(data, dict):
        raise ColumnsDataError(f"{_DATA}: must be a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise ColumnsDataError(f"{_DATA}: unknown key(s) {', '.join(sorted(unknown))}")
    separator = data.get("list_separator")
    if not isinstance(separator, str) or not separator:
        raise ColumnsDataError(f"{_DATA}: list_separator must be a non-empty string")
    for key in ("no_transplant", "blast_header_words"):
        if not isinstance(data.get(key), list) or not all(isinstance(w, str) for w in data[key]):
            raise ColumnsDataError(f"{_DATA}: {key} must be a list of strings")
    return ColumnWords(
        columns=_words(data, "columns", FIELDS, _fold),
        sex=_words(data, "sex", ("female", "male", "other", "unknown")),
        marker_results=_words(data, "marker_results", ("positive", "negative", "unknown")),
        separator=separator,
        no_transplant=frozenset(_fold_word(w) for w in data["no_transplant"]),
        blast_header_words=frozenset(_fold_word(w) for w in data["blast_header_words"]),
    )


@cache
def column_words() -> ColumnWords:
    text = resources.files("trialscope").joinpath(_DATA).read_text(encoding="utf-8")
    return parse_column_words(json.loads(text))


# --- the header ---------------------------------------------------------------------------------------------

_MEASURED = re.compile(r"^\s*(?P<name>[^\[\]]+?)\s*\[(?P<unit>[^\]]*)\]\s*$")


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # as written in the file
    field: str  # a field of FIELDS, or "lab", "blast count", "marker"
    name: str = ""  # a lab's name, a marker's antigen
    unit: str = ""
    site: str | None = None  # a blast count's sample, when its header says it
    method: str | None = None  # a blast count's method, when its header says it


@dataclass(frozen=True, slots=True)
class Header:
    columns: tuple[Column, ...]
    unknown: tuple[str, ...]  # headers the reader does not know: reported, not read
    repeated: tuple[str, ...] = ()  # headers written more than once, or naming a field another column fills
    id_header: str | None = None  # the column of the patient's id, if any

    def notices(self) -> list[str]:
        """What the person should know before the patients are read: the columns that are not read."""
        said = []
        if self.unknown:
            names = ", ".join(repr(h) for h in self.unknown)
            said.append(
                f"column(s) not read: {names}: not a column trialscope knows (the prescreen CSV columns are "
                "listed in the README; a lab is 'name [unit]' with a name the criteria vocabulary knows)"
            )
        if self.repeated:
            names = ", ".join(repr(h) for h in self.repeated)
            said.append(f"column(s) not read: {names}: another column of the same name or meaning is read")
        return said


def _column(header: str) -> Column | None:
    words = column_words()
    folded = _fold(header)
    if folded in words.columns:
        return Column(header, words.columns[folded])
    vocab = vocabulary()
    measured = _MEASURED.match(header)
    if measured:
        name, unit = measured.group("name"), measured.group("unit").strip()
        named = vocab.quantity_matcher.finditer(name)
        if len(named) != 1:
            return None
        if named[0].key != "bone marrow blasts":  # a lab: the whole name is the quantity's ('total bilirubin')
            return (
                Column(header, "lab", name=name, unit=unit)
                if _fold_word(named[0].matched) == _fold_word(name)
                else None
            )
        site = note_words().blast_sites.search(name)
        method = note_words().blast_methods.search(name)
        placed = [m for m in (named[0], site, method) if m is not None]
        rest = [t for s, e, t in tokenise(name) if not any(m.start() <= s and e <= m.end() for m in placed)]
        if unit not in ("", "%") or any(_fold_word(t) not in words.blast_header_words for t in rest):
            return None
        return Column(
            header, "blast count", unit="%", site=site.key if site else None, method=method.key if method else None
        )
    antigen = vocab.antigen_matcher.finditer(header)
    if len(antigen) == 1 and _fold(antigen[0].matched) == folded:
        return Column(header, "marker", name=antigen[0].key)
    return None


@lru_cache(maxsize=64)
def read_header(headers: tuple[str, ...]) -> Header:
    """What each column of a header fills, the columns not known, and those that repeat another (the same
    header twice, or 'ECOG PS' after 'ecog': one of them is read)."""
    columns: list[Column] = []
    unknown: list[str] = []
    repeated: list[str] = []
    seen: set[str] = set()
    for header in headers:
        if not (header or "").strip():
            continue
        column = _column(header)
        if column is None:
            unknown.append(header)
        elif header in seen or (column.field in FIELDS and any(c.field == column.field for c in columns)):
            repeated.append(header)
        else:
            columns.append(column)
        seen.add(header)
    id_header = next((c.header for c in columns if c.field == "id"), None)
    return Header(tuple(columns), tuple(unknown), tuple(dict.fromkeys(repeated)), id_header)


# --- a row --------------------------------------------------------------------------------------------------

Place = tuple[str | int, ...]


class CellError(ValueError):
    """A cell the profile cannot take: the column, the value and what was expected."""

    def __init__(self, column: str, value: str, expected: str) -> None:
        super().__init__(f"column {column!r} has {_shown(value)}: expected {expected}")


def _shown(value: str) -> str:
    value = value if len(value) <= 40 else value[:39] + "…"
    return repr(value) if value else "nothing"


_DATE = r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
_TREATMENT = re.compile(
    rf"^(?:(?P<category>[\w+ -]+?)\s*:\s*)?(?P<name>.+?)"
    rf"(?:\s+(?:(?P<since>since|from)\s+)?(?P<start>{_DATE})"
    rf"(?:\s*(?:to|until|–|—|\.\.|-)\s*(?P<end>{_DATE}|ongoing|now))?)?\s*$",
    re.IGNORECASE,
)
_BOOLEAN: TypeAdapter[bool] = TypeAdapter(bool)


@dataclass(slots=True)
class _Profile:
    """A profile being built from a row, with the column each of its values came from (``sources``, kept
    when ``tracked``: a row is built again, tracked, only to name the column of a value the model refuses)."""

    data: dict[str, Any] = field(default_factory=dict)
    sources: dict[Place, tuple[str, str]] = field(default_factory=dict)  # place -> (column, cell)
    tracked: bool = True

    def put(self, place: Place, value: Any, column: str, cell: str) -> None:
        target: Any = self.data
        for step in place[:-1]:
            target = target[step]
        if isinstance(target, list):
            target.append(value)
        else:
            target[place[-1]] = value
        if self.tracked:
            self.sources[place] = (column, cell)

    def add(self, key: str, value: Any, column: str, cell: str) -> None:
        items = self.data.setdefault(key, [])
        if self.tracked:
            self.sources[(key, len(items))] = (column, cell)
        items.append(value)


def _items(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(column_words().separator) if item.strip()]


def _treatment(item: str, column: str) -> dict[str, Any]:
    found = _TREATMENT.match(item)
    if found is None or not found.group("name").strip():
        raise CellError(column, item, "a treatment: [category:] name [date | date to date | since date]")
    treatment: dict[str, Any] = {"name": found.group("name").strip()}
    if found.group("category"):
        treatment["category"] = found.group("category").strip().lower()
    if found.group("start"):
        treatment["date"] = found.group("start")
    end = (found.group("end") or "").lower()
    if found.group("since") or end in ("ongoing", "now"):
        treatment["ongoing"] = True
    elif end:
        treatment["end_date"] = end
    return treatment


def _marker(item: str) -> dict[str, Any]:
    """'CD117+', 'CD7 -', 'CD33 positive', 'FLT3 not detected' -> the marker and its result ('CD123' alone:
    tested, result unknown)."""
    text = " ".join(item.split())
    low = text.lower()
    results = column_words().marker_results
    for word in _longest_first(tuple(results)):  # the longest result word the item ends with
        if not low.endswith(word) or len(low) == len(word):
            continue
        before = low[-len(word) - 1]
        if word[0].isalnum() and before.isalnum():  # 'neg' inside a name
            continue
        name = text[: len(text) - len(word)].strip(" :=")
        if name:
            return {"name": name, "result": results[word]}
    return {"name": text, "result": "unknown"}


@cache
def _longest_first(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


def _transplant(cell: str, column: str) -> tuple[bool, str]:
    """(given, the transplant's name) from a transplant cell: yes, no, allogeneic, autologous, allo-HSCT ..."""
    if _fold_word(cell) in column_words().no_transplant:
        return False, "stem cell transplant"
    try:
        return _BOOLEAN.validate_python(cell), "stem cell transplant"
    except ValidationError:
        pass
    vocab = vocabulary()
    for name in (cell, f"{cell} transplant"):  # 'allo-HSCT'; 'allogeneic' (transplant)
        found = vocab.patient_matcher.finditer(name)
        whole = len(found) == 1 and _fold_word(found[0].matched) == _fold_word(name)
        if whole and "HSCT" in vocab.concept_ancestors(found[0].key):
            return True, name
    raise CellError(column, cell, "yes, no, allogeneic or autologous")


def _profile(header: Header, row: dict[str, str], tracked: bool = True) -> _Profile:
    words = column_words()
    built = _Profile(
        {"biomarkers": [], "history": [], "labs": [], "treatments": [], "bone_marrow_blasts": []}, tracked=tracked
    )
    by_field = {c.field: c for c in header.columns}

    def cell(name: str) -> tuple[str, str]:
        column = by_field.get(name)
        return ("", "") if column is None else (column.header, (row.get(column.header) or "").strip())

    def simple(name: str, place: Place) -> None:
        column, value = cell(name)
        if value:
            built.put(place, value, column, value)

    simple("id", ("id",))
    simple("as_of", ("as_of",))
    simple("age", ("age_years",))
    simple("birth_date", ("birth_date",))
    simple("life_expectancy_months", ("life_expectancy_months",))
    simple("pregnant", ("pregnant",))
    simple("lactating", ("lactating",))
    column, value = cell("sex")
    if value:
        built.put(("sex",), words.sex.get(_fold_word(value), value), column, value)
    column, value = cell("diagnosis")
    if value:
        built.data["conditions"] = [{"name": value}]
        built.sources[("conditions",)] = (column, value)
    for name, key in (("status", "status"), ("subtype", "subtype"), ("diagnosis_date", "date")):
        if cell(name)[1] and not value:  # a status of no named disease: said, not dropped
            raise CellError(cell(name)[0], cell(name)[1], "a diagnosis beside it, in the diagnosis column")
        simple(name, ("conditions", 0, key))
    ecog, karnofsky = cell("ecog"), cell("karnofsky")
    if ecog[1] and karnofsky[1]:
        raise CellError(karnofsky[0], karnofsky[1], f"nothing when {ecog[0]!r} is given (one performance score)")
    for (column, value), scale in ((ecog, "ECOG"), (karnofsky, "Karnofsky")):
        if value:
            built.put(("performance_status",), {"scale": scale}, column, value)
            built.put(("performance_status", "value"), value, column, value)
    column, value = cell("biomarkers")
    for item in _items(value):
        built.add("biomarkers", _marker(item), column, item)
    for name, present in (("history_yes", True), ("history_no", False)):
        column, value = cell(name)
        if not built.tracked:  # the usual row: many answers, nothing to trace back
            built.data["history"] += [{"name": item, "present": present} for item in _items(value)]
            continue
        for item in _items(value):
            built.add("history", {"name": item, "present": present}, column, item)
    column, value = cell("treatments")
    for item in _items(value):
        built.add("treatments", _treatment(item, column), column, item)
    column, value = cell("transplant")
    if value:
        given, name = _transplant(value, column)
        if given:
            built.add("treatments", {"name": name}, column, value)
            date_column, date = cell("transplant_date")
            if date:
                place = ("treatments", len(built.data["treatments"]) - 1, "date")
                built.put(place, date, date_column, date)
        else:
            built.add("history", {"name": name, "present": False}, column, value)
            if cell("transplant_date")[1]:
                date_column, date = cell("transplant_date")
                raise CellError(date_column, date, f"nothing when {column!r} says no transplant was given")
    elif cell("transplant_date")[1]:
        column, value = cell("transplant_date")
        built.add("treatments", {"name": "stem cell transplant"}, column, value)
        built.put(("treatments", len(built.data["treatments"]) - 1, "date"), value, column, value)
    _blasts(header, row, built)
    for column_spec in header.columns:
        value = (row.get(column_spec.header) or "").strip()
        if not value:
            continue
        if column_spec.field == "lab":
            lab = {"name": column_spec.name, "value": value, "unit": column_spec.unit}
            built.add("labs", lab, column_spec.header, value)
            built.sources[("labs", len(built.data["labs"]) - 1, "value")] = (column_spec.header, value)
        elif column_spec.field == "marker":
            result = words.marker_results.get(_fold_word(value))
            if result is None:
                raise CellError(column_spec.header, value, "positive or negative (+ or -)")
            built.add("biomarkers", {"name": column_spec.name, "result": result}, column_spec.header, value)
    return built


def _blasts(header: Header, row: dict[str, str], built: _Profile) -> None:
    """Blast counts: a 'blasts' column or 'name [%]' columns of the blasts quantity; where and how they were
    counted from their header's words, else from the blasts site / method columns."""
    columns = {c.field: c for c in header.columns}
    given = {
        f: (row.get(columns[f].header) or "").strip()
        for f in ("blasts_site", "blasts_method", "blasts_date")
        if f in columns
    }
    site = method = None
    if given.get("blasts_site"):
        found = note_words().blast_sites.search(given["blasts_site"])
        if found is None:
            raise CellError(columns["blasts_site"].header, given["blasts_site"], "bone marrow or peripheral blood")
        site = found.key
    if given.get("blasts_method"):
        found = note_words().blast_methods.search(given["blasts_method"])
        if found is None:
            raise CellError(columns["blasts_method"].header, given["blasts_method"], "morphology or flow cytometry")
        method = found.key
    for column in header.columns:
        if column.field not in ("blasts", "blast count"):
            continue
        value = (row.get(column.header) or "").strip().removesuffix("%").strip()
        if not value:
            continue
        count: dict[str, Any] = {"value": value, "sample": column.site or site or "bone marrow"}
        if column.method or method:
            count["method"] = column.method or method
        if given.get("blasts_date"):
            count["date"] = given["blasts_date"]
        built.add("bone_marrow_blasts", count, column.header, value)
        index = len(built.data["bone_marrow_blasts"]) - 1
        built.sources[("bone_marrow_blasts", index, "value")] = (column.header, value)
        if "date" in count:
            date_column = columns["blasts_date"].header
            built.sources[("bone_marrow_blasts", index, "date")] = (date_column, given["blasts_date"])


_EXPECTED = {
    "float_parsing": "a number",
    "float_type": "a number",
    "finite_number": "a finite number",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_inexact": "a date (YYYY-MM-DD)",
    "date_type": "a date (YYYY-MM-DD)",
    "bool_parsing": "yes or no",
    "bool_type": "yes or no",
}


def _expected(error: PatientFileError) -> str:
    if error.kind in _EXPECTED:
        return _EXPECTED[error.kind]
    said = error.problem.removeprefix("Input should be ").removeprefix("Value error, ")
    if error.kind == "value_error" and " is a score from " in said:  # the scale's own range
        return "a" + said.split(" is", 1)[1].removeprefix(" a")
    return f"a number {said}" if error.kind.startswith(("greater_than", "less_than")) else said


def _source(built: _Profile, place: Place) -> tuple[str, str] | None:
    """The column (and cell) a refused value came from: the nearest place a column filled."""
    for end in range(len(place), 0, -1):
        found = built.sources.get(place[:end])
        if found is not None:
            return found
    return None


def patient_from_cells(header: Header, row: dict[str, str], origin: str) -> Patient:
    """The patient of one row, checked by the profile model; ``CellError`` or ``PatientFileError`` (with the
    column named) when a value cannot be taken."""
    built = _profile(header, row, tracked=False)
    built.data.setdefault("id", origin)
    try:
        return patient_from_dict(built.data, origin)
    except PatientFileError as exc:
        built = _profile(header, row)  # again, with the column of each value
        source = _source(built, exc.field)
        if source is None:
            raise PatientFileError(f"{'.'.join(str(p) for p in exc.field)}: {exc.problem}") from None
        raise CellError(source[0], source[1], _expected(exc)) from None


# --- the lean path: many rows of one header ------------------------------------------------------------------
#
# A file's rows share a header, so what each column fills is worked out once (``RowPlan``), and a row is a
# sequence of cells in the header's order. ``lean_profile`` builds the same profile ``_profile`` does for the
# usual row, with the column words looked up once per distinct cell (markers, treatments), and gives up (None)
# on anything that would be refused or that needs the row's other rules (a status without a diagnosis, two
# performance scores, a transplant or blasts' site and method columns): the caller then reads the row by the
# full path, so a refused row is reported in the same words. ``tests/patients/test_table_lean.py`` holds the
# two to the same profiles.

_SIMPLE = (
    ("id", "id"),
    ("as_of", "as_of"),
    ("age", "age_years"),
    ("birth_date", "birth_date"),
    ("life_expectancy_months", "life_expectancy_months"),
    ("pregnant", "pregnant"),
    ("lactating", "lactating"),
)
_CONDITION = (("status", "status"), ("subtype", "subtype"), ("diagnosis_date", "date"))
_FULL_PATH_ONLY = ("transplant", "transplant_date", "blasts_site", "blasts_method", "blasts_date")


@dataclass(frozen=True, slots=True)
class RowPlan:
    """What each cell of a header's rows fills: positions in the row's cells (a header written twice: the
    last column of that name, as a row read into a dict keeps it)."""

    header: Header
    names: tuple[str, ...]  # the file's header, as written (repeats kept)
    simple: tuple[tuple[int, str], ...]  # (position, profile key)
    sex: int | None
    diagnosis: int | None
    condition: tuple[tuple[int, str], ...]  # (position, key of the condition) for status, subtype, date
    ecog: int | None
    karnofsky: int | None
    biomarkers: int | None
    history: tuple[tuple[int, bool], ...]  # (position, present)
    treatments: int | None
    blasts: tuple[int, ...]
    blast_samples: tuple[str, ...]  # each blasts column's sample (its header's, else bone marrow)
    blast_methods: tuple[str | None, ...]
    labs: tuple[tuple[int, str, str], ...]  # (position, name, unit)
    markers: tuple[tuple[int, str, str], ...]  # (position, antigen, header)
    lean: bool  # False: a column only the full path reads is there


@lru_cache(maxsize=64)
def row_plan(names: tuple[str, ...]) -> RowPlan:
    """The plan of a header as the file writes it (``names``: its cells, in order, repeats kept)."""
    position = {name: index for index, name in enumerate(names)}
    header = read_header(tuple(position))
    by_field = {c.field: position[c.header] for c in header.columns}
    columns = header.columns
    blasts = [c for c in columns if c.field in ("blasts", "blast count")]
    return RowPlan(
        header=header,
        names=names,
        simple=tuple((by_field[f], key) for f, key in _SIMPLE if f in by_field),
        sex=by_field.get("sex"),
        diagnosis=by_field.get("diagnosis"),
        condition=tuple((by_field[f], key) for f, key in _CONDITION if f in by_field),
        ecog=by_field.get("ecog"),
        karnofsky=by_field.get("karnofsky"),
        biomarkers=by_field.get("biomarkers"),
        history=tuple((by_field[f], yes) for f, yes in (("history_yes", True), ("history_no", False)) if f in by_field),
        treatments=by_field.get("treatments"),
        blasts=tuple(position[c.header] for c in blasts),
        blast_samples=tuple(c.site or "bone marrow" for c in blasts),
        blast_methods=tuple(c.method for c in blasts),
        labs=tuple((position[c.header], c.name, c.unit) for c in columns if c.field == "lab"),
        markers=tuple((position[c.header], c.name, c.header) for c in columns if c.field == "marker"),
        lean=not any(f in by_field for f in _FULL_PATH_ONLY),
    )


@lru_cache(maxsize=4096)
def _marker_item(item: str) -> dict[str, Any]:
    return _marker(item)  # (shared by the rows that hold it: the model reads it, nothing changes it)


@lru_cache(maxsize=8192)
def _treatment_item(item: str) -> dict[str, Any] | None:
    try:
        return _treatment(item, "")
    except CellError:
        return None


def lean_profile(plan: RowPlan, cells: Sequence[str], origin: str) -> dict[str, Any] | None:
    """The profile ``_profile`` builds from a row of stripped cells (the header's order), or None when the
    row needs the full path (to be refused in its words, or for a rule only it applies)."""
    if not plan.lean:
        return None
    words = column_words()
    data: dict[str, Any] = {"biomarkers": [], "history": [], "labs": [], "treatments": [], "bone_marrow_blasts": []}
    for index, key in plan.simple:
        if cells[index]:
            data[key] = cells[index]
    if plan.sex is not None and cells[plan.sex]:
        value = cells[plan.sex]
        data["sex"] = words.sex.get(_fold_word(value), value)
    diagnosis = cells[plan.diagnosis] if plan.diagnosis is not None else ""
    if diagnosis:
        condition = {"name": diagnosis}
        data["conditions"] = [condition]
        for index, key in plan.condition:
            if cells[index]:
                condition[key] = cells[index]
    elif any(cells[index] for index, _ in plan.condition):
        return None  # a status of no named disease: the full path says so
    ecog = cells[plan.ecog] if plan.ecog is not None else ""
    karnofsky = cells[plan.karnofsky] if plan.karnofsky is not None else ""
    if ecog and karnofsky:
        return None
    if ecog or karnofsky:
        data["performance_status"] = {"scale": "ECOG" if ecog else "Karnofsky", "value": ecog or karnofsky}
    separator = words.separator
    if plan.biomarkers is not None and cells[plan.biomarkers]:
        markers = data["biomarkers"]
        for item in cells[plan.biomarkers].split(separator):
            item = item.strip()
            if item:
                markers.append(_marker_item(item))
    history = data["history"]
    for index, present in plan.history:
        if cells[index]:
            history += [{"name": i, "present": present} for i in map(str.strip, cells[index].split(separator)) if i]
    if plan.treatments is not None and cells[plan.treatments]:
        treatments = data["treatments"]
        for item in cells[plan.treatments].split(separator):
            item = item.strip()
            if item:
                treatment = _treatment_item(item)
                if treatment is None:
                    return None
                treatments.append(treatment)
    for index, sample, method in zip(plan.blasts, plan.blast_samples, plan.blast_methods, strict=True):
        value = cells[index].removesuffix("%").strip()
        if value:
            count: dict[str, Any] = {"value": value, "sample": sample}
            if method:
                count["method"] = method
            data["bone_marrow_blasts"].append(count)
    labs = data["labs"]
    for index, name, unit in plan.labs:
        if cells[index]:
            labs.append({"name": name, "value": cells[index], "unit": unit})
    for index, antigen, _ in plan.markers:
        if cells[index]:
            result = words.marker_results.get(_fold_word(cells[index]))
            if result is None:
                return None
            data["biomarkers"].append({"name": antigen, "result": result})
    data.setdefault("id", origin)
    return data


def lean_patient(plan: RowPlan, cells: Sequence[str], origin: str) -> Patient | None:
    """The patient of a row by the lean path (the profile model checks it whole), or None: read it by the full
    path (``patient_from_cells``), which refuses it in its words or applies the rules the lean path leaves."""
    data = lean_profile(plan, cells, origin)
    if data is None:
        return None
    data["history"] = [answer(item["name"], item["present"]) for item in data["history"]]  # (validated once)
    try:
        return Patient.model_validate(data)  # (no key of its own making is unknown to the format)
    except ValidationError:
        return None
