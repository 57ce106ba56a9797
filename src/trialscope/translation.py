"""The reader's language for the sentences trialscope writes itself: plain-language summaries, criteria in
words, the matcher's evidence and questions, the reasons two trials are related.

These sentences are built in code, deep below the web layer, so the language travels as a context variable
rather than as an argument through every call: the web app sets it for each request (``reading_in``), the
CLI and the library leave it at English. Messages are gettext messages (extracted by ``pybabel extract``
with the keyword ``_``) with named ``%(placeholder)s`` values, so a translation may put the values in its
own order. Words that come from data files (the criteria vocabulary's names, the summaries' words, the
glossary) are extracted from those files (``presentation/babel_extractor.py``) and translated by ``term``.
Registry text is never passed through here: it stays as registered.

Here too: ``N_``, the marker for a message translated where it is shown rather than where it is defined,
and the readable words for the API's enumeration values (``data/labels.json``: "Not yet recruiting",
"Phase 1") and a record's age limits, which the criteria engine, the matcher, search and the pages all show.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import ClassVar

from trialscope.model.age import age_parts
from trialscope.reviewed_data import ReviewedFile, read_reviewed

__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "age_words",
    "facet_label",
    "humanise",
    "join_sentences",
    "known_values",
    "language_key",
    "pgettext",
    "phases_label",
    "reader_locale",
    "reading_in",
    "status_label",
    "term",
    "translations",
]

LANGUAGES = {"en": "English", "zh": "简体中文"}  # the interface's languages, by the code a person picks
_LOCALES = Path(__file__).parent / "web" / "locales"
_CATALOGUE_DIR = {"zh": "zh_Hans"}

_ENGLISH = gettext.NullTranslations()
_reader: ContextVar[gettext.NullTranslations] = ContextVar("trialscope_reader_language", default=_ENGLISH)


def _(message: str, /, **values: object) -> str:
    """``message`` in the reader's language, its ``%(name)s`` placeholders filled from ``values`` (a literal
    percent sign is written ``%%``)."""
    return _reader.get().gettext(message) % values


def pgettext(context: str, message: str, /, **values: object) -> str:
    """``_`` for a message whose words depend on what it is said of (``context``): years of age are not
    years of a time window in every language."""
    return _reader.get().pgettext(context, message) % values


def term(words: str | None) -> str:
    """A word from a data file (a concept or quantity name, a summary's word) in the reader's language; a
    word the catalogue does not know (registry words, a patient's own) is returned as it is."""
    if not words:
        return words or ""
    return _reader.get().gettext(words)


def reader_locale() -> str:
    """The reader's language as a locale code ("en", "zh_Hans"), from the catalogue's own header."""
    return str(_reader.get().info().get("language", "en"))


def join_sentences(sentences: Iterable[str]) -> str:
    """Sentences one after another as the reader's language writes them: a space between them in English,
    none after a Chinese full stop."""
    return ("" if reader_locale().startswith(("zh", "ja")) else " ").join(s for s in sentences if s)


def language_key() -> int:
    """Which language sentences are built in right now: equal keys, equal words (for caches of words)."""
    return id(_reader.get())


@contextmanager
def reading_in(translations: gettext.NullTranslations) -> Iterator[None]:
    """Sentences built inside this block are in ``translations``' language."""
    token = _reader.set(translations)
    try:
        yield
    finally:
        _reader.reset(token)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The gettext catalogue of one of ``LANGUAGES`` (English: the messages as written). The .po files are
    read (Babel's reader) at first use, so no compile step is needed."""
    folder = _CATALOGUE_DIR.get(language)
    if folder is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with (_LOCALES / folder / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; the page translates it when shown."""
    return message


class _LabelsFile(ReviewedFile):
    """data/labels.json: readable words for API codes, by vocabulary (a search facet's name, or "generic")."""

    FILE: ClassVar[str] = "data/labels.json"
    status: dict[str, str]
    phase: dict[str, str]
    generic: dict[str, str]


@cache
def _labels() -> dict[str, dict[str, str]]:
    data = read_reviewed(_LabelsFile)
    return {"status": dict(data.status), "phase": dict(data.phase), "generic": dict(data.generic)}


def known_values(vocabulary: str) -> list[str]:
    """The enumeration values the data file labels for a vocabulary ("status": RECRUITING, COMPLETED ...)."""
    return list(_labels().get(vocabulary, {}))


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


NAMED_FACETS = frozenset({"disease", "target", "country", "state", "city"})  # their values are names


def facet_label(facet: str, value: str) -> str:
    """A search facet's value as the pages write it: an API code in words ("Phase 1", "Older adult",
    "Recruiting"), a name (a disease, a target, a country) as it is."""
    if facet in NAMED_FACETS:
        return value
    if facet == "distance":
        return f"≤ {value} km"
    return humanise(value, facet if facet in _labels() else "generic")


# the registry's age units (model/age.py ``UNITS_PER_YEAR``), one message per unit and number
_AGE_UNITS = {
    "year": (N_("%(n)s Year"), N_("%(n)s Years")),
    "month": (N_("%(n)s Month"), N_("%(n)s Months")),
    "week": (N_("%(n)s Week"), N_("%(n)s Weeks")),
    "day": (N_("%(n)s Day"), N_("%(n)s Days")),
    "hour": (N_("%(n)s Hour"), N_("%(n)s Hours")),
    "minute": (N_("%(n)s Minute"), N_("%(n)s Minutes")),
}


def age_words(value: str) -> str:
    """A record's age limit as the registry writes it ("18 Years", "6 Months") in the reader's words
    ("18 岁", "6 个月"), read as ``age_in_years`` reads it; a value that is not a number and a unit is
    returned as it is."""
    parts = age_parts(value)
    if parts is None:
        return value
    number, amount, unit = parts
    if unit is None:
        return value
    one, many = _AGE_UNITS[unit]
    return _(one if amount == 1 else many, n=number)


def status_label(value: str | None) -> str:
    return humanise(value, "status")


def _as_is(words: str) -> str:
    return words


def phases_label(phases: list[str], translate: Callable[[str], str] = _as_is) -> str:
    """'Phase 1 / Phase 2'; ``translate``: each phase's words in the reader's language (a page's gettext)."""
    if not phases:
        return translate(N_("not stated"))
    return " / ".join(translate(humanise(p, "phase")) for p in phases)
