"""The fast prescreen (one trial compiled, each answer looked up by the facets it reads) gives exactly what the
full evaluation gives: the same verdict and counts for every patient, and the same evidence in words for
the rows it explains, in either language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, shared_data
from trialscope.criteria import parse_criteria
from trialscope.criteria.model import Constraint
from trialscope.criteria.outline import Shape
from trialscope.criteria.vocabulary import vocabulary
from trialscope.demo import load_demo
from trialscope.ingest import ingest_paths
from trialscope.matching import prescreen as prescreen_module
from trialscope.matching.facts import facet_reader, facets_reader, patient_facts
from trialscope.matching.prescreen import PrescreenRow, TrialScreen, prescreen_patients, screen_rows
from trialscope.matching.verdict import VERDICT_ORDER, TrialInfo, match_trial
from trialscope.patients.files import load_patient
from trialscope.patients.model import HistoryItem, Patient, Treatment
from trialscope.patients.synthetic import Spread, synthetic_population
from trialscope.store.trial_store import TrialStore
from trialscope.translation import reading_in
from trialscope.web.i18n import translations

PROFILES = [
    *sorted((FIXTURES / "vignettes").glob("*.json")),
    *sorted((FIXTURES / "gold" / "patients").glob("*.json")),
]


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrialStore]:
    with TrialStore.open(f"sqlite:///{tmp_path_factory.mktemp('prescreen') / 'demo.db'}") as store:
        load_demo(store)
        yield store


@pytest.fixture(scope="module")
def templates() -> list[Patient]:
    return [load_patient(p) for p in PROFILES]


def _trials(store: TrialStore, nct_ids: list[str]) -> list[tuple[TrialInfo, list[Constraint]]]:
    constraints = store.criteria.constraints_of(nct_ids)
    found = []
    for nct_id in nct_ids:
        trial = store.get(nct_id)
        assert trial is not None
        found.append((TrialInfo.from_study(trial.study), constraints[nct_id]))
    return found


def _assert_same(screen: TrialScreen, info: TrialInfo, constraints: list[Constraint], patients: list[Patient]) -> None:
    vocab = vocabulary()
    for patient in patients:
        facts = patient_facts(patient, vocab)
        full = match_trial(info, constraints, facts, vocab)
        quick = screen.screen(facts)
        assert (quick.verdict, quick.unknown, quick.failing) == (full.verdict, len(full.unknown), len(full.failing)), (
            info.nct_id,
            patient.id,
        )
        assert screen.explain(facts).as_dict() == full.as_dict(), (info.nct_id, patient.id)
        assert screen.row(patient, facts) == PrescreenRow.of(patient, full), (info.nct_id, patient.id)


def test_same_as_full_evaluation_for_vignettes_on_the_seed_trials(tmp_path: Path, templates: list[Patient]) -> None:
    with TrialStore.open(f"sqlite:///{tmp_path / 'seed.db'}") as store:
        ingest_paths(store, [FIXTURES / "seed-trials"])
        nct_ids = [t.nct_id for t in store.iter_trials()]
        verdicts = set()
        for info, constraints in _trials(store, nct_ids):
            screen = TrialScreen(info, constraints)
            _assert_same(screen, info, constraints, templates)
            _assert_same(screen, info, constraints, templates)  # the second time every answer is remembered
            verdicts |= {screen.screen(patient_facts(p)).verdict for p in templates}
    assert {"possibly_eligible", "not_eligible"} <= verdicts


@pytest.mark.parametrize("spread", ["clinical", "wide"])
def test_same_as_full_evaluation_on_a_generated_population(
    demo_store: TrialStore, templates: list[Patient], spread: Spread
) -> None:
    """40 demo trials (varied criteria texts) and NCT07144020 (twins) against 250 generated patients each."""
    nct_ids = [*sorted(t.nct_id for t in demo_store.iter_trials())[::6][:40], "NCT07144020"]
    population = list(synthetic_population(templates, 250, seed=5, spread=spread))
    verdicts = set()
    for info, constraints in _trials(demo_store, nct_ids):
        screen = TrialScreen(info, constraints)
        _assert_same(screen, info, constraints, population)
        verdicts |= {screen.screen(patient_facts(p)).verdict for p in population}
    assert verdicts == {"possibly_eligible", "not_eligible"}  # eligible needs every answer: see the seed test


def test_the_rules_between_criteria_join_their_checks_in_one_group(demo_store: TrialStore) -> None:
    """A screen settles each group of checks alone, so every pair the rules between criteria join (the age
    limits, a twin and its partner, an alternative's members) must be in one group; the demo trials have
    each kind (the populations here hold the screen to the full evaluation on them; NCT07144020 has twins)."""
    nct_ids = [*sorted(t.nct_id for t in demo_store.iter_trials())[::6][:40], "NCT07144020"]
    kinds = set()
    for info, constraints in _trials(demo_store, nct_ids):
        screen = TrialScreen(info, constraints)
        shape = Shape.of([c.constraint for c in screen.checks])
        group_of = {i: g for g, members in enumerate(screen._groups) for i in members}
        joined = [("age", shape.age_limits), *(("twin", p) for p in shape.twin_pairs)]
        joined += [("alternative", m) for m in shape.alternatives]
        for kind, members in joined:
            assert len({group_of[i] for i in members}) <= 1, (info.nct_id, kind, members)
            kinds.add(kind) if len(members) > 1 else None
    assert kinds == {"age", "twin", "alternative"}


def test_words_follow_the_readers_language(demo_store: TrialStore, templates: list[Patient]) -> None:
    ((info, constraints),) = _trials(demo_store, ["NCT07144020"])
    screen = TrialScreen(info, constraints)
    patients = list(synthetic_population(templates, 60, seed=2))
    english = [screen.explain(patient_facts(p)).as_dict() for p in patients]
    with reading_in(translations("zh")):
        chinese_screen = TrialScreen(info, constraints)
        for patient, said in zip(patients, english, strict=True):
            facts = patient_facts(patient)
            full = match_trial(info, constraints, facts)
            assert chinese_screen.explain(facts).as_dict() == full.as_dict()
            assert chinese_screen.row(patient, facts) == screen.row(patient, facts) == PrescreenRow.of(patient, full)
            assert screen.explain(facts).as_dict() == full.as_dict()  # the English screen, now in Chinese
            assert full.as_dict() != said


def test_bounded_memory_gives_the_same_answers(
    demo_store: TrialStore, templates: list[Patient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a screen's memory fills it starts again: answers stay the same."""
    monkeypatch.setattr(prescreen_module, "MEMO_LIMIT", 7)
    ((info, constraints),) = _trials(demo_store, ["NCT06585345"])
    patients = list(synthetic_population(templates, 150, seed=3, spread="wide"))
    _assert_same(TrialScreen(info, constraints), info, constraints, patients)


def test_rows_are_ranked_and_explained_on_demand(demo_store: TrialStore, templates: list[Patient]) -> None:
    ((info, constraints),) = _trials(demo_store, ["NCT07144020"])
    patients = list(synthetic_population(templates, 300, seed=4))
    result = prescreen_patients(TrialScreen(info, constraints), patients)
    keys = [(VERDICT_ORDER[s.verdict], s.unknown, s.failing) for _, s in result.rows]
    assert keys == sorted(keys) and len(result.rows) == 300
    explained = list(result.explained(10))
    assert [p.id for p, _ in explained] == [p.id for p, _ in result.rows[:10]]
    for (_patient, match), (_, screen) in zip(explained, result.rows, strict=False):
        assert match.verdict == screen.verdict and len(match.failing) == screen.failing


def test_same_as_full_evaluation_on_the_shared_vignettes(tmp_path: Path) -> None:
    """The shared gold patients, and a population generated from them, against the shared seed trials."""
    gold = shared_data("..", "gold", "patients")
    patients = [load_patient(p) for p in sorted(gold.glob("*.json"))]
    population = [*patients, *synthetic_population(patients, 500, seed=9)]
    with TrialStore.open(f"sqlite:///{tmp_path / 'seed.db'}") as store:
        ingest_paths(store, [shared_data("seed-trials")])
        for info, constraints in _trials(store, [t.nct_id for t in store.iter_trials()]):
            _assert_same(TrialScreen(info, constraints), info, constraints, population)


def test_the_day_a_profile_speaks_of_moves_a_treatment_out_of_a_window(templates: list[Patient]) -> None:
    """The same history seen on two days: a washout met on the later day only (the date is part of what a
    history criterion reads)."""
    text = "Inclusion Criteria:\n\n* Acute myeloid leukemia\n\nExclusion Criteria:\n\n* Chemotherapy within 4 weeks"
    constraints = parse_criteria(text).constraints
    info = TrialInfo("draft", "draft", None, None, None, "ALL")
    early = templates[0].model_copy(deep=True)
    early.treatments = [Treatment(name="chemotherapy", category="chemotherapy", date=dt.date(2026, 10, 20))]
    early.as_of = dt.date(2026, 11, 1)
    late = early.model_copy(deep=True, update={"as_of": dt.date(2027, 1, 1)})
    screen = TrialScreen(info, constraints)
    statuses = [screen.explain(patient_facts(p)).criteria[1].status for p in (early, late)]
    assert statuses == ["not_met", "met"]
    _assert_same(TrialScreen(info, constraints), info, constraints, [early, late, early])


def test_rows_words_are_those_of_the_full_evaluation(demo_store: TrialStore, templates: list[Patient]) -> None:
    """``screen_rows`` (what --output and the Spark engine write) makes each row's words once per combination
    of answers: every row still says what the full evaluation says of that patient."""
    nct_ids = sorted(t.nct_id for t in demo_store.iter_trials())[::9][:12]
    population = list(synthetic_population(templates, 300, seed=8))
    trials = _trials(demo_store, nct_ids)
    screens = [TrialScreen(info, constraints) for info, constraints in trials]
    rows = list(screen_rows(screens, population))
    vocab = vocabulary()
    expected = [
        PrescreenRow.of(patient, match_trial(info, constraints, patient_facts(patient, vocab), vocab))
        for patient in population
        for info, constraints in trials
    ]
    assert rows == expected


def test_a_trials_facets_read_together_are_each_facets_value(templates: list[Patient]) -> None:
    """``facets_reader`` (every facet of a trial read in one pass, the facets of concepts together) gives
    each facet the value ``facet_reader`` gives it alone: the facts of a concept's kinds, denials of it or of
    a broader concept (ever, now, within days, said surely or not), a primary diagnosis's others."""
    vocab = vocabulary()
    facets = sorted(
        {(kind, concept) for kind in ("had", "treated", "denied") for concept in vocab.concepts}
        | {("age", ""), ("lab", "ALT"), ("diagnoses", ""), ("status", "")}
    )
    read = facets_reader(facets)
    said = [  # a no in each way, to a concept and to a broader one, one of them unsure
        HistoryItem(name="epilepsy", present=False, within_days=90),
        HistoryItem(name="central nervous system disease", present=False, within_days=30, certain=False),
        HistoryItem(name="heart failure", present=False, timing="current"),
        HistoryItem(name="seizures", present=False),
    ]
    saying = [t.model_copy(update={"history": [*said, *t.history]}) for t in templates]
    patients = [*templates, *saying, *synthetic_population(templates, 200, seed=11, spread="wide")]
    denials = within = 0
    for patient in patients:
        values = read(patient_facts(patient, vocab))
        facts = patient_facts(patient, vocab)
        denials += bool(facts.denied or facts.denied_now)
        within += bool(facts.denied_within)
        for facet, value in zip(facets, values, strict=True):
            function, argument = facet_reader(facet)
            assert value == function(facts, argument), (patient.id, facet)
    assert denials and within  # the patients say no in each way
