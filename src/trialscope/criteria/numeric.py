"""Numeric thresholds on patient quantities: find every threshold expression in an item (comparator,
value or range, unit), then attach it to the quantity it is about.

Expressions: ``≤ 1.5 × ULN``, ``>= 60 mL/min``, ``not less than 3 months``, ``18-75 years``,
``between 18 and 70``, ``0, 1, or 2``, ``2 or more``, ``grade 3 or higher``, ``class III or IV``.
Attachment: the nearest quantity named before it in the same clause (or just after it: ``>5% bone marrow
blasts``); quantities joined by "and", "/" or "," share one threshold (``ALT and AST ≤ 3 × ULN``); a
threshold with no quantity of its own right after another one ("> 5% (by morphology), and/or > 0.01%")
is an alternative for the same quantity; a parenthesised absolute value after a ×ULN one is its twin.
Time amounts are thresholds only for age and life expectancy; elsewhere they are time windows (concepts).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from typing import cast

from trialscope.criteria.cues import cues
from trialscope.criteria.memo import remembered
from trialscope.criteria.model import TIME_UNITS, Comparator
from trialscope.criteria.text import CLAUSE_OR_LABEL_BREAK, WORD_NUMBERS, clause_bounds
from trialscope.criteria.vocabulary import Quantity, Vocabulary

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
_SUFFIX_PHRASES: list[tuple[str, Comparator]] = [
    ("+", ">="),
    ("or more", ">="),
    ("or greater", ">="),
    ("or higher", ">="),
    ("or above", ">="),
    ("and above", ">="),
    ("or over", ">="),
    ("or less", "<="),
    ("or fewer", "<="),
    ("or lower", "<="),
    ("or below", "<="),
    ("and below", "<="),
    ("or under", "<="),
    ("and older", ">="),
    ("or older", ">="),
    ("and over", ">="),
    ("and up", ">="),
    ("or younger", "<="),
    ("and younger", "<="),
]

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
_COMPARATOR = (
    r"(?:(?i:" + "|".join(re.escape(p) for p, _ in _COMPARATOR_PHRASES) + r")\s*(?i:of\s+|to\s+|than\s+)?"
    r"(?:\(\s*[≤≥<>=/]{1,3}\s*\)\s*)?(?:[≤≥<>=⩽⩾]{1,2}\s*)?|(?:<=|>=|=<|=>|[≤≥<>⩽⩾]|(?<![<>=])=(?!=)))"
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
    r"(?:\s+(?:back|fully|completely))?(?:\s+(?:to|at)\s+(?:(?:the\s+)?baseline|pre-?treatment\s+levels?)"
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
    # class III or IV / grade II or greater / class II-IV
    re.compile(
        r"(?i:(?P<word>class|grade|stage)\s+)(?P<roman1>IV|I{1,3}|V)(?![A-Za-z])"
        r"(?:\s*(?:or|-|to|and)\s*(?P<roman2>IV|I{1,3}|V)(?![A-Za-z]))?"
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
        rf"(?P<v1>{_VALUE})\s*-?\s*(?i:years?|yrs?|months?)(?:\s+(?i:old|of\s+age))?\s*(?:-|~|–|to|and)\s*"
        rf"(?P<v2>{_VALUE2})(?=\s*-?\s*(?i:years?|yrs?|months?|y/?o)\b)"
    ),
    # 7% to 11% / 45 degrees to 90 degrees: a range whose unit is written after both values
    re.compile(rf"(?P<v1>{_VALUE})\s*(?P<u>%|[A-Za-zµμ/]{{1,10}})\s*(?:-|~|–|to|and)\s*(?P<v2>{_VALUE2})(?=\s*(?P=u))"),
    # 18+ years
    re.compile(rf"(?P<v1>{_VALUE})(?P<suffix>\+)(?=\s*(?i:years?|yrs?|y/?o)\b)"),
    # under the age of 18
    re.compile(
        rf"{_COMPARATOR_AHEAD}(?P<cmp>{_COMPARATOR})\s*(?i:the\s+)?(?P<age>(?i:age))\s+(?i:of\s+)?(?P<v1>{_VALUE})"
    ),
    # 18 < age < 80 / 145 mmHg ≤ SBP: a value, then a comparator, then the quantity (the comparison reversed)
    re.compile(rf"(?P<v1>{_VALUE})\s*(?:[A-Za-zµμ%/]{{1,8}}\s*)?(?P<rcmp><=|=<|≤|<)\s*(?=[A-Za-z])"),
    # stage 4 / stages 3 and 4 / class 3 or 4: a stage or class written in digits
    re.compile(
        r"(?P<word>(?i:stage|class))(?i:e?s)?\s+(?P<v1>\d)(?!\d|[.,]\d)"
        r"(?:\s*(?:or|and|-|to)\s*(?:(?i:stage|class)\s*)?(?P<v2>\d)(?!\d|[.,]\d))?"
    ),
    # comparator [grade|class] value
    re.compile(
        rf"{_COMPARATOR_AHEAD}(?P<cmp>{_COMPARATOR})\s*(?P<word>(?i:grade|class|stage)\s*)?(?P<v1>{_CMP_VALUE})"
    ),
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
_COORDINATION = re.compile(r"^\s*(?:,|/|\band\b|\bor\b|and/or|&|\(\s*[A-Za-z0-9]{1,8}\s*\))*\s*$", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\bor\b", re.IGNORECASE)
_METHOD = cues().measurement_methods  # how a blast count was measured, by the words near it
_ANY_NUMBER = re.compile(
    r"\d|(?i:\b(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b)"
    r"|(?i:\b(?:class|grade|stage)\s+[IV])"
)
_CARDIAC_CONTEXT = re.compile(r"(?i)heart|cardiac|NYHA|New\s+York|angina|CCS")
_TOXICITY_CONTEXT = re.compile(
    r"(?i)toxic|adverse|CTCAE|\bNCI\b|\bAEs?\b|side\s+effect|recover|allerg|hypersensitiv|reaction"
)
_AGE_CONTEXT = re.compile(r"(?i:\bold\b|\bof\s+age\b|\baged?\b|\byears?\s+or\s+older)")
_WINDOW_CUE = re.compile(
    r"(?i)\b(?:within|prior|before|ago|after|since|for|history|duration|last|past|previous|following|post|"
    r"remission|diagnos\w*|interval|from|during|survival|period|follow-up|treated|therapy|taking|using|"
    r"use|receiving|onset|lasting|course)\b"
)
_ACRONYM_BEFORE = re.compile(
    r"\b[A-Z][A-Z0-9\-]{1,6}\b(?:\s*\)|\s+(?i:physical\s+status|global\s+score|score|class|grade|status))?\s*"
    r"(?i:of\s+|is\s+|[:=]\s*)?$"
)
_YEARS_OF = re.compile(r"(?i)\s+of\s+(?!age\b)[a-z]")  # "more than one year of sports practice": a duration
_PERSON_BEFORE = re.compile(
    r"(?i)\b(?:patients?|subjects?|participants?|persons?|people|adults?|children|women|men|males?|females?|"
    r"individuals?|volunteers?)\s*(?:aged?\s*|who\s+are\s*|are\s*|is\s*)?$"
)
_FILLER = {
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "must",
    "should",
    "shall",
    "of",
    "at",
    "a",
    "an",
    "the",
    "value",
    "values",
    "with",
    "than",
    "to",
    "in",
    "on",
    "by",
    "as",
    "level",
    "levels",
    "range",
    "ranging",
    "between",
    "from",
    "greater",
    "less",
    "more",
    "not",
    "no",
    "least",
    "equal",
    "or",
    "and",
}
_COUNT_STOP = {
    # months never name what is counted ("31 december"), nor does "out" ("three out of the following")
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "doi",
    "criterion",
    "criteria",
    "condition",
    "conditions",
    "following",
    "item",
    "items",
    "of",
    "time",
    "times",
    "occasion",
    "occasions",
    "year",
    "years",
    "month",
    "months",
    "week",
    "weeks",
    "day",
    "days",
    "hour",
    "hours",
    "half-lives",
    "half-life",
    "within",
    "prior",
    "before",
    "after",
    "in",
    "at",
    "to",
    "from",
    "and",
    "or",
}
# A count whose next word is one of these names no patient quantity; any other stop word ("> 4 at the time of
# enrollment") leaves the quantity to the words before the threshold ("modified Rankin scale > 4").
_NOT_A_QUANTITY = _COUNT_STOP - {"within", "prior", "before", "after", "in", "at", "to", "from", "and", "or"}
_PHRASE_STOP = {
    "during",
    "and",
    "or",
    "with",
    "if",
    "who",
    "which",
    "that",
    "have",
    "has",
    "had",
    "patients",
    "patient",
    "subjects",
    "subject",
    "participants",
    "for",
    "when",
    "where",
    "but",
    "e",
    "g",
    "eg",
    "i",
    "ie",
    "per",
    "than",
}


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


@dataclass(slots=True)
class NumericMatch:
    quantity: Quantity
    comparator: Comparator
    value: float
    unit: str
    start: int
    end: int
    method: str | None = None
    group: int = 0  # thresholds sharing a group are alternatives (any of)
    twin_of_index: int | None = None
    generic_scale: bool = False
    # one threshold on several ways of measuring one thing ("Karnofsky/Lansky ≥ 50"): any one of them is enough
    one_of: bool = False


def _value(text: str) -> float:
    lowered = text.lower()
    if lowered in WORD_NUMBERS:
        return float(WORD_NUMBERS[lowered])
    if re.fullmatch(r"\d+,\d{1,2}", text):  # a decimal comma: "7,0 mmol/l"
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def _comparator(text: str) -> Comparator:
    lowered = re.sub(r"([<>])\s*(?:/|or)\s*=", r"\1=", " ".join(text.lower().split()))  # "> or =", ">/="
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
    rf"(?P<cmp>{_COMPARATOR})?\s*(?P<v1>\d{{2,3}})\s*/\s*(?P<v2>\d{{2,3}})(?!\s*/|\d)\s*(?P<unit>mm\s*Hg)?"
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
            found.append(Threshold(begin, unit_end, bounds, unit, is_range, scale_word, about_age, is_list))
            taken.add(begin, unit_end)
    found.sort(key=lambda t: t.start)
    _share_units(norm, found)
    return found


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
            if second.unit in TIME_UNITS and _AGE_CONTEXT.search(norm[second.start : second.end + 12]):
                second.about_age = True  # "≥20 and ≤80 years of age": both bounds are ages
            first.about_age = first.about_age or second.about_age


@dataclass(frozen=True, slots=True)
class Mention:
    key: str
    start: int
    end: int
    generic: bool  # a bare scale word ("grade") that a named scale mentioned nearby overrides


@remembered
def find_mentions(norm: str, start: int, end: int, vocab: Vocabulary) -> list[Mention]:
    mentions = []
    for match in vocab.quantity_matcher.finditer(norm, start, end):
        key = match.key
        generic = match.group(0).strip().lower() in ("grade", "class", "stage")
        mentions.append(Mention(key, match.start(), match.end(), generic))
    return mentions


def _clause_of(clauses: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for a, b in clauses:
        if a <= position <= b:
            return a, b
    return clauses[-1]


def _method_near(norm: str, start: int, end: int) -> str | None:
    window = norm[start : min(end, start + 45)]
    for pattern, method in _METHOD:
        if pattern.search(window):
            return method
    return None


def extract_numeric(norm: str, start: int, end: int, vocab: Vocabulary) -> list[NumericMatch]:
    """Numeric thresholds in one item's text (norm[start:end]) attached to quantities."""
    thresholds = find_thresholds(norm, start, end, vocab)
    if not thresholds:
        return []
    # "< 60 years of age": a quantity named inside a threshold is its unit's wording, never a quantity to
    # coordinate with the next one ("..., Body Mass Index < 30" is not an age)
    threshold_starts = [t.start for t in thresholds]  # in text order, not overlapping

    def inside_threshold(position: int) -> bool:
        index = bisect_left(threshold_starts, position) - 1
        return index >= 0 and position < thresholds[index].end

    mentions = sorted(
        (m for m in find_mentions(norm, start, end, vocab) if not inside_threshold(m.start)), key=lambda m: m.start
    )
    clauses = clause_bounds(norm, start, end, CLAUSE_OR_LABEL_BREAK) or [(start, end)]
    results: list[NumericMatch] = []
    previous: tuple[Threshold, list[Quantity], int] | None = None
    group = 0
    for threshold in thresholds:
        clause_start, clause_end = _clause_of(clauses, threshold.start)
        if threshold.pressure_pair:
            group += 1
            for key, (comparator, value) in zip(
                ("systolic blood pressure", "diastolic blood pressure"), threshold.comparators, strict=True
            ):
                results.append(
                    NumericMatch(
                        vocab.quantities[key], comparator, value, "mmHg", threshold.start, threshold.end, group=group
                    )
                )
            previous = None
            continue
        twin_of: int | None = None
        alternative_of_previous = False
        quantities: list[Quantity] = []
        if previous is not None and _is_twin(norm, previous[0], threshold):
            quantities, twin_of = previous[1], previous[2]
        else:
            quantities = _quantities_for(norm, threshold, mentions, clause_start, clause_end, vocab, previous)
        if not quantities and previous is not None:
            prev_threshold, prev_quantities, prev_first = previous
            gap = norm[prev_threshold.end : threshold.start]
            same_kind = threshold.unit == prev_threshold.unit or "xULN" in (threshold.unit, prev_threshold.unit)
            if (
                len(gap) <= 40
                and same_kind
                and not any(m.start >= prev_threshold.end and m.end <= threshold.start for m in mentions)
            ):
                quantities = prev_quantities
                if "(" in gap and prev_threshold.unit == "xULN" and threshold.unit != "xULN":
                    twin_of = prev_first
                else:  # "> 5% (by morphology), and/or > 0.01%": another way to meet it; "≥ 18.5 and ≤ 27": both
                    alternative_of_previous = (
                        _ALTERNATIVE.search(gap) is not None or not re.search(r"(?i)\band\b", gap)
                    ) and len(quantities) == 1  # "AST and ALT ≤ 2.5 × ULN; ≤ 5 × ULN": each pair holds whole
        if (
            quantities
            and not threshold.unit
            and _COUNTED_TIMES.match(norm, threshold.end)
            and all(q.kind in ("lab", "measurement") for q in quantities)
        ):
            quantities = []  # "BP measured at least one time": how often, not a blood pressure
        if not quantities:
            previous = None
            continue
        if not alternative_of_previous:
            group += 1
        first_index = len(results)
        measures = {q.measures for q in quantities}
        one_of = len(quantities) > 1 and len(measures) == 1 and None not in measures
        for quantity in quantities:
            for comparator, value in _bounds_for(quantity, threshold):
                unit = threshold.unit or _default_unit(quantity, threshold)
                if unit is None:
                    continue
                if unit and quantity.units and unit not in quantity.units and quantity.kind != "other":
                    continue  # "glucose solution up to 100 g": not a glucose level
                if unit in TIME_UNITS and not quantity.is_time:
                    continue  # a duration on a lab is a time window, not a threshold
                if quantity.is_time and unit not in TIME_UNITS:
                    continue
                if quantity.key == "age" and unit in ("hours", "days", "weeks") and not _young_age(norm, threshold):
                    continue  # "surgeries lasting less than one hour": a duration, unless an infant's age is said
                results.append(
                    NumericMatch(
                        quantity=quantity,
                        comparator=comparator,
                        value=value,
                        unit=unit,
                        start=threshold.start,
                        end=threshold.end,
                        method=_method_near(norm, threshold.end, clause_end)
                        if quantity.key == "bone marrow blasts"
                        else None,
                        group=group,
                        twin_of_index=twin_of,
                        one_of=one_of,
                    )
                )
        previous = (threshold, quantities, first_index)
    _group_alternatives(norm, results)
    return results


