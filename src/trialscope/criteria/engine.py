"""The criteria engine: eligibility text -> structured, computable constraints.

``parse_criteria(text, study=None)`` segments the text into items, extracts numeric thresholds and
concepts from each item, marks what is administrative (consent, investigator judgement) and keeps as
``unparsed`` every item where nothing was understood, with the reason. Given the study record, it also
adds the trial's target antigen as an implicit inclusion when the text does not state it, and notes
where the text and the record's structured fields disagree. It never raises on any text.

A parse is two steps: ``read_text`` (everything the text says on its own: nearly all the work) and
``with_record`` (what the record adds). Trials that share a criteria text can share its reading.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from trialscope.criteria.concepts import (
    CONTRAST,
    NEGATIVE_RESULT,
    ConceptMatch,
    construction_spans,
    definition_spans,
    exception_spans,
    extract_concepts,
    named_as_plan,
    named_as_purpose,
    negation_before,
    therapy_targets,
    window_spans,
)
from trialscope.criteria.cues import cues
from trialscope.criteria.model import NEGATED, Constraint, ParsedCriteria, Polarity
from trialscope.criteria.phrases import PhraseMatch, tokens
from trialscope.criteria.quantities import NumericMatch, extract_numeric, find_mentions
from trialscope.criteria.reading import (
    Leftover,
    LeftoverKind,
    Owner,
    assign,
    current_cues,
    kinds,
    leftover_words,
    leftovers,
    reading_rules,
)
from trialscope.criteria.segment import Item, segment
from trialscope.criteria.targets import trial_diseases, trial_targets
from trialscope.criteria.text import CLAUSE_BREAK, CLAUSE_OR_LABEL_BREAK, clause_bounds, normalise
from trialscope.criteria.thresholds import NOT_REACHED
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.age import age_in_years
from trialscope.model.study import Study
from trialscope.translation import N_, _, age_words, reading_in, translations

_STATUS_DEFINITION = re.compile(
    r"(?i)(?:defined\s+as|definition|meeting\s+(?:at\s+least\s+)?one|one\s+of\s+the\s+following|any\s+of\s+the\s+following|"
    r"following\s+conditions|at\s+least\s+one\s+criterion|:\s*$)"
)


# A short label before a colon and what follows it ("Relapsed disease: reappearance of blasts ..."): when the
# label names only a disease status, the line defines that status.
_STATUS_LABEL = re.compile(r"\s*(?:[-*•]\s*)?((?:[\w/'-]+\s+){0,3}[\w/'-]+)\s*:\s*\S")


def _polarity(item: Item) -> Polarity:
    return "include" if item.section == "inclusion" else "exclude"


# "Relapsed or refractory B-ALL (meet one of the following conditions)": a line leading into its cases
_LEADS_INTO_CASES = re.compile(r"(?i)\b(?:the\s+)?following(?:\s+\w+){0,2}\s*[)\]]?\s*[:.]?\s*$")


def _defines_status(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """'Relapsed AML: Defined as ...', 'Refractory AML (meeting at least one criterion): ...'.

    A line that names a diagnosis and introduces sub-items ('Acute leukemia complex/refractory cases with
    poor response ...:' then '1) ... 2) ...') is a requirement whose sub-items define it: the line itself is
    not a definition (its sub-items are, through ``_status_head``)."""
    own = norm[item.start : item.end]
    label = _STATUS_LABEL.match(own)
    if label is not None and not _names_a_group(label.group(1)):
        # "Refractory disease: failure to achieve CR after 2 cycles": the label is defined (not "FOR THE
        # TREATMENT-NAIVE GROUP ONLY: ...", which names whom the item is for)
        in_label = vocab.concept_matcher.finditer(norm, item.start, item.start + label.end(1))
        if in_label and all(vocab.concepts[m.key].category == "disease_status" for m in in_label):
            return True
    if not _STATUS_DEFINITION.search(own[:160]):
        return False
    found = vocab.concept_matcher.finditer(norm, item.start, min(item.end, item.start + 80))
    named = [vocab.concepts[m.key] for m in found]
    # a line that names the disease and leads into a list requires it (its sub-items, if any, define it)
    leads_in = own.rstrip().endswith(":") or bool(item.children) or _LEADS_INTO_CASES.search(own[-70:])
    if leads_in and any(c.primary_diagnosis for c in named):
        return False
    return any(
        vocab.concepts[m.key].category == "disease_status"
        and not _status_qualifies_other(norm, m, vocab, item.end)
        and not _REQUIRED_STATE.search(norm, item.start, m.start())
        for m in found
    )


# the words that make a status the item's requirement, not a term it defines ("Patients must be previously
# untreated and meet at least one of the following indications:")
_REQUIRED_STATE = re.compile(r"(?i)\b(?:must|should|shall|needs?\s+to|has\s+to|have\s+to)\s+(?:be|have)\s+(?:\w+\s+)?$")


def _keep_as_free_text(builder: _Builder, item: Item, why: str) -> None:
    """The item as an ``unparsed`` constraint: its text, to be read by a person, with why."""
    builder.add(
        kind="unparsed",
        polarity=_polarity(item),
        item=item.index,
        start=item.start,
        end=item.end,
        text=item.text,
        reason=f"{why}: kept as free text to read",
        evaluable=True,
    )


def _judged_with_content(builder: _Builder, before: int, item: Item, norm: str) -> None:
    """An item left to the investigator's judgement that also states something clinical ("evidence of active
    disease within 12 weeks, in the opinion of the investigator"; "urgent need for intervention for tumour
    mass effect, as judged by the investigator") is a clinical criterion the engine did not read: kept as
    text to read, so it is asked about rather than passed over as administrative."""
    own = builder.constraints[before:]
    if not own or any(c.kind != "administrative" for c in own):
        return
    placed = [(c.start, c.end) for c in own if c.start is not None and c.end is not None]
    content = [w for w in leftovers(norm, item.start, item.end, placed) if len(w.word) > 3]
    if len(content) >= 3:
        _keep_as_free_text(builder, item, "a clinical criterion left to the investigator's judgement")


def _defined_requirements(builder: _Builder, definers: list[Item], norm: str, vocab: Vocabulary) -> None:
    """A line that defines a status is usually beside the line that requires it ("Relapsed or refractory AML"
    then "Relapsed AML: defined as ..."). Where no line requires a status, the defining line is the
    requirement ("Chemotherapy-refractory disease, defined as ... OR ..."): the status it names before its
    definition stands, and the cases of the definition, not read, keep it from deciding either way."""
    if any(
        c.category == "disease_status" and c.polarity == "include" and not c.definitional for c in builder.constraints
    ):
        return
    for item in definers:
        cue = cues().definition.search(norm, item.start, item.end)
        if cue is None:
            continue
        head = next(
            (
                m
                for m in vocab.concept_matcher.finditer(norm, item.start, cue.start())
                if vocab.concepts[m.key].category == "disease_status"
            ),
            None,
        )
        if head is None:
            continue
        cases = " ".join(norm[cue.start() : item.end].split())
        builder.add(
            kind="concept",
            polarity="include",
            item=item.index,
            start=head.start(),
            end=head.end(),
            text=builder.text[head.start() : head.end()],
            category="disease_status",
            concept=head.key,
            # the cases may widen the status or narrow it ("refractory, defined as progression within 60 days"):
            # neither having the status nor lacking it settles the definition
            unsure="alternative,qualifier",
            leftover=cases if len(cases) <= 120 else cases[:117] + "...",
        )


def _doubt(c: Constraint, kind: str, words: str, *, first: bool = False) -> None:
    """Mark ``c`` unsure of ``kind`` (a class of leftover words, ``matching/evaluate.py``), naming ``words``
    after those it already names, or before them (``first``)."""
    c.unsure = ",".join(sorted({k for k in (c.unsure or "").split(",") if k} | {kind}))
    if not c.leftover:
        c.leftover = words
    else:
        c.leftover = f"{words} … {c.leftover}" if first else f"{c.leftover} … {words}"


def _doubt_once(c: Constraint, kind: str, words: str) -> None:
    """``_doubt``, naming ``words`` only when the constraint does not name them already."""
    if words in (c.leftover or ""):
        c.unsure = ",".join(sorted({k for k in (c.unsure or "").split(",") if k} | {kind}))
    else:
        _doubt(c, kind, words)


_ALL_OF_THE_FOLLOWING = re.compile(r"(?i)\b(?:all|each|every\s+one)\s+(?:of\s+)?the\s+following\b")


def _opens_with_a_disease(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """An item whose label, before its first colon, names a disease a trial is for ("Relapsed or refractory
    mantle cell lymphoma (MCL): ...")."""
    colon = norm.find(":", item.start, min(item.end, item.start + 120))
    if colon < 0:
        return False
    return any(vocab.concepts[m.key].primary_diagnosis for m in vocab.concept_matcher.finditer(norm, item.start, colon))


def _status_head(item: Item, norm: str, vocab: Vocabulary) -> bool:
    """A requirement line whose sub-items list the cases it covers: 'Acute leukemia complex/refractory
    cases ...: 1) no CR after 2 courses; 2) relapse within 6 months ...'. The sub-items are definitional."""
    own = norm[item.start : item.end]
    if not (item.children and own.rstrip().endswith(":")):
        return False
    if _ALL_OF_THE_FOLLOWING.search(own):  # "... must meet all of the following criteria:": requirements, not cases
        return False
    named = [vocab.concepts[m.key] for m in vocab.concept_matcher.finditer(own)]
    return any(c.primary_diagnosis for c in named) and any(c.category == "disease_status" for c in named)


def _is_heading(item: Item) -> bool:
    """'Subjects with any of the following exclusion criteria were not eligible for this trial:'."""
    return (
        bool(cues().heading.search(item.text))
        or item.text.rstrip().endswith(":")
        or (bool(item.children) and _TITLE_HEADING.fullmatch(item.text.strip()) is not None)
    )


class _Builder:
    def __init__(self, text: str, norm: str) -> None:
        self.text = text
        self.norm = norm  # the text normalised once (``normalise``): same offsets
        self.constraints: list[Constraint] = []
        self.made = 0
        self.mentions: dict[str, list[tuple[int, int]]] = {}  # constraint id -> where its concept is named
        self.conditions: dict[str, tuple[int, int]] = {}  # constraint id -> the span of the band it holds for
        # constraint id -> words that qualify it, found by a relation ("autoimmune disease requiring
        # immunosuppression": the therapy says which autoimmune disease)
        self.qualified: dict[str, list[tuple[int, int]]] = {}
        # constraint id -> a negation that turned an exclusion's mention into a requirement ("no pleural
        # effusion" in an exclusion): the reading cannot place it, so the constraint decides nothing
        self.turned: dict[str, tuple[int, int]] = {}
        # where a name was read as qualifying something else ("refractory" in "refractory hypertension"):
        # its words are not placed, so they stay as the other thing's qualifier
        self.unplaced: list[tuple[int, int]] = []
        # item index -> (its condition phrases, its permission sentences): see ``_set_aside``
        self.set_aside: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
        self.permitted: dict[int, bool] = {}  # item index -> its permission names what it lets in
        # item index -> what its exclusions exclude that its permission lets in again, narrowed by words not
        # read ("therapeutic doses of steroids ... replacement doses of steroids are allowed")
        self.permitted_again: dict[int, set[str]] = {}

    def add(self, **fields: object) -> Constraint:
        self.made += 1  # a constraint dropped later (a topic label, an age band) leaves its id unused
        constraint = Constraint(id=f"c{self.made}", **fields)  # type: ignore[arg-type]
        self.constraints.append(constraint)
        return constraint


Defines = list[tuple[int, int]]


def _inside(spans: Defines, start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def _negates_the_limit(norm: str, item_start: int, start: int) -> bool:
    """A negation right before a limit's quantity ("No NYHA class III or IV"), with nothing of another thing
    between them ("no CNS disease and ANC ≥ 1000": the negation is the disease's)."""
    negation = negation_before(norm, max(item_start, start - 80), start)
    return negation is not None and not re.search(r"(?i)[,;]|\b(?:and|with|but)\b", norm[negation[1] : start])


def _add_numeric(
    builder: _Builder, item: Item, matches: list[NumericMatch], definitional: bool, defines: Defines
) -> None:
    polarity = _polarity(item)
    ids: list[str] = []
    # Alternatives are different threshold expressions joined by "or", and one expression on several ways of
    # measuring one thing ("Karnofsky/Lansky ≥ 50"); the bounds of one range ("18-75") and coordinated
    # quantities ("ALT and AST ≤ 3 × ULN") come from one expression and must all hold.
    expressions: dict[int, set[tuple[int, int]]] = {}
    for m in matches:
        if m.twin_of_index is None:
            expressions.setdefault(m.group, set()).add((m.start, m.end))
    # "No NYHA class III or IV heart failure": an inclusion's limits that a negation right before them excludes
    flipped = {
        id(m) for m in matches if polarity == "include" and _negates_the_limit(builder.norm, item.start, m.start)
    }
    ranges = _exclusion_ranges(matches if polarity == "exclude" else [m for m in matches if id(m) in flipped])
    for m in matches:
        alternatives = polarity == "include" and (len(expressions.get(m.group, ())) > 1 or m.one_of)
        comparator, own_polarity, group = m.comparator, polarity, f"g{item.index}.{m.group}" if alternatives else None
        if id(m) in ranges:  # excluded inside a range = must be outside it: below the low bound or above the high
            comparator, own_polarity, group = NEGATED[m.comparator], "include", f"r{item.index}.{ranges[id(m)]}"
        elif polarity == "exclude" and _REQUIRED_HERE.search(
            re.split(r"[;.]\s", builder.text[max(item.start, m.start - 80) : m.start])[-1]
        ):
            own_polarity = "include"
        elif id(m) in flipped:
            own_polarity = "exclude"
        constraint = builder.add(
            kind="numeric",
            polarity=own_polarity,
            item=item.index,
            start=m.start,
            end=m.end,
            text=builder.text[m.start : m.end],
            quantity=m.quantity.key,
            code=m.quantity.code,
            comparator=comparator,
            value=m.value,
            unit=m.unit,
            method=m.method,
            sample=m.sample,
            any_of_group=group,
            twin_of=ids[m.twin_of_index] if m.twin_of_index is not None and m.twin_of_index < len(ids) else None,
            definitional=definitional or _inside(defines, m.start),
        )
        ids.append(constraint.id)
    _allowed_bounds(builder.constraints[len(builder.constraints) - len(ids) :])


def _allowed_bounds(own: list[Constraint]) -> None:
    """Two exclusion limits on one quantity that together leave no value free ("bilirubin > 1.5 × ULN (< 3 ×
    ULN in Gilbert's syndrome)") cannot both exclude: the later one is the bound some patients are allowed."""
    for n, later in enumerate(own):
        if later.polarity != "exclude" or later.value is None:
            continue
        for earlier in own[:n]:
            if (
                earlier.polarity != "exclude"
                or earlier.quantity != later.quantity
                or earlier.unit != later.unit
                or earlier.value is None
            ):
                continue
            above_then_below = earlier.comparator in (">", ">=") and later.comparator in ("<", "<=")
            below_then_above = earlier.comparator in ("<", "<=") and later.comparator in (">", ">=")
            if (above_then_below and later.value > earlier.value) or (below_then_above and later.value < earlier.value):
                later.polarity = "include"
                break


# A sentence of an exclusion that lets some patients in ("Exception: participants on heparin may be allowed if
# aPTT is between 1.5 and 2.5 x ULN"): what it names is not excluded, it narrows the exclusion.
# "Exception: ... may be allowed": a label that opens a permission (not one that closes a heading: "Prior
# malignancy with the following exceptions:" is the exclusion, its sub-items the exceptions)
_EXCEPTION_LABEL = re.compile(
    r"(?i)\b(?:exceptions?|exempt(?:ion)?s?)\s*:(?=\s*\S)|"
    # "... Excluded: patients with cured skin cancer": a label of the exceptions
    r"\b(?:excluded|excluding)\s*:(?=\s*(?:patients|subjects|participants|those|persons)\b)"
)
# Who a limit or a requirement is for ("in patients with Gilbert's syndrome", "for Gilbert syndrome patients",
# "if HBsAg positive"): the condition, not a requirement of its own.
_CONDITION_PHRASE = re.compile(
    r"(?i)\b(?:(?:in|for|among|of)\s+(?:those|patients?|subjects?|participants?|cases|individuals|women|men)\s+"
    r"(?:with|who\s+(?:have|has|are|had)|having|on|receiving|taking|in\s+whom)\b|\bin\s+whom\b|"
    r"for\s+(?:[\w'-]+\s+){1,3}(?:patients?|subjects?|participants?)\b|"
    r"(?:^|[(;,.]\s*)if\b|\bif\s+(?:due|related|attributable|secondary|caused)\b|"
    r"\bin\s+(?:the\s+)?(?:case|presence)\s+of\b|\bwhen\s+(?:there\s+is|due\s+to)\b|\bunless\b|"
    r"\bexcept\s+(?:for\s+|in\s+)?(?:those|patients?|subjects?|participants?)\s+(?:with|who|having)\b|"
    r"\b(?:such\s+as|as|or)\s+with\b|"  # "≤ 2.5 × ULN, such as with liver metastasis, ≤ 5 × ULN"
    # a cohort or an age group in brackets after a limit: "ECOG 0-1 (dose escalation phase)", "LVEF < 45% (adults)"
    r"(?<=\()(?=[^()]{0,40}\b(?:cohorts?|arms?|part|dose[- ]escalation|dose[- ]expansion|escalation|expansion|"
    r"adults?|children|child|paediatric|pediatric|adolescents?|infants?)\b)|"
    r"\bin\s+(?=(?:adults?|children|paediatric|pediatric|adolescents?|infants?)\b))"
    r"[^,;()\[\]]*"
)


_LIMIT_TO_CONDITION = re.compile(r"(?i)^[\s,;(]*(?:except|unless|but|other\s+than)?[\s,]*(?:for|in)?\s*$")


# Where a permission's own condition begins ("may participate if HBV DNA is undetectable").
_PERMISSION_CONDITION = re.compile(r"(?i)\b(?:if|provided(?:\s+that)?|as\s+long\s+as|unless|when)\b")


def _without_limited_names(
    norm: str, item: Item, numeric: list[NumericMatch], concepts: list[ConceptMatch], vocab: Vocabulary
) -> list[ConceptMatch]:
    """A concept named only by the name of a quantity the item puts a limit on ("HBV-DNA ≥ 1000 IU/mL": the
    limit, not any hepatitis B viraemia; "cumulative anthracycline dose > 400 mg/m2": not any anthracycline)
    is that limit, not a criterion of its own."""
    if not numeric or not concepts:
        return concepts
    limited = {m.quantity.key for m in numeric}
    names = [(m.start, m.end) for m in find_mentions(norm, item.start, item.end, vocab) if m.key in limited]
    for m in numeric:  # an amount named by the words before its threshold ("cumulative anthracycline dose")
        if m.quantity.key in vocab.quantities or m.unit in ("", "%"):  # "radiation to > 30% of the marrow": an extent
            continue
        at = norm.lower().rfind(m.quantity.key.lower(), item.start, m.start)
        if at >= 0:
            names.append((at, at + len(m.quantity.key)))
    return [
        c
        for c in concepts
        if not all(any(a <= start and end <= b for a, b in names) for start, end in (c.mentions or [(c.start, c.end)]))
    ]


def _right_after_a_limit(norm: str, position: int, numeric: list[NumericMatch]) -> bool:
    """Whether a phrase follows a limit with only "except", "unless", "but" and punctuation between."""
    return any(m.end <= position and _LIMIT_TO_CONDITION.match(norm[m.end : position]) for m in numeric)


# the people a requirement is put to, as the subject of its sentence: "Participants with a positive HCV
# antibody must have undetectable HCV RNA", "Patients who had a transplant should be off immunosuppression",
# "Subjects infected with hepatitis B must receive antiviral therapy"
_CONDITION_SUBJECT = re.compile(
    r"(?i)(?<![\w,])(?<![\w,]\s)(?:those|patients?|subjects?|participants?|individuals|women|men)\s+"
    r"(?:with|who\s+(?:have|has|are|had|were)|having|(?:who\s+are\s+)?(?:infected|diagnosed)\s+with|"
    r"(?:who\s+are\s+)?positive\s+for)\b[^,;()\[\]]*?"
    r"(?=\s+(?:must|should|shall|needs?\s+to|have\s+to|has\s+to|(?:is|are)\s+required\s+to)\b)"
)


# the same, narrowed by a relative clause: "Subjects with NHL who have received steroids in the last week" (only
# those with NHL are excluded for the steroids)
_CONDITION_SUBJECT_WHO = re.compile(
    r"(?i)(?<![\w,])(?<![\w,]\s)(?:those|patients?|subjects?|participants?|individuals)\s+with\s+[^,;()\[\]]{1,60}?"
    r"(?=\s+who\s+(?:have|has|had|are|were|is|received|receive|require|requires|required)\b)"
)


def condition_spans(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where an item says who something holds for ("(≤ 3 × ULN in patients with known Gilbert's syndrome)",
    "Participants with ... must ...")."""
    found = [(m.start(), m.end()) for m in _CONDITION_PHRASE.finditer(norm, start, end)]
    found += [(m.start(), m.end()) for m in _CONDITION_SUBJECT.finditer(norm, start, end) if m.end() > m.start()]
    found += [(m.start(), m.end()) for m in _CONDITION_SUBJECT_WHO.finditer(norm, start, end)]
    return sorted(found)


# after a limit, inside its brackets: "(≤ 3 × ULN for Gilbert's syndrome)", "(< 5 × ULN with liver metastases)"
_SUBGROUP_AFTER_LIMIT = re.compile(
    r"(?i)\s*(?:for|in|with)\s+(?:(?:patients?|subjects?|participants?|those)\s+with\s+)?"
)


def _limit_subgroups(
    norm: str, numeric: list[NumericMatch], concepts: list[ConceptMatch], item: Item
) -> list[tuple[int, int]]:
    """The patients a limit in brackets is for, named by a condition right after it: "bilirubin ≤ 1.5 × ULN (≤ 3
    × ULN for Gilbert's syndrome)" is the looser limit for those patients, not a requirement to have it."""
    found: list[tuple[int, int]] = []
    for m in numeric:
        opened = norm.rfind("(", item.start, m.start)
        if opened < 0 or ")" in norm[opened : m.start]:
            continue
        closed = norm.find(")", m.end, item.end)
        cue = _SUBGROUP_AFTER_LIMIT.match(norm, m.end, closed if closed >= 0 else item.end)
        if cue is None or closed < 0:
            continue
        if any(c.category == "condition" and cue.end() <= c.start < closed for c in concepts):
            found.append((cue.start(), closed))
    return found


# a virus written as a mark of the tumour: "EBV(+) malignancy", "HPV-associated cancer", "HTLV-1-related leukaemia"
_TUMOUR_FEATURE = re.compile(
    r"(?i)\s*(?:\(\s*\+\s*\)|\+|-?\s*positive|-?\s*associated|-?\s*related|-?\s*driven|-?\s*induced)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:malignan\w*|lymphomas?|tumou?rs?|cancers?|carcinomas?|neoplasms?|neoplasia|"
    r"leuka?emias?|lymphoproliferative|PTLD|sarcomas?)\b"
)


def _without_kind_heads(norm: str, concepts: list[ConceptMatch], vocab: Vocabulary) -> list[ConceptMatch]:
    """A kind's name right after a member of it names that member again ("hepatitis B or C viral infection": the
    viral infection is the hepatitis, not any viral infection): one mention of the member, not another thing."""
    kept = []
    for m in concepts:
        member = next(
            (
                o
                for o in concepts
                if o is not m
                and o.end <= m.start
                and not norm[o.end : m.start].strip()
                and m.key != o.key
                and (
                    m.key in vocab.concept_ancestors(o.key)
                    or (  # a named virus, then "viral infection": the hierarchy keeps them apart (a resolved
                        # hepatitis is no active infection), the words do not
                        m.category == o.category == "infection" and "active infection" in vocab.concept_ancestors(m.key)
                    )
                )
            ),
            None,
        )
        if member is not None and m.polarity == member.polarity:
            member.mentions = [*(member.mentions or [(member.start, member.end)]), (m.start, m.end)]
            member.end = max(member.end, m.end)
            continue
        kept.append(m)
    return kept


def _without_tumour_features(
    builder: _Builder, norm: str, item: Item, concepts: list[ConceptMatch], vocab: Vocabulary
) -> list[ConceptMatch]:
    """A virus written as a mark of the tumour ("EBV(+) lymphoma") is no infection of the patient's: it is
    dropped, and its words are left over, as they narrow the disease."""
    kept = []
    for m in concepts:
        if m.category == "infection" and _TUMOUR_FEATURE.match(norm, m.end, item.end):
            builder.unplaced += list(m.mentions or [(m.start, m.end)])
            continue
        kept.append(m)
    return kept


def _set_aside(
    builder: _Builder, item: Item, norm: str, numeric: list[NumericMatch], concepts: list[ConceptMatch]
) -> tuple[list[NumericMatch], list[ConceptMatch]]:
    """What an item names only to say who something holds for, or who is let in despite it, is not a
    requirement: a concept inside a condition ("in patients with Gilbert's syndrome") and everything inside an
    exclusion's permission ("Exception: ... may be allowed if aPTT is between 1.5 and 2.5 × ULN"). Their words
    are remembered: a limit right before a condition holds only under it; a permission narrows the exclusion."""
    excepted = exception_spans(norm, item.start, item.end)
    conditions = [
        (a, b)
        for a, b in condition_spans(norm, item.start, item.end)
        if not any(a < v and u < b for u, v in excepted) or _right_after_a_limit(norm, a, numeric)
    ]  # "except for the patients receiving inhaled steroids" is an exception, not a condition; but after a
    # limit ("bilirubin < 1.5 × ULN, except in subjects with Gilbert's syndrome") it says whom the limit spares
    conditions += _limit_subgroups(norm, numeric, concepts, item)
    permissions: list[tuple[int, int]] = []
    for n, (a, b) in enumerate(clause_bounds(norm, item.start, item.end)):
        if item.section == "exclusion":
            allowed = cues().permission.search(norm, a, b) or _EXCEPTION_LABEL.search(norm, a, b)
        else:  # "Creatinine ≤ 2 mg/dL. Patients with renal infiltration may be eligible ...": others let in too;
            # a first clause only with no limit of its own ("Patients may have had a prior autologous SCT; ...")
            first_limit = n == 0 and any(a <= m.start < b for m in numeric)
            allowed = None if first_limit else cues().permission.search(norm, a, b)
        if allowed:
            # "Known CNS metastases, but the following patients will be allowed": what comes before the
            # contrast is the exclusion itself
            contrast = list(CONTRAST.finditer(norm, a, allowed.start()))
            permissions.append((contrast[-1].start() if contrast else a, b))
    if not conditions and not permissions and not (item.section == "exclusion" and excepted):
        return numeric, concepts

    def inside(spans: list[tuple[int, int]], position: int) -> bool:
        return any(a <= position < b for a, b in spans)

    kept_concepts = []
    let_in: list[ConceptMatch] = []  # what a permission lets in: an exception of the exclusions it narrows
    label = _TOPIC_LABEL.match(norm, item.start, item.end)
    for m in concepts:
        if inside(permissions, m.start):
            let_in.append(m)
            continue
        # named in a condition, or only as the topic label of a sentence whose condition names it ("Hepatitis C:
        # participants with a positive HCV antibody must ..."): who the rule is for, not what it excludes
        named_at = [a for a, b in m.mentions or [(m.start, m.end)] if label is None or b > label.end()]
        if named_at and all(inside(conditions, a) for a in named_at) and m.category != "pregnancy":
            builder.unplaced += list(m.mentions or [(m.start, m.end)])
            continue
        kept_concepts.append(m)
    vocab = vocabulary()
    # what a permission lets in is named before its own condition ("... may participate if HBV DNA is
    # undetectable": the test is the condition, not a kind of hepatitis B let in)
    lets_in_until = []
    for a, b in permissions:
        condition = _PERMISSION_CONDITION.search(norm, a, b)
        lets_in_until.append((a, condition.start() if condition else b))
    named = [m.key for a, b in lets_in_until for m in vocab.concept_matcher.finditer(norm, a, b)]
    named += [m.key for m in let_in if inside(lets_in_until, m.start)]
    for m in kept_concepts if item.section == "exclusion" else ():
        for other in dict.fromkeys(named):
            if m.key in vocab.concept_ancestors(other) and m.key != other:
                m.exceptions.append(vocab.concepts[other].names[0])
    builder.permitted[item.index] = bool(named)
    builder.permitted_again[item.index] = {  # the thing excluded, or a broader one, let in again
        m.key for m in kept_concepts if any(other in vocab.concept_ancestors(m.key) for other in named)
    }
    kept_numeric = [  # "... unless at a dose < 30 mg/day": a limit inside an exclusion's exception is whom it spares
        m
        for m in numeric
        if not inside(permissions, m.start) and not (item.section == "exclusion" and inside(excepted, m.start))
    ]
    builder.set_aside[item.index] = (conditions, permissions)
    return kept_numeric, kept_concepts


def _same_brackets(norm: str, a: int, b: int, start: int, end: int) -> bool:
    """Whether two positions sit inside the same pair of brackets."""
    low, high = min(a, b), max(a, b)
    opening = max(norm.rfind("(", start, low), norm.rfind("[", start, low))
    if opening < 0:
        return False
    between = norm[opening:high]
    if between.count("(") + between.count("[") - between.count(")") - between.count("]") <= 0:
        return False
    return re.search(r"[)\]]", norm[opening:high]) is None


# In an exclusion, a limit written as what is required ("If HBsAg positive, HBV DNA must be < 2000 IU/mL") is a
# requirement, not what excludes.
# a limit an exclusion states as what is required ("HBV DNA must be below 100", "patients with hepatitis B
# must have an HBV DNA below 100 IU/mL"): the modal, then at most a few words naming the quantity
_REQUIRED_HERE = re.compile(
    r"(?i)\b(?:must|should|shall|need(?:s)?\s+to|has\s+to|have\s+to)\s+(?:be|have|remain|show)\b"
    r"(?:\s+(?!not\b|no\b|never\b)[\w\-/()]+){0,5}\s*$"
)


def _exclusion_ranges(matches: list[NumericMatch]) -> dict[int, int]:
    """The bounds of a range an exclusion states ("ECOG 2-4", "eGFR 30-59 mL/min"): a patient is excluded only
    inside it, so each bound becomes the requirement to be outside it on its side, and the two are
    alternatives. Maps each bound's id to its range's number."""
    by_expression: dict[tuple[int, int, str], list[NumericMatch]] = {}
    for m in matches:
        if m.twin_of_index is None:
            by_expression.setdefault((m.start, m.end, m.quantity.key), []).append(m)
    ranges: dict[int, int] = {}
    for number, bounds in enumerate(by_expression.values()):
        sides = {b.comparator[0] for b in bounds}
        if len(bounds) == 2 and sides == {"<", ">"}:
            for b in bounds:
                ranges[id(b)] = number
    return ranges


# A therapy or state after which something happened, named after it: "relapse following allogeneic HSCT", "GVHD
# after a prior transplant", "relapse after achieving a second remission" (the words from the link to it)
_AFTER_THERAPY = re.compile(
    r"(?i)\b(?:after|following|post|since|subsequent\s+to)\s+(?:(?:the|an?|their|his|her|prior|previous|initial|"
    r"first|second|third|1st|2nd|3rd|most\s+recent|achieving|attaining|reaching|obtaining)\s+)*$"
)


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
    earlier = {  # 'relapse after a second complete remission': the remission came before; no way in of its own
        id(m): statuses[n - 1]
        for n, m in enumerate(statuses)
        if n and _AFTER_THERAPY.search(builder.norm, max(statuses[n - 1].start, m.start - 60), m.start)
    }
    matches = [m for m in matches if id(m) not in earlier]
    statuses_named, statuses = statuses, [m for m in statuses if id(m) not in earlier]
    diagnoses = _diagnosis_alternatives(builder.norm, [m for m in matches if m.polarity == "include"], vocab)
    seen: dict[tuple[object, ...], Constraint] = {}
    for m in matches:
        administrative = m.category == "administrative"
        in_definition = definitional or _inside(defines, m.start)
        key = (m.key, m.polarity, m.within, in_definition)
        if key in seen:
            if m.exceptions:
                seen[key].exceptions += [e for e in m.exceptions if e not in seen[key].exceptions]
            builder.mentions[seen[key].id] += m.mentions or [(m.start, m.end)]
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
            any_of_group=status_group
            if (m in statuses and len(statuses) > 1)
            else f"d{item.index}.{diagnoses[id(m)]}"
            if id(m) in diagnoses
            else None,
            definitional=in_definition,
        )
        if m.turned_by is not None:
            builder.turned[seen[key].id] = m.turned_by
        builder.mentions[seen[key].id] = list(m.mentions or [(m.start, m.end)])
    for m in (m for m in statuses_named if id(m) in earlier and m.key != "complete remission"):
        # "relapse after a second remission" is a second relapse at least: a relapse alone does not meet it
        before = earlier[id(m)]
        for c in builder.constraints:
            if c.item == item.index and c.concept == before.key:
                _doubt(c, "qualifier", " ".join(builder.norm[before.end : m.end].split()))


# A therapy named as what a condition needs ("autoimmune disease requiring immunosuppression", "infection
# requiring systemic therapy") or as what the patient reacts to ("allergic to fludarabine"): not a prior
# therapy of its own.
_NEEDS_THERAPY = re.compile(
    r"(?i)\b(?:requir\w*|need\w*|treated\s+with|treated\s+by|managed\s+with|controlled\s+(?:with|by)|"
    r"dependen\w*\s+on|for\s+which)\s+(?:\w+[\s/-]+){0,4}$"
)
_REACTION_WORDS = r"(?:allerg\w*|hypersensitiv\w*|anaphyla\w*|intoleran\w*|contraindicat\w*)"
_ATTRIBUTED = r"(?:(?:attributed|attributable|due|related|secondary)\s+)?"
_REACTS_TO = re.compile(
    rf"(?i)\b(?:{_REACTION_WORDS}|reactions?)\s+{_ATTRIBUTED}((?:to|of|against)\s+(?:\w+[\s,/-]+){{0,12}})$"
)
# a therapy the patient must have recovered from ("recovered from the toxic effects of prior chemotherapy"):
# what is asked is the recovery, whoever had the therapy; no therapy is required or excluded
# a therapy the patient may instead be unfit for: "received, or is ineligible for, intensive chemotherapy"
_UNFIT = r"(?:ineligible|not\s+eligible|not\s+(?:a\s+)?candidates?|unfit|unsuitable|not\s+suitable|refused|declined)"
_NOT_A_CANDIDATE = re.compile(rf"(?i)\b{_UNFIT}\s+(?:for|to)\b[^;.]*$")
_OR_NOT_A_CANDIDATE = re.compile(rf"(?i)[^;.]{{0,30}}?\bor\s+(?:is\s+|are\s+|was\s+|were\s+)?{_UNFIT}\b")
# a therapy a disease status is counted from: "refractory to chemotherapy", "relapsed after HSCT"
_STATUS_ANCHOR = re.compile(
    r"(?i)\b(?:refractory|resistant|relaps\w*|progress\w*|fail\w*)\s+(?:to|after|following|post|on|of)\s+"
    r"(?:(?:the|a|an|prior|previous|their|first-line|standard)\s+){0,2}$"
)
# a therapy that must have been stopped some time before: a washout of whoever had it, no requirement
_STOPPED = re.compile(
    r"(?i)[^;.]{0,90}?\b((?:must|should)\s+(?:have\s+)?(?:been\s+)?(?:discontinued|stopped|completed|ceased|finished|"
    r"washed\s+out))\b"
)
# what a count must be reached without: "ANC ≥ 1.0 × 10^9/L without growth factor support", "independent of
# transfusions"
_UNSUPPORTED = re.compile(
    r"(?i)\b(?:without|independent\s+of|in\s+the\s+absence\s+of|not\s+supported\s+by)\s+(?:(?:the|any)\s+)?"
    r"(?:(?:use|support|aid|help|administration)\s+of\s+)?(?:[\w-]+\s+){0,2}$"
)
_RECOVERED_FROM = re.compile(r"(?i)\brecover\w*\s+(?:fully\s+|completely\s+)?from\s+(?:[\w-]+[\s,/]+){0,6}$")

# the same, further back in the clause: a list of what the patient reacts to, after "including" or "such as"
_REACTS_TO_FAR = re.compile(rf"(?i)\b{_REACTION_WORDS}(?:\s+reactions?)?\s+{_ATTRIBUTED}((?:to|of|against)\s+[^;]*)$")


# between a condition and another that says which of it is meant: "autoimmune disease with CNS involvement"
_WITH_CONDITION = re.compile(r"(?i)\s+(?:with|involving|affecting)\s+(?:(?:the|an?|any|known|evidence\s+of)\s+)?")


_HAPPENS_AFTER = frozenset({"condition", "infection", "disease_status", "prior_therapy"})
# the same with nothing read before the link: a word of an event, not of time or of giving ("within 60 days after
# HSCT" still counts from the transplant; "chemotherapy given after HSCT" is the chemotherapy's)
_AFTER_UNREAD_EVENT = re.compile(
    r"(?i)\b(?!(?:days?|weeks?|months?|years?|hours?|given|administered|received|started|used|initiated|therapy|"
    r"treatment|chemotherapy)\b)[A-Za-z-]+\s+(?:after|following)\s+(?:the\s+)?(?:use\s+of\s+)?(?:prior\s+|previous\s+)?$"
)


# What a therapy is given for, between the therapy and the condition ("immunosuppressive therapy for GVHD",
# "antibiotics to treat an infection", "steroids as prophylaxis of"): a few words at most.
_THERAPY_FOR = re.compile(
    r"(?i)^\s*(?:[\w-]+\s+){0,3}?(?:for|to\s+(?:treat|control|prevent|manage)|against|"
    r"as\s+(?:treatment|therapy|prophylaxis)\s+(?:of|for))\s+(?:[\w-]+[\s,/-]+){0,3}$"
)


def _qualify(builder: _Builder, c: Constraint, span: tuple[int, int]) -> None:
    """Words of a relation narrow ``c`` (kept as a qualifier); a span that extends one already kept replaces it."""
    spans = builder.qualified.setdefault(c.id, [])
    for n, (a, b) in enumerate(spans):
        if a == span[0]:
            spans[n] = (a, max(b, span[1]))
            return
    spans.append(span)


# between a thing named and a limit on it ("prednisone > 10 mg/day", "HBV DNA: ≥ 2000 IU/mL", "steroids at a
# dose of more than 10 mg"): the thing is what the limit is on
_SUBJECT_OF_LIMIT = re.compile(
    r"(?i)[\s:=(]*(?:\((?:or\s+)?[^()]{0,40}\)\s*)?"  # "doxorubicin (or equivalent anthracycline) at a ..."
    r"(?:(?:at\s+)?(?:a\s+)?(?:(?:daily|cumulative|total|lifetime)\s+)?(?:dose|level|count|titer|titre)s?\s+(?:of\s+)?)?"
    r"(?:(?:at\s+a\s+dose\s+)?equivalent\s+(?:to\s+)?)?"
)
# between a dose limit and the drug its unit is of: "> 15 mg/day prednisone", "10 mg of prednisone"
_UNIT_OF_LIMIT = re.compile(r"(?i)\s*(?:of\s+)?(?:oral\s+)?")


# an aside that narrows what it follows to some of it: "(active CNS disease only)", "[symptomatic only]"
_ONLY_ASIDE = re.compile(r"(?i)\s*[(\[]((?:[^()\[\]]|\[[^\[\]]*\])*?\bonly)\s*[)\]]")
_REACTION = re.compile(r"(?i)\b(?:allerg\w*|hypersensitiv\w*|anaphyla\w*|intoleran\w*|reactions?)\b")
_REACTION_OBJECT = re.compile(  # "anaphylaxis or IgE-mediated hypersensitivity to murine proteins": both
    r"(?i)(?:\s+(?:or|and/or|and)\s+(?:[\w-]+\s+){0,2}?(?:allerg\w*|hypersensitiv\w*|anaphyla\w*|intoleran\w*|"
    r"reactions?))?(?:\s+reactions?)?\s*(?:to|against|towards?)\s+[^;.()]{1,160}?"
    r"(?=$|[;.()]|\s+(?:or|and)\s+(?:any|other|prior|history|known)\b)"
)


# a grade with its value: "grade 2-4", "grade ≥ 2", "≥ grade 3", "grade III or higher", "CTCAE grade 3b"
_GRADE = r"(?:[<>≤≥]=?\s*)?(?:(?:CTCAE|NCI|histolog\w*)\s+)?grades?\s*(?:of\s+|:\s*)?(?:[<>≤≥]=?\s*)?"
_GRADE_VALUE = r"(?:[0-5]|IV|V|I{1,3})[ab]?\b"
_GRADE_PHRASE = re.compile(
    rf"(?i){_GRADE}{_GRADE_VALUE}(?:\s*(?:-|–|to|or|and|/|,)\s*{_GRADE_VALUE})*"
    r"(?:\s+or\s+(?:higher|greater|worse|above|more|lower|less|below))?"
)
_GRADE_BEFORE = re.compile(r"(?i)[\s)]*(?:[A-Za-z-]+\s+){0,2}")  # "grade 2-4 acute GVHD"
_GRADE_AFTER = re.compile(r"(?i)[\s(,:-]*(?:(?:of|with)\s+)?")  # "GVHD grade 2-4", "FL (grade 3b)", "FL of grade 3b"
_GRADED = frozenset({"condition", "infection"})
_GRADE_WORD = re.compile(r"(?i)grade")


def _graded_conditions(
    builder: _Builder, own: list[Constraint], item: Item, norm: str, vocab: Vocabulary
) -> list[Constraint]:
    """A grade written on a named condition or disease ("grade 2-4 acute GVHD", "follicular lymphoma grade
    3b") says which of it is meant: the grade's words narrow that concept (kept as a qualifier), and no limit on
    the patient's toxicity grade is read from them. Returns the toxicity-grade limits so taken."""
    taken: list[Constraint] = []
    if not _GRADE_WORD.search(norm, item.start, item.end):
        return taken
    for grade in _GRADE_PHRASE.finditer(norm, item.start, item.end):
        graded = None
        for o in own:
            concept = vocab.concepts.get(o.concept or "") if o.kind == "concept" else None
            if concept is None or not (concept.category in _GRADED or concept.primary_diagnosis):
                continue
            for a, b in builder.mentions.get(o.id) or [(o.start or 0, o.end or 0)]:
                if (b <= grade.start() and _GRADE_AFTER.fullmatch(norm, b, grade.start())) or (
                    a >= grade.end() and _GRADE_BEFORE.fullmatch(norm, grade.end(), a)
                ):
                    graded = o
        if graded is None:
            continue
        _qualify(builder, graded, (grade.start(), grade.end()))
        taken += [
            c
            for c in own
            if c.kind == "numeric" and c.quantity == "toxicity grade" and grade.start() <= (c.start or -1) < grade.end()
        ]
    return taken


# a negation before a limit in its clause: "toxicity that has not improved to ≤ grade 1", "never reached ANC
# ≥ 500" (the comparator's own words, "not more than", are the limit's)
_NEGATION_BEFORE_LIMIT = re.compile(r"(?i)\b(?:not|never|no\s+longer|fail(?:ed|s)?\s+to|unable\s+to)\b")


def _negated_limits(builder: _Builder, own: list[Constraint], item: Item, norm: str) -> None:
    """A limit its clause negates says the opposite of its comparator ("has not improved to ≤ grade 1" is
    about a grade above 1): the negation is kept as a word the reading could not place, so the limit decides
    nothing."""
    if not any(c.kind == "numeric" for c in own):
        return
    negations = list(_NEGATION_BEFORE_LIMIT.finditer(norm, item.start, item.end))
    if not negations:
        return
    starts = [a for a, _b in clause_bounds(norm, item.start, item.end)]
    negation_ends = [n.end() for n in negations]
    for c in own:
        if c.kind != "numeric" or c.start is None or c.id in builder.turned:
            continue
        at = bisect_right(starts, c.start) - 1
        clause_start = starts[at] if at >= 0 else item.start
        last = bisect_right(negation_ends, c.start) - 1  # the last negation ending before the limit
        negation = negations[last] if last >= 0 and negations[last].start() >= clause_start else None
        if negation is not None and not NOT_REACHED.match(norm, negation.start(), c.start):  # read: turned over
            builder.turned[c.id] = (negation.start(), c.end or c.start)


def _relations(builder: _Builder, before: int, item: Item, norm: str, vocab: Vocabulary) -> None:
    """Relations between what an item names that change what it requires:
    - a condition graded on a scale the item limits ("heart failure of NYHA class III or higher"): the limit
      says who is excluded, so the condition is not a criterion of its own;
    - a therapy a condition needs ("autoimmune disease requiring immunosuppression"): the therapy qualifies
      the condition (its words stay as a qualifier) and is not a prior therapy of its own; a therapy the
      patient reacts to ("allergic to fludarabine") is not one either;
    - a disease status that qualifies something else ("recurrent drainage", "refractory hypertension",
      "transfusion refractory"): not the disease's status."""
    own = builder.constraints[before:]
    _negated_limits(builder, own, item, norm)
    drop: list[Constraint] = _graded_conditions(builder, own, item, norm, vocab)
    scales = {c.quantity for c in own if c.kind == "numeric"}
    limits = [c.start for c in own if c.kind == "numeric" and c.start is not None]
    limit_ends = [c.end for c in own if c.kind == "numeric" and c.end is not None and c.unit and "mg" in c.unit]
    for c in own:
        concept = vocab.concepts.get(c.concept or "") if c.kind == "concept" else None
        if concept is None or c.start is None or c.end is None:
            continue
        if concept.graded_by and concept.graded_by in scales:
            drop.append(c)
            continue
        reaction_object = _REACTION_OBJECT.match(norm, c.end, item.end) if _REACTION.search(c.text) else None
        if reaction_object is not None:  # "allergy to the study product": what the patient reacts to narrows it
            said = reaction_object.group(0)
            _qualify(builder, c, (c.end + len(said) - len(said.lstrip()), reaction_object.end()))
        only = _ONLY_ASIDE.match(norm, c.end, item.end)
        if only is not None:  # "brain metastases (active CNS disease only)": the aside narrows what it follows
            _qualify(builder, c, only.span(1))
        mentions = builder.mentions.get(c.id) or [(c.start, c.end)]
        if limits and all(
            any(_SUBJECT_OF_LIMIT.fullmatch(norm, b, at) for at in limits if at >= b)
            or any(_UNIT_OF_LIMIT.fullmatch(norm, end, a) for end in limit_ends if end <= a)
            for a, b in mentions
        ):
            drop.append(c)  # "prednisone > 10 mg/day": the drug is what the limit is on, the limit decides
            continue
        clause_start = max(
            (a for a, _b in clause_bounds(norm, item.start, item.end) if a <= c.start), default=item.start
        )
        lead = norm[clause_start : c.start]
        if concept.category == "prior_therapy" and _RECOVERED_FROM.search(lead[-80:]):
            drop.append(c)
            continue
        unsupported = _UNSUPPORTED.search(lead[-60:]) if concept.category == "prior_therapy" else None
        measured = [o for o in own if o.kind == "numeric" and (o.end or 0) <= c.start and o.polarity == "include"]
        if unsupported and measured:  # "ANC ≥ 750/uL without the use of growth factors": how it is measured
            drop.append(c)
            for o in measured:
                _qualify(builder, o, (c.start - (len(lead[-60:]) - unsupported.start()), c.end))
            continue
        if concept.category == "prior_therapy":
            needs = _NEEDS_THERAPY.search(lead[-80:])
            owners = [
                o
                for o in own
                if o is not c
                and o.kind == "concept"
                and o.category in ("condition", "infection")
                and clause_start <= (o.start or 0) < c.start
            ]
            if needs and owners:
                drop.append(c)
                span = (c.start - (len(lead[-80:]) - needs.start()), c.end)
                for o in owners:
                    _qualify(builder, o, span)
                continue
            anchored = _AFTER_THERAPY.search(lead[-60:]) if c.polarity == "exclude" else None
            # what happened after the therapy: a condition, a status, or another therapy ("chemotherapy within 2
            # weeks after HSCT": when the chemotherapy was, not an exclusion of every transplant)
            after = [o for o in own if o.kind == "concept" and o.category in _HAPPENS_AFTER and o is not c]
            after = [o for o in after if o.polarity == "exclude" and clause_start <= (o.start or 0) < c.start]
            if anchored and after:  # "relapse following allogeneic HSCT": when the relapse was, not another exclusion
                drop.append(c)
                link = c.start - (len(lead[-60:]) - anchored.start())
                for o in after:  # with the time between them ("within 2 weeks after HSCT"), when nothing else is
                    between = norm[o.end or link : link]
                    near = (o.end or link) <= link and len(between) <= 40 and not re.search(r"[;,.:]", between)
                    _qualify(builder, o, ((o.end or link) if near else link, c.end))
                continue
            if anchored and _AFTER_UNREAD_EVENT.search(lead[-60:]):
                drop.append(c)  # "blistering rash after immunomodulatory drugs": what happened after it, unread
                continue
            tail = lead[-90:]
            reacts = _REACTS_TO.search(tail)
            if reacts is None:  # "allergic to any component of the drugs of this study, including fludarabine"
                tail = lead
                reacts = _REACTS_TO_FAR.search(tail)
            if reacts:  # "allergic to fludarabine": the drug narrows the reaction, which can then only let pass
                drop.append(c)
                reaction_start = c.start - (len(tail) - reacts.start())
                reacts_to = c.start - (len(tail) - reacts.start(1))
                for o in own:
                    if o is not c and o.kind == "concept" and clause_start <= (o.start or 0) <= reaction_start:
                        _qualify(builder, o, (reacts_to, c.end))
                continue
        if concept.category == "condition" and c.polarity == "exclude":
            having = [
                o
                for o in own
                if o is not c
                and o.kind == "concept"
                and o.category == "condition"
                and o.polarity == "exclude"
                and o.end is not None
                and clause_start <= (o.start or 0)
                and o.end <= c.start
                and _WITH_CONDITION.fullmatch(norm, o.end, c.start)
            ]
            if having:  # "autoimmune disease with CNS involvement": which autoimmune disease, not a second one
                drop.append(c)
                for o in having:
                    _qualify(builder, o, (o.end or 0, c.end))
                continue
        if concept.category in ("condition", "infection"):
            therapies = [
                o
                for o in own
                if o is not c
                and o.kind == "concept"
                and o.category == "prior_therapy"
                and o.end is not None
                and clause_start <= (o.start or 0)
                and o.end <= c.start
                and _THERAPY_FOR.match(norm[o.end : c.start])
            ]
            if therapies:  # "immunosuppressive therapy for GVHD": the condition is what the therapy is for
                drop.append(c)
                for o in therapies:
                    _qualify(builder, o, (o.end or 0, c.end))
                    o.within = o.within or c.within
                continue
        if concept.category == "disease_status" and (
            _status_qualifies_other(norm, c, vocab, item.end)
            or (c.polarity == "exclude" and _status_of_other_condition(norm, clause_start, c, item.end, vocab))
        ):
            drop.append(c)
            builder.unplaced += builder.mentions.get(c.id, [(c.start, c.end)])
    for c in drop:
        if c in builder.constraints:
            builder.constraints.remove(c)


_WORD = re.compile(r"[A-Za-z][\w\-']*")


def _status_qualifies_other(norm: str, c: Constraint | PhraseMatch, vocab: Vocabulary, end: int) -> bool:
    """Whether a disease-status word qualifies something other than the disease: the word right after it (over
    other status words, antigens and asides) or right before it is a noun of ``reading.json``'s
    "status_qualifies" or a condition that is no disease a trial is for ("recurrent drainage", "refractory
    hypertension", "platelet transfusion refractory"), or it is the recurrence "of" such a condition."""
    others = reading_rules().status_qualifies
    start, stop = (c.start(), c.end()) if isinstance(c, PhraseMatch) else (c.start or 0, c.end or 0)
    previous = re.search(r"([A-Za-z][\w'-]*)[\s-]*$", norm[max(0, start - 30) : start])
    if previous is not None and (
        previous.group(1).lower() in others or _is_other_condition(norm, previous.start(1) + max(0, start - 30), vocab)
    ):
        return True
    position = stop
    while True:
        word = _WORD.search(norm, position, min(end, position + 40))
        if word is None or re.search(r"[;:.,]", norm[position : word.start()]):
            return False
        lowered = word.group(0).lower()
        if lowered in _STATUS_JOINTS:  # "refractory or recurrent CNS disease": over another status word only
            following = _WORD.search(norm, word.end(), min(end, word.end() + 20))
            if following is not None and following.group(0).lower() in _STATUS_JOINTS:  # "and/or"
                position = word.end()
                continue
            status = None
            if following is not None and not re.search(r"[;:.,]", norm[word.end() : following.start()]):
                status = vocab.concept_matcher.search(norm, following.start(), min(end, following.start() + 60))
            if following is None or status is None or status.start() != following.start():
                return False
            if vocab.concepts[status.key].category != "disease_status":
                return False
            position = word.end()
            continue
        named = vocab.concept_matcher.search(norm, word.start(), min(end, word.start() + 60))
        if named is not None and named.start() == word.start():
            if vocab.concepts[named.key].category == "disease_status":
                position = named.end()
                continue
            return _is_other_condition(norm, word.start(), vocab)
        antigen = vocab.antigen_matcher.search(norm, word.start(), min(end, word.start() + 20))
        if (antigen is not None and antigen.start() == word.start()) or norm[word.start() - 1 : word.start()] == "(":
            position = word.end()  # "relapsed CD123+ AML", "relapsed/refractory (r/r) AML"
            continue
        if lowered in ("of", "to") and _names_non_disease(norm, word.end(), end, vocab):
            return True
        return lowered in others


_STATUS_JOINTS = frozenset({"or", "and", "nor"})  # "and/or" is two words: "and", then "or"


def _status_of_other_condition(norm: str, clause_start: int, c: Constraint, end: int, vocab: Vocabulary) -> bool:
    """In an exclusion, a status word in a clause that names another condition and no disease a trial is for
    is that condition's ("autoimmune disease with a potential for recurrence", "recurrent pericarditis"): it
    says nothing of the patient's own disease."""
    clause_end = min((b for a, b in clause_bounds(norm, clause_start, end) if a == clause_start), default=end)
    named = [vocab.concepts[m.key] for m in vocab.concept_matcher.finditer(norm, clause_start, clause_end)]
    return any(n.category in ("condition", "infection") and not n.primary_diagnosis for n in named) and not any(
        n.primary_diagnosis for n in named
    )


def _is_other_condition(norm: str, position: int, vocab: Vocabulary) -> bool:
    named = vocab.concept_matcher.search(norm, position, position + 60)
    if named is None or named.start() != position:
        return False
    concept = vocab.concepts[named.key]
    return concept.category in ("condition", "infection") and not concept.primary_diagnosis


def _names_non_disease(norm: str, position: int, end: int, vocab: Vocabulary) -> bool:
    """'recurrence of autoimmune disease': what follows 'of' is a condition that is not a disease a trial is for."""
    named = vocab.concept_matcher.search(norm, position, min(end, position + 40))
    if named is None or norm[position : named.start()].strip(" the") != "":
        return False
    concept = vocab.concepts[named.key]
    return concept.category in ("condition", "infection") and not concept.primary_diagnosis


# "Corticosteroids: Subjects receiving systemic steroid therapy within 2 weeks ...": a topic named before a
# colon at the start of an item
_TOPIC_LABEL = re.compile(r"\s*[^:;.]{1,60}:")


def _drop_topic_labels(builder: _Builder, before: int, item: Item, norm: str, vocab: Vocabulary) -> None:
    """A concept named only as the item's topic label ("Corticosteroids: subjects receiving systemic steroid
    therapy within 2 weeks ...") heads the criterion that follows; when that criterion names it (or a kind
    of it) again, the label is not a criterion of its own."""
    label = _TOPIC_LABEL.match(norm, item.start, item.end)
    if label is None:
        return
    own = builder.constraints[before:]
    drop = []
    for c in own:
        if c.kind != "concept" or c.start is None or c.end is None or c.end > label.end():
            continue
        later = [
            o
            for o in own
            if o is not c
            and (o.start or 0) >= label.end()
            and (
                c.concept in vocab.concept_ancestors(o.concept or "")
                or (o.kind == "numeric" and c.concept in _concepts_a_quantity_tests(vocab, o.quantity or ""))
            )
        ]
        if later:
            drop.append(c)
    for c in drop:
        builder.constraints.remove(c)


# A clause whose subject is a specimen ("Tissue obtained for the biopsy must ...", "Archival tumor samples
# must not ..."): what it says of exposure or timing is the sample's, not the patient's.
_SPECIMEN_SUBJECT = re.compile(
    r"(?i)[\s\W\d]*(?:(?:the|an?|archival|fresh|available|tumou?r|biopsy)\s+)*"
    r"((?:tissues?|samples?|specimens?|blocks?|slides?)(?:\s+(?:material|obtained|collected|used))?)\b"
    r"(?=[^.;:]{0,60}?\b(?:must|should|shall|needs?\s+to|has|have)\b)"  # the specimen is what the clause rules on
)
_AND_BETWEEN = re.compile(r"(?i)\band\b(?!\s*/)")  # "and", not "and/or"
_OR_BETWEEN = re.compile(r"(?i)\bor\b|/|;")


# between a limit and a condition offered as another way in: "blasts ≥ 5% and/or extramedullary disease"
_OR_ACROSS = re.compile(
    r"(?i)^(?:\s*(?!and\b|with\b|but\b|or\b)[\w%-]+){0,3}\s*,?\s*(?:or|and/or)\s+"
    r"(?:(?:with|has|have|an?|the|any|evidence\s+of)\s+){0,2}$"
)


def _limit_or_condition(builder: _Builder, before: int, item: Item, norm: str) -> None:
    """In an inclusion, a limit and a condition joined by "or" are alternatives: either lets the patient in
    ("marrow blasts ≥ 5% and/or extramedullary disease")."""
    if item.section != "inclusion":
        return
    own = [c for c in builder.constraints[before:] if c.polarity == "include" and c.start is not None]
    for limit in (c for c in own if c.kind == "numeric" and c.end is not None):
        for other in (c for c in own if c.kind == "concept" and c.category == "condition"):
            first, second = (limit, other) if (limit.start or 0) < (other.start or 0) else (other, limit)
            if _OR_ACROSS.match(norm[first.end or 0 : second.start or 0]):
                group = limit.any_of_group or other.any_of_group or f"x{item.index}.{limit.id}"
                for c in own:
                    if c.any_of_group and c.any_of_group in (limit.any_of_group, other.any_of_group):
                        c.any_of_group = group
                limit.any_of_group = other.any_of_group = group


# a blood count the patient may reach with support: "Hb ≥ 8 g/dL (transfusion permitted)", "with or without
# transfusion", "can be transfused to meet it"
_WITH_SUPPORT = re.compile(
    r"(?i)\b(?:transfusions?(?:\s+support)?\s+(?:is\s+|are\s+)?(?:allowed|permitted|acceptable)|"
    r"(?:with|after)\s+(?:or\s+without\s+)?(?:red\s+(?:blood\s+)?cell\s+|platelet\s+)?transfusions?(?:\s+support)?|"
    r"can\s+be\s+(?:transfused|supported)|(?:growth\s+factor|transfusion)\s+support\s+(?:is\s+)?(?:allowed|permitted))\b"
)


# "at least 3 weeks or 5 half-lives (whichever is shorter)": the window the text states is the longer bound
_WHICHEVER_SHORTER = re.compile(r"(?i)\bwhichever\s+(?:is|comes|occurs)\s+(?:shorter|sooner|earlier|first)\b")


def _shorter_of_two(builder: _Builder, before: int, item: Item, norm: str) -> None:
    """A time window offered with another measure, "whichever is shorter", is only the longer of the two:
    within it the other may already have passed, so having the therapy inside it rules nobody out."""
    shorter = _WHICHEVER_SHORTER.search(norm, item.start, item.end)
    if shorter is None:
        return
    for c in builder.constraints[before:]:
        if c.kind == "concept" and c.within is not None and "conflict" not in (c.unsure or "").split(","):
            _doubt_once(c, "condition", " ".join(shorter.group(0).split()))


def _supported_limits(builder: _Builder, before: int, item: Item, norm: str) -> None:
    """A minimum blood count the patient may reach with transfusions: a lower count now is no "not met"."""
    support = _WITH_SUPPORT.search(norm, item.start, item.end)
    if support is None or item.section != "inclusion":
        return
    for c in builder.constraints[before:]:
        if c.kind == "numeric" and c.comparator in (">", ">=") and "conflict" not in (c.unsure or "").split(","):
            _doubt(c, "condition", " ".join(support.group(0).split()))


def _narrowed_by_a_kind(builder: _Builder, before: int, item: Item, norm: str, vocab: Vocabulary) -> None:
    """An exclusion that names a thing and, joined by "and", a kind of it ("HCV antibody positive and HCV RNA
    above the normal range") or a limit on a test of it ("HBsAg positive and HBV DNA ≥ 1000 IU/mL") excludes
    the kind or the limit: both must hold, so the broader reading is no exclusion of its own."""
    if item.section != "exclusion":
        return
    own = [c for c in builder.constraints[before:] if c.kind == "concept" and c.concept and c.polarity == "exclude"]
    limits = [c for c in builder.constraints[before:] if c.kind == "numeric" and c.quantity and c.polarity == "exclude"]
    drop = []
    for c in own:
        for kind in own + limits:  # a kind of it, or a limit on a test of it ("HBsAg positive and HBV DNA ≥ 1000")
            if kind is c:
                continue
            if kind.kind == "concept" and c.concept not in vocab.concept_ancestors(kind.concept or ""):
                continue
            if kind.kind == "numeric" and c.concept not in _concepts_a_quantity_tests(vocab, kind.quantity or ""):
                continue
            ends = [b for _a, b in builder.mentions.get(c.id) or [(c.start or 0, c.end or 0)] if b <= (kind.start or 0)]
            if not ends:  # "antibody to hepatitis C virus (HCV) and HCV RNA": the thing is named before its kind
                continue
            between = norm[min(ends) : kind.start or 0]
            if len(between) <= 120 and _AND_BETWEEN.search(between) and not _OR_BETWEEN.search(between):
                drop.append(c)
                break
    for c in drop:
        builder.constraints.remove(c)


def _concepts_a_quantity_tests(vocab: Vocabulary, quantity: str) -> set[str]:
    """The concepts a quantity's names also name, with their ancestors ("HBV DNA": hepatitis B viraemia, so
    hepatitis B): a label "Hepatitis B:" heads a limit on it."""
    named: set[str] = set()
    for name in vocab.quantities[quantity].names if quantity in vocab.quantities else ():
        for m in vocab.concept_matcher.finditer(name):
            if m.start() == 0 and m.end() == len(name):
                named |= {m.key, *vocab.concept_ancestors(m.key)}
    return named


# An exception that names only a route ("except inhaled or topical use") means that route of the thing it
# excepts from ("inhaled corticosteroids").
_ROUTE_WORD = re.compile(r"(?i)\b(?:inhaled|topical|intranasal|nasal|ophthalmic|intra-articular|local|oral)\b")


def _read_elliptic_exceptions(constraints: list[Constraint], vocab: Vocabulary) -> None:
    """Exceptions that name a route of the constraint's own concept read as that concept's kind by route:
    "systemic steroid therapy ... (except inhaled or topical use)" excepts inhaled and topical
    corticosteroids."""
    for c in constraints:
        if c.kind != "concept" or not c.exceptions or c.category != "prior_therapy":
            continue
        family = {c.concept or "", *vocab.concept_ancestors(c.concept or "")}
        expanded = []
        for text in c.exceptions:
            if vocab.concept_matcher.search(text) is not None:
                expanded.append(text)
                continue
            kinds = [
                named.key
                for route in _ROUTE_WORD.findall(text)
                for parent in family
                for name in vocab.concepts[parent].names[:3]
                if (named := vocab.concept_matcher.search(f"{route} {name}")) is not None
                and named.key != parent
                and family & vocab.concept_ancestors(named.key)
            ]
            kinds += _squashed_names(text, family, vocab)
            expanded.append(", ".join(dict.fromkeys(kinds)) if kinds else text)
        c.exceptions = expanded


def _squashed(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _squashed_names(text: str, family: set[str], vocab: Vocabulary) -> list[str]:
    """The kinds of ``family`` an exception names once its spaces are ignored: registry text that lost or
    moved a space ("receiving in haledsteroids") still names "inhaled steroids"."""
    squashed = _squashed(text)
    found = []
    for key, concept in vocab.concepts.items():
        if key in family or not (family & vocab.concept_ancestors(key)):
            continue
        if any(len(name) >= 8 and _squashed(name) in squashed for name in concept.names):
            found.append(key)
    return found


# A heading that makes the items after it apply to some patients only: "For T-ALL/LBL:", "Cohort B (AML):",
# "Part 2 - dose expansion:", "Arm A:".
_COHORT_HEADING = re.compile(
    r"(?i)^\s*(?:(?:(?:additional\s+|specific\s+)?(?:inclusion\s+|exclusion\s+|eligibility\s+)?criteria\s+)?(?:only\s+)?"
    r"(?:for|in)\s+(?:patients?\s+with\s+|subjects?\s+with\s+|the\s+)?[^:;.]{1,60}|"
    r"(?:cohort|arm|part|group|stratum|phase|dose[- ](?:escalation|expansion))\b[^:;.]{0,60}|"
    r"[^:;.]{1,80}\b(?:only|sub-?\s?stud(?:y|ies)|sub-?protocol|module))\s*:\s*$|"  # "... Substudy Only:"
    r"^\s*(?:cohort|arm|part|group|stratum|phase)\s+(?:[ivx]{1,4}|\d{1,2}|[a-h])\s*$|"  # "Phase II" alone on its line
    r"^\s*(?:to\s+be\s+)?(?:eligible|enrolled)\s+(?:for|in|into)\s+(?:the\s+)?[^:;.]{0,40}\b"  # "To be eligible for
    r"(?:cohort|arm|part|group|stratum|phase)\b[^:;.]{0,30}:"  # the dose-finding phase: (completed in 12/2016)"
)


# what may stand before the disease an item opens with: its status or risk ("Relapsed or refractory NHL",
# "High-risk AML in first remission", "Histologically confirmed ...")
_DISEASE_LEAD = re.compile(
    r"(?i)(?:\s|,|/|\b(?:or|and|relapsed|relapse|refractory|recurrent|persistent|progressive|high|poor|risk|"
    r"intermediate|advanced|secondary|de|novo|newly|diagnosed|untreated|previously|primary|malignant|confirmed|"
    r"histologically|cytologically|documented|patients?|with|a|an|diagnosis|of|r/r|-)\b|-)*"
)


def _disease_cohorts(items: list[Item], norm: str, vocab: Vocabulary) -> tuple[set[int], dict[int, tuple[int, int]]]:
    """Where a section speaks to several diseases' patients in turn: lines that name a disease and lead into a
    list ("CLL:", "Mantle cell lymphoma:"), which head what follows, and items that open with one ("ALL in
    CR2 or CR3 ...", after its status at most: "Relapsed or refractory NHL"), whose own constraints hold for
    that disease only (the words up to its name). Only when the section names two or more diseases that way,
    each then one cohort of several."""
    headings: dict[str, dict[int, set[str]]] = {}
    led: dict[str, dict[int, tuple[set[str], tuple[int, int]]]] = {}
    for item in items:
        own = norm[item.start : item.end].rstrip()
        found = [
            m
            for m in vocab.concept_matcher.finditer(norm, item.start, item.end)
            if vocab.concepts[m.key].primary_diagnosis
        ]
        if not found:
            continue
        if own.endswith(":") and len(own) <= 120:
            headings.setdefault(item.section, {})[item.index] = {m.key for m in found}
        elif (
            _DISEASE_LEAD.fullmatch(norm, item.start, found[0].start())
            and norm[found[0].end() : found[0].end() + 1] != ":"
        ):
            led.setdefault(item.section, {})[item.index] = ({found[0].key}, (item.start, found[0].end()))
    heads: set[int] = set()
    opening: dict[int, tuple[int, int]] = {}
    for section in set(headings) | set(led):
        named = [keys for keys in headings.get(section, {}).values()] + [k for k, _ in led.get(section, {}).values()]
        keys = sorted(set().union(*named)) if named else []
        unrelated = any(
            b not in vocab.concept_ancestors(a) and a not in vocab.concept_ancestors(b)
            for i, a in enumerate(keys)
            for b in keys[i + 1 :]
        )  # "B-cell lymphoma, including:" then "Diffuse large B-cell lymphoma ...": kinds of one disease
        if len(named) >= 2 and unrelated:
            heads.update(headings.get(section, {}))
            opening.update({index: span for index, (_keys, span) in led.get(section, {}).items()})
    return heads, opening


# "R/R B-NHL Inclusion Criteria:", "Part B exclusion criteria": a section's criteria for some patients only
_COHORT_CRITERIA = re.compile(
    r"(?i)^\s*(?P<who>[^:;.]{1,60}?)\s+(?:additional\s+)?(?:inclusion|exclusion|eligibility)\s+criteria\s*[:：]?\s*$"
)
_COHORT_WORDS = re.compile(
    r"(?i)\b(?:cohort|arm|part|group|stratum|phase|dose[- ](?:escalation|expansion|finding)|sub-?\s?stud(?:y|ies)|"
    r"module|re-?treatment|re-?dosing|re-?infusion|second\s+infusion|crossover|cross-over|extension)\b"
)


def _cohort_criteria_heading(item: Item) -> bool:
    """A sub-heading of criteria that names a disease or a cohort ("R/R B-ALL Inclusion Criteria")."""
    found = _COHORT_CRITERIA.match(item.text)
    if found is None:
        return False
    return _names_a_cohort(found.group("who"))


def _names_a_cohort(who: str) -> bool:
    """Words that name some patients only: a disease a trial is for, or a cohort, arm or part."""
    vocab = vocabulary()
    return bool(_COHORT_WORDS.search(who)) or any(
        vocab.concepts[m.key].primary_diagnosis for m in vocab.concept_matcher.finditer(who)
    )


# a line that only names some patients, heading the limits after it: "Liver function: subjects without liver
# metastasis", "For patients with Gilbert syndrome:"
_SUBGROUP = (
    r"(?:subjects?|patients?|participants?|those)\s+(?:with(?:out)?|who|having|receiving|aged?)\b[^:;.\d≤≥<>]{1,80}"
)
_SUBGROUP_HEADING = re.compile(  # labelled, led by "for"/"in", or ending in a colon: a plain item is a requirement
    r"(?i)^(?!.*\b(?:following|criteria|criterion|eligib\w*|enrol\w*|excluded|included)\b)"  # a lead-in to all
    rf"\s*(?:[^:;.]{{1,40}}:\s*{_SUBGROUP}|(?:for|in)\s+{_SUBGROUP}:?|{_SUBGROUP}:)\s*$"
)
# a short line naming a topic and nothing else ("renal function", "Hematology:")
_TOPIC_LINE = re.compile(r"(?i)\s*[a-z][a-z /-]{2,40}:?\s*")


def _names_a_group(label: str) -> bool:
    """A label naming a group of the trial's patients: "Arm B", "FOR HIGH-RISK REFRACTORYGROUP ONLY" (glued)."""
    return bool(_COHORT_WORDS.search(label) or re.search(r"(?i)(?:group|cohort|arm)\s*only\b", label))


# a label before a colon opening an item: "FOR TREATMENT-NAIVE GROUP ONLY: Men and women ≥ 65 ..."
_COHORT_LABEL = re.compile(r"\s*([^:;.]{2,60}?)\s*:\s*\S")
_FOR_WHOM = re.compile(r"(?i)(?:only\s+)?(?:for|in)\s")


def _apply_cohort_headings(
    constraints: list[Constraint], items: list[Item], norm: str, cohorts: tuple[set[int], dict[int, tuple[int, int]]]
) -> None:
    """Items under a cohort heading ("For AML:", or one of several disease headings, "CLL:") apply only to
    that cohort's patients: their constraints are conditional (a "not met" becomes a question), up to the next
    heading or section. So are the constraints of an item that opens with one of several diseases."""
    diseases, opening = cohorts

    def conditional(c: Constraint, words: str) -> None:
        if "conflict" not in (c.unsure or "").split(","):
            _doubt(c, "condition", words, first=True)

    for index, (a, b) in opening.items():
        for c in constraints:
            if c.item == index and c.kind in ("numeric", "concept"):
                conditional(c, " ".join(norm[a:b].split()))
    for item in items:  # "FOR THE RELAPSED GROUP ONLY: ...", "Arm B: ...": the item is for those patients only
        labelled = _COHORT_LABEL.match(item.text)
        if labelled is not None and (
            _names_a_group(labelled.group(1))
            or (_FOR_WHOM.match(labelled.group(1)) and _names_a_cohort(labelled.group(1)))
        ):  # "For CML and Ph+ ALL patients: ...", "For lymphoma subjects: ..."
            for c in constraints:
                if c.item == item.index and c.kind in ("numeric", "concept"):
                    conditional(c, " ".join(labelled.group(1).split()))
    for item in items:  # under a heading "R/R B-NHL Inclusion Criteria": for those patients only
        if item.heading and _names_a_cohort(item.heading):
            for c in constraints:
                if c.item == item.index and c.kind in ("numeric", "concept"):
                    conditional(c, f"{item.heading} {item.section} criteria")
    read_items = {c.item for c in constraints if c.kind in ("numeric", "concept")}
    heading: Item | None = None
    for item in items:
        if (
            _COHORT_HEADING.match(item.text)
            or _SUBGROUP_HEADING.match(item.text)
            or item.index in diseases
            or _cohort_criteria_heading(item)
        ):
            heading = item
        elif (
            heading is None
            or item.index in opening
            or item.section != heading.section
            or item.level < heading.level
            or (  # "renal function": a line naming the next topic and nothing read, for everyone again
                _TOPIC_LINE.fullmatch(item.text) and item.index not in read_items
            )
        ):
            heading = None
            continue
        for c in constraints:
            if c.item == item.index and c.kind in ("numeric", "concept"):
                conditional(c, " ".join(heading.text.strip().rstrip(":").split()))


# between a condition and the limit that says which of it is meant: "cardiac disease, with NYHA class II or more"
_WITH_LIMIT = re.compile(r"(?i)\s*,?\s*(?:with|having|defined\s+as|i\.e\.,?|as\s+defined\s+by)\s+[^,;.]{0,60}")


def _exceptions_over_sub_items(constraints: list[Constraint], items: list[Item], norm: str) -> None:
    """A lead-in with an exception ("Laboratory results within these ranges (unless related to CLL
    involvement):") spares some patients from every limit below it: a value within a limit answers surely, one
    outside it may be spared, so it asks."""
    for item in items:
        if not item.children or not item.text.rstrip().endswith(":"):
            continue
        spans = exception_spans(norm, item.start, item.end)
        if not spans:
            continue
        words = " ".join(norm[spans[0][0] : spans[0][1]].split()).rstrip(":) ")
        below = _descendants(items, [item])
        for c in constraints:
            if c.item in below and c.kind in ("numeric", "concept") and not c.definitional:
                _doubt_once(c, "excepted", words)


# where a clause ends, between two places of an item: a semicolon, a line break, a full stop before a space
_CLAUSE_BREAK = re.compile(r"[;\n]|\.\s")


# the people an age names, before it: "for patients aged 65 or older", "in subjects < 60", "for those over 70"
_WHOSE_AGE = re.compile(
    r"(?i)\b(?:for|in|among|of)\s+(?:those|patients?|subjects?|participants?|individuals|people|children|adults)\s+"
    r"(?:(?:who\s+are|aged?|of\s+age|age[ds]?)\s+)?(?:(?:years?\s+)?(?:old\s+)?)?$|"
    r"\S\s+for\s+(?:ages?\s+)?$"  # after another limit: "Karnofsky ≥ 50 for > 10 years of age"
)


def _ages_naming_whom(constraints: list[Constraint], norm: str) -> None:
    """An age written after "for patients" or "in subjects" ("ECOG 0-2 for patients aged 65 or older", "≤ 5
    points for patients < 60") names whom the item's other limits hold for: it requires no age, and the
    others of its clause hold for those patients only."""
    for c in [c for c in constraints if c.kind == "numeric" and c.quantity == "age"]:
        at = c.start or 0
        whose = _WHOSE_AGE.search(norm, max(0, at - 40), at)
        if whose is None:
            continue
        constraints.remove(c)
        words = " ".join(norm[whose.start() : c.end or at].split())
        for o in constraints:
            same_clause = o.start is not None and not _CLAUSE_BREAK.search(norm, min(o.start, at), max(o.start, at))
            if o.item == c.item and o.kind in ("numeric", "concept") and same_clause:
                _doubt_once(o, "condition", words)


def _limits_with_exceptions(constraints: list[Constraint], items: list[Item], norm: str) -> None:
    """An exclusion's limit with an exception after it in its clause ("bilirubin > 3 mg/dL except in Gilbert
    syndrome"): a value the limit lets through answers surely; one it would exclude may be excepted, so it asks."""
    by_index = {item.index: item for item in items}
    for c in constraints:
        if c.kind != "numeric" or c.polarity != "exclude" or c.end is None or c.definitional:
            continue  # an inclusion's limit excepting some patients is read with its subgroups (_set_aside)
        item = by_index.get(c.item or 0)
        for a, b in exception_spans(norm, item.start, item.end) if item is not None else []:
            if c.end <= a and not _CLAUSE_BREAK.search(norm, c.end, a):
                _doubt_once(c, "excepted", " ".join(norm[a:b].split()))
                break


def _limits_narrowing_a_concept(constraints: list[Constraint], norm: str) -> None:
    """A condition and, right after it (or right before it), a limit that says which of it is meant ("History of
    cardiac disease, with NYHA class II or greater", "NYHA class III or IV heart disease"): the limit decides;
    the condition alone is narrowed by it."""
    limits = [c for c in constraints if c.kind == "numeric" and c.start is not None]
    for c in constraints:
        if c.kind != "concept" or c.category != "condition" or c.end is None:
            continue
        for n in limits:
            if n.item != c.item or n.polarity != c.polarity:
                continue
            if (n.start or 0) > c.end:
                if _WITH_LIMIT.fullmatch(norm, c.end, n.start or 0):
                    _doubt_once(c, "qualifier", " ".join(norm[c.end : n.end or 0].split()).lstrip(", "))
                break
            if n.end is not None and c.start is not None and n.end <= c.start and not norm[n.end : c.start].strip():
                # "NYHA class III or IV heart disease": the grade written before the condition it grades
                _doubt_once(c, "qualifier", " ".join(norm[n.start or 0 : n.end].split()))


def _another_groups_limit(constraints: list[Constraint]) -> None:
    """A limit for some patients only, beside a value left unread ("QTc < 500 ms for men (470 ms for women)"):
    the others have a limit of their own, maybe a stricter one, so meeting this one proves nothing."""
    for c in constraints:
        kinds = set((c.unsure or "").split(","))
        if c.kind == "numeric" and "condition" in kinds and re.search(r"\d", c.leftover or ""):
            _doubt_once(c, "unplaced", c.leftover or "")


def _limit_beside_alternatives(constraints: list[Constraint]) -> None:
    """A limit written after alternatives on the same quantity that one of them contradicts ("blasts < 5% or
    < 25% and ≥ 5%"): it belongs to the last alternative, not to everyone, so failing it proves nothing."""
    grouped: dict[tuple[int | None, str], list[Constraint]] = {}
    for c in constraints:
        if c.kind == "numeric" and c.any_of_group is not None and c.value is not None:
            grouped.setdefault((c.item, c.quantity or ""), []).append(c)
    for c in constraints:
        others = grouped.get((c.item, c.quantity or ""), [])
        if c.kind != "numeric" or c.any_of_group is not None or c.value is None or not others:
            continue
        if any(_disjoint(c, o) for o in others) and (c.start or 0) > min(o.start or 0 for o in others):
            _doubt_once(c, "condition", "or")


def _conditional_limits_stand_alone(constraints: list[Constraint]) -> None:
    """Limits offered as alternatives where some hold only for a subgroup ("platelets ≥ 100, > 70 if the marrow
    is involved", "creatinine < 1.4 for women or < 1.5 for men") are no free choice: meeting the subgroup's
    limit lets in only that subgroup. Each stands alone, for whom it holds (a "not met" on one is a question)."""
    members: dict[str, list[Constraint]] = {}
    for c in constraints:
        if c.kind == "numeric" and c.polarity == "include" and c.any_of_group is not None:
            members.setdefault(c.any_of_group, []).append(c)
    for group in members.values():
        conditional = [c for c in group if "condition" in (c.unsure or "").split(",")]
        if not conditional or len(group) < 2:
            continue
        words = next((c.leftover for c in conditional if c.leftover), None) or "a subgroup's limit"
        for c in group:
            c.any_of_group = None
            if c not in conditional:
                _doubt_once(c, "condition", words)


def _disjoint(a: Constraint, b: Constraint) -> bool:
    """Whether no value meets both limits (one from below, one from above)."""
    low, high = (a, b) if a.comparator in (">", ">=") else (b, a)
    if (
        low.value is None
        or high.value is None
        or low.comparator not in (">", ">=")
        or high.comparator not in ("<", "<=")
    ):
        return False
    return low.value > high.value or (low.value == high.value and (low.comparator == ">" or high.comparator == "<"))


def _or_unfit_for(constraints: list[Constraint], items: list[Item], norm: str) -> None:
    """A therapy the patient may have had or be unfit for ("received, or ineligible for, curative regimens
    including transplant"): having had it is one way in, not a requirement. One that must have been stopped
    some time before ("all prior therapy ... must have been discontinued 4 weeks before") is no requirement
    either."""
    starts = {item.index: item.start for item in items}
    among_statuses = {o.item for o in constraints if o.category == "disease_status" and o.any_of_group}
    for c in constraints:
        if c.kind != "concept" or c.category != "prior_therapy" or c.polarity != "include" or c.start is None:
            continue
        item_start = starts.get(c.item or 0, 0)
        unfit = _NOT_A_CANDIDATE.search(norm, max(item_start, c.start - 100), c.start)
        if unfit is None and c.end is not None:  # "prior autologous HSCT, or not a candidate for it"
            unfit = _OR_NOT_A_CANDIDATE.match(norm, c.end, min(len(norm), c.end + 80))
        if unfit is not None:
            _doubt_once(c, "alternative", " ".join(unfit.group(0).split()))
        anchored = _STATUS_ANCHOR.search(norm, max(item_start, c.start - 50), c.start)
        if anchored is not None and c.item in among_statuses:  # "refractory to chemotherapy, or relapsed after HSCT"
            _doubt_once(c, "alternative", " ".join(anchored.group(0).split()))  # the therapy of one way in
        stopped = _STOPPED.match(norm, c.end or c.start, min(len(norm), (c.end or c.start) + 120))
        if stopped is not None:  # "all prior therapy, including radiation, must have been stopped 4 weeks before":
            _doubt_once(c, "unplaced", " ".join(stopped.group(1).split()))  # a washout, whoever had it


_MEASURE_WORD = re.compile(r"(?i)\b(?:score|scale|rating|index|level|count|dose|doses|mg)\b")


def _extents_of_concepts(constraints: list[Constraint], norm: str, vocab: Vocabulary) -> None:
    """A limit outside the vocabulary named by a therapy just before it ("prior radiotherapy to > 25% of the
    bone marrow", "surgery involving > 2 vertebrae") says how much of it is meant: no quantity of the patient's,
    but words that narrow the therapy."""
    concepts = [
        c
        for c in constraints
        if c.kind == "concept" and c.category == "prior_therapy" and c.start is not None and c.end is not None
    ]  # a score written after a condition ("dementia (CDR 0.5-1)") is the patient's quantity
    for c in [
        c
        for c in constraints
        if c.kind == "numeric"
        and c.quantity not in vocab.quantities
        and not _MEASURE_WORD.search(c.quantity or "")
        and "g" not in (c.unit or "")  # "steroids at ≥ 5 mg/day prednisone": a dose is a limit of its own
    ]:
        named = next(
            (
                d
                for d in concepts
                if d.item == c.item
                and d.end is not None
                and 0 <= (c.start or 0) - d.end <= 25
                and not re.search(r"[;.,]", norm[d.end : c.start or 0])
            ),
            None,
        )
        if named is None:
            continue
        constraints.remove(c)
        tail = re.match(r"[^;.,\n]{0,40}", norm[c.end or 0 :])
        _doubt(
            named,
            "qualifier",
            " ".join(norm[named.end or 0 : (c.end or 0) + len(tail.group(0) if tail else "")].split()),
        )


def _descendants(items: list[Item], heads: list[Item]) -> set[int]:
    """The indexes of every item below the given ones, however deep."""
    by_index = {item.index: item for item in items}
    found: set[int] = set()
    stack = [child for head in heads for child in head.children]
    while stack:
        child = stack.pop()
        if child not in found:
            found.add(child)
            stack += by_index[child].children if child in by_index else []
    return found


# the person a lead-in or an item is about, when it is not the patient: "Available donor that meets the following
# criteria:", "The donor must be HIV negative"
_SOMEONE_ELSE = re.compile(r"(?i)\b(?:donors?|caregivers?|care\s+givers?|legal\s+guardians?)\b")
_SOMEONE_ELSE_SUBJECT = re.compile(
    r"(?i)^\W*(?:the\s+|a\s+|an\s+|each\s+)?(?:[\w-]+\s+){0,2}?(?:donors?|caregivers?)\b"
)


def _about_someone_else(constraints: list[Constraint], items: list[Item]) -> None:
    """What a donor (or caregiver) must meet is not the patient's criterion: the sub-items of a lead-in naming
    the donor ("HLA-haploidentical donor that meets the following criteria:"), however deep, and an item whose
    subject is the donor ("The donor must be at least 18"), decide nothing: the study team checks them."""
    whose: dict[int, str] = {}  # item -> the registry's words naming the other person
    for item in items:
        subject = _SOMEONE_ELSE_SUBJECT.match(item.text)
        if subject is not None:
            whose[item.index] = subject.group(0).strip(" -*•")
        if item.children and _SOMEONE_ELSE.search(item.text) and item.text.rstrip().endswith(":"):
            for below in _descendants(items, [item]):
                whose.setdefault(below, " ".join(item.text.split()).rstrip(":"))
    for c in constraints:
        if c.item in whose and c.kind in ("numeric", "concept"):
            _doubt(c, "unplaced", whose[c.item], first=True)


# an inclusion's lead-in that says what the patient must be free of: "No other serious illness, including:"
_NEGATED_LEAD_IN = re.compile(r"(?i)^\W*(?:no|none\s+of|without|absence\s+of|free\s+of|must\s+not\s+have)\b")


def _negated_lead_ins(constraints: list[Constraint], items: list[Item]) -> None:
    """An inclusion's lead-in that negates what its sub-items list ("No serious illness, including any of the
    following:" over "Myocardial infarction within 6 months", "NYHA class III-IV heart failure") makes every
    thing below it, however deep, one the patient must not have: each excludes, none is required."""
    below = _descendants(
        items,
        [
            item
            for item in items
            if item.section == "inclusion"
            and item.children
            and _NEGATED_LEAD_IN.match(item.text)
            and item.text.rstrip().endswith(":")
        ],
    )
    for c in constraints:
        if c.item in below and c.kind in ("numeric", "concept") and c.polarity == "include" and not c.definitional:
            c.polarity = "exclude"


# a word every permission holds (cues.json "permission", and _BARE_PERMISSION)
_PERMISSION_WORD = re.compile(r"(?i)allow|permit|eligib|accept|includ|enrol|particip|exclu|not\s+an?\s+exclusion")
# an item that only lets some patients in, said without "are" ("Renal dysfunction due to infiltration allowed")
_BARE_PERMISSION = re.compile(r"(?i)\b(?:allowed|permitted|acceptable|eligible)\s*[.;]?\s*$")
# a permission's word said with "not" ("Previously untreated patients are not eligible"): it excludes
_NOT_PERMITTED = re.compile(r"(?i)\b(?:not|never|no\s+longer)\s+(?:(?:be|considered|deemed)\s+)*$")


def _permission_items(constraints: list[Constraint], items: list[Item], norm: str) -> None:
    """An item that only lets some patients in ("Patients with Gilbert's syndrome are eligible", "Renal
    dysfunction due to organ infiltration allowed") requires and excludes nothing of its own: what it names is
    who it is for, and it is kept as text to read. It narrows the item before it in its section: a limit still
    lets in whoever meets it, an exclusion still passes whoever has none of it; the rest is for the study
    team."""
    by_item: dict[int, list[Constraint]] = {}
    for c in constraints:
        if c.kind in ("numeric", "concept") and c.item is not None:
            by_item.setdefault(c.item, []).append(c)

    def lets_in(a: int, b: int) -> bool:  # "Known brain metastases, but these may be included": a contrast
        found = cues().permission.search(norm, a, b) or _BARE_PERMISSION.search(norm, a, b)  # keeps what is before
        if found is None or CONTRAST.search(norm, a, found.start()) is not None:
            return False
        if _NOT_PERMITTED.search(norm, a, found.start()):
            return False
        lead = norm[a : found.start()]
        return lead.count("(") <= lead.count(")")  # "Platelets ≥ 30 (transfusions are allowed)": a remark

    for n, item in enumerate(items):
        if item.children or not _PERMISSION_WORD.search(item.text):  # a cheap look before each clause's
            continue
        clauses = clause_bounds(norm, item.start, item.end)
        if not clauses or not all(lets_in(a, b) for a, b in clauses):
            continue
        words = " ".join(item.text.split()).rstrip(".;")
        own = {id(c) for c in by_item.get(item.index, [])}  # kept as text to read (see parse)
        constraints[:] = [c for c in constraints if id(c) not in own]
        before = next((p for p in reversed(items[:n]) if p.section == item.section and p.level <= item.level), None)
        if before is None or before.section != item.section:
            continue
        for c in by_item.get(before.index, []):
            _doubt(c, "excepted" if item.section == "inclusion" else "exception", words)


_OR_ITEM = re.compile(r"(?i)^\s*(?:or|and/or)\b[\s,:]")
_OR_ITEM_END = re.compile(r"(?i)[\s,;]\(?(?:or|and/or)\)?[\s:;,.]*$")


def _alternative_items(constraints: list[Constraint], items: list[Item]) -> None:
    """An item that opens with "OR" is an alternative to the item before it (at its level, in its section):
    neither is required of everyone, so what each requires holds only for the patients it describes."""
    for n, item in enumerate(items):
        if _OR_ITEM_END.search(item.text):  # "... > 100 days from transplant OR": the next item is the other way
            later = next((o for o in items[n + 1 :] if o.section == item.section and o.level == item.level), None)
            for member in (item, later):
                for c in constraints:
                    if member is not None and c.item == member.index and c.kind in ("numeric", "concept"):
                        _doubt_once(c, "condition", "or")
        if not _OR_ITEM.match(item.text):
            continue
        earlier = next((o for o in reversed(items[:n]) if o.section == item.section and o.level == item.level), None)
        for member in (item, earlier):
            if member is None:
                continue
            for c in constraints:
                if (
                    c.item == member.index
                    and c.kind in ("numeric", "concept")
                    and "conflict" not in (c.unsure or "").split(",")
                    and "or" not in (c.leftover or "").split(" … ")
                ):
                    _doubt(c, "condition", "or", first=True)


# what separates an age band from the limit that holds for it: "Age 1 to < 2 years: creatinine ≤ 0.6 mg/dL"
_BAND_SEPARATOR = re.compile(r"[\s)\]]*(?:[:|=]|-\s|–|→|->)")
_ROW_LABEL = re.compile(r"[\s)\]]*[:|=]")  # an age band labelling a row of values: "≥ 16 years: 1.7 (male)"
_ROW_SEPARATOR = re.compile(r"[\s)\]]*(?:[:|=;]|-\s|–|→|->)")  # a row of a table: "Age: 1 to < 2 years; maximum ..."


# patients named by their age to say whom a limit is for: "for patients > 16 years of age", "in subjects aged
# 1 to < 2 years", "patients ≤ 16 years of age:" (a label before a colon)
_AGED = (
    r"(?:patients?|subjects?|participants?|children|adolescents|adults|those|individuals)\s+"
    r"(?:(?:aged?|who\s+are|of\s+age)\s+)?\\?(?:[<>≤≥]|greater|less|older|younger|under|over|between|from|\d)"
    r"[^:;,()]{0,30}?(?:years?|yrs?|months?)(?:\s+(?:of\s+age|old|or\s+(?:older|younger|more|less)))?"
)
_AGE_SUBGROUP = re.compile(rf"(?i)\b(?:(?:for|in|among)\s+{_AGED}|{_AGED}\s*:)")


def _after_age_words(norm: str, position: int, end: int) -> int:
    words = re.match(r"[\s]*(?:years?|months?|yrs?|y|old|of\s+age)*", norm[position:end])
    return position + (words.end() if words else 0)


def _age_conditions(builder: _Builder, before: int, item: Item, norm: str, vocab: Vocabulary) -> None:
    """An age band that labels a limit ("Age 1 to < 2 years: creatinine ≤ 0.6 mg/dL", a row of a table of
    limits by age) says for whom the limit holds: it is the limit's condition, not an age requirement. When
    the limit after the band is not read ("maximum creatinine (mg/dL): 0.6 (male)"), the band requires
    nothing either."""
    own = builder.constraints[before:]
    limits = [c for c in own if c.kind == "numeric" and c.quantity != "age"]
    for label in _AGE_SUBGROUP.finditer(norm, item.start, item.end) if limits else ():
        # "Karnofsky ≥ 50 for patients > 16 years and Lansky ≥ 50 for patients ≤ 16 years", "patients > 16 years
        # of age: Karnofsky ≥ 60%": who each limit is for, named by age; which limit is whose is not read
        for c in [c for c in own if c.quantity == "age" and label.start() <= (c.start or -1) < label.end()]:
            builder.constraints.remove(c)
            own.remove(c)
        for c in limits:
            builder.conditions.setdefault(c.id, (label.start(), label.end()))
    ages = [c for c in own if c.kind == "numeric" and c.quantity == "age" and c.end is not None]
    for c in list(ages):  # "Karnofsky ≥ 50 (subjects ≥ 16 years of age)": the ages the limit before holds for
        opened = norm.rfind("(", item.start, c.start or 0)
        closed = norm.find(")", c.end or 0, item.end)
        if opened < 0 or closed < 0 or ")" in norm[opened : c.start]:
            continue
        limit = next(
            (
                o
                for o in own
                if o.kind == "numeric"
                and o.quantity != "age"
                and o.end is not None
                and o.end <= opened
                and not norm[o.end : opened].strip()
            ),
            None,
        )
        if limit is not None:
            builder.constraints.remove(c)
            ages.remove(c)
            builder.conditions[limit.id] = (opened, closed + 1)
    if not ages:
        return
    first_age = min(ages, key=lambda c: c.start or 0)
    row = _ROW_LABEL.match(norm, _after_age_words(norm, first_age.end or 0, item.end), item.end)
    if (
        row is not None
        and re.search(r"\d", norm[row.end() : item.end])
        and not any(c.kind == "numeric" and c.quantity != "age" for c in own)
    ):  # "≥ 16 years: male 1.7, female 1.4": a row of a table whose values were not read; it requires nothing
        for c in ages:
            builder.constraints.remove(c)
        return
    last_age = max(c.end or 0 for c in ages)
    words = re.match(r"[\s]*(?:years?|months?|yrs?|y|old|of\s+age)*", norm[last_age : item.end])
    after_band = last_age + (words.end() if words else 0)
    separator = _BAND_SEPARATOR.match(norm, last_age, item.end) or _BAND_SEPARATOR.match(norm, after_band, item.end)
    limits = [c for c in own if c.kind == "numeric" and c.quantity != "age" and (c.start or 0) > last_age]
    if not limits:
        separator = separator or _ROW_SEPARATOR.match(norm, after_band, item.end)
        named = vocab.quantity_matcher.search(norm, separator.end(), item.end) if separator else None
        if named is not None and named.key != "age" and re.search(r"\d", norm[named.end() : item.end]):
            for c in ages:
                builder.constraints.remove(c)
        return
    if separator is None:
        return
    band = (item.start, separator.start())
    for c in ages:
        builder.constraints.remove(c)
    for c in limits:
        builder.conditions[c.id] = band


# A line that offers its sub-items as alternatives: "meet one of the following criteria:", "any of the
# following:", "at least one of:", "either".
_ONE_OF = re.compile(
    r"(?i)\b(?:one|1|any|at\s+least\s+(?:one|two|three|1|2|3)|(?:one|two|three|1|2|3)\s+or\s+more|"
    r"any\s+(?:one|two|three|1|2|3)|either)\s+(?:\w+\s+){0,2}(?:of\s+the\s+following|of:|below)|"
    r"\bone\s+of\s+(?:these|the\s+criteria|the\s+conditions)|\beither\s*:\s*$|"
    r"\b(?:more\s+than\s+(?:one|1)|at\s+least\s+(?:two|2))\b[^;]*:\s*$"  # "(need more than one to be eligible):"
)
# A topic heading in title case over sub-items, without a colon: "Allergies and Adverse Drug Reactions"
_TITLE_HEADING = re.compile(
    r"(?:[A-Z][\w/-]*|and|or|and/or|of|the|to|for|in|&)(?:\s+(?:[A-Z][\w/-]*|and|or|and/or|of|the|to|for|in|&)){1,6}"
)
# A criterion struck from the protocol: "(Retired with Protocol Version 3)", "[deleted]".
_RETIRED = re.compile(  # as a mark, not a word of the criterion ("completely surgically removed tumour")
    r"(?i)^\W*(?:retired|deleted|removed|struck)\b|[(\[]\s*(?:retired|deleted|removed|struck)\b|"
    r"\b(?:retired|deleted|removed|struck)\s+(?:with|per|in|by|from)\s+(?:the\s+)?(?:protocol|amendment|version)|"
    r"\bno\s+longer\s+(?:applies|applicable|required)\b"
)


def _read_lists_of_cases(constraints: list[Constraint], items: list[Item], norm: str) -> None:
    """Sub-items offered as alternatives ("meet one of the following criteria: a) ... b) ... c) ...") are
    each one way in: in an inclusion, what they require is an alternative (meeting one is enough, so failing
    one rules nobody out). A heading line whose sub-items state the criteria names only their topic ("Live
    vaccine administration:"), and a struck criterion ("Retired with protocol version 3") requires nothing."""
    for item in items:
        own = [c for c in constraints if c.item == item.index and c.kind in ("numeric", "concept")]
        if _RETIRED.search(norm, item.start, item.end):
            for c in own:
                constraints.remove(c)
            continue
        following = items[item.index + 1] if item.index + 1 < len(items) else None
        leads_in_next = following is not None and following.text.rstrip().endswith(":")
        if (item.children or leads_in_next) and _TITLE_HEADING.fullmatch(item.text.strip()):
            # a topic's heading: "Allergies and Adverse Drug Reactions" over its items, "Prior Systemic Therapy"
            # before "Patients must have recovered ... as follows:"
            for c in own:
                constraints.remove(c)
            continue
        if not item.children:
            if item.section == "inclusion" and item.text.rstrip().endswith(":") and _ONE_OF.search(item.text):
                _alternatives_below(constraints, _cases_after(item, items))
            continue
        exempt = cues().exemption.search(item.text)
        if exempt is not None:  # "... with marrow involvement are exempt from these requirements": some only
            for c in constraints:
                if c.item in item.children and c.kind in ("numeric", "concept") and not c.definitional:
                    _doubt(c, "condition", _sentence_around(item.text, exempt.start(), exempt.end()))
        if (
            item.section == "exclusion"
            and item.text.rstrip().endswith(":")
            and (cues().permission.search(item.text) or cues().exception_heading.search(item.text))
        ):
            _let_in_below(constraints, item, own)
            continue
        if item.section == "inclusion" and item.text.rstrip().endswith(":") and cues().permission.search(item.text):
            # "Patients with HIV infection are eligible, provided they meet the following:": the sub-items hold
            # for those patients only
            for c in constraints:
                if c.item in item.children and c.kind in ("numeric", "concept") and not c.definitional:
                    _doubt_once(c, "condition", " ".join(item.text.split()).rstrip(":"))
        if item.text.rstrip().endswith(":"):  # "Any of the following within 14 days prior to treatment:"
            windows = window_spans(norm, item.start, item.end, vocabulary())
            if len(windows) == 1:
                for c in constraints:
                    if (
                        c.item in item.children
                        and c.kind == "concept"
                        and c.category in ("prior_therapy", "condition", "infection")
                        and c.within is None
                        and not c.current
                        and not c.definitional
                    ):
                        c.within = windows[0][2]
        listing = _LEADS_INTO_LIST.search(item.text) is not None
        lead_qualifiers = [m.group(0) for m in reading_rules().qualifiers.finditer(item.text)] if listing else []
        if lead_qualifiers:  # "No concurrent uncontrolled illness including the following:": each is uncontrolled
            for c in constraints:
                if c.item in item.children and c.kind == "concept" and not c.definitional:
                    _doubt_once(c, "qualifier", " ".join(lead_qualifiers))
        if item.text.rstrip().endswith(":") and item.section == "inclusion" and NEGATIVE_RESULT.search(item.text):
            _negative_below(constraints, item)
        if item.text.rstrip().endswith(":"):  # a heading that names the topic its sub-items state
            # the same concept stated below with the heading's own polarity: the heading names its topic; a
            # heading whose sub-items only let some patients in ("Known CNS metastases: ... treated and stable
            # metastases are allowed") states the criterion itself
            below = {(c.concept, c.polarity) for c in constraints if c.item in item.children and not c.definitional}
            topics = (  # "the following active viral infections:": what the sub-items name is of its kind
                {c.category for c in constraints if c.item in item.children and not c.definitional}
                if _LEADS_INTO_LIST.search(item.text)
                else set()
            ) - {"disease_status"}
            read_below = any(c.item in item.children and c.kind in ("numeric", "concept") for c in constraints)
            if not read_below:  # "Active infection:" over sub-items not read: they may narrow it
                for c in own:
                    if c.kind in ("numeric", "concept") and "conflict" not in (c.unsure or "").split(","):
                        _doubt(c, "qualifier", "the sub-items below it")
            for c in own:
                kinds_below = bool(topics) and any(
                    polarity == c.polarity and c.concept in vocabulary().concept_ancestors(concept or "")
                    for concept, polarity in below
                )  # "Prior anticancer therapy, including:" then washouts of chemotherapy, antibodies ...
                # a heading of a few words naming only the topic ("Viral infections:") over sub-items of that
                # kind of thing (hepatitis B with detectable DNA, HIV): the sub-items state what it excludes
                named_only = len(item.text.split()) <= 4 and any(
                    o.item in item.children and o.polarity == c.polarity and o.category == c.category
                    for o in constraints
                    if not o.definitional
                )
                concept = vocabulary().concepts.get(c.concept or "")
                topic = c.category in topics and concept is not None and not concept.primary_diagnosis
                leads_in = (c.start or 0) >= _last_sentence_start(norm, item)  # not a criterion said before it
                if c.kind == "concept" and (kinds_below or topic or named_only) and leads_in:
                    constraints.remove(c)
        if item.section != "inclusion" or not _ONE_OF.search(item.text):
            continue
        _alternatives_below(constraints, set(item.children))


def _last_sentence_start(norm: str, item: Item) -> int:
    """Where an item's last sentence begins: of a lead-in ("Known hepatitis C. Participants with hepatitis B
    were excluded when any of the following were met:"), the part that leads into the list."""
    stop = norm.rfind(". ", item.start, item.end - 2)
    return stop + 2 if stop >= 0 else item.start


def _alternatives_below(constraints: list[Constraint], cases: set[int]) -> None:
    """What the items ``cases`` require is one way in of several: failing it rules nobody out."""
    for c in constraints:
        if c.item in cases and c.kind in ("numeric", "concept") and not c.definitional:
            kinds = {k for k in (c.unsure or "").split(",") if k}
            if "conflict" not in kinds:
                c.unsure = ",".join(sorted(kinds | {"alternative"}))
                c.leftover = c.leftover or "one of the following"


def _cases_after(lead_in: Item, items: list[Item]) -> set[int]:
    """The cases a lead-in ("... with at least 1 of the following:") offers when the layout did not nest them
    under it: the marked items after it (with theirs), up to an unmarked paragraph, another section, or the
    item that goes on the lead-in's own numbering ("3." after "2.")."""
    cases: set[int] = set()
    following = (
        str(int(lead_in.label) + 1) if lead_in.label and lead_in.label.isdigit() else None
    )  # the lead-in's next number
    for item in items[lead_in.index + 1 :]:
        if item.parent in cases:
            cases.add(item.index)
            continue
        if item.section != lead_in.section or item.label is None or item.label == following:
            break
        cases.add(item.index)
    return cases


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` that holds ``text[start:end]``, without its full stop."""
    opened = max(text.rfind(". ", 0, start) + 2, text.rfind(": ", 0, start) + 2, 0)
    closed = min((i for i in (text.find(". ", end), text.find(":", end)) if i >= 0), default=len(text))
    return text[opened:closed].strip(" .:")


# a heading that leads into the list below it: "any of the following active infections:", "therapy, including:"
_LEADS_INTO_LIST = re.compile(r"(?i)\b(?:the\s+following|including|such\s+as|as\s+follows|e\.g\.)\b[^:]{0,60}[:：]\s*$")


def _negative_below(constraints: list[Constraint], item: Item) -> None:
    """A lead-in that says the tests below must be negative ("Virology testing negative:", "Negative
    for:"): each infection or marker a sub-item names is one the patient must not have, not one required."""
    for c in constraints:
        named = c.item in item.children and c.kind == "concept" and c.category in ("infection", "biomarker")
        if named and c.polarity == "include" and not c.definitional:
            c.polarity = "exclude"
            c.current = True  # a test result says what the patient has now


def _let_in_below(constraints: list[Constraint], item: Item, own: list[Constraint]) -> None:
    """An exclusion whose sub-items list whom it lets in ("Known CNS metastases, but the following patients
    will be allowed: asymptomatic brain metastases; clinically stable ..."): the sub-items are its exceptions,
    never exclusions of their own; what they allow is not read, so the exclusion can only let a patient pass."""
    below = [c for c in constraints if c.item in item.children and c.kind in ("numeric", "concept", "unparsed")]
    allowed = [  # what a sub-item surely names (an unsure reading could name more than it lets in)
        c.concept
        for c in below
        if c.kind == "concept" and c.concept and c.category != "disease_status" and not c.unsure
    ]
    for c in below:
        constraints.remove(c)
    for c in own:
        if c.kind != "concept":
            continue
        c.exceptions += [a for a in allowed if a not in c.exceptions and a != c.concept]
        c.unsure = ",".join(sorted({k for k in (c.unsure or "").split(",") if k} | {"exception"}))
        c.leftover = c.leftover or "the patients the sub-items allow"


def _explaining(defines: Defines, numeric: list[NumericMatch], concepts: list[ConceptMatch], item: Item) -> Defines:
    """The definitions that explain a term the item requires ("refractory hypertension (defined as ...)"),
    without those that state the requirement itself: "Adequate organ function defined as: AST <= 3 x ULN"
    names no requirement before its cue, so what follows the cue is the requirement, not an explanation."""
    kept = []
    for a, b in defines:
        named_before = any(item.start <= m.start < a for m in numeric) or any(
            item.start <= m.start < a and m.category != "administrative" for m in concepts
        )
        if named_before:
            kept.append((a, b))
    return kept


# A parenthesised aside right after something placed restates it ("alanine aminotransferase (ALT)",
# "hepatitis B surface antigen (HBsAg)", "bilirubin (total)"); one that negates or narrows does not
# ("platelets > 50,000 (no transfusion support)", "(treated disease only)").
_ASIDE = re.compile(
    r"\s*[(\[]\s*(?![^()\[\]]{0,25}?\b(?:no|not|without|only|unless|except|excluding|if)\b)[^()\[\]]{1,25}?\s*[)\]]"
)
# A clause that carries on the one before it: its leftovers belong to that clause's constraints.
_CONTINUES = re.compile(
    r"(?i)^\s*(?:which|that|who|whose|unless|except|if|when|as|including|such\s+as|or|and|but|with|without|"
    r"in\s+whom|where|whether|e\.g\.|i\.e\.)\b"
)


def _read_item(
    builder: _Builder,
    before: int,
    item: Item,
    norm: str,
    vocab: Vocabulary,
    numeric: list[NumericMatch],
    concepts: list[ConceptMatch],
    defines: Defines,
) -> None:
    """Mark each constraint of the item (``builder.constraints[before:]``) with how surely its clause was
    read (``reading.py``), and with whether it speaks of a present state."""
    readable = [c for c in builder.constraints[before:] if c.kind in ("numeric", "concept") and c.start is not None]
    if not readable:
        return
    placed: list[tuple[int, int]] = [(m.start, m.end) for m in numeric]
    keys = {m.quantity.key for m in numeric}
    quantity_mentions = [m for m in find_mentions(norm, item.start, item.end, vocab) if m.key in keys]
    placed += [(m.start, m.end) for m in quantity_mentions]
    named_where: dict[str, list[tuple[int, int]]] = {}
    for mention in sorted(quantity_mentions, key=lambda found: found.start):
        named_where.setdefault(mention.key, []).append((mention.start, mention.end))
    for m in numeric:
        if m.quantity.key not in vocab.quantities:  # a quantity named by the words before its threshold
            name = norm.lower().rfind(m.quantity.key, item.start, m.start)
            if name >= 0:
                placed.append((name, name + len(m.quantity.key)))
    matched = vocab.concept_matcher.finditer(norm, item.start, item.end)
    purposes = [  # a disease named as what a therapy is for narrows the therapy: its words stay, as qualifiers
        (m.start(), m.end())
        for m in matched
        if vocab.concepts[m.key].category == "condition" and named_as_purpose(norm, item.start, m)
    ]
    plans = [  # a therapy someone is a candidate for ("or eligibility for allogeneic HSCT"): another thing said
        (m.start(), m.end())
        for m in matched
        if vocab.concepts[m.key].category == "prior_therapy" and named_as_plan(norm, item.start, m)
    ]
    named = [
        m
        for m in matched
        if (m.start(), m.end()) not in builder.unplaced
        and (m.start(), m.end()) not in purposes
        and (m.start(), m.end()) not in plans
    ]
    for a, b in purposes:  # "chemotherapy, radiotherapy or antibodies for treatment of CLL": each of them
        for c in readable:
            if c.category == "prior_therapy" and (c.start or 0) < a and not CLAUSE_BREAK.search(norm, c.start or 0, a):
                _qualify(builder, c, (a, b))
    placed += [(m.start(), m.end()) for m in named]
    placed += [span for c in readable for span in builder.mentions.get(c.id, [])]  # elliptic names ("B or C")
    # a window nothing took ("... (e.g., cyclosporine) within 2 weeks prior to apheresis" where the therapy is
    # named before the examples): its words narrow what the item names, they are not read
    taken = {c.within for c in builder.constraints[before:] if c.within is not None}
    loose = [
        (a, b)
        for a, b, window in window_spans(norm, item.start, item.end, vocab)
        if window not in taken and not any(m.start <= a < m.end for m in numeric)
    ]
    placed += construction_spans(norm, item.start, item.end, vocab, washouts=item.section == "inclusion")
    placed += [span for c in readable for span in builder.qualified.get(c.id, [])]  # named as its qualifier
    placed += defines
    placed += [builder.conditions[c.id] for c in readable if c.id in builder.conditions]  # age bands
    # a status word read as qualifying something else, and the antigen a therapy is aimed at ("any CD19 CAR
    # T-cell therapy": not every CAR-T), stay leftovers: qualifiers of what they narrow
    narrowing = therapy_targets(norm, item.start, item.end, vocab) + purposes
    unplaced = builder.unplaced + narrowing
    if unplaced:
        placed = [(a, b) for a, b in placed if not any(u <= a and b <= v for u, v in unplaced)]
    for _a, b in list(placed):
        aside = _ASIDE.match(norm, b, item.end)
        if aside is not None:
            placed.append((b, aside.end()))
    read_exceptions = {e for c in readable for e in c.exceptions if vocab.concept_matcher.search(e) is not None}
    known = frozenset(w.lower() for m in named for w in tokens(m.group(0)))
    # an exception is read when it names what the engine reads and leaves no other word unplaced ("except
    # cured basal cell skin cancer or carcinoma in situ": the carcinoma in situ alone is not the exception)
    exceptions = [
        (
            span,
            (
                any(span[0] <= m.start() < span[1] for m in named)
                or _exception_read(norm[span[0] : span[1]], read_exceptions)
            )
            and not any(w.kind == "unplaced" for w in leftovers(norm, span[0], span[1], placed, known=known)),
        )
        for span in exception_spans(norm, item.start, item.end)
    ]
    clauses = clause_bounds(norm, item.start, item.end, CLAUSE_OR_LABEL_BREAK) or [(item.start, item.end)]
    owned = {i: [c for c in readable if a <= (c.start or 0) < b] for i, (a, b) in enumerate(clauses)}
    words: dict[int, list[Leftover]] = {id(c): [] for c in readable}
    carried: list[Leftover] = []  # a label clause ("Uncontrolled disease of:") governs the clauses after it
    orphans: list[Leftover] = []  # the words of a clause that owns no constraint and continues none
    previous: list[Constraint] = []
    for i, (a, b) in enumerate(clauses):
        specimen = _SPECIMEN_SUBJECT.match(norm, a, b)
        if specimen is not None:  # "Tissue ... must not have been exposed to chemotherapy": the sample's, not yours
            for c in owned[i]:
                noun = specimen.group(1).split()[0]
                words[id(c)].append(Leftover(specimen.start(1), specimen.start(1) + len(noun), noun, "unplaced"))
        pregnancy = bool(owned[i]) and all(c.category == "pregnancy" for c in owned[i])
        # heading words are placed where thresholds follow ("Adequate organ function defined as: AST ...")
        headings = any(c.kind == "numeric" for j in range(i, len(clauses)) for c in owned[j])
        found = leftovers(
            norm,
            a,
            b,
            placed,
            exceptions,
            known=known,
            headings=headings,
            pregnancy=pregnancy,
            conditions=builder.set_aside.get(item.index, ([], []))[0],
            narrowing=narrowing,
        )
        if not owned[i]:
            label = norm[b : b + 1] == ":" or norm[a:b].rstrip().endswith(":")
            if label:
                carried += found
            elif previous and _CONTINUES.match(norm, a):
                for c in previous:
                    words[id(c)] += found
            else:
                orphans += found
            continue
        owners = [Owner(n, tuple(_mentions_of(c, builder.mentions, named_where))) for n, c in enumerate(owned[i])]
        polarities = {c.polarity for c in owned[i]}  # "No psychiatric illness ...": an inclusion that excludes
        inclusion = polarities == {"include"} if len(polarities) == 1 else item.section == "inclusion"
        assigned = assign(norm, a, b, found, owners, inclusion=inclusion)
        for n, c in enumerate(owned[i]):
            words[id(c)] += carried + assigned[n]
        previous, carried = owned[i], []
    # the words of a clause that names nothing read ("Hepatocellular carcinoma: patients classified as
    # inoperable stage IIIa"), and of a label nothing followed, are another thing the item says: in an
    # inclusion another requirement, in an exclusion another way to be excluded
    another: LeftoverKind = "conjunct" if item.section == "inclusion" else "alternative"
    permitting = builder.set_aside.get(item.index, ([], []))[1]  # a permission's words are weighed below
    said = [w for w in orphans + carried if not any(a <= w.start < b for a, b in permitting)]
    for c in readable:
        words[id(c)] += [Leftover(w.start, w.end, w.word, another) if w.kind == "unplaced" else w for w in said]
    for clause_start, clause_end in clauses:
        if any(clause_start <= a < clause_end for a, _b in loose):
            continue  # "concurrent ... within 28 days of the first dose": recent, not only now
        ahead, behind = current_cues(norm, clause_start, clause_end)
        for c in readable:
            if clause_start <= (c.start or 0) < clause_end and c.kind == "concept" and c.category != "pregnancy":
                c.current = c.current or _in_present(norm, c, ahead, behind)
    judged = [
        c
        for c in builder.constraints[before:]
        if c.kind == "administrative" and c.concept == "investigator judgement" and c.start is not None
    ]
    for j in judged:  # "... and judged by the investigator to have an impact": the investigator decides
        clause = next(((a, b) for a, b in clauses if a <= (j.start or 0) < b), None)
        if clause is None:
            continue
        for c in readable:
            if clause[0] <= (c.start or 0) < clause[1]:
                words[id(c)].append(Leftover(j.start or 0, j.end or 0, j.text.strip(), "condition"))
    conditions, permissions = builder.set_aside.get(item.index, ([], []))
    read_permission = builder.permitted.get(item.index, False)
    again = builder.permitted_again.get(item.index, set())
    for a, b in permissions:  # a permission narrows every exclusion of its item: words of its exception
        said = leftovers(norm, a, b, [], known=known)
        for c in readable:
            # what it lets in is read, unless it lets in the very thing excluded, narrowed by words not read; an
            # inclusion's limit still lets in whoever meets it
            kind: LeftoverKind = (
                "excepted"
                if item.section == "inclusion" or (read_permission and c.concept not in again)
                else "exception"
            )
            words[id(c)] += [Leftover(w.start, w.end, w.word, kind) for w in said]
    for c in readable:  # "HCV antibody negative. If it is positive, HCV RNA must be negative": a second way in
        if c.kind != "concept" or c.polarity != "exclude" or c.concept is None:
            continue
        related = vocab.concept_ancestors(c.concept)
        for a, b in conditions:
            if a >= (c.end or 0) and any(
                m.key in related or c.concept in vocab.concept_ancestors(m.key)
                for m in vocab.concept_matcher.finditer(norm, a, b)
            ):
                _doubt_once(c, "exception", " ".join(norm[a:b].split()).lstrip(".;, "))
    conditioned: dict[int, list[tuple[int, int]]] = {}
    for c in readable:  # a limit right before a condition, or in the same brackets, holds only under it
        if c.kind != "numeric":
            continue
        under = [
            (a, b)
            for a, b in conditions
            if (a - (c.end or 0) >= 0 and _LIMIT_TO_CONDITION.match(norm[c.end or 0 : a]))
            or _same_brackets(norm, a, c.start or 0, item.start, item.end)
            or a <= (c.start or 0) < b  # "in subjects with Gilbert's syndrome, who must have bilirubin < 3 × ULN"
        ]
        if under:
            conditioned.setdefault(id(c), []).extend(under)
    limits = sorted((c for c in readable if c.kind == "numeric"), key=lambda c: c.start or 0)
    for earlier, later in itertools.pairwise(limits):  # "TBIL of patients with Gilbert's ≤ 3 × ULN and DBIL ≤ 1.5
        between = norm[earlier.end or 0 : later.start or 0]  # × ULN": the second limit is for them too
        shared = _AND_ONLY.search(between) and not re.search(r"[;.]", between)
        if shared and id(earlier) in conditioned and id(later) not in conditioned:
            conditioned[id(later)] = list(conditioned[id(earlier)])
    others = [(m.start(), m.end()) for m in _OR_OTHER.finditer(norm, item.start, item.end)]
    for c in readable:
        found = words[id(c)]
        for a, b in others:  # "rituximab (or other anti-CD20 drugs)": the words name other ways to meet it
            if c.end is not None and c.end <= a and not norm[c.end : a].strip():
                found = [Leftover(w.start, w.end, w.word, "alternative") if a <= w.start < b else w for w in found]
        if found and c.category != "pregnancy":
            c.unsure = kinds(found)
            c.leftover = leftover_words(list({(w.start, w.end): w for w in found}.values()))  # each word once
        for a, b in conditioned.get(id(c), []):  # whom the limit holds for (or spares)
            _doubt(c, "condition", " ".join(norm[a:b].split()))
        for a, b in loose:  # a window of its item that nothing took narrows what the item names
            if c.kind == "concept" and c.category != "pregnancy":
                _doubt(c, "qualifier", " ".join(norm[a:b].split()))
        for a, b in builder.qualified.get(c.id, []):  # words of a relation that qualify it
            _doubt_once(c, "qualifier", " ".join(norm[a:b].split()))
        turned = builder.turned.get(c.id)
        if turned is not None:
            _doubt(c, "unplaced", " ".join(norm[turned[0] : turned[1]].split()), first=True)
        band = builder.conditions.get(c.id)
        if band is not None:  # a limit that holds for an age band only
            _doubt(c, "condition", " ".join(norm[band[0] : band[1]].split()), first=True)
    for a, b in defines:  # "... refractory AML. Refractory is defined as ...": the definition narrows the status
        term = max(vocab.concept_matcher.finditer(norm, max(item.start, a - 40), a), key=_start_of, default=None)
        if term is None or norm[term.end() : a].strip(" ,:") not in ("is", "are", "was", ""):
            continue
        related = vocab.concept_ancestors(term.key)
        for c in readable:
            if (
                c.kind == "concept"
                and c.concept is not None
                and not c.definitional
                and (c.start or 0) <= term.start()
                and (c.concept in related or term.key in vocab.concept_ancestors(c.concept))
            ):
                _doubt_once(c, "qualifier", " ".join(norm[term.start() : b].split()))
    _share_subgroup_limits(readable)
    _unread_status_alternatives(readable, norm, vocab)
    for c in readable:  # "ALT ≤ 3 × ULN (≤ 5 × ULN if due to liver involvement)": the looser limit is no way in
        group = [o for o in readable if c.any_of_group and o.any_of_group == c.any_of_group and o is not c]
        under = conditioned.get(id(c), [])
        if under and any((o.end or 0) <= (c.start or 0) for o in group):  # a later member, with its condition
            _doubt_once(c, "relaxation", " ".join(norm[under[0][0] : under[0][1]].split()))


# joined by the word "or" ("persistent or relapsed"); a slash is left alone, as it joins a status to the word
# that names the same cases as often as to another way in ("complex/refractory cases: 1) ... 2) ...")
_OR_BEFORE = re.compile(r"(?i)\b([a-z][\w-]*)\s*,?\s+(?:or|and/or)\s+$")
_OR_AFTER = re.compile(r"(?i)^\s+(?:or|and/or)\s+([a-z][\w-]*)\b")


def _unread_status_alternatives(readable: list[Constraint], norm: str, vocab: Vocabulary) -> None:
    """A required status joined by "or" to a word that is no status the vocabulary knows ("persistent or
    relapsed disease", "relapsed or progressive"): that word is another way in, so failing the status read
    rules nobody out."""
    for c in readable:
        if c.kind != "concept" or c.category != "disease_status" or c.polarity != "include" or c.start is None:
            continue
        before = _OR_BEFORE.search(norm[max(0, c.start - 40) : c.start])
        after = _OR_AFTER.match(norm[c.end or c.start : (c.end or c.start) + 40])
        for joined in (before, after):
            if joined is None:
                continue
            word = joined.group(1)
            if word.lower() in ("disease", "the", "a", "an", "with", "both", "either") or vocab.concept_matcher.search(
                word
            ):
                continue
            _doubt(c, "alternative", word)
            break


def _share_subgroup_limits(readable: list[Constraint]) -> None:
    """A limit beside another limit on the same quantity that holds for a subgroup ("AST ≤ 2.5 × ULN; ≤ 5 ×
    ULN in patients with liver metastases") holds only outside that subgroup: it carries the subgroup's
    condition too, so it can say "met" but not rule anybody out alone."""
    numeric = [c for c in readable if c.kind == "numeric" and c.quantity]
    subgroups: dict[str, list[Constraint]] = {}  # quantity -> its limits that hold for a subgroup (read once)
    for o in numeric:
        if "condition" in (o.unsure or "").split(","):
            subgroups.setdefault(o.quantity or "", []).append(o)
    for c in numeric:
        if "condition" in (c.unsure or "").split(","):
            continue
        subgroup = next((o for o in subgroups.get(c.quantity or "", []) if o.value != c.value), None)
        if subgroup is not None:
            _doubt(c, "condition", f"otherwise than {subgroup.leftover}")


def _exception_read(text: str, read: set[str]) -> bool:
    """Whether an exception's words were read as a concept: as a route of the constraint's own, or with its
    spaces ignored (``_read_elliptic_exceptions``)."""
    if not read:
        return False
    if _ROUTE_WORD.search(text):
        return True
    squashed = _squashed(text)
    vocab = vocabulary()
    return any(
        len(name) >= 8 and _squashed(name) in squashed
        for key in read_keys(read, vocab)
        for name in vocab.concepts[key].names
    )


def read_keys(texts: set[str], vocab: Vocabulary) -> set[str]:
    return {m.key for text in texts for m in vocab.concept_matcher.finditer(text)}


def _mentions_of(
    c: Constraint, concept_mentions: dict[str, list[tuple[int, int]]], named_where: dict[str, list[tuple[int, int]]]
) -> list[tuple[int, int]]:
    """Where a constraint is named in its clause: a concept's every mention, a threshold's span and the name
    of its quantity."""
    if c.kind == "concept" and c.id in concept_mentions:
        return concept_mentions[c.id]
    spans = [(c.start or 0, c.end or 0)]
    if c.kind == "numeric":
        # the quantity's name nearest before the threshold and nearest after it ("> 5% bone marrow blasts"),
        # not every time the text names it: a long one-line text repeats a name hundreds of times
        named = named_where.get(c.quantity or "", [])
        cut = bisect_left(named, (c.start or 0, -1))
        spans += named[max(cut - 1, 0) : cut + 1]
    return spans


# What sets a mention in the past again after a cue of the present ("active GVHD or prior CAR-T").
_PAST = re.compile(r"(?i)\b(?:prior|previous(?:ly)?|history|past|ever|former|earlier|received|had)\b")


def _in_present(norm: str, c: Constraint, ahead: list[tuple[int, int]], behind: list[tuple[int, int]]) -> bool:
    """Whether a cue of a present state governs the constraint: one before it in the clause with no word of
    the past between ("active hepatitis B or C"), or one right after it ("HBV DNA detectable")."""
    start, end = c.start or 0, c.end or 0
    if _PAST.search(norm, start, end):  # "concurrent malignancy or a history of malignancy": named in the past too
        return False
    if any(
        b <= end and not _PAST.search(norm, b, max(b, start)) and not _PAST_OR.search(norm, max(0, a - 30), a)
        for a, b in ahead
    ):
        return True
    return any(end <= a and a - end <= 40 and not re.search(r"[,;]", norm[end:a]) for a, _ in behind)


# A past offered beside the present cue ("previous or concurrent malignancy", "past and/or active"): either;
# or one that governs it ("history of active tuberculosis", "history of, active hepatitis"): it was once active.
_PAST_OR = re.compile(r"(?i)\b(?:prior|previous|past|former|history\s+of)[\s,]*(?:(?:or|and/or|/)\s*)?$")
# What joins diseases named as alternatives: "B-cell lymphoma, CLL, or ALL", "AML/MDS", "AML and/or MDS".
_DISEASE_JOINT = re.compile(r"(?i)^[\s,;]*(?:(?:or|and/or|and|/)[\s,]*)?(?:(?P<words>[A-Za-z0-9][\w\-']*\s+){0,2})$")
# words that relate one disease to another rather than list it ("AML with MDS-related changes", "after CLL")
_DISEASE_RELATION = re.compile(
    r"(?i)\b(?:with|after|from|following|secondary|due|history|prior|previous|of|in|without|transformed|"
    r"evolving|evolved|progressed|arising|than|except|excluding)\b"
)
_ASIDE_IN_GAP = re.compile(r"\([^()]{0,25}\)")


# between antigens that share one positivity cue: their hyphens and cue words ("CD19-expressing or CD20-")
_MARKER_WORDS = re.compile(r"(?i)-|\b(?:positive|positivity|pos|expressing|expression|expressed)\b")
_MARKER_JOINT = re.compile(r"(?i)^[\s,]*(?:(?:or|and/or|and|/)[\s,]*)?$")
_THERAPY_OR = re.compile(r"(?i)[\s,]*(?:or|and/or|/)[\s,]*")  # what ends a list of therapies offered as either
_THERAPY_JOINT = re.compile(r"(?i)[\s,]*(?:(?:or|and/or|/)[\s,]*)?")


def _diagnosis_alternatives(norm: str, matches: list[ConceptMatch], vocab: Vocabulary) -> dict[int, int]:
    """Diseases an inclusion lists as alternatives ("relapsed B-cell lymphoma, CLL or ALL"): a patient has one
    of them, so each run of diseases joined by commas, slashes and "or" is one group of alternatives; and
    antigens joined by "or" ("GPC3 or mesothelin positive"). Maps each member's id to its run's number. ``norm``
    is the criteria text normalised."""
    groups: dict[int, int] = {}
    run = 0
    diseases = sorted(
        (m for m in matches if m.category == "condition" and vocab.concepts[m.key].primary_diagnosis),
        key=lambda m: m.start,
    )
    markers = sorted((m for m in matches if m.category == "biomarker"), key=lambda m: m.start)
    therapies = sorted((m for m in matches if m.category == "prior_therapy"), key=lambda m: m.start)
    for listed in (diseases, markers, therapies):  # diseases, antigens and therapies are listed apart
        run += 1
        gaps = [
            re.sub(r"[()\[\]]", " ", _ASIDE_IN_GAP.sub(" ", norm[previous.end : current.start]))
            for previous, current in itertools.pairwise(listed)
        ]
        for n, (previous, current) in enumerate(itertools.pairwise(listed)):
            gap = gaps[n]
            if previous.category == "biomarker":
                # "CD19 or CD22 positive", "CD19- or CD20-expressing", "CD19-, CD20- or CD22-positive" are
                # alternatives (a comma takes the joint that ends its list); "CD19 and CD22 positive" both required
                joint = next((g for g in gaps[n:] if _MARKER_WORDS.sub(" ", g).strip(" ,")), gap)
                if not re.search(r"(?i)\bor\b|/", joint) or not _MARKER_JOINT.match(_MARKER_WORDS.sub(" ", gap)):
                    run += 1
                    continue
                groups.setdefault(id(previous), run)
                groups[id(current)] = groups[id(previous)]
                continue
            if previous.category == "prior_therapy":
                # "prior radiotherapy and/or chemotherapy", "chemotherapy, radiotherapy or surgery": either;
                # "chemotherapy and radiotherapy", or words between them: not a list of alternatives
                joint = next((g for g in gaps[n:] if g.strip(" ,")), gap)
                if not (_THERAPY_OR.fullmatch(joint) and _THERAPY_JOINT.fullmatch(gap)):
                    run += 1
                    continue
                groups.setdefault(id(previous), run)
                groups[id(current)] = groups[id(previous)]
                continue
            if previous.key != current.key and _DISEASE_JOINT.match(gap) and not _DISEASE_RELATION.search(gap):
                groups.setdefault(id(previous), run)
                groups[id(current)] = groups[id(previous)]
            else:
                run += 1
    return groups


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
    narrowed = any(  # a case that is more than a bare status: another requirement, a window, words not read
        c.item in cases
        and (c.kind == "unparsed" or c.category != "disease_status" or c.within is not None or bool(c.leftover))
        for c in builder.constraints
    ) or any(not any(c.item == case for c in builder.constraints) for case in cases)
    for c in list(builder.constraints):
        if c.item in cases and c.category == "disease_status" and c.polarity == "include" and c.concept not in named:
            named.add(c.concept)
            own.append(
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
            )
    if narrowed:  # the cases say more than a status ("after at least two lines", "within a year of ASCT")
        for c in own:
            _doubt(c, "qualifier", "as one of the cases listed")


# "de novo or secondary AML": both origins named as alternatives, so the origin is not a requirement at all
_BOTH_ORIGINS = re.compile(
    r"(?i)\bde\s*novo\s+(?:and/)?or\s+(?:secondary|therapy[- ]related|treatment[- ]related)\b"
    r"|\b(?:secondary|therapy[- ]related|treatment[- ]related)\s+(?:and/)?or\s+de\s*novo\b"
)


def _exposures_without_time(constraints: list[Constraint], items: list[Item], norm: str, vocab: Vocabulary) -> None:
    """An exclusion of what needs a time (concepts.json ``needs_time``: "Other investigational drugs", "Live
    vaccines") that states no window, no present state and no word of the past means recent or current
    exposure: it passes whoever never had it and asks about whoever did."""
    starts = {item.index: item.start for item in items}
    for c in constraints:
        if (
            c.kind == "concept"
            and c.polarity == "exclude"
            and c.within is None
            and not c.current
            and not c.definitional
            and c.start is not None
            and any(
                vocab.concepts[k].needs_time for k in vocab.concept_ancestors(c.concept or "") if k in vocab.concepts
            )
            and not _PAST.search(norm, starts.get(c.item or 0, c.start), c.end or c.start)
        ):
            _doubt_once(c, "qualifier", "no time stated")


def _cover_origins(builder: _Builder, items: list[Item], norm: str, vocab: Vocabulary) -> None:
    """An inclusion that names every origin of a disease as alternatives ("de novo or secondary AML") asks
    nothing of the origin: the origin constraints go, and a secondary form named there stands for the
    disease itself."""
    for item in items:
        if item.section != "inclusion" or not _BOTH_ORIGINS.search(norm, item.start, item.end):
            continue
        kept = []
        for c in builder.constraints:
            if c.item != item.index or c.polarity != "include":
                kept.append(c)
                continue
            concept = vocab.concepts.get(c.concept or "")
            if concept is not None and concept.category == "disease_status" and concept.status_axis == "origin":
                continue
            if concept is not None and concept.key.startswith("secondary ") and concept.is_a:
                if any(k.item == item.index and k.concept == concept.is_a[0] for k in builder.constraints):
                    continue
                c.concept = concept.is_a[0]
            kept.append(c)
        builder.constraints[:] = kept


def _own_diseases(constraints: list[Constraint], study: Study | None, vocab: Vocabulary) -> tuple[str, ...]:
    """What the trial is for: its record's conditions, else the diagnoses its inclusions require."""
    if study is not None:
        diseases = trial_diseases(study, vocab)
        if diseases:
            return diseases
    return tuple(
        dict.fromkeys(
            c.concept
            for c in constraints
            if c.kind == "concept"
            and c.polarity == "include"
            and not c.definitional
            and c.concept in vocab.concepts
            and vocab.concepts[c.concept].primary_diagnosis
        )
    )


# leftovers that narrow what an exclusion names: it then excludes some of what an inclusion requires, not all
_NARROWED = frozenset({"qualifier", "condition", "relaxation", "exception"})


def _distrust_conflicts(constraints: list[Constraint], diseases: tuple[str, ...], vocab: Vocabulary) -> None:
    """Readings no patient of the trial could pass are not trusted (they become questions, never "not met"):
    an exclusion of the trial's own disease or of a broader one ("CNS involvement with myeloma" read as
    "no myeloma" in a myeloma trial), and an exclusion of what an inclusion requires ("failed ASCT" beside
    "eligible for ASCT")."""
    active = [
        c
        for c in constraints
        if c.kind == "concept" and not c.definitional and not c.implicit and c.category != "pregnancy"
    ]  # pregnancy criteria are matched whatever their wording (include "negative test", exclude "pregnant")
    _distrust_narrower_diagnoses(active, diseases, vocab)
    for c in active:
        if c.polarity != "exclude" or c.concept not in vocab.concepts or c.within is not None or c.exceptions:
            continue
        own = [d for d in diseases if c.concept in vocab.concept_ancestors(d)]
        if own and vocab.concepts[c.concept].primary_diagnosis:
            _conflict(c, "own condition", own[0])
            continue
        if _NARROWED.intersection((c.unsure or "").split(",")):
            continue  # "follicular lymphoma grade 3b" beside "follicular lymphoma grade 1-3a": a kind of it only
        required = [
            i
            for i in active
            if i.polarity == "include"
            and i.any_of_group is None
            and c.concept in vocab.concept_ancestors(i.concept or "")
        ]
        if required:
            _conflict(c, "excludes a requirement", c.concept or "")
            for i in required:
                _conflict(i, "required and excluded", c.concept or "")
    # the status an exclusion gives the trial's own disease ("Refractory AML or ALL" in an AML trial) is of
    # that disease: no more trusted than the disease itself
    own_items = {c.item: c.leftover for c in active if (c.leftover or "").startswith("own condition:")}
    for c in active:
        if (
            c.item in own_items
            and c.polarity == "exclude"
            and c.category == "disease_status"
            and c.unsure != "conflict"
        ):
            c.unsure, c.leftover = "conflict", own_items[c.item]


# an aside after a name offering others of its kind: "(or other CD20-targeting drugs)", "(or equivalent)"
_OR_OTHER = re.compile(r"(?i)\(\s*or\s+(?:an?\s+|any\s+)?(?:other|another|similar|equivalent|comparable)\b[^()]*\)")


_AND_ONLY = re.compile(r"(?i)\band\b")


def _start_of(match: PhraseMatch) -> int:
    return match.start()


def _distrust_impossible_limits(constraints: list[Constraint]) -> None:
    """Limits of one item on one quantity that no value meets together ("grade 3 or 4 toxicity ... resolved to
    grade 2 or less" read as grade ≥ 3 and ≤ 2; "Karnofsky for patients > 16 years, Lansky for those ≤ 16"
    read as both ages required) misread what the item says: none of them is trusted."""
    groups: dict[tuple[int | None, str, str], list[Constraint]] = {}
    for c in constraints:
        if (
            c.kind == "numeric"
            and c.polarity == "include"
            and c.any_of_group is None
            and not c.definitional
            and not c.implicit
            and c.twin_of is None
            and c.value is not None
            and not {"condition", "relaxation", "alternative", "conflict"} & set((c.unsure or "").split(","))
        ):  # a limit for some patients only, or one way in of several, is no requirement of everyone
            groups.setdefault((c.item, c.quantity or "", c.unit or ""), []).append(c)
    for (_item, quantity, _unit), limits in groups.items():
        if any(_disjoint(a, b) for a, b in itertools.combinations(limits, 2)):
            for c in limits:
                _conflict(c, "limits no one meets", quantity)


def _distrust_narrower_diagnoses(active: list[Constraint], diseases: tuple[str, ...], vocab: Vocabulary) -> None:
    """An inclusion of diagnoses that leaves out a disease the record says the trial is for (text "B-ALL",
    record "lymphoma"): the record and the text disagree, so the text's reading is not trusted, nor the status
    the item requires of those diagnoses."""
    groups: dict[str, list[Constraint]] = {}
    for c in active:
        concept = vocab.concepts.get(c.concept or "")
        if c.polarity == "include" and concept is not None and concept.primary_diagnosis:
            groups.setdefault(c.any_of_group or c.id, []).append(c)
    for members in groups.values():
        kinds = [vocab.concept_ancestors(m.concept or "") for m in members]
        for disease in diseases:
            related = any(
                disease in k or any(m.concept in vocab.concept_ancestors(disease) for m in members) for k in kinds
            )
            if not related:
                items = {m.item for m in members}
                status = [  # "lymphoma which is relapsed or refractory": the status of that diagnosis
                    c
                    for c in active
                    if c.item in items
                    and c.polarity == "include"
                    and c.category == "disease_status"
                    and "condition" not in (c.unsure or "").split(",")  # already for that disease's patients only
                ]
                for m in members + status:
                    if m.unsure != "conflict":
                        _conflict(m, "record lists another condition", disease)
                break


# Why a reading is not trusted (the reason's code, then the concept it names): said in the reader's language
# by the matcher (``matching/evaluate.py``).
CONFLICTS = (
    "own condition",
    "excludes a requirement",
    "required and excluded",
    "record lists another condition",
    "limits no one meets",
)


def _conflict(c: Constraint, why: str, concept: str) -> None:
    c.unsure = "conflict"
    c.leftover = f"{why}: {concept}"


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
    text_ages = [  # the patient's age, required of everyone (not a donor's, not one group's)
        c
        for c in constraints
        if c.kind == "numeric"
        and c.quantity == "age"
        and c.polarity == "include"
        and not {"unplaced", "condition"} & set((c.unsure or "").split(","))
    ]
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


@dataclass(slots=True)
class TextReading:
    """What a criteria text says on its own, before the trial's record is consulted: its items and constraints,
    and how many constraints were made (the record's implied ones are numbered after them). Every step that
    reads only the text is in it, so one reading serves every trial with the same text (``with_record``)."""

    text: str
    items: list[Item]
    constraints: list[Constraint]
    made: int


def parse_criteria(text: str | None, study: Study | None = None) -> ParsedCriteria:
    return with_record(read_text(text), study)


def read_text(text: str | None) -> TextReading:
    """The reading of a criteria text that does not depend on the record (the costly part of a parse)."""
    text = text or ""
    vocab = vocabulary()
    norm = normalise(text)
    items = segment(text)
    builder = _Builder(text, norm)
    definitional_items: set[int] = set()
    by_index = {item.index: item for item in items}
    heads: set[int] = set()  # requirement lines whose sub-items list the cases they cover
    definers: list[Item] = []  # lines that define a disease status ("Relapsed AML: defined as ...")
    for item in items:
        if item.parent is not None and item.parent in definitional_items:
            definitional_items.add(item.index)
        elif _defines_status(item, norm, vocab):
            definitional_items.add(item.index)
            definitional_items.update(item.children)
            definers.append(item)
        elif _status_head(item, norm, vocab):
            # its sub-items define its status, unless a sub-item is a disease's own case ("Relapsed MCL: at
            # least 2 prior lines ..."): that one holds what the disease requires
            definitional_items.update(i for i in item.children if not _opens_with_a_disease(by_index[i], norm, vocab))
            heads.add(item.index)
    for item in items:
        definitional = item.index in definitional_items
        defines = definition_spans(norm, item.start, item.end)
        before = len(builder.constraints)
        numeric = extract_numeric(norm, item.start, item.end, vocab)
        concepts = extract_concepts(norm, item.start, item.end, vocab, _polarity(item), defines)
        numeric, concepts = _set_aside(builder, item, norm, numeric, concepts)
        concepts = _without_tumour_features(builder, norm, item, concepts, vocab)
        concepts = _without_kind_heads(norm, concepts, vocab)
        concepts = _without_limited_names(norm, item, numeric, concepts, vocab)
        defines = _explaining(defines, numeric, concepts, item)
        _add_numeric(builder, item, numeric, definitional, defines)
        _age_conditions(builder, before, item, norm, vocab)
        _add_concepts(builder, item, concepts, definitional, defines, vocab)
        _drop_topic_labels(builder, before, item, norm, vocab)
        _narrowed_by_a_kind(builder, before, item, norm, vocab)
        _relations(builder, before, item, norm, vocab)
        _limit_or_condition(builder, before, item, norm)
        _read_elliptic_exceptions(builder.constraints[before:], vocab)
        _read_item(builder, before, item, norm, vocab, numeric, concepts, defines)
        _supported_limits(builder, before, item, norm)
        _shorter_of_two(builder, before, item, norm)
        _judged_with_content(builder, before, item, norm)
        if len(builder.constraints) == before and not _is_heading(item):
            _keep_as_free_text(builder, item, "no recognised threshold or clinical concept")
    _defined_requirements(builder, definers, norm, vocab)
    for head in heads:
        _accept_listed_cases(builder, items, head)
    _apply_cohort_headings(builder.constraints, items, norm, _disease_cohorts(items, norm, vocab))
    _permission_items(builder.constraints, items, norm)
    _negated_lead_ins(builder.constraints, items)
    _about_someone_else(builder.constraints, items)
    _extents_of_concepts(builder.constraints, norm, vocab)
    _or_unfit_for(builder.constraints, items, norm)
    _another_groups_limit(builder.constraints)
    _limit_beside_alternatives(builder.constraints)
    _conditional_limits_stand_alone(builder.constraints)
    _limits_narrowing_a_concept(builder.constraints, norm)
    _limits_with_exceptions(builder.constraints, items, norm)
    _ages_naming_whom(builder.constraints, norm)
    _exceptions_over_sub_items(builder.constraints, items, norm)
    _alternative_items(builder.constraints, items)
    _read_lists_of_cases(builder.constraints, items, norm)
    _cover_origins(builder, items, norm, vocab)
    _exposures_without_time(builder.constraints, items, norm, vocab)
    _name_counted_therapies(builder.constraints, vocab)
    kept = {c.item for c in builder.constraints}
    for item in items:  # an item whose readings were all set aside later is still a criterion: asked, not lost
        if item.index not in kept and not _is_heading(item) and not _RETIRED.search(norm, item.start, item.end):
            _keep_as_free_text(builder, item, "no recognised threshold or clinical concept")
    return TextReading(text, items, builder.constraints, builder.made)


def with_record(reading: TextReading, study: Study | None = None) -> ParsedCriteria:
    """A text's reading completed with what the trial's record says (its diseases, the antigens its therapy
    targets, its age limits). Uses the reading up: its constraints are changed and become the result's."""
    vocab = vocabulary()
    builder = _Builder(reading.text, "")
    builder.constraints = reading.constraints
    builder.made = reading.made
    _distrust_conflicts(builder.constraints, _own_diseases(builder.constraints, study, vocab), vocab)
    _distrust_impossible_limits(builder.constraints)
    notes: list[str] = []
    if study is not None:
        stated = {c.concept for c in builder.constraints if c.category == "biomarker" and c.polarity == "include"}
        # the text that states the antigens a patient needs says it; else the therapy's targets are implied,
        # and of several (a tandem CAR, products for different antigens) the patient needs the antigen of the
        # product they would receive, so any one of them is enough
        implied = [] if stated else trial_targets(study, vocab)
        for target in implied:
            builder.add(
                any_of_group="implied" if len(implied) > 1 else None,
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
    return ParsedCriteria(
        text=reading.text, items=reading.items, constraints=_alternatives_together(builder.constraints), notes=notes
    )


def _alternatives_together(constraints: list[Constraint]) -> list[Constraint]:
    """The constraints in their order, except that the members of one group of alternatives follow the first
    of them, so that each "or" is read beside what it is an alternative to."""
    first: dict[tuple[int | None, str], int] = {}
    for n, c in enumerate(constraints):
        if c.any_of_group:
            first.setdefault((c.item, c.any_of_group), n)
    order = {id(c): (first.get((c.item, c.any_of_group or ""), n), n) for n, c in enumerate(constraints)}
    return sorted(constraints, key=lambda c: order[id(c)])
