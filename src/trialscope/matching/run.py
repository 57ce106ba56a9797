"""Match a patient against the catalogue (ranked trials), or many patients against one trial (a site's
pre-screen).

Hard filters run in SQL first, on columns every trial carries: overall status (``open`` = recruiting, not
yet recruiting or enrolling by invitation), the record's age limits and sex, and the trial's diseases
(a patient with AML meets trials for AML or for acute leukemia, not for lymphoma). Only the trials left are
evaluated criterion by criterion, from their stored structured criteria. Ranking: eligible before
possibly eligible before not eligible; then fewer open questions; then fewer failing criteria.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import orjson
from sqlalchemy import bindparam, case, or_, select, update

from trialscope.catalogue.freshness import OPEN_STATUSES
from trialscope.criteria import ENGINE_VERSION, parse_criteria
from trialscope.criteria.model import Constraint
from trialscope.criteria.outline import Outline, Shape
from trialscope.criteria.targets import trial_diseases
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.geo import Place, country_spellings, haversine_km
from trialscope.matching.facts import PatientFacts, patient_facts
from trialscope.matching.prescreen import Prescreen, TrialScreen, prescreen_patients
from trialscope.matching.verdict import (
    VERDICT_ORDER,
    Memo,
    Screen,
    StatusMemo,
    TrialInfo,
    TrialMatch,
    match_trial,
    screen_trial,
)
from trialscope.patients.model import Patient
from trialscope.presentation.sections import site_label
from trialscope.presentation.translation import _
from trialscope.store.criteria_store import CriteriaStore
from trialscope.store.schema import trial_criteria, trials
from trialscope.store.trial_store import SiteRow, TrialStore


def _diagnosis_concepts(facts: PatientFacts, vocab: Vocabulary) -> set[str]:
    """The patient's diagnoses and everything they are a kind of (APL -> AML -> acute leukemia)."""
    keys: set[str] = set()
    for fact in facts.diagnoses:
        if vocab.concepts[fact.concept].primary_diagnosis:
            keys |= vocab.concept_ancestors(fact.concept)
    return keys


def candidate_trials(
    store: TrialStore,
    facts: PatientFacts,
    *,
    status: str = "open",
    nct_ids: Sequence[str] | None = None,
    vocab: Vocabulary | None = None,
) -> list[TrialInfo]:
    """Trials passing the hard filters (all of them when NCT IDs are named: a trial asked for is evaluated)."""
    vocab = vocab or vocabulary()
    query = select(
        trials.c.nct_id,
        trials.c.brief_title,
        trials.c.overall_status,
        trials.c.min_age_years,
        trials.c.max_age_years,
        trials.c.sex,
        trials.c.condition_concepts,
    )
    if nct_ids:
        query = query.where(trials.c.nct_id.in_([n.upper() for n in nct_ids]))
    else:
        if status == "open":
            query = query.where(trials.c.overall_status.in_(sorted(OPEN_STATUSES)))
        age = facts.patient.age
        if age is not None:
            query = query.where(or_(trials.c.min_age_years.is_(None), trials.c.min_age_years <= age))
            query = query.where(or_(trials.c.max_age_years.is_(None), trials.c.max_age_years >= age))
        sex = (facts.patient.sex or "").upper()
        if sex in ("FEMALE", "MALE"):
            query = query.where(or_(trials.c.sex.is_(None), trials.c.sex.in_(["ALL", sex])))
        diseases = _diagnosis_concepts(facts, vocab)
        if diseases:
            query = query.where(or_(*(trials.c.condition_concepts.contains(f"|{d}|") for d in sorted(diseases))))
    with store.engine.connect() as conn:
        rows = conn.execute(query.order_by(trials.c.nct_id)).all()
    infos = [
        TrialInfo(
            nct_id=r.nct_id,
            title=r.brief_title or r.nct_id,
            overall_status=r.overall_status,
            min_age_years=r.min_age_years,
            max_age_years=r.max_age_years,
            sex=r.sex or "ALL",
        )
        for r in rows
    ]
    if nct_ids:  # trials asked for by name may be for another disease: say so (the ranked list filtered them)
        for index, info in enumerate(infos):
            trial = store.get(info.nct_id)
            if trial is not None:
                infos[index] = dataclasses.replace(info, diseases=trial_diseases(trial.study, vocab))
    return infos


_T = TypeVar("_T")
_CACHE_SIZE = 50_000  # trials whose rebuilt criteria stay in memory (a server matches many patients)
_constraint_cache: OrderedDict[tuple[str, str], list[Constraint]] = OrderedDict()
_outline_cache: OrderedDict[tuple[str, str], Outline] = OrderedDict()


