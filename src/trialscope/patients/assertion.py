"""What a patient's note asserts about each finding in it: present, negated, resolved, past, planned,
about a relative, or uncertain, after ConText (Harkema et al., J Biomed Inform 2009), which extends NegEx
(Chapman et al. 2001).

The caller finds the findings (character spans in the note); this module judges them. The note is split
into sentences (`sentences`; `clauses` cuts them further at the terminators), the cues of the reviewed data
file ``data/patients/assertion.json`` are found in each (`find_cues`), and each trigger's scope runs forward,
backward or both from it to the end of its clause: the sentence's end, a terminator (";", "but",
"however" ...), another trigger of its category, a closing bracket around it, and for result words the end
of the list they report on ("HBsAg, HCV antibody and HIV antibody are negative" negates all three; "relapsed
AML with HBsAg negative" only HBsAg; "Toxoplasma, CMV, EBV negative", a list without a joiner, negates EBV
and leaves the other two uncertain). A finding in a trigger's scope takes the trigger's category; a
pseudo-trigger ("no change", "gram negative", "did not respond to") covers the trigger inside it and decides
nothing. A heading ("Family history:", "Plan:") gives its category to the lines under it.

    >>> note = "HBsAg, HCV antibody and HIV antibody are negative. Referred for allo-HCT."
    >>> [a.negated for a in assert_findings(note, [(0, 5), (7, 19), (24, 36)])]
    [True, True, True]
    >>> assert_findings(note, [(note.index("allo-HCT"), note.index("allo-HCT") + 8)])[0].hypothetical
    True
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

Category = Literal["negated", "resolved", "historical", "hypothetical", "family", "uncertain"]
Direction = Literal["forward", "backward", "bidirectional", "pseudo", "terminate"]
Commas = Literal["cross", "stop", "list"]
Ends = Literal["forward", "backward", "both"]

CATEGORIES: tuple[Category, ...] = get_args(Category)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
ALL = "all"  # the category of a terminator or pseudo-trigger that applies to every category

_TOKEN = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)+|\w+(?:['’]\w+)*|[^\w\s]")  # 2,300 and 0.9 whole
_NUMBER = re.compile(r"[\d.,]+")
_QUOTE = str.maketrans({"’": "'"})


class AssertionRulesError(ValueError):
    """The cue file is not well formed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class TextSpan:
    """Characters ``start`` to ``end`` (exclusive) of the text given."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Cue:
    """A cue word or phrase found in the text: where it is, what it says, and which reviewed group it is from.
    ``category`` is one of CATEGORIES, "all" for a terminator of every scope, or categories joined by "+" for
    a terminator of several; ``direction`` one of DIRECTIONS, or "section" for a heading ("Family history:")
    that covers the lines under it. Pseudo-triggers and terminators are cues too (placed words, though they
    decide nothing about a finding)."""

    start: int
    end: int
    text: str
    category: str
    direction: str


@dataclass(frozen=True, slots=True)
class Assertion:
    """What the text says about one finding.

    negated: the text says it is absent ("no", "denies", "HIV negative", "ruled out", "never received").
    resolved: present before and absent now: a condition that resolved or cleared, a treatment stopped or
        completed, a habit quit ("the rash resolved", "tacrolimus was stopped"). A resolved finding is
        historical too (it happened); NegEx's annotators count it as negated (absent when the note was written).
    historical: past, perhaps still present ("history of", "status post", "previous", "prior").
    hypothetical: a plan, a condition or an instruction, not a fact that happened ("if", "candidate for",
        "referred for", "scheduled for", "planned"): a plan is not a treatment received.
    family: about a relative, not the patient ("mother with breast cancer", "family history of").
    uncertain: possible, suspected or not yet excluded ("possible", "suspected", "cannot exclude"), or
        reached by a scope the reading is not sure of ("A, B, C negative": A and B may be separate
        statements).
    cues: the triggers and headings that have the finding in scope (a finding with none is affirmed: a
        current, certain fact about the patient).

    Flags combine: "has not received any prior anti-CD19 therapy" is negated and historical (none in the
    past); "possible family history of myeloma" is family and uncertain.
    """

    negated: bool = False
    resolved: bool = False
    historical: bool = False
    hypothetical: bool = False
    family: bool = False
    uncertain: bool = False
    cues: tuple[Cue, ...] = ()

    @property
    def affirmed(self) -> bool:
        """A current, certain fact about the patient: no category applies."""
        return not any(getattr(self, c) for c in CATEGORIES)

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(c for c in CATEGORIES if getattr(self, c))


@dataclass(frozen=True, slots=True)
class _Group:
    category: str  # for a terminator: its categories joined by "+" ("negated+family"), or "all"
    direction: Direction
    commas: Commas = "cross"
    max_words: int | None = None
    ends: Ends = "both"
    attached: bool = False  # written right after the word it reports on, with no space: "CD7-", "CD19-negative"
    result: bool = False  # a terminator that reports on the item before it: "positive"


@dataclass(frozen=True, slots=True)
class AssertionRules:
    """The cue file compiled: triggers by their tokens, the list words, the sentence rules."""

    source: str
    triggers: dict[tuple[str, ...], tuple[str, _Group]]  # tokens (lower case) -> (the trigger as written, group)
    lengths: dict[str, tuple[int, ...]]  # a trigger's first token -> the token counts of triggers opening with it
    max_item_words: int
    joiners: frozenset[tuple[str, ...]]
    links: tuple[tuple[str, ...], ...]  # longest first
    plural_links: frozenset[tuple[str, ...]]
    breakers: frozenset[str]
    forward_breakers: frozenset[str]
    relatives: frozenset[str]
    abbreviations: frozenset[str]
    headings: dict[tuple[str, ...], str]  # a section heading's tokens -> its category, or "" for another heading


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(m.group(0).lower() for m in _TOKEN.finditer(text.translate(_QUOTE)))


# ---------------------------------------------------------------------------------------------- the cue file

_TOP_KEYS = {"_comment", "lists", "sentences", "sections", "groups"}
_SECTION_KEYS = {"_comment", "other", *CATEGORIES}
_LIST_KEYS = {
    "_comment",
    "max_item_words",
    "joiners",
    "links",
    "plural_links",
    "breakers",
    "forward_breakers",
    "relatives",
}
_SENTENCE_KEYS = {"_comment", "abbreviations"}
_GROUP_KEYS = {"comment", "category", "direction", "triggers", "commas", "max_words", "ends", "attached", "result"}


def _fail(source: str, where: str, problem: str) -> AssertionRulesError:
    return AssertionRulesError(f"{source}: {where}: {problem}")


def _keys(source: str, where: str, value: Any, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(source, where, f"expected an object, found {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(source, where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(value))
    if missing:
        raise _fail(source, where, f"missing key {missing[0]!r}")
    return value


def _words(source: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _fail(source, where, "expected a non-empty list of words")
    for i, word in enumerate(value):
        if not isinstance(word, str) or not _tokens(word):
            raise _fail(source, f"{where}[{i}]", f"expected a word or phrase, found {word!r}")
    return value


def _count(source: str, where: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise _fail(source, where, f"expected a whole number of at least {least}, found {value!r}")
    return value


def _choice(source: str, where: str, value: Any, allowed: Iterable[str]) -> str:
    options = tuple(allowed)
    if value not in options:
        raise _fail(source, where, f"{value!r} is not one of {', '.join(options)}")
    return str(value)


def parse_rules(data: Any, source: str) -> AssertionRules:
    """Check and compile a cue file's content; ``AssertionRulesError`` names the file and key at fault."""
    top = _keys(source, "top level", data, _TOP_KEYS, {"lists", "sentences", "sections", "groups"})
    sections = _keys(source, "sections", top["sections"], _SECTION_KEYS, {"other"})
    headings: dict[tuple[str, ...], str] = {}
    for name, words in sections.items():
        if name == "_comment":
            continue
        for i, heading in enumerate(_words(source, f"sections.{name}", words)):
            key = _tokens(heading)
            if key in headings:
                raise _fail(source, f"sections.{name}[{i}]", f"{heading!r} is already a heading")
            headings[key] = "" if name == "other" else name
    lists = _keys(source, "lists", top["lists"], _LIST_KEYS, _LIST_KEYS - {"_comment"})
    sentences_ = _keys(source, "sentences", top["sentences"], _SENTENCE_KEYS, {"abbreviations"})
    groups = top["groups"]
    if not isinstance(groups, list) or not groups:
        raise _fail(source, "groups", "expected a non-empty list of groups")
    triggers: dict[tuple[str, ...], tuple[str, _Group]] = {}
    where_from: dict[tuple[str, ...], str] = {}
    for i, raw in enumerate(groups):
        where = f"groups[{i}]"
        item = _keys(source, where, raw, _GROUP_KEYS, {"comment", "category", "direction", "triggers"})
        if not isinstance(item["comment"], str) or not item["comment"].strip():
            raise _fail(source, f"{where}.comment", "say what the group is for")
        direction = _choice(source, f"{where}.direction", item["direction"], DIRECTIONS)
        categories: tuple[str, ...] = (*CATEGORIES, ALL) if direction in ("terminate", "pseudo") else CATEGORIES
        if direction == "terminate" and isinstance(item["category"], list) and item["category"]:
            named = [_choice(source, f"{where}.category[{k}]", c, CATEGORIES) for k, c in enumerate(item["category"])]
            category = "+".join(named)
        else:
            category = _choice(source, f"{where}.category", item["category"], categories)
        for name in ("ends", "result"):
            if name in item and direction != "terminate":
                raise _fail(source, f"{where}.{name}", "only a terminate group has it")
        for name in ("attached", "result"):
            if not isinstance(item.get(name, False), bool):
                raise _fail(source, f"{where}.{name}", f"expected true or false, found {item[name]!r}")
        if ("commas" in item or "max_words" in item) and direction in ("terminate", "pseudo"):
            name = "commas" if "commas" in item else "max_words"
            raise _fail(source, f"{where}.{name}", f"a {direction} group has no scope")
        group = _Group(
            category=category,
            direction=direction,  # type: ignore[arg-type]
            commas=_choice(source, f"{where}.commas", item.get("commas", "cross"), get_args(Commas)),  # type: ignore[arg-type]
            max_words=_count(source, f"{where}.max_words", item["max_words"], 1) if "max_words" in item else None,
            ends=_choice(source, f"{where}.ends", item.get("ends", "both"), get_args(Ends)),  # type: ignore[arg-type]
            attached=item.get("attached", False),
            result=item.get("result", False),
        )
        for j, trigger in enumerate(_words(source, f"{where}.triggers", item["triggers"])):
            key = _tokens(trigger)
            if key in triggers:
                raise _fail(source, f"{where}.triggers[{j}]", f"{trigger!r} is already a trigger in {where_from[key]}")
            triggers[key] = (trigger, group)
            where_from[key] = where
    links = [_tokens(w) for w in _words(source, "lists.links", lists["links"])]
    plural = [_tokens(w) for w in _words(source, "lists.plural_links", lists["plural_links"])]
    breakers = _words(source, "lists.breakers", lists["breakers"])
    relatives = _words(source, "lists.relatives", lists["relatives"])
    forward_breakers = _words(source, "lists.forward_breakers", lists["forward_breakers"])
    for list_name, words in (("breakers", breakers), ("relatives", relatives), ("forward_breakers", forward_breakers)):
        for i, word in enumerate(words):
            if len(_tokens(word)) != 1:
                raise _fail(source, f"lists.{list_name}[{i}]", f"one word each, found {word!r}")
    abbreviations = _words(source, "sentences.abbreviations", sentences_["abbreviations"])
    return AssertionRules(
        source=source,
        triggers=triggers,
        lengths={
            first: tuple(sorted({len(k) for k in triggers if k[0] == first}, reverse=True))
            for first in {k[0] for k in triggers}
        },
        max_item_words=_count(source, "lists.max_item_words", lists["max_item_words"], 1),
        joiners=frozenset(_tokens(w) for w in _words(source, "lists.joiners", lists["joiners"])),
        links=tuple(sorted({*links, *plural}, key=len, reverse=True)),
        plural_links=frozenset(plural),
        breakers=frozenset(_tokens(w)[0] for w in breakers),
        relatives=frozenset(_tokens(w)[0] for w in relatives),
        forward_breakers=frozenset(_tokens(w)[0] for w in forward_breakers),
        abbreviations=frozenset(w.lower().rstrip(".") for w in abbreviations),
        headings=headings,
    )


