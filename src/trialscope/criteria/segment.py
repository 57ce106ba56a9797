"""Split criteria text into inclusion and exclusion items, with their nesting and exact spans.

Layouts handled (all met in ../shared/data): ``Inclusion Criteria:`` / ``Exclusion Criteria:`` headings in
any case and wording (also alone on a line inside an item, or missing: then everything is inclusion),
numbered (``1.`` ``1)`` ``(1)``), lettered (``a)`` ``a).`` ``b.``) and bulleted (``•`` ``-`` ``*``) items,
nesting by indentation or by a change of marker, numbering that restarts inside items or starts at 2,
unbulleted paragraphs, and run-on sub-items inside one paragraph (``organ function:a) ALT ... b) AST``).

Spans are offsets into the text exactly as given; item text excludes its bullet or number.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, cast

import orjson

from trialscope.criteria.cues import cues
from trialscope.criteria.text import normalise

if TYPE_CHECKING:  # the model imports this module's Item
    from trialscope.criteria.model import Constraint

Section = Literal["inclusion", "exclusion"]

# leading space taken possessively (``*+``): "\s*[-*•]?\s*" tried every split of a deeply indented line's
# spaces between its two runs (37 us a line, most of segmenting a trial's criteria); what follows the space
# is never a space, so nothing given back could ever match
_HEADING = re.compile(
    r"""^\s*+(?:[-*•]\s*+)?(?:(?:[A-H]|[IVX]{1,4}|\d{1,2})[.)]\s++)?  # "B. EXCLUSION CRITERIA"
    (?:(?:key|main|major|general|other|additional|specific)\s+  # or a lead-in: "Procurement Exclusion Criteria:"
      |(?P<lead>(?:[A-Za-z0-9/\-]+\s+){1,3})(?=(?:inclusion|exclusion|eligibility)\s+criteri))?
    (?P<kind>inclusion|exclusion|eligibility|include|exclude|inclusive|exclusive)
    (?:\s+(?:criteria|criterion|criterias))?(?:\s+(?:includes?|are|is)(?=\s*[:：]))?  # "... Criteria Includes:"
    (?:\s+(?:for|of)\s+(?P<for>[a-z \-]{1,40}))?  # "Inclusion Criteria for CLL:": whom the section is for
    (?:\s*\((?:main|key|general|all\s+\w+|(?P<part>(?:part|cohort|arm)\s+\w+)|[a-z]{1,12})\))?  # "(main)", "(cohort B)"
    \s*[:：]?\s*""",
    re.IGNORECASE | re.VERBOSE,
)
# a section's heading written at the end of another line, capitalised as a heading (not "... meets all the
# exclusion criteria"), after a word that is no determiner
_TRAILING_HEADING = re.compile(
    r"(?<!\bthe)(?<!\ball)(?<!\bany)(?<!\bof)(?<!\bthese)(?<!\bfollowing)(?<!\blisted)(?<!\bother)(?<!\bstudy)"
    r"\s+(?P<heading>(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)\s+(?:Criteria|CRITERIA)\s*:?)\s*$"
)
_MARKER = re.compile(
    r"""^(?P<indent>\s*)
    (?P<marker>
        \(?(?P<num>\d{1,2})(?:\.\d{1,2})*\s*[.)、](?!\d)\)?\.?
      | \((?P<pnum>\d{1,2})\)
      | \(?(?P<letter>[a-zA-Z])[.)]\)?\.?(?=\s)
      | \((?P<pletter>[a-zA-Z])\)
      | (?P<roman>(?:i{1,3}|iv|vi{0,3}|ix|x))[.)](?=\s)
      | (?P<bullet>[•\-*·●○▪■□◦‣⁃➢>])
    )\s*(?:[:：]\s*)?""",  # "1. :Relapsed MCL:" (a stray colon after the marker is no text of the item)
    re.VERBOSE,
)
_RUN_ON_LETTER = re.compile(r"(?P<label>[a-h])\)\.?(?=\s*[A-Za-z(])")
_RUN_ON_NUMBER = re.compile(r"(?<![\d.])(?P<label>[1-9])\)(?=\s*[A-Za-z(])")


@dataclass(slots=True)
class Item:
    """One criterion: its section, its place in the nesting, and where its text is."""

    index: int
    section: Section
    start: int  # span of the item's own text (after its marker), in the original text
    end: int
    text: str
    label: str | None = None  # "3", "b", "•"
    level: int = 0
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    heading_stated: bool = True  # False when the text had no inclusion/exclusion heading at all
    heading: str | None = None  # the words its heading put before "criteria": "R/R B-NHL Inclusion Criteria"

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)


def items_to_json(items: list[Item]) -> str:
    """A segmentation as stored with a trial's structured criteria (``items_from_json`` reads it back): one
    list per item, its fields in order, without its text (always the criteria text's own characters at its
    span: the text is stored once, in the record)."""
    return orjson.dumps(
        [
            [i.index, i.section, i.start, i.end, i.label, i.level, i.parent, i.children, i.heading_stated, i.heading]
            for i in items
        ]
    ).decode()


def items_from_json(stored: str, text: str) -> list[Item]:
    """The items ``items_to_json`` stored for the criteria ``text``, equal to those ``segment(text)`` made."""
    return [
        Item(index, cast(Section, section), start, end, text[start:end], label, level, parent, children, stated, *rest)
        for index, section, start, end, label, level, parent, children, stated, *rest in orjson.loads(stored)
    ]


def _heading_kind(line: str) -> tuple[Section | None, int, str | None]:
    """Whether a line is (or starts with) a section heading, where the rest of the line begins, and the words
    it puts before "criteria" or in brackets after it ("R/R B-ALL Inclusion Criteria", "Exclusion Criteria (cohort
    B)": whom a sub-list is for)."""
    match = _HEADING.match(line)
    if not match:
        return None, 0, None
    section, end = _heading_section(line, match)
    lead = (match.group("lead") or match.group("part") or match.group("for")) if section is not None else None
    return section, end, lead.strip() if lead else None


