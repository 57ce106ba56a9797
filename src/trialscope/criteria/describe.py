"""Constraints in words a person can read ("total bilirubin ≤ 1.5 × ULN", "no prior CAR-T cell therapy"),
in the reader's language (``translation.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from trialscope.criteria.model import Constraint, Window
from trialscope.translation import N_, _, pgettext, term

SYMBOL = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "="}
TIME_UNIT_WORDS = {
    "hours": N_("hours"),
    "days": N_("days"),
    "weeks": N_("weeks"),
    "months": N_("months"),
    "years": N_("years"),
    "half-lives": N_("half-lives"),
}
ONE_TIME_UNIT_WORDS = {  # "within 1 month", not "1 months"
    "hours": N_("hour"),
    "days": N_("day"),
    "weeks": N_("week"),
    "months": N_("month"),
    "years": N_("year"),
    "half-lives": N_("half-life"),
}


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


def unit_words(unit: str | None, quantity: str | None = None, count: float | None = None) -> str:
    """A constraint's unit as written beside its number ("× ULN", "mg/dL"; a time unit in words, one of it
    said in the singular when ``count`` is 1)."""
    if unit == "xULN":
        return "× ULN"
    if unit == "years" and quantity == "age":
        return pgettext("age", "years")
    if count == 1 and unit in ONE_TIME_UNIT_WORDS:
        return term(ONE_TIME_UNIT_WORDS[unit])
    return term(TIME_UNIT_WORDS[unit]) if unit in TIME_UNIT_WORDS else unit or ""


def limit_words(c: Constraint) -> str:
    """ "total bilirubin ≤ 1.5 × ULN": the quantity, the comparison and the value with its unit."""
    symbol = SYMBOL.get(c.comparator or "", c.comparator)
    return f"{quantity_words(c)} {symbol} {_number(c.value)} {unit_words(c.unit, c.quantity, c.value)}".rstrip()


def quantity_words(c: Constraint) -> str:
    """What a limit is on: the quantity's name, with the site of a blast count taken elsewhere than the
    marrow ("peripheral blood blasts")."""
    if c.sample == "peripheral blood":
        return _("peripheral blood blasts")
    if c.sample:
        return _("blasts in the bone marrow or the peripheral blood")
    return term(c.quantity)


def window_words(window: Window) -> str:
    """'within 2 weeks before apheresis'."""
    values = {"count": _number(window.value), "unit": unit_words(window.unit, count=window.value)}
    if window.anchor:
        return _("within %(count)s %(unit)s before %(anchor)s", **values, anchor=term(window.anchor))
    return _("within %(count)s %(unit)s", **values)


def in_window(what: str, window: Window | None) -> str:
    """'chemotherapy within 2 weeks before apheresis' (``what`` alone when there is no window)."""
    return _("%(what)s %(window)s", what=what, window=window_words(window)) if window else what


def span_words(window: Window) -> str:
    """'2 weeks': the length of the window alone."""
    return _("%(count)s %(unit)s", count=_number(window.value), unit=unit_words(window.unit, count=window.value))


def describe(c: Constraint) -> str:
    """The constraint in words. One that sits inside the definition of a term (``definitional``: "Refractory
    AML: failure to achieve CR ... or >=2 relapses") is said to be so, never as "must have". What its reading
    left open is said with it: another way to meet it that was not read, something else required, a
    condition on when it applies."""
    if c.definitional and c.kind in ("numeric", "concept"):
        return _("in a definition, not a requirement of its own: %(what)s", what=definition_words(c))
    return _requirement_words(c) + _open_words(c)


def _open_words(c: Constraint) -> str:
    kinds = set((c.unsure or "").split(","))
    said = ""
    if "alternative" in kinds:
        said += _(" (or something trialscope could not read)")
    if "conjunct" in kinds:
        said += _(" (and something trialscope could not read)")
    if kinds & {"condition", "relaxation"}:
        said += _(" (only for some patients)")
    return said


def definition_words(c: Constraint) -> str:
    """What a definitional constraint names, without the words saying it is one ("CR", "bilirubin ≤ 2 × ULN")."""
    if c.kind == "numeric":
        return limit_words(c) + (_(" (by %(method)s)", method=term(c.method)) if c.method else "")
    values = _concept_values(c)
    return values["what"] + values["exceptions"] + values["implied"]


def _concept_values(c: Constraint) -> dict[str, str]:
    values = {
        "what": term(c.concept) or "?",
        "exceptions": _(" (except %(exceptions)s)", exceptions=", ".join(dict.fromkeys(c.exceptions)))
        if c.exceptions
        else "",
        "implied": _(" [implied by the therapy's target]") if c.implicit else "",
    }
    if c.category == "biomarker":
        values["what"] = _("%(antigen)s-positive disease", antigen=c.concept or "?")
    elif c.category == "prior_therapy" and c.current and c.within is None:
        values["what"] = _("%(therapy)s, being received now", therapy=values["what"])
    elif c.category == "prior_therapy":
        values["what"] = _("prior %(therapy)s", therapy=values["what"])
    elif c.current and c.within is None:
        values["what"] = _("%(what)s, now (active)", what=values["what"])
    values["what"] = in_window(values["what"], c.within)
    return values


def _requirement_words(c: Constraint) -> str:
    if c.kind == "numeric":
        text = definition_words(c)
        return _("excluded if %(limit)s", limit=text) if c.polarity == "exclude" else text
    if c.kind == "concept" and c.category == "pregnancy" and not c.definitional:
        # however it is worded ("must have a negative pregnancy test", "pregnant women are excluded"), the
        # matcher reads it as: not pregnant or breastfeeding; contraception is a question for the person
        if c.concept == "pregnancy":
            return _("must not be pregnant")
        if c.concept == "lactation":
            return _("must not be breastfeeding")
        if c.concept == "contraception":
            return _("must agree to use contraception (if able to have children)")
        return _("pregnancy-related: %(concept)s", concept=term(c.concept))
    if c.kind == "concept":
        values = _concept_values(c)
        if c.polarity == "include":
            return _("must have: %(what)s%(exceptions)s%(implied)s", **values)
        return _("must not have: %(what)s%(exceptions)s%(implied)s", **values)
    if c.kind == "administrative":
        return _(
            "administrative (%(concept)s): not about the patient's health, the study team checks it",
            concept=term(c.concept),
        )
    return _("not understood: %(reason)s", reason=c.reason)


def _said_with_relation(c: Constraint, text: str, alternatives: set[str], *, includes_only: bool = True) -> str:
    """``text`` saying how ``c`` relates to the constraints before it: an absolute limit beside its × ULN one
    reads as the same limit restated; a later member of an alternative group (``alternatives``: the groups
    seen so far, updated here; of inclusions only unless ``includes_only`` is false) reads "or: ..."."""
    if c.twin_of:
        return _("%(limit)s (the same limit in absolute units)", limit=text)
    if c.any_of_group and (c.polarity == "include" or not includes_only):
        later = c.any_of_group in alternatives
        alternatives.add(c.any_of_group)
        if later:
            return _("or: %(limit)s", limit=text)
    return text


def describe_all(constraints: Sequence[Constraint]) -> list[str]:
    """``describe`` for the constraints of one item, in order, saying how they relate (``_said_with_relation``)."""
    alternatives: set[str] = set()
    return [_said_with_relation(c, describe(c), alternatives) for c in constraints]


def describe_item(constraints: Sequence[Constraint]) -> list[str]:
    """The readings of one criteria item for a page: as ``describe_all``, except that the constraints sitting
    inside a definition are said once, together ("in a definition, not a requirement of its own: CR; CRi;
    bilirubin ≤ 2 × ULN"), where the requirements of the item stand."""
    words: list[str] = []
    defined: list[str] = []
    alternatives: set[str] = set()  # as describe_all counts them, over all the item's constraints
    within_definition: set[str] = set()  # alternatives among the definition's own members
    at = -1
    for c in constraints:
        if c.definitional and c.kind in ("numeric", "concept"):
            _said_with_relation(c, "", alternatives)  # counted, as describe_all does, though not said here
            if at < 0:
                at = len(words)
                words.append("")
            named = _said_with_relation(c, definition_words(c), within_definition, includes_only=False)
            if named not in defined:
                defined.append(named)
        else:
            words.append(_said_with_relation(c, describe(c), alternatives))
    if at >= 0:
        words[at] = _("in a definition, not a requirement of its own: %(what)s", what="; ".join(defined))
    return words


# --- how surely an item was read (criteria/reading.py) ------------------------------------------------------

_CONFLICT_WORDS = {
    "own condition": N_("it would exclude the trial's own condition, %(concept)s"),
    "excludes a requirement": N_("it would exclude %(concept)s, which another criterion requires"),
    "required and excluded": N_("another criterion would exclude %(concept)s"),
    "record lists another condition": N_("the record says the trial is also for %(concept)s"),
    "limits no one meets": N_("its limits on %(concept)s together leave no value that meets them all"),
}


def conflict_words(c: Constraint) -> str:
    """Why a reading is not trusted, in the reader's language (the engine stores a code and a concept)."""
    why, _sep, concept = (c.leftover or "").partition(": ")
    message = _CONFLICT_WORDS.get(why)
    return _(message, concept=term(concept)) if message else c.leftover or ""


def item_reading(constraints: Sequence[Constraint]) -> str:
    """How surely an item was read: "read" (every word placed), "partly" (some words left over, or a reading
    not trusted), "unread" (nothing understood), "" (nothing to read: a heading, an administrative item)."""
    clinical = [c for c in constraints if c.kind in ("numeric", "concept", "unparsed") and not c.definitional]
    if not clinical:
        return ""
    if all(c.kind == "unparsed" for c in clinical):
        return "unread"
    return "partly" if any(c.unsure for c in clinical) else "read"


def leftover_words(constraints: Sequence[Constraint]) -> list[str]:
    """What stopped a sure reading of an item: the words left over (or why a reading is not trusted), each
    once, in the reader's language where trialscope wrote them."""
    found: dict[str, None] = {}
    for c in constraints:
        if not c.unsure or c.definitional:
            continue
        found.setdefault(conflict_words(c) if c.unsure == "conflict" else f"“{c.leftover}”", None)
    return list(found)