def load_rules(path: Path | None = None) -> AssertionRules:
    """The cue file at ``path``, or the reviewed one shipped in ``data/patients/assertion.json`` (cached)."""
    if path is None:
        return _default_rules()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssertionRulesError(f"{path}: cannot read the cue file: {exc}") from None
    return parse_rules(data, str(path))


@cache
def _default_rules() -> AssertionRules:
    source = resources.files("trialscope").joinpath("data/patients/assertion.json")
    return parse_rules(json.loads(source.read_text(encoding="utf-8")), "data/patients/assertion.json")


# ------------------------------------------------------------------------------------------ tokens, sentences

_WORDISH = frozenset("_0123456789")
# a full stop, question or exclamation mark, then space and a capital, a digit or an opening mark
# a full stop before a capital or a digit; a Chinese full stop (。, or "." once normalised) before anything
_STOP = re.compile(
    r"[.!?]+(?=\s+[\"'(\[*]?[A-Z0-9])|[。！？]"
    r"|(?<=[\u4e00-\u9fff])[.!?;](?=\s*\S)|(?<=\S)[.!?;](?=\s*[\u4e00-\u9fff])"
)
_HARD_BREAK = re.compile(
    r"\n[ \t]*\n\s*"  # a blank line
    r"|\n(?=[ \t]*(?:[-*•▪◦]|\d{1,2}[.)])\s)"  # a line opening with a bullet or a number
    r"|\n(?=[ \t]*[A-Z][A-Za-z /&-]{0,40}:)"  # a line opening with a heading ("Family history:")
    r"|\s(?=\d{1,2}\)\s)"  # an inline numbered item ("2) ...")
    # a heading in capitals inside a line, after punctuation or a wide gap ("*** REFERRING DIAGNOSIS:")
    r"|(?:(?<=[.;:*!?)\]}])\s+|[ \t]{2,}|\t)(?=(?:[A-Z]{2,}[ /&]+){0,4}[A-Z]{3,}:)"
)
_ABBREVIATION_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
# a heading at the start of a sentence: "Family history:", "- PLAN:", "2. Prior therapy:"
_HEADING = re.compile(r"[-*•▪◦\s]*(?:\d{1,2}[.)]\s*)?([A-Za-z][A-Za-z0-9 /&'-]{0,50}?)\s*:")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(slots=True)
class _Token:
    start: int
    end: int
    lower: str
    word: bool


