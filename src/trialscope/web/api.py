"""The JSON API: the pages' content as data (search, trial, structured criteria, related trials, checks of a
patient). Every error is JSON: {"error": "..."} with a clear message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi import Path as PathParam
from pydantic import ValidationError

from trialscope.criteria import MAX_CHECK_TEXT_CHARS
from trialscope.matching.catalogue_matching import match_criteria_text, match_patient
from trialscope.model.study import NCT_ID_IN_A_PATH
from trialscope.patients.fhir import patient_from_bundle
from trialscope.patients.model import Patient, patient_from_dict
from trialscope.patients.text import patient_from_text
from trialscope.patients.understood import NothingUnderstood, require_something
from trialscope.search import QueryError, SearchQuery, run_search
from trialscope.web.site import Site, not_in_catalogue
from trialscope.web.view_models import check_patient, place_or_none

router = APIRouter(prefix="/api", tags=["api"])
NCT = NCT_ID_IN_A_PATH


def _site(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


@router.get("/search", summary="Search trials (text, filters, facets, distance)")
def api_search(request: Request, query: Annotated[SearchQuery, Query()]) -> dict[str, Any]:
    """The search page's search as data: the same parameters (one declaration, ``SearchQuery``). A value
    that cannot be read is a 422 naming every such value; one that means nothing here (an unknown status,
    place or field) a 400."""
    try:
        return run_search(_site(request).index, query).as_dict()
    except QueryError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/trials/{nct_id}", summary="A trial: record, plain-language summary, freshness, related trials")
def api_trial(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT)]) -> dict[str, Any]:
    site = _site(request)
    view = site.trial_views.get(nct_id)
    if view is None:
        raise not_in_catalogue(nct_id)
    return view.as_dict()


@router.get("/trials/{nct_id}/criteria", summary="The structured criteria, each tied to its text")
def api_criteria(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT)]) -> dict[str, Any]:
    site = _site(request)
    view = site.trial_views.get(nct_id, related=False)
    if view is None:
        raise not_in_catalogue(nct_id)
    return {
        "nct_id": view.trial.nct_id,
        "constraints": [c.as_flat() for c in view.constraints],
        "items": [
            {"text": i.text, "section": i.section, "level": i.level, "understood": i.understood, "unread": i.unread}
            for i in view.criteria_items
        ],
        "notes": view.notes,
    }


def _patient(body: dict[str, Any]) -> Patient:
    """A trialscope-patient/1 profile, a FHIR R4 Bundle, or {"text": "..."}."""
    try:
        if body.get("resourceType") == "Bundle":
            return patient_from_bundle(body, origin="request")
        if set(body) == {"text"} and isinstance(body["text"], str):
            return require_something(patient_from_text(body["text"][:5000]))
        return require_something(patient_from_dict(body, origin="request"))
    except NothingUnderstood as exc:
        raise HTTPException(422, str(exc)) from None
    except (ValidationError, ValueError) as exc:
        first = str(exc).strip().splitlines()
        raise HTTPException(422, f"the patient could not be read: {first[0] if first else 'invalid'}") from None


PatientBody = Annotated[
    dict[str, Any],
    Body(description='A trialscope-patient/1 profile, a FHIR R4 Bundle, or {"text": "free text about the patient"}'),
]


@router.post("/trials/{nct_id}/check", summary="Check a patient against one trial, criterion by criterion")
def api_check(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT)], patient: PatientBody) -> dict[str, Any]:
    site = _site(request)
    if not site.check_allowed(request):
        raise HTTPException(429, "too many checks from this address; wait a minute")
    view = site.trial_views.get(nct_id, related=False)
    if view is None:
        raise not_in_catalogue(nct_id)
    person = _patient(patient)
    return check_patient(site.store, view, person).as_dict() | {"ignored_input": person.ignored}


CheckBody = Annotated[
    dict[str, Any],
    Body(
        description='{"criteria_text": "Inclusion Criteria: ...", "patient": a trialscope-patient/1 profile, a FHIR R4 '
        'Bundle, or {"text": "free text about the patient"}}'
    ),
]


@router.post("/check", summary="Check a patient against eligibility text that is not in the catalogue")
def api_check_text(request: Request, body: CheckBody) -> dict[str, Any]:
    site = _site(request)
    if not site.check_allowed(request):
        raise HTTPException(429, "too many checks from this address; wait a minute")
    text, patient = body.get("criteria_text"), body.get("patient")
    if not isinstance(text, str) or not text.strip():
        raise HTTPException(422, "criteria_text: give the eligibility criteria as text")
    if len(text) > MAX_CHECK_TEXT_CHARS:
        raise HTTPException(
            413, f"criteria_text: at most {MAX_CHECK_TEXT_CHARS:,} characters (this one has {len(text):,})"
        )
    if not isinstance(patient, dict):
        raise HTTPException(422, 'patient: give a profile, a FHIR R4 Bundle or {"text": ...}')
    person = _patient(patient)
    return match_criteria_text(text, person, name="criteria_text").as_dict() | {"ignored_input": person.ignored}


@router.post("/match", summary="Rank the catalogue's open trials for a patient")
def api_match(
    request: Request,
    patient: PatientBody,
    near: Annotated[str | None, Query(max_length=200)] = None,
    within_km: Annotated[float | None, Query(gt=0, le=20000)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    site = _site(request)
    if not site.check_allowed(request):
        raise HTTPException(429, "too many checks from this address; wait a minute")
    place, problem = place_or_none(near)
    if problem:
        raise HTTPException(400, problem)
    person = _patient(patient)
    matches = match_patient(site.store, person, limit=limit, near=place, within_km=within_km)
    return {"trials": [m.as_dict() for m in matches], "ignored_input": person.ignored}
