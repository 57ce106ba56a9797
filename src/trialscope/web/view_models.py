"""What the pages and the JSON API show, built once from the store: a trial's view (record sections, plain
summary, structured criteria beside their text, related trials, nearest site), and the checks against a
patient. Pages template these; the API serialises them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from markupsafe import Markup

from trialscope.caches import LruCache
from trialscope.catalogue.freshness import Freshness, judge_freshness
from trialscope.criteria.describe import describe_item, item_reading, leftover_words
from trialscope.criteria.engine import record_notes
from trialscope.criteria.model import Constraint
from trialscope.criteria.segment import Item, constraints_by_item, items_from_json
from trialscope.geo import Place, PlaceNotFound, haversine_km, resolve_place, site_label
from trialscope.matching.facts import patient_facts
from trialscope.matching.verdict import TrialInfo, TrialMatch, match_trial
from trialscope.model.statuses import SITE_OPEN
from trialscope.model.study import Study, partial_date_to_date
from trialscope.patients.model import Patient
from trialscope.presentation.maps import MapPoint, Reach, SiteStatus, site_map
from trialscope.presentation.sections import (
    RecordInfo,
    Row,
    Section,
    contact_rows,
    place_text,
    trial_sections,
    unescape_markdown,
)
from trialscope.search import SearchIndex, related_trials
from trialscope.search.distance import nearest_sites
from trialscope.search.documents import trial_concepts
from trialscope.search.similar import RelatedTrial
from trialscope.store.stored_trial import StoredTrial
from trialscope.store.trial_store import TrialStore
from trialscope.translation import _, humanise, language_key, status_label
from trialscope.web.plain_language import PlainSummary, plain_summary


@dataclass(slots=True)
class CriterionItem:
    """One item of the criteria text beside what the engine understood in it."""

    text: str
    section: str  # inclusion | exclusion
    level: int
    understood: list[str]
    unread: bool  # nothing in it was understood
    partly: bool = False  # understood in part: some words were not weighed, so it cannot exclude on its own
    not_weighed: tuple[str, ...] = ()  # those words (or why the reading is not trusted)


@dataclass(slots=True, frozen=True)
class Milestone:
    """One key date on the trial's timeline."""

    label: str
    date: str  # as registered (may be a month: 2025-09)
    kind: str  # actual | estimated | "" (not said)
    day: dt.date | None  # for ordering


def timeline(study: Study, today: dt.date | None = None) -> list[Milestone]:
    """The key dates in the order they fall (first submitted, start, completions, last update), with today
    among them, so what is past and what is planned shows at a glance."""
    status = study.protocol_section.status_module
    stated = [
        ("First submitted", status.study_first_submit_date, ""),
        *(
            (label, struct.date, humanise(struct.type).lower() if struct.type else "")
            for label, struct in (
                ("Study start", status.start_date_struct),
                ("Primary completion", status.primary_completion_date_struct),
                ("Study completion", status.completion_date_struct),
                ("Results first posted", status.results_first_post_date_struct),
                ("Last update posted", status.last_update_post_date_struct),
            )
            if struct is not None
        ),
    ]
    milestones = [Milestone(label, date, kind, partial_date_to_date(date)) for label, date, kind in stated if date]
    today = today or dt.date.today()
    milestones.append(Milestone("Today", today.isoformat(), "today", today))
    return sorted(milestones, key=lambda m: (m.day is None, m.day or dt.date.min, m.kind == "today"))


@dataclass(slots=True, frozen=True)
class SiteView:
    key: str  # the id of its entry on the page ("site-3"), which its marker on the map links to
    facility: str | None
    status: str  # as a person reads it
    open: bool
    place: str
    distance_km: float | None  # from the place the person typed (city-level coordinates)
    contacts: list[list[Row]]
    map_status: SiteStatus = "unknown"  # its marker's colour: open, closed, or not stated
    lat: float | None = None
    lon: float | None = None


