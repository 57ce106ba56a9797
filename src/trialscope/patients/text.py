"""A patient described in words -> a profile, by rules over the criteria vocabulary.

"58-year-old woman with relapsed AML after two inductions, CD123+ by flow, bilirubin 1.1 mg/dL, ECOG 1,
no prior CAR-T" gives: age 58, female, AML (relapsed), CD123 positive, total bilirubin 1.1 mg/dL, ECOG 1,
and an explicit "no" to CAR-T.

How it reads:
- *Findings* are found first: diagnoses, disease status (also from the treatment story: "did not respond to
  induction" is refractory), treatments (medicines by name: tacrolimus is an immunosuppressant, prednisone a
  systemic corticosteroid), infections and other history, antigens with their result ("CD117+", "CD7
  negative"), lab values with their units and upper limit of normal, blasts with where and how they were
  counted ("28% blasts by morphology in the marrow"), performance in either scale (ECOG, Karnofsky), life
  expectancy in words, pregnancy, dates ("in March 2025", "two months ago", "10 days ago").
- What the note *asserts* about each finding is judged by ``assertion.py`` (ConText): negated ("denies",
  "HBsAg, HCV antibody and HIV antibody are negative"), resolved or past ("history of", "resolved"), planned
  or conditional ("referred for", "candidate for": a plan is not a treatment received), about a relative, or
  uncertain. A plan, a relative's illness or a doubt is not a fact about the patient.
- A fact may decide a criterion only when its *sentence was read whole*: every word placed as a finding, a
  value, a date, an assertion cue, or one of the reviewed words that change nothing
  (``data/patients/note_words.json``). A fact from a sentence with other words is kept as uncertain: it may
  raise a question, never exclude (``certain=False``).
- Treatments in the present ("on tacrolimus", "prednisone 10 mg daily") are ongoing; a condition stated
  plainly is current, one "history of" is ever, one resolved is past.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

from trialscope.criteria.concepts import with_elliptic
from trialscope.criteria.phrases import PhraseMatcher, tokenise
from trialscope.criteria.reading import reading_rules
from trialscope.criteria.text import WORD_NUMBERS, normalise
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.age import UNITS_PER_YEAR
from trialscope.patients.assertion import Assertion, assert_findings, find_cues, sentences
from trialscope.patients.model import (
    Biomarker,
    BlastCount,
    Condition,
    HistoryItem,
    LabValue,
    Patient,
    PerformanceStatus,
    Timing,
    Treatment,
)
from trialscope.patients.text_zh import (
    ZhAssertion,
    antigen_results,
    has_chinese,
    neutral_spans,
    read_chinese,
    relative_dates,
)

_DATA = "data/patients/note_words.json"
_KEYS = {
    "_comment",
    "neutral",
    "ongoing",
    "blast_sites",
    "blast_methods",
    "life_expectancy",
    "relative_time",
    "status_story",
}


class NoteWordsError(ValueError):
    """The reviewed note words are not well formed (the message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class NoteWords:
    neutral: PhraseMatcher
    ongoing: PhraseMatcher
    blast_sites: PhraseMatcher
    blast_methods: PhraseMatcher
    life_expectancy: PhraseMatcher
    status_story: tuple[tuple[str, re.Pattern[str]], ...]  # (status concept, how a story tells it)


def _strings(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise NoteWordsError(f"{_DATA}: {where} must be a list of non-empty strings")
    return value


def _groups(where: str, value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise NoteWordsError(f"{_DATA}: {where} must be an object of lists")
    return {k: _strings(f"{where}.{k}", v) for k, v in value.items() if k != "_comment"}


def parse_note_words(data: Any) -> NoteWords:
    if not isinstance(data, dict):
        raise NoteWordsError(f"{_DATA}: must be a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise NoteWordsError(f"{_DATA}: unknown key(s) {', '.join(sorted(unknown))}")
    missing = _KEYS - set(data) - {"_comment"}
    if missing:
        raise NoteWordsError(f"{_DATA}: missing key(s) {', '.join(sorted(missing))}")
    neutral = _groups("neutral", data["neutral"])
    _groups("relative_time", data["relative_time"])
    stories = []
    for status, patterns in _groups("status_story", data["status_story"]).items():
        if status not in vocabulary().concepts:
            raise NoteWordsError(f"{_DATA}: status_story.{status} is not a concept of the criteria vocabulary")
        for pattern in patterns:
            try:
                stories.append((status, re.compile(pattern, re.IGNORECASE)))
            except re.error as exc:
                raise NoteWordsError(f"{_DATA}: status_story.{status}: {pattern!r}: {exc}") from None
    return NoteWords(
        neutral=PhraseMatcher((k, v, ()) for k, v in neutral.items()),
        ongoing=PhraseMatcher([("ongoing", _strings("ongoing", data["ongoing"]), ())]),
        blast_sites=PhraseMatcher((k, v, ()) for k, v in _groups("blast_sites", data["blast_sites"]).items()),
        blast_methods=PhraseMatcher((k, v, ()) for k, v in _groups("blast_methods", data["blast_methods"]).items()),
        life_expectancy=PhraseMatcher([("life", _strings("life_expectancy", data["life_expectancy"]), ())]),
        status_story=tuple(stories),
    )


@cache
def note_words() -> NoteWords:
    text = resources.files("trialscope").joinpath(_DATA).read_text(encoding="utf-8")
    return parse_note_words(json.loads(text))


# An age is said as one ("45-year-old", "45 yo", "45 years of age", "a 45-year man", "aged 45", "45M"); a
# bare duration is not an age ("relapsed 2 years later", "for 3 years")
_AGE = re.compile(
    r"(?i)\b(\d{1,3})\s*(?:-|\s)?\s*(?:years?|yrs?)\s*-?\s*old\b|\b(\d{1,3})\s*(?:yo|y/o|y\.o\.)(?![a-z])"
    r"|\b(\d{1,3})\s*-?\s*(?:years?|yrs?)\s+of\s+age\b"
    r"|\b(\d{1,3})\s*-?\s*(?:years?|yrs?)(?=\s+(?:man|woman|male|female|boy|girl|patient|gentleman|lady|child)\b)"
    r"|\baged?\s+(\d{1,3})\b|\bage\s*[:=]?\s*(\d{1,3})\b|\b(\d{1,3})\s*(?:M|F)\b"
)
_INFANT_AGE = re.compile(r"(?i)\b(\d{1,2})\s*-?\s*(month|week|day)s?\s*-?\s*old\b")
_FEMALE = re.compile(r"(?i)\b(?:woman|women|female|girl|lady|mother|she|her|pregnant|F)\b")
_MALE = re.compile(r"(?i)\b(?:man|men|male|boy|gentleman|father|he|his|him|M)\b")
_MARKER_RESULT = re.compile(
    r"\s*(?:(\+|\(\+\)|-?positive\b|-?pos\b|bright|-?expressed|-?expressing)"
    r"|(-?negative\b|-?neg\b|dim-?negative|-|−|\(-\)|not\s+expressed))",
    re.IGNORECASE,
)
_MARKER_RESULT_BEFORE = re.compile(r"(?i)(?:(positive|expressing)|(negative))\s+(?:for\s+)?$")
_NUMBER_UNIT = re.compile(
    r"\s*(?:of\s+|is\s+|was\s+|at\s+|=\s*|:\s*)?(\d+(?:\.\d+)?)\s*([A-Za-zµμ%/^*0-9.]*(?:/\s*[A-Za-z0-9.]+)?)"
)
_ULN = re.compile(r"(?i)\s*[(,;]?\s*(?:upper\s+limit\s+of\s+normal|ULN)\s*(?:is|=|:|of)?\s*(\d+(?:\.\d+)?)\s*\)?")
_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_DATE = re.compile(
    r"(?i)\b(?:in\s+|on\s+|since\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{4})\b"
    r"|\b(\d{4})-(\d{2})(?:-(\d{2}))?\b"
)
_NUMBER_WORD = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
_RELATIVE = re.compile(
    rf"(?i)\b(\d+|a|an|one|several|{_NUMBER_WORD})\s+(day|week|month|year)s?\s+(?:ago|earlier|before\s+(?:today|now))\b"
    r"|\b(yesterday)\b|\b(last|past)\s+(week|month|year)\b"
)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30.44, "year": 365.25}
_ECOG = re.compile(
    r"(?i)\b(?:ECOG(?:\s*(?:PS|performance\s+status))?|WHO\s+performance\s+status|performance\s+status|PS)"
    r"\s*(?:score\s*)?(?:of|is|was|=|:)?\s*([0-5])\b"
)
_KARNOFSKY = re.compile(
    r"(?i)\b(?:Karnofsky|KPS)(?:\s+performance)?(?:\s+(?:status|score|scale))?\s*(?:of|is|was|=|:)?\s*(\d{2,3})\s*%?"
)
_LIFE = re.compile(
    rf"(?i)\s*(?:of|is|was|:|estimated\s+at|about|approximately|around|at\s+least|more\s+than|over|>|≥|\s)*"
    rf"(\d+(?:\.\d+)?|{_NUMBER_WORD})\s*(weeks?|months?|years?)"
)
_BLASTS_AFTER = re.compile(
    r"(?i)(?<![<>≤≥])(?<![<>≤≥]\s)(\d+(?:\.\d+)?)\s*%\s*(?:(?:leukemic|leukaemic|myeloid|abnormal|circulating|marrow)\s+)?"
    r"(?:myelo)?blasts?\b"
)
_BLASTS_BEFORE = re.compile(r"(?i)\bblasts?\s*(?:count\s*)?(?:of|at|were|was|is|are|:|=|\()?\s*(\d+(?:\.\d+)?)\s*%")
_SENTENCE_END = re.compile(r"[.;](?:\s|$)|\n")
_MORE_BLASTS = re.compile(
    r"(?i)(?:\s*(?:by|on|per)\s+(?:morphology|flow(?:\s+cytometry)?))?\s*(?:and|,|/)\s*(?P<value>\d+(?:\.\d+)?)\s*%"
    r"(?:\s*(?:by|on|per)\s+(?:morphology|flow(?:\s+cytometry)?))?"
)
_DOSE = re.compile(r"(?i)^\s*\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|units?|iu)(?:/(?:kg|m2|day|d))?\b")


@dataclass(slots=True)
class _Finding:
    start: int
    end: int
    kind: str  # concept | antigen | lab | blasts | performance | life | age | sex
    key: str = ""
    placed: list[tuple[int, int]] = field(default_factory=list)  # its values, units, results, dates
    data: dict[str, Any] = field(default_factory=dict)


def patient_from_text(text: str, as_of: dt.date | None = None, patient_id: str = "described patient") -> Patient:
    norm = normalise(text)
    patient = Patient(id=patient_id, summary=text, as_of=as_of or dt.date.today())
    findings: list[_Finding] = []
    findings += _demographics(norm, patient)
    antigens = _antigens(norm)
    marked = [(a.start, a.end) for a in antigens]  # "CLL-1+" is an antigen, never the diagnosis CLL
    findings += [f for f in _concepts(norm) if not any(a < f.end and f.start < b for a, b in marked)]
    findings += antigens
    findings += _values(norm)
    dates = _dates(norm, patient.as_of)
    extra: list[tuple[int, int]] = []
    chinese: dict[int, Assertion] = {}
    if has_chinese(norm):
        extra = _read_chinese(norm, text, patient, findings, dates, chinese)
    whole = _sentences_read_whole(norm, findings, dates, extra)
    judged = [f for f in findings if f.kind in ("concept", "antigen") and id(f) not in chinese]
    assertions = dict(zip(map(id, judged), assert_findings(norm, [(f.start, f.end) for f in judged]), strict=True))
    assertions |= chinese
    _story_therapies_given(findings, assertions)
    for finding in findings:
        sure = whole(finding.start, value=finding.kind in ("lab", "blasts", "performance", "life"))
        _apply(finding, assertions.get(id(finding)), sure, dates, norm, patient)
    _attach_statuses(patient, findings, assertions, whole, norm)
    return patient


# --- finders ---------------------------------------------------------------------------------------------


def _demographics(norm: str, patient: Patient) -> list[_Finding]:
    found = []
    infant = _INFANT_AGE.search(norm)
    age = _AGE.search(norm)
    if infant and (not age or infant.start() <= age.start()):
        # exact, not rounded: the age rule counts completed months (model/age.py), and 7/12 rounded is 6.996
        patient.age_years = float(infant.group(1)) / UNITS_PER_YEAR[infant.group(2).lower()]
        found.append(_Finding(infant.start(), infant.end(), "age"))
    elif age:
        patient.age_years = float(next(g for g in age.groups() if g))
        found.append(_Finding(age.start(), age.end(), "age"))
    female, male = _FEMALE.search(norm), _MALE.search(norm)
    if female and (not male or female.start() < male.start()):
        patient.sex = "female"
    elif male:
        patient.sex = "male"
    for match in (*_FEMALE.finditer(norm), *_MALE.finditer(norm)):
        found.append(_Finding(match.start(), match.end(), "sex"))
    return found


def _concepts(norm: str) -> list[_Finding]:
    """Concepts named ("hepatitis B or C" names both), and disease statuses told by the treatment story ("no
    remission after two induction cycles")."""
    vocab = vocabulary()
    found = [
        _Finding(m.start(), m.end(), "concept", m.key, data={"said": m.group(0)})
        for m in with_elliptic(norm, vocab.patient_matcher.finditer(norm), vocab)
        if vocab.concepts[m.key].category != "administrative"
    ]
    named = [(f.start, f.end) for f in found]
    for status, pattern in note_words().status_story:
        for match in pattern.finditer(norm):
            if not any(
                a < match.end() and match.start() < b
                for a, b in named
                if vocab.concepts[_key_at(found, a)].category == "disease_status"
            ):
                found.append(_Finding(match.start(), match.end(), "concept", status, data={"said": status}))
    return found


def _key_at(found: list[_Finding], start: int) -> str:
    return next(f.key for f in found if f.start == start)


def _antigens(norm: str) -> list[_Finding]:
    found = []
    for match in vocabulary().antigen_matcher.finditer(norm):
        result = _MARKER_RESULT.match(norm, match.end(), match.end() + 24)
        before = _MARKER_RESULT_BEFORE.search(norm[max(0, match.start() - 25) : match.start()])
        finding = _Finding(match.start(), match.end(), "antigen", match.key)
        if result:
            finding.data["result"] = "positive" if result.group(1) else "negative"
            finding.placed.append((match.end(), result.end()))
        elif before:
            finding.data["result"] = "positive" if before.group(1) else "negative"
        found.append(finding)
    return found


def _values(norm: str) -> list[_Finding]:
    """Lab values, blasts, performance and life expectancy."""
    vocab = vocabulary()
    words = note_words()
    found: list[_Finding] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_BLASTS_AFTER, _BLASTS_BEFORE):
        for match in pattern.finditer(norm):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            low = max(
                (m.end() for m in _SENTENCE_END.finditer(norm, max(0, match.start() - 45), match.start())), default=0
            )
            high = next((m.start() for m in _SENTENCE_END.finditer(norm, match.end(), match.end() + 45)), len(norm))
            window = (max(low, match.start() - 45), min(high, match.end() + 45))  # in its own sentence
            site = words.blast_sites.search(norm, *window)
            method = words.blast_methods.search(norm, *window)
            finding = _Finding(match.start(), match.end(), "blasts")
            finding.data = {
                "value": float(match.group(1)),
                "site": site.key if site else "bone marrow",
                "method": method.key if method else None,
            }
            finding.placed += [(m.start(), m.end()) for m in (site, method) if m is not None]
            found.append(finding)
            taken.append((match.start(), match.end()))
            position = match.end()
            while (more := _MORE_BLASTS.match(norm, position)) is not None:  # "3% by morphology and 0.5% by flow"
                how = words.blast_methods.search(norm, more.start("value"), more.end())
                found.append(
                    _Finding(
                        more.start(),
                        more.end(),
                        "blasts",
                        data={
                            "value": float(more.group("value")),
                            "site": finding.data["site"],
                            "method": how.key if how else None,
                        },
                    )
                )
                taken.append((more.start(), more.end()))
                position = more.end()
    for match in _ECOG.finditer(norm):
        found.append(_Finding(match.start(), match.end(), "performance", "ECOG", data={"value": float(match.group(1))}))
    for match in _KARNOFSKY.finditer(norm):
        value = float(match.group(1))
        if value <= 100:
            found.append(_Finding(match.start(), match.end(), "performance", "Karnofsky", data={"value": value}))
    for cue in words.life_expectancy.finditer(norm):
        amount = _LIFE.match(norm, cue.end())
        if amount:
            raw = amount.group(1).lower()
            value = float(WORD_NUMBERS.get(raw, 0) or raw)
            unit = amount.group(2).lower()[0]
            months = value * {"w": 12 / 52.18, "m": 1.0, "y": 12.0}[unit]
            found.append(_Finding(cue.start(), amount.end(), "life", data={"months": round(months, 2)}))
            taken.append((cue.start(), amount.end()))
    pending: list[_Finding] = []  # values written before their unit: "ALT 30, AST 28 U/L"
    for named in vocab.quantity_matcher.finditer(norm):
        quantity = vocab.quantities[named.key]
        if (
            quantity.scale
            or quantity.kind in ("count", "demographic", "prognosis")
            or named.key == "bone marrow blasts"
        ):
            continue
        if any(a <= named.start() < b for a, b in taken):
            continue
        reading = _NUMBER_UNIT.match(norm, named.end(), named.end() + 30)
        if not reading:
            continue
        value, unit = float(reading.group(1)), _unit(reading.group(2))
        finding = _Finding(named.start(), named.end(), "lab", named.key)
        finding.placed.append((reading.start(1), reading.end(2) if unit else reading.end(1)))
        after = reading.end()
        uln = _ULN.match(norm, after)
        if uln:
            finding.data["uln"] = float(uln.group(1))
            finding.placed.append((uln.start(), uln.end()))
        if not unit and quantity.unit == "%":
            unit = "%"
        finding.data.update(value=value, unit=unit)
        if unit:
            for earlier in pending:
                if unit in vocab.quantities[earlier.key].units:
                    earlier.data["unit"] = unit
            pending.clear()
        else:
            pending.append(finding)
        found.append(finding)
    return found


def _unit(raw: str) -> str:
    raw = raw.strip().rstrip(".,;")
    for canonical, pattern in vocabulary().units:
        if raw and pattern.fullmatch(raw):
            return canonical
    return ""


@dataclass(frozen=True, slots=True)
class _Date:
    start: int
    end: int
    date: dt.date


def _dates(norm: str, as_of: dt.date) -> list[_Date]:
    found = []
    for match in _DATE.finditer(norm):
        try:
            if match.group(1):
                day = dt.date(int(match.group(2)), _MONTHS[match.group(1).lower()[:3]], 1)
            else:
                day = dt.date(int(match.group(3)), int(match.group(4)), int(match.group(5) or 1))
        except ValueError:
            continue
        found.append(_Date(match.start(), match.end(), day))
    for match in _RELATIVE.finditer(norm):
        if match.group(3):
            days = 1.0
        elif match.group(4):
            days = _UNIT_DAYS[match.group(5).lower()]
        else:
            raw = match.group(1).lower()
            count = {"a": 1, "an": 1, "several": 3}.get(raw) or WORD_NUMBERS.get(raw) or int(raw)
            days = count * _UNIT_DAYS[match.group(2).lower()]
        found.append(_Date(match.start(), match.end(), as_of - dt.timedelta(days=round(days))))
    return sorted(found, key=lambda d: d.start)


def _from_chinese(z: ZhAssertion) -> Assertion:
    """What the Chinese reading says of a finding, as the English reading says it."""
    return Assertion(
        negated=z.negated, resolved=z.resolved, historical=z.historical, hypothetical=z.hypothetical, family=z.family
    )


def _read_chinese(
    norm: str,
    text: str,
    patient: Patient,
    findings: list[_Finding],
    dates: list[_Date],
    assertions: dict[int, Assertion],
) -> list[tuple[int, int]]:
    """The Chinese words of the note (``text_zh.py``): their findings join the note's, with what their clauses
    assert; returns the spans of every Chinese word placed."""
    reading = read_chinese(norm, text)
    for f in reading.findings:
        if f.kind == "age" and patient.age_years is None:
            patient.age_years = f.data["years"]
            findings.append(_Finding(f.start, f.end, "age"))
        elif f.kind == "sex":
            if patient.sex is None:
                patient.sex = "female" if f.key == "female" else "male"
            findings.append(_Finding(f.start, f.end, "sex"))
        elif f.kind == "concept":
            finding = _Finding(f.start, f.end, "concept", f.key, data={"said": f.key})
            assertions[id(finding)] = _from_chinese(reading.assertions[id(f)])
            findings.append(finding)
        elif f.kind == "lab" and "value" in f.data:
            unit = _unit(f.data["unit_text"])
            findings.append(
                _Finding(f.start, f.end, "lab", f.key, placed=f.placed, data={"value": f.data["value"], "unit": unit})
            )
        elif f.kind in ("blasts", "performance", "life"):
            findings.append(_Finding(f.start, f.end, f.kind, f.key, placed=f.placed, data=f.data))
    for found in findings:  # "CD7阴性": a result in Chinese after a Latin antigen
        if found.kind == "antigen" and "result" not in found.data:
            result = antigen_results(norm, [(found.start, found.end)], text).get((found.start, found.end))
            if result:
                found.data["result"] = result
        if found.kind == "concept" and id(found) not in assertions and reading.has_cues_near(found.start, found.end):
            # "HIV均为阴性": a Latin word in a Chinese clause
            assertions[id(found)] = _from_chinese(reading.assertion_at(found.start, found.end))
    dates += [_Date(a, b, day) for a, b, day in relative_dates(norm, patient.as_of)]
    dates.sort(key=lambda d: d.start)
    return reading.placed + neutral_spans(norm)


# --- reading a sentence whole ------------------------------------------------------------------------------


def _sentences_read_whole(
    norm: str,
    findings: list[_Finding],
    dates: list[_Date],
    extra: list[tuple[int, int]] = (),  # type: ignore[assignment]
) -> Any:
    """A function telling, for a position, whether its sentence was read whole: every word placed (``extra``:
    what the Chinese reading placed)."""
    spans: list[tuple[int, int]] = list(extra)
    for f in findings:
        spans.append((f.start, f.end))
        spans += f.placed
    spans += [(d.start, d.end) for d in dates]
    spans += [(c.start, c.end) for c in find_cues(norm)]
    words = note_words()
    spans += [(m.start(), m.end()) for m in words.neutral.finditer(norm)]
    spans += [(m.start(), m.end()) for m in words.ongoing.finditer(norm)]
    spans += [(m.start(), m.end()) for m in _DOSE_ANYWHERE.finditer(norm)]
    spans += [(m.start(), m.end()) for m in _COUNTED.finditer(norm)]
    spans += [(m.start(), m.end()) for m in _PLACE.finditer(norm)]
    spans += [(m.start(), m.end()) for m in _AMOUNT_ANYWHERE.finditer(norm)]
    spans += [(m.start(), m.end()) for m in _YEAR.finditer(norm)]
    for _a, b in list(spans):
        aside = _FINDING_ASIDE.match(norm, b)
        if aside is not None:
            spans.append((b, aside.end()))
    covered = _Covered(spans)
    tokens = tokenise(norm)

    def read_whole(a: int, b: int) -> bool:
        index = bisect_left(tokens, (a, -1, ""))
        while index < len(tokens) and tokens[index][1] <= b:
            t_start, t_end, _word = tokens[index]
            index += 1
            if not covered.covers(t_start, t_end):
                return False
        return True

    bounds = [(s.start, s.end) for s in sentences(norm)] or [(0, len(norm))]
    starts = [a for a, _ in bounds]
    whole = [read_whole(a, b) for a, b in bounds]

    def sentence_read(position: int, *, value: bool = False) -> bool:
        index = max(bisect_left(starts, position + 1) - 1, 0)
        if whole[index] or not value:
            return whole[index]
        # a value ("total bilirubin 3.1 mg/dL") stands in its own stretch of the sentence, between commas,
        # semicolons, colons or brackets: read whole there, it says what it says
        a, b = bounds[index]
        left = max((m.end() for m in _SEGMENT.finditer(norm, a, position)), default=a)
        right = next((m.start() for m in _SEGMENT.finditer(norm, position, b)), b)
        return read_whole(left, right)

    return sentence_read


_SEGMENT = re.compile(r"[,;:()\[\]]")
_COUNTED = re.compile(
    rf"(?i)\b(?:\d+|{_NUMBER_WORD})\s+(?:\w+\s+)?(?:cycles?|courses?|inductions?|lines?|doses?|rounds?|regimens?)\b"
)
# where the patient lives or comes from ("in Hangzhou", "from Wuhan, China"): not about their health
_PLACE = re.compile(r"\b(?:in|from|lives\s+in|living\s+in|resident\s+of|near)\s+((?:[A-Z][a-z'’-]+[\s,]*){1,3})")
_DOSE_ANYWHERE = re.compile(
    r"(?i)\b\d+(?:\.\d+)?\s*(?:mg|mcg|µg|g|units?|iu)(?:/(?:kg|m2|day|d))?\b(?:\s+(?:daily|bid|tid|qd|once|twice))?"
)
# a measured amount with its unit wherever it stands ("HBV DNA 4.6 x 10^3 IU/mL", "320 copies/mL"): it says
# how much of what the words before it name, never something of its own
_AMOUNT_ANYWHERE = re.compile(
    r"(?i)\b\d+(?:[.,]\d+)?\s*(?:[x×*]\s*10\s*(?:\^|e)?\s*[-−]?\d+\s*)?"
    r"(?:copies|IU|U|mg|g|mmol|umol|µmol|cells|/)\s*/?\s*(?:mL|dL|L|uL|µL|mm3)?\b"
)
# a year said with its preposition ("treated in 2015"): when, not what
_YEAR = re.compile(r"(?i)\b(?:in|since|from|until|by|during)\s+(?:19|20)\d{2}\b")
# a short aside in brackets right after something placed restates it ("entecavir (Baraclude)", "ALT (ULN 40)")
_FINDING_ASIDE = re.compile(r"\s*\(\s*[^()]{1,25}?\s*\)")


class _Covered:
    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [a for a, _ in merged]
        self._spans = merged

    def covers(self, start: int, end: int) -> bool:
        index = bisect_left(self._starts, start + 1) - 1
        return index >= 0 and self._spans[index][0] <= start and end <= self._spans[index][1]


# --- findings to facts -------------------------------------------------------------------------------------


def _date_for(finding: _Finding, dates: list[_Date], norm: str) -> dt.date | None:
    """The date a finding's sentence gives it: the nearest after it (within 80 characters, before another
    finding's clause break), else the nearest before it (within 40)."""
    after = [
        d for d in dates if 0 <= d.start - finding.end <= 80 and not re.search(r"[.;]", norm[finding.end : d.start])
    ]
    if after:
        return after[0].date
    before = [
        d for d in dates if 0 <= finding.start - d.end <= 40 and not re.search(r"[.;]", norm[d.end : finding.start])
    ]
    return before[-1].date if before else None


def _ongoing(finding: _Finding, norm: str) -> bool:
    """'on tacrolimus', 'currently taking prednisone', 'prednisone 10 mg daily'."""
    before = norm[max(0, finding.start - 22) : finding.start]
    if re.search(
        r"(?i)\b(?:currently\s+on|remains\s+on|still\s+on|maintained\s+on|on|taking|currently\s+taking|receiving)\s+$",
        before,
    ):
        return True
    after = norm[finding.end : finding.end + 30]
    return bool(_DOSE.match(after) and re.search(r"(?i)\b(?:daily|bid|tid|qd|once|twice|per\s+day|a\s+day)\b", after))


def _apply(
    finding: _Finding,
    assertion: Assertion | None,
    sure: bool,
    dates: list[_Date],
    norm: str,
    patient: Patient,
) -> None:
    vocab = vocabulary()
    if assertion is not None and (assertion.hypothetical or assertion.family):
        return  # a plan, a condition, a relative's illness: not a fact about the patient
    doubtful = assertion is not None and assertion.uncertain
    certain = sure and not doubtful
    negated = assertion is not None and assertion.negated and not doubtful
    kind = finding.kind
    if kind in ("age", "sex"):
        return
    if kind == "antigen":
        result = finding.data.get("result")
        if result is None and negated:
            result = "negative"
        if result is not None:
            patient.biomarkers.append(Biomarker(name=finding.key, result=result, certain=certain))
        return
    if kind == "lab":
        if finding.data.get("unit") or vocab.quantities[finding.key].unit == "":
            patient.labs.append(
                LabValue(
                    name=finding.key,
                    value=finding.data["value"],
                    unit=finding.data.get("unit", ""),
                    upper_limit_normal=finding.data.get("uln"),
                    certain=sure,
                )
            )
        return
    if kind == "blasts":
        patient.bone_marrow_blasts.append(
            BlastCount(
                value=finding.data["value"],
                method=finding.data["method"],
                sample=finding.data["site"],
                certain=sure,
            )
        )
        return
    if kind == "performance":
        if patient.performance_status is None or finding.key == "ECOG":
            patient.performance_status = PerformanceStatus(scale=finding.key, value=finding.data["value"], certain=sure)
        return
    if kind == "life":
        patient.life_expectancy_months = finding.data["months"]
        if not sure:
            patient.uncertain.append("life_expectancy_months")
        return
    concept = vocab.concepts[finding.key]
    said = finding.data["said"]
    if concept.category == "disease_status":
        return  # attached to the diagnosis afterwards
    if concept.category == "pregnancy":
        if finding.key in ("pregnancy", "lactation"):
            value = not negated
            if finding.key == "pregnancy":
                patient.pregnant = value
                if not certain:
                    patient.uncertain.append("pregnant")
            else:
                patient.lactating = value
                if not certain:
                    patient.uncertain.append("lactating")
        return
    if negated:
        patient.history.append(HistoryItem(name=said, present=False, certain=sure))
        return
    date = _date_for(finding, dates, norm)
    resolved = assertion is not None and assertion.resolved
    if concept.category == "prior_therapy":
        ongoing = _ongoing(finding, norm) and not resolved
        patient.treatments.append(
            Treatment(name=said, date=date, ongoing=True if ongoing else (False if resolved else None), certain=certain)
        )
        return
    if concept.primary_diagnosis and not resolved:
        patient.conditions.append(Condition(name=said, date=date, certain=certain))
        return
    timing: Timing = "past" if resolved else "ever" if assertion is not None and assertion.historical else "current"
    patient.history.append(HistoryItem(name=said, present=True, date=date, timing=timing, certain=certain))


def _story_therapies_given(findings: list[_Finding], assertions: dict[int, Assertion]) -> None:
    """A therapy named inside a treatment story that tells a status ("no significant response to R-CVP",
    "progressed on ibrutinib") was given: the story's "no" is about the response, not the therapy."""
    vocab = vocabulary()
    stories = [
        f
        for f in findings
        if f.kind == "concept" and f.data.get("said") == f.key and vocab.concepts[f.key].category == "disease_status"
    ]
    for finding in findings:
        said = assertions.get(id(finding))
        if said is None or not said.negated or finding.kind != "concept":
            continue
        if vocab.concepts[finding.key].category != "prior_therapy":
            continue
        if any(s.start <= finding.start and finding.end <= s.end for s in stories):
            assertions[id(finding)] = replace(said, negated=False)


# "RR: 22/min", "RR 18": a label of a measure (the respiratory rate), not a relapsed or refractory disease
_MEASURE_AFTER = re.compile(r"\s*[:=]?\s*\d")
_NEXT_WORD = re.compile(r"[\s-]*([A-Za-z][\w'-]*)")


def _qualifies_other_condition(status: _Finding, findings: list[_Finding], vocab: Vocabulary, norm: str = "") -> bool:
    """ "Relapsing-remitting multiple sclerosis", "recurrent pericarditis": a status word right before a condition
    that is no disease a trial is for is that condition's, not the patient's cancer's; so is one before a noun
    a status qualifies that is no disease ("recurrent laryngeal nerve", data/criteria/reading.json's
    "status_qualifies"), and a status abbreviation labelling a number ("RR: 22/min") is no status at all."""
    if norm and _MEASURE_AFTER.match(norm, status.end):
        return True
    following_word = _NEXT_WORD.match(norm, status.end) if norm else None
    if following_word is not None and following_word.group(1).lower() in reading_rules().status_qualifies:
        return True
    after = [f for f in findings if f.kind == "concept" and status.end <= f.start <= status.end + 25]
    if not after:
        return False
    following = min(after, key=lambda f: f.start)
    concept = vocab.concepts[following.key]
    return concept.category in ("condition", "infection") and not concept.primary_diagnosis


def _attach_statuses(
    patient: Patient, findings: list[_Finding], assertions: dict[int, Assertion], whole: Any, norm: str
) -> None:
    """Disease status words ("relapsed", "did not respond to induction") go to the diagnosis nearest them; a
    note with a status and no diagnosis keeps the status alone."""
    vocab = vocabulary()
    statuses = [
        f
        for f in findings
        if f.kind == "concept"
        and vocab.concepts[f.key].category == "disease_status"
        and not ((a := assertions.get(id(f))) is not None and (a.negated or a.hypothetical or a.family))
        and not _qualifies_other_condition(f, findings, vocab, norm)
    ]
    if not statuses:
        return
    diagnoses = [
        f
        for f in findings
        if f.kind == "concept" and vocab.concepts[f.key].primary_diagnosis and f.key != "other malignancy"
    ]
    for status in statuses:
        sure = whole(status.start) and not ((a := assertions.get(id(status))) is not None and a.uncertain)
        said = status.data["said"]
        if diagnoses:
            nearest = min(diagnoses, key=lambda d: abs(d.start - status.start))
            for condition in patient.conditions:
                if condition.name == nearest.data["said"] and condition.status is None:
                    condition.status = said
                    condition.certain = condition.certain and sure
                    break
            else:
                patient.conditions.append(Condition(name=said, status=said, certain=sure))
        else:
            patient.conditions.append(Condition(name=said, status=said, certain=sure))
