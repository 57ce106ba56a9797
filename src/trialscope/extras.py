"""The optional extras (``pyproject.toml``'s optional dependencies), named the same way wherever a feature
needs one: in help texts and in the error a missing one gives. Imports nothing."""

from __future__ import annotations


def needs_extra(extra: str) -> str:
    """'needs the optional report extra: pip install 'trialscope[report]'' (the words, then the command)."""
    return f"needs the optional {extra} extra: pip install 'trialscope[{extra}]'"
