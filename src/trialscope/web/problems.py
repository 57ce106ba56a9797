"""What was wrong with a request, in plain words in the reader's language: the web pages' and the API's
answer to input the routes' declared types refuse (a trial number that is not one, search words over
the limit, a page past the last). Never the validator's own wording ("String should match pattern ...")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trialscope.search.request import said
from trialscope.translation import N_, _

# The fields people fill in, named as the forms name them (translated where shown).
FIELD_NAMES = {
    "nct_id": N_("The trial number"),
    "q": N_("The search words"),
    "near": N_("The place"),
    "within": N_("The distance"),
    "within_km": N_("The distance"),
    "age": N_("The age"),
    "page": N_("The page number"),
    "per_page": N_("The number of results per page"),
    "limit": N_("The number of results"),
    "text": N_("The text"),
    "lang": N_("The language"),
}


def plain_problem(error: Mapping[str, Any]) -> str:
    """One validation error (pydantic's ``errors()`` item) as a sentence: a search's own refusals in their
    own words (``search/request.py``), the others by the field and what was wrong."""
    own = said(error)
    if own is not None:
        return own
    location = [str(part) for part in error.get("loc", ())[1:]]
    field = location[-1] if location else ""
    name = _(FIELD_NAMES[field]) if field in FIELD_NAMES else (field or _("The request"))
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    value = error.get("input")
    if field == "nct_id" and kind == "string_pattern_mismatch":
        return _(
            "%(value)s is not a trial number: trial numbers are NCT followed by 8 digits, like NCT07144020",
            value=repr(str(value)[:20]),
        )
    if kind == "string_too_long":
        return _("%(name)s: too long, at most %(limit)s characters", name=name, limit=context.get("max_length"))
    if kind in ("less_than_equal", "less_than"):
        return _("%(name)s: at most %(limit)s", name=name, limit=context.get("le", context.get("lt")))
    if kind in ("greater_than_equal", "greater_than"):
        return _("%(name)s: at least %(limit)s", name=name, limit=context.get("ge", context.get("gt")))
    if kind in ("int_parsing", "float_parsing", "int_from_float"):
        return _("%(name)s: a number is needed", name=name)
    if kind == "missing":
        return _("%(name)s: missing", name=name)
    if kind == "too_long":
        return _("%(name)s: too many values", name=name)
    return _("%(name)s: could not be read", name=name)