@dataclass(slots=True)
class _Sentence:
    """A sentence read: its tokens, the brackets each stands in, its cues (with their groups and the
    indices of their first and last tokens), and the scopes worked out so far."""

    start: int
    end: int
    tokens: list[_Token]
    starts: list[int] = field(default_factory=list)
    nesting: list[tuple[int, ...]] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)
    places: list[tuple[int, int]] = field(default_factory=list)
    scopes: dict[tuple[int, tuple[int, ...]], tuple[tuple[int, int, bool], ...]] = field(default_factory=dict)


def _token_list(text: str, start: int, end: int) -> list[_Token]:
    curly = "’" in text
    tokens = []
    for m in _TOKEN.finditer(text, start, end):
        word = m.group(0)
        lower = word.lower()
        tokens.append(
            _Token(
                m.start(),
                m.end(),
                lower.translate(_QUOTE) if curly else lower,
                word[0] in _WORDISH or word[0].isalnum(),
            )
        )
    return tokens


def sentences(text: str, rules: AssertionRules | None = None) -> list[TextSpan]:
    """The note's sentences, in order, trimmed of white space: split after a full stop (not after an
    abbreviation such as "p.o." or "Dr."), question or exclamation mark that a capital or a digit follows, at
    a blank line, before a line that opens with a bullet, a number ("1.", "2)") or a heading ("Plan:"),
    before an inline numbered item, and before a heading in capitals inside a line, after punctuation or a
    wide gap ("*** Not obtainable *** REFERRING DIAGNOSIS: syncope"; not after a comma or a word, where the
    capitals are a list's item: "HBsAg, HCV, HIV: negative"); a piece with no letter ("1.") joins the
    sentence after it."""
    rules = rules or load_rules()
    cuts = {0, len(text)}
    for match in _STOP.finditer(text):
        before = _ABBREVIATION_BEFORE.search(text, max(0, match.start() - 16), match.start())
        if before and before.group(1).lower().rstrip(".") in rules.abbreviations:
            continue
        cuts.add(match.end())
    for match in _HARD_BREAK.finditer(text):
        cuts.add(match.end())
    spans: list[TextSpan] = []
    pending: int | None = None
    ordered = sorted(cuts)
    for start, end in itertools.pairwise(ordered):
        piece = text[start:end]
        stripped = piece.strip()
        if not stripped:
            continue
        first = start + (len(piece) - len(piece.lstrip()))
        last = start + len(piece.rstrip())
        if not any(ch.isalpha() for ch in stripped):
            pending = first if pending is None else pending
            continue
        spans.append(TextSpan(pending if pending is not None else first, last))
        pending = None
    if pending is not None:
        spans.append(TextSpan(pending, len(text.rstrip())))
    return spans


