"""The Chinese parts of a patient's description: the same findings as ``text.py`` finds in English, read from
the reviewed Chinese terms of ``data/patients/zh_terms.json``
("58岁男性，急性髓系白血病复发，骨髓原始细胞28%（形态学），乙肝表面抗原、丙肝抗体、HIV均为阴性，
2个月前行异基因造血干细胞移植").

A note may mix the two languages: ``text.py`` reads it as one note and asks this module for the findings its
Chinese words state, the words it places, and what each finding's clause asserts. The assertions are read
here, by the Chinese cues: a cue before a finding ("无", "未", "否认", "从未") negates the findings after it to
the end of its clause (，。； or 但; a list joined by 、 stays in scope); a result after a list ("……均为阴性")
negates the findings listed before it; "既往" makes a finding past, "拟行" a plan, "其父亲" a relative's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from trialscope.criteria.vocabulary import vocabulary

_DATA = "data/patients/zh_terms.json"
_LISTS = (
    "blasts",
    "life_expectancy",
    "negation_before",
    "negation_after",
    "positive_after",
    "historical",
    "resolved",
    "hypothetical",
    "family",
    "current",
    "ongoing",
    "neutral",
)
_KEYS = {"_comment", "concepts", "quantities", "blast_sites", "blast_methods", "sex", *_LISTS}
CJK = re.compile(r"[\u4e00-\u9fff]")


class ChineseTermsError(ValueError):
    """The reviewed Chinese terms are not well formed (the message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    concepts: dict[str, str]
    quantities: dict[str, str]
    blast_sites: dict[str, str]  # word -> site
    blast_methods: dict[str, str]  # word -> method
    sex: dict[str, str]  # word -> sex
    lists: dict[str, tuple[str, ...]]
    finder: re.Pattern[str]  # every term, longest first


def _strings(where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ChineseTermsError(f"{_DATA}: {where} must be a list of non-empty strings")
    return value


def _mapping(where: str, value: Any, known: set[str] | None = None) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ChineseTermsError(f"{_DATA}: {where} must map words to names")
    if known is not None:
        unknown = sorted({v for v in value.values() if v not in known})
        if unknown:
            raise ChineseTermsError(f"{_DATA}: {where}: not in the criteria vocabulary: {', '.join(unknown)}")
    return value


def _inverted(where: str, value: Any) -> dict[str, str]:
    """{"bone marrow": ["骨髓"]} -> {"骨髓": "bone marrow"}."""
    if not isinstance(value, dict):
        raise ChineseTermsError(f"{_DATA}: {where} must be an object of lists")
    return {word: key for key, words in value.items() for word in _strings(f"{where}.{key}", words)}


def parse_terms(data: Any) -> Lexicon:
    if not isinstance(data, dict):
        raise ChineseTermsError(f"{_DATA}: must be a JSON object")
    unknown = set(data) - _KEYS
    if unknown:
        raise ChineseTermsError(f"{_DATA}: unknown key(s) {', '.join(sorted(unknown))}")
    missing = _KEYS - set(data) - {"_comment"}
    if missing:
        raise ChineseTermsError(f"{_DATA}: missing key(s) {', '.join(sorted(missing))}")
    vocab = vocabulary()
    concepts = _mapping("concepts", data["concepts"], set(vocab.concepts))
    quantities = _mapping("quantities", data["quantities"], set(vocab.quantities))
    lists = {name: tuple(_strings(name, data[name])) for name in _LISTS}
    sites, methods, sex = (_inverted(k, data[k]) for k in ("blast_sites", "blast_methods", "sex"))
    words = {*concepts, *quantities, *sites, *methods, *sex, *(w for ws in lists.values() for w in ws)}
    finder = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    return Lexicon(concepts, quantities, sites, methods, sex, lists, finder)


@cache
def lexicon() -> Lexicon:
    text = resources.files("trialscope").joinpath(_DATA).read_text(encoding="utf-8")
    return parse_terms(json.loads(text))


@dataclass(slots=True)
class ZhFinding:
    start: int
    end: int
    kind: str  # concept | lab | blasts | performance | age | sex
    key: str = ""
    placed: list[tuple[int, int]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ZhAssertion:
    negated: bool = False
    historical: bool = False
    resolved: bool = False
    hypothetical: bool = False
    family: bool = False
    current: bool = False


@dataclass(slots=True)
class ZhReading:
    findings: list[ZhFinding]
    assertions: dict[int, ZhAssertion]  # id(finding) -> what its clause asserts
    placed: list[tuple[int, int]]  # every word the Chinese reading placed (terms, cues, numbers, units)
    cues: list[tuple[int, int, str]]  # the Chinese cues found (start, end, list name)
    original: str

    def assertion_at(self, start: int, end: int) -> ZhAssertion:
        """What the Chinese cues of its clause say of a finding found by the English reading ("HIV均为阴性")."""
        return _assert(ZhFinding(start, end, "concept"), self.cues, "", self.original)

    def has_cues_near(self, start: int, end: int) -> bool:
        """Whether a Chinese cue stands in the finding's clause."""
        a = max((m.end() for m in _CLAUSE_END.finditer(self.original, 0, start)), default=0)
        b = next((m.start() for m in _CLAUSE_END.finditer(self.original, end)), len(self.original))
        return any(a <= s and e <= b for s, e, _n in self.cues)


_NUMBER = re.compile(r"\s*(?:为|是|:|：|约|达)?\s*(\d+(?:\.\d+)?)\s*([A-Za-zµμ%/^*0-9.]*(?:/\s*[A-Za-z0-9.]+)?)")
_AGE = re.compile(r"(\d{1,3})\s*岁")
_ECOG = re.compile(r"(?i)ECOG\s*(?:评分)?\s*(?:为|是|:)?\s*([0-5])\s*分?")
_KPS = re.compile(r"(?i)(?:KPS|Karnofsky)\s*(?:评分)?\s*(?:为|是|:)?\s*(\d{2,3})\s*分?")
_BLAST_VALUE = re.compile(r"\s*(?:比例)?\s*(?:为|占|约|达|:)?\s*(\d+(?:\.\d+)?)\s*%")
_RELATIVE = re.compile(r"(\d+|[一二两三四五六七八九十]+)\s*(天|日|周|星期|个月|月|年)\s*(?:前|以前|之前)")
_ABSOLUTE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_LIFE = re.compile(r"\s*(?:为|是|:|约|大约|超过|大于|>|≥)?\s*(\d+|[一二两三四五六七八九十]+)\s*(周|星期|个月|月|年)")
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_DAYS = {"天": 1, "日": 1, "周": 7, "星期": 7, "个月": 30.44, "月": 30.44, "年": 365.25}
# where a clause ends for a cue's reach: ，。；! ? and 但 (after normalising, the ASCII twins); 、 keeps a list
_CLAUSE_END = re.compile(r"[，。；！？,.;!?]|但")


def _count(raw: str) -> int:
    if raw.isdigit():
        return int(raw)
    if raw.startswith("十"):
        return 10 + _DIGITS.get(raw[1:], 0) if len(raw) > 1 else 10
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return _DIGITS.get(tens, 1) * 10 + _DIGITS.get(ones, 0)
    return _DIGITS.get(raw, 0)


def relative_dates(text: str, as_of: dt.date) -> list[tuple[int, int, dt.date]]:
    """Dates a Chinese note gives: '2个月前', '两周前', '2026年9月'."""
    found = []
    for match in _RELATIVE.finditer(text):
        days = _count(match.group(1)) * _DAYS[match.group(2)]
        found.append((match.start(), match.end(), as_of - dt.timedelta(days=round(days))))
    for match in _ABSOLUTE.finditer(text):
        try:
            day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3) or 1))
        except ValueError:
            continue
        found.append((match.start(), match.end(), day))
    return found


