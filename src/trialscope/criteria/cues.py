"""Cue words the engine reads as constructions (definitions, headings, washouts, the study's own
procedures, organ qualifiers, comparisons, where a quantity's name ends), compiled from the reviewed data
file ``data/criteria/cues.json``, whose every key its schema names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import ClassVar, Literal

from trialscope.reviewed_data import ReviewedFile, read_reviewed

ComparatorSymbol = Literal["<", "<=", ">", ">=", "="]


class CuesFile(ReviewedFile):
    """The keys of cues.json (what each holds: its ``_comment``)."""

    FILE: ClassVar[str] = "data/criteria/cues.json"
    definition: list[str]
    heading: list[str]
    study_own_therapy: list[str]
    washout: list[str]
    washout_link: list[str]
    washout_link_alone: list[str]
    washout_last_exposure: list[str]
    permission: list[str]
    exception_heading: list[str]
    organ_qualifier: list[str]
    organ_cause: list[str]
    exemption: list[str]
    non_time_amount: list[str]
    negation_in_criteria: list[str]
    exception: list[str]
    exposure: list[str]
    comparators: list[tuple[str, ComparatorSymbol]]
    measurement_methods: list[tuple[str, str]]
    blast_samples: list[tuple[str, str]]
    result_test_words: list[str]
    comparator_suffixes: list[tuple[str, ComparatorSymbol]]
    quantity_name_filler: list[str]
    counted_not_a_quantity: list[str]
    counted_links: list[str]
    quantity_name_stop: list[str]
    subgroup_cues: list[str]
    not_a_quantity_name: list[str]
    people_not_a_quantity_name: list[str]
    state_if_present: list[str]


@dataclass(frozen=True, slots=True)
class Cues:
    definition: re.Pattern[str]
    heading: re.Pattern[str]
    study_own_therapy: re.Pattern[str]  # matched against the words just before a therapy name
    washout: re.Pattern[str]  # "at least <amount> <unit>", then a link ("since", "from", "after")
    washout_link: re.Pattern[str]
    permission: re.Pattern[str]  # "can be enrolled if ...": a permission inside an exclusion, not an exclusion
    exception_heading: re.Pattern[str]  # "... with the following exceptions:": the sub-items let patients in
    organ_qualifier: re.Pattern[str]  # matched against the words just after a diagnosis
    organ_cause: re.Pattern[str]  # matched against the words just before a diagnosis ("involvement by")
    exemption: re.Pattern[str]  # a lead-in exempting some patients from its sub-items ("are exempt from")
    washout_alone: re.Pattern[str]  # links that make a washout by themselves ("since", "elapsed")
    washout_last: re.Pattern[str]  # otherwise the words after the link must say a last exposure ("prior")
    negation_in_criteria: re.Pattern[str]  # words that negate what follows them in a criterion's clause
    exception: re.Pattern[str]  # a mention after these is an exception ("except", "other than")
    exposure: re.Pattern[str]  # words around a therapy that make it a prior therapy ("received", "within")
    comparators: tuple[tuple[str, str], ...]  # ("not more than", "<="), longest phrase first
    measurement_methods: tuple[tuple[re.Pattern[str], str], ...]  # (words near a blast count, its method)
    blast_samples: tuple[tuple[re.Pattern[str], str], ...]  # (words near a blast count, where it was taken)
    result_test_words: frozenset[str]  # between a named test and its result ("HCV antibody ... negative")
    comparator_suffixes: tuple[tuple[str, str], ...]  # ("or more", ">="): after a value, in the file's order
    quantity_name_filler: frozenset[str]  # words padding a quantity's name ("the", "level")
    counted_not_a_quantity: frozenset[str]  # after a bare count: it counts nothing of the patient's ("times")
    counted_links: frozenset[str]  # after a bare count: the end of what it counts ("within", "at")
    quantity_name_stop: frozenset[str]  # where a quantity's name ends ("with", "who")
    subgroup_cues: frozenset[str]  # before a threshold: for whom it holds ("unless", "due")
    not_a_quantity_name: frozenset[str]  # units named where a quantity's name would be ("mg", "ULN")
    people_not_a_quantity_name: frozenset[str]  # the people a threshold is for ("women")
    state_if_present: re.Pattern[str]  # right after a condition: the state it must be in if present ("must be treated")


def _alternatives(words: list[str]) -> str:
    return "|".join(f"(?:{w})" for w in words)


def _words(fragments: list[str]) -> re.Pattern[str]:
    """Whole words, any case, the first fragment that matches taken (the order of the data file's list)."""
    return re.compile(r"(?i)\b(?:" + "|".join(fragments) + r")\b")


@cache
def cues() -> Cues:
    data = read_reviewed(CuesFile)
    number = r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    time_unit = r"hours?|hrs?|days?|weeks?|wks?|months?|years?"
    return Cues(
        definition=re.compile(rf"(?i)\b(?:{_alternatives(data.definition)})\b:?"),
        heading=re.compile(rf"(?i)\b(?:{_alternatives(data.heading)})"),
        study_own_therapy=re.compile(rf"(?i)\b(?:{_alternatives(data.study_own_therapy)})\s*$"),
        washout=re.compile(
            rf"(?i)(?:{_alternatives(data.washout)})\s*(?P<value>{number})\s*"
            rf"(?:(?P<unit>{time_unit})|(?P<other>{_alternatives(data.non_time_amount)}))(?![A-Za-z])"
        ),
        washout_link=re.compile(rf"(?i)\b(?:{_alternatives(data.washout_link)})\b"),
        permission=re.compile(rf"(?i)\b(?:{_alternatives(data.permission)})\b"),
        exception_heading=re.compile(rf"(?i)\b(?:{_alternatives(data.exception_heading)})\b"),
        organ_qualifier=re.compile(rf"(?i)^\s*(?:{_alternatives(data.organ_qualifier)})\b"),
        organ_cause=re.compile(rf"(?i)\b(?:{_alternatives(data.organ_cause)})\s+(?:(?:the|a|an|his|her|their)\s+)?$"),
        exemption=_words(data.exemption),
        washout_alone=re.compile(rf"(?i)^(?:{_alternatives(data.washout_link_alone)})$"),
        washout_last=re.compile(rf"(?i)\b(?:{_alternatives(data.washout_last_exposure)})\b"),
        negation_in_criteria=_words(data.negation_in_criteria),
        exception=_words(data.exception),
        exposure=_words(data.exposure),
        comparators=tuple(sorted(((p, c) for p, c in data.comparators), key=lambda pair: -len(pair[0]))),
        measurement_methods=tuple((re.compile(p, re.IGNORECASE), m) for p, m in data.measurement_methods),
        blast_samples=tuple((re.compile(p, re.IGNORECASE), m) for p, m in data.blast_samples),
        result_test_words=frozenset(w.lower() for w in data.result_test_words),
        comparator_suffixes=tuple((p, c) for p, c in data.comparator_suffixes),
        quantity_name_filler=frozenset(data.quantity_name_filler),
        counted_not_a_quantity=frozenset(data.counted_not_a_quantity),
        counted_links=frozenset(data.counted_links),
        quantity_name_stop=frozenset(data.quantity_name_stop),
        subgroup_cues=frozenset(data.subgroup_cues),
        not_a_quantity_name=frozenset(data.not_a_quantity_name),
        people_not_a_quantity_name=frozenset(data.people_not_a_quantity_name),
        state_if_present=re.compile(
            rf"(?i)\s*(?:\([^()]{{0,30}}\)\s*)?,?\s*(?:{_alternatives(data.state_if_present)})\b"
        ),
    )
