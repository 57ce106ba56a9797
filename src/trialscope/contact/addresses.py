"""Email addresses and phone numbers as they can be used: checked and written one way (``email-validator``,
``phonenumbers``), whether a person typed them or a registry record names them."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from trialscope.translation import _


def normalised_email(text: str) -> str:
    """An address as it can be written to (its domain in lower case), or ValueError with the reason."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(
            _("The email address %(address)s cannot be used: check it.", address=repr(text.strip()[:80]))
        ) from exc


def normalised_phone(text: str) -> str:
    """A phone number in international form (E.164), or ValueError: a number needs its country code."""
    try:
        number = phonenumbers.parse(text.strip(), None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(
            _("Write the phone number with its country code, for example +1 617 555 0100 or +86 571 8888 8888.")
        ) from exc
    if not phonenumbers.is_possible_number(number):
        raise ValueError(_("The phone number %(number)s is not complete: check it.", number=repr(text.strip()[:40])))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