def read_chinese(text: str, original: str) -> ZhReading:
    """The findings of the Chinese words of ``text`` (normalised), with what their clauses assert; ``original``
    is the text as written (the same length), whose 、 tells a list from a clause."""
    words = lexicon()
    findings: list[ZhFinding] = []
    placed: list[tuple[int, int]] = []
    cues: list[tuple[int, int, str]] = []  # (start, end, list name)
    for match in words.finder.finditer(text):
        word, a, b = match.group(0), match.start(), match.end()
        placed.append((a, b))
        if word in words.concepts:
            findings.append(ZhFinding(a, b, "concept", words.concepts[word], data={"said": word}))
        elif word in words.quantities:
            findings.append(_lab(text, a, b, words.quantities[word]))
        elif word in words.lists["blasts"]:
            value = _BLAST_VALUE.match(text, b)
            if value:
                site = _nearest(text, a, value.end(), words.blast_sites) or "bone marrow"
                method = _nearest(text, a, value.end(), words.blast_methods)
                findings.append(
                    ZhFinding(
                        a,
                        value.end(),
                        "blasts",
                        data={"value": float(value.group(1)), "site": site, "method": method},
                    )
                )
        elif word in words.sex:
            findings.append(ZhFinding(a, b, "sex", words.sex[word]))
        elif word in words.lists["life_expectancy"]:
            amount = _LIFE.match(text, b)
            if amount:
                months = (
                    _count(amount.group(1))
                    * {"周": 12 / 52.18, "星期": 12 / 52.18, "个月": 1.0, "月": 1.0, "年": 12.0}[amount.group(2)]
                )
                findings.append(ZhFinding(a, amount.end(), "life", data={"months": round(months, 2)}))
        else:
            for name in _LISTS:
                if word in words.lists[name]:
                    cues.append((a, b, name))
                    break
    for match in _AGE.finditer(text):
        findings.append(ZhFinding(match.start(), match.end(), "age", data={"years": float(match.group(1))}))
    for pattern, scale in ((_ECOG, "ECOG"), (_KPS, "Karnofsky")):
        for match in pattern.finditer(text):
            score = float(match.group(1))
            if score <= 100:
                findings.append(ZhFinding(match.start(), match.end(), "performance", scale, data={"value": score}))
    placed += [(m.start(), m.end()) for m in re.finditer(r"\d+(?:\.\d+)?\s*%?", text)]
    placed += [(a, b) for a, b, _d in relative_dates(text, dt.date.today())]
    for f in findings:
        placed.append((f.start, f.end))
        placed += f.placed
    assertions = {id(f): _assert(f, cues, text, original) for f in findings if f.kind == "concept"}
    return ZhReading(findings, assertions, placed, cues, original)