def _cached(cache: OrderedDict[tuple[str, str], _T], key: tuple[str, str], value: _T) -> _T:
    cache[key] = value
    if len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _stored(
    store: TrialStore,
    nct_ids: Iterable[str],
    cache: OrderedDict[tuple[str, str], _T],
    column: str,
    rebuild: Callable[[str | None, str | None], _T],
    backfill: Callable[[_T], str] | None = None,
) -> dict[str, _T]:
    """One stored form per trial (``column`` of trial_criteria, rebuilt by ``rebuild(column value, flat
    constraints)``), cached in memory per stored version; trials with no current stored criteria are parsed
    and stored first. ``backfill``: how to store a form rebuilt from the flat constraints (rows stored
    before the column existed), so the next reader finds it."""
    wanted = list(nct_ids)
    found: dict[str, _T] = {}
    filled: list[dict[str, str]] = []
    with store.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            stamps = conn.execute(
                select(trial_criteria.c.nct_id, trial_criteria.c.parsed_at)
                .where(trial_criteria.c.nct_id.in_(chunk))
                .where(trial_criteria.c.engine_version == ENGINE_VERSION)
            ).all()
            misses = []
            for nct_id, parsed_at in stamps:
                cached = cache.get((nct_id, f"{parsed_at}"))
                if cached is None:
                    misses.append(nct_id)
                else:
                    cache.move_to_end((nct_id, f"{parsed_at}"))
                    found[nct_id] = cached
            if misses:
                rows = conn.execute(
                    select(
                        trial_criteria.c.nct_id,
                        trial_criteria.c.parsed_at,
                        trial_criteria.c[column],
                        # the full constraints only where the stored form is missing (rows older than it)
                        case((trial_criteria.c[column].is_(None), trial_criteria.c.constraints), else_=None),
                    ).where(trial_criteria.c.nct_id.in_(misses))
                ).all()
                for nct_id, parsed_at, value, flat in rows:
                    found[nct_id] = _cached(cache, (nct_id, f"{parsed_at}"), rebuild(value, flat))
                    if value is None and backfill is not None:
                        filled.append({"id": nct_id, "value": backfill(found[nct_id])})
    if filled:
        with store.engine.begin() as conn:
            statement = update(trial_criteria).where(trial_criteria.c.nct_id == bindparam("id"))
            conn.execute(statement.values({column: bindparam("value")}), filled)
    criteria = CriteriaStore(store.engine)
    for nct_id in wanted:
        if nct_id not in found:
            trial = store.get(nct_id)
            if trial is not None:
                stored = criteria.get(trial)
                value = stored.outline if column == "outline" else orjson.dumps(stored.constraints).decode()
                found[nct_id] = _cached(cache, (nct_id, f"{stored.parsed_at}"), rebuild(value, None))
    return found


def _constraints_from(stored: str | None, _flat: str | None) -> list[Constraint]:
    return [Constraint.from_flat(d) for d in orjson.loads(stored or "[]")]


def _outline_from(stored: str | None, flat: str | None) -> Outline:
    if stored is not None:
        return Outline.from_json(stored)
    return Outline.of_flat(orjson.loads(flat or "[]"))  # a row stored before outlines were: built here


def stored_constraints(store: TrialStore, nct_ids: Iterable[str]) -> dict[str, list[Constraint]]:
    """Structured criteria for these trials (rebuilt constraints, with their text), computing and storing
    those not stored yet."""
    return _stored(store, nct_ids, _constraint_cache, "constraints", _constraints_from)


def stored_outlines(store: TrialStore, nct_ids: Iterable[str]) -> dict[str, Outline]:
    """The compact evaluation form of these trials' criteria (see criteria/outline.py)."""
    return _stored(store, nct_ids, _outline_cache, "outline", _outline_from, Outline.to_json)


def rank_key(screen: Screen, distance_km: float | None) -> tuple[object, ...]:
    """Eligible first; then trials whose criteria could be checked; then fewer open questions and failures;
    then nearer open sites."""
    distance = distance_km if distance_km is not None else float("inf")
    return (VERDICT_ORDER[screen.verdict], screen.unchecked, screen.unknown, screen.failing, distance, screen.nct_id)


SITE_OPEN = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "AVAILABLE"})


