"""Probe 12: a name with U+202E (right-to-left override) flipped the text around it on the operator page.
Bidirectional controls are now taken out of what a person types, and every typed value on the operator's
and the person's pages is shown isolated (``<bdi>``) without them, even one stored before."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.security.conftest import csrf_of
from trialscope.contact.entries import CheckedContact, ContactEntries, check_entries
from trialscope.contact.recipients import Recipient
from trialscope.operators import add_operator
from trialscope.store.people import Lead, new_id, now
from trialscope.store.trial_store import TrialStore

OVERRIDE = "Ana \u202egnp.exe\u202c Li \u2066x\u2069"


def test_a_name_with_a_right_to_left_override_is_shown_isolated(
    app_client: TestClient, seeded_store: TrialStore
) -> None:
    people = seeded_store.people
    created = now()
    lead = Lead(
        id=new_id(),
        nct_id="NCT07342244",
        recipient="Dr. \u202eChen",
        recipient_email="team@hospital.example",
        site=None,
        name=OVERRIDE,
        email="ana@example.org",
        phone=None,
        language="\u202eEnglish",
        message="hello",
        status="new",
        created_at=created,
        expires_at=created + dt.timedelta(days=1),
    )
    people.leads.add(lead, [])
    add_operator(people, "olga", "Quiet-otter-river-7")
    token = csrf_of(app_client, "/operator/login")
    app_client.post("/operator/login", data={"csrf_token": token, "name": "olga", "password": "Quiet-otter-river-7"})
    for page in (app_client.get("/operator").text, app_client.get(f"/contact/{lead.id}").text):
        assert "Ana gnp.exe Li x" in page
        assert not any(c in page for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
        assert "<bdi>Ana gnp.exe Li x</bdi>" in page


def test_bidirectional_controls_are_taken_out_of_what_a_person_types() -> None:
    team = Recipient("central-1", "Dr. Chen", "team@hospital.example", None, True)
    entries = ContactEntries("central-1", OVERRIDE, "ana@example.org", "", "\u202eEspañol", "hi \u202e there", True)
    checked = check_entries(entries, [team])
    assert isinstance(checked, CheckedContact)
    assert (checked.name, checked.language, checked.message) == ("Ana gnp.exe Li x", "Español", "hi  there")
