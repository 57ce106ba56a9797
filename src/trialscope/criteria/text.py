"""Normalise criteria text for matching without moving a single character.

Every replacement is one character for one character, so an offset in the normalised text is the same
offset in the registry's text: spans reported to users always point at what the registry wrote.
- markdown escapes (``\\>``, ``\\<``, ``\\[``): the backslash becomes a space;
- full-width and other look-alike punctuation (``：，；（）＜＞≦≧～％``) becomes its ASCII twin;
- unusual spaces become plain spaces.
"""

from __future__ import annotations

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


def normalise(text: str) -> str:
    """The same text, same length, with escapes and look-alike punctuation made plain."""
    normalised = text.translate(_TRANSLATION)
    assert len(normalised) == len(text)
    return normalised
