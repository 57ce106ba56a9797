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
from collections.abc import Iterable, Sequence

from trialscope.criteria.outline import Outline, Shape
from trialscope.criteria.targets import trial_diseases
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.geo import Place
from trialscope.matching.facts import PatientFacts, patient_facts
from trialscope.matching.prescreen import Prescreen, TrialScreen, TrialSpec, prescreen_patients
from trialscope.matching.verdict import (
    VERDICT_ORDER,
    Memo,
    RecordMemo,
    Screen,
    StatusMemo,
    TrialInfo,
    TrialMatch,
    match_trial,
    screen_trial,
)
from trialscope.model.statuses import OPEN_STATUSES
from trialscope.patients.model import Patient
from trialscope.search.distance import nearest_sites
from trialscope.store.trial_store import TrialStore
from trialscope.translation import _


def _diagnosis_concepts(facts: PatientFacts, vocab: Vocabulary) -> set[str]:
    """The patient's diagnoses and everything they are a kind of (APL -> AML -> acute leukemia)."""
    keys: set[str] = set()
    for fact in facts.diagnoses:
        if vocab.concepts[fact.concept].primary_diagnosis:
            keys |= vocab.concept_ancestors(fact.concept)
    return keys


def for_another_disease(trial_concepts: Iterable[str], diagnoses: set[str], vocab: Vocabulary) -> bool:
    """Whether every disease a trial names is another one than the patient's: ``diagnoses`` are the
    patient's with everything they are a kind of. A trial's disease is theirs when it is one of those (AML,
    acute leukemia for AML) or a kind of theirs (APL for AML); a trial naming B-ALL and "leukemia" is for
    B-ALL, the general word being its kind."""
    named = vocab.most_specific(sorted(set(trial_concepts)))
    own = set(vocab.most_specific(sorted(diagnoses)))
    return bool(named) and not any(c in diagnoses or own & vocab.concept_ancestors(c) for c in named)


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
    patient = facts.patient
    diagnoses = _diagnosis_concepts(facts, vocab)
    rows = store.candidates(
        nct_ids,
        statuses=OPEN_STATUSES if status == "open" else None,
        age=patient.age,
        sex=(patient.sex or "").upper() or None,
        diseases=() if nct_ids else diagnoses,  # named trials: whatever they are for
    )
    if not nct_ids and diagnoses:  # the SQL filter lets a B-ALL trial through for its word "leukemia"
        other: dict[str | None, bool] = {}  # many trials name the same diseases: each set is judged once
        for r in rows:
            if r.condition_concepts not in other:
                other[r.condition_concepts] = for_another_disease(_concepts_of(r.condition_concepts), diagnoses, vocab)
        rows = [r for r in rows if not other[r.condition_concepts]]
    infos = [
        TrialInfo(
            nct_id=r.nct_id,
            title=r.brief_title or r.nct_id,
            overall_status=r.overall_status,
            minimum_age=r.minimum_age,
            maximum_age=r.maximum_age,
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


def _concepts_of(column: str | None) -> list[str]:
    """The stored ``condition_concepts`` column ("|AML|leukemia|") as a list."""
    return [c for c in (column or "").split("|") if c]


def rank_key(screen: Screen, distance_km: float | None) -> tuple[object, ...]:
    """Eligible first; then trials whose criteria could be checked; then fewer open questions and failures;
    then nearer open sites."""
    distance = distance_km if distance_km is not None else float("inf")
    return (VERDICT_ORDER[screen.verdict], screen.unchecked, screen.unknown, screen.failing, distance, screen.nct_id)


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
    outlines = store.criteria.outlines_of([i.nct_id for i in infos])
    memo: StatusMemo = {}
    records: RecordMemo = {}
    empty = Outline([], Shape([], [], [], []), written=False)
    screens = {i.nct_id: screen_trial(i, outlines.get(i.nct_id, empty), facts, vocab, memo, records) for i in infos}
    order = sorted(infos, key=lambda i: rank_key(screens[i.nct_id], sites.get(i.nct_id, (None, ""))[0]))
    diagnoses = _diagnosis_concepts(facts, vocab)
    if nct_ids or not diagnoses:
        shown = order[:limit] if limit else order
    else:
        shown = _for_the_patients_disease(store, order, diagnoses, vocab, limit)
    # 2. the evidence in words, for the trials shown
    constraints = store.criteria.constraints_of([i.nct_id for i in shown])
    evidence: Memo = {}
    matches = []
    for info in shown:
        match = match_trial(info, constraints.get(info.nct_id, []), facts, vocab, evidence)
        if info.nct_id in sites:
            match.distance_km, match.nearest_site = sites[info.nct_id]
        matches.append(match)
    return matches


def _for_the_patients_disease(
    store: TrialStore, order: list[TrialInfo], diagnoses: set[str], vocab: Vocabulary, limit: int | None
) -> list[TrialInfo]:
    """The first ``limit`` trials of ``order`` whose record's conditions do not all name other diseases
    (``trial_diseases``: the title or keywords may name a general word, "B-cell lymphoma/leukemia", that let
    the trial through the first filter). Each record is read only as far as the list goes."""
    kept: list[TrialInfo] = []
    for info in order:
        trial = store.get(info.nct_id)
        diseases = trial_diseases(trial.study, vocab) if trial is not None else ()
        if diseases and for_another_disease(diseases, diagnoses, vocab):
            continue
        kept.append(dataclasses.replace(info, diseases=diseases))
        if limit and len(kept) >= limit:
            break
    return kept


def draft_info(name: str) -> TrialInfo:
    """What stands for the record of eligibility text outside the catalogue: no age, sex or conditions."""
    title = _("eligibility criteria in %(name)s", name=name)
    return TrialInfo(nct_id=name, title=title, overall_status=None, minimum_age=None, maximum_age=None, sex="ALL")


def match_criteria_text(text: str, patient: Patient, name: str = "criteria") -> TrialMatch:
    """A patient against eligibility text that is not in the catalogue (a protocol draft, a trial from
    another registry): the same evaluation and result shape as a stored trial, without the record's fields
    (age limits, sex, conditions, targeted therapy) that only a registered trial has."""
    vocab = vocabulary()
    from trialscope.criteria import parse_criteria  # the engine: loaded where a text is read here

    return match_trial(draft_info(name), parse_criteria(text), patient_facts(patient, vocab), vocab)


def trial_screen(store: TrialStore, nct_id: str) -> tuple[TrialScreen, str]:
    """A stored trial compiled for a prescreen, and its criteria text."""
    trial = store.get(nct_id)
    if trial is None:
        raise KeyError(nct_id)
    constraints = store.criteria.constraints_of([trial.nct_id])[trial.nct_id]
    text = trial.study.protocol_section.eligibility_module.eligibility_criteria or ""
    return TrialScreen(TrialInfo.from_study(trial.study), constraints), text


def trial_specs(store: TrialStore, nct_ids: Sequence[str]) -> list[TrialSpec]:
    """Stored trials as they travel to a prescreen's workers (their record's limits and stored criteria),
    in the order given; KeyError names the first that is not in the catalogue."""
    constraints = store.criteria.constraints_of(list(nct_ids))
    specs = []
    for nct_id in nct_ids:
        trial = store.get(nct_id)
        if trial is None:
            raise KeyError(nct_id)
        specs.append(TrialSpec.of(TrialInfo.from_study(trial.study), constraints[trial.nct_id]))
    return specs


def open_trial_ids(store: TrialStore) -> list[str]:
    """Every open trial of the catalogue (recruiting, not yet recruiting, by invitation), in NCT ID order."""
    return [row.nct_id for row in store.candidates(statuses=OPEN_STATUSES)]


def criteria_text_screen(text: str, name: str) -> TrialScreen:
    """Eligibility text outside the catalogue (a draft protocol) compiled for a prescreen."""
    from trialscope.criteria import parse_criteria

    return TrialScreen(draft_info(name), parse_criteria(text).constraints)


def prescreen(store: TrialStore, nct_id: str, patients: Iterable[Patient]) -> Prescreen:
    """Every patient against one trial, the most promising first (``Prescreen.explained`` for the words)."""
    return prescreen_patients(trial_screen(store, nct_id)[0], patients)