def clauses(text: str, rules: AssertionRules | None = None) -> list[TextSpan]:
    """The note's clauses: its sentences cut before each terminator of every scope (";", "but", "however",
    "except" ...), the terminator opening the clause after it (";" closes the one before)."""
    rules = rules or load_rules()
    out: list[TextSpan] = []
    for sentence in _read(text, rules):
        start = sentence.start
        for cue in sentence.cues:
            if cue.direction == "terminate" and cue.category == ALL:
                cut = cue.end if cue.text == ";" else cue.start
                if text[start:cut].strip():
                    out.append(TextSpan(start, start + len(text[start:cut].rstrip())))
                start = cut + (len(text[cut:]) - len(text[cut:].lstrip()))
        if text[start : sentence.end].strip():
            out.append(TextSpan(start, sentence.end))
    return out


def find_cues(text: str, rules: AssertionRules | None = None) -> list[Cue]:
    """Every cue of the cue file found in the text (triggers, pseudo-triggers, terminators, and the section
    headings of the cue file's categories, as direction "section"), in order."""
    rules = rules or load_rules()
    spans = sentences(text, rules)
    found = [cue for span in spans for cue in _sentence(text, span, rules).cues]
    places = {(c.start, c.end) for c in found}
    headings = {section[0] for section in _sections(text, spans, rules) if section is not None}
    found += [h for h in headings if (h.start, h.end) not in places]
    return sorted(found, key=lambda c: (c.start, c.end))


