"""What every command shares: the ``trialscope`` Typer app, the consoles, the common options, clean failures
and opening the store. Light on purpose: the database, search, matching and web stacks are imported by the
commands that use them, when they run, so ``trialscope --help`` answers at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.text import Text

from trialscope.cli.help import PlainHelpGroup
from trialscope.settings import ENV_DATABASE_URL

if TYPE_CHECKING:
    from trialscope.store.trial_store import TrialStore

app = typer.Typer(
    name="trialscope",
    help="Find clinical trials a patient can actually join: catalogue, search, criteria, matching.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=PlainHelpGroup,
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_DATABASE_URL,
        help="Database URL: sqlite:///path/to/file.db or postgresql://user@host/db "
        "(default: an SQLite file in your data folder, filled with the demo catalogue on first use).",
        show_envvar=True,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a readable view.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as an error and return the exit to raise (2: a usage error)."""
    # not wrapped by us: a path or a value in the message stays whole for copying (the terminal folds it)
    err.print(Text(f"error: {message}", style="red"), soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def open_store(db: str | None, *, demo: bool = True) -> Iterator[TrialStore]:
    """Open the store; the default database is filled with the demo catalogue on first use."""
    from trialscope.store.database import DatabaseUnavailable, DatabaseUrlError, is_default_database, resolve_url
    from trialscope.store.trial_store import TrialStore

    try:
        url = resolve_url(db)
        store = TrialStore.open(url)
    except DatabaseUrlError as exc:
        raise fail(str(exc)) from None
    except DatabaseUnavailable as exc:
        raise fail(f"cannot open the database: {exc}") from None
    try:
        if demo and is_default_database(db) and store.count() == 0:
            from trialscope.demo import ensure_demo

            err.print("First run: loading the bundled demo catalogue into the default database ...")
            ensure_demo(store)
        yield store
    finally:
        store.close()


def print_list(title: str, lines: list[str], *, style: str = "bold", bullet: str = "") -> None:
    """A titled list of registry-derived lines (cleaned of control characters); nothing when empty."""
    from trialscope.presentation.terminal import clean

    if not lines:
        return
    console.print(Text(title, style=style))
    for line in lines:
        console.print(Text(f"  {bullet}{clean(line)}"))


def print_json(document: object) -> None:
    """``document`` as indented JSON on standard output."""
    import sys

    import orjson

    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
