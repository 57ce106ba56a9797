"""Private notes on a trial: write one and choose a passcode; open it by its link and the passcode;
delete it with both. Wrong passcodes are rate limited per client (429) and lock the note (``notes/sealed``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from trialscope.model.study import NCT_ID_IN_A_PATH
from trialscope.notes.sealed import MIN_PASSCODE, NoteError, OpenedNote, delete_note, note_days, open_note, seal_note
from trialscope.store.people import PeopleStore
from trialscope.translation import N_, _
from trialscope.web.site import checked_form, not_in_catalogue, site_of, text_field

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
NOT_HERE = N_("There is no note at this link (notes are deleted when they expire).")
NOTE_ID = r"^[A-Za-z0-9_-]{16,40}$"


def _trial_title(request: Request, nct_id: str) -> str:
    trial = site_of(request).store.get(nct_id)
    if trial is None:
        raise not_in_catalogue(nct_id)
    return trial.study.title


@router.get("/trials/{nct_id}/notes")
def note_form(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT_ID_IN_A_PATH)]) -> Response:
    title = _trial_title(request, nct_id)
    context = {
        "nct_id": nct_id.upper(),
        "title": title,
        "text": "",
        "problems": [],
        "min_passcode": MIN_PASSCODE,
        "days": note_days(),
    }
    return site_of(request).render(request, "note_new.html", context)


@router.post("/trials/{nct_id}/notes")
async def note_save(request: Request, nct_id: Annotated[str, PathParam(pattern=NCT_ID_IN_A_PATH)]) -> Response:
    site = site_of(request)
    form = await checked_form(request)
    title = _trial_title(request, nct_id)
    site.refuse_floods(request, site.form_limiter)
    text = text_field(form, "text", 12_000)
    passcode, again = text_field(form, "passcode", 200), text_field(form, "passcode_again", 200)
    problems = [_("The two passcodes differ: type the same one twice.")] if passcode != again else []
    if not problems:
        try:
            note = await site.slow_work.run(request, seal_note, site.people, nct_id.upper(), text, passcode)
        except NoteError as exc:
            problems = [str(exc)]
    if problems:
        context = {
            "nct_id": nct_id.upper(),
            "title": title,
            "text": text,
            "problems": problems,
            "min_passcode": MIN_PASSCODE,
            "days": note_days(),
        }
        return site.render(request, "note_new.html", context, status_code=400)
    link = f"{site.base_url()}/notes/{note.id}"
    return site.render(request, "note_saved.html", {"link": link, "nct_id": note.nct_id, "expires_at": note.expires_at})


@router.get("/notes/{note_id}")
def note_ask(request: Request, note_id: Annotated[str, PathParam(pattern=NOTE_ID)]) -> Response:
    site = site_of(request)
    if site.people.notes.get(note_id) is None:
        raise HTTPException(404, _(NOT_HERE))
    return site.render(request, "note_open.html", {"note_id": note_id, "problems": []})


async def _with_passcode(
    request: Request, note_id: str, action: Callable[[PeopleStore, str, str], T | None], answer: Callable[[T], Response]
) -> Response:
    """Try the posted passcode on a note (``action``: open or delete it) and ``answer`` with what it gave;
    a wrong passcode shows the form again (403), a note locked by wrong passcodes says until when, and one
    client trying too many passcodes gets 429."""
    site = site_of(request)
    form = await checked_form(request)
    site.refuse_floods(request, site.note_limiter)
    try:
        outcome = await site.slow_work.run(request, action, site.people, note_id, text_field(form, "passcode", 200))
    except NoteError as exc:
        return site.render(request, "note_open.html", {"note_id": note_id, "problems": [str(exc)]}, status_code=403)
    if not outcome:
        raise HTTPException(404, _(NOT_HERE))
    return answer(outcome)


@router.post("/notes/{note_id}")
async def note_open(request: Request, note_id: Annotated[str, PathParam(pattern=NOTE_ID)]) -> Response:
    site = site_of(request)

    def shown(note: OpenedNote) -> Response:
        trial = site.store.get(note.nct_id)
        return site.render(
            request, "note_view.html", {"note": note, "title": trial.study.title if trial else note.nct_id}
        )

    return await _with_passcode(request, note_id, open_note, shown)


@router.post("/notes/{note_id}/delete")
async def note_delete(request: Request, note_id: Annotated[str, PathParam(pattern=NOTE_ID)]) -> Response:
    def deleted(_done: bool) -> Response:
        words = {"title": _("Note deleted"), "words": _("The note and its passcode are gone."), "link": None}
        return site_of(request).render(request, "message.html", words)

    return await _with_passcode(request, note_id, delete_note, deleted)
