"""Alerts: signing up (a search's filters, a trial, or — with consent — a patient profile), the
confirmation link (double opt-in), one-click unsubscribe (a page with a button, and RFC 8058's POST), and
the Atom feed of a search."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from trialscope.alerts.feeds import atom_feed
from trialscope.alerts.subscriptions import (
    MAX_PROFILE_CHARS,
    SEARCH_KEYS,
    SubscriptionError,
    confirm,
    describe,
    search_params,
    subscribe,
    subscription_of_unsubscribe_link,
    understood_profile,
    unsubscribe,
)
from trialscope.model.study import NCT_ID_PATTERN
from trialscope.search import QueryError, SearchQuery, run_search
from trialscope.translation import _
from trialscope.web.site import checked_form, not_in_catalogue, same_site_path, site_of, text_field

router = APIRouter(include_in_schema=False)


def _message(
    request: Request, title: str, words: str, status: int = 200, link: tuple[str, str] | None = None
) -> Response:
    return site_of(request).render(
        request, "message.html", {"title": title, "words": words, "link": link}, status_code=status
    )


@router.post("/alerts")
async def alert_subscribe(request: Request) -> Response:
    site = site_of(request)
    form = await checked_form(request)
    site.refuse_floods(request, site.form_limiter)
    kind = text_field(form, "kind", 10)
    params: dict[str, Any]
    back = same_site_path(text_field(form, "back", 1000), "/search")
    if kind == "trial":
        nct_id = text_field(form, "nct_id", 11).upper()
        if not NCT_ID_PATTERN.match(nct_id) or site.store.get(nct_id) is None:
            raise not_in_catalogue(nct_id)
        params = {"nct_id": nct_id}
    elif kind == "search":
        params = search_params([(k, v) for k, v in form.multi_items() if isinstance(v, str) and k in SEARCH_KEYS])
    elif kind == "profile":
        if form.get("keep_profile") != "yes":
            return _message(
                request,
                _("Not saved"),
                _("Tick the box to agree that we keep your profile for this alert."),
                400,
                (_("Back"), back),
            )
        try:
            profile = understood_profile(text_field(form, "profile", MAX_PROFILE_CHARS + 1))
        except ValueError:
            raise HTTPException(
                400, _("The profile could not be read. Start again from “Find trials for me”.")
            ) from None
        params = {"profile": profile}
    else:
        raise HTTPException(400, _("Unknown kind of alert: %(kind)s", kind=kind[:10]))
    if form.get("consent") != "yes":
        return _message(
            request,
            _("Not saved"),
            _("Tick the box to agree that we keep your email address for this alert."),
            400,
            (_("Back"), back),
        )
    try:
        subscribe(
            site.people,
            email=text_field(form, "email", 320),
            kind=kind,
            params=params,
            language=request.state.language,
            base_url=site.base_url(),
            sender=site.sender,
        )
    except (SubscriptionError, ValueError) as exc:
        return _message(request, _("Not saved"), str(exc), 400, (_("Back"), back))
    site.postman.nudge()
    if site.smtp is None:  # "sent" only when a mail server took it: here none can
        return _message(
            request,
            _("Alert saved, not confirmed yet"),
            _(
                "We could not send the confirmation email yet: this site has no mail server set. "
                "Nothing is sent until you confirm; the link will be valid for 7 days from when it is sent."
            ),
            link=(_("Back"), back),
        )
    return _message(
        request,
        _("Check your email"),
        _(
            "We are sending you a link to confirm this alert; it should arrive within a few minutes. "
            "Nothing more is sent until you open it; the link is valid for 7 days."
        ),
        link=(_("Back"), back),
    )


@router.get("/alerts/confirm/{token}")
def alert_confirm(request: Request, token: Annotated[str, PathParam(max_length=300)]) -> Response:
    subscription = confirm(site_of(request).people, token)
    if subscription is None:
        return _message(
            request,
            _("This link does not work"),
            _("The link is broken or older than 7 days. Sign up again to get a new one."),
            400,
        )
    return _message(
        request,
        _("Alert confirmed"),
        _(
            "You will get an email when there is news about: %(what)s. Each email has a link to stop them.",
            what=describe(subscription.kind, subscription.params),
        ),
    )


@router.get("/alerts/unsubscribe/{token}")
def unsubscribe_page(request: Request, token: Annotated[str, PathParam(max_length=300)]) -> Response:
    site = site_of(request)
    subscription_id = subscription_of_unsubscribe_link(site.people, token)
    subscription = site.people.subscriptions.get(subscription_id) if subscription_id else None
    if subscription is None:
        return _message(request, _("No alert to stop"), _("This alert was already stopped, or the link is broken."))
    return site.render(
        request, "unsubscribe.html", {"token": token, "what": describe(subscription.kind, subscription.params)}
    )


@router.post("/alerts/unsubscribe/{token}")
async def unsubscribe_now(request: Request, token: Annotated[str, PathParam(max_length=300)]) -> Response:
    """The button on the page, or a mail program's one-click POST (RFC 8058, ``List-Unsubscribe=One-Click``,
    which carries no CSRF token: the signed link is the proof)."""
    site = site_of(request)
    if not unsubscribe(site.people, token):
        return _message(request, _("No alert to stop"), _("This alert was already stopped, or the link is broken."))
    return _message(
        request, _("Alert stopped"), _("You will get no more emails for this alert. Your address is deleted with it.")
    )


@router.get("/search.atom")
def search_feed(request: Request) -> Response:
    site = site_of(request)
    params = search_params(request.query_params.multi_items())
    try:
        query = SearchQuery.from_params({**params, "sort": ["updated"], "per_page": ["50"]})
        results = run_search(site.index, query)
    except QueryError as exc:
        raise HTTPException(400, " ".join(exc.problems)) from None
    base = site.base_url()
    pairs = [(k, v) for k, values in params.items() for v in values]
    feed = atom_feed(
        results,
        what=describe("search", params),
        feed_url=f"{base}/search.atom?{urlencode(pairs)}",
        page_url=f"{base}/search?{urlencode(pairs)}",
        base_url=base,
    )
    return Response(feed, media_type="application/atom+xml")
