"""One trial against many patients: a site's prescreen, at population scale.

The trial is compiled once (``trial_checks``: every criterion of its text, its record's age and sex limits,
its conditions) and each check knows which facets of a patient's facts it reads (``evaluate.reads``). A
patient is then screened by looking up each check's answer under the values of those facets: the answer is
evaluated, by the same code as a single match, only the first time a value is seen. Patients share most
values (an ECOG score, an antigen result, a history, a lab value to two decimals), so most answers are
looked up. The verdict of a combination of statuses is kept the same way (``settle`` runs once per
combination).

The evidence in words is built only for the rows shown or exported (``explain``), from the same remembered
answers, in the reader's language of the moment. Verdicts and words are those of ``match_trial``; the
tests compare the two on the shared vignettes and on generated populations.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter

from trialscope.criteria.model import Constraint
from trialscope.criteria.outline import Shape
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.matching.evaluate import Answerer, CriterionResult, Status
from trialscope.matching.facts import Facet, PatientFacts, facet_reader, patient_facts
from trialscope.matching.verdict import (
    VERDICT_ORDER,
    Check,
    Screen,
    TrialInfo,
    TrialMatch,
    decide,
    settle,
    trial_checks,
    verdict_of,
)
from trialscope.patients.model import Patient
from trialscope.translation import language_key

# A remembered answer: the result's constraint (the record's own are built per trial), status and words;
# None where the check does not apply to this patient (no sex limit to check, say).
Answer = tuple[Constraint, Status, str, str | None, Answerer] | None
# What a group of checks reading the same facets answered for one value of those facets: a number for the
# group's statuses (equal statuses, equal numbers) and the answers themselves.
GroupAnswer = tuple[int, tuple[Status, ...], tuple[Answer, ...]]
MEMO_LIMIT = 200_000  # distinct facet values remembered before the screen forgets and starts again


def _nothing(_values: Sequence[Hashable]) -> Hashable:
    return ()


class TrialScreen:
    """A trial compiled to screen many patients (see the module's text).

    Checks that read the same facets form a group (every check on creatinine; every check that reads
    nothing of the patient): a patient costs one look-up per group, and the verdict is remembered by the
    groups' status numbers."""

    def __init__(self, info: TrialInfo, constraints: list[Constraint], vocab: Vocabulary | None = None) -> None:
        self.info = info
        self.vocab = vocab or vocabulary()
        self._constraints = constraints
        checks = trial_checks(info, constraints, self.vocab)  # in the words of the language compiled in
        self._checks_in = {language_key(): checks}  # the record's limits are in words too: per language
        self._facets = sorted({f for c in checks for f in c.reads})
        self._readers = [facet_reader(f) for f in self._facets]
        members: dict[tuple[Facet, ...], list[int]] = {}
        for i, check in enumerate(checks):
            members.setdefault(tuple(sorted(set(check.reads))), []).append(i)
        self._groups = list(members.values())  # check indexes, per group
        # Settling gives the same verdict and counts in any order of the checks: the screen settles them
        # group after group (statuses joined as they come); explanations put them back in the trial's order.
        self._shape = Shape.of([checks[i].constraint for group in self._groups for i in group])
        self._trial_shape = Shape.of([c.constraint for c in checks])
        self._count = len(checks)
        self._keys: list[Callable[[Sequence[Hashable]], Hashable]] = [
            itemgetter(*(self._facets.index(f) for f in reads)) if reads else _nothing for reads in members
        ]
        self._reset()

    def _reset(self) -> None:
        """Forget every value and answer (numbers start again, so must the answers kept under them)."""
        self._numbers: list[dict[Hashable, int]] = [{} for _ in self._facets]  # per facet: value -> number
        self._answers: dict[int, list[dict[Hashable, GroupAnswer]]] = {}  # per language, per group
        self._remembered = 0  # values numbered since the last reset (the answers grow with them)
        self._status_numbers: list[dict[tuple[Status, ...], int]] = [{} for _ in self._groups]
        self._verdicts: dict[tuple[int, ...], Screen] = {}  # by the groups' status numbers
        self._settled: dict[tuple[int, ...], tuple[Status, ...]] = {}
        self._rows: dict[tuple[int, ...], tuple[str, str, int, str]] = {}  # a row's words, by the answers

    def _answered(self, facts: PatientFacts) -> list[GroupAnswer]:
        if self._remembered >= MEMO_LIMIT:  # between patients: a patient's numbers are all of one generation
            self._reset()
        language = language_key()
        memos = self._answers.get(language)
        if memos is None:
            memos = self._answers[language] = [{} for _ in self._groups]
        values = []
        for (read, argument), numbers in zip(self._readers, self._numbers, strict=True):
            value = read(facts, argument)
            number = numbers.get(value)
            if number is None:  # a small number for the value: a long tuple is hashed once, not once per check
                number = numbers[value] = len(numbers)
                self._remembered += 1
            values.append(number)
        answered = []
        for g, (key_of, memo) in enumerate(zip(self._keys, memos, strict=True)):
            key = key_of(values)
            found = memo.get(key)
            if found is None:
                found = memo[key] = self._evaluate(g, facts, language)
            answered.append(found)
        return answered

    def _evaluate(self, group: int, facts: PatientFacts, language: int) -> GroupAnswer:
        checks = self._checks_in.get(language)
        if checks is None:
            checks = self._checks_in[language] = trial_checks(self.info, self._constraints, self.vocab)
        answers: list[Answer] = []
        for i in self._groups[group]:
            r = checks[i].evaluate(facts)
            answers.append(None if r is None else (r.constraint, r.status, r.explanation, r.question, r.answered_by))
        statuses: tuple[Status, ...] = tuple("not_applicable" if a is None else a[1] for a in answers)
        numbers = self._status_numbers[group]
        return numbers.setdefault(statuses, len(numbers)), statuses, tuple(answers)

    def _in_order(self, answered: list[GroupAnswer]) -> list[Answer]:
        """The answers in the order of the trial's checks."""
        ordered: list[Answer] = [None] * self._count
        for members, (_number, _statuses, answers) in zip(self._groups, answered, strict=True):
            for i, answer in zip(members, answers, strict=True):
                ordered[i] = answer
        return ordered

    def screen(self, facts: PatientFacts) -> Screen:
        """The patient's verdict and counts, as ``match_trial`` gives them, without the words."""
        answered = self._answered(facts)
        combination = tuple(a[0] for a in answered)
        known = self._verdicts.get(combination)
        if known is None:
            statuses: list[Status] = [status for a in answered for status in a[1]]
            settle(statuses, self._shape)
            verdict = verdict_of(statuses)
            known = Screen(self.info.nct_id, verdict, statuses.count("unknown"), statuses.count("not_met"), False)
            self._verdicts[combination] = known
            self._remembered += 1
        return known

    @property
    def checks(self) -> list[Check]:
        """What the verdict checks, in the trial's order (in the words of the language compiled in)."""
        return next(iter(self._checks_in.values()))

    def settled(self, facts: PatientFacts) -> tuple[Status, ...]:
        """Each check's status for the patient once the rules between criteria are applied, in the order of
        ``checks`` ("not_applicable" where a check does not apply): what a feasibility report counts."""
        answered = self._answered(facts)
        combination = tuple(a[0] for a in answered)
        known = self._settled.get(combination)
        if known is None:
            statuses: list[Status] = ["not_applicable" if a is None else a[1] for a in self._in_order(answered)]
            settle(statuses, self._trial_shape)
            known = self._settled[combination] = tuple(statuses)
            self._remembered += 1
        return known

    def explain(self, facts: PatientFacts) -> TrialMatch:
        """The full match with its evidence in words: what ``match_trial`` returns."""
        return self._decided(self._answered(facts))

    def _decided(self, answered: list[GroupAnswer]) -> TrialMatch:
        results = [CriterionResult(*a) for a in self._in_order(answered) if a is not None]
        return decide(self.info, results)

    def row(self, patient: Patient, facts: PatientFacts) -> PrescreenRow:
        """The patient's prescreen row: ``PrescreenRow.of(patient, explain(facts))``, its words made once per
        combination of answers (patients who answer every group alike share them)."""
        answered = self._answered(facts)
        key = (language_key(), *map(id, answered))  # the remembered answers themselves: alive until a reset
        words = self._rows.get(key)
        if words is None:
            match = self._decided(answered)
            shaped = PrescreenRow.of(patient, match)
            words = self._rows[key] = (shaped.verdict, shaped.failing, shaped.open_questions, shaped.questions)
            self._remembered += 1
        return PrescreenRow(patient.id, self.info.nct_id, *words)


@dataclass(frozen=True, slots=True)
class PrescreenRow:
    """One patient against one trial as a prescreen writes it: the verdict, the failing criteria and the
    open questions in words (the local engine and every Spark executor make the same rows)."""

    patient: str
    nct_id: str
    verdict: str
    failing: str  # the failing criteria's explanations, " | " between them
    open_questions: int  # questions to ask, and criteria the engine could not read
    questions: str  # " | " between them

    @classmethod
    def of(cls, patient: Patient, match: TrialMatch) -> PrescreenRow:
        return cls(
            patient=patient.id,
            nct_id=match.nct_id,
            verdict=match.verdict,
            failing=" | ".join(r.explanation for r in match.failing),
            open_questions=len(match.questions) + len(match.unread),
            questions=" | ".join(match.questions),
        )


@dataclass(frozen=True, slots=True)
class TrialSpec:
    """A trial as it travels to where patients are screened (a Spark broadcast): what the verdict needs of
    the record and the criteria in their stored flat form. ``compiled`` makes the TrialScreen."""

    info: TrialInfo
    constraints: tuple[dict[str, object], ...]  # Constraint.as_flat() of each

    @classmethod
    def of(cls, info: TrialInfo, constraints: Sequence[Constraint]) -> TrialSpec:
        return cls(info, tuple(c.as_flat() for c in constraints))

    def compiled(self, vocab: Vocabulary | None = None) -> TrialScreen:
        return TrialScreen(self.info, [Constraint.from_flat(dict(c)) for c in self.constraints], vocab)


def screen_rows(trials: Sequence[TrialScreen], patients: Iterable[Patient]) -> Iterator[PrescreenRow]:
    """Every patient against every trial, one row each, with the evidence in words: what ``prescreen
    --output`` writes, and what each Spark executor runs on its share of the patients."""
    vocab = trials[0].vocab if trials else vocabulary()
    for patient in patients:
        facts = patient_facts(patient, vocab)
        for trial in trials:
            yield trial.row(patient, facts)


@dataclass(slots=True)
class Prescreen:
    """Every patient's verdict on one trial, the most promising first; words on demand."""

    trial: TrialScreen
    rows: list[tuple[Patient, Screen]]

    def explained(self, limit: int | None = None) -> Iterator[tuple[Patient, TrialMatch]]:
        """The first ``limit`` rows (all by default) with their evidence in words."""
        vocab = self.trial.vocab
        for patient, _screen in self.rows[:limit]:
            yield patient, self.trial.explain(patient_facts(patient, vocab))


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Leave the objects alive before the screen (a population of profiles, the catalogue) out of the cycle
    collector's passes while it runs: each pass would walk them all, and a screen allocates enough to start
    many. They return to the collector's care afterwards; new objects are collected as usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def prescreen_patients(trial: TrialScreen, patients: Iterable[Patient]) -> Prescreen:
    """Screen ``patients`` against the compiled ``trial``; rank eligible, then possibly eligible (fewer open
    questions first), then not eligible (fewer failing criteria first)."""
    vocab = trial.vocab
    with heap_frozen():
        rows = [(p, trial.screen(patient_facts(p, vocab))) for p in patients]
    return ranked(trial, rows)


def ranked(trial: TrialScreen, rows: list[tuple[Patient, Screen]]) -> Prescreen:
    """The rows, most promising first (the order ``prescreen_patients`` gives)."""
    rows.sort(key=lambda row: (VERDICT_ORDER[row[1].verdict], row[1].unknown, row[1].failing))
    return Prescreen(trial, rows)
