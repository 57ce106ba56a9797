"""How to reach a trial whose record gives no email address: the request goes to the people who run this
trialscope site (a *referral*), who call the phone numbers the record lists, or the sponsor. What the
record offers for that (phones, the sponsor, the registry record) is gathered here."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from trialscope.contact.recipients import Recipient
from trialscope.model.study import Study
from trialscope.presentation.sections import registry_url

REFERRAL_KEY = "referral"
REFERRAL_LABEL = "Referral to this site's operator: "  # how a lead's recipient starts when it is one


@dataclass(frozen=True, slots=True)
class ReachRoute:
    """What a person, or the site's operator, can use to reach the study team of one trial."""

    phones: tuple[tuple[str, str], ...]  # (who, phone as registered), central contacts first
    sponsor: str | None
    registry_url: str
    sponsor_url: str | None  # the sponsor's trials on the registry

    @property
    def reachable(self) -> bool:
        """Whether the record names any phone number (email addresses are the contact form's)."""
        return bool(self.phones)

    def for_operator(self) -> str:
        """One line for the operator: whom to call (English, like the emails to study teams)."""
        ways = [f"call {who} {phone}" for who, phone in self.phones[:3]]
        if self.sponsor:
            ways.append(f"the sponsor, {self.sponsor}")
        if not ways:
            ways.append(f"the registry record {self.registry_url}")
        return REFERRAL_LABEL + "; or ".join(ways)


def reach_route(study: Study) -> ReachRoute:
    module = study.protocol_section.contacts_locations_module
    phones: list[tuple[str, str]] = []
    for contact in module.central_contacts:
        if contact.phone:
            phones.append((contact.name or "", contact.phone))
    for location in study.locations:
        for contact in location.contacts:
            if contact.phone:
                where = ", ".join(part for part in (location.facility, location.city) if part)
                phones.append((f"{contact.name or ''} · {where}".strip(" ·"), contact.phone))
    by_number: dict[str, tuple[str, str]] = {}
    for who, phone in phones:  # one number listed for the trial and for its site is one way to call
        by_number.setdefault("".join(ch for ch in phone if ch.isdigit()), (who, phone))
    unique = tuple(by_number.values())
    lead = study.protocol_section.sponsor_collaborators_module.lead_sponsor
    sponsor = lead.name if lead is not None and lead.name else None
    return ReachRoute(
        phones=unique,
        sponsor=sponsor,
        registry_url=registry_url(study.nct_id),
        sponsor_url=f"https://clinicaltrials.gov/search?lead={quote(sponsor)}" if sponsor else None,
    )


def is_referral(recipient_label: str) -> bool:
    """Whether a stored lead's recipient is this site's operator (a referral)."""
    return recipient_label.startswith(REFERRAL_LABEL)


def referral_recipient(study: Study, operator_email: str | None) -> Recipient:
    """The one choice of a trial without an email address: this site's operator, who passes the request on
    (by email when ``operator_email`` is set; else the lead waits on the operator page and in ``leads list``)."""
    route = reach_route(study)
    return Recipient(REFERRAL_KEY, route.for_operator(), operator_email or "", None, True, referral=True)
