"""Query expansion from the reviewed synonym list (data/search/synonyms.json).

A query is read as the search language reads it (words, "quoted phrases", field:terms, parentheses,
AND / OR / NOT, +/- prefixes); every run of plain words is scanned for the longest known form of a group,
which becomes ``("form 1" OR "form 2" ...)``, keeping a field prefix when there is one. Operators, groups
and unknown words pass through untouched, so expansion never changes what a query means, only how many
ways of writing it are found.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import ClassVar

import ahocorasick_rs
from pydantic import Field

from trialscope.reviewed_data import Entry, ReviewedFile, read_reviewed
from trialscope.search.chinese import (
    ChineseEntry,
    bigram_phrase,
    chinese_table,
    has_chinese,
    is_chinese_text,
)

_WORD = re.compile(r"[A-Za-z0-9]+")
# A token of the query language: a (field-prefixed) quoted phrase, parentheses, or a bare run of characters.
_TOKEN = re.compile(r'(?P<field>[A-Za-z_]+:)?"(?P<phrase>[^"]*)"?|(?P<paren>[()])|(?P<bare>[^\s()"]+)')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


class _GroupEntry(Entry):
    forms: tuple[str, ...] = Field(min_length=1)
    case_sensitive: bool = False


class SynonymsFile(ReviewedFile):
    """data/search/synonyms.json: groups of forms that name one thing."""

    FILE: ClassVar[str] = "data/search/synonyms.json"
    about: str
    groups: list[_GroupEntry]


@dataclass(frozen=True, slots=True)
class SynonymGroup:
    forms: tuple[str, ...]
    case_sensitive: bool
    token: str  # the word the index adds wherever any form is written (see ``Synonyms.tokens_in``)

    @property
    def searched_forms(self) -> tuple[str, ...]:
        """The forms worth searching: one per word sequence ('CAR-T' and 'CAR T' are both "car t"), and
        none whose words contain another form's ('CAR T cell' is found by "car t")."""
        keys = {f: tuple(w.lower() for w in _words(f)) for f in self.forms}
        kept: dict[tuple[str, ...], str] = {}
        for form in sorted(self.forms, key=lambda f: len(keys[f])):
            key = keys[form]
            if key and key not in kept and not any(_contains(key, shorter) for shorter in kept):
                kept[key] = form
        return tuple(f for f in self.forms if f in kept.values())

    def quoted(self, field: str = "") -> str:
        return "(" + " OR ".join(f'{field}"{form}"' for form in self.searched_forms) + ")"

    def render(self, field: str, as_tokens: bool) -> str:
        return f"{field}{self.token}" if as_tokens else self.quoted(field)


