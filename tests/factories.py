"""Small records for tests: API v2 study dicts with particular values, and a contact request for the CD117
trial sent to its study team."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.conftest import FIXTURES
from trialscope.contact.entries import CheckedContact
from trialscope.contact.recipients import Recipient
from trialscope.contact.requests import submit_lead
from trialscope.store.people import Lead, Mail, PeopleStore, new_id, now


def study(
    nct_id: str = "NCT01234567",
    *,
    status: str = "RECRUITING",
    last_update: str | None = "2025-01-10",
    sites: list[tuple[str, str, str | None]] | None = None,
    criteria: str = "Inclusion Criteria:\n\n* Age 18 or older",
    title: str = "A test trial",
) -> dict[str, Any]:
    """A minimal but valid study; ``sites`` are (facility, country, status) triples."""
    record: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": title},
            "statusModule": {"overallStatus": status},
            "eligibilityModule": {"eligibilityCriteria": criteria, "sex": "ALL", "minimumAge": "18 Years"},
            "contactsLocationsModule": {
                "locations": [
                    {"facility": f, "country": c, "city": "Wuhan", **({"status": s} if s else {})}
                    for f, c, s in (sites or [("Tongji Hospital", "China", "RECRUITING")])
                ]
            },
        },
        "hasResults": False,
    }
    if last_update:
        record["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": last_update}
    return record


def seed(nct_id: str) -> dict[str, Any]:
    """One of the five seed trials, as a fresh dict."""
    return copy.deepcopy(json.loads((FIXTURES / "seed-trials" / f"{nct_id}.json").read_text()))


def write_json(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def send_lead(
    people: PeopleStore,
    name: str,
    email: str | None,
    phone: str | None,
    language: str,
    message: str,
    *,
    reader_language: str = "en",
    base_url: str = "https://trials.example.org",
) -> str:
    """A contact request for NCT07342244 to its study team (Dr. Chen), as the contact form sends it: the lead's id."""
    contact = CheckedContact(
        Recipient("central-1", "Dr. Chen", "team@hospital.example", None, True), name, email, phone, language, message
    )
    return submit_lead(
        people,
        nct_id="NCT07342244",
        title="CD117 CAR-T for AML",
        request=contact,
        sender="trialscope <noreply@example.org>",
        reader_language=reader_language,
        base_url=base_url,
    ).id


def queue_mails(people: PeopleStore, mails: Sequence[Mail]) -> None:
    """Emails in the outbox, put there as a contact request puts its own: with a lead, in one transaction."""
    moment = now()
    lead = Lead(
        id=new_id(),
        nct_id="NCT07342244",
        recipient="Dr. Chen",
        recipient_email="team@hospital.example",
        site=None,
        name="A. Person",
        email=None,
        phone=None,
        language="English",
        message="Can I join?",
        status="new",
        created_at=moment,
        expires_at=moment + dt.timedelta(days=1),
    )
    people.leads.add(lead, mails)
