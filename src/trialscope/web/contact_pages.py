"""Contact the study team: the form (the record's contacts with an email address; the nearest open site
first when the person gave a place; for a record without one, this site's operator, who passes the request
on), the request kept as a lead and sent by the outbox, the confirmation page (saying what was really
sent), and the person's own link to withdraw it. Nothing entered here is logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response

from trialscope.contact.entries import CheckedContact, ContactEntries, check_entries
from trialscope.contact.recipients import recipients
from trialscope.contact.referrals import is_referral, reach_route, referral_recipient
from trialscope.contact.requests import lead_days, submit_lead
from trialscope.model.study import NCT_ID_IN_A_PATH
from trialscope.store.stored_trial import StoredTrial
from trialscope.translation import LANGUAGES, _
from trialscope.web.site import Site, checked_form, not_in_catalogue, site_of, text_field
from trialscope.web.view_models import place_or_none

router = APIRouter(include_in_schema=False)


def _trial(site: Site, nct_id: str) -> StoredTrial:
    trial = site.store.get(nct_id)
    if trial is None:
        raise not_in_catalogue(nct_id)
    return trial


def _context(
    site: Site, trial: StoredTrial, near: str, entries: ContactEntries, problems: list[str]
) -> dict[str, object]:
    place, _problem = place_or_none(near)
    choices = recipients(trial.study, place) or [referral_recipient(trial.study, site.operator_email)]
    return {
        "study": trial.study,
        "choices": choices,
        "referral": choices[0].referral,
        "route": reach_route(trial.study),
        "entries": entries,
        "problems": problems,
        "near": near,
        "kept_days": lead_days(),
        "mail_configured": site.smtp is not None,
    }


@router.get("/trials/{nct_id}/contact")
def contact_form(
    request: Request,
    nct_id: Annotated[str, PathParam(pattern=NCT_ID_IN_A_PATH)],
    near: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    site = site_of(request)
    trial = _trial(site, nct_id)
    entries = ContactEntries(language=LANGUAGES.get(request.state.language, ""))
    return site.render(request, "contact.html", _context(site, trial, near, entries, []))


@router.post("/trials/{nct_id}/contact")
async def contact_send(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT_ID_IN_A_PATH)]) -> Response:
    site = site_of(request)
    form = await checked_form(request)
    trial = _trial(site, nct_id)
    site.refuse_floods(request, site.form_limiter)
    near = text_field(form, "near", 200)
    entries = ContactEntries(
        recipient=text_field(form, "recipient", 40),
        name=text_field(form, "name", 200),
        email=text_field(form, "email", 320),
        phone=text_field(form, "phone", 40),
        language=text_field(form, "language", 40),
        message=text_field(form, "message", 4000),
        consent=form.get("consent") == "yes",
    )
    context = _context(site, trial, near, entries, [])
    checked = check_entries(entries, context["choices"])  # type: ignore[arg-type]
    if not isinstance(checked, CheckedContact):
        return site.render(request, "contact.html", {**context, "problems": checked}, status_code=400)
    lead = submit_lead(
        site.people,
        nct_id=trial.nct_id,
        title=trial.study.title,
        request=checked,
        sender=site.sender,
        reader_language=request.state.language,
        base_url=site.base_url(),
    )
    site.postman.nudge()
    return RedirectResponse(f"/contact/{lead.id}?sent=1", status_code=303)  # a reload does not send it again


@router.get("/contact/{lead_id}")
def contact_status(request: Request, lead_id: Annotated[str, PathParam(max_length=40)], sent: str = "") -> Response:
    """The request's own page (its link is unguessable): what was sent to whom, and a button to withdraw."""
    site = site_of(request)
    lead = site.people.leads.get(lead_id)
    if lead is None:
        raise HTTPException(404, _("This request is not kept (any more)."))
    trial = site.store.get(lead.nct_id)
    return site.render(
        request,
        "contact_sent.html",
        {
            "lead": lead,
            "referral": is_referral(lead.recipient),
            "mails": site.people.leads.mail_statuses(lead.id),
            "title": trial.study.title if trial else lead.nct_id,
            "just_sent": bool(sent),
            "kept_days": lead_days(),
            "mail_configured": site.smtp is not None,
        },
    )


@router.post("/contact/{lead_id}/withdraw")
async def contact_withdraw(request: Request, lead_id: Annotated[str, PathParam(max_length=40)]) -> Response:
    site = site_of(request)
    await checked_form(request)
    if site.people.leads.get(lead_id) is None:
        raise HTTPException(404, _("This request is not kept (any more)."))
    site.people.leads.withdraw(lead_id)
    return RedirectResponse(f"/contact/{lead_id}", status_code=303)
