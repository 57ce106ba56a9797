"""The criteria engine: eligibility text -> structured, computable constraints.

``parse_criteria(text, study=None)`` segments the text into items, extracts numeric thresholds and
concepts from each item, marks what is administrative (consent, investigator judgement) and keeps as
``unparsed`` every item where nothing was understood, with the reason. Given the study record, it also
adds the trial's target antigen as an implicit inclusion when the text does not state it, and notes
where the text and the record's structured fields disagree. It never raises on any text.
"""

from __future__ import annotations

import re

from trialscope.criteria.concepts import ConceptMatch, definition_spans, extract_concepts
from trialscope.criteria.cues import cues
from trialscope.criteria.model import Constraint, ParsedCriteria, Polarity
from trialscope.criteria.numeric import NumericMatch, extract_numeric
from trialscope.criteria.segment import Item, segment
from trialscope.criteria.targets import trial_targets
from trialscope.criteria.text import normalise
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.study import Study, age_in_years
from trialscope.presentation.labels import N_, age_words
from trialscope.translation import _, reading_in, translations

_STATUS_DEFINITION = re.compile(
    r"(?i)(?:defined\s+as|definition|meeting\s+(?:at\s+least\s+)?one|one\s+of\s+the\s+following|any\s+of\s+the\s+following|"
    r"following\s+conditions|at\s+least\s+one\s+criterion|:\s*$)"
)


def _polarity(item: Item) -> Polarity:
    return "include" if item.section == "inclusion" else "exclude"