def nearest_sites(store: TrialStore, nct_ids: Sequence[str], place: Place) -> dict[str, tuple[float | None, str]]:
    """For each trial with a site open (or of unstated status) near the place: (distance km, site, its place
    in the reader's script). For a country, every such trial with a site in it (distance None)."""
    best: dict[str, tuple[float | None, SiteRow]] = {}
    spellings = (
        {s.casefold() for s in country_spellings(place.country or place.name)} if place.kind == "country" else set()
    )
    for site in store.sites_of(list(nct_ids)):
        if site.status and site.status.upper() not in SITE_OPEN:
            continue
        if place.kind == "country":
            if site.country and site.country.casefold() in spellings:
                best.setdefault(site.nct_id, (None, site))
            continue
        if site.lat is None or site.lon is None or place.lat is None or place.lon is None:
            continue
        distance = haversine_km(place.lat, place.lon, site.lat, site.lon)
        kept = best.get(site.nct_id)
        if kept is None or (kept[0] is not None and distance < kept[0]):
            best[site.nct_id] = (distance, site)
    found: dict[str, tuple[float | None, str]] = {}
    for nct_id, (km, site) in best.items():
        found[nct_id] = (km, site_label(site.facility, site.city, site.country))
    return found


def match_patient(
    store: TrialStore,
    patient: Patient,
    *,
    status: str = "open",
    nct_ids: Sequence[str] | None = None,
    limit: int | None = None,
    near: Place | None = None,
    within_km: float | None = None,
) -> list[TrialMatch]:
    """The catalogue's trials for one patient, best first.

    ``near``: keep trials with an open site (or one whose status is not stated) within ``within_km`` of the
    place (at any distance when not given; for a country, a site in it)."""
    vocab = vocabulary()
    facts = patient_facts(patient, vocab)
    infos = candidate_trials(store, facts, status=status, nct_ids=nct_ids, vocab=vocab)
    sites: dict[str, tuple[float | None, str]] = {}
    if near is not None:
        sites = nearest_sites(store, [i.nct_id for i in infos], near)

        def close_enough(nct_id: str) -> bool:
            distance = sites[nct_id][0]
            return within_km is None or distance is None or distance <= within_km

        infos = [i for i in infos if i.nct_id in sites and close_enough(i.nct_id)]
    # 1. screen every candidate from the compact form (one evaluation per distinct meaning)
    outlines = stored_outlines(store, [i.nct_id for i in infos])
    memo: StatusMemo = {}
    empty = Outline([], Shape([], [], [], []), written=False)
    screens = {i.nct_id: screen_trial(i, outlines.get(i.nct_id, empty), facts, vocab, memo) for i in infos}
    order = sorted(infos, key=lambda i: rank_key(screens[i.nct_id], sites.get(i.nct_id, (None, ""))[0]))
    shown = order[:limit] if limit else order
    # 2. the evidence in words, for the trials shown
    constraints = stored_constraints(store, [i.nct_id for i in shown])
    evidence: Memo = {}
    matches = []
    for info in shown:
        match = match_trial(info, constraints.get(info.nct_id, []), facts, vocab, evidence)
        if info.nct_id in sites:
            match.distance_km, match.nearest_site = sites[info.nct_id]
        matches.append(match)
    return matches


def _draft_info(name: str) -> TrialInfo:
    """What stands for the record of eligibility text outside the catalogue: no age, sex or conditions."""
    title = _("eligibility criteria in %(name)s", name=name)
    return TrialInfo(nct_id=name, title=title, overall_status=None, min_age_years=None, max_age_years=None, sex="ALL")


def match_criteria_text(text: str, patient: Patient, name: str = "criteria") -> TrialMatch:
    """A patient against eligibility text that is not in the catalogue (a protocol draft, a trial from
    another registry): the same evaluation and result shape as a stored trial, without the record's fields
    (age limits, sex, conditions, targeted therapy) that only a registered trial has."""
    vocab = vocabulary()
    return match_trial(_draft_info(name), parse_criteria(text), patient_facts(patient, vocab), vocab)


def trial_screen(store: TrialStore, nct_id: str) -> tuple[TrialScreen, str]:
    """A stored trial compiled for a prescreen, and its criteria text."""
    trial = store.get(nct_id)
    if trial is None:
        raise KeyError(nct_id)
    constraints = stored_constraints(store, [trial.nct_id])[trial.nct_id]
    text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
    return TrialScreen(TrialInfo.from_study(trial.study), constraints), text


def criteria_text_screen(text: str, name: str) -> TrialScreen:
    """Eligibility text outside the catalogue (a draft protocol) compiled for a prescreen."""
    return TrialScreen(_draft_info(name), parse_criteria(text).constraints)


def prescreen(store: TrialStore, nct_id: str, patients: Iterable[Patient]) -> Prescreen:
    """Every patient against one trial, the most promising first (``Prescreen.explained`` for the words)."""
    return prescreen_patients(trial_screen(store, nct_id)[0], patients)