def _nearest(text: str, start: int, end: int, names: dict[str, str]) -> str | None:
    """The name of the word nearest a value within its clause: '骨髓原始细胞3%（形态学），流式检测原始细胞0.5%' gives
    the second count flow cytometry, the word right before it."""
    low = max((m.end() for m in _CLAUSE_END.finditer(text, max(0, start - 20), start)), default=max(0, start - 20))
    high = next((m.start() for m in _CLAUSE_END.finditer(text, end)), min(len(text), end + 16))
    found = []
    for word, name in names.items():
        for hit in re.finditer(re.escape(word), text[low:high]):
            position = low + hit.start()
            found.append((min(abs(position - start), abs(position - end)), name))
    return min(found)[1] if found else None


def _lab(text: str, a: int, b: int, key: str) -> ZhFinding:
    finding = ZhFinding(a, b, "lab", key)
    reading = _NUMBER.match(text, b, b + 30)
    if reading:
        finding.data = {"value": float(reading.group(1)), "unit_text": reading.group(2)}
        finding.placed.append((reading.start(1), reading.end(2)))
    return finding


def _assert(finding: ZhFinding, cues: list[tuple[int, int, str]], text: str, original: str) -> ZhAssertion:
    """What the finding's clause says of it (see the module's docstring)."""
    start = max((m.end() for m in _CLAUSE_END.finditer(original, 0, finding.start)), default=0)
    stop = next((m.start() for m in _CLAUSE_END.finditer(original, finding.end)), len(original))
    before = [(a, b, name) for a, b, name in cues if start <= a and b <= finding.start]
    after = [(a, b, name) for a, b, name in cues if finding.end <= a and b <= stop]
    names = {name for _a, _b, name in before}
    negated = "negation_before" in names or any(name == "negation_after" for _a, _b, name in after)
    if any(name == "positive_after" for _a, _b, name in after):
        negated = False
    resolved = "resolved" in names or any(name == "resolved" for _a, _b, name in after)
    return ZhAssertion(
        negated=negated,
        historical="historical" in names or resolved,
        resolved=resolved,
        hypothetical="hypothetical" in names,
        family="family" in names,
        current="current" in names,
    )


def antigen_results(text: str, antigens: list[tuple[int, int]], original: str) -> dict[tuple[int, int], str]:
    """Results written in Chinese right after an antigen: 'CD7阴性', 'CD33表达', 'CLL1阳性', and a result after a
    list of antigens joined by 、 ('CD117、CD123均阳性')."""
    words = lexicon()
    found: dict[tuple[int, int], str] = {}
    for a, b in antigens:
        stop = next((m.start() for m in _CLAUSE_END.finditer(original, b)), len(original))
        tail = text[b:stop]
        negative = next((tail.find(w) for w in words.lists["negation_after"] if w in tail), -1)
        positive = next((tail.find(w) for w in words.lists["positive_after"] if w in tail), -1)
        if negative >= 0 and (positive < 0 or negative <= positive):
            found[(a, b)] = "negative"
        elif positive >= 0:
            found[(a, b)] = "positive"
    return found


def has_chinese(text: str) -> bool:
    return CJK.search(text) is not None


def neutral_spans(text: str) -> list[tuple[int, int]]:
    """Where the Chinese words that change nothing are (the lexicon's 'neutral')."""
    words = lexicon()
    neutral = set(words.lists["neutral"])
    return [(m.start(), m.end()) for m in words.finder.finditer(text) if m.group(0) in neutral]
