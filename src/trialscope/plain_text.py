"""Text a person typed, made safe to show beside other text: the Unicode bidirectional controls (embeddings,
overrides, isolates, marks: U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) are taken out, so a
name with U+202E cannot turn the words around it on the operator's page or in an email. Right-to-left
letters themselves (Arabic, Hebrew) stay; pages show such values inside ``<bdi>``, which isolates them."""

from __future__ import annotations

import re

_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi_controls(text: str) -> str:
    return _BIDI_CONTROLS.sub("", text)
