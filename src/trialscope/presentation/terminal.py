"""Print trial sections in a terminal with rich.

Registry text is untrusted: it is never parsed as rich markup (only ``Text`` objects are printed) and
control characters (ANSI escape sequences could rewrite the terminal) are stripped first.
"""

from __future__ import annotations

import re

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from trialscope.presentation.sections import Row, Section

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """Registry text with control characters (escape sequences included) removed."""
    return _CONTROL.sub("", text)


# Columns whose values are identifiers or dates: never broken across lines ("NCT07144 / 020" reads as two
# things); the other columns fold to make room.
UNBROKEN = frozenset(
    {"trial", "patient", "id", "created", "updated", "detected", "stored", "replaced", "last update posted", "version"}
)


def _shared_start(one: str, other: str) -> int:
    """How many characters two strings begin with alike."""
    length = min(len(one), len(other))
    return next((i for i in range(length) if one[i] != other[i]), length)


def short_ids(ids: list[str], shortest: int = 8) -> dict[str, str]:
    """Each id by its shortest beginning (``shortest`` characters or more) that no other id of ``ids``
    begins with: what a table shows, and what a command taking a unique beginning accepts."""
    ordered = sorted(set(ids))
    short = {}
    for index, full in enumerate(ordered):
        shared = 0
        for other in ordered[max(0, index - 1) : index] + ordered[index + 1 : index + 2]:
            shared = max(shared, _shared_start(full, other))
        short[full] = full[: max(shortest, shared + 1)]
    return short


def add_columns(table: Table, names: tuple[str, ...] | list[str]) -> None:
    """Add columns by name: identifiers and dates unbroken, the rest folding at the terminal's width."""
    for name in names:
        if name in UNBROKEN:
            table.add_column(name, no_wrap=True)
        else:
            table.add_column(name, overflow="fold")


READABLE_COLUMN = 20  # the fewest characters a folding column may have before its words become a ladder


def _text(cell: object) -> Text:
    return cell if isinstance(cell, Text) else Text(str(cell))


def _needed_width(table: Table) -> int:
    """The width at which every column stays readable: unbroken columns at their widest value, folding
    ones at ``READABLE_COLUMN`` (or their widest value, if narrower), plus borders and padding."""
    needed = 1
    for column in table.columns:
        widest = max((_text(c).cell_len for c in column.cells), default=0)
        widest = max(widest, _text(column.header).cell_len)
        needed += (widest if column.no_wrap else min(widest, READABLE_COLUMN)) + 3
    return needed


def print_table(console: Console, table: Table) -> None:
    """The table as a table where the terminal is wide enough for it; else each row as a short list, its
    first value on a line of its own and the others under it by column name (nothing is squeezed into a
    ladder of three-letter lines on a narrow terminal)."""
    if console.width >= _needed_width(table):
        console.print(table)
        return
    if table.title:
        console.print(Text(str(table.title), style="bold"))
    columns = table.columns
    for row in zip(*(list(c.cells) for c in columns), strict=True):
        console.print()
        first = _text(row[0]).copy()
        first.stylize("bold")
        console.print(first)
        fields = Table.grid(padding=(0, 1))
        fields.add_column(style="dim", no_wrap=True)
        fields.add_column(overflow="fold")
        for column, cell in zip(columns[1:], row[1:], strict=True):
            if _text(cell).plain.strip() not in ("", "-"):
                fields.add_row(_text(column.header) + ":", _text(cell))
        console.print(Padding(fields, (0, 0, 0, 2)))


def _rows_table(rows: list[Row]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(Text(clean(label)), Text(clean(value)))
    return table


def render_section(section: Section) -> Panel:
    parts: list[Table | Text] = []
    if section.rows:
        parts.append(_rows_table(section.rows))
    if section.text:
        parts.append(Text(clean(section.text)))
    for index, entry in enumerate(section.entries):
        if index or parts:
            parts.append(Text(""))
        parts.append(_rows_table(entry))
    return Panel(Group(*parts), title=Text(section.title, style="bold cyan"), title_align="left")


def print_trial(console: Console, title: str, sections: list[Section]) -> None:
    console.print(Text(clean(title), style="bold"))
    for section in sections:
        console.print(render_section(section))
