"""How ``--help`` reads: plain placeholders (``--limit N``, ``--db TEXT``; nothing after a flag) instead of
Typer's type names (``<bool>``, ``<list[str]>``), words taken literally (``trialscope[report]`` is not
markup), and paragraphs that flow at any terminal width instead of keeping the line breaks of the source.

``PlainHelpGroup`` is the class of the ``trialscope`` app: once Typer has built the command tree, it walks
every command (those of the sub-apps too) and sets this up, so every way of running the app (the console
script, ``python -m trialscope``, a test's ``CliRunner``) shows the same help."""

from __future__ import annotations

from functools import cache
from typing import Any

import typer
from rich.markup import escape
from typer.core import TyperArgument, TyperGroup, TyperOption

# the type Typer names (its "<int range>", "<list[str]>") -> the plain placeholder shown after an option
_PLACEHOLDERS = {
    "bool": "",
    "int": "N",
    "int range": "N",
    "float": "NUMBER",
    "float range": "NUMBER",
    "path": "PATH",
    "file": "FILE",
    "directory": "FOLDER",
    "datetime": "DATE",
    "str": "TEXT",
}


class _PlainArgument(TyperArgument):
    """An argument whose name says what it takes ('[NCT] PATIENTS'): no type column beside it."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


@cache
def _context() -> typer.Context:
    """A context to ask Typer for type names in (they depend on no command)."""
    return typer.Context(typer.core.TyperCommand("placeholder"))


def placeholder(option: TyperOption) -> str | None:
    """The plain placeholder of an option: nothing for a flag, a choice's values, else a word for its type
    (None: this Typer names no types, and its own metavar stays)."""
    if option.is_flag or option.count:
        return ""
    named = getattr(option, "display_type", None)
    if named is None:
        return None
    label = str(named(_context())).strip("<>")
    label = label.removeprefix("list[").removesuffix("]") if label.startswith("list[") else label
    if "|" in label:  # a choice: its values
        return label
    return _PLACEHOLDERS.get(label.lower(), "TEXT")


def flowing(text: str | None) -> str | None:
    """Help text with the source's line breaks inside a paragraph joined (a paragraph that starts with
    click's ``\\b`` keeps them), and square brackets taken literally rather than as rich markup."""
    if text is None:
        return None
    paragraphs = []
    for paragraph in text.split("\n\n"):
        kept = paragraph.lstrip().startswith("\b")
        lines = [line.strip() for line in paragraph.splitlines()]
        paragraphs.append("\n".join(lines) if kept else " ".join(line for line in lines if line))
    return escape("\n\n".join(paragraphs))


def plain_help(command: Any) -> None:
    """Set up ``command`` (a Typer command or group) and every command under it as the module's docstring
    says."""
    command.help = flowing(command.help)
    command.short_help = flowing(command.short_help)
    help_option = command.get_help_option(typer.Context(command))
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        if isinstance(param, TyperArgument):
            param.__class__ = _PlainArgument
            param.help = flowing(param.help)
        elif isinstance(param, TyperOption):
            param.metavar = placeholder(param) if param.metavar is None else param.metavar
            param.help = flowing(param.help)
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)


class PlainHelpGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plain_help(self)
