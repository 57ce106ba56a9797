"""Interface languages: English and Simplified Chinese, through gettext catalogues (Babel's standard
tooling: ``pybabel extract -F babel.cfg``, ``pybabel update``); the .po files are read at start-up, so no
compile step is needed. Registry text is never translated: it stays as registered.

The language comes from ``?lang=`` (remembered in a cookie), else the cookie, else the browser's
Accept-Language, else English.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError
from starlette.requests import Request

from trialscope.translation import LANGUAGES, N_, translations

__all__ = ["LANGUAGES", "LANG_COOKIE", "N_", "choose_language", "translations"]

LANG_COOKIE = "trialscope_lang"


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in LANGUAGES:
        return remembered
    accepted = [
        part.split(";")[0].strip().replace("-", "_") for part in request.headers.get("accept-language", "").split(",")
    ]
    try:
        negotiated = Locale.negotiate([a for a in accepted if a], ["en", "zh_Hans_CN", "zh_CN", "zh"], sep="_")
    except (UnknownLocaleError, ValueError):
        negotiated = None
    return "zh" if negotiated is not None and negotiated.language == "zh" else "en"