def _heading_section(line: str, match: re.Match[str]) -> tuple[Section | None, int]:
    rest = line[match.end() :]
    kind = match.group("kind").lower()
    has_colon = ":" in line[: match.end()] or "：" in line[: match.end()]
    said_criteria = re.search(r"criteri", line[: match.end()], re.IGNORECASE) is not None
    # "Exclusion of X" is not a heading: a heading says "criteria", ends with a colon, or is the word alone on
    # its line ("Exclusion")
    alone = line.strip().lower() in ("inclusion", "exclusion")
    if said_criteria and rest.strip() and not has_colon and cues().heading.search(rest):
        # "Exclusion Criteria Subjects meeting any of the following ... will not be able to participate": the
        # rest of the line only introduces the list
        return ("exclusion" if kind.startswith("exclu") else "inclusion"), len(line)
    if not (said_criteria or has_colon or alone) or (rest.strip() and not has_colon):
        return None, 0
    section: Section = "exclusion" if kind.startswith("exclu") else "inclusion"
    return section, match.end()


def _marker_kind(match: re.Match[str]) -> str:
    for kind in ("num", "pnum", "letter", "pletter", "roman", "bullet"):
        if match.group(kind):
            return {"pnum": "num", "pletter": "letter"}.get(kind, kind)
    return "none"


def _marker_label(match: re.Match[str]) -> str:
    for kind in ("num", "pnum", "letter", "pletter", "roman", "bullet"):
        if match.group(kind):
            return match.group(kind)
    return ""


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    return start, end


