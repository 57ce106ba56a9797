"""Normalise criteria text for matching without moving a single character.

Every replacement is one character for one character, so an offset in the normalised text is the same
offset in the registry's text: spans reported to users always point at what the registry wrote.
- markdown escapes (``\\>``, ``\\<``, ``\\[``): the backslash becomes a space;
- full-width and other look-alike punctuation (``：，；（）＜＞≦≧～％``) becomes its ASCII twin;
- unusual spaces become plain spaces.
"""

from __future__ import annotations

import re

from trialscope.criteria.memo import remembered

_TRANSLATION = str.maketrans(
    {
        "\\": " ",
        "：": ":",
        "，": ",",
        "；": ";",
        "（": "(",
        "）": ")",
        "［": "[",
        "］": "]",
        "＜": "<",
        "＞": ">",
        "＝": "=",
        "≦": "≤",
        "˂": "<",  # modifier letter arrowheads, typed for < and > in some registries
        "˃": ">",
        "≧": "≥",
        "⩽": "≤",
        "⩾": "≥",
        "～": "~",
        "％": "%",
        "﹪": "%",
        "。": ".",
        "、": ",",
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "‑": "-",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\t": " ",
        "\r": " ",
        **{chr(0xFF10 + d): str(d) for d in range(10)},  # full-width digits
    }
)

# the replacements of ASCII characters (a backslash, a tab, a carriage return), for text that has no other
_ASCII_REPLACEMENTS = tuple((chr(code), str(value)) for code, value in _TRANSLATION.items() if code < 128)


def normalise(text: str) -> str:
    """The same text, same length, with escapes and look-alike punctuation made plain."""
    if text.isascii():  # most registry text: only the ASCII replacements, each a C-speed pass
        for character, replacement in _ASCII_REPLACEMENTS:
            text = text.replace(character, replacement)
        return text
    normalised = text.translate(_TRANSLATION)
    assert len(normalised) == len(text)
    return normalised


WORD_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

# Where one clause of an item ends: a semicolon, a full stop before a capital (not one of an abbreviation:
# "(e.g. Rituximab)"), a blank line. Thresholds also break before "Label: Value" lists ("organ function:
# ALT ..."), which concepts read through.
_FULL_STOP = r"\.(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\bcf\.)(?<!\bapprox\.)\s+(?=[A-Z])"  # the stop first: fast
CLAUSE_BREAK = re.compile(rf";|{_FULL_STOP}|\.$|\n\s*\n")
CLAUSE_OR_LABEL_BREAK = re.compile(rf";|{_FULL_STOP}|\.$|:\s*(?=[A-Z])|\n\s*\n")


@remembered
def clause_bounds(norm: str, start: int, end: int, breaks: re.Pattern[str] = CLAUSE_BREAK) -> list[tuple[int, int]]:
    """(start, end) of each non-empty clause of norm[start:end]."""
    bounds, position = [], start
    for match in breaks.finditer(norm, start, end):
        bounds.append((position, match.start()))
        position = match.end()
    bounds.append((position, end))
    return [(a, b) for a, b in bounds if b > a]
