"""A dictionary phrase matcher: finds vocabulary names in text by looking up token sequences, longest
first, instead of trying hundreds of regex alternatives at every character.

Text and names are split into the same tokens (runs of letters and digits; spaces, hyphens, slashes and
other punctuation only separate), so "CAR-T", "CAR T" and "CAR  T" are one name, and a name matches only
whole tokens ("AML" never inside "AMLs"). Case-insensitive names are compared lowercased; the
case-sensitive ones (short acronyms that are also English words: ALL, CR, MM) only as written.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# a run of letters and digits; a Chinese character is a token of its own ("HIV均为阴性": HIV, 均, 为, 阴, 性)
_TOKEN = re.compile(r"[\u4e00-\u9fff]|[^\W_\u4e00-\u9fff]+(?:'[^\W_\u4e00-\u9fff]+)?")


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    key: str
    begin: int
    finish: int
    matched: str

    def start(self) -> int:
        return self.begin

    def end(self) -> int:
        return self.finish

    def group(self, _index: int = 0) -> str:
        return self.matched


_recent = threading.local()  # per thread: the last text tokenised, its tokens and their lowercase forms


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A text's tokens (start, end, token); the tokens alone, lowercased, and lowercased without a final "'s"
    (None when no token has one)."""

    found: list[tuple[int, int, str]]
    words: list[str]
    lowered: list[str]
    stripped: list[str] | None


# Texts remembered: a criteria text and the short phrases read between its items (a quantity's name, a
# clause) take turns, so with one remembered the long one would be tokenised again and again.
_REMEMBERED = 4


def _tokenise_lowered(text: str) -> _Tokens:
    """The tokens of a text. Every matcher reads the same normalised criteria text in turn, so the last few
    are remembered (per thread)."""
    recent: list[tuple[str, _Tokens]] | None = getattr(_recent, "entries", None)
    if recent is None:
        recent = _recent.entries = []
    for entry in recent:
        if entry[0] is text:
            return entry[1]
    found = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    words = [token for _, _, token in found]
    lowered = [token.lower() for token in words]
    stripped = [w[:-2] if w.endswith("'s") else w for w in lowered] if "'" in text else None
    tokenised = _Tokens(found, words, lowered, stripped if stripped != lowered else None)
    recent.insert(0, (text, tokenised))
    del recent[_REMEMBERED:]
    return tokenised


def _tokenise(text: str) -> list[tuple[int, int, str]]:
    return _tokenise_lowered(text).found


def tokenise(text: str) -> list[tuple[int, int, str]]:
    """The tokens of a text, each (start, end, token), in order (remembered for the last text, per thread)."""
    return _tokenise(text)


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text))


# Names as a trie of tokens: token -> the names continuing with it (a trie again); "" -> the key of the name
# ending there (no token is empty).
_Trie = dict[str, Any]


def _trie(names: dict[tuple[str, ...], str]) -> _Trie:
    root: _Trie = {}
    for toks, key in names.items():
        node = root
        for token in toks:
            node = node.setdefault(token, {})
        node[""] = key
    return root


class PhraseMatcher:
    def __init__(self, entries: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> None:
        """entries: (key, case-insensitive names, case-sensitive names)."""
        self._folded: dict[tuple[str, ...], str] = {}
        self._exact: dict[tuple[str, ...], str] = {}
        for key, names, case_sensitive in entries:
            for name in names:
                toks = tuple(t.lower() for t in tokens(name))
                if toks:
                    self._folded.setdefault(toks, key)
            for name in case_sensitive:
                toks = tokens(name)
                if toks:
                    self._exact.setdefault(toks, key)
        # the names as tries of tokens: at each token of a text, the names beginning there are walked token
        # by token, and the walk stops as soon as no name continues
        self._exact_trie = _trie(self._exact)
        self._folded_trie = _trie(self._folded)
        self._local = threading.local()  # per thread: the last texts read and the matches found in them

    def __getstate__(self) -> dict[str, object]:  # a matcher sent to another process leaves its memory behind
        state = dict(self.__dict__)
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[PhraseMatch]:
        """Leftmost-longest, non-overlapping matches wholly inside text[pos:endpos]. At one place, a
        case-sensitive name comes before a case-insensitive one of the same length, and a name read without a
        final "'s" ("Non-Hodgkin's lymphoma") after both.

        The engine asks the same stretch of a criteria text more than once (an item, then its clauses): the
        answers are remembered for the last few texts, per thread."""
        endpos = len(text) if endpos is None else endpos
        recent: list[tuple[str, dict[tuple[int, int], list[PhraseMatch]]]] | None = getattr(self._local, "recent", None)
        if recent is None:
            recent = self._local.recent = []
        for entry in recent:
            if entry[0] is text:
                memo = entry[1]
                break
        else:
            memo = {}
            recent.insert(0, (text, memo))
            del recent[_REMEMBERED:]
        found = memo.get((pos, endpos))
        if found is None:
            found = memo[(pos, endpos)] = self._find(text, pos, endpos)
        return list(found)

    def _find(self, text: str, pos: int, endpos: int) -> list[PhraseMatch]:
        tokenised = _tokenise_lowered(text)
        toks = tokenised.found
        count = len(toks)
        found: list[PhraseMatch] = []
        index = bisect_left(toks, (pos, -1, ""))
        ways = [(self._folded_trie, tokenised.lowered)]
        if self._exact_trie:
            ways.insert(0, (self._exact_trie, tokenised.words))
        if tokenised.stripped is not None:
            ways.append((self._folded_trie, tokenised.stripped))
        while index < count and toks[index][1] <= endpos:
            last, key = -1, ""
            for root, words in ways:
                node = root.get(words[index])
                at = index
                while node is not None:
                    if toks[at][1] > endpos:
                        break
                    here = node.get("")
                    if here is not None and at > last:  # longer than any found: an earlier way wins a tie
                        last, key = at, here
                    at += 1
                    if at >= count:
                        break
                    node = node.get(words[at])
            if last < 0:
                index += 1
                continue
            begin, finish = toks[index][0], toks[last][1]
            found.append(PhraseMatch(key, begin, finish, text[begin:finish]))
            index = last + 1
        return found

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> PhraseMatch | None:
        matches = self.finditer(text, pos, endpos)
        return matches[0] if matches else None