def _any(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")"


@dataclass(frozen=True, slots=True)
class Term:
    """One thing a query asks for: a word, a phrase or a known form (with its group)."""

    written: str  # as the person wrote it
    for_people: str  # the alternatives searched, written out
    searched: str  # what the index is asked (a group as its index word)
    chinese: bool = False
    common: bool = False  # a Chinese word left out of the search (data/search/synonyms-zh.json, kind "common")
    negated: bool = False  # after NOT or a minus: matching nothing is what was asked
    sign: str = ""  # a "+" or "-" written before it


@dataclass(slots=True)
class Reading:
    """A query as read: its terms with operators and parentheses between them (``plain``: words and phrases
    only, every one required)."""

    parts: list[Term | str]
    plain: bool

    @property
    def terms(self) -> list[Term]:
        return [p for p in self.parts if isinstance(p, Term)]

    @property
    def left_out(self) -> list[Term]:
        return [t for t in self.terms if t.common]

    def for_people(self) -> str:
        return self._joined(lambda t: t.for_people, ())

    def run(self, without: tuple[Term, ...] = ()) -> str:
        """What is searched (``without`` some terms: words that match nothing, in a plain query)."""
        return self._joined(lambda t: t.searched, without)

    def _joined(self, text: Callable[[Term], str], without: tuple[Term, ...]) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            elif part not in without and not part.common:
                out.append(part.sign + text(part))
        return " ".join(out)


def _contains(words: tuple[str, ...], part: tuple[str, ...]) -> bool:
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Synonyms:
    groups: tuple[SynonymGroup, ...]
    exact: dict[tuple[str, ...], SynonymGroup]  # capitals-only forms of case-sensitive groups ("ALL")
    folded: dict[tuple[str, ...], SynonymGroup]  # every other form, by its lowercased words
    longest: int

    @classmethod
    def from_data(cls, data: SynonymsFile) -> Synonyms:
        groups = tuple(SynonymGroup(g.forms, g.case_sensitive, f"synonymgroup{n}x") for n, g in enumerate(data.groups))
        exact: dict[tuple[str, ...], SynonymGroup] = {}
        folded: dict[tuple[str, ...], SynonymGroup] = {}
        for group in groups:
            for form in group.forms:
                if group.case_sensitive and form == form.upper():
                    exact.setdefault(_words(form), group)
                else:
                    folded.setdefault(tuple(w.lower() for w in _words(form)), group)
        return cls(groups, exact, folded, max(len(k) for k in [*exact, *folded]))

    def group_for(self, words: tuple[str, ...]) -> SynonymGroup | None:
        return self.exact.get(words) or self.folded.get(tuple(w.lower() for w in words))

    def expand(self, query: str, *, as_tokens: bool = False) -> str:
        """The query with every known form replaced by its whole group: written out as alternatives (for
        people to read), or as the group's index word (what is searched: one term, not many phrases)."""
        reading = self.read(query)
        return reading.run() if as_tokens else reading.for_people()

    def read(self, query: str) -> Reading:
        """The query as searched: each word, phrase or known form a ``Term`` (its words for people, its words
        for the index), the language's operators and parentheses between them as they are. Chinese is read
        through the Chinese table (``search/chinese.py``); a word in no table is searched as written."""
        parts: list[Term | str] = []
        pending: list[str] = []  # plain words waiting to be matched against the groups
        plain = True  # only words and phrases, all of them required
        negated = False

        def flush() -> None:
            parts.extend(self._expand_words(pending))
            pending.clear()

        def add(term: Term) -> None:
            nonlocal negated
            flush()
            parts.append(replace(term, negated=negated) if negated else term)
            negated = False

        for match in _TOKEN.finditer(query):
            field = match.group("field") or ""
            if match.group("phrase") is not None:
                add(self._phrase(match.group(0), field, match.group("phrase")))
            elif match.group("paren"):
                flush()
                plain = False
                parts.append(match.group("paren"))
            else:
                bare = match.group("bare")
                if bare in _OPERATORS or bare[0] in "+-":
                    flush()
                    plain = False
                    if bare in _OPERATORS or len(bare) == 1:
                        parts.append(bare)
                        negated = bare == "NOT"
                        continue
                    negated = bare[0] == "-"
                    add(replace(self._single(bare[1:]), sign=bare[0]))
                elif ":" in bare or "*" in bare or negated:
                    add(self._single(bare))
                elif is_chinese_text(bare):
                    for piece in chinese_table().pieces(bare):
                        if piece.kind == "latin":
                            pending.append(piece.text)
                        else:
                            add(self._chinese(piece.text, piece.entry))
                else:
                    pending.append(bare)
        flush()
        return Reading(parts, plain)

    def _phrase(self, written: str, field: str, phrase: str) -> Term:
        entry = chinese_table().entry_for(phrase.strip()) if has_chinese(phrase) else None
        if entry is not None:
            return self._chinese(phrase.strip(), entry, field)
        group = self.group_for(_words(phrase)) if phrase.strip() and not has_chinese(phrase) else None
        if group is not None:
            return Term(written, group.quoted(field), group.render(field, True))
        searched = f"{field}{bigram_phrase(phrase)}" if has_chinese(phrase) else f'{field}"{phrase}"'
        return Term(written, f'{field}"{phrase}"', searched)

    def _single(self, token: str) -> Term:
        """One token on its own (after a field name, a sign or NOT): ``title:AML`` -> ``(title:"AML" OR
        title:"acute myeloid leukemia" ...)``; a prefix search (``leuk*``) as it is."""
        field, sep, rest = token.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_]+", field):
            field, rest = "", token
        else:
            field += ":"
        if not rest or "*" in rest:
            return Term(token, token, token)
        if is_chinese_text(rest):
            pieces = chinese_table().pieces(rest)
            if len(pieces) == 1 and pieces[0].kind != "latin":
                return self._chinese(rest, pieces[0].entry, field)
            if all(p.kind == "chinese" for p in pieces):
                return Term(token, f'{field}"{rest}"', f"{field}{bigram_phrase(rest)}", chinese=True)
            parts = [
                self._single(field + p.text) if p.kind == "latin" else self._chinese(p.text, p.entry, field)
                for p in pieces
            ]
            kept = [p for p in parts if not p.common]
            return Term(
                token,
                "(" + " AND ".join(p.for_people for p in kept) + ")",
                "(" + " AND ".join(p.searched for p in kept) + ")",
                chinese=True,
            )
        group = self.group_for(_words(rest))
        if group is None:
            return Term(token, token, token)
        return Term(token, group.quoted(field), group.render(field, True))

    def _chinese(self, written: str, entry: ChineseEntry | None, field: str = "") -> Term:
        """A Chinese word: a form of the table searched as its English words (and as written, for the record
        in Chinese), or a word the table lacks searched as written (its bigrams)."""
        if entry is None:
            return Term(written, f'{field}"{written}"', f"{field}{bigram_phrase(written)}", chinese=True)
        if entry.common:
            return Term(written, "", "", chinese=True, common=True)
        if entry.statuses:
            statuses = " ".join(entry.statuses)
            asked = f"status:{entry.statuses[0]}" if len(entry.statuses) == 1 else f"status:IN [{statuses}]"
            return Term(written, asked, asked, chinese=True)
        people: list[str] = []
        searched: list[str] = []
        for words in entry.english:
            group = self.group_for(_words(words))
            people.append(group.quoted(field) if group else f'{field}"{words}"')
            searched.append(group.render(field, True) if group else f'{field}"{words}"')
        people.append(f'{field}"{written}"')
        searched.append(f"{field}{bigram_phrase(written)}")
        people, searched = list(dict.fromkeys(people)), list(dict.fromkeys(searched))
        return Term(written, _any(people), _any(searched), chinese=True)

    def _expand_words(self, words: list[str]) -> list[Term]:
        """Greedy longest match of groups over a run of plain words (each word may hold several, 'CAR-T').
        A word with letters but none the groups are written in is never taken into a group's match."""
        out: list[Term] = []
        i = 0
        while i < len(words):
            for span in range(min(self.longest, len(words) - i), 0, -1):
                chunk = words[i : i + span]
                if any(not _words(w) and any(c.isalnum() for c in w) for w in chunk):
                    continue
                group = self.group_for(_words(" ".join(chunk)))
                if group is not None:
                    out.append(Term(" ".join(chunk), group.quoted(), group.render("", True)))
                    i += span
                    break
            else:
                out.append(Term(words[i], words[i], words[i]))
                i += 1
        return out

    def tokens_in(self, text: str) -> list[str]:
        """The index words of every group written in ``text`` (indexed beside the text, so a query for any
        form is one term lookup). Forms are found on word boundaries, whatever separates their words
        (space, hyphen, slash), in any case (capitals-only abbreviations of case-sensitive groups: as
        written), with a plural ending allowed."""
        automaton, tokens, capitals = _detector(self)
        found: dict[str, None] = {}
        folded = " " + _NOT_WORD.sub(" ", text.lower()) + " "
        for pattern, _start, _end in automaton.find_matches_as_indexes(folded, overlapping=True):
            found.setdefault(tokens[pattern], None)
        if capitals is not None:
            for match in capitals.finditer(text):
                group = self.exact.get(_words(match.group(1)))
                if group is not None:
                    found.setdefault(group.token, None)
        return list(found)

    @property
    def digest(self) -> str:
        """Changes whenever the list does (the index is rebuilt then)."""
        return hashlib.sha256(repr(self.groups).encode()).hexdigest()[:12]