def site_views(study: Study, place: Place | None) -> list[SiteView]:
    """The trial's sites; with a place, each with its distance, nearest first (open sites before closed)."""
    sites = []
    for n, loc in enumerate(study.locations):
        distance = None
        if place is not None and place.lat is not None and place.lon is not None and loc.geo_point:
            distance = haversine_km(place.lat, place.lon, loc.geo_point.lat, loc.geo_point.lon)
        open_ = loc.status is None or loc.status.upper() in SITE_OPEN
        sites.append(
            SiteView(
                f"site-{n + 1}",
                loc.facility,
                status_label(loc.status) if loc.status else "not stated",
                open_,
                place_text(loc),
                distance,
                [contact_rows(c) for c in loc.contacts],
                "unknown" if loc.status is None else "open" if open_ else "closed",
                loc.geo_point.lat if loc.geo_point else None,
                loc.geo_point.lon if loc.geo_point else None,
            )
        )
    if place is not None:
        sites.sort(key=lambda s: (not s.open, s.distance_km is None, s.distance_km or 0.0))
    return sites


def _reach(place: Place | None, within_km: float | None, near: str) -> Reach | None:
    """The person's place on a map (as they typed it) and the distance they chose, when it has coordinates."""
    if place is None or place.lat is None or place.lon is None:
        return None
    return Reach(near or place.describe(), place.lat, place.lon, within_km)


def sites_map(sites: list[SiteView], place: Place | None, within_km: float | None, near: str) -> Markup:
    """The trial page's map: every site with coordinates, coloured by its own status; the person's place
    and the distance they chose."""
    points = [
        MapPoint(s.key, ", ".join(x for x in (s.facility, s.place) if x), s.lat, s.lon, s.map_status)
        for s in sites
        if s.lat is not None and s.lon is not None
    ]
    if not points:
        return Markup("")
    return site_map(points, title=_("Map of the trial's sites"), reach=_reach(place, within_km, near))


# Where each section of the record sits on the trial page, by its key: the overview first, then who can join,
# then where and whom to contact; every other section goes under the study's details, in the record's order.
PAGE_PART_OF_SECTION = {
    "overview": "overview",
    "brief-summary": "overview",
    "eligibility": "who-can-join",
    "central-contacts": "where",
    "locations": "where",
    "countries": "where",
}


def page_parts(sections: list[Section]) -> dict[str, list[Section]]:
    """The record's sections by the part of the trial page they belong to (overview, who-can-join, where,
    details), each part in the record's order."""
    parts: dict[str, list[Section]] = {"overview": [], "who-can-join": [], "where": [], "details": []}
    for section in sections:
        parts[PAGE_PART_OF_SECTION.get(section.key, "details")].append(section)
    return parts


@dataclass(slots=True)
class TrialView:
    trial: StoredTrial
    sections: list[Section]
    summary: PlainSummary
    freshness: Freshness
    constraints: list[Constraint]
    criteria_items: list[CriterionItem]
    notes: list[str]
    targets: list[str]
    diseases: list[str]
    related: list[RelatedTrial] = field(default_factory=list)

    @property
    def study(self) -> Any:
        return self.trial.study

    @property
    def parts(self) -> dict[str, list[Section]]:
        return page_parts(self.sections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "nct_id": self.trial.nct_id,
            "title": self.trial.study.title,
            "status": self.trial.study.overall_status,
            "phases": self.trial.study.phases,
            "targets": self.targets,
            "conditions": self.diseases,
            "plain_summary": dict(self.summary.parts()),
            "may_be_out_of_date": self.freshness.reasons,
            "record": self.trial.record,
            "source": {
                "source": self.trial.source,
                "partial": self.trial.partial,
                "version": self.trial.version,
                "stored_at": self.trial.updated_at.isoformat(),
            },
            "related": [r.as_dict() for r in self.related],
        }


def _criteria_items(items: list[Item], constraints: list[Constraint]) -> list[CriterionItem]:
    """The criteria text item by item (its stored segmentation), each with the stored constraints whose span
    starts inside it (the text is neither parsed nor segmented again: that is what keeps a trial page
    quick)."""
    found = constraints_by_item(items, constraints)
    return [
        CriterionItem(
            text=unescape_markdown(item.text) or "",
            section=str(item.section),
            level=item.level,
            understood=describe_item([c for c in found.get(item.index, []) if c.kind != "unparsed"]),
            unread=bool(found.get(item.index)) and all(c.kind == "unparsed" for c in found[item.index]),
            partly=item_reading(found.get(item.index, [])) == "partly",
            not_weighed=tuple(leftover_words(found.get(item.index, []))),
        )
        for item in items
    ]


def public_origin(origin: str) -> str:
    """Where a record came from, fit for a public page: an API address as is (it is public), a file by its
    name only (the server's folders are nobody's business)."""
    if not origin or "://" in origin:
        return origin
    return PurePath(origin).name


