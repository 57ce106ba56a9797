"""The reviewed data files shipped in ``trialscope/data/``, each read against a schema that names every key
it may hold: a key the schema does not know (a typo in review) stops loading, with the file and the key,
instead of passing silently as a word list nobody reads.

    class _Anchors(ReviewedFile):
        FILE: ClassVar[str] = "data/criteria/anchors.json"
        anchors: list[_Anchor]

    data = read_reviewed(_Anchors)

A schema is a pydantic model built on ``Entry`` (an object of the file: unknown keys are errors) or
``ReviewedFile`` (a whole file: the same, and a free-text ``_comment`` for reviewers). Every file schema
is listed in ``SCHEMAS`` by the file it reads, so a test can see that each reviewed file has one.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["SCHEMAS", "DataFileError", "Entry", "ReviewedFile", "checked", "read_reviewed"]

_M = TypeVar("_M", bound=BaseModel)
_F = TypeVar("_F", bound="ReviewedFile")
_SHOWN_ERRORS = 5


class DataFileError(ValueError):
    """A reviewed data file is not what its schema says: the message names the file, the key and what is
    wrong ("data/criteria/quantities.json: quantities[3] (ALT).unti: unknown key")."""


class Entry(BaseModel):
    """An object of a reviewed file: every key it may have is a field; any other is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReviewedFile(Entry):
    """A whole reviewed file: its keys, and a note for reviewers (``_comment``) that the code never reads.
    ``FILE``: where it is, inside the trialscope package."""

    FILE: ClassVar[str] = ""
    comment: str | None = Field(default=None, alias="_comment")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.FILE:
            SCHEMAS[cls.FILE] = cls


SCHEMAS: dict[str, type[ReviewedFile]] = {}  # file -> its schema, for every schema defined (imported) so far


def _place(data: Any, location: tuple[int | str, ...]) -> str:
    """A key's place in the file as a reader finds it: ``quantities[3] (ALT).unti`` (an entry of a list is
    named by its ``key`` or ``term`` when it has one)."""
    words = ""
    here = data
    for step in location:
        if isinstance(step, int):
            words += f"[{step}]"
            here = here[step] if isinstance(here, list) and step < len(here) else None
            name = (here.get("key") or here.get("term")) if isinstance(here, dict) else None
            if isinstance(name, str):
                words += f" ({name})"
        else:
            words += f".{step}" if words else str(step)
            here = here.get(step) if isinstance(here, dict) else None
    return words or "the file"


def _problem(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (not in the file's schema: a typo?)"
    if error["type"] == "missing":
        return "missing key"
    return str(error["msg"])


def checked(data: Any, schema: type[_M], source: str) -> _M:
    """``data`` (a reviewed file's parsed content) as ``schema``; ``DataFileError`` names ``source`` and
    each key at fault."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        lines = [f"{_place(data, tuple(e['loc']))}: {_problem(dict(e))}" for e in errors[:_SHOWN_ERRORS]]
        more = f" (and {len(errors) - _SHOWN_ERRORS} more)" if len(errors) > _SHOWN_ERRORS else ""
        raise DataFileError(f"{source}: " + "; ".join(lines) + more) from None


def read_reviewed(schema: type[_F]) -> _F:
    """The data file of ``schema`` (its ``FILE``, inside the trialscope package), checked against it."""
    text = resources.files("trialscope").joinpath(schema.FILE).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataFileError(f"{schema.FILE}: not JSON: {exc}") from None
    return checked(data, schema, schema.FILE)
