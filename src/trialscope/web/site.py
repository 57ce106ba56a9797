"""What the routes share (``Site``): the store, its search index, the templates with their filters, the
CSRF key and the rate limit of eligibility checks. Its own module, so the app factory (``web/app.py``)
and the routes (``web/pages.py``, ``web/api.py``) each import it without importing one another."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from trialscope.criteria.describe import describe
from trialscope.presentation.labels import humanise, phases_label, status_label
from trialscope.search import open_index
from trialscope.search.documents import card_freshness
from trialscope.store.trial_store import TrialStore
from trialscope.web import i18n
from trialscope.web.plain import card_summary, contact_value, explain, terms_in
from trialscope.web.security import RateLimiter, csrf_token, remember_csrf

HERE = Path(__file__).parent


class Site:
    """What the routes share: the store, its search index, templates, the CSRF key, rate limits."""

    def __init__(self, store: TrialStore, secret: bytes) -> None:
        self.store = store
        self.index = open_index(store)
        self.secret = secret
        self.match_limiter = RateLimiter(limit=30, window=60.0)  # questionnaire and profile checks per client
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters["explain"] = explain
        env.filters["describe"] = describe
        env.filters["contact_value"] = contact_value
        env.filters["km"] = lambda km: f"{km:,.0f} km"  # 9,110 km
        # the readable words of API codes, in the page's language (data/labels.json, translated by gettext)
        env.filters["status_label"] = pass_context(lambda ctx, v: ctx["_"](status_label(v)))
        env.filters["phases_label"] = pass_context(lambda ctx, phases: phases_label(phases, ctx["_"]))
        env.filters["humanise"] = pass_context(lambda ctx, v: ctx["_"](humanise(v)))
        env.globals["languages"] = i18n.LANGUAGES
        env.globals["card_freshness"] = card_freshness
        env.globals["terms_in"] = terms_in
        env.globals["card_summary"] = card_summary
        env.globals["url_with"] = url_with

    def error_page(self, request: Request, status: int, message: str) -> Response:
        return self.render(request, "error.html", {"status": status, "message": message}, status_code=status)

    def check_allowed(self, request: Request) -> bool:
        """Whether this client may run another eligibility check now (``match_limiter``)."""
        return self.match_limiter.allow(request.client.host if request.client else "?")

    def render(self, request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
        language: str = request.state.language  # chosen by ReaderLanguage
        translation = i18n.translations(language)
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                **context,
                "_": translation.gettext,
                "ngettext": translation.ngettext,
                "lang": language,
                "colon": translation.pgettext("punctuation", ": "),  # "Target: CD117"; Chinese "靶点：CD117"
                "csrf_token": csrf_token(request, self.secret),
            },
            status_code=status_code,
        )
        remember_csrf(request, response)
        if request.query_params.get("lang") in i18n.LANGUAGES:
            response.set_cookie(i18n.LANG_COOKIE, language, samesite="lax", max_age=365 * 24 * 3600)
        return response


def query_with(
    items: Iterable[tuple[str, str]],
    *,
    add: tuple[str, str] | None = None,
    remove: tuple[str, str] | None = None,
    changes: Mapping[str, object] | None = None,
) -> str:
    """A query string from ``items`` with a value added to a repeatable parameter (``add``) or taken from it
    (``remove``: compared without regard to case or surrounding spaces) and single ones changed (None
    removes one); the language choice is not carried."""

    def removed(key: str, value: str) -> bool:
        return remove is not None and key == remove[0] and value.strip().casefold() == remove[1].strip().casefold()

    changes = changes or {}
    kept = [(k, v) for k, v in items if k not in changes and k != "lang" and not removed(k, v)]
    if add is not None and add not in kept:
        kept.append(add)
    kept += [(k, str(v)) for k, v in changes.items() if v is not None]
    return urlencode(kept)


def url_with(request: Request, **changes: object) -> str:
    """This page's query string with single parameters changed (``query_with``)."""
    return query_with(request.query_params.multi_items(), changes=changes)