def _match_cues(sentence: _Sentence, text: str, rules: AssertionRules) -> None:
    """The sentence's cues: at each token the longest trigger starting there; overlapping candidates are
    settled by the most words, then the first ('is planned for' is 'is planned', as spaCy's filter_spans
    settles them)."""
    tokens = sentence.tokens
    candidates: list[tuple[int, int, str, _Group]] = []
    words = [t.lower for t in tokens]
    for i, word in enumerate(words):
        for n in rules.lengths.get(word, ()):
            found = rules.triggers.get(tuple(words[i : i + n])) if i + n <= len(words) else None
            if found is not None and (not found[1].attached or _attached(tokens, i, i + n)):
                candidates.append((i, n, found[0], found[1]))
                break
    taken = [False] * len(tokens)
    chosen: list[tuple[int, int, str, _Group]] = []
    for i, n, trigger, group in sorted(candidates, key=lambda c: (-c[1], c[0])):
        if any(taken[i : i + n]):
            continue
        taken[i : i + n] = [True] * n
        chosen.append((i, n, trigger, group))
    for i, n, _, group in sorted(chosen, key=lambda c: c[0]):
        start, end = tokens[i].start, tokens[i + n - 1].end
        sentence.cues.append(Cue(start, end, text[start:end], group.category, group.direction))
        sentence.groups.append(group)
        sentence.places.append((i, i + n - 1))


def _attached(tokens: list[_Token], first: int, stop: int) -> bool:
    """Tokens ``first`` to ``stop`` (exclusive) follow a word with no space and end it: "CD7-", "CD19-negative"
    (not the hyphen of "allo-HCT")."""
    before = first > 0 and tokens[first - 1].word and tokens[first - 1].end == tokens[first].start
    after = stop == len(tokens) or tokens[stop].start > tokens[stop - 1].end or not tokens[stop].word
    return before and after


def _sentence(text: str, span: TextSpan, rules: AssertionRules) -> _Sentence:
    tokens = _token_list(text, span.start, span.end)
    bracketed = any(t.lower in _OPEN for t in tokens)
    nesting: list[tuple[int, ...]] = _nesting(tokens) if bracketed else [()] * len(tokens)
    sentence = _Sentence(span.start, span.end, tokens, [t.start for t in tokens], nesting)
    _match_cues(sentence, text, rules)
    return sentence


def _read(text: str, rules: AssertionRules) -> list[_Sentence]:
    return [_sentence(text, span, rules) for span in sentences(text, rules)]


# ---------------------------------------------------------------------------------------------------- scope


def _ends(other: _Group, group: _Group, direction: str) -> bool:
    """Whether a cue of ``other`` ends the scope of a trigger of ``group`` running in ``direction``."""
    if other.direction != "terminate":
        return other.category == group.category  # a trigger of the same category
    applies = other.category == ALL or group.category in other.category.split("+")
    return applies and other.ends in ("both", direction)


