"""Threshold expressions in a criterion's text: every comparison with a value or a range, and its unit,
before it is attached to the quantity it is about (``quantities.py``).

Expressions: ``≤ 1.5 × ULN``, ``>= 60 mL/min``, ``not less than 3 months``, ``18-75 years``,
``between 18 and 70``, ``0, 1, or 2``, ``2 or more``, ``grade 3 or higher``, ``class III or IV``, a blood
pressure as a pair (``> 160/100 mmHg``). The comparison words are the reviewed ones of
``data/criteria/cues.json`` (``comparators``, ``comparator_suffixes``).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, insort
from dataclasses import dataclass
from typing import cast

from trialscope.criteria.cues import cues
from trialscope.criteria.model import TIME_UNITS, Comparator
from trialscope.criteria.text import WORD_NUMBERS
from trialscope.criteria.vocabulary import Vocabulary

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}

_COMPARATOR_PHRASES = cast("tuple[tuple[str, Comparator], ...]", cues().comparators)  # data/criteria/cues.json
_SYMBOLS: dict[str, Comparator] = {
    "≤": "<=",
    "<=": "<=",
    "=<": "<=",
    "≥": ">=",
    ">=": ">=",
    "=>": ">=",
    "<": "<",
    ">": ">",
    "=": "=",
    "⩽": "<=",
    "⩾": ">=",
}
_SUFFIX_PHRASES = cast("tuple[tuple[str, Comparator], ...]", cues().comparator_suffixes)  # "or more": >=

_NUM = (
    r"(?:(?<=[≤≥<>=])\d+,\d(?![\d,])|(?<=[≤≥<>=] )\d+,\d(?![\d,])"  # "≥18,5": a decimal comma after a comparator
    r"|\d{1,3}(?:,\d{3})+(?![\d,])"
    r"|\d+,\d{2}(?![\d,])"  # "39,99": two decimals after a comma cannot be thousands
    r"|\d+,\d(?![\d,])(?=\s*(?!or\b|and\b|to\b)[A-Za-zµμ%/])"  # decimal comma before a unit: "7,0 mmol/l"
    r"|\d+(?:\.\d+)?|\.\d+)"
)
_WORD_NUM = r"(?:" + "|".join(WORD_NUMBERS) + r")"
_VALUE = rf"(?:(?<![A-Za-z0-9.\-/])(?:{_NUM})(?![\d])|(?<![A-Za-z]){_WORD_NUM}(?![A-Za-z]))"
# after a comparator the value may be glued to it ("equal to or greater than100 g/L")
_CMP_VALUE = rf"(?:(?:(?<![A-Za-z0-9.\-/])|(?<=than))(?:{_NUM})(?![\d])|(?<![A-Za-z]){_WORD_NUM}(?![A-Za-z]))"
_VALUE2 = rf"(?:(?<![A-Za-z0-9./])(?:{_NUM})(?![\d])|(?<![A-Za-z]){_WORD_NUM}(?![A-Za-z]))"  # after "-" in a range
# a phrase's words apart by any white space, a line break among them ("greater than or\n    equal to")
_PHRASES = "|".join(r"\s+".join(re.escape(word) for word in p.split(" ")) for p, _ in _COMPARATOR_PHRASES)
COMPARATOR = (
    r"(?:(?i:" + _PHRASES + r")\s*(?i:of\s+|to\s+|than\s+)?"
    r"(?:\(\s*[≤≥<>=/]{1,3}\s*\)\s*)?(?:[≤≥<>=⩽⩾]{1,2}\s*)?|(?:[<>=]\s?[<>=]|[≤≥<>⩽⩾]|(?<![<>=])=(?!=)))"
)
# Where a comparator can begin: a sign, or the first two characters of a phrase. An expression that begins
# with a comparator tries its phrases only there (the same matches, found without trying ~80 phrases at every
# character of an item).
_COMPARATOR_AHEAD = (
    r"(?=[≤≥<>=⩽⩾]|(?i:" + "|".join(sorted({re.escape(p[:2]) for p, _ in _COMPARATOR_PHRASES})) + r"))"
    if all(len(p) >= 2 for p, _ in _COMPARATOR_PHRASES)
    else ""
)
_REVERSED: dict[Comparator, Comparator] = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
_SEP = r"\s*(?:-|~|to|–|and)\s*"
_NEGATED: dict[Comparator, Comparator] = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "="}
# "has not recovered to ≤ grade 1", "failed to return to baseline or grade 1 or less": the limit is the one
# not reached, so what the criterion names is the other side of it (grade > 1)
_NOT_REACHED_WORDS = (
    r"(?i)\b(?:not|never|failed\s+to|unable\s+to|yet\s+to)\s+(?:yet\s+)?(?:been\s+)?(?:fully\s+)?"
    r"(?:recover|resolv|return|improv|revert|declin|decreas|reduc)\w*"
    r"(?:\s+(?:back|fully|completely))?(?:\s+(?:to|at)\s+(?:(?:the\s+)?baseline(?:\s+levels?)?|pre-?treatment\s+levels?)"
    r"(?:\s+(?:or|and/or)\s+(?:to\s+)?)?)?(?:\s*(?:to|at))?\s*(?:ctcae\s+(?:v\d+(?:\.\d+)?\s+)?)?(?:grade\s*)?"
)
_NOT_REACHED = re.compile(_NOT_REACHED_WORDS + "$")
NOT_REACHED = re.compile(_NOT_REACHED_WORDS)  # the same words wherever they stand: placed by the reading

# Expressions, most specific first; each has named groups among: cmp, v1, v2, list, suffix, roman1, roman2.
_EXPRESSION_LIST = [
    # between 18 and 75 / from 18 to 75 / between the ages of 60 and 85
    re.compile(
        rf"(?i:between|from)\s+(?:(?i:the\s+)?(?P<age>(?i:ages?))\s+(?i:of\s+))?(?P<v1>{_VALUE})\s*(?:-|~|to|and|an|–)\s*"
        rf"(?P<v2>{_VALUE2})"
    ),
    # class III or IV / grade II or greater / class II-IV / ≥ grade III
    re.compile(
        rf"(?:(?P<cmp>{COMPARATOR})\s*)?(?i:(?P<word>class|grade|stage)\s+)(?P<roman1>IV|I{{1,3}}|V)(?![A-Za-z])"
        r"(?:(?:\s*(?:,|/|or)\s*(?:IV|I{1,3}|V)(?![A-Za-z]))*\s*(?:,\s*(?:or|and)|or|-|–|/|to|and|,)\s*"
        r"(?P<roman2>IV|I{1,3}|V)(?![A-Za-z]))?"
        r"(?:\s+(?P<suffix>(?i:or greater|or higher|or more|or above|or less|or lower)))?"
    ),
    # Minimum Age: 18 Years / maximum age 65
    re.compile(rf"(?P<minmax>(?i:minimum|maximum|min\.?|max\.?))\s+(?P<age>(?i:age))\s*[:=]?\s*(?P<v1>{_VALUE})"),
    # between 20 years old and 65 years old
    re.compile(
        rf"(?i:between)\s+(?P<v1>{_VALUE})\s*(?i:years?|months?)(?:\s+(?i:old|of\s+age))?\s+(?i:and|to)\s+"
        rf"(?P<v2>{_VALUE2})"
    ),
    # 18 years to 65 years / 20 years old to 70 / 18- and 65-years / 8yr-18yrs: the unit after each value
    re.compile(
        rf"(?P<v1>{_VALUE})\s*-?\s*(?P<u1>(?i:years?|yrs?|months?))(?:\s+(?i:old|of\s+age))?\s*(?:-|~|–|to|and)\s*"
        rf"(?P<v2>{_VALUE2})(?=\s*-?\s*(?i:years?|yrs?|months?|y/?o)\b)"
    ),
    # 7% to 11% / 45 degrees to 90 degrees: a range whose unit is written after both values
    re.compile(rf"(?P<v1>{_VALUE})\s*(?P<u>%|[A-Za-zµμ/]{{1,10}})\s*(?:-|~|–|to|and)\s*(?P<v2>{_VALUE2})(?=\s*(?P=u))"),
    # 18+ years
    re.compile(rf"(?P<v1>{_VALUE})(?P<suffix>\+)(?=\s*(?i:years?|yrs?|y/?o)\b)"),
    # under the age of 18
    re.compile(
        rf"{_COMPARATOR_AHEAD}(?P<cmp>{COMPARATOR})\s*(?i:the\s+)?(?P<age>(?i:age))\s+(?i:of\s+)?(?P<v1>{_VALUE})"
    ),
    # 18 < age < 80 / 145 mmHg ≤ SBP: a value, then a comparator, then the quantity (the comparison reversed)
    re.compile(rf"(?P<v1>{_VALUE})\s*(?:[A-Za-zµμ%/]{{1,8}}\s*)?(?P<rcmp><=|=<|≤|<)\s*(?=[A-Za-z])"),
    # stage 4 / stages 3 and 4 / class 3 or 4: a stage or class written in digits
    re.compile(
        r"(?P<word>(?i:stage|class))(?i:e?s)?\s+(?P<v1>\d)(?!\d|[.,]\d)"
        r"(?:\s*(?:or|and|-|to)\s*(?:(?i:stage|class)\s*)?(?P<v2>\d)(?!\d|[.,]\d))?"
    ),
    # comparator [grade|class] value
    re.compile(rf"{_COMPARATOR_AHEAD}(?P<cmp>{COMPARATOR})\s*(?P<word>(?i:grade|class|stage)\s*)?(?P<v1>{_CMP_VALUE})"),
    # Glasgow coma scale of 15 / Gleason score 7 / Clinical Dementia Rating of 0: a score's value, that value
    re.compile(
        rf"(?P<lead>(?i:score|scale|rating|index)\s*(?i:of\s+|[:=]\s*)?)(?P<v1>{_VALUE})"
        rf"(?!\s*(?:%|-|~|–|to\b|or\b|and\b|/|\d|[.,]\d))"
    ),
    # 0, 1, or 2  /  0 or 1  /  3 (moderate) or 4 (severe)
    re.compile(
        rf"(?P<v1>{_VALUE})(?:\s*\([^)]{{0,20}}\))?(?P<list>(?:\s*,\s*{_VALUE}(?:\s*\([^)]{{0,20}}\))?)*\s*,?\s*(?i:or|and)\s+)"
        rf"(?P<v2>{_VALUE})(?!\d|\.\d|\s*(?:-|~|to)\s*\d)(?:\s*\([^)]{{0,20}}\))?"
    ),
    # 18-75 / 0~2 / 0 to 2
    re.compile(rf"(?P<v1>{_VALUE}){_SEP}(?P<v2>{_VALUE2})"),
    # 2 or more / 3 or higher
    re.compile(
        rf"(?P<v1>{_VALUE})\s*(?P<uw>[A-Za-zµμ%][A-Za-z/µμ%0-9]{{0,10}}(?:\s+(?i:of\s+age|old))?)?\s*(?P<suffix>(?i:"
        + "|".join(re.escape(p) for p, _ in sorted(_SUFFIX_PHRASES, key=lambda x: -len(x[0])))
        + r"))"
    ),
    # grade 2 or higher (word before value, comparator after)
    re.compile(
        rf"(?P<word>(?i:grade|class|stage))\s*(?P<v1>{_VALUE})\s*(?P<suffix>(?i:"
        + "|".join(re.escape(p) for p, _ in _SUFFIX_PHRASES)
        + r"))"
    ),
    # a bare value followed by xULN ("2.5 ULN", "3 times the upper limit of normal")
    re.compile(rf"(?P<v1>{_VALUE})\s*(?=[x×*]?\s*(?i:times|ULN|upper\s+limit))"),
]
# Where a value can begin: a digit or a point, or the first two letters of a number word. An expression that
# begins with a value tries it only there (the same matches).
_VALUE_AHEAD = r"(?=[\d.]|" + "|".join(sorted({re.escape(w[:2]) for w in WORD_NUMBERS})) + ")"
_EXPRESSION_LIST = [
    re.compile(_VALUE_AHEAD + p.pattern, p.flags) if p.pattern.startswith(f"(?P<v1>{_VALUE})") else p
    for p in _EXPRESSION_LIST
]
_TRAILING_SUFFIX = re.compile(
    r"\s*(or\s+(?:less|lower|below|fewer|under|more|higher|greater|above|over))\b", re.IGNORECASE
)
# What an item must contain for an expression to be worth running (most items lack these words or signs):
# the keywords found in an item are collected by one scan, then each expression checks its own.
_KEYWORDS = re.compile(
    r"(?i)between|from|class|grade|stage|min|max|year|yr|month|\+|<|≤|age|score|scale|rating|index|times|ULN|upper"
)
_NEEDS: dict[int, frozenset[str]] = {
    index: frozenset(needs.split())
    for index, needs in (
        (0, "between from"),
        (1, "class grade stage"),
        (2, "min max"),
        (3, "between"),
        (4, "year yr month"),
        (6, "+"),
        (7, "age"),
        (8, "< ≤"),
        (9, "stage class"),
        (11, "score scale rating index"),
        (15, "grade class stage"),
        (16, "times uln upper"),
    )
}
_EXPRESSIONS = [(pattern, _NEEDS.get(index)) for index, pattern in enumerate(_EXPRESSION_LIST)]
_ANY_NUMBER = re.compile(
    r"\d|(?i:\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b)"
    r"|(?i:\b(?:class|grade|stage)\s+[IV])"
)
AGE_CONTEXT = re.compile(r"(?i:\bold\b|\bof\s+age\b|\baged?\b|\byears?\s+or\s+older)")


@dataclass(slots=True)
class Threshold:
    """A threshold expression before it is attached to a quantity."""

    start: int
    end: int
    comparators: list[tuple[Comparator, float]]  # one (x <= v) or two (a range) bounds
    unit: str
    is_range: bool
    scale_word: str | None  # "grade" / "class" written with the value
    about_age: bool = False  # "18 or older": only ages are older or younger
    is_list: bool = False  # "0, 1, or 2" / "1 or 2": a list of values, no comparator written
    pressure_pair: bool = False  # "> 160/100 mmHg": a systolic and a diastolic bound, one comparison


def _value(text: str) -> float:
    lowered = text.lower()
    if lowered in WORD_NUMBERS:
        return float(WORD_NUMBERS[lowered])
    if re.fullmatch(r"\d+,\d{1,2}", text):  # a decimal comma: "7,0 mmol/l"
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def _comparator(text: str) -> Comparator:
    lowered = re.sub(r"([<>])\s*(?:/|or)\s*=", r"\1=", " ".join(text.lower().split()))  # "> or =", ">/="
    lowered = re.sub(r"([<>=]) ([<>=])", r"\1\2", lowered)  # "=\<" with its markdown escape read as a space
    symbols = re.findall(r"<=|>=|=<|=>|[≤≥<>⩽⩾=]", lowered)
    if symbols:
        return _SYMBOLS[symbols[-1]]  # "more than ≥ 500": the symbol nearest the number decides
    for phrase, comparator in _COMPARATOR_PHRASES:
        if lowered.startswith(phrase):
            return comparator
    raise ValueError(f"not a comparator: {text!r}")


def _unit_after(norm: str, position: int, vocab: Vocabulary) -> tuple[str, int]:
    """The unit written right after a value, and where it ends ('' when there is none)."""
    rest = norm[position : position + 60]
    stripped = len(rest) - len(rest.lstrip(" "))
    for canonical, pattern in vocab.units:
        match = pattern.match(rest, stripped)
        if match:
            return canonical, position + match.end()
    return "", position


# "> 160/100 mmHg", "160/110 mmHg or more", "≥ 180 / 110mmHg", "blood pressure < 140/90": a blood pressure
# written as systolic/diastolic, under one comparison
_PRESSURE_PAIR = re.compile(
    rf"(?P<cmp>{COMPARATOR})?\s*(?P<v1>\d{{2,3}})\s*/\s*(?P<v2>\d{{2,3}})(?!\s*/|\d)\s*(?P<unit>mm\s*Hg)?"
    r"(?:\s*(?P<suffix>or\s+(?:more|higher|greater|above|less|lower|below)))?",
    re.IGNORECASE,
)
_PRESSURE_CONTEXT = re.compile(r"(?i)blood\s+pressure|\bBP\b|hypertens|hypotens|mm\s*Hg")


def _pressure_pairs(norm: str, start: int, end: int) -> list[Threshold]:
    """Blood pressures written as a pair ("> 160/100 mmHg"): one threshold with both bounds. A pair needs a
    comparison and a blood-pressure context (the unit, or "blood pressure", "BP", "hypertension" before it)."""
    found = []
    for match in _PRESSURE_PAIR.finditer(norm, start, end):
        cmp, suffix = match.group("cmp"), (match.group("suffix") or "").lower()
        if not cmp and not suffix:
            continue
        context = norm[max(start, match.start() - 60) : match.end()]
        if not (match.group("unit") or _PRESSURE_CONTEXT.search(context)):
            continue
        systolic, diastolic = float(match.group("v1")), float(match.group("v2"))
        if not (60 <= systolic <= 260 and 30 <= diastolic <= 160 and diastolic < systolic):
            continue
        comparator = _comparator(cmp) if cmp else dict(_SUFFIX_PHRASES)[" ".join(suffix.split())]
        begin = match.start("cmp") if cmp else match.start("v1")
        found.append(
            Threshold(
                begin,
                match.end(),
                [(comparator, systolic), (comparator, diastolic)],
                "mmHg",
                False,
                None,
                pressure_pair=True,
            )
        )
    return found


def begin_of(match: re.Match[str], groups: dict[str, str | None]) -> int:
    """Where a threshold's text begins: its value when a score's name leads ("Glasgow coma scale of 15")."""
    return match.start("v1") if groups.get("lead") else match.start()


class _Taken:
    """The stretches already read as thresholds, sorted, asked whether a match overlaps one (by bisection, so
    a long one-line text stays linear)."""

    def __init__(self, spans: list[tuple[int, int]] | None = None) -> None:
        self._spans = sorted(spans or [])
        self._longest = max((b - a for a, b in self._spans), default=0)

    def add(self, start: int, end: int) -> None:
        insort(self._spans, (start, end))
        self._longest = max(self._longest, end - start)

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_left(self._spans, (end, -1))  # the stretches that begin before the match ends
        while index > 0:
            index -= 1
            a, b = self._spans[index]
            if a + self._longest <= start:
                return False  # this one and every earlier one end before the match begins
            if b > start:
                return True
        return False


def find_thresholds(norm: str, start: int, end: int, vocab: Vocabulary) -> list[Threshold]:
    """Threshold expressions in norm[start:end], non-overlapping, in text order."""
    found: list[Threshold] = []
    taken = _Taken()
    if not _ANY_NUMBER.search(norm, start, end):
        return found  # no digit, number word or roman class: nothing to find (most items)
    if "/" in norm[start:end]:
        found = _pressure_pairs(norm, start, end)
        taken = _Taken([(t.start, t.end) for t in found])
    present = {m.group(0).lower() for m in _KEYWORDS.finditer(norm, start, end)}
    for pattern, needs in _EXPRESSIONS:
        if needs is not None and needs.isdisjoint(present):
            continue
        for match in pattern.finditer(norm, start, end):
            if taken.overlaps(match.start(), match.end()):
                continue
            groups = match.groupdict()
            scale_word = (groups.get("word") or "").strip().lower() or None
            values: list[float]
            if groups.get("roman1"):
                values = [float(_ROMAN[groups["roman1"].lower()])]
                if groups.get("roman2"):
                    values.append(float(_ROMAN[groups["roman2"].lower()]))
                unit, unit_end = "", match.end()
            else:
                try:
                    values = [_value(groups["v1"])] + ([_value(groups["v2"])] if groups.get("v2") else [])
                except ValueError:
                    continue
                if groups.get("uw"):
                    unit = _unit_after(norm, match.start("uw"), vocab)[0]
                    unit_end = match.end()
                elif groups.get("rcmp"):  # "145 mmHg ≤ SBP": the unit is the value's, before the comparator
                    unit, unit_end = _unit_after(norm, match.end("v1"), vocab)[0], match.end()
                else:
                    unit, unit_end = _unit_after(norm, match.end(), vocab)
                if unit_end > end:
                    unit, unit_end = "", match.end()
                first_unit = (groups.get("u1") or "").lower()[:1]  # "18 months to 75 years": each its own unit
                if first_unit == "m" and unit == "years":
                    values[0] /= 12
                elif first_unit == "y" and unit == "months":
                    values[0] *= 12
            suffix = (groups.get("suffix") or "").lower()
            comparator: Comparator
            bounds: list[tuple[Comparator, float]]
            if groups.get("minmax"):
                comparator = ">=" if groups["minmax"].lower().startswith("min") else "<="
                bounds = [(comparator, values[0])]
                is_range = False
            elif groups.get("cmp"):
                comparator = _comparator(groups["cmp"])
                bounds = [(comparator, values[0])]
                is_range = False
            elif groups.get("rcmp"):
                comparator = _REVERSED[_comparator(groups["rcmp"])]  # "18 < age": age > 18
                bounds = [(comparator, values[0])]
                is_range = False
            elif suffix:
                comparator = dict(_SUFFIX_PHRASES)[suffix]
                bounds = [(comparator, min(values) if comparator == ">=" else max(values))]
                is_range = False
            elif len(values) == 2 or groups.get("list") is not None:
                listed = values
                if groups.get("list") is not None and groups.get("v2"):
                    listed = [_value(x) for x in re.findall(_NUM, match.group(0))] or values
                low, high = min(listed), max(listed)
                if low == high:
                    continue
                bounds = [(">=", low), ("<=", high)]
                is_range = True
            elif groups.get("lead"):
                bounds = [("=", values[0])]  # "Glasgow coma scale of 15"
                is_range = False
            elif groups.get("roman1") or scale_word in ("stage", "class"):
                bounds = [("=", values[0])]  # "class IV", "stage 4": that stage
                is_range = False
            elif unit == "xULN":
                trailing = _TRAILING_SUFFIX.match(norm, unit_end, end)  # "1.5 x ULN or less"
                if trailing:
                    comparator = dict(_SUFFIX_PHRASES)[" ".join(trailing.group(1).lower().split())]
                    unit_end = trailing.end()
                else:
                    comparator = "<="  # "2.5 ULN" with no comparator: a ceiling, as criteria mean it
                bounds = [(comparator, values[0])]
                is_range = False
            else:
                continue
            after_text = norm[unit_end : unit_end + 30].lower()
            if (is_range and "scale" in after_text) or (not unit and all(1900 <= v <= 2100 for v in values)):
                continue  # "a 0-10 pain scale" describes a scale; "between 2012 and 2014" are dates
            begin = begin_of(match, groups)  # a score's name that leads is not the value
            before = norm[max(start, begin - 90) : begin]
            not_reached = _NOT_REACHED.search(before) if not is_range else None
            if not_reached and not re.search(r"[;.]", not_reached.group(0)):
                bounds = [(_NEGATED["<=" if c == "=" else c], v) for c, v in bounds]  # "back to grade 1": ≤ 1
            about_age = (
                "older" in suffix
                or "younger" in suffix
                or bool(groups.get("age"))
                or bool(re.match(r"(?i)(?:older|younger)\s+than", groups.get("cmp") or ""))
            )  # only ages are older or younger
            is_list = groups.get("list") is not None
            inclusive = _INCLUSIVE_AFTER.match(norm, unit_end, end)
            if inclusive is not None and not is_range:  # "above 18 (inclusive)": the bound itself is in
                bounds = [(_WITH_BOUND.get(c, c), v) for c, v in bounds]
                unit_end = inclusive.end()
            found.append(Threshold(begin, unit_end, bounds, unit, is_range, scale_word, about_age, is_list))
            taken.add(begin, unit_end)
    found.sort(key=lambda t: t.start)
    _share_units(norm, found)
    return found


# "(inclusive)" after a strict bound, over the unit's words: the bound belongs to the range
_INCLUSIVE_AFTER = re.compile(r"(?i)\s*(?:years?(?:\s+old)?\s*)?[(\[,]?\s*inclusive(?:ly)?\s*[)\]]?")
_WITH_BOUND: dict[str, Comparator] = {">": ">=", "<": "<="}


# "and", "or", a comma, or a group the first bound is for: "HDL <50 in females, <40 mg/dL in males"
_BOUND_JOIN = re.compile(r"(?i)^\s*(?:(?:in|for)\s+[A-Za-z]+(?:\s+[A-Za-z]+)?\s*)?(?:,|and|or|but|,\s*and)\s*$")


def _share_units(norm: str, found: list[Threshold]) -> None:
    """'≥ 18.5 and ≤ 27.0 kg/m2', '> 18 and < 60 years of age', '<30 or >69 years old': a bare bound joined to
    the next one by 'and'/'or' takes its unit (and whether it is an age)."""
    for first, second in itertools.pairwise(found):
        if first.unit or not second.unit or first.is_range or first.is_list or first.scale_word:
            continue
        if _BOUND_JOIN.match(norm[first.end : second.start]):
            first.unit = second.unit
            if second.unit in TIME_UNITS and AGE_CONTEXT.search(norm[second.start : second.end + 12]):
                second.about_age = True  # "≥20 and ≤80 years of age": both bounds are ages
            first.about_age = first.about_age or second.about_age
