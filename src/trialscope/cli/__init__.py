"""The ``trialscope`` command line: one module per domain, each registering its commands on one Typer app
(``cli/app.py``, with the options and helpers they share). The command modules import the database,
search, matching and web stacks only inside the commands that use them."""

from __future__ import annotations

from trialscope.cli import catalogue, criteria, matching, people, quality, search, sync, web  # noqa: F401  (registers them)
from trialscope.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
