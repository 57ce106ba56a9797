"""Readings of the text being parsed, remembered while it is parsed.

The engine reads one criteria text stretch by stretch, and several of its steps ask the same question of the
same stretch (the clauses of an item, its time windows, its exceptions, the quantities it names): each is
answered once per text. Only for pure readings: the result depends on the text and the other arguments
alone. Callers get their own list (a shallow copy), so changing it changes nothing remembered; the elements
must not be changed (they are tuples or frozen objects).

Per thread, the last few texts (by identity: the same string object, which the memo keeps alive, so no other
text can take its place).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

_P = ParamSpec("_P")
_T = TypeVar("_T")

_local = threading.local()
_REMEMBERED = 4  # the criteria text, and short texts read between its items


_Memo = dict[tuple[object, ...], tuple[list[Any], tuple[object, ...]]]


def _memo_of(text: str) -> _Memo:
    entries: list[tuple[str, _Memo]] | None = getattr(_local, "entries", None)
    if entries is None:
        entries = _local.entries = []
    for entry in entries:
        if entry[0] is text:
            return entry[1]
    memo: _Memo = {}
    entries.insert(0, (text, memo))
    del entries[_REMEMBERED:]
    return memo


def remembered(
    function: Callable[Concatenate[str, _P], list[_T]],
) -> Callable[Concatenate[str, _P], list[_T]]:
    """``function(text, *args)`` answered once per text and arguments (positional arguments only; each
    hashable, or compared by identity: a vocabulary, a compiled pattern)."""

    @functools.wraps(function)
    def wrapper(text: str, /, *args: _P.args, **kwargs: _P.kwargs) -> list[_T]:
        if kwargs:
            return function(text, *args, **kwargs)
        memo = _memo_of(text)
        key = (function, *(a if isinstance(a, int | str) else id(a) for a in args))
        found = memo.get(key)
        if found is None:
            # the arguments are kept with the answer: an object compared by identity stays alive, so no other
            # object can take its identity while the answer is remembered
            found = memo[key] = (function(text, *args, **kwargs), tuple(args))
        return list(found[0])

    return wrapper