_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DETECTORS: dict[int, tuple[ahocorasick_rs.AhoCorasick, list[str], re.Pattern[str] | None]] = {}


def _detector(known: Synonyms) -> tuple[ahocorasick_rs.AhoCorasick, list[str], re.Pattern[str] | None]:
    """Built once: an Aho-Corasick automaton over every case-free form (lowercased, words joined by one
    space, with plural endings, between spaces so that only whole words match; overlapping matches are
    all reported) and a pattern for the capitals-only forms (overlapping ones too)."""
    cached = _DETECTORS.get(id(known))
    if cached is None:
        patterns: list[str] = []
        tokens: list[str] = []
        for words, group in known.folded.items():
            for ending in ("", "s", "es"):
                patterns.append(" " + " ".join(words) + ending + " ")
                tokens.append(group.token)
        automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.Standard)
        capitals = "|".join(r"[\s\-/]*".join(re.escape(w) for w in words) for words in known.exact)
        # a look-ahead, so that overlapping forms are all found ("T-ALL" is also "ALL")
        pattern = re.compile(rf"(?<![A-Za-z0-9])(?=((?:{capitals}))(?![A-Za-z0-9]))") if capitals else None
        cached = _DETECTORS[id(known)] = (automaton, tokens, pattern)
    return cached


@cache
def synonyms() -> Synonyms:
    return Synonyms.from_data(read_reviewed(SynonymsFile))
