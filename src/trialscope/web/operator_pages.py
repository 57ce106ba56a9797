"""The operator's page, behind a log-in: the leads with their status, the outbox (what waits, what failed
and why), and what can be done about them (retry failed mail, delete a lead). The session lives on the
server (``operators.open_session``), checked on every request; its cookie holds only a random token
(HttpOnly, SameSite=Strict, 8 hours); accounts come from ``trialscope operator add NAME``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from trialscope.operators import SESSION_SECONDS, check_operator, close_session, open_session, session_operator
from trialscope.translation import _
from trialscope.web.site import checked_form, site_of, text_field

router = APIRouter(include_in_schema=False)
SESSION_COOKIE = "trialscope_operator"


def _operator(request: Request) -> str | None:
    """The operator whose session this request carries, checked against the sessions and operators now."""
    cookie = request.cookies.get(SESSION_COOKIE)
    return session_operator(site_of(request).people, cookie) if cookie else None


def _required(request: Request) -> str:
    name = _operator(request)
    if name is None:
        raise HTTPException(401, _("Log in first."))
    return name


@router.get("/operator/login")
def login_form(request: Request) -> Response:
    return site_of(request).render(request, "operator_login.html", {"problems": [], "name": ""})


@router.post("/operator/login")
async def login(request: Request) -> Response:
    site = site_of(request)
    form = await checked_form(request)
    site.refuse_floods(request, site.login_limiter)
    name = text_field(form, "name", 80)
    if not await site.slow_work.run(request, check_operator, site.people, name, text_field(form, "password", 200)):
        problems = [_("That name and password do not match an operator.")]
        return site.render(request, "operator_login.html", {"problems": problems, "name": name}, status_code=403)
    response = RedirectResponse("/operator", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        open_session(site.people, name),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/operator/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        close_session(site_of(request).people, cookie)
    response = RedirectResponse("/operator/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/operator")
def operator_page(request: Request) -> Response:
    name = _operator(request)
    if name is None:
        return RedirectResponse("/operator/login", status_code=303)
    site = site_of(request)
    context = {
        "operator": name,
        "leads": site.people.leads.find(limit=200),
        "outbox": site.people.outbox.messages(limit=200),
        "counts": site.people.outbox.counts(),
        "mail": site.smtp.describe() if site.smtp else None,
        "operator_email": site.operator_email,
    }
    return site.render(request, "operator.html", context)


@router.post("/operator/outbox/retry")
async def retry_failed(request: Request) -> Response:
    await checked_form(request)
    _required(request)
    site = site_of(request)
    site.people.outbox.retry_failed()
    site.postman.nudge()
    return RedirectResponse("/operator", status_code=303)


@router.post("/operator/leads/{lead_id}/delete")
async def delete_lead(request: Request, lead_id: Annotated[str, PathParam(max_length=40)]) -> Response:
    await checked_form(request)
    _required(request)
    site_of(request).people.leads.delete([lead_id])
    return RedirectResponse("/operator", status_code=303)
