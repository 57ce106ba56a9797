"""The antigens a trial's therapy targets, read from its interventions, arms and titles.

An antigen counts when it is named next to a targeting cue (CAR, CAR-T, chimeric antigen receptor,
targeting, bispecific, antibody, ADC) in the same text, or through a binder ("IL3 CAR-T" targets CD123).
"""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar

from pydantic import Field

from trialscope.criteria.phrases import PhraseMatcher
from trialscope.criteria.vocabulary import Vocabulary, vocabulary
from trialscope.model.study import Study
from trialscope.reviewed_data import Entry, ReviewedFile, read_reviewed

_TARGETING = re.compile(
    r"(?i)CAR[\s\-]*(?:T|NK|M)?\b|chimeric\s+antigen\s+receptor|\btarget(?:s|ing|ed)?\b|bispecific|"
    r"\bBiTE\b|antibod(?:y|ies)|\bADC\b|\bimmunotoxin|\bTCR\b|-directed|\bredirected\b"
)


def _texts(study: Study) -> list[str]:
    protocol = study.protocol_section
    arms = protocol.arms_interventions_module
    texts = [i.name or "" for i in arms.interventions] + [i.description or "" for i in arms.interventions]
    texts += [a.label or "" for a in arms.arm_groups] + [a.description or "" for a in arms.arm_groups]
    texts += [protocol.identification_module.brief_title or "", protocol.identification_module.official_title or ""]
    texts += [name for i in arms.interventions for name in i.other_names]
    return [t for t in texts if t]


# "CAR19", "CART22", "CAR-T19", "huCART19": the CD number glued to CAR (uppercase CAR, optional lowercase prefix)
_GLUED_CD = re.compile(r"\b[a-z]{0,3}CAR-?T?-?(\d{1,3})\b|\b[a-z]{0,3}CART(\d{1,3})\b")
_CELL_SUBSET = re.compile(
    r"(?i)\s*(?:\+|-?positive)?\s*(?:(?:and|/|,)\s*CD\d+\s*\+?\s*)*(?:T|NK)[\s-]*(?:cells?|lymphocytes|subsets?)"
)
# A marker the product's cells carry for tracking or safety ("truncated CD19", "CD19t", "EGFRt", a "tag"): not
# what the therapy is aimed at.
# So is a gene edited out of the product's own cells ("deletion of the gene encoding CD38", "CD38 knockout",
# "CD7-deleted"): the therapy lacks it, it does not aim at it.
_TAG_BEFORE = re.compile(
    r"(?i)(?:\btruncated[\s-]*|\b(?:deletion|knock[\s-]?out|knock[\s-]?down|disruption|inactivation)\s+of\s+"
    r"(?:the\s+)?(?:(?:endogenous\s+)?gene\s+(?:encoding|for)\s+)?)$"
)
_TAG_AFTER = re.compile(  # "AFP-expressing carcinoma" is the target: no "expressing"
    r"(?i)t\b|[\s-]*(?:tag(?:ged)?|knock(?:ed)?[\s-]?(?:out|down)|KO|deleted|deletion|disrupted|null|deficient)\b"
)
_SHORTHAND_CD = re.compile(r"\bCD\d{1,3}\s*/\s*(\d{1,3})\b")  # "CD19/22": the second is CD22


class _Product(Entry):
    names: tuple[str, ...] = Field(min_length=1)
    targets: tuple[str, ...] = Field(min_length=1)


class _Products(ReviewedFile):
    """data/criteria/products.json: named products and the antigens they target."""

    FILE: ClassVar[str] = "data/criteria/products.json"
    products: list[_Product]


@cache
def _products() -> PhraseMatcher:
    products = read_reviewed(_Products).products
    return PhraseMatcher(("|".join(p.targets), p.names, ()) for p in products)


def targets_in_text(text: str, vocab: Vocabulary | None = None) -> list[str]:
    """Antigens a piece of text says a therapy targets, in order of first mention."""
    vocab = vocab or vocabulary()
    found: dict[str, int] = {}
    for product in _products().finditer(text):  # a named product needs no targeting cue
        for target in product.key.split("|"):
            found.setdefault(target, product.start())
    for shorthand in _SHORTHAND_CD.finditer(text):
        key = f"CD{shorthand.group(1)}"
        if key in vocab.antigens and _TARGETING.search(text):
            found.setdefault(key, shorthand.start(1))
    for glued in _GLUED_CD.finditer(text):
        key = f"CD{glued.group(1) or glued.group(2)}"
        if key in vocab.antigens:
            found.setdefault(key, glued.start())
    if not _TARGETING.search(text):
        return sorted(found, key=found.__getitem__)
    for match in vocab.antigen_matcher.finditer(text):
        if _CELL_SUBSET.match(text, match.end()):
            continue  # "CD4+ T cells", "CD3+ and CD8+ T lymphocytes": the product's cells, not its target
        if _TAG_BEFORE.search(text[max(0, match.start() - 50) : match.start()]) or _TAG_AFTER.match(text, match.end()):
            continue  # "truncated CD19-expressing cells", "EGFRt": a marker the cells carry, not their target
        found.setdefault(match.key, match.start())
    for match in vocab.binder_matcher.finditer(text):
        after = text[match.end() : match.end() + 12]
        if re.match(r"[\s\-]*(?:CAR|chimeric)", after, re.IGNORECASE):
            found.setdefault(match.key, match.start())
    return sorted(found, key=found.__getitem__)


def trial_targets(study: Study, vocab: Vocabulary | None = None) -> list[str]:
    """Target antigens of a trial (empty when none is named with a targeting cue)."""
    vocab = vocab or vocabulary()
    targets: dict[str, None] = {}
    for text in _texts(study):
        for key in targets_in_text(text, vocab):
            targets.setdefault(key, None)
    return list(targets)


def condition_concepts(study: Study, vocab: Vocabulary | None = None) -> list[str]:
    """The diseases a trial's conditions, keywords and title name (concepts the vocabulary knows as a
    primary diagnosis), sorted: what the store keeps for the matcher's first filter and, with everything
    each is a kind of, what the search index's disease facet holds."""
    vocab = vocab or vocabulary()
    protocol = study.protocol_section
    texts = [*protocol.conditions_module.conditions, *protocol.conditions_module.keywords, study.title]
    return sorted(
        {
            m.key
            for text in texts
            for m in vocab.concept_matcher.finditer(text)
            if vocab.concepts[m.key].primary_diagnosis
        }
    )


def trial_diseases(study: Study, vocab: Vocabulary | None = None) -> tuple[str, ...]:
    """The diseases a trial is for, from its record's conditions, when every condition names one that the
    vocabulary knows as a primary diagnosis (AML, solid tumours ...); empty when any condition is something
    else ('Hematopoietic stem cell donors', a symptom) or there are none, since then the record does not
    say which patients it excludes."""
    vocab = vocab or vocabulary()
    conditions = study.protocol_section.conditions_module.conditions
    found: list[str] = []
    for condition in conditions:
        named = [m.key for m in vocab.concept_matcher.finditer(condition) if vocab.concepts[m.key].primary_diagnosis]
        if not named:
            return ()
        found.extend(k for k in named if k not in found)
    return tuple(vocab.most_specific(found))
