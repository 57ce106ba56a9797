"""Readable words for API enumeration values, read from ``data/labels.json``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("trialscope").joinpath("data/labels.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, str]] = {k: v for k, v in json.loads(text).items() if not k.startswith("_")}
    return data


def humanise(value: str | None, vocabulary: str = "generic") -> str:
    """'NOT_YET_RECRUITING' -> 'Not yet recruiting' (from the data file, else by re-spelling)."""
    if not value:
        return "not stated"
    labels = _labels()
    for table in (vocabulary, "generic"):
        if value in labels.get(table, {}):
            return labels[table][value]
    words = value.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]


def status_label(value: str | None) -> str:
    return humanise(value, "status")


def phases_label(phases: list[str]) -> str:
    if not phases:
        return "not stated"
    return " / ".join(humanise(p, "phase") for p in phases)
