"""What the routes share (``Site``): the store, its search index, the templates with their filters, the
CSRF key and the rate limit of eligibility checks. Its own module, so the app factory (``web/app.py``)
and the routes (``web/pages.py``, ``web/api.py``) each import it without importing one another."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.datastructures import FormData

from trialscope.criteria.describe import describe
from trialscope.mail.postman import Postman
from trialscope.mail.smtp import SmtpSettings, mail_sender
from trialscope.plain_text import without_bidi_controls
from trialscope.search import open_index
from trialscope.search.documents import card_freshness
from trialscope.settings import ENV_OPERATOR_EMAIL
from trialscope.store.trial_store import TrialStore
from trialscope.translation import _, humanise, phases_label, status_label
from trialscope.web import i18n
from trialscope.web.plain_language import card_summary, contact_value, explain, terms_in
from trialscope.web.security import (
    CSRF_FIELD,
    RateLimiter,
    SharedRateLimiter,
    csrf_token,
    csrf_valid,
    remember_csrf,
)
from trialscope.web.slow_work import SlowWork
from trialscope.web.view_models import TrialViews

HERE = Path(__file__).parent
ENV_PUBLIC_URL = "TRIALSCOPE_PUBLIC_URL"  # where the site is reached: every link in emails and feeds
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # ``serve``'s own address on this machine, when none is set


class PublicUrlError(ValueError):
    """``TRIALSCOPE_PUBLIC_URL`` cannot be used (the sentence says why)."""


def checked_public_url(text: str) -> str:
    """The site's public address as links use it (``https://trials.example.org``, no trailing slash);
    PublicUrlError for one that is not an http(s) address of a host."""
    url = text.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise PublicUrlError(
            f"{ENV_PUBLIC_URL}={text!r} is not the address of the site: use e.g. https://trials.example.org"
        )
    return url


def public_url_from_environment() -> str:
    """``TRIALSCOPE_PUBLIC_URL``, else this machine's default address (``serve`` requires the variable on any
    address but loopback, so a request's Host header never chooses where links point)."""
    return checked_public_url(os.environ.get(ENV_PUBLIC_URL) or DEFAULT_PUBLIC_URL)


Limiter = RateLimiter | SharedRateLimiter  # a limit per client: the site's are shared through the database


def not_in_catalogue(nct_id: str) -> HTTPException:
    """The answer (404) for an NCT ID the catalogue does not hold, in the reader's words."""
    return HTTPException(404, _("%(nct_id)s is not in the catalogue", nct_id=nct_id.upper()))


class Site:
    """What the routes share: the store, its search index, templates, the CSRF key, rate limits, and the
    outbox's postman."""

    def __init__(
        self, store: TrialStore, secret: bytes, smtp: SmtpSettings | None = None, public_url: str | None = None
    ) -> None:
        self.store = store
        self.public_url = checked_public_url(public_url) if public_url else public_url_from_environment()
        self.people = store.people
        self.index = open_index(store)
        self.trial_views = TrialViews(store, self.index)
        self.secret = secret
        self.smtp = smtp
        self.sender = mail_sender(smtp)
        self.operator_email = os.environ.get(ENV_OPERATOR_EMAIL, "").strip() or None  # referrals go there
        self.postman = Postman(self.people, smtp)
        # per client, shared by every worker of every server of this database (store/rate_limits.py)
        counts = store.rate_limits
        self.match_limiter: Limiter = SharedRateLimiter(counts, "checks", 30, 60.0)  # questionnaire, profile checks
        self.form_limiter: Limiter = SharedRateLimiter(counts, "forms", 10, 600.0)  # contact requests, alert sign-ups
        self.note_limiter: Limiter = SharedRateLimiter(
            counts, "passcodes", 20, 600.0
        )  # passcode tries (notes lock too)
        self.login_limiter: Limiter = SharedRateLimiter(counts, "log-ins", 10, 600.0)  # operator log-ins
        self.slow_work = SlowWork()  # password and passcode hashing, off the event loop
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.auto_reload = False  # the templates are the package's own: no stat() of each file at every render
        env.filters["explain"] = explain
        env.filters["describe"] = describe
        env.filters["contact_value"] = contact_value
        env.filters["typed"] = without_bidi_controls  # what a person typed, shown to someone else
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

    def check_allowed(self, request: Request, limiter: Limiter | None = None) -> bool:
        """Whether this client may go on now (``limiter``: by default the eligibility checks')."""
        return (limiter or self.match_limiter).allow(request.client.host if request.client else "?")

    def refuse_floods(self, request: Request, limiter: Limiter) -> None:
        """429 when this client has gone over ``limiter``'s rate (forms, passcode tries, log-ins)."""
        if not self.check_allowed(request, limiter):
            raise HTTPException(429, _("Too many requests from this address. Wait a few minutes and try again."))

    def base_url(self) -> str:
        """Where links in emails, feeds and private links point: the configured public address, never the
        address a request says it came to (its Host header is the sender's to choose)."""
        return self.public_url

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
            response.set_cookie(
                i18n.LANG_COOKIE,
                language,
                samesite="lax",
                max_age=365 * 24 * 3600,
                secure=request.url.scheme == "https",
            )
        return response


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


async def checked_form(request: Request) -> FormData:
    """The posted form, after its CSRF token is checked (403 when it does not verify)."""
    form = await request.form(max_files=1, max_fields=200)
    if not csrf_valid(request, site_of(request).secret, str(form.get(CSRF_FIELD) or "")):
        raise HTTPException(403, "this form has expired or did not come from this site: reload the page and try again")
    return form


def same_site_path(value: str, default: str) -> str:
    """``value`` when it is a path on this site (``/search?q=AML``), else ``default``: never another site's
    address, however written (``//evil.example``, ``/\\evil.example``, or with a tab or newline a browser
    drops, ``/\t/evil.example``)."""
    if not value.startswith("/") or any(ord(c) < 0x21 or c in "\\\x7f" for c in value):
        return default
    return default if value.startswith("//") else value


def text_field(form: FormData, name: str, limit: int) -> str:
    """A text field of a posted form, cut to ``limit`` characters (an upload in its place counts as empty)."""
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


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
