"""What a person typed into the contact form, checked: a name, an email address and/or a phone number
that can be used, a message, the contact they chose, and their consent. Each problem is a sentence in the
reader's language; the entries themselves are kept so the form can be shown again filled in."""

from __future__ import annotations

from dataclasses import dataclass

from trialscope.contact.addresses import normalised_email, normalised_phone
from trialscope.contact.recipients import Recipient
from trialscope.plain_text import without_bidi_controls
from trialscope.translation import _

MAX_NAME = 100
MAX_MESSAGE = 2000


@dataclass(slots=True)
class ContactEntries:
    recipient: str = ""  # a Recipient's key
    name: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    message: str = ""
    consent: bool = False


@dataclass(frozen=True, slots=True)
class CheckedContact:
    recipient: Recipient
    name: str
    email: str | None  # normalised
    phone: str | None  # E.164 ("+8657112345678")
    language: str | None
    message: str


def check_entries(entries: ContactEntries, choices: list[Recipient]) -> CheckedContact | list[str]:
    """The checked request, or every problem at once."""
    problems: list[str] = []
    chosen = next((r for r in choices if r.key == entries.recipient), None)
    if chosen is None:
        problems.append(_("Choose whom to write to."))
    name = " ".join(without_bidi_controls(entries.name).split())
    if not name:
        problems.append(_("Write your name."))
    elif len(name) > MAX_NAME:
        problems.append(_("Your name is longer than %(count)s characters.", count=MAX_NAME))
    email = phone = None
    if not entries.email.strip() and not entries.phone.strip():
        problems.append(_("Give an email address or a phone number, so the study team can answer you."))
    if entries.email.strip():
        try:
            email = normalised_email(entries.email)
        except ValueError as exc:
            problems.append(str(exc))
    if entries.phone.strip():
        try:
            phone = normalised_phone(entries.phone)
        except ValueError as exc:
            problems.append(str(exc))
    message = without_bidi_controls(entries.message).strip()
    if not message:
        problems.append(_("Write a short message: what you would like to ask."))
    elif len(message) > MAX_MESSAGE:
        problems.append(_("The message is longer than %(count)s characters.", count=MAX_MESSAGE))
    if not entries.consent:
        problems.append(_("Tick the box to agree that we send your details to the study team."))
    if problems or chosen is None:
        return problems
    language = " ".join(without_bidi_controls(entries.language).split())[:40] or None
    return CheckedContact(chosen, name, email, phone, language, message)
