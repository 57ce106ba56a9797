"""Chinese in the search box: the reviewed table of Chinese words and the English words records use for them
(``data/search/synonyms-zh.json``), and Chinese text as the index holds it (CJK bigrams).

Records are indexed with every run of Chinese characters written as its overlapping two-character words, as
Lucene's CJKAnalyzer does ("湛江中心人民医院" -> "湛江 江中 中心 心人 人民 民医 医院"; a character alone stays
itself), and a Chinese word the table does not know is searched as the phrase of its bigrams: any record that
writes it finds it, however a segmenter would have cut the sentence around it. (tantivy-py's own tokenizers
-- simple, whitespace, regex, ngram -- give ngrams without positions, so a phrase of them cannot be asked
for; its regex tokenizer can give single characters, but the English text would then be cut by a regular
expression instead of the simple tokenizer, benchmarks/README.md has the figures.)

A run of Chinese in a query is read by the table's longest form at each place (forward maximum matching over
the table, an Aho-Corasick automaton): "复发难治急性髓系白血病" -> 复发 | 难治 | 急性髓系白血病. Latin letters inside
the run are read with it where a form has them ("嵌合抗原受体T细胞", "CAR-T细胞"), else left to the English
synonyms ("CD7白血病" -> CD7 | 白血病).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import ahocorasick_rs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DATA_FILE = "data/search/synonyms-zh.json"
REGISTRY_STATUSES = frozenset(
    {
        "RECRUITING",
        "NOT_YET_RECRUITING",
        "ENROLLING_BY_INVITATION",
        "ACTIVE_NOT_RECRUITING",
        "COMPLETED",
        "SUSPENDED",
        "TERMINATED",
        "WITHDRAWN",
    }
)
# Chinese characters (the CJK unified ideographs and their first extension, and the compatibility block)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# What separates words in Chinese writing: full-width punctuation, the ideographic space and comma.
_CJK_PUNCTUATION = re.compile(
    r"[\u3000-\u303f\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65、，。；：？！“”‘’（）《》【】·…—]+"
)


class ChineseTableError(ValueError):
    """The Chinese synonym table is not valid: the message names the file, the entry and the field."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal[
        "disease",
        "disease_status",
        "antigen",
        "therapy",
        "transplant",
        "safety",
        "test",
        "drug",
        "people",
        "body",
        "recruitment",
        "common",
    ]
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)
    status: tuple[str, ...] = ()

    @field_validator("zh")
    @classmethod
    def _chinese(cls, forms: tuple[str, ...]) -> tuple[str, ...]:
        for form in forms:
            if form != form.strip() or not _HAN_CHAR.search(form):
                raise ValueError(f"{form!r} is not a Chinese form (no Chinese character, or spaces around it)")
        return forms

    @field_validator("en")
    @classmethod
    def _english(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        for word in words:
            if not word.strip() or _HAN_CHAR.search(word) or '"' in word:
                raise ValueError(f"{word!r} is not an English word or phrase")
        return words

    @field_validator("status")
    @classmethod
    def _statuses(cls, statuses: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in statuses if s not in REGISTRY_STATUSES]
        if unknown:
            raise ValueError(f"unknown registry status {unknown[0]!r} (known: {', '.join(sorted(REGISTRY_STATUSES))})")
        return statuses


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid")
    about: str
    reviewed: str
    entries: list[_Entry] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ChineseEntry:
    number: int
    kind: str
    forms: tuple[str, ...]
    english: tuple[str, ...]  # alternatives, as records write them
    statuses: tuple[str, ...]  # for recruitment words: the registry statuses they ask for

    @property
    def common(self) -> bool:
        """A word left out of the search (every trial has it, or it carries nothing): the page names it."""
        return self.kind == "common"


@dataclass(frozen=True, slots=True)
class Piece:
    """A part of a run of text holding Chinese: a form of the table, an unknown Chinese word, or Latin text."""

    text: str
    kind: Literal["entry", "chinese", "latin"]
    entry: ChineseEntry | None = None


@dataclass(frozen=True, slots=True)
class ChineseTable:
    entries: tuple[ChineseEntry, ...]
    _automaton: ahocorasick_rs.AhoCorasick
    _owners: tuple[ChineseEntry, ...]  # the entry of each pattern of the automaton

    @classmethod
    def from_data(cls, data: object, source: str = DATA_FILE) -> ChineseTable:
        try:
            table = _Table.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = _where(data, first["loc"])
            raise ChineseTableError(f"{source}: {where}: {first['msg']}") from None
        entries: list[ChineseEntry] = []
        seen: dict[str, int] = {}
        for number, raw in enumerate(table.entries):
            entry = ChineseEntry(number, raw.kind, raw.zh, raw.en, raw.status)
            if entry.kind == "recruitment" and not entry.statuses:
                raise ChineseTableError(
                    f"{source}: entry {number} ({entry.forms[0]}): a recruitment word needs 'status'"
                )
            for form in entry.forms:
                key = form.lower()
                if key in seen:
                    raise ChineseTableError(
                        f"{source}: entry {number} ({entry.forms[0]}): {form!r} is already a form of entry {seen[key]}"
                    )
                seen[key] = number
            entries.append(entry)
        patterns = list(seen)
        owners = tuple(entries[seen[p]] for p in patterns)
        automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
        return cls(tuple(entries), automaton, owners)

    def entry_for(self, text: str) -> ChineseEntry | None:
        """The entry one of whose forms ``text`` is, exactly (any case)."""
        pieces = self.pieces(text)
        return pieces[0].entry if len(pieces) == 1 and pieces[0].kind == "entry" else None

    def pieces(self, text: str) -> list[Piece]:
        """A bare run of text (no spaces) holding Chinese, cut into the table's longest forms, unknown Chinese
        words (between forms and punctuation) and Latin text (left to the English synonyms)."""
        out: list[Piece] = []
        folded = text.lower()
        at = 0
        for pattern, start, end in self._automaton.find_matches_as_indexes(folded):
            out.extend(_between(text[at:start]))
            out.append(Piece(text[start:end], "entry", self._owners[pattern]))
            at = end
        out.extend(_between(text[at:]))
        return out

    @property
    def digest_source(self) -> str:
        return repr(self.entries)


def _between(text: str) -> Iterator[Piece]:
    """Text between the table's forms: Chinese runs (unknown words) and Latin runs, punctuation dropped."""
    for chunk in _CJK_PUNCTUATION.split(text):
        at = 0
        for match in HAN.finditer(chunk):
            latin = chunk[at : match.start()].strip(" -/_.,;:")
            if latin:
                yield Piece(latin, "latin")
            yield Piece(match.group(), "chinese")
            at = match.end()
        latin = chunk[at:].strip(" -/_.,;:")
        if latin:
            yield Piece(latin, "latin")


def _where(data: object, location: tuple[int | str, ...]) -> str:
    """A validation error's place in words: "entry 3 (急性髓系白血病), field 'en'"."""
    parts = list(location)
    if len(parts) >= 2 and parts[0] == "entries" and isinstance(parts[1], int):
        number = parts[1]
        name = ""
        with contextlib.suppress(KeyError, IndexError, TypeError):
            name = f" ({data['entries'][number]['zh'][0]})"  # type: ignore[index]
        rest = ".".join(str(p) for p in parts[2:])
        return f"entry {number}{name}" + (f", field {rest!r}" if rest else "")
    return "field " + repr(".".join(str(p) for p in parts)) if parts else "the file"


def has_chinese(text: str) -> bool:
    return _HAN_CHAR.search(text) is not None


def is_chinese_text(text: str) -> bool:
    """Holds Chinese characters or Chinese punctuation (read through the Chinese table)."""
    return has_chinese(text) or _CJK_PUNCTUATION.search(text) is not None


def bigrams(run: str) -> list[str]:
    """A run of Chinese characters as its overlapping two-character words (a single character as itself)."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def with_bigrams(text: str) -> str:
    """Text as the index reads it: each run of Chinese characters written as its bigrams, the rest as it is."""
    if not has_chinese(text):
        return text
    return HAN.sub(lambda m: " " + " ".join(bigrams(m.group())) + " ", text)


def bigram_phrase(text: str) -> str:
    """Text holding Chinese as the query language's phrase of what ``with_bigrams`` indexed for it (the
    bigrams, and any Latin letters between them: "嵌合抗原受体T细胞")."""
    return '"' + " ".join(with_bigrams(text).replace('"', " ").split()) + '"'


@cache
def chinese_table() -> ChineseTable:
    text = resources.files("trialscope").joinpath(DATA_FILE).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ChineseTableError(f"{DATA_FILE}: not JSON: {exc}") from None
    return ChineseTable.from_data(data)
