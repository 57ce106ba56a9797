"""One trial against many patients: a site's prescreen, at population scale.

The trial is compiled once (``trial_checks``: every criterion of its text, its record's age and sex limits,
its conditions) and each check knows which facets of a patient's facts it reads (``evaluate.reads``). A
patient is then screened by looking up each check's answer under the values of those facets: the answer is
evaluated, by the same code as a single match, only the first time a value is seen. Patients share most
values (an ECOG score, an antigen result, a history, a lab value to two decimals), so most answers are
looked up.

The rules between criteria (``settle``: age limits of the text and the record that disagree, twins,
alternatives) join only criteria of one group: checks reading the same facets, and checks those rules
join, form one group. So each group's answer is settled, and put into a row's words (``decide``, the code
of a single match), when it is first evaluated; a patient's verdict, counts and row are then the groups'
kept answers put together, whatever the combination (a population seldom repeats one).

Words are made only where a row shows them: a check that can give its status without words (a lab or age
limit, ``Check.status``) does, and a group met whole keeps no words. The evidence in words for the whole
trial is built only for the rows shown (``explain``), from the remembered answers and, for a group kept
without words, its checks evaluated again, in the reader's language of the moment. Verdicts and words are those of
``match_trial``; the tests compare the two on the shared vignettes and on generated populations.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

from trialscope.criteria.model import Constraint
from trialscope.criteria.outline import Shape
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.matching.evaluate import Answerer, CriterionResult, Status
from trialscope.matching.facts import Facet, PatientFacts, facets_reader, patient_facts
from trialscope.matching.verdict import (
    VERDICT_ORDER,
    Check,
    Screen,
    TrialInfo,
    TrialMatch,
    Verdict,
    decide,
    settle,
    trial_checks,
)
from trialscope.patients.model import Patient
from trialscope.translation import language_key

# A remembered answer: the result's constraint (the record's own are built per trial), status and words;
# None where the check does not apply to this patient (no sex limit to check, say).
Answer = tuple[Constraint, Status, str, str | None, Answerer] | None
MEMO_LIMIT = 200_000  # distinct facet values remembered before the screen forgets and starts again


class GroupAnswer(NamedTuple):
    """What a group of checks answered for one value of the facets they read, settled and in words."""

    answers: tuple[Answer, ...] | None  # as evaluated, in the group's order (the trial's); None: not in words
    settled: tuple[Status, ...]  # once the rules between criteria are applied ("not_applicable" for None)
    unknown: int  # settled statuses "unknown"
    failing: int  # settled statuses "not_met"
    failing_words: tuple[tuple[int, str], ...]  # (check index, explanation) of each failing criterion
    asked: tuple[tuple[int, str], ...]  # (check index, question) of each question for the patient
    unread: int  # criteria the engine could not read, among the unknown


def _nothing(_values: Sequence[Hashable]) -> Hashable:
    return ()


def _verdict(failing: int, unknown: int) -> Verdict:
    """``verdict_of`` from the counts of settled statuses."""
    return "not_eligible" if failing else "possibly_eligible" if unknown else "eligible"


def _joined(checks: list[Check]) -> list[set[int]]:
    """The checks the rules between criteria join (``settle``, and a twin's question in
    ``TrialMatch.asking``): every age limit together, a twin and its partner, the members of an alternative."""
    shape = Shape.of([c.constraint for c in checks])
    return [set(shape.age_limits), *(set(pair) for pair in shape.twin_pairs), *(set(m) for m in shape.alternatives)]


class TrialScreen:
    """A trial compiled to screen many patients (see the module's text).

    Checks that read the same facets form a group (every check on creatinine; every check that reads
    nothing of the patient), joined with the checks the rules between criteria tie to them: a patient costs
    one look-up per group."""

    def __init__(self, info: TrialInfo, constraints: list[Constraint], vocab: Vocabulary | None = None) -> None:
        self.info = info
        self.vocab = vocab or vocabulary()
        self._constraints = constraints
        checks = trial_checks(info, constraints, self.vocab)  # in the words of the language compiled in
        self._checks_in = {language_key(): checks}  # the record's limits are in words too: per language
        self._facets = sorted({f for c in checks for f in c.reads})
        self._read = facets_reader(self._facets)
        groups: list[set[int]] = []
        by_reads: dict[tuple[Facet, ...], set[int]] = {}
        for i, check in enumerate(checks):
            by_reads.setdefault(tuple(sorted(set(check.reads))), set()).add(i)
        for members in [*by_reads.values(), *_joined(checks)]:  # groups that share a check become one
            touching = [g for g in groups if g & members]
            merged = members.union(*touching)
            groups = [g for g in groups if not g & members] + [merged]
        self._groups = sorted((sorted(g) for g in groups if g), key=lambda g: g[0])  # check indexes, per group
        self._shapes = [Shape.of([checks[i].constraint for i in group]) for group in self._groups]
        self._count = len(checks)
        reads = [sorted({f for i in group for f in checks[i].reads}) for group in self._groups]
        self._keys: list[Callable[[Sequence[Hashable]], Hashable]] = [
            itemgetter(*(self._facets.index(f) for f in facets)) if facets else _nothing for facets in reads
        ]
        self._reset()

    def _reset(self) -> None:
        """Forget every value and answer (numbers start again, so must the answers kept under them)."""
        self._numbers: list[dict[Hashable, int]] = [{} for _ in self._facets]  # per facet: value -> number
        self._answers: dict[int, list[dict[Hashable, GroupAnswer]]] = {}  # per language, per group
        self._remembered = 0  # values numbered since the last reset (the answers grow with them)

    def _answered(self, facts: PatientFacts) -> list[GroupAnswer]:
        if self._remembered >= MEMO_LIMIT:  # between patients: a patient's numbers are all of one generation
            self._reset()
        language = language_key()
        memos = self._answers.get(language)
        if memos is None:
            memos = self._answers[language] = [{} for _ in self._groups]
        values: list[int] = []
        number_of = values.append
        for value, numbers in zip(self._read(facts), self._numbers, strict=True):
            number = numbers.get(value)
            if number is None:  # a small number for the value: a long tuple is hashed once, not once per check
                number = numbers[value] = len(numbers)
                self._remembered += 1
            number_of(number)
        answered: list[GroupAnswer] = []
        answer = answered.append
        for g, (key_of, memo) in enumerate(zip(self._keys, memos, strict=True)):
            key = key_of(values)
            found = memo.get(key)
            if found is None:
                found = memo[key] = self._evaluate(g, facts, language)
            answer(found)
        return answered

    def _evaluate(self, group: int, facts: PatientFacts, language: int) -> GroupAnswer:
        """The group's answers for this patient, settled, and what a row says of them (``decide`` on the
        group's results alone: the rules between criteria join no check outside it). The words are put only
        where a row shows them: where every check of the group says "met" or "not met" without them
        (``Check.status``) and, settled, nothing fails or stays open, none are made (``answers`` is None:
        ``explain`` evaluates the group again)."""
        checks = self._checks(language)
        members = self._groups[group]
        quick: list[Status] = []
        for i in members:
            status = checks[i].status
            found = None if status is None else status(facts)
            if found is None:
                break
            quick.append(found)
        else:
            settle(quick, self._shapes[group])
            if "not_met" not in quick and "unknown" not in quick:
                return GroupAnswer(None, tuple(quick), 0, 0, (), (), 0)
        answers = self._answers_of(group, facts, language)
        settled: list[Status] = ["not_applicable" if a is None else a[1] for a in answers]
        settle(settled, self._shapes[group])
        if "not_met" not in settled and "unknown" not in settled:  # nothing for a row to say: no words to put
            return GroupAnswer(answers, tuple(settled), 0, 0, (), (), 0)
        present = [(i, a) for i, a in zip(members, answers, strict=True) if a is not None]
        results = [CriterionResult(*a) for _i, a in present]
        place = {id(r): i for r, (i, _a) in zip(results, present, strict=True)}  # a result's check
        match = decide(self.info, results)
        return GroupAnswer(
            answers,
            tuple(settled),
            settled.count("unknown"),
            settled.count("not_met"),
            tuple((place[id(r)], r.explanation) for r in match.failing),
            tuple((place[id(r)], r.question) for r in match.asking("patient")),  # type: ignore[misc]
            len(match.unread),
        )

    def _checks(self, language: int) -> list[Check]:
        """The trial's checks in the words of ``language`` (compiled the first time it is asked)."""
        checks = self._checks_in.get(language)
        if checks is None:
            checks = self._checks_in[language] = trial_checks(self.info, self._constraints, self.vocab)
        return checks

    def _answers_of(self, group: int, facts: PatientFacts, language: int) -> tuple[Answer, ...]:
        """The group's checks evaluated for the patient, with their words, in the group's order."""
        checks = self._checks(language)
        answers: list[Answer] = []
        for i in self._groups[group]:
            r = checks[i].evaluate(facts)
            answers.append(None if r is None else (r.constraint, r.status, r.explanation, r.question, r.answered_by))
        return tuple(answers)

    def _in_order(self, answered: list[GroupAnswer], facts: PatientFacts) -> list[Answer]:
        """The answers in the order of the trial's checks (a group's evaluated now if kept without words)."""
        ordered: list[Answer] = [None] * self._count
        language = language_key()
        for g, (members, answer) in enumerate(zip(self._groups, answered, strict=True)):
            items = answer.answers
            if items is None:
                items = self._answers_of(g, facts, language)
            for i, item in zip(members, items, strict=True):
                ordered[i] = item
        return ordered

    def screen(self, facts: PatientFacts) -> Screen:
        """The patient's verdict and counts, as ``match_trial`` gives them, without the words."""
        answered = self._answered(facts)
        unknown = failing = 0
        for a in answered:
            unknown += a.unknown
            failing += a.failing
        return Screen(self.info.nct_id, _verdict(failing, unknown), unknown, failing, False)

    @property
    def checks(self) -> list[Check]:
        """What the verdict checks, in the trial's order (in the words of the language compiled in)."""
        return next(iter(self._checks_in.values()))

    def settled(self, facts: PatientFacts) -> tuple[Status, ...]:
        """Each check's status for the patient once the rules between criteria are applied, in the order of
        ``checks`` ("not_applicable" where a check does not apply): what a feasibility report counts."""
        ordered: list[Status] = ["not_applicable"] * self._count
        for members, answer in zip(self._groups, self._answered(facts), strict=True):
            for i, status in zip(members, answer.settled, strict=True):
                ordered[i] = status
        return tuple(ordered)

    def explain(self, facts: PatientFacts) -> TrialMatch:
        """The full match with its evidence in words: what ``match_trial`` returns."""
        results = [CriterionResult(*a) for a in self._in_order(self._answered(facts), facts) if a is not None]
        return decide(self.info, results)

    def row(self, patient: Patient, facts: PatientFacts) -> PrescreenRow:
        """The patient's prescreen row: ``PrescreenRow.of(patient, explain(facts))``, from the groups' words
        (failing criteria and questions in the trial's order, each question once)."""
        failing: list[tuple[int, str]] = []
        asked: list[tuple[int, str]] = []
        unknown = not_met = unread = 0
        for a in self._answered(facts):
            if a.failing_words:
                failing += a.failing_words
            if a.asked:
                asked += a.asked
            unknown += a.unknown
            not_met += a.failing
            unread += a.unread
        if len(failing) > 1:
            failing.sort()
        if len(asked) > 1:
            asked.sort()
        questions = list(dict.fromkeys(q for _i, q in asked))
        return PrescreenRow(
            patient.id,
            self.info.nct_id,
            _verdict(not_met, unknown),
            " | ".join(w for _i, w in failing),
            len(questions) + unread,
            " | ".join(questions),
        )


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
    many. They return to the collector's care afterwards. New objects are collected as usual, the youngest
    after 20,000 allocations rather than 700: a patient's objects are freed when the patient is done (no
    cycles), so a pass over the young finds little to collect and costs the time of the objects it walks."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
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