def _defines_status(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """'Relapsed AML: Defined as ...', 'Refractory AML (meeting at least one criterion): ...'.

    A line that names a diagnosis and introduces sub-items ('Acute leukemia complex/refractory cases with
    poor response ...:' then '1) ... 2) ...') is a requirement whose sub-items define it: the line itself is
    not a definition (its sub-items are, through ``_status_heads``)."""
    own = norm[item.start : item.end]
    if not _STATUS_DEFINITION.search(own[:160]):
        return False
    named = [vocab.concepts[m.key] for m in vocab.concept_matcher.finditer(own[:80])]
    if item.children and own.rstrip().endswith(":") and any(c.primary_diagnosis for c in named):
        return False
    return any(c.category == "disease_status" for c in named)


def _status_head(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """A requirement line whose sub-items list the cases it covers: 'Acute leukemia complex/refractory
    cases ...: 1) no CR after 2 courses; 2) relapse within 6 months ...'. The sub-items are definitional."""
    own = norm[item.start : item.end]
    if not (item.children and own.rstrip().endswith(":")):
        return False
    named = [vocab.concepts[m.key] for m in vocab.concept_matcher.finditer(own)]
    return any(c.primary_diagnosis for c in named) and any(c.category == "disease_status" for c in named)


def _is_heading(item: Item) -> bool:
    """'Subjects with any of the following exclusion criteria were not eligible for this trial:'."""
    return bool(cues().heading.search(item.text)) or item.text.rstrip().endswith(":")


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.constraints: list[Constraint] = []

    def add(self, **fields: object) -> Constraint:
        constraint = Constraint(id=f"c{len(self.constraints) + 1}", **fields)  # type: ignore[arg-type]
        self.constraints.append(constraint)
        return constraint


Defines = list[tuple[int, int]]


def _inside(spans: Defines, start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def _add_numeric(
    builder: _Builder, item: Item, matches: list[NumericMatch], definitional: bool, defines: Defines
) -> None:
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
            definitional=definitional or _inside(defines, m.start),
        )
        ids.append(constraint.id)


def _add_concepts(
    builder: _Builder,
    item: Item,
    matches: list[ConceptMatch],
    definitional: bool,
    defines: Defines,
    vocab: Vocabulary,
) -> None:
    """One constraint per concept, polarity and window in an item: a concept named again ('hepatitis B
    (HBsAg positive) ... prehepatitis B infection') is the same requirement, reported once."""
    status_group = f"s{item.index}"
    statuses = [
        m
        for m in matches
        if m.category == "disease_status" and m.polarity == "include" and vocab.concepts[m.key].status_axis == "course"
    ]  # alternatives on one axis: 'relapsed/refractory de novo or secondary AML' needs R/R whatever its origin
    seen: dict[tuple[object, ...], Constraint] = {}
    for m in matches:
        administrative = m.category == "administrative"
        in_definition = definitional or _inside(defines, m.start)
        key = (m.key, m.polarity, m.within, in_definition)
        if key in seen:
            if m.exceptions:
                seen[key].exceptions += [e for e in m.exceptions if e not in seen[key].exceptions]
            continue
        seen[key] = builder.add(
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
            definitional=in_definition,
        )


def _accept_listed_cases(builder: _Builder, items: list[Item], head: int) -> None:
    """A requirement line's disease status accepts every status its listed cases name: 'complex/refractory
    cases: ... 2) recurrence within 6 months ...; 4) recurrent patients' takes relapsed disease too."""
    own = [
        c for c in builder.constraints if c.item == head and c.category == "disease_status" and c.polarity == "include"
    ]
    if not own:
        return
    group = own[0].any_of_group or f"s{head}"
    for c in own:
        c.any_of_group = group
    named = {c.concept for c in own}
    cases = set(items[head].children)
    for c in list(builder.constraints):
        if c.item in cases and c.category == "disease_status" and c.polarity == "include" and c.concept not in named:
            named.add(c.concept)
            builder.add(
                kind="concept",
                polarity="include",
                item=head,
                start=c.start,
                end=c.end,
                text=c.text,
                category="disease_status",
                concept=c.concept,
                any_of_group=group,
            )


def _name_counted_therapies(constraints: list[Constraint], vocab: Vocabulary) -> None:
    """'At least one course of systemic chemotherapy': a count of prior therapy names what it counts, the
    therapy stated right after the number (else the quantity's own default, e.g. lines of anticancer therapy)."""
    for c in constraints:
        quantity = vocab.quantities.get(c.quantity or "")
        if c.kind != "numeric" or quantity is None or quantity.kind != "count" or c.start is None:
            continue
        named = [
            t
            for t in constraints
            if t.item == c.item
            and t.category == "prior_therapy"
            and t.start is not None
            and 0 <= t.start - c.start <= 80
        ]
        c.concept = named[0].concept if named else quantity.counts


_NO_RECORD_AGE = {
    "minimum": N_("the criteria text gives a minimum age (%(text)s) but the record states no minimum age"),
    "maximum": N_("the criteria text gives a maximum age (%(text)s) but the record states no maximum age"),
}
_OTHER_RECORD_AGE = {
    "minimum": N_(
        "the criteria text says age %(comparator)s %(value)s years but the record's minimum age is %(record)s: "
        "ask the study team which applies"
    ),
    "maximum": N_(
        "the criteria text says age %(comparator)s %(value)s years but the record's maximum age is %(record)s: "
        "ask the study team which applies"
    ),
}


def record_notes(constraints: list[Constraint], study: Study) -> list[str]:
    """Where the criteria text and the record's structured eligibility fields disagree, in the reader's
    language (``parse_criteria`` keeps them in English, as the stored criteria hold them)."""
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
            if record_years is None or field_value is None:
                notes.append(_(_NO_RECORD_AGE[label], text=c.text.strip()))
            elif c.value is not None and abs(c.value - record_years) >= 1:
                notes.append(
                    _(
                        _OTHER_RECORD_AGE[label],
                        comparator=c.comparator,
                        value=f"{c.value:g}",
                        record=age_words(field_value),
                    )
                )
    return notes


def parse_criteria(text: str | None, study: Study | None = None) -> ParsedCriteria:
    text = text or ""
    vocab = vocabulary()
    norm = normalise(text)
    items = segment(text)
    builder = _Builder(text)
    definitional_items: set[int] = set()
    heads: set[int] = set()  # requirement lines whose sub-items list the cases they cover
    for item in items:
        if item.parent is not None and item.parent in definitional_items:
            definitional_items.add(item.index)
        elif _defines_status(item, norm, vocab):
            definitional_items.add(item.index)
            definitional_items.update(item.children)
        elif _status_head(item, norm, vocab):
            definitional_items.update(item.children)
            heads.add(item.index)
    for item in items:
        definitional = item.index in definitional_items
        defines = definition_spans(norm, item.start, item.end)
        before = len(builder.constraints)
        _add_numeric(builder, item, extract_numeric(norm, item.start, item.end, vocab), definitional, defines)
        concepts = extract_concepts(norm, item.start, item.end, vocab, _polarity(item), defines)
        _add_concepts(builder, item, concepts, definitional, defines, vocab)
        if len(builder.constraints) == before and not _is_heading(item):
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
    for head in heads:
        _accept_listed_cases(builder, items, head)
    _name_counted_therapies(builder.constraints, vocab)
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
        with reading_in(translations("en")):  # stored with the criteria, shown in each reader's language
            notes = record_notes(builder.constraints, study)
    return ParsedCriteria(text=text, items=items, constraints=builder.constraints, notes=notes)
