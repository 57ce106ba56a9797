"""The criteria engine: eligibility text -> structured, computable constraints.

``parse_criteria(text, study=None)`` segments the text into items, extracts numeric thresholds and
concepts from each item, marks what is administrative (consent, investigator judgement) and keeps as
``unparsed`` every item where nothing was understood, with the reason. Given the study record, it also
adds the trial's target antigen as an implicit inclusion when the text does not state it, and notes
where the text and the record's structured fields disagree. It never raises on any text.
"""

from __future__ import annotations

import re

from trialscope.criteria.concepts import ConceptMatch, extract_concepts
from trialscope.criteria.model import Constraint, ParsedCriteria, Polarity
from trialscope.criteria.numeric import NumericMatch, extract_numeric
from trialscope.criteria.segment import Item, segment
from trialscope.criteria.targets import trial_targets
from trialscope.criteria.text import normalise
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.study import Study, age_in_years

_STATUS_DEFINITION = re.compile(
    r"(?i)(?:defined\s+as|definition|meeting\s+(?:at\s+least\s+)?one|one\s+of\s+the\s+following|any\s+of\s+the\s+following|"
    r"following\s+conditions|at\s+least\s+one\s+criterion|:\s*$)"
)


def _polarity(item: Item) -> Polarity:
    return "include" if item.section == "inclusion" else "exclude"


def _defines_status(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """'Relapsed AML: Defined as ...', 'Refractory AML (meeting at least one criterion): ...'."""
    own = norm[item.start : item.end]
    if not _STATUS_DEFINITION.search(own[:160]):
        return False
    return any(vocab.concepts[m.key].category == "disease_status" for m in vocab.concept_matcher.finditer(own[:80]))


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.constraints: list[Constraint] = []

    def add(self, **fields: object) -> Constraint:
        constraint = Constraint(id=f"c{len(self.constraints) + 1}", **fields)  # type: ignore[arg-type]
        self.constraints.append(constraint)
        return constraint


def _add_numeric(builder: _Builder, item: Item, matches: list[NumericMatch], definitional: bool) -> None:
    polarity = _polarity(item)
    ids: list[str] = []
    # Alternatives are different threshold expressions joined by "or"; the bounds of one range ("18-75") and
    # coordinated quantities ("ALT and AST ≤ 3 × ULN") come from one expression and must all hold.
    expressions: dict[int, set[tuple[int, int]]] = {}
    for m in matches:
        if m.twin_of_index is None:
            expressions.setdefault(m.group, set()).add((m.start, m.end))
    for m in matches:
        alternatives = polarity == "include" and len(expressions.get(m.group, ())) > 1
        constraint = builder.add(
            kind="numeric",
            polarity=polarity,
            item=item.index,
            start=m.start,
            end=m.end,
            text=builder.text[m.start : m.end],
            quantity=m.quantity.key,
            code=m.quantity.code,
            comparator=m.comparator,
            value=m.value,
            unit=m.unit,
            method=m.method,
            any_of_group=f"g{item.index}.{m.group}" if alternatives else None,
            twin_of=ids[m.twin_of_index] if m.twin_of_index is not None and m.twin_of_index < len(ids) else None,
            definitional=definitional,
        )
        ids.append(constraint.id)


def _add_concepts(builder: _Builder, item: Item, matches: list[ConceptMatch], definitional: bool) -> None:
    status_group = f"s{item.index}"
    statuses = [m for m in matches if m.category == "disease_status" and m.polarity == "include"]
    for m in matches:
        administrative = m.category == "administrative"
        builder.add(
            kind="administrative" if administrative else "concept",
            polarity=m.polarity,
            item=item.index,
            start=m.start,
            end=m.end,
            text=builder.text[m.start : m.end],
            category=m.category,
            concept=m.key,
            within=m.within,
            exceptions=m.exceptions,
            evaluable=not administrative,
            any_of_group=status_group if (m in statuses and len(statuses) > 1) else None,
            definitional=definitional,
        )


def _record_notes(constraints: list[Constraint], study: Study) -> list[str]:
    """Where the criteria text and the record's structured eligibility fields disagree."""
    notes = []
    eligibility = study.protocol_section.eligibility_module
    text_ages = [c for c in constraints if c.kind == "numeric" and c.quantity == "age" and c.polarity == "include"]
    for label, field_value, comparators in (
        ("minimum", eligibility.minimum_age, (">=", ">")),
        ("maximum", eligibility.maximum_age, ("<=", "<")),
    ):
        stated = [c for c in text_ages if c.comparator in comparators]
        record_years = age_in_years(field_value)
        for c in stated:
            if record_years is None:
                notes.append(
                    f"the criteria text gives a {label} age ({c.text.strip()}) but the record states no {label} age"
                )
            elif c.value is not None and abs(c.value - record_years) >= 1:
                notes.append(
                    f"the criteria text says age {c.comparator} {c.value:g} years but the record's {label} age is "
                    f"{field_value}: ask the study team which applies"
                )
    return notes


def parse_criteria(text: str | None, study: Study | None = None) -> ParsedCriteria:
    text = text or ""
    vocab = vocabulary()
    norm = normalise(text)
    items = segment(text)
    builder = _Builder(text)
    definitional_items: set[int] = set()
    for item in items:
        if item.parent is not None and item.parent in definitional_items:
            definitional_items.add(item.index)
        elif _defines_status(item, norm, vocab):
            definitional_items.add(item.index)
            definitional_items.update(item.children)
    for item in items:
        definitional = item.index in definitional_items
        before = len(builder.constraints)
        _add_numeric(builder, item, extract_numeric(norm, item.start, item.end, vocab), definitional)
        _add_concepts(builder, item, extract_concepts(norm, item.start, item.end, vocab, _polarity(item)), definitional)
        if len(builder.constraints) == before and not (item.children and item.text.rstrip().endswith(":")):
            builder.add(
                kind="unparsed",
                polarity=_polarity(item),
                item=item.index,
                start=item.start,
                end=item.end,
                text=item.text,
                reason="no recognised threshold or clinical concept: kept as free text to read",
                evaluable=True,
            )
    notes: list[str] = []
    if study is not None:
        stated = {c.concept for c in builder.constraints if c.category == "biomarker" and c.polarity == "include"}
        for target in trial_targets(study, vocab):
            if target not in stated:
                builder.add(
                    kind="concept",
                    polarity="include",
                    item=None,
                    start=None,
                    end=None,
                    text=f"{target}-positive disease (the therapy targets {target})",
                    category="biomarker",
                    concept=target,
                    implicit=True,
                    source="the trial's targeted therapy (interventions and title)",
                )
        notes = _record_notes(builder.constraints, study)
    return ParsedCriteria(text=text, items=items, constraints=builder.constraints, notes=notes)