_COUNTED_TIMES = re.compile(r"(?i)\s*(?:times?|occasions?|visits?|measurements?|readings?)\b")
_AGE_JUST_BEFORE = re.compile(r"(?i)\bage[ds]?\b[^.;]{0,15}$")


def _young_age(norm: str, threshold: Threshold) -> bool:
    """An age in hours, days or weeks is said as one: 'less than 28 days old', 'Age less than 72 hours'."""
    return bool(
        _AGE_CONTEXT.search(norm[threshold.start : threshold.end + 12])
        or _AGE_JUST_BEFORE.search(norm[max(0, threshold.start - 25) : threshold.start])
    )


def _is_twin(norm: str, xuln: Threshold, threshold: Threshold) -> bool:
    """'≤1.5 × ULN (≤51 μmol/L)': an absolute limit in parentheses right after a xULN one restates it."""
    gap = norm[xuln.end : threshold.start]
    return xuln.unit == "xULN" and threshold.unit not in ("xULN", "") and gap.strip() == "("


def _default_unit(quantity: Quantity, threshold: Threshold) -> str | None:
    if quantity.scale or quantity.is_time:  # "ECOG <= 2", "Age >= 18": the scale's or the quantity's own unit
        return quantity.unit
    if quantity.kind == "count":
        return ""
    if len(quantity.units) == 1:
        return quantity.unit
    return ""  # unstated unit on a multi-unit lab: kept unitless for the matcher to question


