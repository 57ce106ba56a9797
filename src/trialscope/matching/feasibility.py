"""A feasibility count for a study team: how many of a site's patients could take part in a trial (or a
draft protocol), and which criteria stop the rest.

Every patient is screened (``prescreen.TrialScreen``); a criterion is an item of the criteria text (its
constraints together) or a limit the record states (age, sex, conditions). A patient fails a criterion
when one of its constraints is not met once the rules between criteria are applied, and is open on it
when one is unknown. The funnel removes, step by step, the criterion that excludes the most of the
patients still in. The questions that keep possibly eligible patients open are counted from their
explanations (built for those patients only).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from trialscope.criteria.describe import describe_all, describe_item
from trialscope.criteria.model import Constraint
from trialscope.criteria.segment import constraints_by_item, segment
from trialscope.matching.facts import patient_facts
from trialscope.matching.prescreen import MEMO_LIMIT, Prescreen, TrialScreen, heap_frozen, ranked
from trialscope.matching.verdict import Screen, verdict_of
from trialscope.patients.model import Patient


@dataclass(slots=True)
class CriterionCount:
    """One criterion, as registered and as understood, with how many patients it excludes or leaves open."""

    text: str
    section: str  # inclusion | exclusion | record
    understood: list[str]
    excluded: int = 0
    unknown: int = 0
    checks: list[int] = field(default_factory=list)  # indexes into the screen's checks


@dataclass(slots=True)
class Feasibility:
    trial: str
    title: str
    screened: int
    verdicts: Counter[str]
    criteria: list[CriterionCount]
    funnel: list[tuple[CriterionCount, int]]  # each step and the patients left after it
    questions: list[tuple[str, int]]  # what keeps possibly eligible patients open, most frequent first
    prescreen: Prescreen  # every patient's verdict, ranked as ``prescreen_patients`` ranks them

    @property
    def most_excluding(self) -> list[CriterionCount]:
        return sorted((c for c in self.criteria if c.excluded), key=lambda c: -c.excluded)

    @property
    def most_unknown(self) -> list[CriterionCount]:
        return sorted((c for c in self.criteria if c.unknown), key=lambda c: -c.unknown)


def _criteria(screen: TrialScreen, criteria_text: str) -> list[CriterionCount]:
    """The criteria the screen's checks belong to, in the order of the text, then the record's limits."""
    checks = screen.checks
    items = segment(criteria_text)
    by_item = constraints_by_item(items, [c.constraint for c in checks])
    position = {id(c.constraint): i for i, c in enumerate(checks)}
    found: list[CriterionCount] = []
    placed: set[int] = set()
    for item in items:
        members = by_item.get(item.index, [])
        if not members:
            continue
        readable: list[Constraint] = [c for c in members if c.kind != "unparsed"]
        count = CriterionCount(item.text, str(item.section), describe_item(readable) or ["(not read)"])
        count.checks = [position[id(c)] for c in members]
        placed.update(count.checks)
        found.append(count)
    for i, check in enumerate(checks):
        if i not in placed:
            c = check.constraint
            section = "record" if c.source is not None else c.polarity + "s"
            found.append(CriterionCount(c.text, section, describe_all([c]) or [c.text], checks=[i]))
    return found


def _bits(patients: list[int], count: int) -> int:
    """The set of patients as the bits of an integer (built at once: setting bits one by one is quadratic)."""
    bits = bytearray((count + 7) // 8)
    for n in patients:
        bits[n >> 3] |= 1 << (n & 7)
    return int.from_bytes(bits, "little")


def feasibility(
    screen: TrialScreen, patients: Iterable[Patient], *, criteria_text: str, trial: str, title: str
) -> Feasibility:
    """Screen every patient and count, criterion by criterion, who is excluded and who is left open. The
    patients' verdicts come with it (``Feasibility.prescreen``): a report needs no second screen."""
    criteria = _criteria(screen, criteria_text)
    vocab = screen.vocab
    failed: list[list[int]] = [[] for _ in criteria]  # per criterion: the patients who fail it
    verdicts: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    rows: list[tuple[Patient, Screen]] = []
    outcomes: dict[tuple[str, ...], tuple[Screen, tuple[int, ...], tuple[int, ...]]] = {}  # per settled statuses
    with heap_frozen():  # the population is alive throughout: keep it out of the collector's passes
        for n, patient in enumerate(patients):
            facts = patient_facts(patient, vocab)
            statuses = screen.settled(facts)
            outcome = outcomes.get(statuses)
            if outcome is None:
                if len(outcomes) >= MEMO_LIMIT:
                    outcomes.clear()
                fails, opens = [], []
                for k, criterion in enumerate(criteria):
                    mine = [statuses[i] for i in criterion.checks]
                    if "not_met" in mine:
                        fails.append(k)
                    elif "unknown" in mine:
                        opens.append(k)
                counts = (statuses.count("unknown"), statuses.count("not_met"))
                row = Screen(screen.info.nct_id, verdict_of(statuses), *counts, unchecked=False)
                outcome = outcomes[statuses] = (row, tuple(fails), tuple(opens))
            row, fails_k, opens_k = outcome
            verdict = row.verdict
            verdicts[verdict] += 1
            rows.append((patient, row))
            for k in fails_k:
                criteria[k].excluded += 1
                failed[k].append(n)
            for k in opens_k:
                criteria[k].unknown += 1
            if verdict == "possibly_eligible":
                match = screen.explain(facts)
                questions.update(match.questions + [f"(to read with the study team) {u}" for u in match.unread])
    screened = len(rows)
    excluded = [_bits(f, screened) for f in failed]  # per criterion: a bit per patient who fails it
    remaining = (1 << screened) - 1
    funnel: list[tuple[CriterionCount, int]] = []
    steps = set(range(len(criteria)))
    while steps:
        best = max(steps, key=lambda k: ((excluded[k] & remaining).bit_count(), -k))
        if not excluded[best] & remaining:
            break
        remaining &= ~excluded[best]
        funnel.append((criteria[best], remaining.bit_count()))
        steps.discard(best)
    prescreen = ranked(screen, rows)
    return Feasibility(trial, title, screened, verdicts, criteria, funnel, questions.most_common(), prescreen)