def _strip_links(tokens: list[_Token], rules: AssertionRules, backward: bool) -> tuple[int, bool]:
    """How many tokens at the trigger's side of ``tokens`` are link words ("are", "were found to be"), and
    whether one of them is plural ("are", "both")."""
    stripped, plural = 0, False
    while stripped < len(tokens):
        rest = tokens[: len(tokens) - stripped] if backward else tokens[stripped:]
        for link in rules.links:
            n = len(link)
            words = tuple(t.lower for t in (rest[-n:] if backward else rest[:n]))
            if len(rest) >= n and words == link:
                stripped += n
                plural = plural or link in rules.plural_links
                break
        else:
            break
    return stripped, plural


def _items(tokens: list[_Token]) -> list[list[_Token]]:
    """The tokens split at commas (the commas dropped)."""
    items: list[list[_Token]] = [[]]
    for token in tokens:
        if token.lower == ",":
            items.append([])
        else:
            items[-1].append(token)
    return items


def _states_value(item: list[_Token]) -> bool:
    """The item gives a value after a word ("ECOG 1", "bilirubin 0.9"), not a number inside a name ("HHV-6")."""
    return any(_NUMBER.fullmatch(t.lower) and k > 0 and item[k - 1].end < t.start for k, t in enumerate(item))


def _has(item: list[_Token], phrases: frozenset[tuple[str, ...]]) -> bool:
    words = [t.lower for t in item]
    return any(tuple(words[i : i + len(p)]) == p for p in phrases for i in range(len(words) - len(p) + 1))


def _list_scope(tokens: list[_Token], rules: AssertionRules, backward: bool) -> tuple[list[_Token], list[_Token]]:
    """What a list-scoped trigger reaches of ``tokens`` (the clause on its side), surely and doubtfully: the
    nearest item surely, earlier items (later, running forward) of a list of short ones surely when the list
    is coordinated ("A, B and C are negative"), doubtfully when it is not ("A, B, C negative": a list, or
    separate statements?)."""
    stripped, plural = _strip_links(tokens, rules, backward)
    body = tokens[: len(tokens) - stripped] if backward else tokens[stripped:]
    if backward and stripped and body and body[-1].lower in rules.relatives:
        # "a CT, which was negative": the result reports on what the pronoun stands for
        body = body[:-2] if len(body) > 1 and body[-2].lower == "," else body[:-1]
        if not body:
            return [], []
    items = _items(body)
    if backward:
        items.reverse()  # nearest first
        if len(items) > 1 and not items[0]:
            items = items[1:]  # "mucositis, resolved": the result reports on the item before the comma
    elif not items[0]:
        return [], []  # "HBsAg negative, HBV DNA ...": a comma right after the result closes it
    nearest = items[0]
    breakers = rules.breakers if backward else rules.breakers | rules.forward_breakers
    breaks = [k for k, t in enumerate(nearest) if t.lower in breakers]
    if breaks:  # a clause starts inside the nearest item: the scope is what follows its last breaker
        return (nearest[breaks[-1] + 1 :] if backward else nearest[: breaks[0]]), []
    reached = [nearest]
    for item in items[1:]:
        inner = [k for k, t in enumerate(item) if t.lower in breakers | rules.forward_breakers]
        if backward and inner and inner[-1] + 1 < len(item):
            # the first item of the list carries the sentence's own start ("tested for hepatitis B, hepatitis C
            # and HIV and all were negative"): the list begins after its last breaker
            # only a coordinated list reaches so far back ("man with relapsed AML, HBsAg negative" is no list)
            tail = item[inner[-1] + 1 :]
            coordinated_list = plural or _has(nearest, rules.joiners)
            if coordinated_list and 0 < sum(1 for t in tail if t.word) <= rules.max_item_words:
                reached.append(tail)
            break
        words = sum(1 for t in item if t.word)
        if words == 0 or words > rules.max_item_words or any(t.lower in breakers for t in item):
            break
        if not backward and _states_value(item):
            break  # "negative for HBV, ECOG 1": an item with a value states it
        reached.append(item)
    if backward:
        coordinated = plural or _has(nearest, rules.joiners)
    else:
        coordinated = any(_has(item, rules.joiners) for item in reached[1:])
    farther = [t for item in (reversed(reached[1:]) if backward else reached[1:]) for t in item]
    if coordinated:
        return (farther + nearest if backward else nearest + farther), []
    return nearest, farther