def _bounds_for(quantity: Quantity, threshold: Threshold) -> list[tuple[Comparator, float]]:
    bounds = threshold.comparators
    if threshold.is_range and quantity.scale and quantity.scale_range:
        low, high = quantity.scale_range
        # "ECOG 0-2" is "ECOG <= 2"; "NYHA class III or IV" is "NYHA >= 3"
        bounds = [(c, v) for c, v in bounds if not ((c == ">=" and v <= low) or (c == "<=" and v >= high))]
    return bounds


def _quantities_for(
    norm: str,
    threshold: Threshold,
    mentions: list[Mention],
    clause_start: int,
    clause_end: int,
    vocab: Vocabulary,
    previous: tuple[Threshold, list[Quantity], int] | None,
) -> list[Quantity]:
    """The quantity (or coordinated quantities) a threshold is about."""
    if threshold.scale_word:
        # "≤ grade 1", "class III or IV": the scale is named with the value; a named scale nearby wins
        named = [
            m
            for m in _starting_in(
                mentions, max(clause_start, threshold.start - 159), min(clause_end, threshold.start + 159)
            )
            if not m.generic and vocab.quantities[m.key].scale
        ]
        if named:
            return [vocab.quantities[named[0].key]]
        clause = norm[clause_start:clause_end]
        if threshold.scale_word == "class":
            return [vocab.quantities["NYHA class"]] if _CARDIAC_CONTEXT.search(clause) else []
        if threshold.scale_word == "stage":
            return [vocab.quantities["disease stage"]]
        return [vocab.quantities["toxicity grade"]] if _TOXICITY_CONTEXT.search(clause) else []
    if threshold.about_age:
        return [vocab.quantities["age"]]
    # the mentions in the clause before it with no other threshold between: the nearest ones, so the walk
    # back stops at the first mention behind another threshold (and stays linear in a long one-line text)
    before: list[Mention] = []
    for mention in reversed(_starting_in(mentions, clause_start, threshold.start)):
        if mention.end > threshold.start:
            continue
        if _has_threshold_between(norm, mention.end, threshold.start):
            break
        before.insert(0, mention)
    if before and threshold.start - before[-1].end <= 70:
        chain = [before[-1]]
        for mention in reversed(before[:-1]):
            if _COORDINATION.match(norm[mention.end : chain[-1].start]):
                chain.insert(0, mention)
            else:
                break
        keys = list(dict.fromkeys(m.key for m in chain))
        if any(vocab.quantities[k].scale for k in keys) and all(m.generic for m in chain):
            named = [
                m
                for m in mentions
                if not m.generic and vocab.quantities[m.key].scale and clause_start <= m.start <= clause_end
            ]
            if named:
                keys = [named[0].key]
        return [vocab.quantities[k] for k in keys]
    after = [
        m
        for m in _starting_in(mentions, threshold.end, min(clause_end, threshold.end + 30))
        if not _has_threshold_between(norm, threshold.end, m.start)
        and (not threshold.unit or threshold.unit in vocab.quantities[m.key].units)
        and not re.search(r"[,;]", norm[threshold.end : m.start])  # "ASA >3, morbid obesity BMI>40"
    ]  # "< 60 years of age, Body Mass Index ...": a quantity named after must take the threshold's unit
    if after:
        return [vocab.quantities[after[0].key]]
    lead_in = norm[clause_start : threshold.start]
    # the words around the threshold in its own comma-separated part ("between 18 and 80 years, ASA 1-3,
    # Scheduled for surgery": "for" belongs to another part); its own words ("from 18 to 25") are no window cue
    around = (
        re.split(r"[,;]", norm[max(clause_start, threshold.start - 40) : threshold.start])[-1]
        + " "
        + re.split(r"[,;]", norm[threshold.end : min(clause_end, threshold.end + 25)])[0]
    )
    if threshold.unit in TIME_UNITS and _AGE_CONTEXT.search(norm[threshold.start : threshold.end + 12]):
        return [vocab.quantities["age"]]  # "less than 28 days old"
    if threshold.unit in ("years", "months") and (
        (threshold.unit == "years" and _PERSON_BEFORE.search(lead_in[-30:]))
        or (
            threshold.unit == "years"
            and not _WINDOW_CUE.search(around)
            and not vocab.concept_matcher.search(lead_in)
            and not _YEARS_OF.match(norm, threshold.end)
        )
    ):
        return [vocab.quantities["age"]]
    if (
        not threshold.unit
        and _PERSON_BEFORE.search(lead_in[-30:])
        and all(1 <= v <= 120 for _, v in threshold.comparators)
    ):
        return [vocab.quantities["age"]]  # "Patients below 18", "Adults over 18"
    # "type 1 or 2" names no quantity; "ASA 1 or 2", "CDR global score of 0.5 or 1" name a scale by its acronym
    explicit = not threshold.is_list or bool(threshold.unit) or bool(_ACRONYM_BEFORE.search(lead_in[-40:]))
    generic = _generic_quantity(norm, threshold, clause_start) if explicit else None
    return [generic] if generic else []