def _run_on_children(norm: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """Sub-items glued into one paragraph: a), b), c) ... or 1), 2), 3) ... in order. Returns
    (label, marker start, text start) for each, or nothing when no ordered run of two or more exists."""
    segment = norm[start:end]
    for pattern, first in ((_RUN_ON_LETTER, "a"), (_RUN_ON_NUMBER, "1")):
        found: list[tuple[str, int, int]] = []
        expected = first
        position = 0
        while True:
            match = next((m for m in pattern.finditer(segment, position) if m.group("label") == expected), None)
            if match is None:
                break
            found.append((expected, start + match.start(), start + match.end()))
            position = match.end()
            expected = chr(ord(expected) + 1)
        if len(found) >= 2:
            return found
    return []


# a heading run onto the end of a line and broken over the next: "... self-care Exclusion\n     Criteria"
_RUN_ON_HEADING = re.compile(
    r"(?<=\S)(?P<before>[ \t]+)"
    r"(?=(?:Inclusion|Exclusion|INCLUSION|EXCLUSION)(?P<gap>[ \t]*\n[ \t]*)(?:Criteria|CRITERIA)\b)"
)


def _heading_on_its_line(norm: str) -> str:
    """The text with such a heading put on a line of its own, each character where it was (spans stay true),
    when a criterion's words stand before it (five words at least: not a lead-in such as "Key")."""
    out, position = [], 0
    for m in _RUN_ON_HEADING.finditer(norm):
        line_start = norm.rfind("\n", 0, m.start()) + 1
        if len(norm[line_start : m.start()].split()) < 5:
            continue
        gap = m.end() + len("Exclusion")  # as long as "Inclusion"
        gap_end = gap + len(m.group("gap"))
        out += [norm[position : m.start()], "\n" + m.group("before")[1:], norm[m.end() : gap], " " * (gap_end - gap)]
        position = gap_end
    out.append(norm[position:])
    return "".join(out)


def segment(text: str) -> list[Item]:
    """Items of a criteria text, in document order, with nesting."""
    norm = _heading_on_its_line(normalise(text))
    items: list[Item] = []
    section: Section = "inclusion"
    saw_heading = False
    under: str | None = None  # the lead-in words of the heading the items are under ("R/R B-NHL")
    stack: list[tuple[int, str, int]] = []  # (indent, marker kind, item index) of open items
    restarted: dict[int, int] = {}  # items of a numbered list restarted under a lead-in: their written indent
    lines: list[tuple[int, int]] = []
    offset = 0
    for raw in norm.split("\n"):
        lines.append((offset, offset + len(raw)))
        offset += len(raw) + 1
    width = max((b - a for a, b in lines), default=0)  # the width a hard-wrapped text was wrapped at
    lines.reverse()  # taken from the end: a line cut in two puts its rest back
    while lines:
        line_start, line_end = lines.pop()
        raw_line = norm[line_start:line_end]
        if not raw_line.strip():
            continue
        glued = _next_number_glued(raw_line, items, section)
        if glued is not None:  # "... (PMBCL). 3. Relapsed ...": the next top-level item glued on
            lines.append((line_start + glued, line_end))
            line_end = line_start + glued
            raw_line = norm[line_start:line_end]
        trailing = _TRAILING_HEADING.search(raw_line) if "RITERI" in raw_line.upper() else None
        if trailing is not None and len(raw_line[: trailing.start()].split()) >= 5:  # not a lead-in: "Key ..."
            # "... capable of all self-care Exclusion Criteria": the next section's heading run onto a line
            lines.append((line_start + trailing.start("heading"), line_end))
            line_end = line_start + trailing.start()
            raw_line = norm[line_start:line_end]
        kind, heading_end, lead = _heading_kind(raw_line)
        content_start = line_start
        if kind is not None:
            section, saw_heading, under = kind, True, lead
            stack.clear()
            content_start = line_start + heading_end
            if not norm[content_start:line_end].strip():
                continue
        line = norm[content_start:line_end]
        marker = _MARKER.match(line)
        if (
            marker
            and _marker_kind(marker) == "bullet"
            and marker.group("bullet") == ">"
            and (line[marker.end() :][:1].isdigit() or line[marker.end() :][:1] == "=")
        ):
            marker = None  # "> 18 years", ">=Class II" (a wrapped line's start) is a comparator, not a bullet
        if marker:
            indent = len(marker.group("indent"))
            marker_kind = _marker_kind(marker)
            label = _marker_label(marker)
            text_start = content_start + marker.end()
            if marker_kind == "num" and stack:
                indent = _numbered_indent(indent, label, items, stack, restarted)
        elif (
            items
            and kind is None
            and items[-1].section == section
            and (len(line) - len(line.lstrip())) > (stack[-1][0] if stack else -1)
            and (stack or raw_line.startswith("   "))
        ):
            # a hard-wrapped continuation of the open item: indented past its marker (legacy layout)
            items[-1].end = _trimmed(text, items[-1].start, line_end)[1]
            items[-1].text = text[items[-1].start : items[-1].end]
            continue
        elif (
            items
            and kind is None
            and items[-1].section == section
            and _wrapped(norm, items[-1].end, line_start, line_end, width)
        ):
            items[-1].end = _trimmed(text, items[-1].start, line_end)[1]
            items[-1].text = text[items[-1].start : items[-1].end]
            continue
        else:
            indent = len(line) - len(line.lstrip())
            marker_kind, label, text_start = "none", None, content_start
        while stack and (stack[-1][0] > indent or (stack[-1][0] == indent and stack[-1][1] == marker_kind)):
            stack.pop()
        same_indent_other_marker = (
            stack and stack[-1][0] == indent and stack[-1][1] != marker_kind and marker_kind != "none"
        )
        # same indentation, different marker (1. then a.): nested only when letters follow numbers
        if same_indent_other_marker and not (stack[-1][1] == "num" and marker_kind in ("letter", "roman", "bullet")):
            stack.pop()
        if marker_kind == "none" and stack:
            # an unbulleted line inside a list: a paragraph of its own at the outer level
            stack.clear()
        parent = stack[-1][2] if stack else None
        start, end = _trimmed(text, text_start, line_end)
        if start >= end:
            continue
        item = Item(
            index=len(items),
            section=section,
            start=start,
            end=end,
            text=text[start:end],
            label=label,
            level=(items[parent].level + 1) if parent is not None else 0,
            parent=parent,
            heading=under,
        )
        items.append(item)
        if parent is not None:
            items[parent].children.append(item.index)
        stack.append((indent, marker_kind, item.index))
        if marker and marker_kind == "num" and indent > len(marker.group("indent")):
            restarted[item.index] = len(marker.group("indent"))
        _split_run_on(text, norm, items, item)
    if not saw_heading:
        for item in items:
            item.heading_stated = False
    return items


def _wrapped(norm: str, open_end: int, line_start: int, line_end: int, width: int) -> bool:
    """Whether the unmarked line ``norm[line_start:line_end]`` goes on the open item's last line, hard-wrapped
    (unbulleted paragraphs of the older layout): it comes right after that line, with no blank line between;
    that line does not end its sentence or lead into a list; and the line's first word would not have fitted
    on it (or starts in lower case)."""
    gap = norm[open_end:line_start]
    if gap.count("\n") != 1 or gap.strip():
        return False
    last_start = norm.rfind("\n", 0, open_end) + 1
    last = norm[last_start:open_end].rstrip()
    words = norm[line_start:line_end].split()
    if not last or not words or last.endswith((".", ";", ":", "?", "!")):
        return False
    return len(norm[last_start:open_end]) + 1 + len(words[0]) > width or words[0][0].islower()


def _numbered_indent(
    indent: int, label: str, items: list[Item], stack: list[tuple[int, str, int]], restarted: dict[int, int]
) -> int:
    """The indent a numbered line counts as. A list numbered from 1 again right under a numbered lead-in line
    ("3. ... meet one of the following criteria:" then "1. ...", "2. ...", all flush left) is the lead-in's
    sub-list: one step deeper than written, until the outer numbering resumes ("4. ...")."""
    top_indent, top_kind, top_index = stack[-1]
    top = items[top_index]
    if (
        label == "1"
        and top_kind == "num"
        and indent <= top_indent
        and top.text.rstrip().endswith(":")
        and (top.label or "").isdigit()
    ):
        return top_indent + 1
    if top_index in restarted and restarted[top_index] == indent and (top.label or "").isdigit() and label.isdigit():
        parent = items[top.parent] if top.parent is not None else None
        resumes = parent is not None and (parent.label or "").isdigit() and int(label) == int(parent.label or 0) + 1
        if not resumes and int(label) == int(top.label or 0) + 1:
            return top_indent  # the sub-list goes on
    return indent


# a numbered item glued after the end of a sentence or clause ("... weeks. 6. ECOG 0 or 1"; "5\\." escaped)
_GLUED_NUMBER = re.compile(r"(?<=[.;:)\]])\s+(?P<num>\d{1,2})\s?\.\s+(?=[A-Z(])")


def _next_number_glued(line: str, items: list[Item], section: Section) -> int | None:
    """Where, inside ``line``, the item numbered one after the line's own number or after the last top-level
    item's begins; None when it does not."""
    wanted: set[str] = set()
    own = _MARKER.match(line)
    if own is not None and own.group("num") and not own.group("marker").startswith("("):
        wanted.add(str(int(own.group("num")) + 1))
    numbered = [i.label for i in items if i.section == section and i.level == 0 and (i.label or "").isdigit()]
    if numbered:
        wanted.add(str(int(numbered[-1] or 0) + 1))
    for match in _GLUED_NUMBER.finditer(line):
        if match.group("num") in wanted and line[: match.start()].strip():
            return match.start("num")
    return None


def _split_run_on(text: str, norm: str, items: list[Item], item: Item) -> None:
    """Cut a paragraph with glued sub-items into the parent's lead-in and one child per sub-item."""
    runs = _run_on_children(norm, item.start, item.end)
    if not runs:
        return
    bounds = [*runs, ("", item.end, item.end)]
    item.end = _trimmed(text, item.start, runs[0][1])[1]
    item.text = text[item.start : item.end]
    for (label, _marker_start, text_start), (_, next_marker, _) in itertools.pairwise(bounds):
        start, end = _trimmed(text, text_start, next_marker)
        if start >= end:
            continue
        child = Item(
            index=len(items),
            section=item.section,
            start=start,
            end=end,
            text=text[start:end],
            label=label,
            level=item.level + 1,
            parent=item.index,
            heading_stated=item.heading_stated,
            heading=item.heading,
        )
        items.append(child)
        item.children.append(child.index)


def constraints_by_item(items: list[Item], constraints: Iterable[Constraint]) -> dict[int, list[Constraint]]:
    """The constraints whose span starts inside each item (by item index; the innermost item wins).
    Constraints without a span (those the record implies) are left out."""
    found: dict[int, list[Constraint]] = {}
    for c in constraints:
        if c.start is None:
            continue
        inside = [i for i in items if i.start <= c.start < max(i.end, i.start + 1)]
        if inside:
            found.setdefault(inside[-1].index, []).append(c)
    return found
