"""Score the criteria engine.

1. On ``gold/seed-criteria.json`` with the rules of ``gold/README.md``: numeric precision and recall
   (comparator, value and unit agree after normalisation, quantity or code contains an alias, spans
   overlap; polarity normalised; thresholds matching optional gold items left out), concept recall
   (same polarity, concept contains an accepted name, spans overlap) and window agreement.
2. On the Leaf Clinical Trials corpus (brat): every ``Eq-Comparison`` with a value is a gold numeric
   threshold, except time amounts on anything but age and life expectancy (windows and durations, which
   the gold README keeps out of numeric scoring on both sides); a system threshold matches it when the
   spans overlap and the value is the annotated value (or the range's second value; decimal commas read
   as points).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trialscope.criteria.engine import parse_criteria
from trialscope.criteria.model import DAYS_PER_UNIT, NEGATED, Constraint
from trialscope.model.study import parse_study


@dataclass(slots=True)
class Score:
    matched: int = 0
    system: int = 0
    gold: int = 0
    gold_matched: int | None = None  # when one gold item may match several system items (a range)

    @property
    def precision(self) -> float:
        return self.matched / self.system if self.system else 1.0

    @property
    def recall(self) -> float:
        hits = self.matched if self.gold_matched is None else self.gold_matched
        return hits / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        self.matched += other.matched
        self.system += other.system
        self.gold += other.gold
        if other.gold_matched is not None:
            self.gold_matched = (self.gold_matched or 0) + other.gold_matched


@dataclass(slots=True)
class GoldReport:
    numeric: Score = field(default_factory=Score)
    concepts: Score = field(default_factory=Score)
    concepts_by_category: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    windows_agree: int = 0
    windows_total: int = 0
    per_trial: dict[str, dict[str, Score]] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)


def normalise_unit(unit: str | None) -> str:
    unit = (unit or "").lower().replace("µ", "u").replace("μ", "u").replace(" ", "")
    return "xuln" if re.fullmatch(r"[x×*]?(?:uln|upperlimitofnormal|timesuln)", unit) else unit


def _as_include(polarity: str, comparator: str | None) -> tuple[str, str | None]:
    if polarity == "exclude" and comparator in NEGATED:
        return "include", NEGATED[comparator]
    return polarity, comparator


def _overlap(a: tuple[int, int] | list[int] | None, b: tuple[int, int] | list[int] | None) -> bool:
    return bool(a and b and a[0] < b[1] and b[0] < a[1])


def _numeric_matches(system: Constraint, gold: dict[str, Any]) -> bool:
    s_pol, s_cmp = _as_include(system.polarity, system.comparator)
    g_pol, g_cmp = _as_include(gold["polarity"], gold["comparator"])
    if (s_pol, s_cmp) != (g_pol, g_cmp) or system.value is None:
        return False
    if abs(system.value - float(gold["value"])) > 1e-9 or normalise_unit(system.unit) != normalise_unit(gold["unit"]):
        return False
    names = f"{system.quantity or ''} {system.code or ''}".lower()
    if not any(alias.lower() in names for alias in gold["aliases"]):
        return False
    return _overlap(system.span, gold["anchor_span"])


def _scored_numeric(constraints: list[Constraint]) -> list[Constraint]:
    """Numeric constraints that count: time units only for age and life expectancy."""
    return [
        c
        for c in constraints
        if c.kind == "numeric"
        and not c.implicit
        and (c.unit not in ("hours", "days", "weeks", "months", "years") or c.quantity in ("age", "life expectancy"))
    ]


def evaluate_gold(gold_path: Path, seed_dir: Path) -> GoldReport:
    report = GoldReport()
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    for trial in gold["trials"]:
        record = json.loads((seed_dir / f"{trial['nct_id']}.json").read_text(encoding="utf-8"))
        study = parse_study(record)
        text = study.protocol_section.eligibility_module.eligibility_criteria or ""
        parsed = parse_criteria(text, study)
        numeric = _scored_numeric(parsed.constraints)
        used: set[str] = set()
        optional_hits: set[str] = set()
        trial_numeric = Score()
        for item in trial["numeric"]:
            match = next((c for c in numeric if c.id not in used and _numeric_matches(c, item)), None)
            if item.get("optional"):
                if match is not None:
                    used.add(match.id)
                    optional_hits.add(match.id)
                continue
            trial_numeric.gold += 1
            if match is not None:
                used.add(match.id)
                trial_numeric.matched += 1
            else:
                report.misses.append(
                    f"{trial['nct_id']} numeric: {item['anchor']!r} ({item['quantity']} "
                    f"{item['comparator']} {item['value']} {item['unit']})"
                )
        trial_numeric.system = len([c for c in numeric if c.id not in optional_hits])
        for c in numeric:
            if c.id not in used:
                report.false_positives.append(
                    f"{trial['nct_id']}: {c.polarity} {c.quantity} {c.comparator} {c.value:g} {c.unit} from {c.text!r}"
                )
        trial_concepts = Score()
        for item in trial["concepts"]:
            trial_concepts.gold += 1
            report.concepts_by_category[item["category"]].gold += 1
            candidates = [
                c
                for c in parsed.constraints
                if c.polarity == item["polarity"]
                and _overlap(c.span, item["anchor_span"])
                and any(n.lower() in (c.concept or c.quantity or "").lower() for n in item["any_of"])
            ]
            if not candidates:
                report.misses.append(
                    f"{trial['nct_id']} concept: {item['polarity']} {item['any_of'][0]} at {item['anchor']!r}"
                )
                continue
            trial_concepts.matched += 1
            report.concepts_by_category[item["category"]].matched += 1
            if item.get("within"):
                report.windows_total += 1
                gold_days = float(item["within"]["value"]) * DAYS_PER_UNIT[item["within"]["unit"]]
                if any(c.within and abs(c.within.days - gold_days) <= 0.1 * gold_days for c in candidates):
                    report.windows_agree += 1
        report.numeric.add(trial_numeric)
        report.concepts.add(trial_concepts)
        report.per_trial[trial["nct_id"]] = {"numeric": trial_numeric, "concepts": trial_concepts}
    return report


# --- LCT (brat) -------------------------------------------------------------------------------------------
@dataclass(slots=True)
class LctReport:
    numeric: Score = field(default_factory=Score)
    documents: int = 0
    examples_missed: list[str] = field(default_factory=list)
    examples_extra: list[str] = field(default_factory=list)
    by_category: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))  # what the threshold is on


def _lct_gold(ann: str) -> list[tuple[tuple[int, int], set[float], str]]:
    """(comparison span, accepted values, category) per gold threshold. The category is what the annotators
    say the comparison is about: the kind of the event that refers to it, and the role when it is not a plain
    numeric filter ('Age', 'Observation', 'Condition stage', 'Drug dose')."""
    spans: dict[str, tuple[int, int, str]] = {}
    events: dict[str, dict[str, str]] = {}
    for line in ann.splitlines():
        parts = line.split("\t")
        if line.startswith("T") and len(parts) >= 3:
            kind_span = parts[1].split(" ")
            try:
                spans[parts[0]] = (int(kind_span[1]), int(kind_span[-1]), parts[2])
            except (ValueError, IndexError):
                continue
        elif line.startswith("E") and len(parts) >= 2:
            roles: dict[str, str] = {}
            for pair in parts[1].split():
                if ":" not in pair:
                    continue
                name, target = pair.split(":", 1)
                while name in roles:  # brat may repeat a role (Value:T7 Value:T8): keep every one
                    name += "+"
                roles[name] = target
            events[parts[0]] = roles
    windows = {role for roles in events.values() for name, role in roles.items() if name.startswith("Temporality")}
    filtered_by: dict[str, list[str]] = defaultdict(list)  # comparison -> text of what it filters
    for roles in events.values():
        for name, role in roles.items():
            if name.startswith("Numeric-Filter"):
                kind, entity = next(iter(roles.items()))
                filtered_by[role].append(f"{kind} {spans.get(entity, (0, 0, ''))[2]}")

    def is_duration(event_id: str, roles: dict[str, str]) -> bool:
        """A time amount on anything but age or life expectancy: a window, kept out of numeric scoring."""
        if not any(name.startswith("Temporal-Unit") for name in roles):
            return False
        return not any(re.search(r"(?i)^Age|life\s+expectancy|surviv", t) for t in filtered_by.get(event_id, []))

    comparisons = [
        e for e, roles in events.items() if "Eq-Comparison" in roles and e not in windows and not is_duration(e, roles)
    ]
    category: dict[str, str] = {}
    for roles in events.values():
        kind = next(iter(roles), "")
        for name, role in list(roles.items())[1:]:
            if role in events:
                plain = name.rstrip("+0123456789")
                category.setdefault(role, kind if plain == "Numeric-Filter" else f"{kind} {plain.lower()}")
    gold = []
    for event_id in comparisons:
        roles = events[event_id]
        comparison = spans.get(roles.get("Eq-Comparison", ""))
        if comparison is None:
            continue
        values = set()
        for role in [r for r in roles if r.startswith("Value")]:
            value = spans.get(roles[role])
            if value:
                raw = value[2].strip()
                raw = raw.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", raw) else raw.replace(",", "")
                number = re.match(r"\d+(?:\.\d+)?", raw)
                if number:
                    values.add(float(number.group(0)))
        if values:
            gold.append(((comparison[0], comparison[1]), values, category.get(event_id, "other")))
    return gold


def evaluate_lct(folder: Path, limit: int | None = None) -> LctReport:
    report = LctReport()
    files = sorted(folder.rglob("*.ann"))[:limit] if limit else sorted(folder.rglob("*.ann"))
    for ann_path in files:
        text_path = ann_path.with_suffix(".txt")
        if not text_path.exists():
            continue
        text = text_path.read_text(encoding="utf-8")
        gold = _lct_gold(ann_path.read_text(encoding="utf-8"))
        system = _scored_numeric(parse_criteria(text).constraints)
        report.documents += 1
        report.numeric.gold += len(gold)
        report.numeric.system += len(system)
        capacity = {index: len(values) for index, (_, values, _kind) in enumerate(gold)}
        for c in system:
            hit = next(
                (
                    i
                    for i, (span, values, _kind) in enumerate(gold)
                    if capacity[i] > 0 and _overlap(c.span, span) and c.value in values
                ),
                None,
            )
            if hit is None:
                if len(report.examples_extra) < 40:
                    report.examples_extra.append(
                        f"{ann_path.stem}: {c.quantity} {c.comparator} {c.value:g} {c.unit} <- {c.text!r}"
                    )
                continue
            capacity[hit] -= 1
            report.numeric.matched += 1
        hit_gold = sum(1 for i, (_, values, _kind) in enumerate(gold) if capacity[i] < len(values))
        report.numeric.gold_matched = (report.numeric.gold_matched or 0) + hit_gold
        for i, (span, values, kind) in enumerate(gold):
            report.by_category[kind].gold += 1
            if capacity[i] < len(values):
                report.by_category[kind].matched += 1
            elif len(report.examples_missed) < 40:
                report.examples_missed.append(f"{ann_path.stem}: {text[span[0] : span[1]]!r} values {sorted(values)}")
    return report


def format_score(name: str, score: Score, *, recall_only: bool = False) -> str:
    if recall_only:
        return f"{name:<28} recall {score.recall:.3f}  ({score.matched}/{score.gold})"
    return (
        f"{name:<28} precision {score.precision:.3f}  recall {score.recall:.3f}  F1 {score.f1:.3f}  "
        f"(matched {score.matched}, system {score.system}, gold {score.gold})"
    )


def iter_lines(report: GoldReport, lct: LctReport | None, verbose: bool) -> Iterable[str]:
    yield "Seed gold (../shared/gold/seed-criteria.json)"
    yield "  " + format_score("numeric", report.numeric)
    yield "  " + format_score("concepts (all)", report.concepts, recall_only=True)
    for category, score in sorted(report.concepts_by_category.items()):
        yield "  " + format_score(f"  {category}", score, recall_only=True)
    yield f"  time windows agreeing (within 10%): {report.windows_agree}/{report.windows_total}"
    for nct_id, scores in report.per_trial.items():
        yield (
            f"    {nct_id}: numeric P {scores['numeric'].precision:.2f} R {scores['numeric'].recall:.2f}; "
            f"concept recall {scores['concepts'].recall:.2f}"
        )
    if verbose:
        yield "  missed:"
        yield from (f"    {m}" for m in report.misses)
        yield "  numeric not in gold:"
        yield from (f"    {m}" for m in report.false_positives)
    if lct is not None:
        yield f"LCT corpus ({lct.documents} annotated trials)"
        yield "  " + format_score("numeric thresholds", lct.numeric)
        yield "  misses by what the threshold is on (LCT's own annotation), most first:"
        ranked = sorted(lct.by_category.items(), key=lambda kv: kv[1].matched - kv[1].gold)
        for kind, score in ranked:
            if score.gold > score.matched:
                missed = score.gold - score.matched
                yield f"    {kind:<26} missed {missed:>4} of {score.gold:>4} (recall {score.recall:.3f})"
        if verbose:
            yield "  examples missed:"
            yield from (f"    {m}" for m in lct.examples_missed)
            yield "  examples not annotated:"
            yield from (f"    {m}" for m in lct.examples_extra)