def trial_view(store: TrialStore, index: SearchIndex, nct_id: str, *, related: bool = True) -> TrialView | None:
    trial = store.get(nct_id)
    if trial is None:
        return None
    stored = store.criteria.get(trial)  # parsed and stored first if new or changed
    criteria_text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
    constraints = [Constraint.from_flat(flat) for flat in stored.constraints]  # the same read, not a second
    diseases, targets = trial_concepts(trial.study)
    origin = public_origin(trial.origin)
    stored_at = trial.updated_at.astimezone(dt.UTC) if trial.updated_at.tzinfo else trial.updated_at
    info = RecordInfo(trial.source, trial.partial, trial.version, origin, stored_at.strftime("%Y-%m-%d %H:%M UTC"))
    view = TrialView(
        trial=trial,
        sections=trial_sections(trial.study, info),
        summary=plain_summary(trial.study, stored.constraints, diseases, targets),
        freshness=judge_freshness(trial.study),
        constraints=constraints,
        criteria_items=_criteria_items(items_from_json(stored.segmentation, criteria_text), constraints),
        notes=record_notes(constraints, trial.study),  # the stored ones are in English
        targets=targets,
        diseases=diseases,
    )
    if related:
        try:
            view.related = related_trials(index, trial.nct_id, limit=5)
        except KeyError:
            view.related = []
    return view


TRIAL_VIEWS_CACHED = 256  # per server process (a view holds its record: ~100-200 kB)


class TrialViews:
    """Trial views as the pages and the API show them, remembered per trial and language, each with the
    stored version of its trial (when that version was stored), the state of the search index (related
    trials) and the day (what may be out of date) it was built at: a trial asked again is answered without
    reading and building it again while all three are as they were, and a change is seen at the next
    request. A view holds nothing of other trials' records, so a write to another trial leaves it be; a
    view not remembered is built without asking the catalogue's version at all."""

    def __init__(self, store: TrialStore, index: SearchIndex, size: int = TRIAL_VIEWS_CACHED) -> None:
        self.store = store
        self.index = index
        self._views = LruCache(size)

    def get(self, nct_id: str, *, related: bool = True) -> TrialView | None:
        meta = self.index.meta
        state = (meta.applied, meta.trials, dt.date.today())
        key = (nct_id.upper(), related, language_key())
        kept = self._views.get(key)
        if isinstance(kept, _KeptView) and kept.state == state and kept.stored_at == self.store.stored_at(nct_id):
            return kept.view
        view = trial_view(self.store, self.index, nct_id, related=related)
        if view is not None:
            self._views.put(key, _KeptView(view.trial.updated_at, state, view))
        return view


@dataclass(frozen=True, slots=True)
class _KeptView:
    stored_at: dt.datetime  # of the trial's version the view was built from
    state: tuple[object, ...]  # of the search index, and the day
    view: TrialView


def check_patient(store: TrialStore, view: TrialView, patient: Patient) -> TrialMatch:
    """A patient against this trial, criterion by criterion."""
    return match_trial(TrialInfo.from_study(view.trial.study), view.constraints, patient_facts(patient))


def place_or_none(text: str | None) -> tuple[Place | None, str | None]:
    """A place from what someone typed, or the reason it was not found."""
    if not text or not text.strip():
        return None, None
    try:
        return resolve_place(text), None
    except PlaceNotFound as exc:
        return None, str(exc)


def nearest_site(store: TrialStore, nct_id: str, place: Place | None) -> tuple[float | None, str] | None:
    if place is None:
        return None
    return nearest_sites(store, [nct_id], place).get(nct_id)


def results_map(
    store: TrialStore, nct_ids: list[str], place: Place | None, within_km: float | None, near: str
) -> Markup:
    """The search page's map: each open site (or of unstated status) of the trials on the page, crowded
    markers numbered; each links to its trial's result."""
    points = [
        MapPoint(
            f"result-{site.nct_id}",
            f"{site.nct_id}: " + site_label(site.facility, site.city, site.country),
            site.lat,
            site.lon,
            "open" if site.status else "unknown",
        )
        for _nct_id, sites in sorted(store.open_sites_of(nct_ids).items())
        for site in sites
        if site.lat is not None and site.lon is not None
    ]
    if not points:
        return Markup("")
    title = _("Map of the open sites of the trials on this page")
    return site_map(points, title=title, reach=_reach(place, within_km, near), ids="results-map")
