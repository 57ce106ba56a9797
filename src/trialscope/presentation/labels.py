"""Readable words for API enumeration values, read from ``data/labels.json``; and the marker for interface
words that are translated where they are shown (the web app's languages)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import IO, Any


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; the page translates it when shown."""
    return message


def extract_labels(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method for ``data/labels.json`` (named in babel.cfg): every readable word in it is
    an interface message, so ``pybabel extract`` puts them in the catalogue beside the templates' words."""
    data = json.load(fileobj)
    for table, labels in data.items():
        if table.startswith("_"):
            continue
        for code, words in labels.items():
            yield 0, "_", words, [f"labels.json {table}.{code}"]


@cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("trialscope").joinpath("data/labels.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    return data


def humanise(value: str | None, vocabulary: str = "generic") -> str:
    """'NOT_YET_RECRUITING' -> 'Not yet recruiting' (from the data file, else by re-spelling)."""
    if not value:
        return N_("not stated")
    labels = _labels()
    for table in (vocabulary, "generic"):
        if value in labels.get(table, {}):
            return labels[table][value]
    words = value.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


def status_label(value: str | None) -> str:
    return humanise(value, "status")


def _as_is(words: str) -> str:
    return words


def phases_label(phases: list[str], translate: Callable[[str], str] = _as_is) -> str:
    """'Phase 1 / Phase 2'; ``translate``: each phase's words in the reader's language (a page's gettext)."""
    if not phases:
        return translate(N_("not stated"))
    return " / ".join(translate(humanise(p, "phase")) for p in phases)
