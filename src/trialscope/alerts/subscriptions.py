"""Subscribing to an alert: a search (its filters), a trial, or a patient profile (kept only with the
person's consent). Nothing is sent before the person opens the confirmation link (double opt-in: a signed
token that expires); every message then carries a one-click unsubscribe link (a signed token that does not).
The signing key is the database's own (``SiteKeys.secret``), so every server of one database reads the
links any of them wrote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from trialscope.contact.addresses import normalised_email
from trialscope.mail import compose
from trialscope.patients.model import PatientFileError, patient_from_dict
from trialscope.search.request import FILTERS
from trialscope.settings import CONFIRM_LINK_DAYS, DEFAULT_SUBSCRIPTION_DAYS, ENV_SUBSCRIPTION_DAYS, retention_days
from trialscope.store.people import Mail, PeopleStore, Subscription, new_id, now
from trialscope.translation import _, reading_in, translations

KINDS = ("search", "trial", "profile")
SEARCH_KEYS = FILTERS  # what a saved search keeps: the search's own filters, not its order or page
_LINK_KEY = "links"
MAX_PROFILE_CHARS = 20_000  # a profile "Find trials for me" understood is a few hundred characters
MAX_PROFILE_DEPTH = 8  # the profile format nests four deep (a profile, its labs, a lab, its value)


class SubscriptionError(ValueError):
    """What a person asked for cannot be subscribed to (its sentence says why, in their language)."""


def search_params(items: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """A search's own parameters (its filters: not its page, sort or language), as a saved search keeps them."""
    kept: dict[str, list[str]] = {}
    for key, value in items:
        if key in SEARCH_KEYS and value.strip():
            kept.setdefault(key, []).append(value.strip()[:200])
    return kept


def _depth(value: Any) -> int:
    """How deep ``value`` nests (counted without recursion: a hostile nesting cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_PROFILE_DEPTH:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest


def understood_profile(text: str) -> dict[str, Any]:
    """What a profile alert keeps of a posted profile: only what trialscope understood of it (the profile
    format's fields, checked), never its free-text summary or anything the format does not know; ValueError
    for one that is too large, too deep, or not a profile."""
    if len(text) > MAX_PROFILE_CHARS:
        raise ValueError("the profile is too large")
    data = orjson.loads(text)  # orjson.JSONDecodeError is a ValueError; it refuses nesting past 1024 itself
    if _depth(data) > MAX_PROFILE_DEPTH:
        raise ValueError("the profile nests too deep")
    try:
        patient = patient_from_dict(data, origin="alert")
    except PatientFileError as exc:
        raise ValueError(str(exc)) from None
    kept: dict[str, Any] = orjson.loads(
        patient.model_dump_json(exclude_none=True, exclude_defaults=True, exclude={"summary", "id"})
    )
    return kept


def describe(kind: str, params: Mapping[str, Any]) -> str:
    """What an alert is about, in the reader's language."""
    if kind == "trial":
        return _("changes to trial %(nct_id)s", nct_id=params.get("nct_id", ""))
    if kind == "profile":
        return _("new trials that may fit your profile")
    words = [v for key in SEARCH_KEYS if key not in ("within",) for v in params.get(key, [])]
    return _("new trials for the search: %(words)s", words=", ".join(words) or _("all trials"))


def subscription_days() -> int:
    """How long a confirmed alert is kept (``TRIALSCOPE_SUBSCRIPTION_DAYS``)."""
    return retention_days(ENV_SUBSCRIPTION_DAYS, DEFAULT_SUBSCRIPTION_DAYS)


def _confirming(secret: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="alert-confirm")


def _unsubscribing(secret: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="alert-unsubscribe")


def unsubscribe_url(people: PeopleStore, subscription: Subscription) -> str:
    token = _unsubscribing(people.keys.secret(_LINK_KEY)).dumps(subscription.id)
    return f"{subscription.base_url.rstrip('/')}/alerts/unsubscribe/{token}"


def subscribe(
    people: PeopleStore,
    *,
    email: str,
    kind: str,
    params: dict[str, Any],
    language: str,
    base_url: str,
    sender: str,
) -> Subscription:
    """Keep an unconfirmed subscription (it lapses with its link) and queue the confirmation email."""
    if kind not in KINDS:
        raise SubscriptionError(_("Unknown kind of alert: %(kind)s", kind=kind))
    address = normalised_email(email)
    created = now()
    subscription = Subscription(
        id=new_id(),
        email=address,
        kind=kind,
        params=params,
        language=language,
        base_url=base_url.rstrip("/"),
        created_at=created,
        confirmed_at=None,
        last_event_id=0,
        expires_at=created + dt.timedelta(days=CONFIRM_LINK_DAYS),
    )
    token = _confirming(people.keys.secret(_LINK_KEY)).dumps(subscription.id)
    with reading_in(translations(language)):
        what = describe(kind, params)
    message = compose.alert_confirmation(
        sender=sender,
        to=address,
        language=language,
        what=what,
        confirm_url=f"{subscription.base_url}/alerts/confirm/{token}",
        valid_days=CONFIRM_LINK_DAYS,
    )
    people.subscriptions.add(
        subscription, Mail("alert_confirm", address, message.as_string(), subscription_id=subscription.id)
    )
    return subscription


def confirm(people: PeopleStore, token: str) -> Subscription | None:
    """The subscription a confirmation link names, now confirmed; None for a link that is broken, expired,
    or whose subscription is gone."""
    try:
        subscription_id = _confirming(people.keys.secret(_LINK_KEY)).loads(token, max_age=CONFIRM_LINK_DAYS * 24 * 3600)
    except (SignatureExpired, BadSignature):
        return None
    people.subscriptions.confirm(str(subscription_id), now() + dt.timedelta(days=subscription_days()))
    return people.subscriptions.get(str(subscription_id))


def subscription_of_unsubscribe_link(people: PeopleStore, token: str) -> str | None:
    try:
        return str(_unsubscribing(people.keys.secret(_LINK_KEY)).loads(token))
    except BadSignature:
        return None


def unsubscribe(people: PeopleStore, token: str) -> bool:
    """End the subscription an unsubscribe link names (True when there was one to end)."""
    subscription_id = subscription_of_unsubscribe_link(people, token)
    return subscription_id is not None and people.subscriptions.unsubscribe(subscription_id)
