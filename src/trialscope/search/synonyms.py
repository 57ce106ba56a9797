"""Query expansion from the reviewed synonym list (data/search/synonyms.json).

A query is read as the search language reads it (words, "quoted phrases", field:terms, parentheses,
AND / OR / NOT, +/- prefixes); every run of plain words is scanned for the longest known form of a group,
which becomes ``("form 1" OR "form 2" ...)``, keeping a field prefix when there is one. Operators, groups
and unknown words pass through untouched, so expansion never changes what a query means, only how many
ways of writing it are found.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ahocorasick_rs

_WORD = re.compile(r"[A-Za-z0-9]+")
# A token of the query language: a (field-prefixed) quoted phrase, parentheses, or a bare run of characters.
_TOKEN = re.compile(r'(?P<field>[A-Za-z_]+:)?"(?P<phrase>[^"]*)"?|(?P<paren>[()])|(?P<bare>[^\s()"]+)')
_OPERATORS = frozenset({"AND", "OR", "NOT"})


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
    def from_data(cls, data: dict[str, object]) -> Synonyms:
        entries: list[dict[str, Any]] = data["groups"]  # type: ignore[assignment]
        groups = tuple(
            SynonymGroup(tuple(g["forms"]), bool(g.get("case_sensitive")), f"synonymgroup{n}x")
            for n, g in enumerate(entries)
        )
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

    def forms_of(self, text: str) -> tuple[str, ...]:
        """Every form of the group ``text`` is written in (just ``text`` when it is in none)."""
        group = self.group_for(_words(text))
        return group.forms if group else (text,)

    def expand(self, query: str, *, as_tokens: bool = False) -> str:
        """The query with every known form replaced by its whole group: written out as alternatives (for
        people to read), or as the group's index word (what is searched: one term, not many phrases)."""
        out: list[str] = []
        pending: list[str] = []  # plain words waiting to be matched against the groups

        def flush() -> None:
            out.extend(self._expand_words(pending, as_tokens))
            pending.clear()

        for match in _TOKEN.finditer(query):
            field = match.group("field") or ""
            if match.group("phrase") is not None:
                flush()
                phrase = match.group("phrase")
                group = self.group_for(_words(phrase)) if phrase.strip() else None
                out.append(group.render(field, as_tokens) if group else f'{field}"{phrase}"')
            elif match.group("paren"):
                flush()
                out.append(match.group("paren"))
            else:
                bare = match.group("bare")
                if bare in _OPERATORS or bare[0] in "+-" or ":" in bare or "*" in bare:
                    flush()
                    out.append(self._expand_prefixed(bare, as_tokens))
                else:
                    pending.append(bare)
        flush()
        return " ".join(out)

    def _expand_prefixed(self, token: str, as_tokens: bool) -> str:
        """``title:AML`` -> ``(title:"AML" OR title:"acute myeloid leukemia" ...)``; operators as they are."""
        field, sep, rest = token.partition(":")
        if not sep or not rest or not re.fullmatch(r"[A-Za-z_]+", field):
            return token
        group = self.group_for(_words(rest)) if "*" not in rest else None
        return group.render(f"{field}:", as_tokens) if group else token

    def _expand_words(self, words: list[str], as_tokens: bool) -> list[str]:
        """Greedy longest match of groups over a run of plain words (each word may hold several, 'CAR-T')."""
        out: list[str] = []
        i = 0
        while i < len(words):
            for span in range(min(self.longest, len(words) - i), 0, -1):
                chunk = words[i : i + span]
                group = self.group_for(_words(" ".join(chunk)))
                if group is not None:
                    out.append(group.render("", as_tokens))
                    i += span
                    break
            else:
                out.append(words[i])
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
    text = resources.files("trialscope").joinpath("data/search/synonyms.json").read_text(encoding="utf-8")
    return Synonyms.from_data(json.loads(text))
