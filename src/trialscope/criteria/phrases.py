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


_recent = threading.local()  # per thread: the last text tokenised and its tokens


def _tokenise(text: str) -> list[tuple[int, int, str]]:
    """The tokens of a text with their offsets. Every matcher reads the same normalised criteria text in
    turn, so the last one is remembered (per thread)."""
    entry: tuple[str, list[tuple[int, int, str]]] | None = getattr(_recent, "entry", None)
    if entry is not None and entry[0] is text:
        return entry[1]
    found = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    _recent.entry = (text, found)
    return found


def tokenise(text: str) -> list[tuple[int, int, str]]:
    """The tokens of a text, each (start, end, token), in order (remembered for the last text, per thread)."""
    return _tokenise(text)


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text))


class PhraseMatcher:
    def __init__(self, entries: Iterable[tuple[str, Iterable[str], Iterable[str]]]) -> None:
        """entries: (key, case-insensitive names, case-sensitive names)."""
        self._folded: dict[tuple[str, ...], str] = {}
        self._exact: dict[tuple[str, ...], str] = {}
        longest = 1
        for key, names, case_sensitive in entries:
            for name in names:
                toks = tuple(t.lower() for t in tokens(name))
                if toks:
                    self._folded.setdefault(toks, key)
                    longest = max(longest, len(toks))
            for name in case_sensitive:
                toks = tokens(name)
                if toks:
                    self._exact.setdefault(toks, key)
                    longest = max(longest, len(toks))
        self._longest = longest
        self._first_folded = {toks[0] for toks in self._folded}
        self._first_exact = {toks[0] for toks in self._exact}

    def _tokenised(self, text: str) -> list[tuple[int, int, str]]:
        return _tokenise(text)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[PhraseMatch]:
        """Leftmost-longest, non-overlapping matches wholly inside text[pos:endpos]."""
        endpos = len(text) if endpos is None else endpos
        toks = self._tokenised(text)
        index = bisect_left(toks, (pos, -1, ""))
        found: list[PhraseMatch] = []
        while index < len(toks) and toks[index][1] <= endpos:
            first = toks[index][2]
            lowered = first.lower()
            if (
                first not in self._first_exact
                and lowered not in self._first_folded
                and not (lowered.endswith("'s") and lowered[:-2] in self._first_folded)
            ):
                index += 1
                continue
            match = None
            for length in range(min(self._longest, len(toks) - index), 0, -1):
                window = toks[index : index + length]
                if window[-1][1] > endpos:
                    continue
                words = tuple(t[2] for t in window)
                folded = tuple(w.lower() for w in words)
                key = self._exact.get(words) or self._folded.get(folded)
                if key is None and any(w.endswith("'s") for w in folded):  # "Non-Hodgkin's lymphoma"
                    key = self._folded.get(tuple(w[:-2] if w.endswith("'s") else w for w in folded))
                if key is not None:
                    match = PhraseMatch(key, window[0][0], window[-1][1], text[window[0][0] : window[-1][1]])
                    index += length
                    break
            if match is None:
                index += 1
            else:
                found.append(match)
        return found

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> PhraseMatch | None:
        matches = self.finditer(text, pos, endpos)
        return matches[0] if matches else None
