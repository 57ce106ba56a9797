"""The reader's language for the sentences trialscope writes itself: plain-language summaries, criteria in
words, the matcher's evidence and questions, the reasons two trials are related.

These sentences are built in code, deep below the web layer, so the language travels as a context variable
rather than as an argument through every call: the web app sets it for each request (``reading_in``), the
CLI and the library leave it at English. Messages are gettext messages (extracted by ``pybabel extract``
with the keyword ``_``) with named ``%(placeholder)s`` values, so a translation may put the values in its
own order. Words that come from data files (the criteria vocabulary's names, the summaries' words, the
glossary) are extracted from those files (``presentation/catalogue_words.py``) and translated by ``term``.
Registry text is never passed through here: it stays as registered.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "_",
    "join_sentences",
    "language_key",
    "pgettext",
    "reader_locale",
    "reading_in",
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
