"""Alert digests from the change events that imports and syncs record: for each confirmed subscription,
the changes after its mark (``last_event_id``) become one email, queued together with moving the mark, so
no change is announced twice to the same subscriber (a second sender finds the mark moved and queues
nothing). Sent by ``trialscope alerts send`` and after each ``sync``.

- a trial: its status, site and eligibility changes;
- a search: trials that are new, or whose status changed, and that the search finds now;
- a profile: such trials where the patient is not ruled out (eligible, or possibly: what to ask).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from trialscope.alerts.subscriptions import describe, unsubscribe_url
from trialscope.mail import compose
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.search import SearchIndex, SearchIndexError, SearchQuery, matching_among, open_index
from trialscope.search.request import QueryError
from trialscope.store.people import ChangeForAlert, Mail, PeopleStore, Subscription
from trialscope.store.trial_store import TrialStore
from trialscope.translation import N_, _, reading_in, translations

TRIAL_CHANGES = ("status_changed", "site_added", "site_removed", "site_status_changed", "eligibility_changed")
KIND_WORDS = {
    "new_trial": N_("New trial"),
    "status_changed": N_("Status changed"),
    "site_added": N_("Site added"),
    "site_removed": N_("Site removed"),
    "site_status_changed": N_("Site status changed"),
    "eligibility_changed": N_("Eligibility changed"),
}


@dataclass(slots=True)
class AlertReport:
    subscriptions: int = 0  # confirmed subscriptions looked at
    deferred: int = 0  # left for the next run: the search index was busy (their changes stay unannounced)
    digests: int = 0  # emails queued
    changes: int = 0  # changes announced

    def as_dict(self) -> dict[str, int]:
        return {
            "subscriptions": self.subscriptions,
            "deferred": self.deferred,
            "digests": self.digests,
            "changes": self.changes,
        }


def _words(change: ChangeForAlert) -> str:
    return f"{_(KIND_WORDS.get(change.kind, change.kind))}: {change.summary}"


def _trial_news(changes: list[ChangeForAlert]) -> dict[str, list[str]]:
    news: dict[str, list[str]] = {}
    for change in changes:
        news.setdefault(change.nct_id, []).append(_words(change))
    return news


def _newly_findable(store: TrialStore, changes: list[ChangeForAlert]) -> list[ChangeForAlert]:
    """The changes that can make a trial news for a search or a profile: it is new, or its status changed and
    it is open now (a trial that closed is no new chance)."""
    changed = sorted({c.nct_id for c in changes if c.kind == "status_changed"})
    now_open = {r.nct_id for r in store.candidates(changed) if r.overall_status in OPEN_STATUSES} if changed else set()
    return [c for c in changes if c.kind == "new_trial" or (c.kind == "status_changed" and c.nct_id in now_open)]


def _search_news(
    index: SearchIndex | None, store: TrialStore, params: dict[str, Any], changes: list[ChangeForAlert]
) -> dict[str, list[str]]:
    changes = _newly_findable(store, changes)
    candidates = sorted({c.nct_id for c in changes})
    try:
        query = SearchQuery.from_params(params)
        found = set(matching_among(index or open_index(store), query, candidates)) if candidates else set()
    except QueryError:
        return {}  # a saved search the index no longer reads (a place renamed): nothing to announce
    return _trial_news([c for c in changes if c.nct_id in found])


def _profile_news(store: TrialStore, params: dict[str, Any], changes: list[ChangeForAlert]) -> dict[str, list[str]]:
    from trialscope.matching.catalogue_matching import match_patient  # the matcher only for profile alerts
    from trialscope.patients.model import patient_from_dict

    changes = _newly_findable(store, changes)
    candidates = sorted({c.nct_id for c in changes})
    if not candidates:
        return {}
    patient = patient_from_dict(params.get("profile", {}), origin="alert")
    news: dict[str, list[str]] = {}
    for match in match_patient(store, patient, nct_ids=candidates):
        if match.verdict == "not_eligible":
            continue
        fit = (
            _("may fit: %(questions)s open questions", questions=len(match.questions))
            if match.verdict != "eligible"
            else _("may fit")
        )
        news[match.nct_id] = [_words(c) for c in changes if c.nct_id == match.nct_id] + [fit]
    return news


def news_for(
    store: TrialStore, index: SearchIndex | None, subscription: Subscription, changes: list[ChangeForAlert]
) -> dict[str, list[str]]:
    """What an alert announces of ``changes``: lines of words per trial."""
    if subscription.kind == "trial":
        return _trial_news([c for c in changes if c.kind in TRIAL_CHANGES])
    if subscription.kind == "search":
        return _search_news(index, store, subscription.params, changes)
    return _profile_news(store, subscription.params, changes)


def feed_url(subscription: Subscription) -> str | None:
    if subscription.kind != "search":
        return None
    pairs = [(k, v) for k, values in subscription.params.items() for v in values]
    return f"{subscription.base_url}/search.atom?{urlencode(pairs)}"


def send_alerts(store: TrialStore, people: PeopleStore, sender: str, index: SearchIndex | None = None) -> AlertReport:
    """Queue one digest per subscription with news since its mark (delivery is the outbox's). ``index``:
    the catalogue's search index (opened when a saved search first needs it)."""
    report = AlertReport()
    through = people.subscriptions.newest_change_id()
    for subscription in people.subscriptions.confirmed():
        report.subscriptions += 1
        if subscription.last_event_id >= through:
            continue
        nct_ids = [subscription.params["nct_id"]] if subscription.kind == "trial" else None
        changes = people.subscriptions.changes_after(subscription.last_event_id, through, nct_ids)
        with reading_in(translations(subscription.language)):
            try:
                news = news_for(store, index, subscription, changes)
            except SearchIndexError:  # another process is indexing: its mark stays, next run announces them
                report.deferred += 1
                continue
            mail = None
            if news:
                lines = []
                for nct_id, words in news.items():
                    trial = store.get(nct_id)
                    title = trial.study.title if trial is not None else nct_id
                    lines.append(
                        compose.DigestLine(nct_id, title, "\n".join(words), f"{subscription.base_url}/trials/{nct_id}")
                    )
                message = compose.digest(
                    sender=sender,
                    to=subscription.email,
                    language=subscription.language,
                    what=describe(subscription.kind, subscription.params),
                    lines=lines,
                    unsubscribe_url=unsubscribe_url(people, subscription),
                    feed_url=feed_url(subscription),
                )
                mail = Mail("digest", subscription.email, message.as_string(), subscription_id=subscription.id)
        if (
            people.subscriptions.announce(subscription.id, subscription.last_event_id, through, mail)
            and mail is not None
        ):
            report.digests += 1
            report.changes += sum(len(words) for words in news.values())
    return report
