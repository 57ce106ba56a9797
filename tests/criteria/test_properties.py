"""Property-based: on any text and on mutated real criteria the engine never raises, every span lies
inside the text it was given, and parsing is deterministic."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES
from trialscope.criteria import parse_criteria

REAL = [
    json.loads(p.read_text())["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    for p in sorted(Path(FIXTURES / "seed-trials").glob("NCT*.json"))
]
PIECES = [
    "ULN",
    "mg/dL",
    "≤",
    "Inclusion Criteria:",
    "Exclusion Criteria:",
    "\n  a) ",
    "\n1. ",
    "AML",
    "CD123+",
    "within 2 weeks",
    "except",
    "no ",
    "or ",
    "CAR-T",
    "years",
    "ECOG",
    "（",
    "）",
    "：",
    "１",
    "\\>",
    "μmol/L",
]
CRITERIA_ALPHABET = st.sampled_from(
    [*"abcdefghijklmnopqrstuvwxyzABC0123456789 \n\t.,;:()[]-*•≤≥<>=%/×~\\+'\"", *PIECES]
)


def _check(text: str) -> None:
    first = parse_criteria(text)
    for constraint in first.constraints:
        if constraint.span is not None:
            start, end = constraint.span
            assert 0 <= start <= end <= len(text)
            assert text[start:end] == constraint.text
    for item in first.items:
        assert 0 <= item.start < item.end <= len(text)
    second = parse_criteria(text)
    assert [c.as_flat() for c in first.constraints] == [c.as_flat() for c in second.constraints]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(CRITERIA_ALPHABET, max_size=120).map("".join))
def test_criteria_like_text(text: str) -> None:
    _check(text)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(REAL),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.text(max_size=8)), max_size=6),
)
def test_mutated_real_criteria(original: str, edits: list[tuple[int, int, str]]) -> None:
    text = original
    for position, length, insert in edits:
        position %= len(text) + 1
        text = text[:position] + insert + text[position + length :]
    _check(text)
