"""Whom a person can write to about a trial: the record's central contacts and the contacts of its sites,
each with an email address. With a place, the nearest open site comes first."""

from __future__ import annotations

from dataclasses import dataclass

from trialscope.contact.addresses import normalised_email
from trialscope.geo import Place, haversine_km
from trialscope.model.statuses import SITE_OPEN
from trialscope.model.study import Contact, Study


@dataclass(frozen=True, slots=True)
class Recipient:
    key: str  # "central-1", "site-3" (the site's place in the record's list, from 1)
    name: str  # the contact's name as registered
    email: str
    site: str | None  # the facility and its city, None for a central contact
    open: bool
    distance_km: float | None = None
    referral: bool = False  # the site's operator, who passes the request on (``referrals``)

    @property
    def label(self) -> str:
        return f"{self.name} · {self.site}" if self.site else self.name


def _address(contact: Contact) -> str | None:
    """The contact's email address as it can be written to; None for none, or for one that cannot be used
    (registry text: a malformed address never reaches a mail header)."""
    try:
        return normalised_email(contact.email) if contact.email else None
    except ValueError:
        return None


def names_an_address(study: Study) -> bool:
    """Whether the record names any contact with something like an email address: a quick look for the
    trial page's button (``recipients`` checks each address, too slow to do for every site of a page)."""
    module = study.protocol_section.contacts_locations_module
    contacts = [*module.central_contacts, *(c for loc in module.locations for c in loc.contacts)]
    return any(c.email and "@" in c.email for c in contacts)


def recipients(study: Study, place: Place | None = None) -> list[Recipient]:
    """Every contact with an email address: central contacts, then sites (with a place: the nearest open
    site first, then the central contacts, then the other sites by distance)."""
    central = [
        Recipient(f"central-{n}", c.name or address, address, None, True)
        for n, c in enumerate(study.protocol_section.contacts_locations_module.central_contacts, 1)
        if (address := _address(c))
    ]
    sites: list[Recipient] = []
    for n, location in enumerate(study.locations, 1):
        open_ = location.status is None or location.status.upper() in SITE_OPEN
        distance = None
        if place is not None and place.lat is not None and place.lon is not None and location.geo_point:
            distance = haversine_km(place.lat, place.lon, location.geo_point.lat, location.geo_point.lon)
        where = ", ".join(part for part in (location.facility, location.city, location.country) if part)
        for contact in location.contacts:
            if address := _address(contact):
                sites.append(Recipient(f"site-{n}", contact.name or where, address, where, open_, distance))
                break  # one contact per site: the first the record names with an address
    if place is None:
        return central + sites
    sites.sort(key=lambda r: (not r.open, r.distance_km is None, r.distance_km or 0.0))
    nearest = sites[:1] if sites and sites[0].open and sites[0].distance_km is not None else []
    return nearest + central + sites[len(nearest) :]