_OPEN = {"(": ")", "[": "]", "{": "}"}
_ITEM_BOUNDARIES = frozenset({",", ";", "and", "or", "nor", "&", "/"})


def _nesting(tokens: list[_Token]) -> list[tuple[int, ...]]:
    """For each token, the brackets it stands in (the indices of their opening tokens, outermost first)."""
    stack: list[int] = []
    out: list[tuple[int, ...]] = []
    for k, token in enumerate(tokens):
        if stack and token.lower == _OPEN[tokens[stack[-1]].lower]:
            stack.pop()
        out.append(tuple(stack))
        if token.lower in _OPEN:
            stack.append(k)
    return out


def _bracket(sentence: _Sentence, first: int, last: int) -> tuple[int, int]:
    """The token range a cue at tokens ``first`` to ``last`` may reach: inside the innermost bracket around
    it ("slides (not submitted) show leukemia": 'not' stays in the bracket), else the whole sentence."""
    tokens, around = sentence.tokens, sentence.nesting[first]
    if not around:
        return 0, len(tokens)
    opened = around[-1]
    closing = _OPEN[tokens[opened].lower]
    for k in range(last + 1, len(tokens)):
        if tokens[k].lower == closing and sentence.nesting[k] == around[:-1]:
            return opened + 1, k
    return opened + 1, len(tokens)


def _scopes(
    sentence: _Sentence, index: int, rules: AssertionRules, finding: tuple[int, int]
) -> tuple[tuple[int, int, bool], ...]:
    """The character ranges the sentence's ``index``-th cue reaches, each surely or doubtfully, for a finding
    at ``finding``. A scope ends at a terminator of its category and, as in ConText, at another trigger of
    its category ('HBsAg negative, HBV DNA not detected': 'not detected' reports on HBV DNA alone). A cue
    inside a bracket that does not hold the trigger ends nothing ('-ve for A, B (occult nor overt), C'), nor
    does a terminator inside the finding's own words ('other than' in 'bleeding other than menses')."""
    tokens, nesting = sentence.tokens, sentence.nesting
    group = sentence.groups[index]
    first, last = sentence.places[index]
    enders = tuple(
        k
        for k, (c, g) in enumerate(zip(sentence.cues, sentence.groups, strict=True))
        if k != index
        and (g.direction == "terminate" or (g.category == group.category and g.direction != "pseudo"))
        and not (c.start < finding[1] and finding[0] < c.end)
        and nesting[first][: len(nesting[sentence.places[k][0]])] == nesting[sentence.places[k][0]]
    )
    key = (index, enders)
    if key in sentence.scopes:
        return sentence.scopes[key]
    low, high = _bracket(sentence, first, last)
    ranges: list[tuple[int, int, bool]] = []
    if group.direction in ("forward", "bidirectional"):
        stop = high
        for k in enders:
            position = sentence.places[k][0]
            if last < position < stop and _ends(sentence.groups[k], group, "forward"):
                stop = position
                if sentence.groups[k].result:  # "no CNS disease, CMV IgG positive": CMV is out of the scope
                    stop = next(
                        (j for j in range(position - 1, last, -1) if tokens[j].lower in _ITEM_BOUNDARIES), position
                    )
        sure, doubtful = _limit(tokens[last + 1 : stop], group, rules, backward=False)
        ranges += [(part[0].start, part[-1].end, part is sure) for part in (sure, doubtful) if part]
    if group.direction in ("backward", "bidirectional"):
        begin = low
        for k in enders:
            after = sentence.places[k][1] + 1
            if begin <= after <= first and _ends(sentence.groups[k], group, "backward"):
                begin = after
        sure, doubtful = _limit(tokens[begin:first], group, rules, backward=True)
        ranges += [(part[0].start, part[-1].end, part is sure) for part in (sure, doubtful) if part]
    sentence.scopes[key] = tuple(ranges)
    return sentence.scopes[key]


