"""How surely a criterion was read: which of its words the engine placed, and what is left over.

A criterion may give "not met" (and so "not eligible") only when its reading accounts for it. Every content
word of a clause must be *placed*: inside something the engine recognised (a concept, a quantity, a
threshold with its unit, a time window and its anchor, an exception, a cue word of ``cues.json``), or on one
of the reviewed lists of words that change nothing (``data/criteria/reading.json``, "neutral"). What is not
placed is *left over*, and classed by what it can do to the criterion:

- ``qualifier``: narrows the thing it qualifies ("uncontrolled hypertension");
- ``condition``: narrows when the criterion applies ("if premenopausal", "for cohort 3");
- ``exception``: an exception the engine could not read ("except adequately treated basal cell carcinoma");
- ``excepted``: words around an exception it did read ("except patients recently receiving inhaled
  steroids"): they can only narrow the exception;
- ``alternative``: a member of a list the engine could not read ("epilepsy, conscious disturbance, or
  stroke"): in an exclusion, or an inclusion that says "or", another way to be excluded or included;
- ``conjunct``: the same in an inclusion that says "and": another thing required;
- ``unplaced``: anything else (an unknown word, a relation the engine does not model).

A clause is read as a list: a member's own words concern the constraints named in that member, except the
words before the list's first mention and after its last, which may govern every member ("History of A, B
or C", "A, B or C requiring treatment") and so concern them all. What each class lets a criterion still
answer is the matcher's business (``matching/evaluate.py``); this module finds and classes the words. It also
finds the cues of a present state ("active", "currently", "requiring"), which make a criterion about now.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from trialscope.criteria.phrases import PhraseMatcher, tokenise, tokens

LeftoverKind = Literal["alternative", "condition", "conjunct", "exception", "excepted", "qualifier", "unplaced"]

_DATA = "data/criteria/reading.json"
_SCHEMA: dict[str, set[str]] = {
    "neutral": {"_comment", "function", "people", "saying", "generic_heads", "results", "methods", "time"},
    "headings": {"_comment", "words"},
    "neutral_for_pregnancy": {"_comment", "words"},
    "qualifiers": {"_comment", "words"},
    "hedges": {"_comment", "words"},
    "conditions": {"_comment", "cues"},
    "current": {"_comment", "before", "after"},
    "status_qualifies": {"_comment", "words"},
    "future": {"_comment", "words"},
}


class ReadingRulesError(ValueError):
    """The reviewed reading rules do not have the expected shape (an unknown key, a wrong type)."""


@dataclass(frozen=True, slots=True)
class ReadingRules:
    neutral: PhraseMatcher
    headings: PhraseMatcher  # placed only in a clause that states a threshold ("adequate organ function:")
    neutral_for_pregnancy: PhraseMatcher
    qualifiers: PhraseMatcher
    hedges: PhraseMatcher  # "known or suspected": another way to meet the criterion (an alternative)
    conditions: PhraseMatcher
    current_before: PhraseMatcher  # "active hepatitis B": governs what follows
    current_after: PhraseMatcher  # "HBV DNA detectable": governs the mention just before
    single_words: frozenset[str]  # one-word neutral entries: the halves a glued word may split into
    single_qualifiers: frozenset[str]  # one-word qualifiers, likewise
    status_qualifies: frozenset[str]  # nouns a status word may qualify that are not the disease ("drainage")
    future: PhraseMatcher  # "planned", "will require": what follows is a plan, never placed


def _phrases(where: str, values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ReadingRulesError(f"{_DATA}: {where} must be a list of non-empty strings")
    return values


def parse_rules(data: Any) -> ReadingRules:
    """The rules from the data file's content, validated: every key known, every list of strings."""
    if not isinstance(data, dict):
        raise ReadingRulesError(f"{_DATA}: must be a JSON object")
    unknown = set(data) - set(_SCHEMA) - {"_comment"}
    if unknown:
        raise ReadingRulesError(f"{_DATA}: unknown key(s) {', '.join(sorted(unknown))}")
    groups: dict[str, dict[str, list[str]]] = {}
    for key, allowed in _SCHEMA.items():
        section = data.get(key)
        if not isinstance(section, dict):
            raise ReadingRulesError(f"{_DATA}: {key} must be an object")
        extra = set(section) - allowed
        if extra:
            raise ReadingRulesError(f"{_DATA}: {key}: unknown key(s) {', '.join(sorted(extra))}")
        missing = allowed - set(section) - {"_comment"}
        if missing:
            raise ReadingRulesError(f"{_DATA}: {key}: missing key(s) {', '.join(sorted(missing))}")
        groups[key] = {name: _phrases(f"{key}.{name}", v) for name, v in section.items() if name != "_comment"}
    neutral = groups["neutral"]
    single = {w.lower() for words in neutral.values() for w in words if len(tokens(w)) == 1}
    return ReadingRules(
        neutral=PhraseMatcher((name, words, ()) for name, words in neutral.items()),
        headings=PhraseMatcher([("headings", groups["headings"]["words"], ())]),
        neutral_for_pregnancy=PhraseMatcher([("pregnancy", groups["neutral_for_pregnancy"]["words"], ())]),
        qualifiers=PhraseMatcher([("qualifier", groups["qualifiers"]["words"], ())]),
        hedges=PhraseMatcher([("hedge", groups["hedges"]["words"], ())]),
        conditions=PhraseMatcher([("condition", groups["conditions"]["cues"], ())]),
        current_before=PhraseMatcher([("current", groups["current"]["before"], ())]),
        current_after=PhraseMatcher([("current", groups["current"]["after"], ())]),
        single_words=frozenset(single),
        single_qualifiers=frozenset(w.lower() for w in groups["qualifiers"]["words"] if len(tokens(w)) == 1),
        status_qualifies=frozenset(w.lower() for w in groups["status_qualifies"]["words"]),
        future=PhraseMatcher([("future", groups["future"]["words"], ())]),
    )


