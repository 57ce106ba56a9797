"""Interface words kept in data files, for the translation catalogue: a Babel extraction method (named in
``babel.cfg``) so ``pybabel extract`` puts them in the catalogue beside the code's and the templates' words.

Which words of each file are interface words is said here, once: the readable labels of API codes, the
criteria vocabulary's names (concepts, quantities, time anchors) and where a lab's usual upper limit of
normal comes from, the plain-language summaries' words and the glossary's explanations. Match patterns,
synonyms and registry forms are not words a reader sees, so they are not extracted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import IO, Any

Words = Iterator[tuple[str, str]]  # (message, where it comes from)


def _labels(data: dict[str, Any]) -> Words:
    for table, labels in data.items():
        if not table.startswith("_"):
            for code, words in labels.items():
                yield words, f"{table}.{code}"


def _keys(section: str) -> Callable[[dict[str, Any]], Words]:
    def keys(data: dict[str, Any]) -> Words:
        for entry in data[section]:
            yield entry["key"], f"{section} key"

    return keys


def _quantities(data: dict[str, Any]) -> Words:
    for entry in data["quantities"]:
        yield entry["key"], "quantities key"
        if entry.get("uln", {}).get("source"):
            yield entry["uln"]["source"], f"quantities.{entry['key']}.uln.source"


def _plain_words(data: dict[str, Any]) -> Words:
    for table in ("diseases", "intervention_kinds", "phases", "statuses"):
        for code, words in data[table].items():
            yield words, f"{table}.{code}"
    for entry in data["cell_therapies"]:
        yield entry["says"], "cell_therapies"
    for entry in data.get("treatment_paths", []):
        yield entry["says"], "treatment_paths"
    yield data["cell_therapy_involves"], "cell_therapy_involves"


def _glossary(data: dict[str, Any]) -> Words:
    for entry in data["terms"]:
        yield entry["explain"], f"terms.{entry['term']}"


def _measurement_methods(data: dict[str, Any]) -> Words:
    for _pattern, method in data["measurement_methods"]:
        yield method, "measurement_methods"


WORDS_OF: dict[str, Callable[[dict[str, Any]], Words]] = {
    "labels.json": _labels,
    "concepts.json": _keys("concepts"),
    "quantities.json": _quantities,
    "anchors.json": _keys("anchors"),
    "plain_words.json": _plain_words,
    "glossary.json": _glossary,
    "cues.json": _measurement_methods,
}


def extract_data_words(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str, str, list[str]]]:
    name = PurePath(getattr(fileobj, "name", "")).name
    words_of = WORDS_OF.get(name)
    if words_of is None:
        raise ValueError(f"{name}: not a data file with interface words (babel_extractor.WORDS_OF)")
    for message, where in words_of(json.load(fileobj)):
        yield 0, "_", message, [f"{name} {where}"]