def _limit(
    span: list[_Token], group: _Group, rules: AssertionRules, backward: bool
) -> tuple[list[_Token], list[_Token]]:
    """The part of ``span`` (the clause on the trigger's side) the trigger reaches, surely and doubtfully."""
    doubtful: list[_Token] = []
    if group.commas == "cross" and not backward:
        items = _items(span)
        for k, item in enumerate(items[1:], start=1):
            if _states_value(item):  # "no CNS disease, ECOG 1": a value stated after a comma is not denied
                span = span[: [j for j, t in enumerate(span) if t.lower == ","][k - 1]]
                break
    if group.commas == "stop":
        commas = [k for k, t in enumerate(span) if t.lower == ","]
        if commas:
            span = span[commas[-1] + 1 :] if backward else span[: commas[0]]
    elif group.commas == "list" and span:
        span, doubtful = _list_scope(span, rules, backward)
    if group.max_words is not None:
        doubtful = []
        words = [k for k, t in enumerate(span) if t.word]
        if len(words) > group.max_words:
            span = span[words[-group.max_words] :] if backward else span[: words[group.max_words - 1] + 1]
    return span, doubtful


# ------------------------------------------------------------------------------------------------- findings


def _sections(text: str, spans: list[TextSpan], rules: AssertionRules) -> list[tuple[Cue, int] | None]:
    """For each sentence, the section heading whose category covers it, with the position from which it
    does (after the heading's colon in its own sentence): a heading of the cue file's sections ("Family
    history:", "Plan:") covers the sentences under it up to the next heading it knows or a blank line."""
    out: list[tuple[Cue, int] | None] = []
    current: Cue | None = None
    for k, span in enumerate(spans):
        if k and _BLANK_LINE.search(text, spans[k - 1].end, span.start):
            current = None
        match = _HEADING.match(text, span.start, span.end)
        category = rules.headings.get(_tokens(match.group(1))) if match else None
        if match and category is not None:
            current = Cue(match.start(1), match.end(1), match.group(1), category, "section") if category else None
            out.append((current, match.end()) if current else None)
        else:
            out.append((current, span.start) if current else None)
    return out


def assert_findings(
    text: str, findings: Sequence[tuple[int, int]], rules: AssertionRules | None = None
) -> list[Assertion]:
    """For each finding (its ``(start, end)`` character span in ``text``), what the text asserts about it.

    A finding is judged within the sentence it starts in. A trigger inside the finding's own span does not
    modify it ("extremities without edema" as one finding is affirmed). ``ValueError`` if a span is not
    inside the text."""
    rules = rules or load_rules()
    for k, (start, end) in enumerate(findings):
        if not 0 <= start < end <= len(text):
            raise ValueError(f"finding {k}: span ({start}, {end}) is not inside the text of {len(text)} characters")
    spans = (sentences(text, rules) or [TextSpan(0, len(text))]) if findings else []
    sections = _sections(text, spans, rules)
    starts = [s.start for s in spans]
    read: dict[int, _Sentence] = {}  # only the sentences that hold a finding are read
    results = []
    for start, end in findings:
        position = max(bisect.bisect_right(starts, start) - 1, 0)
        if position not in read:
            read[position] = _sentence(text, spans[position], rules)
        sentence = read[position]
        flags: dict[str, bool] = {}
        used: list[Cue] = []
        for index, cue in enumerate(sentence.cues):
            if cue.direction in ("pseudo", "terminate") or (cue.start < end and start < cue.end):
                continue
            reached = [
                sure for lo, hi, sure in _scopes(sentence, index, rules, (start, end)) if lo < end and start < hi
            ]
            if reached:  # reached only doubtfully ("A, B, C negative" for A): uncertain, not the cue's category
                flags[cue.category if any(reached) else "uncertain"] = True
                used.append(cue)
        section = sections[position]
        if section is not None and start >= section[1]:  # under a heading: "Plan:" then "- allo-HCT"
            heading, begin = section
            reader = _Group(heading.category, "forward")  # as if a trigger opened the sentence
            ended = any(  # "Plan: continue azacitidine": 'continue' ends the plan's scope
                g.direction == "terminate" and _ends(g, reader, "forward") and begin <= c.start and c.end <= start
                for c, g in zip(sentence.cues, sentence.groups, strict=True)
            )
            if not ended:
                flags[heading.category] = True
                if all((c.start, c.end) != (heading.start, heading.end) for c in used):
                    used.append(heading)
        if flags.get("resolved"):
            flags["historical"] = True
        results.append(Assertion(**flags, cues=tuple(used)))
    return results


def assertion(text: str, start: int, end: int, rules: AssertionRules | None = None) -> Assertion:
    """What ``text`` asserts about the one finding at ``text[start:end]``."""
    return assert_findings(text, [(start, end)], rules)[0]
