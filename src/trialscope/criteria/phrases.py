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


_recent = threading.local()  # per thread: the last text tokenised, its tokens and their lowercase forms


@dataclass(frozen=True, slots=True)
class _Tokens:
    """A text's tokens (start, end, token), each lowercased, and where each distinct token stands."""

    found: list[tuple[int, int, str]]
    lowered: list[str]
    where: dict[str, list[int]]


def _tokenise_lowered(text: str) -> _Tokens:
    """The tokens of a text. Every matcher reads the same normalised criteria text in turn, so the last one
    is remembered (per thread)."""
    entry: tuple[str, _Tokens] | None = getattr(_recent, "entry", None)
    if entry is not None and entry[0] is text:
        return entry[1]
    found = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    where: dict[str, list[int]] = {}
    for index, (_, _, token) in enumerate(found):
        where.setdefault(token, []).append(index)
    tokenised = _Tokens(found, [token.lower() for _, _, token in found], where)
    _recent.entry = (text, tokenised)
    return tokenised


def _tokenise(text: str) -> list[tuple[int, int, str]]:
    return _tokenise_lowered(text).found


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
        for key, names, case_sensitive in entries:
            for name in names:
                toks = tuple(t.lower() for t in tokens(name))
                if toks:
                    self._folded.setdefault(toks, key)
            for name in case_sensitive:
                toks = tokens(name)
                if toks:
                    self._exact.setdefault(toks, key)
        # the lengths (in tokens) of the names that begin with a token, longest first: only those are tried
        folded_lengths: dict[str, set[int]] = {}
        exact_lengths: dict[str, set[int]] = {}
        for toks in self._folded:
            folded_lengths.setdefault(toks[0], set()).add(len(toks))
        for toks in self._exact:
            exact_lengths.setdefault(toks[0], set()).add(len(toks))
        self._folded_lengths = {first: sorted(n, reverse=True) for first, n in folded_lengths.items()}
        self._exact_lengths = {first: sorted(n, reverse=True) for first, n in exact_lengths.items()}
        self._local = threading.local()  # per thread: the last text and where a name may begin in it
        self._tried: dict[str, list[int]] = {}  # a token that may begin a name -> its lengths (``_lengths``)

    def __getstate__(self) -> dict[str, object]:  # a matcher sent to another process leaves its cache behind
        state = dict(self.__dict__)
        del state["_local"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _lengths(self, token: str, lowered: str) -> list[int]:
        """The lengths to try for a name beginning with this token (longest first); none when no name can."""
        lengths = set(self._exact_lengths.get(token, ())) | set(self._folded_lengths.get(lowered, ()))
        if lowered.endswith("'s"):  # "Non-Hodgkin's lymphoma"
            lengths |= set(self._folded_lengths.get(lowered[:-2], ()))
        return sorted(lengths, reverse=True)

    def _starts(self, text: str) -> tuple[list[int], list[list[int]]]:
        """The tokens of a text where a name may begin, and the lengths to try at each (remembered for the
        last few texts, per thread: a criteria text and the phrases read between its items)."""
        recent: list[tuple[str, list[int], list[list[int]]]] | None = getattr(self._local, "recent", None)
        if recent is None:
            recent = self._local.recent = []
        for entry in recent:
            if entry[0] is text:
                return entry[1], entry[2]
        known = self._tried
        candidates: list[tuple[int, list[int]]] = []
        for token, indices in _tokenise_lowered(text).where.items():
            folded = token.lower()
            if token in self._exact_lengths or folded in self._folded_lengths or folded.endswith("'s"):
                tried = known.get(token)
                if tried is None:
                    tried = known[token] = self._lengths(token, folded)
                if tried:
                    candidates += [(index, tried) for index in indices]
        candidates.sort(key=lambda candidate: candidate[0])
        starts = [index for index, _ in candidates]
        lengths = [tried for _, tried in candidates]
        recent.insert(0, (text, starts, lengths))
        del recent[4:]
        return starts, lengths

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[PhraseMatch]:
        """Leftmost-longest, non-overlapping matches wholly inside text[pos:endpos]."""
        endpos = len(text) if endpos is None else endpos
        tokenised = _tokenise_lowered(text)
        toks, lowered = tokenised.found, tokenised.lowered
        starts, lengths = self._starts(text)
        count = len(toks)
        found: list[PhraseMatch] = []
        at = bisect_left(starts, bisect_left(toks, (pos, -1, "")))
        while at < len(starts):
            index = starts[at]
            if toks[index][1] > endpos:
                break
            taken = 0
            for length in lengths[at]:
                last = index + length - 1
                if last >= count or toks[last][1] > endpos:
                    continue
                folded = tuple(lowered[index : index + length])
                key = self._exact.get(tuple(t[2] for t in toks[index : index + length])) or self._folded.get(folded)
                if key is None and any(w.endswith("'s") for w in folded):  # "Non-Hodgkin's lymphoma"
                    key = self._folded.get(tuple(w[:-2] if w.endswith("'s") else w for w in folded))
                if key is not None:
                    begin, finish = toks[index][0], toks[last][1]
                    found.append(PhraseMatch(key, begin, finish, text[begin:finish]))
                    taken = length
                    break
            at = bisect_left(starts, index + taken, at + 1) if taken else at + 1
        return found

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> PhraseMatch | None:
        matches = self.finditer(text, pos, endpos)
        return matches[0] if matches else None