@cache
def reading_rules() -> ReadingRules:
    text = resources.files("trialscope").joinpath(_DATA).read_text(encoding="utf-8")
    return parse_rules(json.loads(text))


@dataclass(frozen=True, slots=True)
class Leftover:
    """A word of a criterion that the reading did not place."""

    start: int
    end: int
    word: str
    kind: LeftoverKind


Span = tuple[int, int]


class _Spans:
    """Sorted, merged spans, asked whether a stretch lies inside one."""

    def __init__(self, spans: Sequence[Span]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self._starts = [a for a, _ in merged]
        self._spans = merged

    def covers(self, start: int, end: int) -> bool:
        index = bisect_left(self._starts, start + 1) - 1
        return index >= 0 and self._spans[index][0] <= start and end <= self._spans[index][1]


# A year that dates a guideline or classification ("the 2016 WHO classification", "2017 Edition").
_GUIDELINE_YEAR = re.compile(
    r"(?i)\b(?:19|20)\d\d\b(?=\s*(?:WHO|ELN|ICC|NCCN|IWG|classification|edition|version|guidelines?|criteria|revised))"
    r"|\b(?:WHO|ELN|ICC|NCCN|IWG)\s*(?:19|20)\d\d\b"
)
# Where a condition's words end: a comma, a colon, a closing bracket (the clause's end otherwise).
_CONDITION_END = re.compile(r"[,:)\]]")


def _glued(word: str, known: frozenset[str], qualifiers: frozenset[str], spaced_at: int = -1) -> str | None:
    """A registry word that lost its space ("toscreening", "inhaledsteroids"): two words the reading knows.
    None when it is not one; "placed" when both halves are placed; "qualifier" when one is a qualifier.
    ``spaced_at``: where two words joined to try a misplaced space had one (no cut there: that is no glue)."""
    lowered = word.lower()
    if len(lowered) < 5:
        return None
    for cut in range(2, len(lowered) - 1):
        if cut == spaced_at:
            continue
        head, tail = lowered[:cut], lowered[cut:]
        if head in known and tail in known:
            return "placed"
        if (head in known or head in qualifiers) and (tail in known or tail in qualifiers):
            return "qualifier"
    return None


# the study's own steps, which a window counts to ("the planned infusion", "scheduled apheresis")
_STUDY_STEP = re.compile(
    r"(?i)\s+(?:(?:date|day|start)\s+of\s+)?(?:the\s+)?(?:study\s+|CAR[- ]?T\s+(?:cells?\s+)?|blood\s+|cells?\s+)?"
    r"(?:infusions?|apheresis|leukapheresis|lymphodeplet\w*|collections?|enrol\w*|first\s+dose|dosing|treatment|"
    r"administration|start|randomi[sz]ation|registration|conditioning|cell\s+(?:collection|infusion))\b"
)
# A relative clause that says what makes the thing named matter ("..., which may cause difficulty giving
# consent", "that would interfere with the study", "precluding informed consent"): a qualifier of everything it
# follows, to its clause's end.
_RELATIVE_CLAUSE = re.compile(
    r"(?i)[\s,]*\b(?:(?:which|that|who)\s+(?:may|might|could|would|will|can|is\s+likely|are\s+likely|"
    r"in\s+the\s+(?:opinion|judgement|judgment)|(?:precludes?|prevents?|interferes?|compromises?|impairs?))|"
    r"precluding|preventing|interfering\s+with|compromising|impairing)\b[^;.]*"  # "... precluding informed consent"
)


# A relative clause that turns what it follows into a reason to exclude ("prior radiation that would exclude
# the use of TMLI", under inclusions): the item says nothing sure either way
_EXCLUDING_CLAUSE = re.compile(
    r"(?i)\b(?:that|which)\s+(?:would|could|may|might|will|does|do)\s+(?:exclude|disqualify)\b[^;.]*"
)


def leftovers(
    norm: str,
    start: int,
    end: int,
    placed: Sequence[Span],
    exceptions: Sequence[tuple[Span, bool]] = (),
    *,
    known: frozenset[str] = frozenset(),
    headings: bool = False,
    pregnancy: bool = False,
    conditions: Sequence[Span] = (),
    narrowing: Sequence[Span] = (),
) -> list[Leftover]:
    """The words of ``norm[start:end]`` that are not placed, each with its class (before list members are
    considered: ``qualifier``, ``condition``, ``exception``, ``excepted`` or ``unplaced``).

    ``placed``: the spans the engine recognised; ``exceptions``: each exception's span and whether it names
    something the engine reads; ``known``: the single words of what the engine recognised (the halves a
    glued word may split into); ``headings``: the clause states a threshold, so heading words ("adequate
    organ function") are placed; ``pregnancy``: the clause is read for a pregnancy criterion; ``conditions``:
    phrases the engine found saying who something holds for (their words are conditions); ``narrowing``: words
    the engine found narrowing what they stand beside ("CD19" in "CD19 CAR-T": their words are qualifiers)."""
    rules = reading_rules()
    qualified = _Spans(
        [(m.start(), m.end()) for m in rules.qualifiers.finditer(norm, start, end)]
        + [(m.start(), m.end()) for m in _RELATIVE_CLAUSE.finditer(norm, start, end)]
        + list(narrowing)
    )
    spans = list(placed)
    # a neutral word inside a qualifier's phrase is the qualifier's ("under treatment", "which requires")
    spans += [
        (m.start(), m.end())
        for m in rules.neutral.finditer(norm, start, end)
        if not qualified.covers(m.start(), m.end())
    ]
    if headings:
        spans += [(m.start(), m.end()) for m in rules.headings.finditer(norm, start, end)]
    if pregnancy:
        spans += [(m.start(), m.end()) for m in rules.neutral_for_pregnancy.finditer(norm, start, end)]
    spans += [(m.start(), m.end()) for m in _GUIDELINE_YEAR.finditer(norm, start, end)]
    before, after = current_cues(norm, start, end)
    spans += [(a, b) for a, b in before + after if not qualified.covers(a, b)]  # a present state is modelled
    future = _Spans(
        [
            (m.start(), m.end())
            for m in rules.future.finditer(norm, start, end)
            if not _STUDY_STEP.match(norm, m.end())  # "before the planned infusion": the study's own step
        ]
    )
    covered = _Spans(spans)
    hedged = _Spans([(m.start(), m.end()) for m in rules.hedges.finditer(norm, start, end)])
    excluding = _Spans([(m.start(), m.end()) for m in _EXCLUDING_CLAUSE.finditer(norm, start, end)])
    conditional: list[Span] = list(conditions)
    for cue in rules.conditions.finditer(norm, start, end):
        stop = _CONDITION_END.search(norm, cue.end(), end)
        conditional.append((cue.start(), stop.start() if stop else end))
    in_condition = _Spans(conditional)
    unread_exception = _Spans([span for span, read in exceptions if not read])
    read_exception = _Spans([span for span, read in exceptions if read])
    glue_words = rules.single_words | known
    found: list[Leftover] = []
    all_tokens = tokenise(norm)
    index = bisect_left(all_tokens, (start, -1, ""))
    while index < len(all_tokens) and all_tokens[index][1] <= end:
        a, b, word = all_tokens[index]
        index += 1
        if covered.covers(a, b) and not future.covers(a, b):
            continue
        # a lost or misplaced space: the word alone, or with the word before it ("in haledsteroids")
        glued = _glued(word, glue_words, rules.single_qualifiers)
        if glued is None and index >= 2 and all_tokens[index - 2][1] == a - 1:
            before_word = all_tokens[index - 2][2]
            glued = _glued(before_word + word, glue_words, rules.single_qualifiers, spaced_at=len(before_word))
        if glued == "placed":
            continue
        kind: LeftoverKind
        if excluding.covers(a, b):
            kind = "unplaced"
        elif glued == "qualifier" and not (in_condition.covers(a, b) or unread_exception.covers(a, b)):
            kind = "excepted" if read_exception.covers(a, b) else "qualifier"
        elif in_condition.covers(a, b):
            kind = "condition"
        elif unread_exception.covers(a, b):
            kind = "exception"
        elif read_exception.covers(a, b):
            kind = "excepted"
        elif hedged.covers(a, b):
            kind = "alternative"
        elif qualified.covers(a, b):
            kind = "qualifier"
        else:
            kind = "unplaced"
        found.append(Leftover(a, b, word, kind))
    return found


# The joints of a list inside a clause (outside brackets): a comma, "or", "and", "and/or", "nor", a slash
# between words.
_JOINT = re.compile(r"(?i),|\band\s*/\s*or\b|\bor\b|\band\b|\bnor\b|(?<=[A-Za-z])/(?=[A-Za-z])")
_OR = re.compile(r"(?i)\bor\b|\band\s*/\s*or\b|\bnor\b")


def members(norm: str, start: int, end: int, keep: Sequence[Span] = ()) -> list[tuple[Span, str]]:
    """The members of the list a clause is: its stretches between list joints that sit outside brackets and
    outside ``keep`` (the mentions: "relapsed or refractory" is one name). Each with the joint before it
    ("" for the first)."""
    inside = _Spans(keep)
    depth, position, seen, joint_before = 0, start, start, ""
    found: list[tuple[Span, str]] = []
    for joint in _JOINT.finditer(norm, start, end):
        stretch = norm[seen : joint.start()]
        depth += stretch.count("(") + stretch.count("[") - stretch.count(")") - stretch.count("]")
        seen = joint.start()
        if depth <= 0 and not inside.covers(joint.start(), joint.end()):
            found.append(((position, joint.start()), joint_before))
            position, joint_before = joint.end(), re.sub(r"\s+", "", joint.group(0).lower())
    found.append(((position, end), joint_before))
    return [(span, joint) for span, joint in found if norm[span[0] : span[1]].strip()]


@dataclass(frozen=True, slots=True)
class Owner:
    """What a clause's words may concern: a constraint's mentions (start, end of each)."""

    key: int  # the caller's index of the constraint
    mentions: tuple[Span, ...]


def assign(
    norm: str,
    start: int,
    end: int,
    found: Sequence[Leftover],
    owners: Sequence[Owner],
    *,
    inclusion: bool,
) -> dict[int, list[Leftover]]:
    """Each constraint's leftover words in a clause, read as a list (see the module's docstring).

    A member of the list that names none of the constraints is another thing the criterion names: an
    ``alternative`` in an exclusion (any member excludes), or in an inclusion where an "or" joins it to a
    member the engine read; otherwise (an inclusion's "and", or an "or" between two unread members: "with
    no standard options or clinical trials") a ``conjunct``, another thing required. Its words concern every
    constraint of the clause, and so do the words before the first mention and after the last."""
    result: dict[int, list[Leftover]] = {o.key: [] for o in owners}
    if not found or not owners:
        return result
    spans = [m for o in owners for m in o.mentions]
    parts = members(norm, start, end, spans)
    first = min(a for a, _ in spans)
    last = max(b for _, b in spans)
    named = _owners_by_part(parts, owners)
    words = sorted(found, key=lambda w: w.start)
    word_starts = [w.start for w in words]
    negated_before = False
    leading: list[Leftover] = []  # "long-term use of A or B": a qualifier before a member's name, shared onward
    for index, ((a, b), _joint) in enumerate(parts):
        inside = words[bisect_left(word_starts, a) : bisect_left(word_starts, b)]
        if not inside:
            negated_before = False
            if leading and named[index] and _joint in ("or", "and", "and/or", "/"):
                for owner in named[index]:
                    result[owner.key] += leading
            else:
                leading = []
            continue
        first_named = min((m[0] for o in named[index] for m in o.mentions if a <= m[0] < b), default=None)
        leading = [w for w in inside if w.kind == "qualifier" and first_named is not None and w.end <= first_named]
        unread: LeftoverKind | None = None
        if _RELATIVE_CLAUSE.match(norm, a, b) is not None:  # ", which may cause ...": it qualifies the whole list
            for word in inside:
                for owner in owners:
                    result[owner.key].append(word)
            negated_before = False
            continue
        if not named[index]:
            negated = _NEGATED_MEMBER.match(norm, a) is not None or (
                index > 0 and not named[index - 1] and parts[index][1] in _OR_JOINTS and negated_before
            )
            negated_before = negated
            or_a_read_member = (_joint in _OR_JOINTS and index > 0 and named[index - 1]) or (
                index + 1 < len(parts) and parts[index + 1][1] in _OR_JOINTS and named[index + 1]
            )  # "not a candidate for curative therapy, or has relapsed": one way in of two
            if inclusion and negated and not (or_a_read_member and _NEGATED_MEMBER.match(norm, a)):
                unread = "conjunct"  # "with no standard options or clinical trials": both required absent
            elif (
                not inclusion
                and _joint == "and"
                and (_TESTS_RESULT.search(norm, a, b) or _TESTS_RESULT.match(norm, b, end) or _PREDICATE.match(norm, a))
            ):
                # "HCV antibody and RNA positive": both results exclude, not either; "substance abuse and is
                # unable to quit": what is said of the thing named, which then excludes only with it
                unread = "conjunct"
            elif not inclusion and (
                _RELATIVE_CLAUSE.search(norm, a, b) is not None
                or (index == len(parts) - 1 and index > 0 and _SHARED_TAIL.search(norm, a, b) is not None)
            ):
                # "..., or social situations that would limit compliance", "hypersensitivity or intolerance to
                # the study drug": the clause or the object after the last member may qualify every member, or
                # only the last, another way to be excluded; which, the words do not say
                unread = "unplaced"
            else:
                unread = "alternative" if not inclusion or _or_beside(parts, named, index) else "conjunct"
        else:
            negated_before = False
        for word in inside:
            # a qualifier before the list's first mention qualifies every member ("severe bacterial, viral or
            # fungal infection"), even when the member it stands in is not read
            governs = word.kind == "qualifier" and word.end <= first
            if unread is not None and word.kind not in ("condition", "exception", "excepted") and not governs:
                word = Leftover(word.start, word.end, word.word, unread)
            everyone = unread is not None or word.end <= first or word.start >= last
            for owner in owners if everyone else named[index]:
                result[owner.key].append(word)
    return result


def _owners_by_part(parts: list[tuple[Span, str]], owners: Sequence[Owner]) -> list[list[Owner]]:
    """For each member of the list, the owners with a mention starting or ending inside it, in the owners'
    order. Found by bisection over the mentions' starts and ends, so a long one-line text stays linear."""
    by_start = sorted((m_start, rank) for rank, o in enumerate(owners) for m_start, _ in o.mentions)
    by_end = sorted((m_end, rank) for rank, o in enumerate(owners) for _, m_end in o.mentions)
    starts = [position for position, _ in by_start]
    ends = [position for position, _ in by_end]
    named: list[list[Owner]] = []
    for (a, b), _joint in parts:
        ranks = {rank for _, rank in by_start[bisect_left(starts, a) : bisect_left(starts, b)]}
        ranks |= {rank for _, rank in by_end[bisect_left(ends, a + 1) : bisect_left(ends, b + 1)]}
        named.append([owners[rank] for rank in sorted(ranks)])
    return named


_OR_JOINTS = frozenset({"or", "and/or", "/", "nor"})
# an object or cause after a list's last member, which may be said of every member ("hypersensitivity or
# intolerance to the drug", "bleeding or thrombosis requiring treatment"): after a word of the member's own
_SHARED_TAIL = re.compile(
    r"(?i)\w[\w-]*\s+(?:to|towards|against|due\s+to|caused\s+by|secondary\s+to|related\s+to|associated\s+with|"
    r"attributed\s+to|requiring|that|which)\b"
)
# a member after "and" that says something of what the list named rather than naming a thing of its own
_PREDICATE = re.compile(
    r"(?i)\s*(?:(?:is|are|was|were|has|have|had|who|which|that|unable|not|cannot|can't|could\s+not|"
    r"without|requiring|requires?|needing|needs?|in\s+need)\b)"
)
# a result said once after the tests a list names ("antibody and RNA positive", "... are both detectable")
_TESTS_RESULT = re.compile(r"(?i)\s*(?:(?:are|is|both|tests?|results?)\s+)*(?:positive|detectable|detected|reactive)\b")
# A member that says what must be absent ("with no standard options"): its "or" is a "nor".
_NEGATED_MEMBER = re.compile(r"(?i)\s*(?:with\s+|and\s+)?(?:no|not|without|never|neither|absence\s+of|free\s+of)\b")


def _or_beside(parts: list[tuple[Span, str]], named: list[list[Owner]], index: int) -> bool:
    """Whether an "or" joins this unread member to a member the engine read (across unread ones between)."""
    for step in (-1, 1):
        position = index
        while 0 <= position + step < len(parts):
            joint = parts[position][1] if step < 0 else parts[position + 1][1]
            if joint not in _OR_JOINTS and joint != ",":
                break
            position += step
            if named[position]:
                if joint in _OR_JOINTS or _last_joint_is_or(parts, position, index):
                    return True
                break
    return False


def _last_joint_is_or(parts: list[tuple[Span, str]], a: int, b: int) -> bool:
    """A comma list ends with "or" ("A, B, or C"): its commas are "or" too."""
    low, high = min(a, b), max(a, b)
    joints = [parts[i][1] for i in range(low + 1, len(parts))]
    tail = [j for j in joints if j != ","]
    between = all(parts[i][1] in (",", *_OR_JOINTS) for i in range(low + 1, high + 1))
    return bool(tail) and tail[0] in _OR_JOINTS and between


def current_cues(norm: str, start: int, end: int) -> tuple[list[Span], list[Span]]:
    """Where a clause says a present state: the cues that govern what follows them ('active', 'currently',
    'requiring'), and those that govern the mention just before them ('detectable')."""
    rules = reading_rules()
    return (
        [(m.start(), m.end()) for m in rules.current_before.finditer(norm, start, end)],
        [(m.start(), m.end()) for m in rules.current_after.finditer(norm, start, end)],
    )


def leftover_words(found: Sequence[Leftover]) -> str:
    """The words left over, as a reader sees them: in text order, runs of adjacent words joined, runs
    separated by an ellipsis ("uncontrolled … cohort 3")."""
    runs: list[list[Leftover]] = []
    for leftover in sorted(set(found), key=lambda w: w.start):
        if runs and leftover.start - runs[-1][-1].end <= 2:
            runs[-1].append(leftover)
        else:
            runs.append([leftover])
    return " … ".join(" ".join(w.word for w in run) for run in runs)


def kinds(found: Sequence[Leftover]) -> str | None:
    """The classes of the words left over, sorted and joined by commas (None: nothing left over)."""
    return ",".join(sorted({w.kind for w in found})) or None
