"""The pages: home and search, trial pages, "could I qualify?", "find trials for me", FAQ and about.

Forms post with a CSRF token; nothing a person enters is stored or logged (answers live only in the
request that evaluates them).
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import QueryParams

from trialscope.alerts.subscriptions import subscription_days
from trialscope.contact.recipients import names_an_address
from trialscope.contact.requests import lead_days
from trialscope.criteria.describe import unit_words
from trialscope.criteria.targets import trial_diseases
from trialscope.criteria.vocabulary import vocabulary
from trialscope.geo import parse_distance_km
from trialscope.matching.catalogue_matching import match_patient
from trialscope.matching.questions import (
    AnswerError,
    Question,
    patient_from_answers,
    questions_for,
    study_team_settles,
)
from trialscope.model.study import NCT_ID_IN_A_PATH
from trialscope.notes.sealed import note_days
from trialscope.patients.fhir import patient_from_bundle
from trialscope.patients.model import Patient, patient_from_dict
from trialscope.patients.plausible import lab_units
from trialscope.patients.text import patient_from_text
from trialscope.patients.understood import NothingUnderstood, anything_clinical, understood
from trialscope.presentation.sections import registry_url
from trialscope.search import QueryError, SearchQuery, run_search
from trialscope.translation import _
from trialscope.web.facets import facet_views
from trialscope.web.security import CSRF_FIELD, csrf_valid
from trialscope.web.site import Site, checked_form, not_in_catalogue, site_of
from trialscope.web.view_models import (
    TrialView,
    check_patient,
    nearest_site,
    place_or_none,
    results_map,
    site_views,
    sites_map,
    timeline,
)

router = APIRouter(include_in_schema=False)
NCT = NCT_ID_IN_A_PATH


def _distance(within: str, problems: list[str]) -> float | None:
    """The distance a person typed ("500", "500 km", "300 mi") in km; what cannot be read goes to ``problems``."""
    if not within.strip():
        return None
    try:
        return parse_distance_km(within)
    except ValueError as exc:
        problems.append(str(exc))
        return None


def form_values(query: QueryParams) -> dict[str, object]:
    """The search's parameters as a request typed them (a refused value too), to fill the form in again:
    a list for a parameter that takes several (``SearchQuery``), each value cut short."""
    return {
        name: [v[:500] for v in query.getlist(name)[:12]]
        if SearchQuery.takes_several(name)
        else query.get(name, "")[:500]
        for name in SearchQuery.parameter_names()
    }


@router.get("/")
@router.get("/search")
def search_page(request: Request, query: Annotated[SearchQuery, Query()]) -> Response:
    """The search page. A query it cannot read is answered by the app's handler of refused input
    (``web/app.py``): the form again, with every problem named."""
    site = site_of(request)
    problems: list[str] = []
    results = None
    try:
        results = run_search(site.index, query)
    except QueryError as exc:
        problems = exc.problems
    results_sites = Markup("")
    if results is not None and results.hits:
        place = results.place if results.place is not None and results.place.kind != "country" else None
        nct_ids = [hit.nct_id for hit in results.hits]
        results_sites = results_map(site.store, nct_ids, place, results.query.within_km, query.near or "")
    return site.render(
        request,
        "search.html",
        {
            "results": results,
            "problems": problems,
            "params": form_values(request.query_params),
            "home": request.url.path == "/" and not query.text,
            "results_map": results_sites,
            "facets": facet_views(results.facets, request.query_params.multi_items(), near=results.place is not None)
            if results is not None
            else [],
        },
        status_code=400 if problems else 200,
    )


@router.get("/trials/{nct_id}")
def trial_page(
    request: Request,
    nct_id: Annotated[str, PathParam(pattern=NCT)],
    near: Annotated[str, Query(max_length=200)] = "",
    within: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    site = site_of(request)
    view = site.trial_views.get(nct_id)
    if view is None:
        raise not_in_catalogue(nct_id)
    place, problem = place_or_none(near)
    problems: list[str] = []
    within_km = _distance(within, problems) if place is not None else None
    sites = site_views(view.trial.study, place)
    return site.render(
        request,
        "trial.html",
        {
            "view": view,
            "study": view.trial.study,
            "nearest": nearest_site(site.store, view.trial.nct_id, place),
            "near": near,
            "place_problem": problem or (problems[0] if problems else None),
            "timeline": timeline(view.trial.study),
            "sites": sites,
            "within": within,
            "sites_map": sites_map(sites, place, within_km, near),
            "registry_url": registry_url(view.trial.nct_id),
            "can_contact": names_an_address(view.trial.study),
        },
    )


def _questions(site: Site, view: TrialView) -> list[Question]:
    sex_limited = (view.trial.study.protocol_section.eligibility_module.sex or "ALL").upper() != "ALL"
    vocab = vocabulary()
    return questions_for(view.constraints, sex_limited, vocab, trial_diseases(view.trial.study, vocab))


def _form_context(
    view: TrialView, questions: list[Question], answers: dict[str, str], problems: list[str]
) -> dict[str, object]:
    """What the questionnaire shows: its questions (with the answers so far), problems, and what only the
    study team settles (not asked)."""
    return {
        "view": view,
        "questions": questions,
        "answers": answers,
        "problems": problems,
        "unit_label": _unit_label,
        "team_settles": study_team_settles(view.constraints, vocabulary()),
    }


def _unit_label(unit: str) -> str:
    """How a unit is shown in the questionnaire's unit chooser (in the reader's language; "μmol/L", not
    "umol/L")."""
    return {"xULN": _("× upper limit of normal"), "": _("(no unit)")}.get(unit) or lab_units().shown(unit_words(unit))


@router.get("/trials/{nct_id}/qualify")
def qualify_form(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT)]) -> Response:
    site = site_of(request)
    view = site.trial_views.get(nct_id, related=False)
    if view is None:
        raise not_in_catalogue(nct_id)
    return site.render(request, "qualify.html", _form_context(view, _questions(site, view), {}, []))


@router.post("/trials/{nct_id}/qualify")
async def qualify_answer(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT)]) -> Response:
    site = site_of(request)
    form = await checked_form(request)
    view = site.trial_views.get(nct_id, related=False)
    if view is None:
        raise not_in_catalogue(nct_id)
    if not site.check_allowed(request):
        raise HTTPException(429, "too many checks from this address; wait a minute and try again")
    questions = _questions(site, view)
    answers = {k: str(v)[:200] for k, v in form.items() if isinstance(v, str)}
    try:
        patient = patient_from_answers(questions, answers)
    except AnswerError as exc:
        return site.render(
            request, "qualify.html", _form_context(view, questions, answers, [str(exc)]), status_code=400
        )
    match = check_patient(site.store, view, patient)
    return site.render(request, "qualify_result.html", {"view": view, "match": match})


@router.get("/find")
def find_form(request: Request) -> Response:
    return site_of(request).render(request, "find.html", {"problems": [], "text": "", "near": "", "within": ""})


@router.post("/find")
async def find_results(
    request: Request,
    text: Annotated[str, Form(max_length=5000)] = "",
    near: Annotated[str, Form(max_length=200)] = "",
    within: Annotated[str, Form(max_length=20)] = "",
    profile: UploadFile | None = None,
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    site = site_of(request)
    if not csrf_valid(request, site.secret, csrf_token):
        raise HTTPException(403, "this form has expired or did not come from this site: reload the page and try again")
    if not site.check_allowed(request):
        raise HTTPException(429, "too many checks from this address; wait a minute and try again")
    problems: list[str] = []
    patient: Patient | None = None
    if profile is not None and profile.filename:
        raw = await profile.read()
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: also a number past Python's digits
            problems.append(
                _("%(file)s: not a JSON file (a trialscope profile or a FHIR R4 Bundle)", file=profile.filename)
            )
        else:
            try:
                patient = (
                    patient_from_bundle(data, origin=profile.filename)
                    if isinstance(data, dict) and data.get("resourceType") == "Bundle"
                    else patient_from_dict(data, origin=profile.filename)
                )
            except RecursionError:
                problems.append(
                    _("%(file)s: not a JSON file (a trialscope profile or a FHIR R4 Bundle)", file=profile.filename)
                )
            except ValueError as exc:
                problems.append(str(exc))
    elif text.strip():
        patient = patient_from_text(text)
    else:
        problems.append(_("Describe the patient in words, or upload a profile or FHIR bundle."))
    place, problem = place_or_none(near)
    if problem:
        problems.append(problem)
    within_km = _distance(within, problems)
    if patient is not None and not anything_clinical(patient):
        problems.append(str(NothingUnderstood()))
    if problems or patient is None:
        return site.render(
            request, "find.html", {"problems": problems, "text": text, "near": near, "within": within}, status_code=400
        )
    matches = match_patient(site.store, patient, limit=20, near=place, within_km=within_km)
    return site.render(
        request,
        "find_result.html",
        {
            "matches": matches,
            "patient": patient,
            "place": place,
            "understood": understood(patient),
            # an alert on this profile keeps what was understood, not the words typed
            "profile_json": patient.model_dump_json(exclude_none=True, exclude_defaults=True, exclude={"summary"}),
        },
    )


@router.get("/faq")
def faq(request: Request) -> Response:
    return site_of(request).render(request, "faq.html", {})


@router.get("/privacy")
def privacy(request: Request) -> Response:
    days = {"lead_days": lead_days(), "subscription_days": subscription_days(), "note_days": note_days()}
    return site_of(request).render(request, "privacy.html", days)


@router.get("/about")
def about(request: Request) -> Response:
    return site_of(request).render(request, "about.html", {})