def _starting_in(mentions: list[Mention], low: int, high: int) -> list[Mention]:
    """The mentions (sorted by start) that start at ``low`` to ``high``, both included."""
    first = bisect_left(mentions, low, key=lambda m: m.start)
    return mentions[first : bisect_right(mentions, high, key=lambda m: m.start)]


# Words before a threshold that say for whom it holds, so what comes after them names no quantity
_SUBGROUP_CUES = frozenset(
    {
        "due",
        "caused",
        "because",
        "owing",
        "attributable",
        "attributed",
        "unless",
        "if",
        "except",
        "patients",
        "subjects",
    }
    | {"participants", "those", "who", "whom", "when"}
)


def _generic_quantity(norm: str, threshold: Threshold, clause_start: int) -> Quantity | None:
    """A quantity outside the vocabulary, named by the words just before the threshold ('systolic blood
    pressure > 140 mmHg'). Durations are left to the concepts (they are time windows)."""
    if threshold.unit in TIME_UNITS or threshold.unit == "half-lives":
        return None
    if not threshold.unit:  # "≥3 antihypertensive drugs": a count of what follows the number
        counted = re.match(r"\s*((?:[A-Za-z][A-Za-z\-']*\s*){1,4})", norm[threshold.end : threshold.end + 50])
        if counted:
            noun_words = []
            for word in counted.group(1).split():
                if word.lower() in _PHRASE_STOP or word.lower() in _COUNT_STOP:
                    break
                noun_words.append(word)
            if noun_words and noun_words[0].lower() not in _FILLER:
                name = "number of " + " ".join(noun_words)
                return Quantity(key=name.lower(), kind="count", names=(name,), unit="", units=("",))
            if counted.group(1).split()[0].lower() in _NOT_A_QUANTITY:
                return None  # "≥ 2 of the following", "3 times", "2 weeks": no quantity of the patient's
    before = norm[max(clause_start, threshold.start - 60) : threshold.start]
    acronym = re.search(r"\(\s*([A-Za-z][A-Za-z0-9\-]{1,12}(?:\s+[A-Za-z]{1,12})?)\s*\)\s*(?:of\s+|[:=]\s*)?$", before)
    if acronym:  # "Expanded Disability Status Scale (EDSS) between 0 and 6.5"
        name = acronym.group(1)
        return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))
    before = re.sub(r"\s*[:=]\s*$", " ", before)  # "asthenozoospermia: < 32%"
    before = re.sub(r"\([^()]{0,30}\)\s*$", " ", before)  # "UAS7 score (range 0-42) ≥16": skip the aside
    if re.search(r"\(\s*$", before) and re.match(r"\s*[A-Za-z][^()]{0,30}\)", norm[threshold.end : threshold.end + 40]):
        named = _named_after(norm, threshold)  # "(>1.5cm diameter)": the bracket names what it measures
        if named:
            name = " ".join(named)
            return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))
    if not re.search(r"\d[^()]{0,14}\(\s*$", before):  # not right after another threshold: "1.5 x ULN (≤ 3 x ULN"
        before = re.sub(r"\(\s*$", " ", before)  # "T-MoCA score (<20)": a threshold in brackets after its name
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-']*|[()\[\],:;≤≥<>=]|\d[\d.,]*", before)
    phrase: list[str] = []
    for word in reversed(words):
        lowered = word.lower()
        if not phrase and lowered in _FILLER:
            continue
        if lowered in _SUBGROUP_CUES:
            return None  # "unless due to Gilbert's syndrome (≤ 3 mg/dL)": the words name whom, not what
        if lowered in _PHRASE_STOP or word in "()[],:;≤≥<>=" or word[0].isdigit():
            break  # a number or comparison before ends the name ("145 mmHg ≤ msSBP ≤ 190": msSBP)
        phrase.insert(0, word)
        if len(phrase) == 4:
            break
    while phrase and phrase[0].lower() in _FILLER:
        phrase.pop(0)
    if not phrase:
        phrase = _named_after(norm, threshold)  # "(>1.5cm diameter)", ">=80% diary compliance"
    if len(phrase) == 1 and len(phrase[0]) == 1:
        return None  # "(n=20)": a sample size, not a patient's quantity
    if not phrase:
        return None
    name = " ".join(phrase)
    return Quantity(key=name.lower(), kind="other", names=(name,), unit=threshold.unit, units=(threshold.unit,))


