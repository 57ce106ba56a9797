"""``trialscope criteria``: eligibility criteria as structured constraints, each tied to its text."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from trialscope.cli.app import DbOption, app, console, fail, open_store, print_json

if TYPE_CHECKING:
    from trialscope.criteria import ParsedCriteria


class CriteriaFormat(StrEnum):
    text = "text"
    flat = "flat"
    json = "json"


def _print_parsed(title: str, parsed: ParsedCriteria) -> None:
    from trialscope.criteria.describe import describe, describe_all, item_reading, leftover_words
    from trialscope.presentation.sections import unescape_markdown
    from trialscope.presentation.terminal import clean

    console.print(Text(clean(title), style="bold"))
    for item in parsed.items:
        section = "Inclusion" if item.section == "inclusion" else "Exclusion"
        label = f" {item.label}" if item.label and item.label not in "•-*" else ""
        shown = clean(unescape_markdown(item.text) or "")
        constraints = parsed.for_item(item.index)
        reading = item_reading(constraints)
        header = Text(f"{'  ' * item.level}[{section}{label}] ", style="bold cyan")
        if reading:
            header.append(f"({_READING[reading]}) ", style=_READING_STYLE[reading])
        console.print(header.append(shown))
        for constraint, words in zip(constraints, describe_all(constraints), strict=True):
            style = (
                "yellow"
                if constraint.kind == "unparsed"
                else ("dim" if constraint.kind == "administrative" else "green")
            )
            console.print(Text(f"{'  ' * item.level}    -> {words}", style=style))
        left = leftover_words(constraints)
        if left:
            console.print(
                Text(f"{'  ' * item.level}    ?? not weighed: {'; '.join(clean(w) for w in left)}", style="yellow")
            )
    implicit = [c for c in parsed.constraints if c.implicit]
    for constraint in implicit:
        console.print(Text(f"[Implied] {describe(constraint)} ({constraint.source})", style="green"))
    for note in parsed.notes:
        console.print(Text(f"[Check] {note}", style="bold yellow"))
    understood = sum(1 for c in parsed.constraints if c.kind != "unparsed")
    readings = [item_reading(parsed.for_item(item.index)) for item in parsed.items]
    counted = {kind: readings.count(kind) for kind in _READING}
    console.print(
        Text(
            f"{understood} constraints understood; items read {counted['read']}, partly read {counted['partly']}, "
            f"unread {counted['unread']} (only what is read whole can exclude)"
        )
    )


_READING = {"read": "read", "partly": "partly read", "unread": "unread"}
_READING_STYLE = {"read": "green", "partly": "yellow", "unread": "red"}


@app.command()
def criteria(
    nct_ids: Annotated[list[str] | None, typer.Argument(help="NCT IDs in the catalogue.", metavar="[NCT...]")] = None,
    text_file: Annotated[
        Path | None, typer.Option("--text-file", help="Parse this file's text instead (spans are relative to it).")
    ] = None,
    output: Annotated[
        CriteriaFormat,
        typer.Option(
            "--format",
            help="text: each item beside what was understood; flat: the gold "
            "flat constraint format (JSON); json: items and constraints.",
        ),
    ] = CriteriaFormat.text,
    db: DbOption = None,
) -> None:
    """Eligibility criteria as structured constraints, each tied to the text it came from."""
    from trialscope.criteria import parse_criteria
    from trialscope.criteria.describe import item_reading, leftover_words

    if text_file is None and not nct_ids:
        raise fail("give NCT IDs or --text-file FILE")
    results: list[tuple[str, ParsedCriteria]] = []
    if text_file is not None:
        try:
            text = text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise fail(f"cannot read {text_file}: {exc}") from None
        results.append((str(text_file), parse_criteria(text)))
    missing = []
    if nct_ids:
        with open_store(db) as store:
            criteria_store = store.criteria
            for nct_id in nct_ids:
                trial = store.get(nct_id)
                if trial is None:
                    missing.append(nct_id)
                    continue
                criteria_store.get(trial)  # keep the stored structured criteria current
                results.append((trial.nct_id, criteria_store.parsed(trial)))
    if output is CriteriaFormat.text:
        for name, parsed in results:
            _print_parsed(name, parsed)
    else:

        def payload(parsed: ParsedCriteria) -> object:
            flat = [c.as_flat() for c in parsed.constraints]
            if output is CriteriaFormat.flat:
                return flat
            items = [
                {
                    "index": i.index,
                    "section": i.section,
                    "label": i.label,
                    "level": i.level,
                    "parent": i.parent,
                    "span": [i.start, i.end],
                    "text": i.text,
                    "reading": item_reading(parsed.for_item(i.index)) or None,
                    "not_weighed": leftover_words(parsed.for_item(i.index)),
                }
                for i in parsed.items
            ]
            return {"items": items, "constraints": flat, "notes": parsed.notes, "unparsed_share": parsed.unparsed_share}

        document = payload(results[0][1]) if len(results) == 1 else {name: payload(p) for name, p in results}
        print_json(document)
    if missing:
        raise fail(f"not in the catalogue: {', '.join(missing)}", code=1)