def _named_after(norm: str, threshold: Threshold) -> list[str]:
    """A threshold that opens its phrase names its quantity after it: up to three words, to a stop word."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9\-']*|[^\sA-Za-z]", norm[threshold.end : threshold.end + 40])
    phrase: list[str] = []
    for word in words:
        if not word[0].isalpha() or word.lower() in _PHRASE_STOP or word.lower() in _FILLER or len(phrase) == 3:
            break
        phrase.append(word)
    return phrase


def _has_threshold_between(norm: str, a: int, b: int) -> bool:
    return re.search(r"[≤≥<>]|\d", norm[a:b]) is not None and re.search(_COMPARATOR, norm[a:b]) is not None


def _group_alternatives(norm: str, results: list[NumericMatch]) -> None:
    """Thresholds on different quantities joined by 'or' (creatinine <= 1.5 x ULN, or CrCl >= 60) are
    alternatives: they share a group. Twins keep the group of the threshold they restate."""
    for index in range(1, len(results)):
        current, prior = results[index], results[index - 1]
        if current.group == prior.group or current.twin_of_index is not None:
            continue
        if prior.twin_of_index is not None:
            prior = results[prior.twin_of_index]
        gap = norm[results[index - 1].end : current.start]
        stops = re.search(r"[;.]", gap)
        if (
            stops
            and re.match(r"[;.]\s*(?:and/)?or\b", gap[stops.start() :])
            and not re.search(r"[;.]", gap[stops.end() :])
        ):
            stops = None  # "... based on age and gender; or estimated creatinine clearance > 50"
        if len(gap) <= 60 and _ALTERNATIVE.search(gap) and not stops:
            old = current.group
            for later in results[index:]:
                if later.group == old:
                    later.group = prior.group
    for result in results:
        if result.twin_of_index is not None:
            result.group = results[result.twin_of_index].group
